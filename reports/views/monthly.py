"""Pages of the unit monthly report (单位月报): the list (a unit's own reports and this month's to write; the
month's overview for the office and auditors, with its Excel export) and the report page (the prefilled
form, save and submit; read-only once submitted, showing the figures as they were then)."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, re_path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Role, Unit
from accounts.scope import get_for_user, has_role
from core.exports import ExportColumn, xlsx_response
from core.pagination import paginate
from core.periods import add_months, current_month, parse_month
from core.permissions import role_required
from reports.forms.monthly import MonthlyReportForm, apply_errors
from reports.models import MonthlyReport
from reports.selectors import monthly as selectors
from reports.services import monthly as services

READERS = (Role.OFFICE, Role.AUDITOR, Role.UNIT_HEAD, Role.UNIT_HANDLER)
OVERSIGHT = (Role.OFFICE, Role.AUDITOR)


def _month_param(raw) -> date:
    """?month=YYYY-MM when it is a month that has begun, else this month."""
    month = parse_month(raw)
    this_month = current_month()
    return month if month is not None and month <= this_month else this_month


def _month_or_404(raw: str) -> date:
    month = parse_month(raw)
    if month is None or month > current_month():
        raise Http404("No such month.")
    return month


# The list -----------------------------------------------------------------------------------------------


def _yes_no(value: bool) -> str:
    return _("yes") if value else _("no")


def _export(overview: selectors.Overview):
    columns = [
        ExportColumn(_("Unit"), lambda r: r.unit.name, 28),
        ExportColumn(_("Month"), lambda r: f"{overview.month:%Y-%m}", 10),
        ExportColumn(_("Due on"), lambda r: overview.due_on, 12),
        ExportColumn(_("Status"), lambda r: r.state_label, 20),
        ExportColumn(_("Submitted at"), lambda r: r.report.submitted_at if r.report else None, 20),
        ExportColumn(
            _("Submitted by"), lambda r: str(r.report.submitted_by) if r.report and r.report.submitted_by else "", 16
        ),
        ExportColumn(_("Late"), lambda r: _yes_no(r.state == selectors.RowState.LATE), 8),
        ExportColumn(_("Reopened"), lambda r: _yes_no(r.reopened), 10),
    ]
    return xlsx_response(
        _("monthly-reports-%(month)s") % {"month": f"{overview.month:%Y-%m}"},
        _("Monthly reports"),
        columns,
        overview.rows,
    )


@role_required(*READERS)
def monthly_report_list(request):
    month = _month_param(request.GET.get("month"))
    overview = selectors.month_overview(user=request.user, month=month)
    oversight = has_role(request.user, *OVERSIGHT)
    if oversight and request.GET.get("export") == "xlsx":
        return _export(overview)
    context = {
        "month": month,
        "month_value": f"{month:%Y-%m}",
        "previous_month": f"{add_months(month, -1):%Y-%m}",
        "next_month": f"{add_months(month, 1):%Y-%m}" if month < current_month() else "",
        "overview": overview,
        "oversight": oversight,
        "deadline": selectors.due_deadline(overview.due_on),
    }
    if not oversight:
        page = paginate(request, selectors.report_history(user=request.user))
        context["page"] = page
        context["history"] = [(report, selectors.report_state(report)) for report in page.object_list]
        context["state_labels"] = selectors.RowState.labels()
    return render(request, "reports/monthly/list.html", context)


# The report ---------------------------------------------------------------------------------------------


def _edit_url(unit_id: int, month: date) -> str:
    return reverse("monthly_report_edit", args=[unit_id, f"{month:%Y-%m}"])


def _initial(report: MonthlyReport | None, suggested: dict) -> dict:
    """The draft's texts; each empty one starts from the suggested text."""
    initial = {name: (getattr(report, name) if report else "") or suggested[name] for name in services.TEXT_FIELDS}
    initial["loaded_at"] = report.updated_at.isoformat() if report else ""
    return initial


