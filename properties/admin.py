"""Admin for houses: find one by address, city, ZIP, parcel number, or its owner's name or phone."""
from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join

from contacts import extensions
from contacts.admin import ForbiddenActionIs403Mixin, PhoneSearchMixin
from contacts.phone import format_phone
from crm.admin_a11y import LabelledInlineFormSet, NamedBlankAllValuesFilter
from crm.admin_extensions import RegisteredActionsMixin
from crm.history_admin import AuditHistoryAdmin, changes_of

from . import import_admin  # noqa: F401 - registers ImportRun: upload, runs, rejects
from .addresses import address_key
from .admin_mentions import LinkMentionAdminMixin
from .models import Property, PropertyContact

# Decades offered by the "year built" filter; older houses fall in "Before 1900".
FIRST_DECADE, LAST_DECADE = 1900, 2020


class YearBuiltFilter(admin.SimpleListFilter):
    title = "year built"
    parameter_name = "built"

    def lookups(self, request, model_admin):
        decades = [(str(d), f"{d}s") for d in range(LAST_DECADE, FIRST_DECADE - 1, -10)]
        return [*decades, ("before", f"Before {FIRST_DECADE}"), ("unknown", "Unknown")]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "before":
            return queryset.filter(year_built__lt=FIRST_DECADE)
        if value == "unknown":
            return queryset.filter(year_built__isnull=True)
        if value and value.isdigit():
            decade = int(value)
            return queryset.filter(year_built__gte=decade, year_built__lt=decade + 10)
        return queryset


class EquityFilter(admin.SimpleListFilter):
    title = "equity"
    parameter_name = "equity"
    # (value, label, lowest percent included, highest percent excluded)
    RANGES = [
        ("under", "Under water (below 0%)", None, 0),
        ("0-20", "0–19%", 0, 20),
        ("20-50", "20–49%", 20, 50),
        ("50-80", "50–79%", 50, 80),
        ("80+", "80% or more", 80, None),
    ]

    def lookups(self, request, model_admin):
        return [(value, label) for value, label, _, _ in self.RANGES] + [("unknown", "Unknown")]

    def queryset(self, request, queryset):
        if self.value() == "unknown":
            return queryset.filter(equity_percent__isnull=True)
        for value, _, low, high in self.RANGES:
            if self.value() == value:
                condition = Q()
                if low is not None:
                    condition &= Q(equity_percent__gte=low)
                if high is not None:
                    condition &= Q(equity_percent__lt=high)
                return queryset.filter(condition)
        return queryset


