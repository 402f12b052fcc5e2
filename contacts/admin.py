"""Admin for homeowners: the office's main screen."""
from django.contrib import admin

from .admin_send_text import SendTextAdminMixin
from .models import Contact, Tag


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(Contact)
class ContactAdmin(SendTextAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "phone", "lead_status", "opted_out"]
    search_fields = ["first_name", "last_name", "email", "phone"]
