"""REST API for homeowners, their timeline and their conversations (/api/v1/contacts, activities, conversations).

Thin: serializers check shapes, the services in contacts.services apply the rules (phone
normalization and uniqueness, opt-out) exactly as they do for the admin.
"""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter, SearchFilter
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from crm.api import ConditionalRecordMixin, ErrorSerializer, TimelineCursorPagination
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
            "last_activity_at", "waiting_for_reply", "snoozed_until", "assigned_to", "done_at", "done_by",
            "created_at",
        ]
        read_only_fields = fields


class ConversationMessageSerializer(serializers.Serializer):
    body = serializers.CharField(
        max_length=services.MAX_TEXT_LENGTH,
        help_text="The text; sent from the conversation's own line through the CRM's sending rules.",
    )


class SnoozeSerializer(serializers.Serializer):
    until = serializers.DateTimeField(help_text="When it comes back to “needs reply” (ISO 8601, in the future).")


class AssignSerializer(serializers.Serializer):
    user = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True, is_staff=True), allow_null=True,
        help_text="Id of an active staff user, or null to unassign.",
    )


class OutsideWindowSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()
    next_allowed_at = serializers.DateTimeField(
        allow_null=True, help_text="The first moment the homeowner may be texted; null when unknown."
    )


class ConversationFilter(filters.FilterSet):
    contact = IntegerFilter(field_name="contact_id")
    waiting_for_reply = filters.BooleanFilter(help_text="true: the homeowner wrote last and nobody has answered.")
    phone_number_id = filters.CharFilter(help_text="Our OpenPhone line (PN...).")
    active_since = DateTimeFilter(field_name="last_activity_at", lookup_expr="gte")
    needs_reply = filters.BooleanFilter(
        method="filter_needs_reply",
        help_text="true: waiting for our answer and not snoozed (the inbox's “Needs reply”); false: the others.",
    )
    assignee = IntegerFilter(field_name="assigned_to_id", help_text="Assigned to this user (id).")

    class Meta:
        model = Conversation
        fields = ["contact", "waiting_for_reply", "phone_number_id", "active_since", "needs_reply", "assignee"]

    def filter_needs_reply(self, queryset, name, value):
        from django.utils import timezone

        from .inbox.selectors import needs_reply_q

        q = needs_reply_q(timezone.now())
        return queryset.filter(q) if value else queryset.exclude(q)


class ConversationViewSet(viewsets.ReadOnlyModelViewSet):
    """Threads between a homeowner and one of our lines; `?needs_reply=true` lists who waits for us.

    POST .../messages/ answers from the conversation's own line; .../done/, .../snooze/ and
    .../assign/ do what the office inbox's buttons do.
    """

    serializer_class = ConversationSerializer
    filterset_class = ConversationFilter
    filter_backends = [filters.DjangoFilterBackend, OrderingFilter]
    ordering_fields = ["last_activity_at", "created_at", "id"]
    action_permissions = {
        "messages": ["contacts.change_conversation"],
        "done": ["contacts.change_conversation"],
        "snooze": ["contacts.change_conversation"],
        "assign": ["contacts.change_conversation"],
    }

    def get_queryset(self):
        return selectors.conversation_list()

    def _fresh(self, conversation):
        return Response(ConversationSerializer(self.get_queryset().get(pk=conversation.pk)).data)

    @extend_schema(
        request=ConversationMessageSerializer,
        responses={
            201: ActivitySerializer,
            409: OpenApiResponse(ErrorSerializer, description="The homeowner opted out, is held, or has no number."),
            422: OpenApiResponse(OutsideWindowSerializer, description="Outside the homeowner's send window."),
            502: OpenApiResponse(ErrorSerializer, description="OpenPhone did not take the text."),
        },
    )
    @action(detail=True, methods=["post"])
    def messages(self, request, pk=None):
        """Text the homeowner from this conversation's line; the conversation stops waiting."""
        from crm.sms import SmsSendError

        from .inbox import services as inbox_services
        from .inbox.selectors import reply_window

        conversation = self.get_object()
        body = ConversationMessageSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            activity = inbox_services.conversation_reply(
                conversation=conversation, body=body.validated_data["body"], by_user=request.user
            )
        except services.TextRefused as exc:
            detail = " ".join(exc.messages)
            if exc.code == "outside_window":
                from django.utils import timezone

                _, opening = reply_window(contact=conversation.contact, now=timezone.now())
                return Response(
                    {"detail": detail, "code": exc.code, "next_allowed_at": opening},
                    status=status.HTTP_422_UNPROCESSABLE_ENTITY,
                )
            if exc.code in ("empty_body", "too_long"):
                return Response({"body": [detail]}, status=status.HTTP_400_BAD_REQUEST)
            return Response({"detail": detail, "code": exc.code}, status=status.HTTP_409_CONFLICT)
        except SmsSendError as exc:
            return Response({"detail": f"OpenPhone did not take the text: {exc}", "code": "provider_error"},
                            status=status.HTTP_502_BAD_GATEWAY)
        return Response(ActivitySerializer(activity).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=ConversationSerializer)
    @action(detail=True, methods=["post"])
    def done(self, request, pk=None):
        """Handled without a reply: no longer needs one until the homeowner writes again."""
        from .inbox import services as inbox_services

        conversation = inbox_services.conversation_mark_done(conversation=self.get_object(), by_user=request.user)
        return self._fresh(conversation)

    @extend_schema(request=SnoozeSerializer, responses=ConversationSerializer)
    @action(detail=True, methods=["post"])
    def snooze(self, request, pk=None):
        """Hide from “needs reply” until `until` or until the homeowner writes again."""
        from .inbox import services as inbox_services

        conversation = self.get_object()
        body = SnoozeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        inbox_services.conversation_snooze(conversation=conversation, until=body.validated_data["until"],
                                           by_user=request.user)
        return self._fresh(conversation)

    @extend_schema(request=AssignSerializer, responses=ConversationSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        """Give the conversation to a staff user (null: to nobody)."""
        from .inbox import services as inbox_services

        conversation = self.get_object()
        body = AssignSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        inbox_services.conversation_assign(conversation=conversation, user=body.validated_data["user"],
                                           by_user=request.user)
        return self._fresh(conversation)
