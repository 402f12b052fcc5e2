"""REST API for homeowners, their timeline and their conversations (/api/v1/contacts, activities, conversations).

Thin: serializers check shapes, the services in contacts.services apply the rules (phone
normalization and uniqueness, opt-out) exactly as they do for the admin.
"""
from __future__ import annotations

from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter, SearchFilter
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from crm.api import ConditionalRecordMixin, TimelineCursorPagination
from crm.api_filters import DateTimeFilter, IntegerFilter

from . import selectors, services
from .models import Activity, ActivityKind, Contact, ContactSource, Conversation, Direction, LeadStatus

# Opt-out state changes only through POST .../opt-out/ and .../opt-in/, which leave an
# OptOutEvent (who, when, why): a PATCH could silently make an opted-out person textable.
OPT_OUT_FIELDS = ("opted_out", "opted_out_at", "opted_out_reason")


# --- Contacts -------------------------------------------------------------------------------


class TagNamesField(serializers.ListField):
    """Tags as a list of names; names not seen before create the tag."""

    child = serializers.CharField(max_length=64)

    def to_representation(self, value):
        return [tag.name for tag in value.all()]


class ContactSerializer(serializers.ModelSerializer):
    phone = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, max_length=32,
        help_text="Main mobile number. Any format is accepted (“(617) 555-0123”); it is stored and "
        "returned in E.164 (“+16175550123”) and must not belong to another contact.",
    )
    phone_display = serializers.CharField(read_only=True, help_text="The main number as people read it.")
    other_phones = serializers.SerializerMethodField(help_text="Further numbers of this person, E.164.")
    full_name = serializers.CharField(read_only=True)
    tags = TagNamesField(required=False, help_text="Tag names; new names create the tag.")

    class Meta:
        model = Contact
        fields = [
            "id", "first_name", "last_name", "full_name", "phone", "phone_display", "other_phones", "email",
            "lead_status", "source", "tags", "notes", "opted_out", "opted_out_at", "opted_out_reason",
            "mailing_address", "mailing_city", "mailing_state", "mailing_zip", "openphone_contact_id",
            "created_at", "updated_at",
        ]
        read_only_fields = ["source", "openphone_contact_id", *OPT_OUT_FIELDS]

    def get_other_phones(self, contact: Contact) -> list[str]:
        return [p.phone for p in contact.phones.all() if p.phone != contact.phone]

    def validate(self, attrs):
        sent = [name for name in OPT_OUT_FIELDS if name in self.initial_data]
        if sent:
            raise serializers.ValidationError(
                dict.fromkeys(sent, "Opt-out is changed only through POST /api/v1/contacts/{id}/opt-out/ or /opt-in/."),
                code="opt_out_read_only",
            )
        return attrs


class OptOutChangeSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=255, help_text="Why; kept in the opt-out audit trail.")


class OptOutSerializer(OptOutChangeSerializer):
    reason = serializers.CharField(
        max_length=255, required=False, default="Opt-out requested through the API",
        help_text="Why; kept in the opt-out audit trail.",
    )


class ContactFilter(filters.FilterSet):
    tag = filters.CharFilter(field_name="tags__name", lookup_expr="iexact", help_text="Has the tag with this name.")
    lead_status = filters.ChoiceFilter(choices=LeadStatus.choices)
    source = filters.ChoiceFilter(choices=ContactSource.choices)
    opted_out = filters.BooleanFilter()
    updated_since = DateTimeFilter(
        field_name="updated_at", lookup_expr="gte",
        help_text="Only contacts changed at or after this time (ISO 8601), for incremental sync.",
    )

    class Meta:
        model = Contact
        fields = ["tag", "lead_status", "source", "opted_out", "updated_since"]


class ContactSearchFilter(SearchFilter):
    """`?search=`: a phone number in any format, or words from the name or email."""

    search_description = "A phone number in any format, or words of the name or email."

    def filter_queryset(self, request, queryset, view):
        terms = self.get_search_terms(request)
        return selectors.contact_search(queryset=queryset, term=" ".join(terms))


class ContactViewSet(ConditionalRecordMixin, viewsets.ModelViewSet):
    """Homeowners. Writes go through contacts.services, like the admin's."""

    serializer_class = ContactSerializer
    filterset_class = ContactFilter
    filter_backends = [filters.DjangoFilterBackend, ContactSearchFilter, OrderingFilter]
    search_fields = ["first_name", "last_name", "email", "phone"]  # documents ?search=; see ContactSearchFilter
    ordering_fields = ["id", "last_name", "created_at", "updated_at"]
    action_permissions = {
        "opt_out": ["contacts.change_contact"],
        "opt_in": ["contacts.change_contact"],
    }

    def get_queryset(self):
        return selectors.contact_list()

    def perform_create(self, serializer):
        serializer.instance = services.contact_create(source=ContactSource.API, **serializer.validated_data)

    def perform_update(self, serializer):
        services.contact_update(contact=serializer.instance, **serializer.validated_data)

    def _contact_response(self, pk):
        contact = get_object_or_404(self.get_queryset(), pk=pk)
        return self._with_validators(Response(self.get_serializer(contact).data), contact)

    @extend_schema(request=OptOutSerializer, responses=ContactSerializer)
    @action(detail=True, methods=["post"], url_path="opt-out")
    def opt_out(self, request, pk=None):
        """Never text this person again (audited). Repeating it is harmless."""
        contact = self.get_object()
        body = OptOutSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.contact_opt_out(contact=contact, reason=body.validated_data["reason"], source="api", by_user=request.user)
        return self._contact_response(contact.pk)

    @extend_schema(request=OptOutChangeSerializer, responses=ContactSerializer)
    @action(detail=True, methods=["post"], url_path="opt-in")
    def opt_in(self, request, pk=None):
        """Allow texting again, only with the person's consent; the reason is required and audited."""
        contact = self.get_object()
        body = OptOutChangeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.contact_opt_in(contact=contact, reason=body.validated_data["reason"], source="api", by_user=request.user)
        return self._contact_response(contact.pk)


