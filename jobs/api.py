"""REST API for follow-up tasks, visits, quotes and jobs (/api/v1/tasks, appointments, quotes, jobs).

Writes go through jobs.services like the admin's, so the same refusals (a visit ending before it
starts, a negative amount, a job for a quote that is not accepted, a reminder for an opted-out
homeowner) come back as 400 with the field and the reason.
"""
from __future__ import annotations

from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response

from campaigns.api import CampaignMetricsSerializer, CampaignViewSet, VariantMetricsSerializer
from campaigns.selectors import campaign_metrics
from crm.api import ConditionalRecordMixin, ErrorSerializer
from crm.api_filters import DateTimeFilter

from . import selectors, services
from .models import (
    Appointment,
    AppointmentKind,
    AppointmentState,
    FollowUpTask,
    Job,
    Quote,
    QuoteState,
    TaskOrigin,
)

_UPDATED_SINCE = {"field_name": "updated_at", "lookup_expr": "gte", "help_text": "Changed at or after this time (ISO 8601)."}


class _ServiceViewSet(ConditionalRecordMixin, viewsets.ModelViewSet):
    """Create and update through a service; read the record back as the list shows it."""

    filter_backends = [filters.DjangoFilterBackend, OrderingFilter]
    http_method_names = ["get", "post", "patch", "put", "delete", "head", "options"]

    def create_with(self, data):
        raise NotImplementedError

    def update_with(self, instance, data):
        raise NotImplementedError

    def perform_create(self, serializer):
        serializer.instance = self.get_queryset().get(pk=self.create_with(dict(serializer.validated_data)).pk)

    def perform_update(self, serializer):
        self.update_with(serializer.instance, dict(serializer.validated_data))


# --- Tasks ----------------------------------------------------------------------------------


class TaskSerializer(serializers.ModelSerializer):
    class Meta:
        model = FollowUpTask
        fields = [
            "id", "title", "due_at", "contact", "conversation", "property", "assignee", "notes", "origin", "quote",
            "appointment", "done_at", "done_by", "closed_reason", "created_at", "updated_at",
        ]
        read_only_fields = ["origin", "quote", "appointment", "done_at", "done_by", "closed_reason"]


class TaskFilter(filters.FilterSet):
    contact = filters.NumberFilter()
    assignee = filters.NumberFilter()
    origin = filters.ChoiceFilter(choices=TaskOrigin.choices)
    done = filters.BooleanFilter(field_name="done_at", lookup_expr="isnull", exclude=True,
                                 help_text="true: done tasks only; false: open tasks only.")
    due_before = DateTimeFilter(field_name="due_at", lookup_expr="lt", help_text="Due before this time (ISO 8601).")
    updated_since = DateTimeFilter(**_UPDATED_SINCE)

    class Meta:
        model = FollowUpTask
        fields = ["contact", "assignee", "origin", "done", "due_before", "updated_since"]


class TaskViewSet(_ServiceViewSet):
    """Follow-up tasks, by hand or made by the rules. POST .../done/ marks one done, .../reopen/ opens it again."""

    serializer_class = TaskSerializer
    filterset_class = TaskFilter
    ordering_fields = ["due_at", "id", "updated_at"]
    action_permissions = {
        "done": ["jobs.change_followuptask"],
        "reopen": ["jobs.change_followuptask"],
    }

    def get_queryset(self):
        return selectors.task_list().order_by("due_at", "id")

    def create_with(self, data):
        return services.task_create(**data)

    def update_with(self, instance, data):
        services.task_update(task=instance, **data)

    def _after(self, service, **kwargs):
        service(task=self.get_object(), **kwargs)
        task = self.get_object()
        return self._with_validators(Response(self.get_serializer(task).data), task)

    @extend_schema(request=None, responses={200: TaskSerializer})
    @action(detail=True, methods=["post"])
    def done(self, request, pk=None):
        """Mark the task done now by the token's user, as the admin's "Mark done" does; a done task stays as it was."""
        return self._after(services.task_complete, by_user=request.user)

    @extend_schema(request=None, responses={200: TaskSerializer})
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        """Open a closed task again (clears done_at, done_by and closed_reason); an open task stays as it was."""
        return self._after(services.task_reopen)


