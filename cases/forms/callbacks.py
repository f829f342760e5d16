"""Forms of the callback pages (回访 · 抽查回访): recording a call, drawing a spot-check sample, the period of
the calls shown. They check the shape of the input; cases.services.review decides the rest, and its
messages go back next to the field they name."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Unit
from cases.forms.config import apply_service_error
from cases.services.review import GIVEN_RATINGS, MAX_SAMPLE

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_ERRORS = {"invalid": _("Enter a date, e.g. 2026-03-31.")}

YES_NO = [("yes", _("yes")), ("no", _("no"))]
CONFIRMED_CHOICES = [
    ("", _("not asked")),
    ("yes", _("yes: what the enterprise says matches the unit's reply")),
    ("no", _("no: it does not match")),
]


class RecordForm(forms.Form):
    reached = forms.ChoiceField(
        label=_("Reached the enterprise?"),
        choices=YES_NO,
        widget=forms.RadioSelect,
        error_messages={"required": _("Say whether the enterprise was reached.")},
    )
    rating = forms.ChoiceField(
        label=_("Rating the enterprise gives"),
        required=False,
        choices=[("", _("— none given —")), *[(r.value, r.label) for r in GIVEN_RATINGS]],
        help_text=_("On a resolved case not yet rated, this is recorded as the enterprise's rating (by phone)."),
    )
    confirmed = forms.ChoiceField(
        label=_("Does the enterprise confirm the reply?"), required=False, choices=CONFIRMED_CHOICES
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the enterprise said. Needed with an unsatisfied rating."),
    )

    def __init__(self, *args, spot_check: bool, rateable: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if spot_check:
            self.fields["confirmed"].help_text = _(
                "The point of a spot check: ask whether the problem was handled as the unit replied."
            )
        if not rateable:
            self.fields["rating"].help_text = _(
                "The case is already rated or closed: a rating given here is noted on the call only."
            )

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        reached = data["reached"] == "yes"
        return {
            "reached": reached,
            "rating": data["rating"] if reached else "",
            "confirmed": {"yes": True, "no": False}.get(data["confirmed"]) if reached else None,
            "comment": data["note"],
        }

    def add_service_error(self, error) -> None:
        apply_service_error(self, error, {"comment": "note"})


class SampleForm(forms.Form):
    count = forms.IntegerField(
        label=_("How many cases"),
        initial=10,
        widget=forms.NumberInput(attrs={"min": 1, "max": MAX_SAMPLE, "inputmode": "numeric"}),
        error_messages={
            "required": _("Enter how many cases to draw."),
            "invalid": _("Enter how many cases to draw."),
        },
    )
    resolved_from = forms.DateField(
        label=_("Resolved from"),
        widget=DATE_WIDGET,
        error_messages={"required": _("Enter the first day of the period."), **DATE_ERRORS},
    )
    resolved_to = forms.DateField(
        label=_("Resolved to"),
        widget=DATE_WIDGET,
        error_messages={"required": _("Enter the last day of the period."), **DATE_ERRORS},
    )
    unit = forms.ModelChoiceField(
        label=_("Lead unit"),
        required=False,
        queryset=Unit.objects.none(),
        empty_label=_("any unit"),
        error_messages={"invalid_choice": _("Unknown unit.")},
    )

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["unit"].queryset = units

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "count": data["count"],
            "resolved_from": data["resolved_from"],
            "resolved_to": data["resolved_to"],
            "unit_id": data["unit"].pk if data["unit"] else None,
        }

    def add_service_error(self, error) -> None:
        apply_service_error(self, error, {"unit_id": "unit"})


KIND_CHOICES = [("", _("all calls")), ("spot", _("spot checks")), ("review", _("review calls"))]


class PeriodForm(forms.Form):
    """The period of the calls made (a GET filter: a bad value is ignored, not an error)."""

    called_from = forms.DateField(label=_("From"), required=False, widget=DATE_WIDGET, error_messages=DATE_ERRORS)
    called_to = forms.DateField(label=_("To"), required=False, widget=DATE_WIDGET, error_messages=DATE_ERRORS)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=KIND_CHOICES)
