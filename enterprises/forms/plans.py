"""Forms of the assistance plan pages. They check the shape of the input; the rules live in
enterprises.services.plans, whose messages the views put back on these forms."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from enterprises.models import AssistancePlan
from enterprises.services.plans import DERIVE, derive_achieved

Status = AssistancePlan.Status

NUMBER = {"max_digits": 14, "decimal_places": 2}
TEXTAREA = forms.Textarea(attrs={"rows": 4, "cols": 60})


class PlanForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"), choices=AssistancePlan.Category.choices)
    measures = forms.CharField(
        label=_("Measures"),
        required=False,
        widget=TEXTAREA,
        help_text=_("What the linked leader, the lead unit and the cadres will do for the enterprise."),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[(Status.ACTIVE, Status.ACTIVE.label), (Status.DRAFT, Status.DRAFT.label)],
        initial=Status.ACTIVE,
    )


class PlanEditForm(PlanForm):
    outcome = forms.CharField(label=_("Outcome"), required=False, widget=TEXTAREA)

    def __init__(self, *args, plan: AssistancePlan, **kwargs):
        super().__init__(*args, **kwargs)
        if plan.status == Status.COMPLETED:
            # A completed plan is shown as such; choosing "in progress" reopens it.
            self.fields["status"].choices = [
                (Status.COMPLETED, Status.COMPLETED.label),
                (Status.ACTIVE, _("in progress (reopen)")),
            ]


class GoalForm(forms.Form):
    """One goal row of the create form."""

    name = forms.CharField(label=_("Goal"), max_length=100)
    unit_of_measure = forms.CharField(label=_("Unit of measure"), max_length=20, required=False)
    baseline = forms.DecimalField(label=_("Baseline"), required=False, **NUMBER)
    target = forms.DecimalField(
        label=_("Target"), error_messages={"required": _("Every goal needs a numeric target.")}, **NUMBER
    )


class BaseGoalFormSet(forms.BaseFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        if not any(form.cleaned_data for form in self.forms if not self._should_delete_form(form)):
            raise ValidationError(_("Give the plan at least one goal with a name and a numeric target."))

    def goals(self) -> list[dict]:
        return [form.cleaned_data for form in self.forms if form.cleaned_data]


GoalFormSet = forms.formset_factory(GoalForm, formset=BaseGoalFormSet, extra=3, max_num=30, validate_max=True)


ACHIEVED_CHOICES = [
    (DERIVE, _("work out from the actual figure")),
    ("yes", _("achieved")),
    ("no", _("not achieved")),
    ("undecided", _("not decided yet")),
]
ACHIEVED_VALUES = {DERIVE: DERIVE, "yes": True, "no": False, "undecided": None}


def achieved_choice(goal) -> str:
    """The choice that shows how a goal's achieved mark stands: "derive" while it agrees with its figures, so
    that changing the actual re-derives it; the explicit decision otherwise."""
    derived = derive_achieved(target=goal.target, actual=goal.actual, baseline=goal.baseline)
    if goal.achieved == derived:
        return DERIVE
    return {True: "yes", False: "no", None: "undecided"}[goal.achieved]


class GoalEditForm(GoalForm):
    """A goal row edited in place on the plan page, or a goal added there."""

    actual = forms.DecimalField(label=_("Actual"), required=False, **NUMBER)
    achieved = forms.ChoiceField(label=_("Achieved"), choices=ACHIEVED_CHOICES, initial=DERIVE)

    def clean_achieved(self):
        return ACHIEVED_VALUES[self.cleaned_data["achieved"]]


class ProgressForm(forms.Form):
    period = forms.DateField(
        label=_("Month"),
        input_formats=["%Y-%m", "%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        error_messages={"invalid": _("Enter the month, e.g. 2026-10.")},
    )
    note = forms.CharField(label=_("Progress"), widget=TEXTAREA)


class ProgressEditForm(forms.Form):
    note = forms.CharField(label=_("Progress"), widget=TEXTAREA)


class CompleteForm(forms.Form):
    outcome = forms.CharField(
        label=_("Outcome"), widget=TEXTAREA, help_text=_("What the year's assistance achieved for the enterprise.")
    )


def apply_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: next to its field when the form has it, else on top."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)