@role_required(*READERS)
def monthly_report_edit(request, unit_id: int, month: str):
    month = _month_or_404(month)
    unit = get_for_user(request.user, Unit, pk=unit_id)
    report = selectors.report_for(user=request.user, unit=unit, month=month)
    submitted = report is not None and report.status == MonthlyReport.Status.SUBMITTED
    due = selectors.is_due(unit, month)
    writable = services.can_write(request.user, unit) and not submitted and (report is not None or due)

    form = None
    if request.method == "POST":
        if not writable:
            if submitted:
                messages.error(request, str(services.submitted_error(report).messages[0]))
                return redirect(_edit_url(unit.pk, month))
            services.require_writer(request.user)  # the office and readers: 403 with the reason
            raise PermissionDenied(_("You may not write this unit's monthly report."))
        form = MonthlyReportForm(request.POST)
        if form.is_valid():
            saved = None
            try:
                saved = services.monthly_report_save(
                    actor=request.user,
                    unit_id=unit.pk,
                    month=month,
                    expected_updated_at=form.cleaned_data["loaded_at"],
                    **form.texts(),
                )
                if request.POST.get("action") == "submit":
                    saved = services.monthly_report_submit(actor=request.user, report_id=saved.pk)
            except ValidationError as error:
                apply_errors(form, error)
                report = selectors.report_for(user=request.user, unit=unit, month=month)
                if saved is not None:
                    # The draft was saved and only the submission was refused: the form now stands on the
                    # saved draft, so that correcting and submitting again is not taken for a conflict.
                    form.data = form.data.copy()
                    form.data["loaded_at"] = saved.updated_at.isoformat()
            else:
                if saved.status == MonthlyReport.Status.SUBMITTED:
                    if saved.is_late:
                        messages.warning(
                            request, _("The report is submitted, after its due date: it is recorded as late.")
                        )
                    else:
                        messages.success(request, _("The report is submitted on time."))
                else:
                    messages.success(request, _("The draft is saved."))
                return redirect(_edit_url(unit.pk, month))

    data = report.snapshot if submitted and report.snapshot else None
    if data is None and (report is not None or due):
        data = selectors.prefill(unit, month)
    if writable and form is None:
        form = MonthlyReportForm(initial=_initial(report, selectors.suggested_text(data)))
    due_date = selectors.due_on(month)
    return render(
        request,
        "reports/monthly/edit.html",
        {
            "unit": unit,
            "month": month,
            "month_value": f"{month:%Y-%m}",
            "report": report,
            "state": selectors.report_state(report),
            "state_label": selectors.RowState.labels()[selectors.report_state(report)],
            "submitted": submitted,
            "reopened": bool(report and report.submitted_at and not submitted),
            "due": due,
            "due_on": report.due_on if report else due_date,
            "overdue_now": timezone.now() >= selectors.due_deadline(report.due_on if report else due_date),
            "writable": writable,
            "form": form,
            "data": data,
            # A report submitted before snapshots were kept (imported, demo) shows the live figures instead.
            "from_snapshot": bool(submitted and report.snapshot),
            "taken_at": parse_datetime(data["taken_at"]) if data else None,
            "can_reopen": submitted and has_role(request.user, Role.OFFICE),
        },
    )


@require_POST
@role_required(Role.OFFICE)
def monthly_report_reopen(request, unit_id: int, month: str):
    month = _month_or_404(month)
    unit = get_for_user(request.user, Unit, pk=unit_id)
    report = selectors.report_for(user=request.user, unit=unit, month=month)
    if report is None:
        raise Http404("No report.")
    try:
        services.monthly_report_reopen(actor=request.user, report_id=report.pk, reason=request.POST.get("reason", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The report is reopened: the unit can correct it and submit it again."))
    return redirect(_edit_url(unit.pk, month))


MONTH = r"(?P<month>[0-9]{4}-[0-9]{2})"
urlpatterns = [
    path("reports/monthly/", monthly_report_list, name="monthly_report_list"),
    re_path(rf"^reports/monthly/(?P<unit_id>[0-9]+)/{MONTH}/$", monthly_report_edit, name="monthly_report_edit"),
    re_path(
        rf"^reports/monthly/(?P<unit_id>[0-9]+)/{MONTH}/reopen/$", monthly_report_reopen, name="monthly_report_reopen"
    ),
]
