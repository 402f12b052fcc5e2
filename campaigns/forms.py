"""Admin forms of campaigns: the campaign itself (merge fields checked) and the enrollment pickers."""
from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from contacts.models import Tag
from contacts.selectors import line_labels

from .merge_fields import MERGE_FIELDS, validate_template
from .models import Campaign
from .services import ENROLLABLE_STATUSES

_FIELDS_HELP = "Merge fields: " + ", ".join(f"{{{name}}} ({what})" for name, what in MERGE_FIELDS.items()) + (
    ". Add a fallback for empty values: {first_name|there}."
)


def _template_widget() -> forms.Textarea:
    # data-sms-counter: campaigns/template_counter.js shows characters and segments as staff type.
    return forms.Textarea(attrs={"rows": 4, "cols": 80, "data-sms-counter": "1"})


class CampaignForm(forms.ModelForm):
    """Campaign settings; the status changes only through the Start/Pause/Resume/Cancel buttons."""

    class Meta:
        model = Campaign
        fields = [
            "name", "template_a", "template_b", "ab_split", "daily_limit", "send_window_start",
            "send_window_end", "phone_number_id", "starts_on", "max_opt_out_percent", "max_failure_percent",
            "guardrail_min_sends",
        ]
        widgets = {"template_a": _template_widget(), "template_b": _template_widget()}
        labels = {
            "template_a": "Template A", "template_b": "Template B", "ab_split": "Share of B (%)",
            "phone_number_id": "Sending line",
        }
        help_texts = {
            "template_a": _FIELDS_HELP,
            "send_window_start": "Recipient's local time; the legal window (8:00–20:00 in MA, 8:00–21:00 federal) "
            "always applies on top.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Our lines by name and number; the current value stays listed even if OpenPhone no longer has it.
        labels = dict(line_labels())
        current = self.initial.get("phone_number_id") or self.instance.phone_number_id
        if current and current not in labels:
            labels[current] = current
        if labels and "phone_number_id" in self.fields:
            self.fields["phone_number_id"].widget = forms.Select(
                choices=sorted(labels.items(), key=lambda item: item[1].lower())
            )

    def clean_template_a(self):
        template = self.cleaned_data["template_a"]
        validate_template(template)
        return template

    def clean_template_b(self):
        template = self.cleaned_data.get("template_b", "")
        validate_template(template)
        return template

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("send_window_start"), cleaned.get("send_window_end")
        if start and end and start >= end:
            self.add_error("send_window_end", "The window must end after it starts.")
        if (cleaned.get("template_b") or "").strip() and cleaned.get("ab_split") in (0, 100):
            self.add_error("ab_split", "With a template B, give B a share between 1 and 99 percent.")
        if self.instance.pk and self.instance.memberships.exists():
            changed = {"template_b", "ab_split"} & set(self.changed_data)
            had_b, has_b = bool(self.instance.template_b.strip()), bool((cleaned.get("template_b") or "").strip())
            if "ab_split" in changed or had_b != has_b:
                raise ValidationError(
                    "Members are already split between the variants: the A/B split and whether there is a "
                    "template B cannot change now. Edit the wording, or create a new campaign."
                )
        return cleaned


class EnrollmentTargetForm(forms.Form):
    """The campaign picked on the "Add to campaign…" page."""

    campaign = forms.ModelChoiceField(
        queryset=Campaign.objects.filter(status__in=ENROLLABLE_STATUSES).order_by("name"),
        empty_label=None,
        help_text="Only draft, scheduled, running and paused campaigns take new members.",
    )


class EnrollTagForm(forms.Form):
    tag = forms.ModelChoiceField(queryset=Tag.objects.order_by("name"), help_text="Everyone carrying this tag.")
