"""The dispatch catalogue's form (派单目录): one category's keywords and default units. The rules (units
active and handling, a unit in one role) live in cases.services.smart_dispatch.dispatch_rule_save."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.forms.actions import unit_choices
from cases.models import DispatchRule


class DispatchRuleForm(forms.Form):
    keywords = forms.CharField(
        label=_("Keywords"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "贷款 续贷 融资 担保"}),
        help_text=_("Words that mark a problem of this category, separated by spaces, commas or 、."),
    )
    lead_unit = forms.TypedChoiceField(label=_("Default lead unit"), coerce=int, empty_value=None, required=False)
    lead_is_locality = forms.BooleanField(label=_("The enterprise's township, street or park leads"), required=False)
    co_units = forms.TypedMultipleChoiceField(
        label=_("Default co-handling units"),
        coerce=int,
        required=False,
        help_text=_("Hold Ctrl (or ⌘) to choose several."),
    )
    add_locality = forms.BooleanField(
        label=_("Also assign the enterprise's township, street or park (双线推进)"), required=False
    )

    def __init__(self, *args, rule: DispatchRule | None = None, **kwargs):
        if rule is not None and not args:
            kwargs.setdefault(
                "initial",
                {
                    "keywords": rule.keywords,
                    "lead_unit": rule.lead_unit_id,
                    "lead_is_locality": rule.lead_is_locality,
                    "co_units": [u.pk for u in rule.co_units.all()],
                    "add_locality": rule.add_locality,
                },
            )
        elif rule is None and not args:
            kwargs.setdefault("initial", {"add_locality": True})
        super().__init__(*args, **kwargs)
        units = unit_choices()
        self.fields["lead_unit"].choices = [("", _("— none —")), *units]
        self.fields["co_units"].choices = units
        self.fields["co_units"].widget.attrs["size"] = min(max(len(units), 3), 8)

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "keywords": data["keywords"],
            "lead_unit_id": data["lead_unit"],
            "lead_is_locality": data["lead_is_locality"],
            "co_unit_ids": data["co_units"],
            "add_locality": data["add_locality"],
        }
