"""The indicators page (诉求办理指标): every indicator of DESIGN.md §4 for a period, for the whole and by lead
unit, region, category, channel or month, as a table, a bar chart of the resolution and satisfaction rates,
and an Excel export of the table."""

from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import STAFF_ROLES, Region, Unit
from accounts.scope import scoped
from cases.models import Case, CaseCategory
from cases.selectors import indicators as selectors
from core.exports import ExportColumn, xlsx_response
from core.periods import add_months, month_start
from core.permissions import role_required

# The table's columns, shared by the page and the export: (heading, attribute, kind).
COLUMNS = [
    (gettext_lazy("Collected"), "collected", "count"),
    (gettext_lazy("Assigned"), "assigned", "count"),
    (gettext_lazy("Rejected"), "rejected", "count"),
    (gettext_lazy("Solved"), "solved", "count"),
    (gettext_lazy("Explained"), "explained", "count"),
    (gettext_lazy("Not solved"), "not_solved", "count"),
    (gettext_lazy("Resolution rate"), "resolution_rate", "rate"),
    (gettext_lazy("Closure rate"), "closure_rate", "rate"),
    (gettext_lazy("On-time rate"), "on_time_rate", "rate"),
    (gettext_lazy("Satisfaction"), "satisfaction_rate", "rate"),
    (gettext_lazy("Timely acceptance"), "timely_acceptance_rate", "rate"),
    (gettext_lazy("Return rate"), "return_rate", "rate"),
    (gettext_lazy("Reopen rate"), "reopen_rate", "rate"),
    (gettext_lazy("Overdue (open)"), "overdue_open", "count"),
    (gettext_lazy("Resolved late"), "resolved_late", "count"),
    (gettext_lazy("Average working days to resolve"), "average_working_days", "days"),
]


def _cell(value, kind: str) -> str:
    if value is None:
        return "—"
    return f"{value} %" if kind == "rate" else str(value)


def _number(value):
    return None if value is None else float(value)