# --- Visits ---------------------------------------------------------------------------------


class AppointmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Appointment
        fields = [
            "id", "contact", "property", "starts_at", "ends_at", "kind", "state", "assignee", "notes", "send_reminder",
            "sequence", "reminder_sent_at", "reminder_result", "campaign", "variant", "created_at", "updated_at",
        ]
        read_only_fields = ["sequence", "reminder_sent_at", "reminder_result", "campaign", "variant"]


class AppointmentFilter(filters.FilterSet):
    contact = filters.NumberFilter()
    assignee = filters.NumberFilter()
    campaign = filters.NumberFilter()
    kind = filters.ChoiceFilter(choices=AppointmentKind.choices)
    state = filters.ChoiceFilter(choices=AppointmentState.choices)
    starts_after = DateTimeFilter(field_name="starts_at", lookup_expr="gte", help_text="Starting at or after (ISO 8601).")
    starts_before = DateTimeFilter(field_name="starts_at", lookup_expr="lt", help_text="Starting before (ISO 8601).")
    updated_since = DateTimeFilter(**_UPDATED_SINCE)

    class Meta:
        model = Appointment
        fields = ["contact", "assignee", "campaign", "kind", "state", "starts_after", "starts_before", "updated_since"]


class AppointmentViewSet(_ServiceViewSet):
    """Estimate visits and job days. Scheduling one moves the homeowner's lead status forward and credits it
    to the campaign and variant that earned it, as a quote is."""

    serializer_class = AppointmentSerializer
    filterset_class = AppointmentFilter
    ordering_fields = ["starts_at", "id", "updated_at"]

    def get_queryset(self):
        return selectors.appointment_list().order_by("starts_at", "id")

    def create_with(self, data):
        data.pop("state", None)
        return services.appointment_create(created_by=self.request.user, **data)

    def update_with(self, instance, data):
        services.appointment_update(appointment=instance, **data)