# --- Activities (the timeline) --------------------------------------------------------------


class ActivitySerializer(serializers.ModelSerializer):
    recording_url = serializers.CharField(read_only=True, help_text="Link to the call recording; empty if none.")
    membership = serializers.IntegerField(
        source="campaign_membership.pk", read_only=True, allow_null=True, default=None,
        help_text="The campaign membership this text was sent for, if any.",
    )

    class Meta:
        model = Activity
        fields = [
            "id", "contact", "conversation", "kind", "direction", "body", "status", "openphone_id",
            "occurred_at", "duration_seconds", "recording_url", "transcript", "summary", "sent_by",
            "membership", "created_at", "updated_at",
        ]
        read_only_fields = fields


class NoteCreateSerializer(serializers.Serializer):
    contact = serializers.PrimaryKeyRelatedField(queryset=Contact.objects.all())
    kind = serializers.ChoiceField(
        choices=[ActivityKind.NOTE], default=ActivityKind.NOTE,
        help_text="Only notes are created here; texts go out through the CRM's sending rules, "
        "calls and messages arrive from OpenPhone.",
    )
    body = serializers.CharField(max_length=10_000)


class ActivityFilter(filters.FilterSet):
    contact = IntegerFilter(field_name="contact_id")
    kind = filters.ChoiceFilter(choices=ActivityKind.choices)
    direction = filters.ChoiceFilter(choices=Direction.choices)
    date = filters.DateFilter(field_name="occurred_at", lookup_expr="date", help_text="Occurred on this day.")
    occurred_after = DateTimeFilter(field_name="occurred_at", lookup_expr="gte")
    occurred_before = DateTimeFilter(field_name="occurred_at", lookup_expr="lt")
    updated_since = DateTimeFilter(
        field_name="updated_at", lookup_expr="gte", help_text="Changed at or after this time (ISO 8601)."
    )
    campaign = IntegerFilter(field_name="campaign_membership__campaign_id", help_text="Texts of this campaign.")

    class Meta:
        model = Activity
        fields = ["contact", "kind", "direction", "date", "occurred_after", "occurred_before", "updated_since"]


class ActivityViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Timeline entries, newest first with cursor pages; POST adds a staff note."""

    serializer_class = ActivitySerializer
    filterset_class = ActivityFilter
    pagination_class = TimelineCursorPagination
    filter_backends = [filters.DjangoFilterBackend]

    def get_queryset(self):
        return selectors.activity_list()

    @extend_schema(request=NoteCreateSerializer, responses={201: ActivitySerializer})
    def create(self, request, *args, **kwargs):
        body = NoteCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        note = services.note_create(
            contact=body.validated_data["contact"], body=body.validated_data["body"], by_user=request.user
        )
        return Response(ActivitySerializer(note).data, status=status.HTTP_201_CREATED)


# --- Conversations --------------------------------------------------------------------------


class ConversationSerializer(serializers.ModelSerializer):
    contact_name = serializers.CharField(source="contact.full_name", read_only=True)
    contact_phone = serializers.CharField(source="contact.phone", read_only=True, allow_null=True)

    class Meta:
        model = Conversation
        fields = [
            "id", "contact", "contact_name", "contact_phone", "phone_number_id", "openphone_conversation_id",
            "last_activity_at", "waiting_for_reply", "created_at",
        ]
        read_only_fields = fields


class ConversationFilter(filters.FilterSet):
    contact = IntegerFilter(field_name="contact_id")
    waiting_for_reply = filters.BooleanFilter(help_text="true: the homeowner wrote last and nobody has answered.")
    phone_number_id = filters.CharFilter(help_text="Our OpenPhone line (PN...).")
    active_since = DateTimeFilter(field_name="last_activity_at", lookup_expr="gte")

    class Meta:
        model = Conversation
        fields = ["contact", "waiting_for_reply", "phone_number_id", "active_since"]


class ConversationViewSet(viewsets.ReadOnlyModelViewSet):
    """Threads between a homeowner and one of our lines; `?waiting_for_reply=true` lists who waits for us."""

    serializer_class = ConversationSerializer
    filterset_class = ConversationFilter
    filter_backends = [filters.DjangoFilterBackend, OrderingFilter]
    ordering_fields = ["last_activity_at", "created_at", "id"]

    def get_queryset(self):
        return selectors.conversation_list()
