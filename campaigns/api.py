"""REST API for campaigns and their members (/api/v1/campaigns, /api/v1/campaigns/{id}/memberships).

The lifecycle actions call the same campaigns.services functions as the admin, so a refused
transition is refused here too (409 with the reason).
"""
from __future__ import annotations

from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter, SearchFilter
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from crm.api import ConditionalRecordMixin, ErrorSerializer
from crm.api_filters import DateTimeFilter

from . import selectors, services
from .models import Campaign, CampaignMembership, CampaignStatus, MembershipStatus, Variant


class CampaignSerializer(serializers.ModelSerializer):
    class Meta:
        model = Campaign
        fields = [
            "id", "name", "status", "template_a", "template_b", "ab_split", "daily_limit", "send_window_start",
            "send_window_end", "phone_number_id", "starts_on", "created_by", "created_at", "updated_at",
        ]
        read_only_fields = ["status", "created_by"]
        extra_kwargs = {
            "name": {"validators": []},  # uniqueness is the service's, with a clearer message
            "phone_number_id": {"help_text": "The sending OpenPhone line (PN...); defaults to the company line."},
            "daily_limit": {"min_value": 1},
        }


class CampaignFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=CampaignStatus.choices)
    phone_number_id = filters.CharFilter()
    updated_since = DateTimeFilter(
        field_name="updated_at", lookup_expr="gte", help_text="Changed at or after this time (ISO 8601)."
    )

    class Meta:
        model = Campaign
        fields = ["status", "phone_number_id", "updated_since"]


_TRANSITION_RESPONSES = {
    200: CampaignSerializer,
    409: OpenApiResponse(ErrorSerializer, description="The campaign's status does not allow this step."),
}


class CampaignViewSet(ConditionalRecordMixin, viewsets.ModelViewSet):
    """Text campaigns. Status changes only through start, pause, resume and cancel."""

    serializer_class = CampaignSerializer
    filterset_class = CampaignFilter
    filter_backends = [filters.DjangoFilterBackend, SearchFilter, OrderingFilter]
    search_fields = ["name"]
    ordering_fields = ["id", "name", "created_at", "updated_at", "starts_on"]
    action_permissions = {
        "start": ["campaigns.change_campaign"],
        "pause": ["campaigns.change_campaign"],
        "resume": ["campaigns.change_campaign"],
        "cancel": ["campaigns.change_campaign"],
        "metrics": ["campaigns.view_campaign"],
    }

    def get_queryset(self):
        return selectors.campaign_list()

    def perform_create(self, serializer):
        serializer.instance = services.campaign_create(created_by=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        services.campaign_update(campaign=serializer.instance, **serializer.validated_data)

    def perform_destroy(self, instance):
        services.campaign_delete(campaign=instance)

    def _transition(self, service):
        campaign = self.get_object()
        service(campaign=campaign)
        campaign = self.get_object()
        return self._with_validators(Response(self.get_serializer(campaign).data), campaign)

    @extend_schema(request=None, responses=_TRANSITION_RESPONSES)
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        """Start sending (a draft or scheduled campaign); the next batch run picks it up."""
        return self._transition(services.campaign_start)

    @extend_schema(request=None, responses=_TRANSITION_RESPONSES)
    @action(detail=True, methods=["post"])
    def pause(self, request, pk=None):
        """Stop sending until resumed."""
        return self._transition(services.campaign_pause)

    @extend_schema(request=None, responses=_TRANSITION_RESPONSES)
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        """Send again after a pause."""
        return self._transition(services.campaign_resume)

    @extend_schema(request=None, responses=_TRANSITION_RESPONSES)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Stop for good; pending members are never texted."""
        return self._transition(services.campaign_cancel)


# --- Memberships ----------------------------------------------------------------------------


class MembershipSerializer(serializers.ModelSerializer):
    contact_name = serializers.CharField(source="contact.full_name", read_only=True)
    contact_phone = serializers.CharField(source="contact.phone", read_only=True, allow_null=True)

    class Meta:
        model = CampaignMembership
        fields = [
            "id", "campaign", "contact", "contact_name", "contact_phone", "variant", "status", "activity",
            "sent_at", "replied_at", "reply_category", "attempts", "last_error", "created_at", "updated_at",
        ]
        read_only_fields = fields


class MembershipFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=MembershipStatus.choices)
    variant = filters.ChoiceFilter(choices=Variant.choices)
    updated_since = DateTimeFilter(
        field_name="updated_at", lookup_expr="gte", help_text="Changed at or after this time (ISO 8601)."
    )

    class Meta:
        model = CampaignMembership
        fields = ["status", "variant", "updated_since"]


class MembershipViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The homeowners enrolled in one campaign and how far their text got."""

    serializer_class = MembershipSerializer
    filterset_class = MembershipFilter
    filter_backends = [filters.DjangoFilterBackend]

    def get_campaign(self) -> Campaign:
        if not hasattr(self, "_campaign"):
            self._campaign = get_object_or_404(Campaign.objects.only("id", "name", "status"), pk=self.kwargs["campaign_pk"])
        return self._campaign

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no campaign
            return CampaignMembership.objects.none()
        return selectors.membership_list(campaign=self.get_campaign())