class QuoteHasJob(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "This quote became a job; delete the job first."
    default_code = "quote_has_job"


# --- Quotes ---------------------------------------------------------------------------------


class LineItemSerializer(serializers.Serializer):
    description = serializers.CharField(max_length=200)
    amount = serializers.DecimalField(max_digits=10, decimal_places=2, coerce_to_string=True)


class QuoteSerializer(serializers.ModelSerializer):
    amount = serializers.DecimalField(
        max_digits=10, decimal_places=2, coerce_to_string=True, help_text='Dollars, as a decimal string ("4250.00").'
    )
    line_items = LineItemSerializer(many=True, required=False, help_text="Optional breakdown.")

    class Meta:
        model = Quote
        fields = [
            "id", "contact", "property", "amount", "line_items", "sent_on", "state", "decided_on", "campaign",
            "variant", "created_at", "updated_at",
        ]
        read_only_fields = ["decided_on", "campaign", "variant"]

    def validate_line_items(self, items):
        return [{"description": i["description"], "amount": str(i["amount"])} for i in items]


class QuoteFilter(filters.FilterSet):
    contact = filters.NumberFilter()
    campaign = filters.NumberFilter()
    state = filters.ChoiceFilter(choices=QuoteState.choices)
    updated_since = DateTimeFilter(**_UPDATED_SINCE)

    class Meta:
        model = Quote
        fields = ["contact", "campaign", "state", "updated_since"]


class QuoteViewSet(_ServiceViewSet):
    """Quotes; each is credited to the campaign and variant that earned it when it is created."""

    serializer_class = QuoteSerializer
    filterset_class = QuoteFilter
    ordering_fields = ["created_at", "id", "updated_at", "amount"]

    def get_queryset(self):
        return selectors.quote_list().order_by("-created_at", "-id")

    def create_with(self, data):
        return services.quote_create(created_by=self.request.user, **data)

    @extend_schema(responses={
        204: None, 409: OpenApiResponse(ErrorSerializer, description="The quote became a job; delete the job first."),
    })
    def destroy(self, request, *args, **kwargs):
        return super().destroy(request, *args, **kwargs)

    def perform_destroy(self, instance):
        if Job.objects.filter(quote=instance).exists():
            raise QuoteHasJob()
        instance.delete()

    def update_with(self, instance, data):
        services.quote_update(quote=instance, **data)


# --- Jobs -----------------------------------------------------------------------------------


class JobSerializer(serializers.ModelSerializer):
    amount_invoiced = serializers.DecimalField(
        max_digits=10, decimal_places=2, coerce_to_string=True, required=False, allow_null=True,
        help_text="Dollars, as a decimal string.",
    )

    class Meta:
        model = Job
        fields = ["id", "quote", "scheduled_on", "done_on", "amount_invoiced", "paid_on", "notes", "created_at",
                  "updated_at"]
        extra_kwargs = {"quote": {"validators": []}}  # one job per quote: the service says so


class JobFilter(filters.FilterSet):
    paid = filters.BooleanFilter(field_name="paid_on", lookup_expr="isnull", exclude=True)
    done = filters.BooleanFilter(field_name="done_on", lookup_expr="isnull", exclude=True)
    updated_since = DateTimeFilter(**_UPDATED_SINCE)

    class Meta:
        model = Job
        fields = ["paid", "done", "updated_since"]


class JobViewSet(_ServiceViewSet):
    """Jobs made from accepted quotes: scheduled, done, invoiced, paid."""

    serializer_class = JobSerializer
    filterset_class = JobFilter
    ordering_fields = ["scheduled_on", "id", "updated_at"]

    def get_queryset(self):
        return selectors.job_list().order_by("-created_at", "-id")

    def create_with(self, data):
        quote = data.pop("quote")
        if Job.objects.filter(quote=quote).exists():
            raise serializers.ValidationError({"quote": ["This quote already has a job."]})
        return services.job_create(quote=quote, **data)

    def update_with(self, instance, data):
        quote = data.pop("quote", instance.quote)
        if quote.pk != instance.quote_id:
            raise serializers.ValidationError({"quote": ["A job stays with its quote."]})
        services.job_update(job=instance, **data)





# --- Campaign metrics with money ------------------------------------------------------------
# campaigns sits below jobs and cannot know about quotes; crm/api_urls.py registers this subclass
# of its viewset, so /api/v1/campaigns/{id}/metrics/ gains what each campaign and variant earned.


class MoneyVariantMetricsSerializer(VariantMetricsSerializer):
    quotes_accepted = serializers.IntegerField(help_text="Quotes credited to this campaign (variant) and accepted.")
    revenue_won = serializers.IntegerField(
        help_text="In cents: invoiced amount of their jobs, else the accepted quotes' amounts."
    )


class MoneyCampaignMetricsSerializer(CampaignMetricsSerializer):
    overall = MoneyVariantMetricsSerializer()
    variants = serializers.DictField(child=MoneyVariantMetricsSerializer(), help_text="Keyed by variant, “A” and “B”.")


class CampaignWithMoneyViewSet(CampaignViewSet):
    __doc__ = CampaignViewSet.__doc__

    @extend_schema(responses=MoneyCampaignMetricsSerializer)
    @action(detail=True, methods=["get"])
    def metrics(self, request, pk=None):
        """Results overall and per A/B variant, with the significance test of B against A and the money won."""
        campaign = self.get_object()
        data = CampaignMetricsSerializer(campaign_metrics(campaign=campaign)).data
        money = selectors.campaign_money(campaign_ids=[campaign.pk])
        totals = selectors.campaign_money_totals(money).get(campaign.pk, selectors.CampaignMoney())
        data["overall"].update(quotes_accepted=totals.quotes_accepted, revenue_won=totals.revenue_won_cents)
        for variant, figures in data["variants"].items():
            earned = money.get((campaign.pk, variant), selectors.CampaignMoney())
            figures.update(quotes_accepted=earned.quotes_accepted, revenue_won=earned.revenue_won_cents)
        return Response(data)
