"""Forms of the cultivation pool pages. They check the input's shape; the rules live in services.pools."""

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.scope import scoped
from enterprises.models import CultivationPool, Enterprise, PoolMembership

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PoolForm(forms.ModelForm):
    class Meta:
        model = CultivationPool
        fields = ["target", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}


class MemberAddForm(forms.Form):
    """Which enterprise to add: picked from the search or suggestion lists (`enterprise_id`), or typed as
    a credit code or a name that matches exactly one enterprise in the user's scope."""

    enterprise_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    enterprise = forms.CharField(
        label=_("Enterprise"),
        required=False,
        max_length=120,
        help_text=_("Unified social credit code or name."),
    )
    entered_on = forms.DateField(label=_("Entered on"), widget=DATE_INPUT)
    note = forms.CharField(
        label=_("Note"), required=False, max_length=PoolMembership._meta.get_field("note").max_length
    )

    def __init__(self, *args, user, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("entered_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.user = user
        self.enterprise_obj = None

    def clean(self):
        cleaned = super().clean()
        enterprises = scoped(self.user, Enterprise.objects.all())
        if cleaned.get("enterprise_id"):
            self.enterprise_obj = enterprises.filter(pk=cleaned["enterprise_id"]).first()
            if self.enterprise_obj is None:
                self.add_error("enterprise", _("That enterprise is not in your scope."))
            return cleaned
        text = (cleaned.get("enterprise") or "").strip()
        if not text:
            self.add_error("enterprise", _("Type a credit code or a name, or pick an enterprise from the lists."))
            return cleaned
        matches = list(
            enterprises.filter(Q(credit_code=text.upper()) | Q(name=text)).order_by("pk")[:2]
            or enterprises.filter(name__icontains=text).order_by("pk")[:2]
        )
        if not matches:
            self.add_error("enterprise", _("No enterprise in your scope matches “%(text)s”.") % {"text": text})
        elif len(matches) > 1:
            self.add_error(
                "enterprise",
                _("Several enterprises match “%(text)s”: type the full credit code, or use Find.") % {"text": text},
            )
        else:
            self.enterprise_obj = matches[0]
        return cleaned


class MemberExitForm(forms.Form):
    exited_on = forms.DateField(label=_("Exited on"), widget=DATE_INPUT)
    reason = forms.CharField(
        label=_("Reason"), max_length=PoolMembership._meta.get_field("exit_reason").max_length, strip=True
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("exited_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.fields["reason"].error_messages["required"] = _("Give the reason the enterprise leaves the pool.")


class MemberPromoteForm(forms.Form):
    promoted_on = forms.DateField(label=_("Promoted on"), widget=DATE_INPUT)
    note = forms.CharField(
        label=_("Note"), required=False, max_length=PoolMembership._meta.get_field("note").max_length
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("promoted_on", timezone.localdate())
        super().__init__(*args, **kwargs)


def apply_service_error(form: forms.Form, error) -> None:
    """Show a service's ValidationError on the form: next to its field when it names one the form has."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)