class DollarsInput(forms.TextInput):
    """A dollar amount with room for millions, shown as "$ 1,182,000" (typed with or without $ and commas)."""

    def __init__(self, attrs=None):
        super().__init__({"class": "vDollars", "inputmode": "numeric", "size": "12", **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, int):
            return f"{value:,}"
        return super().format_value(value)

    def render(self, name, value, attrs=None, renderer=None):
        return format_html('<span class="dollar-sign">$</span>&nbsp;{}', super().render(name, value, attrs, renderer))


class DollarsField(forms.IntegerField):
    """Whole dollars: "1,182,000", "$1,182,000", "-17,000" and "($17,000)" are all understood."""

    widget = DollarsInput
    default_error_messages = {"invalid": "Enter a whole dollar amount, like 1,182,000."}

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().replace("$", "").replace(",", "").replace(" ", "")
            if value.startswith("(") and value.endswith(")"):
                value = "-" + value[1:-1]
        return super().to_python(value)


class PropertyAdminForm(forms.ModelForm):
    """Computes the normalized address key and refuses an address we already have, linking to it."""

    estimated_value = DollarsField(required=False, help_text="Dollars.")
    estimated_equity = DollarsField(required=False, help_text="Dollars; negative when under water.")
    purchase_price = DollarsField(required=False, help_text="Dollars.")

    class Meta:
        model = Property
        fields = [
            "address", "city", "state", "zip_code", "owner_name", "apn", "subdivision", "latitude", "longitude", "property_type",
            "year_built", "square_feet", "bedrooms", "bathrooms", "estimated_value", "estimated_equity",
            "equity_percent", "purchase_date", "purchase_price", "high_equity", "owner_occupied", "listed_for_sale",
            "listing_status", "foreclosure",
        ]

    def clean(self):
        cleaned = super().clean()
        address = (cleaned.get("address") or "").strip()
        if not address:
            return cleaned
        key = address_key(address, cleaned.get("city", ""), cleaned.get("state", ""), cleaned.get("zip_code", ""))
        existing = Property.objects.filter(address_key=key).exclude(pk=self.instance.pk).first()
        if existing is not None:
            url = reverse("admin:properties_property_change", args=[existing.pk])
            raise ValidationError(
                format_html('This address is already on file as <a href="{}">{}</a>.', url, str(existing)),
                code="address_duplicate",
            )
        self.instance.address_key = key
        return cleaned


class OwnerInline(admin.TabularInline):
    model = PropertyContact
    formset = LabelledInlineFormSet  # each row's inputs named after their column
    fk_name = "property"
    extra = 0
    autocomplete_fields = ["contact"]
    fields = ["contact", "role", "owner_phone"]
    readonly_fields = ["owner_phone"]
    verbose_name = "owner"
    verbose_name_plural = "Owners and residents"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("contact")

    @admin.display(description="Phone")
    def owner_phone(self, link):
        return format_phone(link.contact.phone) if link.pk and link.contact_id else ""


@admin.register(Property)
class PropertyAdmin(RegisteredActionsMixin, LinkMentionAdminMixin, ForbiddenActionIs403Mixin, PhoneSearchMixin,
                    AuditHistoryAdmin):
    form = PropertyAdminForm
    list_display = [
        "address", "city", "zip_code", "property_type", "year_built", "value_display", "equity_display",
        "owner_occupied", "owner_list",
    ]
    list_filter = ["city", YearBuiltFilter, "owner_occupied", EquityFilter, ("property_type", NamedBlankAllValuesFilter),
                   "foreclosure"]
    search_fields = [
        "address", "city", "=zip_code", "=apn", "owner_name", "contact_links__contact__first_name",
        "contact_links__contact__last_name",
    ]
    search_help_text = "Address, city, ZIP, parcel number (APN), owner's name (as on the deed or on file), or owner's phone typed any way"
    list_per_page = 50
    readonly_fields = ["address_key", "value_summary", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["address", ("city", "state", "zip_code"), "address_key", "owner_name", ("apn", "subdivision"),
                           ("latitude", "longitude")]}),
        ("House", {"fields": [("property_type", "year_built"), ("square_feet", "bedrooms", "bathrooms")]}),
        ("Value and equity", {"fields": ["value_summary", ("estimated_value", "estimated_equity", "equity_percent"),
                                         ("purchase_date", "purchase_price"), "high_equity"]}),
        ("Occupancy and market", {"fields": [("owner_occupied", "listed_for_sale", "listing_status"),
                                             "foreclosure"]}),
        ("System", {"fields": [("created_at", "updated_at")], "classes": ["collapse"]}),
    ]
    inlines = [OwnerInline]
    # The list's own actions; campaigns adds "Add owners to campaign…" through crm/admin_extensions.py.
    own_actions = []

    class Media:
        css = {"all": ["properties/property_admin.css"]}

    def related_history(self, prop):
        return changes_of(PropertyContact.history.filter(property_id=prop.pk), label="Owner",
                          fields=["contact", "role"])

    def get_queryset(self, request):
        owners = PropertyContact.objects.select_related("contact").order_by("id")
        return super().get_queryset(request).prefetch_related(Prefetch("contact_links", queryset=owners))

    def phone_matches(self, contacts) -> Q:
        return Q(pk__in=PropertyContact.objects.filter(contact__in=contacts).values("property_id"))

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        street = _street_key(search_term)
        if street:
            # "12 Main Street" finds "12 MAIN ST": compare the normalized street, not the words typed.
            results = results | queryset.filter(address_key__startswith=f"{street}|")
        return results, may_have_duplicates

    @admin.display(description="Est. value", ordering="estimated_value")
    def value_display(self, prop):
        return _dollars(prop.estimated_value) if prop.estimated_value is not None else "—"

    @admin.display(description="In short")
    def value_summary(self, prop):
        """The house's money as a sentence: "Worth $1,182,000; equity $820,000 (69 %); bought for $450,000 on …"."""
        if prop is None or prop.pk is None:
            return "—"
        parts = []
        if prop.estimated_value is not None:
            parts.append(f"Worth {_dollars(prop.estimated_value)}")
        if prop.estimated_equity is not None:
            share = f" ({prop.equity_percent} %)" if prop.equity_percent is not None else ""
            parts.append(f"equity {_dollars(prop.estimated_equity)}{share}")
        if prop.purchase_price is not None:
            when = f" on {date_format(prop.purchase_date)}" if prop.purchase_date else ""
            parts.append(f"bought for {_dollars(prop.purchase_price)}{when}")
        return "; ".join(parts) + "." if parts else "No value on file."

    @admin.display(description="Equity", ordering="equity_percent")
    def equity_display(self, prop):
        return f"{prop.equity_percent}%" if prop.equity_percent is not None else "—"

    @admin.display(description="Owners")
    def owner_list(self, prop):
        links = list(prop.contact_links.all())  # prefetched with the contacts: no query per row
        if not links:
            return "—"
        return format_html_join(
            ", ", '<a href="{}">{}</a>',
            ((reverse("admin:contacts_contact_change", args=[link.contact_id]), str(link.contact)) for link in links),
        )


def _dollars(amount: int) -> str:
    return f"-${-amount:,}" if amount < 0 else f"${amount:,}"


def _street_key(term: str) -> str:
    """The normalized street part of a typed address ("12 main street" -> "12 MAIN ST"), or ""."""
    term = (term or "").strip()
    if not term or not term[0].isdigit() or " " not in term:
        return ""
    try:
        key = address_key(term)
    except ValueError:
        return ""
    return "" if key.startswith("~") else key.split("|", 1)[0]


# --- The homeowner's houses, on the homeowner's page (contacts does not know properties) ------


class PropertyContactInline(admin.TabularInline):
    model = PropertyContact
    formset = LabelledInlineFormSet  # each row's inputs named after their column
    fk_name = "contact"
    extra = 0
    autocomplete_fields = ["property"]
    fields = ["property", "role", "property_facts"]
    readonly_fields = ["property_facts"]
    verbose_name = "property"
    verbose_name_plural = "Properties"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("property")

    @admin.display(description="Facts")
    def property_facts(self, link):
        prop = link.property if link.pk else None
        if prop is None:
            return "—"
        parts = [
            f"built {prop.year_built}" if prop.year_built else "",
            f"${prop.estimated_value:,} est." if prop.estimated_value else "",
            f"{prop.equity_percent}% equity" if prop.equity_percent is not None else "",
            {True: "owner occupied", False: "not owner occupied"}.get(prop.owner_occupied, ""),
        ]
        url = reverse("admin:properties_property_change", args=[prop.pk])
        return format_html('<a href="{}">{}</a>', url, " · ".join(p for p in parts if p) or "open")


# The homeowner's houses, after their numbers on the homeowner page (contacts knows nothing of properties).
extensions.contact_admin_inline(PropertyContactInline, position=1)
