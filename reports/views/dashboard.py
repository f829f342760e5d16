"""The dashboard page (驾驶舱, /reports/dashboard/?from=&to=): the program targets, the problem indicators
over time and by category, channel and region, the unit ranking, the enterprises at risk and the plan goals,
for the user's slice; every chart point links to the list behind it. The figures come from
reports.selectors.dashboard, the charts are drawn by static/js/reports-dashboard.js."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role
from accounts.scope import has_role
from cases.selectors import smart
from cases.selectors.indicators import default_period
from cases.views.indicators import shortcuts
from core.permissions import role_required
from reports.selectors import dashboard as selectors


class PeriodForm(forms.Form):
    """The period from the query string (?from=&to=); an end left out is this year to date's."""

    def __init__(self, query):
        first, last = default_period()
        super().__init__({"from": query.get("from") or first.isoformat(), "to": query.get("to") or last.isoformat()})
        date_input = {"type": "date"}
        self.fields["from"] = forms.DateField(
            label=gettext_lazy("From"), widget=forms.DateInput(attrs=date_input, format="%Y-%m-%d")
        )
        self.fields["to"] = forms.DateField(
            label=gettext_lazy("To"), widget=forms.DateInput(attrs=date_input, format="%Y-%m-%d")
        )

    def clean(self):
        data = super().clean()
        if data.get("from") and data.get("to") and data["to"] < data["from"]:
            self.add_error("to", _("The period ends before it begins."))
        return data

    def period(self):
        return self.cleaned_data["from"], self.cleaned_data["to"]


def chart_text() -> dict:
    """The words the charts show, translated here (the script holds none)."""
    return {
        "collected": _("Collected"),
        "solved": _("Solved"),
        "overdue": _("Overdue now"),
        "satisfaction": _("Satisfaction (%)"),
        "cases": _("Cases"),
        "percent": "%",
        "achieved": _("Goals achieved"),
        "not_achieved": _("Goals not achieved yet"),
    }


def _shortcut_links() -> list[dict]:
    return [
        {"label": label, "query": f"from={first.isoformat()}&to={last.isoformat()}", "first": first, "last": last}
        for label, first, last in shortcuts()
    ]


@role_required(*selectors.READERS)
def report_dashboard(request):
    form = PeriodForm(request.GET)
    board = data = None
    if form.is_valid():
        date_from, date_to = form.period()
        try:
            board = selectors.dashboard(request.user, date_from, date_to)
        except ValidationError as error:
            form.add_error(None, error)
    if board is not None:
        data = selectors.as_data(board)
    dispatch_accuracy = None
    if board is not None and has_role(request.user, Role.OFFICE):
        # The office dispatches: how often the suggestions it was shown were what it chose, in the period.
        dispatch_accuracy = smart.accuracy(request.user, board.date_from, board.date_to)
    context = {
        "form": form,
        "board": board,
        "data": data,
        "chart_data": {**data, "text": chart_text()} if data else None,
        "shortcuts": _shortcut_links(),
        "dispatch_accuracy": dispatch_accuracy,
    }
    return render(request, "reports/dashboard/dashboard.html", context)


urlpatterns = [
    path("reports/dashboard/", report_dashboard, name="report_dashboard"),
]
