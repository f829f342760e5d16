"""Forms of the intake pages (有诉即办). They check the shape of the input; who may file what, and every rule
about a case, live in cases.services.intake, whose messages the views put back on these fields."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cases.attachments import ALLOWED_TYPES, MAX_FILES_PER_UPLOAD
from cases.models import Case, CaseCategory, Urgency

Channel = Case.Channel
# The channels a person at the office's desk files through; the API and the ledger import have their own way in.
DESK_CHANNELS = (Channel.HOTLINE, Channel.RECEPTION_DAY, Channel.OFFICE)
ACCEPT = ",".join(sorted(ALLOWED_TYPES))


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Any number of files (the service checks type, signature, size and count, all or none)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


class IdListField(forms.Field):
    """Ids picked by ticking checkboxes of a search list, in order and without repeats. Whether each may be
    used is the service's business."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        if not value:
            return []
        if isinstance(value, str):
            value = [value]
        try:
            return list(dict.fromkeys(int(item) for item in value if str(item).strip()))
        except (TypeError, ValueError):
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


class EnterpriseIdsField(IdListField):
    """The ids of the enterprises picked (checkboxes of the picker); the service checks that each is in scope."""

    default_error_messages = {
        "required": _("Choose the enterprise the problem is about."),
        "invalid": _("Choose enterprises from the list."),
    }


class IntakeForm(forms.Form):
    """What every channel asks: the problem, its category and urgency, who to call back, and material."""

    title = forms.CharField(
        label=_("Title"),
        max_length=120,
        widget=forms.TextInput(attrs={"placeholder": _("In a few words: what is the problem?")}),
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What happened, since when, what you have tried, and what help you need."),
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=CaseCategory.objects.none(),
        empty_label=_("— choose —"),
        error_messages={"invalid_choice": _("Unknown category."), "required": _("Choose a category.")},
    )
    urgency = forms.ChoiceField(
        label=_("Urgency"), choices=Urgency.choices, initial=Urgency.NORMAL, widget=forms.RadioSelect
    )
    contact_name = forms.CharField(label=_("Contact person"), max_length=40, required=False)
    contact_phone = forms.CharField(
        label=_("Contact phone"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
    )
    files = MultipleFileField(
        label=_("Files"),
        help_text=_("Photos, PDF, Word or Excel files; at most %(count)s, each up to 10 MB.")
        % {"count": MAX_FILES_PER_UPLOAD},
    )

    # Service field names that are not this form's own, and where their messages go.
    error_fields: dict[str, str] = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = CaseCategory.objects.filter(is_active=True)

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "description": data["description"],
            "category_id": data["category"].pk,
            "urgency": data["urgency"],
            "contact_name": data.get("contact_name", ""),
            "contact_phone": data.get("contact_phone", ""),
            "uploads": data.get("files") or [],
        }

    def add_service_error(self, error: ValidationError) -> None:
        """Put a service's ValidationError next to the field it is about; file problems on the files field."""
        if hasattr(error, "error_dict"):
            for name, errors in error.error_dict.items():
                name = self.error_fields.get(name, name)
                self.add_error(name if name in self.fields else None, errors)
            return
        for item in error.error_list:
            code = item.code or ""
            if code.startswith("file") or code == "too_many_files":
                self.add_error("files", item)
            elif code == "duplicate_external_ref" and "external_ref" in self.fields:
                self.add_error("external_ref", item)
            else:
                self.add_error(None, item)


class SelfServiceForm(IntakeForm):
    """An enterprise user files a problem of their own enterprise."""


class QrIntakeForm(IntakeForm):
    """Anyone at the enterprise, through its QR code: no account, so a name and a phone to call back."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact_name"].required = True
        self.fields["contact_name"].error_messages["required"] = _("Enter your name.")
        self.fields["contact_phone"].required = True
        self.fields["contact_phone"].error_messages["required"] = _("Enter a phone number we can call back.")
        self.fields["contact_name"].label = _("Your name")
        self.fields["contact_phone"].label = _("Your phone")


class OfficeIntakeForm(IntakeForm):
    """The office files what came in by hotline, at a reception day or at its desk, for one enterprise or
    several (a common issue)."""

    channel = forms.ChoiceField(
        label=_("Came in by"),
        choices=[(c.value, c.label) for c in DESK_CHANNELS],
        initial=Channel.HOTLINE,
        widget=forms.RadioSelect,
    )
    enterprise_ids = EnterpriseIdsField(label=_("Enterprises"))
    external_ref = forms.CharField(
        label=_("External reference"),
        max_length=64,
        required=False,
        help_text=_("The hotline's ticket number or another system's id: a ticket filed twice is refused."),
    )

    field_order = ["channel", "enterprise_ids"]
    error_fields = {"enterprise": "enterprise_ids"}

    def service_arguments(self) -> dict:
        return {
            **super().service_arguments(),
            "channel": self.cleaned_data["channel"],
            "enterprise_ids": self.cleaned_data["enterprise_ids"],
            "external_ref": self.cleaned_data.get("external_ref", ""),
        }


class VisitProblemForm(IntakeForm):
    """A problem found on a visit, filed as a case of the visited enterprise."""

    error_fields = {"visit_problem": "__all__"}
