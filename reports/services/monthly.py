"""Writing the unit monthly report (单位月报): save a draft, submit it, and the office's reopening.

Who writes: the unit's own handlers and heads, and a head also for the units below theirs (the rule of
cases.services.base.acts_for_unit). The coordinating office does not write a unit's report: the report is
the unit's own account to the office, and its timeliness is scored (daily work, seed 000 Annex 2); the
office reads every report and may reopen a submitted one for the unit to correct. Auditors, leaders,
cadres and enterprise users read or see nothing to write.

Lateness: a report is late when first submitted after the end of its due day (the 20th of the month, China
time; reports.selectors.monthly.is_late). Reopening does not touch `submitted_at`, `submitted_by` or
`is_late`: the first submission time counts, and submitting again only refreshes the text's snapshot of
the figures (its "taken_at" says when). docs/reports/monthly-report.md.
"""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, Unit, User
from accounts.scope import get_for_user, has_role, is_office
from cases.services.base import acts_for_unit
from core.notifications import notify
from core.periods import current_month
from reports.models import MonthlyReport
from reports.selectors import monthly as selectors

Status = MonthlyReport.Status
WRITER_ROLES = (Role.UNIT_HANDLER, Role.UNIT_HEAD)
TEXT_FIELDS = ("enterprises_situation", "problems_progress", "plans_progress", "next_steps")
# What a submitted report must say; next month's work may be left empty.
REQUIRED_ON_SUBMIT = ("enterprises_situation", "problems_progress", "plans_progress")
MAX_TEXT = 6000
MAX_REASON = 500


# Who may write ------------------------------------------------------------------------------------------


def can_write(user, unit: Unit) -> bool:
    """May `user` write `unit`'s report? Scope is the caller's business (fetch the unit with get_for_user)."""
    return getattr(user, "is_authenticated", False) and user.is_active and acts_for_unit(user, unit)


def require_writer(actor) -> None:
    """The role check that comes before any lookup: only unit handlers and heads write monthly reports."""
    if actor.unit_id and has_role(actor, *WRITER_ROLES):
        return
    if is_office(actor):
        raise PermissionDenied(
            _("The coordinating office reads and reopens monthly reports; only the unit writes and submits its own.")
        )
    raise PermissionDenied(_("Only a unit's handlers and heads write its monthly report."))


def _require_acts_for(actor, unit: Unit) -> None:
    if not acts_for_unit(actor, unit):
        raise PermissionDenied(
            _("Only the handlers and heads of %(unit)s, and the heads of the units above it, write its monthly report.")
            % {"unit": unit.name}
        )


# Checks -------------------------------------------------------------------------------------------------


def clean_month(month) -> date:
    """A report month: the first day of a month that has begun (a month not yet begun has nothing to report)."""
    if isinstance(month, datetime) or not isinstance(month, date):
        raise ValidationError({"month": _("Give the month as YYYY-MM.")})
    month = month.replace(day=1)
    if month > current_month():
        raise ValidationError(
            {
                "month": _("The report of %(month)s cannot be written before the month begins.")
                % {"month": f"{month:%Y-%m}"}
            }
        )
    return month


def _clean_texts(values: dict) -> dict:
    texts, errors = {}, {}
    for name in TEXT_FIELDS:
        text = (values.get(name) or "").strip()
        if len(text) > MAX_TEXT:
            errors[name] = _("At most %(limit)s characters (this has %(count)s).") % {
                "limit": MAX_TEXT,
                "count": len(text),
            }
        texts[name] = text
    if errors:
        raise ValidationError(errors)
    return texts


def submitted_error(report: MonthlyReport) -> ValidationError:
    return ValidationError(
        _(
            "The report of %(unit)s for %(month)s was submitted on %(submitted)s and can no longer be changed. "
            "Ask the coordinating office to reopen it if it needs correcting."
        )
        % {
            "unit": report.unit.name,
            "month": f"{report.month:%Y-%m}",
            "submitted": timezone.localtime(report.submitted_at).strftime("%Y-%m-%d %H:%M"),
        },
        code="submitted",
    )


# Actions ------------------------------------------------------------------------------------------------


