"""The monthly report's form: the four texts, and when the writer loaded the draft (so that a save over
someone else's newer text is refused rather than silently overwriting it)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from reports.models import MonthlyReport
from reports.services.monthly import MAX_TEXT, TEXT_FIELDS


def _text_field(name: str) -> forms.CharField:
    return forms.CharField(
        label=MonthlyReport._meta.get_field(name).verbose_name,
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 8}),
    )


class MonthlyReportForm(forms.Form):
    enterprises_situation = _text_field("enterprises_situation")
    problems_progress = _text_field("problems_progress")
    plans_progress = _text_field("plans_progress")
    next_steps = _text_field("next_steps")
    # The draft's updated_at when the page was rendered; empty for a report not saved yet.
    loaded_at = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_loaded_at(self):
        raw = (self.cleaned_data.get("loaded_at") or "").strip()
        if not raw:
            return None
        value = parse_datetime(raw)
        if value is None:
            raise ValidationError(_("The page is out of date: reload it."))
        return value

    def texts(self) -> dict:
        return {name: self.cleaned_data.get(name, "") for name in TEXT_FIELDS}


def apply_errors(form: forms.Form, error: ValidationError) -> None:
    """A service's ValidationError on the form: next to its field when the form has it, else on top."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)
