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

from contacts.models import Tag
from crm.api import ConditionalRecordMixin, ErrorSerializer
from crm.api_filters import DateTimeFilter

from . import selectors, services
from .models import Campaign, CampaignMembership, CampaignStatus, MembershipStatus, Variant
from .reply_classifier import ReplyCategory


class CampaignSerializer(serializers.ModelSerializer):
    enrolled_count = serializers.IntegerField(read_only=True, help_text="Members enrolled.")
    pending_count = serializers.IntegerField(read_only=True, help_text="Members not texted yet.")
    sent_count = serializers.IntegerField(read_only=True, help_text="Members texted.")
    replied_count = serializers.IntegerField(read_only=True, help_text="Members who replied.")
    opted_out_count = serializers.IntegerField(read_only=True, help_text="Members who opted out.")
    sent_today = serializers.IntegerField(read_only=True, help_text="Texts sent today (business time zone).")
    paused_reason = serializers.CharField(
        read_only=True,
        help_text="Why a guardrail paused the campaign: opt_out_rate, failure_rate or account_refused; empty when "
        "running or paused by a person. Resuming clears it.",
    )
    paused_detail = serializers.CharField(read_only=True, help_text="What the guardrail saw, in plain words.")

    class Meta:
        model = Campaign
        fields = [
            "id", "name", "status", "template_a", "template_b", "ab_split", "daily_limit", "send_window_start",
            "send_window_end", "phone_number_id", "starts_on", "max_opt_out_percent", "max_failure_percent",
            "guardrail_min_sends", "paused_reason", "paused_detail", "paused_at", "created_by", "created_at",
            "updated_at", "enrolled_count", "pending_count", "sent_count", "replied_count", "opted_out_count",
            "sent_today",
        ]
        read_only_fields = ["status", "paused_reason", "paused_detail", "paused_at", "created_by"]
        extra_kwargs = {
            "name": {"validators": []},  # uniqueness is the service's, with a clearer message
            "phone_number_id": {"help_text": "The sending OpenPhone line (PN...); defaults to the company line."},
            "daily_limit": {"min_value": 1},
        }


class VariantMetricsSerializer(serializers.Serializer):
    """Counts and rates of one variant ("A", "B") or of the whole campaign ("all"); rates are shares of texts sent."""

    variant = serializers.CharField()
    enrolled = serializers.IntegerField()
    pending = serializers.IntegerField()
    sent = serializers.IntegerField()
    delivered = serializers.IntegerField()
    failed = serializers.IntegerField()
    replied = serializers.IntegerField()
    opted_out = serializers.IntegerField()
    interested = serializers.IntegerField()
    response_rate = serializers.FloatField(allow_null=True, help_text="replied / sent; null before any text.")
    opt_out_rate = serializers.FloatField(allow_null=True)
    interested_rate = serializers.FloatField(allow_null=True)
    delivery_rate = serializers.FloatField(allow_null=True)


class SignificanceTestSerializer(serializers.Serializer):
    """Two-proportion z-test of the response rate, B against A."""

    z = serializers.FloatField()
    p_value = serializers.FloatField()
    significant = serializers.BooleanField(help_text="p_value below 0.05.")
    leader = serializers.CharField(allow_null=True, help_text="“A” or “B”, the higher response rate; null on a tie.")


class CampaignMetricsSerializer(serializers.Serializer):
    campaign_id = serializers.IntegerField()
    overall = VariantMetricsSerializer()
    variants = serializers.DictField(child=VariantMetricsSerializer(), help_text="Keyed by variant, “A” and “B”.")
    ab_test = SignificanceTestSerializer(allow_null=True, help_text="Null until both variants have texts sent.")


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
        return selectors.campaigns_overview()

    def perform_create(self, serializer):
        campaign = services.campaign_create(created_by=self.request.user, **serializer.validated_data)
        serializer.instance = self.get_queryset().get(pk=campaign.pk)  # with its progress counts

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

    @extend_schema(responses=CampaignMetricsSerializer)
    @action(detail=True, methods=["get"])
    def metrics(self, request, pk=None):
        """Results overall and per A/B variant, with the significance test of B against A."""
        campaign = self.get_object()
        return Response(CampaignMetricsSerializer(selectors.campaign_metrics(campaign=campaign)).data)


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


# Contacts one enrollment request may name; a larger list is sent in several requests (or tag them).
MAX_ENROLL_IDS = 10_000


class EnrollSerializer(serializers.Serializer):
    """Whom to enroll: `contact_ids`, or everyone with `tag`, not both."""

    contact_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1), required=False, allow_empty=False,
        max_length=MAX_ENROLL_IDS, help_text=f"Contact ids, at most {MAX_ENROLL_IDS:,} per request.",
    )
    tag = serializers.SlugRelatedField(
        slug_field="name", queryset=Tag.objects.all(), required=False, help_text="Enroll everyone with this tag."
    )

    def validate(self, attrs):
        if ("contact_ids" in attrs) == ("tag" in attrs):
            raise serializers.ValidationError("Send either contact_ids or tag.", code="enroll_target")
        return attrs


class EnrollmentResultSerializer(serializers.Serializer):
    added = serializers.IntegerField(help_text="Contacts newly enrolled.")
    skipped = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="Contacts not enrolled, by reason: opted_out, no_valid_phone, already_enrolled, not_found.",
    )
    summary = serializers.CharField(help_text="The same sentence the admin shows.")

    def to_representation(self, result):
        return {"added": result.added, "skipped": dict(result.skipped), "summary": result.summary()}


class MembershipFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=MembershipStatus.choices)
    variant = filters.ChoiceFilter(choices=Variant.choices)
    reply_category = filters.ChoiceFilter(choices=ReplyCategory.choices)
    updated_since = DateTimeFilter(
        field_name="updated_at", lookup_expr="gte", help_text="Changed at or after this time (ISO 8601)."
    )

    class Meta:
        model = CampaignMembership
        fields = ["status", "variant", "reply_category", "updated_since"]


class MembershipViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """The homeowners enrolled in one campaign and how far their text got; POST enrolls more.

    Enrollment goes through campaigns.services like the admin's: opted-out contacts, those
    without a textable number and members already in are skipped and counted.
    """

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

    @extend_schema(
        request=EnrollSerializer,
        responses={
            200: EnrollmentResultSerializer,
            409: OpenApiResponse(ErrorSerializer, description="The campaign is finished and takes no new members."),
        },
    )
    def create(self, request, *args, **kwargs):
        """Enroll contacts by id or by tag."""
        campaign = self.get_campaign()
        body = EnrollSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        if "tag" in body.validated_data:
            result = services.campaign_enroll_tag(campaign=campaign, tag=body.validated_data["tag"])
        else:
            result = services.campaign_enroll_contacts(campaign=campaign, contact_ids=body.validated_data["contact_ids"])
        return Response(EnrollmentResultSerializer(result).data)
