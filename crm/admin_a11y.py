"""Accessibility pieces every admin screen shares: named inline fields and named list-filter choices.

A tabular inline shows its field labels once, as column headings, so screen readers meet its inputs
with no name. `LabelledInlineFormSet` gives each input of each row an `aria-label` from its column's
name (and "Delete" for the delete box); set it as `formset` on every inline.
"""
from __future__ import annotations

from django.contrib import admin
from django.forms.models import BaseInlineFormSet


class LabelledInlineFormSet(BaseInlineFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        for name, field in form.fields.items():
            label = "Delete" if name == "DELETE" else str(field.label or name.replace("_", " ").capitalize())
            field.widget.attrs.setdefault("aria-label", label)


class NamedBlankAllValuesFilter(admin.AllValuesFieldListFilter):
    """The stock filter lists an empty string as a link with no text; this one calls it "Not given"."""

    blank_display = "Not given"

    def choices(self, changelist):
        for choice in super().choices(changelist):
            if not str(choice["display"]).strip():
                choice = {**choice, "display": self.blank_display}
            yield choice
