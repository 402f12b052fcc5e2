"""OpenPhone's webhook endpoint, included from crm/urls.py under /webhooks/openphone/."""
from django.urls import path

from .views import openphone_webhook

app_name = "openphone"

urlpatterns = [
    path("", openphone_webhook, name="webhook"),
]
