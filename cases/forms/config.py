"""Forms of the case settings page (the category dictionary and the deadline rules). They check the shape
of the input; the rules (unique codes, 1 to 90 working days, …) live in cases.services.config, whose
messages the views put back next to the field they name with `apply_service_error`."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cases.models import CaseCategory, Urgency

DAYS_MESSAGES = {
    "required": _("Enter a number of working days from 1 to 90."),
    "invalid": _("Enter a number of working days from 1 to 90."),
}


def apply_service_error(form: forms.Form, error: ValidationError, aliases: dict[str, str] | None = None) -> None:
    """Put a service's ValidationError on the form: next to its field when the form has it (under its alias
    when the service names it differently), else above the form."""
    aliases = aliases or {}
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            name = aliases.get(name, name)
            form.add_error(name if name in form.fields else None, errors)
        return
    form.add_error(None, error.error_list)


class CategoryForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=30,
        help_text=_("Lower-case letters, digits, hyphens and underscores; ledgers and integrations use it."),
        widget=forms.TextInput(attrs={"autocapitalize": "off", "spellcheck": "false", "placeholder": "financing"}),
        error_messages={"required": _("Enter a code, e.g. financing.")},
    )
    name = forms.CharField(label=_("Name"), max_length=30, error_messages={"required": _("Enter the category's name.")})


class CategoryEditForm(CategoryForm):
    sort_order = forms.IntegerField(
        label=_("Sort order"),
        min_value=0,
        max_value=32767,
        help_text=_("Smaller numbers come first."),
        error_messages={"invalid": _("Enter a whole number.")},
    )
    is_active = forms.BooleanField(
        label=_("Active"),
        required=False,
        help_text=_("An inactive category is no longer offered for new cases; its cases keep it."),
    )

    def __init__(self, *args, category: CaseCategory, in_use: bool, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "code": category.code,
                "name": category.name,
                "sort_order": category.sort_order,
                "is_active": category.is_active,
            },
        )
        super().__init__(*args, **kwargs)
        if in_use:
            # The service refuses a new code anyway; the field says so before anyone types.
            self.fields["code"].disabled = True
            self.fields["code"].help_text = _("Cases use this category: its code cannot change.")


class DeadlineRuleForm(forms.Form):
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=CaseCategory.objects.none(),
        required=False,
        empty_label=_("Default (every category)"),
        error_messages={"invalid_choice": _("Unknown category.")},
    )
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, initial=Urgency.NORMAL)
    accept_days = forms.IntegerField(
        label=_("Working days to accept"),
        error_messages=DAYS_MESSAGES,
        widget=forms.NumberInput(attrs={"min": 1, "max": 90, "inputmode": "numeric"}),
    )
    resolve_days = forms.IntegerField(
        label=_("Working days to resolve"),
        error_messages=DAYS_MESSAGES,
        widget=forms.NumberInput(attrs={"min": 1, "max": 90, "inputmode": "numeric"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = CaseCategory.objects.order_by("sort_order", "code")

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "category_id": data["category"].pk if data["category"] else None,
            "urgency": data["urgency"],
            "accept_days": data["accept_days"],
            "resolve_days": data["resolve_days"],
        }
