"""The monthly dispatch report's pages (月调度): /reports/dispatch/?month=YYYY-MM (default: the last complete
month) shows every section for the user's slice, each count linking to the list behind it where a list
shows exactly it; /reports/dispatch/YYYY-MM.xlsx is the same report as a workbook. Staff roles only."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import render
from django.urls import path, re_path, reverse

from core.permissions import role_required
from reports.exports.dispatch import dispatch_xlsx_response
from reports.selectors import dispatch as selectors
from reports.targets import target


def _messages(error: ValidationError) -> list[str]:
    if hasattr(error, "error_dict"):
        return [message for messages in error.message_dict.values() for message in messages]
    return list(error.messages)


@role_required(*selectors.READERS)
def dispatch_report(request):
    raw = (request.GET.get("month") or "").strip()
    report, errors = None, []
    try:
        month = selectors.parse_report_month(raw) if raw else selectors.default_month()
        report = selectors.dispatch_report(request.user, month)
    except ValidationError as error:
        errors = _messages(error)
    context = {
        "report": report,
        "errors": errors,
        "month_value": f"{report.month:%Y-%m}" if report else raw,
        "default_month": f"{selectors.default_month():%Y-%m}",
        "resolution_target": target("resolution_rate").value,
        "xlsx_url": reverse("dispatch_report_xlsx", args=[f"{report.month:%Y-%m}"]) if report else None,
    }
    return render(request, "reports/dispatch/report.html", context, status=400 if errors else 200)


@role_required(*selectors.READERS)
def dispatch_report_xlsx(request, month: str):
    try:
        report = selectors.dispatch_report(request.user, selectors.parse_report_month(month))
    except ValidationError as error:
        raise Http404(" ".join(_messages(error))) from None
    return dispatch_xlsx_response(report)


urlpatterns = [
    path("reports/dispatch/", dispatch_report, name="dispatch_report"),
    re_path(
        r"^reports/dispatch/(?P<month>[0-9]{4}-[0-9]{2})\.xlsx$", dispatch_report_xlsx, name="dispatch_report_xlsx"
    ),
]