def monthly_report_save(
    *,
    actor,
    unit_id: int,
    month: date,
    enterprises_situation: str = "",
    problems_progress: str = "",
    plans_progress: str = "",
    next_steps: str = "",
    expected_updated_at: datetime | None = None,
) -> MonthlyReport:
    """Save the draft of `unit_id`'s report of `month` (created on the first save), replacing its four
    texts. Refused once submitted (until the office reopens it), for a unit that leads no linkage that year
    and has no report, and, given `expected_updated_at` (when the writer loaded the draft), when someone
    else saved it since: two people editing one draft never silently overwrite each other."""
    require_writer(actor)
    month = clean_month(month)
    texts = _clean_texts(
        {
            "enterprises_situation": enterprises_situation,
            "problems_progress": problems_progress,
            "plans_progress": plans_progress,
            "next_steps": next_steps,
        }
    )
    with transaction.atomic():
        unit = get_for_user(actor, Unit, pk=unit_id)
        _require_acts_for(actor, unit)
        lock = MonthlyReport.objects.select_for_update(of=("self",)).select_related("unit")
        report = lock.filter(unit=unit, month=month).first()
        if report is None:
            if not selectors.is_due(unit, month):
                raise ValidationError(
                    _("%(unit)s leads the linkage of no enterprise in %(year)s: it has no monthly report to file.")
                    % {"unit": unit.name, "year": month.year},
                    code="not_due",
                )
            try:
                with transaction.atomic():
                    return MonthlyReport.objects.create(unit=unit, month=month, due_on=selectors.due_on(month), **texts)
            except IntegrityError:
                # Someone created it a moment ago: take the row (now locked) and go on as an edit of it.
                report = lock.get(unit=unit, month=month)
        if report.status == Status.SUBMITTED:
            raise submitted_error(report)
        if expected_updated_at is not None and report.updated_at != expected_updated_at:
            raise ValidationError(
                _(
                    "Someone else saved this report at %(time)s, after you opened it. Reload the page to see "
                    "their text before saving yours."
                )
                % {"time": timezone.localtime(report.updated_at).strftime("%Y-%m-%d %H:%M:%S")},
                code="conflict",
            )
        for name, text in texts.items():
            setattr(report, name, text)
        report.save()
    return report


def monthly_report_submit(*, actor, report_id: int) -> MonthlyReport:
    """Submit a draft: the figures of the prefill are stored with it (snapshot), and on its first submission
    the time, the submitter and whether it was late (after the end of the 20th, China time). A report
    reopened by the office and submitted again keeps its first submission's time, submitter and lateness."""
    require_writer(actor)
    with transaction.atomic():
        report = get_for_user(
            actor, MonthlyReport.objects.select_for_update(of=("self",)).select_related("unit"), pk=report_id
        )
        _require_acts_for(actor, report.unit)
        if report.status == Status.SUBMITTED:
            raise submitted_error(report)
        missing = {
            name: _("Write this part before submitting the report.")
            for name in REQUIRED_ON_SUBMIT
            if not getattr(report, name).strip()
        }
        if missing:
            raise ValidationError(missing)
        now = timezone.now()
        report.snapshot = selectors.prefill(report.unit, report.month, now=now)
        if report.submitted_at is None:
            report.submitted_at = now
            report.submitted_by = actor
            report.is_late = selectors.is_late(now, report.due_on)
        report.status = Status.SUBMITTED
        report.save()
    return report


def monthly_report_reopen(*, actor, report_id: int, reason: str = "") -> MonthlyReport:
    """The office sends a submitted report back to its unit as a draft, to be corrected and submitted again.
    Nothing about its lateness changes (the first submission counts). The unit's handlers and heads and the
    first submitter are told, with the reason."""
    if not is_office(actor):
        raise PermissionDenied(_("Only the coordinating office may reopen a submitted monthly report."))
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON:
        raise ValidationError(
            {
                "reason": _("At most %(limit)s characters (this has %(count)s).")
                % {"limit": MAX_REASON, "count": len(reason)}
            }
        )
    with transaction.atomic():
        report = get_for_user(
            actor, MonthlyReport.objects.select_for_update(of=("self",)).select_related("unit"), pk=report_id
        )
        if report.status != Status.SUBMITTED:
            raise ValidationError(
                _("The report of %(unit)s for %(month)s is not submitted: there is nothing to reopen.")
                % {"unit": report.unit.name, "month": f"{report.month:%Y-%m}"},
                code="not_submitted",
            )
        report.status = Status.DRAFT
        report.save()
        recipients = list(
            User.objects.filter(unit=report.unit, is_active=True, role_grants__role__in=WRITER_ROLES).distinct()
        )
        if report.submitted_by_id:
            recipients.append(report.submitted_by)
        month_text = f"{report.month:%Y-%m}"
        notify(
            recipients,
            _("The office reopened the monthly report of %(month)s") % {"month": month_text},
            reason or _("Correct the report and submit it again."),
            link=reverse("monthly_report_edit", args=[report.unit_id, month_text]),
            topic=f"monthly-report:{report.pk}",
        )
    return report
