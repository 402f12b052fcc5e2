"""REST API for houses and their owners (/api/v1/properties). Writes go through properties.services."""
from __future__ import annotations

from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.filters import OrderingFilter, SearchFilter
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from crm.api import ConditionalRecordMixin
from crm.api_filters import DateTimeFilter, IntegerFilter

from . import selectors, services
from .models import OwnerRole, Property


class OwnerSerializer(serializers.Serializer):
    contact = serializers.IntegerField(
        source="contact_id", min_value=1, max_value=2**63 - 1, help_text="The owner's contact id."
    )
    role = serializers.ChoiceField(choices=OwnerRole.choices, default=OwnerRole.PRIMARY_OWNER)
    name = serializers.CharField(source="contact.full_name", read_only=True)
    phone = serializers.CharField(source="contact.phone", read_only=True, allow_null=True)


class PropertySerializer(serializers.ModelSerializer):
    owners = OwnerSerializer(
        many=True, required=False, source="contact_links",
        help_text="Who owns or lives in the house. Sending the list replaces the owners.",
    )

    class Meta:
        model = Property
        fields = [
            "id", "address", "city", "state", "zip_code", "address_key", "subdivision", "apn", "latitude",
            "longitude", "property_type", "year_built", "square_feet", "bedrooms", "bathrooms", "estimated_value",
            "estimated_equity", "equity_percent", "purchase_date", "purchase_price", "owner_occupied",
            "listed_for_sale", "listing_status", "foreclosure", "high_equity", "owners", "created_at", "updated_at",
        ]
        read_only_fields = ["address_key"]
        # Uniqueness (address key, parcel number per state) is checked by properties.services,
        # with messages that name the existing property.
        validators = []


def _service_fields(validated: dict) -> dict:
    """validated_data as the services take it: owners as (contact id, role) pairs."""
    fields = dict(validated)
    links = fields.pop("contact_links", None)
    if links is not None:
        fields["owners"] = [(link["contact_id"], link["role"]) for link in links]
    return fields


class PropertyFilter(filters.FilterSet):
    city = filters.CharFilter(lookup_expr="iexact")
    zip_code = filters.CharFilter(help_text="Five-digit ZIP.")
    state = filters.CharFilter(lookup_expr="iexact")
    year_built_min = IntegerFilter(field_name="year_built", lookup_expr="gte")
    year_built_max = IntegerFilter(field_name="year_built", lookup_expr="lte")
    equity_min = IntegerFilter(field_name="estimated_equity", lookup_expr="gte", help_text="Dollars.")
    equity_max = IntegerFilter(field_name="estimated_equity", lookup_expr="lte", help_text="Dollars.")
    equity_percent_min = IntegerFilter(field_name="equity_percent", lookup_expr="gte")
    equity_percent_max = IntegerFilter(field_name="equity_percent", lookup_expr="lte")
    owner_occupied = filters.BooleanFilter()
    owner = IntegerFilter(field_name="contact_links__contact_id", help_text="Owned by this contact id.")
    updated_since = DateTimeFilter(
        field_name="updated_at", lookup_expr="gte", help_text="Changed at or after this time (ISO 8601)."
    )

    class Meta:
        model = Property
        fields = [
            "city", "zip_code", "state", "year_built_min", "year_built_max", "equity_min", "equity_max",
            "equity_percent_min", "equity_percent_max", "owner_occupied", "owner", "updated_since",
        ]


class PropertyViewSet(ConditionalRecordMixin, viewsets.ModelViewSet):
    """Houses with their owners; the normalized address keeps one row per house."""

    serializer_class = PropertySerializer
    filterset_class = PropertyFilter
    filter_backends = [filters.DjangoFilterBackend, SearchFilter, OrderingFilter]
    search_fields = ["address", "city", "zip_code", "apn"]
    ordering_fields = ["id", "city", "zip_code", "year_built", "estimated_equity", "equity_percent", "updated_at"]

    def get_queryset(self):
        return selectors.property_list()

    def perform_create(self, serializer):
        serializer.instance = services.property_create(**_service_fields(serializer.validated_data))

    def perform_update(self, serializer):
        services.property_update(property=serializer.instance, **_service_fields(serializer.validated_data))


# --- Reading a homeowner's text (/api/v1/text-analysis/) ------------------------------------
# Here rather than in contacts: the answer names our houses (property_id), and contacts may not
# import properties. The reading itself is contacts.reading, as everywhere else.

MAX_ANALYZED_TEXT = 1600  # OpenPhone's longest text


class StrictTextField(serializers.CharField):
    """A string and nothing else: 12 or true are refused, not turned into "12" or "True"."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            raise serializers.ValidationError("Send the message as a string.", code="invalid")
        return super().to_internal_value(data)


class TextAnalysisRequestSerializer(serializers.Serializer):
    text = StrictTextField(
        max_length=MAX_ANALYZED_TEXT, trim_whitespace=False,
        help_text=f"The homeowner's message, up to {MAX_ANALYZED_TEXT} characters.",
        error_messages={"max_length": f"The text is too long: at most {MAX_ANALYZED_TEXT} characters."},
    )


class MentionedAddressSerializer(serializers.Serializer):
    line1 = serializers.CharField()
    city = serializers.CharField(allow_blank=True)
    state = serializers.CharField(allow_blank=True)
    zip = serializers.CharField(allow_blank=True)
    property_id = serializers.IntegerField(allow_null=True, help_text="Our house at this address, when exactly one fits.")


class TextAnalysisSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=["interested", "not_interested", "opt_out", "wrong_number", "question", "other"])
    opt_out = serializers.ChoiceField(
        choices=["certain", "possible", "none"],
        help_text="certain: a request to stop; possible: unclear, a person should decide; none.",
    )
    rule = serializers.CharField(help_text="The rule that decided (for people checking a reading).")
    addresses = MentionedAddressSerializer(many=True)


class ViewContactsPermission(BasePermission):
    """The same permission as reading contacts (`contacts.view_contact`)."""

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and user.has_perm("contacts.view_contact"))


class TextAnalysisView(APIView):
    """Read a homeowner's message: intent, whether it asks us to stop, addresses (matched to our houses).

    Nothing is stored or changed.
    """

    permission_classes = [ViewContactsPermission]

    @extend_schema(
        request=TextAnalysisRequestSerializer, responses={200: TextAnalysisSerializer},
        summary="Read a homeowner's text message",
    )
    def post(self, request):
        from contacts.reading import read_message

        incoming = TextAnalysisRequestSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        reading = read_message(incoming.validated_data["text"])
        addresses = []
        for address in reading.addresses_as_json():
            house = selectors.property_match_address(
                line1=address["line1"], city=address["city"], state=address["state"], zip_code=address["zip"]
            )
            addresses.append({**address, "property_id": house.pk if house else None})
        return Response(
            TextAnalysisSerializer(
                {"category": str(reading.category), "opt_out": str(reading.opt_out), "rule": reading.rule,
                 "addresses": addresses}
            ).data
        )
