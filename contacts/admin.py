"""Admin for homeowners: the office's main screen."""
from django.contrib import admin

from campaigns.admin_actions import add_contacts_to_campaign

from .models import Contact, Tag


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["__str__", "phone", "lead_status", "opted_out"]
    search_fields = ["first_name", "last_name", "email", "phone"]
    actions = [add_contacts_to_campaign]