class IndicatorForm(forms.Form):
    """The page's parameters from the query string; every field may be left out."""

    date_from = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    group_by = forms.ChoiceField(label=gettext_lazy("Group by"), required=False)
    unit = forms.TypedChoiceField(label=gettext_lazy("Lead unit"), required=False, coerce=int, empty_value=None)
    region = forms.TypedChoiceField(label=gettext_lazy("Region"), required=False, coerce=int, empty_value=None)
    category = forms.TypedChoiceField(label=gettext_lazy("Category"), required=False, coerce=int, empty_value=None)
    channel = forms.ChoiceField(label=gettext_lazy("Channel"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        everything = [("", _("all"))]
        self.fields["group_by"].choices = [("", _("nothing (the whole only)"))] + [
            (value, label) for value, label in selectors.GROUP_BY.items()
        ]
        units = scoped(user, Unit.objects.filter(is_active=True).exclude(kind=Unit.Kind.OFFICE)).order_by("path")
        self.fields["unit"].choices = everything + [(u.pk, u.name) for u in units.only("pk", "name")]
        self.fields["region"].choices = everything + [(r.pk, r.name) for r in region_options(user)]
        categories = CaseCategory.objects.order_by("sort_order", "code").only("pk", "name")
        self.fields["category"].choices = everything + [(c.pk, c.name) for c in categories]
        self.fields["channel"].choices = everything + list(Case.Channel.choices)

    def parameters(self) -> dict:
        """The selector's keyword arguments; the period defaults to this year to date."""
        data = self.cleaned_data
        first, last = selectors.default_period()
        return {
            "date_from": data.get("date_from") or first,
            "date_to": data.get("date_to") or last,
            "group_by": data.get("group_by") or None,
            "unit_id": data.get("unit"),
            "region_id": data.get("region"),
            "category_id": data.get("category"),
            "channel": data.get("channel") or None,
        }


def region_options(user) -> list[Region]:
    """The user's jurisdiction and the level below it: the regions one can group below."""
    top = selectors.jurisdiction_region(user)
    if top is None:
        return []
    regions = Region.objects.filter(path__startswith=top.path, depth__lte=top.depth + 1)
    return list(regions.order_by("path").only("pk", "name", "path"))


def add_selector_errors(form: forms.Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, messages in error.message_dict.items():
            form.add_error(name if name in form.fields else None, messages)
    else:
        form.add_error(None, error)


def shortcuts(today: date | None = None) -> list[tuple[str, date, date]]:
    """Periods one click away: this and last month, quarter and year."""
    today = today or timezone.localdate()
    this_month = month_start(today)
    this_quarter = date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    last_quarter = add_months(this_quarter, -3)
    return [
        (_("This month"), this_month, today),
        (_("Last month"), add_months(this_month, -1), this_month - timedelta(days=1)),
        (_("This quarter"), this_quarter, today),
        (_("Last quarter"), last_quarter, this_quarter - timedelta(days=1)),
        (_("This year"), date(today.year, 1, 1), today),
        (_("Last year"), date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)),
    ]


def _shortcut_links(request) -> list[dict]:
    links = []
    for label, first, last in shortcuts():
        query = request.GET.copy()
        query.pop("export", None)
        query["date_from"], query["date_to"] = first.isoformat(), last.isoformat()
        links.append({"label": label, "query": query.urlencode(), "first": first, "last": last})
    return links


def _export_value(name: str, kind: str):
    if kind == "count":
        return lambda row: getattr(row, name)
    return lambda row: _number(getattr(row, name))


def _export(report: selectors.IndicatorReport):
    group_label = selectors.GROUP_BY[report.group_by] if report.group_by else _("Scope")
    columns = [ExportColumn(str(group_label), lambda row: row.label, 28)]
    for heading, name, kind in COLUMNS:
        title = f"{heading} (%)" if kind == "rate" else str(heading)
        columns.append(ExportColumn(title, _export_value(name, kind), 12))
    period = f"{report.date_from:%Y%m%d}-{report.date_to:%Y%m%d}"
    return xlsx_response(f"{_('Case indicators')}-{period}", _("Indicators"), columns, [*report.rows, report.total])


def _table_row(row: selectors.IndicatorRow) -> dict:
    return {
        "key": row.key,
        "label": row.label,
        "cells": [
            {"name": name, "heading": heading, "text": _cell(getattr(row, name), kind)}
            for heading, name, kind in COLUMNS
        ],
    }


def _chart(report: selectors.IndicatorReport) -> dict | None:
    if not report.rows:
        return None
    return {
        "groups": [row.label for row in report.rows],
        "resolution": [_number(row.resolution_rate) for row in report.rows],
        "satisfaction": [_number(row.satisfaction_rate) for row in report.rows],
        "resolution_label": _("Resolution rate (%)"),
        "satisfaction_label": _("Satisfaction (%)"),
        "target": float(selectors.RESOLUTION_TARGET),
        "target_label": _("Target: at least %(target)s %%") % {"target": selectors.RESOLUTION_TARGET},
    }


@role_required(*STAFF_ROLES)
def case_indicators(request):
    # The period left out is this year to date, and the form shows it so.
    data = request.GET.copy()
    first, last = selectors.default_period()
    data["date_from"] = data.get("date_from") or first.isoformat()
    data["date_to"] = data.get("date_to") or last.isoformat()
    form = IndicatorForm(data, user=request.user)
    report = None
    if form.is_valid():
        try:
            report = selectors.indicators(request.user, **form.parameters())
        except ValidationError as error:
            add_selector_errors(form, error)
    if report is not None and request.GET.get("export") == "xlsx":
        return _export(report)
    query = request.GET.copy()
    query.pop("export", None)
    # A region row links to its own parts when that region can be chosen in the filter.
    drillable = {value for value, _label in form.fields["region"].choices if value}
    rows = []
    for row in report.rows if report else []:
        cells = _table_row(row)
        if report.group_by == "region" and row.key in drillable and row.key != report.region.pk:
            drill = query.copy()
            drill["region"] = row.key
            cells["drill"] = drill.urlencode()
        rows.append(cells)
    context = {
        "form": form,
        "report": report,
        "columns": [(heading, kind) for heading, _name, kind in COLUMNS],
        "rows": rows,
        "total": _table_row(report.total) if report else None,
        "chart": _chart(report) if report else None,
        "shortcuts": _shortcut_links(request),
        "query": query.urlencode(),
        "group_label": selectors.GROUP_BY[report.group_by] if report and report.group_by else None,
        "target": selectors.RESOLUTION_TARGET,
    }
    return render(request, "cases/indicators/indicators.html", context)


urlpatterns = [
    path("cases/indicators/", case_indicators, name="case_indicators"),
]
