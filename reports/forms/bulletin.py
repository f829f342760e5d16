"""The bulletin page's forms: the office's header and text, and a good practice. The services check the
values again; the forms only parse them."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import Unit
from reports.models import Bulletin, GoodPractice


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self):
        super().__init__(format="%Y-%m-%d")


class BulletinForm(forms.Form):
    issuer = forms.CharField(
        label=_("Issuing office (red header and signature)"), max_length=Bulletin._meta.get_field("issuer").max_length
    )
    document_number = forms.CharField(
        label=_("Document number (文号)"),
        max_length=Bulletin._meta.get_field("document_number").max_length,
        required=False,
        help_text=_("For example 新助企办〔2026〕12号."),
    )
    title = forms.CharField(label=_("Title"), max_length=Bulletin._meta.get_field("title").max_length)
    opening = forms.CharField(
        label=_("Opening paragraph"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One paragraph a line. A first line ending in a colon is the addressee, set flush left."),
    )
    closing = forms.CharField(label=_("Closing paragraph"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    issued_on = forms.DateField(label=_("Date of issue"), required=False, widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("issuer", "document_number", "title"):
            self.fields[name].widget.attrs["class"] = "wide"
        # Keep what the office typed exactly: the service folds line ends and trims the ends.
        for name in ("opening", "closing"):
            self.fields[name].strip = False


class GoodPracticeForm(forms.Form):
    unit = forms.ModelChoiceField(
        label=_("Unit"), queryset=Unit.objects.none(), required=False, empty_label=_("none (the whole jurisdiction)")
    )
    title = forms.CharField(label=_("Title"), max_length=GoodPractice._meta.get_field("title").max_length)
    body = forms.CharField(
        label=_("Text"), widget=forms.Textarea(attrs={"rows": 5}), help_text=_("One paragraph a line."), strip=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = (
            Unit.objects.filter(is_active=True).exclude(kind=Unit.Kind.OFFICE).order_by("path").only("pk", "name")
        )

    def service_values(self) -> dict:
        data = self.cleaned_data
        return {"title": data["title"], "body": data["body"], "unit_id": data["unit"].pk if data["unit"] else None}


def apply_errors(form: forms.Form, error: ValidationError) -> None:
    """A service's ValidationError on the form: next to its field when the form has it, else on top."""
    if hasattr(error, "error_dict"):
        for name, messages in error.message_dict.items():
            form.add_error(name if name in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)
