"""Top-level URLs: the admin is the main interface; dashboard, webhooks and the API hang off it."""
from django.contrib import admin
from django.urls import include, path

from crm import account_views
from crm.favicon import favicon
from crm.health import healthz

# admin.site is crm.admin_site.CrmAdminSite (titles, the office's index groups, "View site").

urlpatterns = [
    # First: the busiest URL, answered while OpenPhone waits, is matched before any other is tried.
    path("webhooks/openphone/", include("openphone.urls")),
    # The office inbox lives inside the admin site (its login, header and templates).
    path("admin/inbox/", include("contacts.inbox.urls")),
    path("admin/", admin.site.urls),
    path("account/two-factor/", account_views.two_factor_page, name="two_factor"),
    path("account/two-factor/setup/", account_views.two_factor_setup, name="two_factor_setup"),
    path("account/two-factor/verify/", account_views.two_factor_verify, name="two_factor_verify"),
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon, name="favicon"),
    path("dashboard/", include("dashboard.urls")),
    path("api/", include("crm.api_urls")),
    path("calendar/", include("jobs.urls")),
]
