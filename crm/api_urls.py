"""URLs of the REST API: /api/v1/ (the endpoints), /api/schema/ (OpenAPI 3), /api/docs/ and /api/redoc/."""
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from campaigns.api import MembershipViewSet
from contacts.api import ActivityViewSet, ContactViewSet, ConversationViewSet
from crm.api import not_found
from jobs.api import AppointmentViewSet, CampaignWithMoneyViewSet, JobViewSet, QuoteViewSet, TaskViewSet
from properties.api import PropertyViewSet, TextAnalysisView

router = DefaultRouter()
router.register("contacts", ContactViewSet, basename="contact")
router.register("properties", PropertyViewSet, basename="property")
# jobs' subclass of campaigns' viewset: the metrics also say what each campaign earned.
router.register("campaigns", CampaignWithMoneyViewSet, basename="campaign")
router.register(r"campaigns/(?P<campaign_pk>[^/.]+)/memberships", MembershipViewSet, basename="campaign-membership")
router.register("activities", ActivityViewSet, basename="activity")
router.register("conversations", ConversationViewSet, basename="conversation")
router.register("tasks", TaskViewSet, basename="task")
router.register("appointments", AppointmentViewSet, basename="appointment")
router.register("quotes", QuoteViewSet, basename="quote")
router.register("jobs", JobViewSet, basename="job")

urlpatterns = [
    path("v1/text-analysis/", TextAnalysisView.as_view(), name="api-text-analysis"),
    path("v1/", include((router.urls, "api"), namespace="api")),
    re_path(r"^v1/", not_found),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
]
