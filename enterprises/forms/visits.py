"""Forms of the visit pages."""

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enterprises.models import Enterprise, Visit
from enterprises.services.visits import MAX_DAYS_BACK, problem_lines


class VisitForm(forms.Form):
    """Recording or correcting a visit. The enterprise is chosen only when recording; the date rules live
    in the service, which reports them on the visited_on field."""

    enterprise = forms.ModelChoiceField(
        label=_("Enterprise"),
        queryset=Enterprise.objects.none(),
        error_messages={"required": _("Choose the enterprise you visited.")},
    )
    visited_on = forms.DateField(
        label=_("Visit date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    mode = forms.ChoiceField(label=_("Mode"), choices=Visit.Mode.choices, widget=forms.RadioSelect)
    met_with = forms.CharField(
        label=_("Met with"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. 张经理 (general manager)"), "autocomplete": "off"}),
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    problems = forms.CharField(
        label=_("Problems found"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One problem per line."),
    )

    def __init__(self, *args, enterprises=None, **kwargs):
        super().__init__(*args, **kwargs)
        if enterprises is None:
            del self.fields["enterprise"]
        else:
            self.fields["enterprise"].queryset = enterprises
        today = timezone.localdate()
        self.fields["visited_on"].initial = today
        self.fields["visited_on"].widget.attrs.update(
            {"max": today.isoformat(), "min": (today - dt.timedelta(days=MAX_DAYS_BACK)).isoformat()}
        )
        self.fields["mode"].initial = Visit.Mode.ONSITE

    def clean_problems(self):
        return problem_lines(self.cleaned_data["problems"])

    @staticmethod
    def initial_for(visit: Visit) -> dict:
        return {
            "visited_on": visit.visited_on,
            "mode": visit.mode,
            "met_with": visit.met_with,
            "notes": visit.notes,
            "problems": "\n".join(problem.description for problem in visit.problems.all()),
        }
