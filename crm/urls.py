"""Top-level URLs: the admin is the main interface; dashboard, webhooks and the API hang off it."""
from django.contrib import admin
from django.urls import include, path

from crm.health import healthz

admin.site.site_header = "Attack-a-Crack Foundation Repair"
admin.site.site_title = "Attack-a-Crack CRM"
admin.site.index_title = "Back office"
# The homeowner list and page need the full width; the home page and breadcrumbs navigate.
admin.site.enable_nav_sidebar = False

urlpatterns = [
    # First: the busiest URL, answered while OpenPhone waits, is matched before any other is tried.
    path("webhooks/openphone/", include("openphone.urls")),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("dashboard/", include("dashboard.urls")),
    path("api/", include("crm.api_urls")),
]
