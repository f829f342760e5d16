"""Forms of the common-issue pages (共性问题 · 批处理): merging cases awaiting dispatch into a new common issue,
adding cases to one, taking one out. Cases are picked by ticking them in a search list or by typing their
numbers; the numbers are looked up in the office's scope here, and everything else (how many, which states,
one issue per case) is checked by cases.services.dispatch, whose messages the views put back on the form."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cases.forms.config import apply_service_error
from cases.forms.intake import IdListField
from cases.selectors import common as selectors

# What dispatch.case_merge calls the fields this form names otherwise.
SERVICE_FIELDS = {"cases": "case_ids", "common_issue": None}


class CaseIdsField(IdListField):
    """The ids of the ticked cases (checkboxes named case_ids)."""

    default_error_messages = {"invalid": _("Choose cases from the list.")}


class PickCasesForm(forms.Form):
    case_ids = CaseIdsField(label=_("Cases"), required=False)
    numbers = forms.CharField(
        label=_("Case numbers"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "2026-000123, 2026-000124"}),
        help_text=_("Or type the numbers, separated by spaces, commas or new lines."),
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        numbers = selectors.split_numbers(data.get("numbers", ""))
        found, missing = selectors.cases_by_number(self.user, numbers) if numbers else ({}, [])
        if missing:
            self.add_error(
                "numbers", _("No case numbered %(numbers)s among the cases you see.") % {"numbers": ", ".join(missing)}
            )
        data["all_ids"] = list(dict.fromkeys([*data.get("case_ids", []), *found.values()]))
        return data

    def add_service_error(self, error: ValidationError) -> None:
        aliases = {name: alias for name, alias in SERVICE_FIELDS.items() if alias}
        apply_service_error(self, error, aliases)


class MergeForm(PickCasesForm):
    title = forms.CharField(
        label=_("Title of the common issue"),
        max_length=120,
        error_messages={"required": _("Give the common issue a title.")},
        help_text=_("What the enterprises share, in a few words."),
    )

    field_order = ["title", "case_ids", "numbers"]


class AddCasesForm(PickCasesForm):
    """Cases to add to an existing common issue."""


class RemoveCaseForm(forms.Form):
    note = forms.CharField(
        label=_("Why it is taken out"),
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"placeholder": _("optional")}),
    )
