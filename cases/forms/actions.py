"""The small forms of the case page, one per action. They check the shape of the input (numbers, choices,
files); the rules (what is required, limits, who may, in which state) live in cases.services, whose messages
the views put back on these forms next to the field they name (apply_errors).

Field names are the keys the services use in their ValidationError dicts, so a service's message lands next
to the field it is about."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import Unit
from cases.attachments import ALLOWED_TYPES
from cases.models import Assignment, Case, CaseCategory, Urgency
from cases.services.supervision import DEFAULT_REPLY_DAYS

Rating = Case.Rating
GIVEN_RATINGS = [(r.value, r.label) for r in (Rating.SATISFIED, Rating.BASICALLY_SATISFIED, Rating.UNSATISFIED)]
# check_upload's codes: the message belongs next to the file input, not on top of the form.
FILE_ERROR_CODES = frozenset({"file_type", "file_size", "file_empty", "file_content", "too_many_files"})


def textarea(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; cleans to a list (empty when none were chosen). Type and size are the
    service's to check (cases.attachments), so that its message is the one shown."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"multiple": True, "accept": ",".join(sorted(ALLOWED_TYPES))})
        )
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [f for f in data if f]
        return [data] if data else []


def files_field(label=None) -> MultipleFileField:
    return MultipleFileField(
        label=label or _("Files"),
        help_text=_("PDF, pictures, Word, Excel, ZIP or text files; you may choose several."),
    )


class ActionForm(forms.Form):
    """One action's form. `case` is the case it acts on; `item` the record it decides (an extension request,
    a reply, a supervision notice) for the actions taken per record."""

    action = ""
    title = ""
    submit_label = _("Submit")
    # A second-rank action: shown folded on the page until opened.
    folded = True

    def __init__(self, data=None, files=None, *, case: Case, item=None, **kwargs):
        self.case, self.item = case, item
        kwargs.setdefault("prefix", self.action if item is None else f"{self.action}-{item.pk}")
        super().__init__(data, files, **kwargs)

    @property
    def multipart(self) -> bool:
        return any(isinstance(field, forms.FileField) for field in self.fields.values())


# The office's dispatch ------------------------------------------------------------------------------------


def unit_choices() -> list[tuple[int, str]]:
    """Active handling units (the office does not handle cases), indented by their depth in the tree."""
    units = Unit.objects.filter(is_active=True).exclude(kind=Unit.Kind.OFFICE).order_by("path")
    return [(u.pk, "\u3000" * max(u.depth - 1, 0) + u.name) for u in units.only("pk", "name", "depth", "path")]


class AssignForm(ActionForm):
    action = "assign"
    title = _("Assign")
    submit_label = _("Assign")
    folded = False

    lead_unit = forms.TypedChoiceField(label=_("Lead unit"), coerce=int, empty_value=None)
    co_units = forms.TypedMultipleChoiceField(
        label=_("Co-handling units"),
        coerce=int,
        required=False,
        help_text=_("Hold Ctrl (or ⌘) to choose several."),
    )
    locality_units = forms.TypedMultipleChoiceField(
        label=_("Locality units"),
        coerce=int,
        required=False,
        help_text=_("The township, street or park where the enterprise lies (双线推进)."),
    )
    category = forms.TypedChoiceField(label=_("Category"), coerce=int, empty_value=None)
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices)
    note = forms.CharField(label=_("Note to the units"), required=False, widget=textarea(2))

    def __init__(self, *args, live_assignments=(), **kwargs):
        super().__init__(*args, **kwargs)
        units = unit_choices()
        empty = [("", _("— choose —"))]
        self.fields["lead_unit"].choices = empty + units
        self.fields["co_units"].choices = units
        self.fields["locality_units"].choices = units
        for name in ("co_units", "locality_units"):
            self.fields[name].widget.attrs["size"] = min(max(len(units), 3), 8)
        self.fields["category"].choices = list(CaseCategory.objects.filter(is_active=True).values_list("pk", "name"))
        # A reassignment starts from what stands: the units still holding the case, the case's category.
        by_role = {role: [a.unit_id for a in live_assignments if a.role == role] for role in Assignment.Role.values}
        self.initial.setdefault("lead_unit", (by_role[Assignment.Role.LEAD] or [None])[0])
        self.initial.setdefault("co_units", by_role[Assignment.Role.CO])
        self.initial.setdefault("locality_units", by_role[Assignment.Role.LOCALITY])
        self.initial.setdefault("category", self.case.category_id)
        self.initial.setdefault("urgency", self.case.urgency)


class RejectForm(ActionForm):
    action = "reject"
    title = _("Reject (不予受理)")
    submit_label = _("Reject the case")

    reason = forms.ChoiceField(label=_("Reason"), choices=Case.RejectReason.choices, widget=forms.RadioSelect)
    note = forms.CharField(label=_("Explanation for the enterprise"), required=False, widget=textarea())
    duplicate_of = forms.CharField(
        label=_("Duplicate of case number"),
        required=False,
        max_length=16,
        help_text=_("Only for a duplicate, e.g. 2026-00042."),
    )


class UnmergeForm(ActionForm):
    action = "unmerge"
    title = _("Take out of the common issue")
    submit_label = _("Take out")

    note = forms.CharField(label=_("Note"), required=False, widget=textarea(2))


# The units' handling --------------------------------------------------------------------------------------


class AcceptForm(ActionForm):
    action = "accept"
    title = _("Accept (签收)")
    submit_label = _("Accept the case")
    folded = False


class ReturnForm(ActionForm):
    action = "return"
    title = _("Return (退回)")
    submit_label = _("Return to the office")

    reason = forms.CharField(
        label=_("Why your unit returns it"),
        required=False,
        widget=textarea(),
        help_text=_("Not your remit, wrong locality…"),
    )


class ProgressForm(ActionForm):
    action = "progress"
    title = _("Progress note")
    submit_label = _("Add the note")

    note = forms.CharField(label=_("What was done"), required=False, widget=textarea())
    files = files_field()


class WaitForm(ActionForm):
    action = "wait"
    title = _("Ask the enterprise for material")
    submit_label = _("Ask and pause the deadline")

    request = forms.CharField(
        label=_("Material needed"),
        required=False,
        widget=textarea(),
        help_text=_("The enterprise reads this. The deadline clock stops until the material comes."),
    )


class ResumeForm(ActionForm):
    action = "resume"
    title = _("Supply the material")
    submit_label = _("Send")
    folded = False

    note = forms.CharField(label=_("Note"), required=False, widget=textarea())
    files = files_field(_("Material"))

    def __init__(self, *args, by_enterprise: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not by_enterprise:
            self.title = _("Resume handling")
            self.submit_label = _("Resume: the deadline clock runs again")
            self.fields["note"].help_text = _("Optional: for example, what came in by other means.")


class ExtensionRequestForm(ActionForm):
    action = "request_extension"
    title = _("Ask for an extension (延期)")
    submit_label = _("Ask the office")

    days = forms.IntegerField(label=_("Working days"), widget=forms.NumberInput(attrs={"class": "narrow"}))
    reason = forms.CharField(label=_("Reason"), required=False, widget=textarea())


class ReplyForm(ActionForm):
    action = "reply"
    title = _("Reply with the outcome (办结)")
    submit_label = _("Submit the reply")

    outcome = forms.ChoiceField(label=_("Outcome"), choices=Case.Outcome.choices, widget=forms.RadioSelect)
    text = forms.CharField(label=_("What was done"), required=False, widget=textarea(5))
    files = files_field(_("Evidence"))


DECISIONS = [("approve", _("Approve")), ("refuse", _("Refuse"))]


class DecisionForm(ActionForm):
    """Approve or not, with a note (required when not approving: the service says so)."""

    decision = forms.ChoiceField(label=_("Decision"), choices=DECISIONS, widget=forms.RadioSelect)
    note = forms.CharField(label=_("Note"), required=False, widget=textarea(2))
    folded = False

    @property
    def approve(self) -> bool:
        return self.cleaned_data["decision"] == "approve"


class ExtensionDecideForm(DecisionForm):
    action = "decide_extension"
    title = _("Decide the extension request")
    submit_label = _("Record the decision")


class ReplyDecideForm(DecisionForm):
    action = "decide_reply"
    title = _("Approve the reply")
    submit_label = _("Record the decision")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decision"].choices = [
            ("approve", _("Approve: send it to the enterprise")),
            ("refuse", _("Send back to the handler")),
        ]


class SupervisionReplyForm(ActionForm):
    action = "answer_supervision"
    title = _("Answer the supervision notice")
    submit_label = _("Send the answer")
    folded = False

    reply = forms.CharField(label=_("Answer"), required=False, widget=textarea())


# Review and close -----------------------------------------------------------------------------------------


class RateForm(ActionForm):
    action = "rate"
    title = _("Confirm and rate the outcome")
    submit_label = _("Send my rating")
    folded = False

    rating = forms.ChoiceField(label=_("Are you satisfied?"), choices=GIVEN_RATINGS, widget=forms.RadioSelect)
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=textarea(), help_text=_("Required when you are not satisfied.")
    )
    reopen = forms.BooleanField(label=_("Not solved: send the case back to the unit (重办)"), required=False)


class ReopenForm(ActionForm):
    action = "reopen"
    title = _("Reopen (重办)")
    submit_label = _("Reopen the case")

    reason = forms.CharField(label=_("Why it is not solved"), required=False, widget=textarea())


class CloseForm(ActionForm):
    action = "close"
    title = _("Close (销号)")
    submit_label = _("Close the case")

    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=textarea(2),
        help_text=_("For example: rated unsatisfied but not reopened, or the enterprise cannot be reached."),
    )


REACHED = [("yes", _("Reached")), ("no", _("Could not be reached"))]


class CallbackForm(ActionForm):
    action = "callback"
    title = _("Record a callback (回访)")
    submit_label = _("Record the call")

    reached = forms.ChoiceField(label=_("The enterprise was"), choices=REACHED, widget=forms.RadioSelect)
    rating = forms.ChoiceField(
        label=_("Rating given on the phone"),
        choices=[("", _("— none —")), *GIVEN_RATINGS],
        required=False,
        help_text=_("Recorded as the enterprise's rating when the case is not rated yet."),
    )
    comment = forms.CharField(label=_("Comment"), required=False, widget=textarea(2))

    def clean_reached(self) -> bool:
        return self.cleaned_data["reached"] == "yes"


# Supervision ----------------------------------------------------------------------------------------------


class SuperviseForm(ActionForm):
    action = "supervise"
    title = _("Send a supervision notice (督办)")
    submit_label = _("Send the notice")

    text = forms.CharField(label=_("Notice"), required=False, widget=textarea())
    unit = forms.TypedChoiceField(
        label=_("To unit"),
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("The lead unit when none is chosen."),
    )
    reply_days = forms.IntegerField(
        label=_("Reply within (working days)"),
        initial=DEFAULT_REPLY_DAYS,
        widget=forms.NumberInput(attrs={"class": "narrow"}),
    )

    def __init__(self, *args, live_assignments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [(a.unit_id, f"{a.unit.name} · {a.get_role_display()}") for a in live_assignments]
        self.initial.setdefault("unit", self.case.lead_unit_id)


class ListForm(ActionForm):
    action = "list"
    title = _("List for supervision (挂牌督办)")
    submit_label = _("List the case")

    note = forms.CharField(label=_("Why"), required=False, widget=textarea(2))


class UnlistForm(ActionForm):
    action = "unlist"
    title = _("Take off the supervision list")
    submit_label = _("Unlist")

    note = forms.CharField(label=_("Note"), required=False, widget=textarea(2))


FORMS: dict[str, type[ActionForm]] = {
    form.action: form
    for form in (
        AssignForm,
        RejectForm,
        UnmergeForm,
        AcceptForm,
        ReturnForm,
        ProgressForm,
        WaitForm,
        ResumeForm,
        ExtensionRequestForm,
        ExtensionDecideForm,
        ReplyForm,
        ReplyDecideForm,
        RateForm,
        ReopenForm,
        CloseForm,
        CallbackForm,
        SuperviseForm,
        SupervisionReplyForm,
        ListForm,
        UnlistForm,
    )
}


def apply_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: next to its field when the form has one of that name (a
    file's type or size next to the file input), else on top of the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return
    for each in error.error_list:
        field = "files" if each.code in FILE_ERROR_CODES and "files" in form.fields else None
        form.add_error(field, each)
