"""Forms of the annual assessment pages: the choice of year and assessed units, an evidence entry, and one
item of a year's scheme (its parameters as JSON text)."""

from __future__ import annotations

import json

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import Unit
from cases.models import Case
from reports.models import AssessmentEvidence, AssessmentScheme


class EvidenceForm(forms.Form):
    unit = forms.ModelChoiceField(
        label=_("Unit"),
        queryset=Unit.objects.filter(is_active=True, kind__in=(Unit.Kind.DEPARTMENT, *Unit.TERRITORIAL_KINDS)).order_by(
            "path"
        ),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=AssessmentEvidence.Kind.choices)
    occurred_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    description = forms.CharField(label=_("Description"), max_length=200)
    source = forms.CharField(
        label=_("Source"), max_length=200, required=False, help_text=_("Who commended, which medium.")
    )
    case_number = forms.CharField(
        label=_("Case number"), max_length=16, required=False, help_text=_("Degree scores only.")
    )
    points = forms.DecimalField(
        label=_("Points"), max_digits=5, decimal_places=2, required=False, help_text=_("Degree scores only.")
    )

    def clean_case_number(self):
        number = (self.cleaned_data.get("case_number") or "").strip()
        if not number:
            return None
        case_id = Case.objects.filter(number=number).values_list("pk", flat=True).first()
        if case_id is None:
            raise ValidationError(_("There is no case numbered %(number)s.") % {"number": number})
        return case_id


class SchemeItemForm(forms.Form):
    position = forms.IntegerField(widget=forms.HiddenInput)
    name = forms.CharField(label=_("Name"), max_length=80)
    max_points = forms.DecimalField(label=_("Maximum points"), max_digits=6, decimal_places=2, min_value=0)
    params = forms.CharField(
        label=_("Parameters (JSON)"), required=False, widget=forms.TextInput(attrs={"class": "params"})
    )

    def clean_params(self):
        raw = (self.cleaned_data.get("params") or "").strip() or "{}"
        try:
            return json.loads(raw)
        except ValueError:
            raise ValidationError(_('Write the parameters as JSON, e.g. {"per_case": 10}.')) from None


SchemeItemFormSet = forms.formset_factory(SchemeItemForm, extra=0)

TARGET_CHOICES = AssessmentScheme.Target.choices
