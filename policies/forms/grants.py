"""Forms of the grant, application and performance pages. They check the input's shape; the rules live in
policies.services.grants."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from policies.models import Application, GrantLine

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MONEY = {"max_digits": 12, "decimal_places": 2, "min_value": 0}


def default_period() -> str:
    return str(timezone.localdate().year)


class PeriodForm(forms.Form):
    period = forms.CharField(
        label=_("Period"), max_length=10, help_text=_("A year, optionally with a part of it: 2026, 2026-H1, 2026-Q3.")
    )


class ExcludeForm(forms.Form):
    reason = forms.CharField(
        label=_("Why it is taken off"), max_length=GrantLine._meta.get_field("excluded_reason").max_length
    )


class PaymentDateForm(forms.Form):
    paid_on = forms.DateField(label=_("Paid on"), widget=DATE_INPUT)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("paid_on", timezone.localdate())
        super().__init__(*args, **kwargs)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("approve", _("approve")), ("reject", _("reject"))], widget=forms.RadioSelect
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ApplicationPaymentForm(PaymentDateForm):
    amount = forms.DecimalField(label=_("Amount paid (10k yuan)"), **MONEY)


class ApplicationForm(forms.Form):
    period = forms.CharField(
        label=_("Period applied for"),
        max_length=Application._meta.get_field("period").max_length,
        help_text=_("A year, optionally with a part of it: 2026, 2026-H1, 2026-Q3."),
    )
    requested_amount = forms.DecimalField(label=_("Amount requested (10k yuan)"), required=False, **MONEY)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What you enclose or anything the office should know."),
    )


def apply_service_error(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: on the field it names when the form has it, else on top."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)
