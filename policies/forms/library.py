"""Forms of the library pages. They check the shape of the input; the rules (dates in order, the eligibility
rule, the amount formula, the phone) live in policies.services.library, whose messages the views put back on
these forms."""

from __future__ import annotations

import json

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from policies.amounts import numeric_facts
from policies.facts import FACTS
from policies.models import Policy, PolicyCategory

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TEXTAREA = forms.Textarea(attrs={"rows": 4})

FORMULA_NONE, FORMULA_FIXED, FORMULA_RATE = "", "fixed", "rate"


class PolicyForm(forms.Form):
    title = forms.CharField(label=_("Title of the policy"), max_length=200)
    document_number = forms.CharField(label=_("Document number (文号)"), max_length=60, required=False)
    issuer = forms.CharField(label=_("Issuing body"), max_length=100)
    level = forms.ChoiceField(label=_("Level of the issuing body"), choices=Policy.Level.choices)
    published_on = forms.DateField(label=_("Published on"), required=False, widget=DATE)
    effective_from = forms.DateField(label=_("Effective from"), required=False, widget=DATE)
    expires_on = forms.DateField(label=_("Expires on"), required=False, widget=DATE)
    categories = forms.ModelMultipleChoiceField(
        label=_("Categories"),
        queryset=PolicyCategory.objects.order_by("sort_order", "code"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    summary = forms.CharField(label=_("Summary of the policy"), required=False, widget=TEXTAREA)
    full_text = forms.CharField(label=_("Full text"), required=False, widget=forms.Textarea(attrs={"rows": 8}))
    benefit_kind = forms.ChoiceField(label=_("Kind of benefit"), choices=Policy.BenefitKind.choices)
    benefit_text = forms.CharField(
        label=_("Benefit, in words"),
        max_length=200,
        required=False,
        help_text=_("What an enterprise gets, as the public pages say it: 一次性奖励10万元."),
    )
    formula_kind = forms.ChoiceField(
        label=_("Amount"),
        required=False,
        choices=[
            (FORMULA_NONE, _("no amount formula")),
            (FORMULA_FIXED, _("a fixed amount")),
            (FORMULA_RATE, _("a rate of an enterprise fact")),
        ],
    )
    formula_amount = forms.DecimalField(
        label=_("Fixed amount (10k yuan)"), required=False, max_digits=14, decimal_places=2
    )
    formula_fact = forms.ChoiceField(label=_("Fact"), required=False)
    formula_rate = forms.DecimalField(
        label=_("Rate"), required=False, max_digits=12, decimal_places=6, help_text=_("0.1 means 10%.")
    )
    benefit_cap = forms.DecimalField(label=_("Cap (10k yuan)"), required=False, max_digits=12, decimal_places=2)
    obtain = forms.ChoiceField(label=_("How it is obtained"), choices=Policy.Obtain.choices)
    application_materials = forms.CharField(label=_("Application materials"), required=False, widget=TEXTAREA)
    application_deadline = forms.DateField(label=_("Application deadline"), required=False, widget=DATE)
    interpreter_name = forms.CharField(label=_("Policy interpreter (政策解读员)"), max_length=40, required=False)
    interpreter_phone = forms.CharField(label=_("Interpreter's phone"), max_length=20, required=False)
    eligibility = forms.CharField(
        label=_("Eligibility rule (JSON)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 10, "spellcheck": "false", "class": "rule-json"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["formula_fact"].choices = [("", "—")] + [(name, FACTS[name].label) for name in numeric_facts()]

    @classmethod
    def initial_for(cls, policy: Policy) -> dict:
        formula = policy.benefit_formula or {}
        initial = {
            name: getattr(policy, name)
            for name in (
                "title",
                "document_number",
                "issuer",
                "level",
                "published_on",
                "effective_from",
                "expires_on",
                "summary",
                "full_text",
                "benefit_kind",
                "benefit_text",
                "benefit_cap",
                "obtain",
                "application_materials",
                "application_deadline",
                "interpreter_name",
                "interpreter_phone",
            )
        }
        initial["categories"] = list(policy.categories.all())
        initial["eligibility"] = (
            json.dumps(policy.eligibility, ensure_ascii=False, indent=2) if policy.eligibility else ""
        )
        if "fixed" in formula:
            initial.update(formula_kind=FORMULA_FIXED, formula_amount=formula["fixed"])
        elif "fact" in formula:
            initial.update(formula_kind=FORMULA_RATE, formula_fact=formula["fact"], formula_rate=formula.get("rate"))
        return initial

    def clean(self):
        data = super().clean()
        kind = data.get("formula_kind")
        if kind == FORMULA_FIXED and data.get("formula_amount") is None:
            self.add_error("formula_amount", ValidationError(_("Enter the fixed amount.")))
        if kind == FORMULA_RATE:
            if not data.get("formula_fact"):
                self.add_error("formula_fact", ValidationError(_("Choose the fact the rate applies to.")))
            if data.get("formula_rate") is None:
                self.add_error("formula_rate", ValidationError(_("Enter the rate.")))
        return data

    def formula(self) -> dict:
        data = self.cleaned_data
        kind = data.get("formula_kind")
        if kind == FORMULA_FIXED:
            return {"fixed": _json_number(data["formula_amount"])}
        if kind == FORMULA_RATE:
            return {"fact": data["formula_fact"], "rate": _json_number(data["formula_rate"])}
        return {}

    def service_fields(self) -> dict:
        """The keyword arguments of policies.services.library.policy_save."""
        data = dict(self.cleaned_data)
        for name in ("formula_kind", "formula_amount", "formula_fact", "formula_rate"):
            data.pop(name, None)
        data["categories"] = [c.pk for c in data.pop("categories", [])]
        data["benefit_formula"] = self.formula()
        return data

    def apply_errors(self, error: ValidationError) -> None:
        """Put the service's messages on the fields they are about."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for field, messages in error.message_dict.items():
            target = {"benefit_formula": "formula_kind"}.get(field, field)
            for message in messages:
                self.add_error(target if target in self.fields else None, message)


def _json_number(value):
    """A Decimal as a JSON number (an int when whole)."""
    return int(value) if value == value.to_integral_value() else float(value)


class ClauseForm(forms.Form):
    heading = forms.CharField(label=_("Heading"), max_length=120)
    text = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 4}))


class PreviewForm(forms.Form):
    eligibility = forms.CharField(required=False, widget=forms.Textarea)
