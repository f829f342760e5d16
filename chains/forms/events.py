"""Forms of the event and target pages. They check the shape of the input; the rules (who may organize for
which unit, dates, amounts, participants, scope) live in chains.services.events, whose messages the views put
back on these forms."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Unit
from cases.models import CaseCategory, Urgency
from chains.models import Event, EventOutcome, IndustryChain
from chains.selectors.events import target_kind_choices
from chains.services import events as services

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class UnitChoiceField(forms.ModelChoiceField):
    """Units in tree order, indented by depth."""

    def label_from_instance(self, obj):
        return "　" * obj.depth + obj.name


class IdListField(forms.Field):
    """Ids sent as repeated inputs (the enterprise picker's checkboxes); whether each may be used is the
    service's business."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        if value in (None, ""):
            return []
        values = value if isinstance(value, list | tuple) else [value]
        ids = []
        for item in values:
            text = str(item).strip()
            if not text.isdigit():
                raise ValidationError(_("“%(value)s” is not an enterprise id."), params={"value": item})
            ids.append(int(text))
        return list(dict.fromkeys(ids))


def apply_service_error(form: forms.Form, error: ValidationError, renamed: dict[str, str] | None = None) -> None:
    """Put a service's ValidationError on the form: on the field it names when the form has it, else on top."""
    renamed = renamed or {}
    if hasattr(error, "error_dict"):
        for name, messages in error.message_dict.items():
            name = renamed.get(name, name)
            form.add_error(name if name in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


def _this_year() -> int:
    return timezone.localdate().year


class EventForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=[("", _("— choose —")), *Event.Kind.choices])
    title = forms.CharField(label=_("Title"), max_length=120)
    organizer = UnitChoiceField(label=_("Organizer"), queryset=Unit.objects.none(), empty_label=_("— choose —"))
    held_on = forms.DateField(label=_("Date"), widget=DATE_INPUT)
    place = forms.CharField(label=_("Place"), max_length=120, required=False)
    chain = forms.ModelChoiceField(
        label=_("Industry chain"), queryset=IndustryChain.objects.none(), required=False, empty_label=_("— none —")
    )
    description = forms.CharField(
        label=_("Description"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    summary = forms.CharField(
        label=_("What came of it"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, user, event: Event | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        units = services.organizer_units(user)
        if event is not None:
            units = units | Unit.objects.filter(pk=event.organizer_id)
        self.fields["organizer"].queryset = units.order_by("path")
        chains = IndustryChain.objects.filter(is_active=True)
        if event is not None and event.chain_id:
            chains = chains | IndustryChain.objects.filter(pk=event.chain_id)
        self.fields["chain"].queryset = chains.order_by("sort_order", "name")
        if event is None or event.status != Event.Status.HELD:
            del self.fields["summary"]
        else:
            self.fields["summary"].required = True


class HeldForm(forms.Form):
    summary = forms.CharField(
        label=_("What came of it"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Who came, what was discussed, what was agreed."),
    )


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Why it is called off"), max_length=4000, required=False)


class InviteForm(forms.Form):
    enterprise = IdListField(label=_("Enterprises"))
    walk_in = forms.BooleanField(label=_("They came without an invitation (record them as attending)"), required=False)


class OutcomeForm(forms.Form):
    kind = forms.ChoiceField(label=_("Outcome"), choices=[("", _("— choose —")), *EventOutcome.Kind.choices])
    enterprise = forms.TypedChoiceField(label=_("Enterprise"), coerce=int, required=False, empty_value=None)
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    amount = forms.DecimalField(
        label=_("Amount (10k yuan)"), max_digits=14, decimal_places=2, required=False, min_value=0
    )
    people = forms.IntegerField(label=_("People hired"), required=False, min_value=1)

    def __init__(self, *args, participants=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].choices = [("", _("— none —"))] + [
            (p.enterprise_id, p.enterprise.name) for p in participants
        ]


class RaiseCaseForm(forms.Form):
    enterprise = forms.TypedChoiceField(label=_("Enterprise"), coerce=int)
    title = forms.CharField(label=_("Title"), max_length=120)
    description = forms.CharField(label=_("Description"), max_length=4000, widget=forms.Textarea(attrs={"rows": 5}))
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=CaseCategory.objects.none(), empty_label=_("— choose —")
    )
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, initial=Urgency.NORMAL)
    contact_name = forms.CharField(
        label=_("Contact"), max_length=40, required=False, help_text=_("Defaults to who came to the event.")
    )
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=20, required=False)

    def __init__(self, *args, attending=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].choices = [("", _("— choose —"))] + [
            (p.enterprise_id, p.enterprise.name) for p in attending
        ]
        self.fields["category"].queryset = CaseCategory.objects.filter(is_active=True)


class ScheduleForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=services.MIN_YEAR, max_value=services.MAX_YEAR)
    organizer = UnitChoiceField(label=_("Organizer"), queryset=Unit.objects.none(), empty_label=None)
    place = forms.CharField(label=_("Place"), max_length=120, required=False)
    include_past = forms.BooleanField(label=_("Also days already gone"), required=False)

    def __init__(self, *args, user, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("year", _this_year())
        super().__init__(*args, **kwargs)
        self.fields["organizer"].queryset = services.organizer_units(user).order_by("path")
        default = services.coordinating_office() if services.is_office(user) else user.unit
        if default is not None:
            self.fields["organizer"].initial = default.pk


class TargetForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=services.MIN_YEAR, max_value=services.MAX_YEAR)
    unit = UnitChoiceField(label=_("Unit"), queryset=Unit.objects.none(), empty_label=_("— choose —"))
    kind = forms.ChoiceField(label=_("Events counted"), choices=())
    minimum = forms.IntegerField(label=_("At least"), min_value=1, max_value=services.MAX_MINIMUM)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("year", _this_year())
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.filter(is_active=True).order_by("path")
        self.fields["kind"].choices = target_kind_choices()


class DefaultsForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=services.MIN_YEAR, max_value=services.MAX_YEAR)
    bureau = UnitChoiceField(
        label=_("Industry bureau"),
        queryset=Unit.objects.none(),
        empty_label=_("— choose —"),
        help_text=_("Its target: at least 2 matchmaking events a year, counting the units below it."),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("year", _this_year())
        super().__init__(*args, **kwargs)
        self.fields["bureau"].queryset = Unit.objects.filter(is_active=True).order_by("path")
        bureau = services.default_bureau()
        if bureau is not None:
            self.fields["bureau"].initial = bureau.pk
