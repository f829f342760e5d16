"""Reads of the unit monthly report (单位月报, seed 000 五(三)): who must file for a month, when it is due,
the month's overview for the office, and the figures the form is prefilled with.

Seed 000 五(三): the assisting units report their enterprises' production and operation and the progress on
solving problems to the office in writing by the 20th of each month (每月20日前). The report of month M is
due on the 20th of M, by the end of that day, China time; the date does not move when the 20th is a rest
day or a holiday (the seed names a calendar date, not a working day). docs/reports/monthly-report.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Unit
from accounts.scope import scoped
from cases.deadlines import Level, Thresholds
from cases.models import Assignment, Case
from cases.selectors.indicators import percent, period_bounds
from cases.selectors.lists import level_q
from core import workdays
from core.periods import add_months
from enterprises.models import Linkage, MonthlyFigure, Visit, WarningLevel
from enterprises.selectors.figures import indicators_from_rows
from enterprises.selectors.plans import goal_achievement
from reports.models import MonthlyReport

DUE_DAY = 20
# How many overdue cases the prefill names one by one (the count is always complete).
OVERDUE_LISTED = 20


# Due dates ----------------------------------------------------------------------------------------------


def due_on(month: date) -> date:
    """The day the report of `month` is due: the 20th of that month, whatever the calendar says of it."""
    return date(month.year, month.month, DUE_DAY)


def due_deadline(due: date) -> datetime:
    """The first moment after the due day, China time: a submission at or after it is late."""
    return datetime.combine(due + timedelta(days=1), time.min, tzinfo=workdays.local_zone())


def is_late(submitted_at: datetime, due: date) -> bool:
    """Submitted after the end of the due day (China time)? 20th 23:59:59 is on time, 21st 00:00 is late."""
    return submitted_at >= due_deadline(due)


# Who files ----------------------------------------------------------------------------------------------


def units_due(month: date) -> QuerySet[Unit]:
    """The units that must file the report of `month`: those that lead a linkage (包联) of the month's year,
    in tree order. One query when evaluated."""
    leading = Linkage.objects.filter(year=month.year, lead_unit__isnull=False).values("lead_unit_id")
    return Unit.objects.filter(pk__in=leading).order_by("path")


def is_due(unit: Unit | int, month: date) -> bool:
    unit_id = getattr(unit, "pk", unit)
    return Linkage.objects.filter(year=month.year, lead_unit_id=unit_id).exists()


# The month's overview -----------------------------------------------------------------------------------


class RowState:
    NOT_STARTED = "not_started"
    DRAFT = "draft"
    ON_TIME = "on_time"
    LATE = "late"

    @staticmethod
    def labels() -> dict[str, str]:
        return {
            RowState.NOT_STARTED: _("not started"),
            RowState.DRAFT: _("draft, not submitted"),
            RowState.ON_TIME: _("submitted on time"),
            RowState.LATE: _("submitted late"),
        }


def report_state(report: MonthlyReport | None) -> str:
    """A report's standing for the overview. A report reopened by the office keeps the standing of its first
    submission (on time or late): the first submission time counts."""
    if report is None:
        return RowState.NOT_STARTED
    if report.submitted_at is None:
        return RowState.DRAFT
    return RowState.LATE if report.is_late else RowState.ON_TIME


@dataclass
class OverviewRow:
    unit: Unit
    report: MonthlyReport | None
    due: bool  # the unit leads a linkage of the month's year (a report without it is shown all the same)

    @property
    def state(self) -> str:
        return report_state(self.report)

    @property
    def state_label(self) -> str:
        return RowState.labels()[self.state]

    @property
    def reopened(self) -> bool:
        """Reopened by the office and not submitted again yet."""
        return bool(self.report and self.report.submitted_at and self.report.status == MonthlyReport.Status.DRAFT)


@dataclass
class Overview:
    month: date
    due_on: date
    rows: list[OverviewRow] = field(default_factory=list)

    def _count(self, *states: str) -> int:
        return sum(1 for row in self.rows if row.state in states)

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def on_time(self) -> int:
        return self._count(RowState.ON_TIME)

    @property
    def late(self) -> int:
        return self._count(RowState.LATE)

    @property
    def not_submitted(self) -> int:
        return self._count(RowState.NOT_STARTED, RowState.DRAFT)

    @property
    def counts(self) -> dict[str, int]:
        return {"due": self.total, "on_time": self.on_time, "late": self.late, "not_submitted": self.not_submitted}


def month_overview(*, user, month: date) -> Overview:
    """Every unit in the user's scope that must file for `month` (and any other that has a report for it),
    with its report: submitted on time, late, or not yet. Two queries however many units."""
    reports = {
        report.unit_id: report
        for report in scoped(user, MonthlyReport.objects.filter(month=month)).select_related("submitted_by")
    }
    leading = Linkage.objects.filter(year=month.year, lead_unit__isnull=False).values("lead_unit_id")
    units = scoped(user, Unit.objects.filter(Q(pk__in=leading) | Q(pk__in=list(reports)))).annotate(
        leads=Count("linkages", filter=Q(linkages__year=month.year))
    )
    rows = [OverviewRow(unit, reports.get(unit.pk), unit.leads > 0) for unit in units.order_by("path")]
    return Overview(month=month, due_on=due_on(month), rows=rows)


def report_history(*, user) -> QuerySet[MonthlyReport]:
    """The reports the user may read, newest month first (a unit's own list)."""
    return scoped(user, MonthlyReport.objects.select_related("unit", "submitted_by")).order_by(
        "-month", "unit__path", "pk"
    )


def report_for(*, user, unit: Unit, month: date) -> MonthlyReport | None:
    return scoped(user, MonthlyReport.objects.filter(unit=unit, month=month)).select_related("submitted_by").first()


# The prefill --------------------------------------------------------------------------------------------


def _number(value) -> float | int | None:
    if value is None:
        return None
    if isinstance(value, int):
        return value
    return float(value)


def _growth_text(value) -> str:
    if value is None:
        return _("no comparison")
    return f"{value:+.1f}%"


def _amount_text(value) -> str:
    return "—" if value is None else f"{Decimal(str(value)):,.2f}"


def prefill(unit: Unit, month: date, *, now: datetime | None = None) -> dict:
    """What the data says of `unit` in `month`, as JSON-native values (the form's figures panel, the
    suggested text, and the snapshot stored on submission). The caller has checked that the user may see
    the unit: this reads the unit's own data, unscoped. A fixed number of queries (seven).

    - enterprises: those whose linkage of the month's year the unit leads; for each, the latest month of
      figures up to `month` (in the last two years), its main business revenue (the month and year to
      date) and year-to-date total profit with their year-on-year growth (enterprises.selectors.figures),
      its warning level, and its visits in the month (by anyone, and by the unit's staff);
    - cases the unit leads now (Case.lead_unit): new this month (a lead assignment to the unit made in the
      month), solved and explained this month (resolved in the month, the resolution standing), still
      being handled, and overdue now (the case list's overdue condition), with the overdue ones named;
    - plans: goals set and achieved over the plans the unit leads in the year (the assessment's reading);
    - visits: linked enterprises visited in the month (by anyone, as the visit coverage counts them), the
      unit's own visits to them, and those not visited."""
    now = now or timezone.now()
    year = month.year
    first, after = period_bounds(month, add_months(month, 1) - timedelta(days=1))

    linkages = list(
        Linkage.objects.filter(year=year, lead_unit=unit)
        .select_related("enterprise")
        .order_by("enterprise__name", "enterprise_id")
    )
    enterprise_ids = [link.enterprise_id for link in linkages]

    rows_by_enterprise: dict[int, dict[date, MonthlyFigure]] = {pk: {} for pk in enterprise_ids}
    if enterprise_ids:
        for row in MonthlyFigure.objects.filter(
            enterprise_id__in=enterprise_ids, period__gte=date(year - 2, 1, 1), period__lte=month
        ):
            rows_by_enterprise[row.enterprise_id][row.period] = row

    visits = {
        row["enterprise_id"]: row
        for row in Visit.objects.filter(
            enterprise_id__in=enterprise_ids, visited_on__gte=month, visited_on__lt=add_months(month, 1)
        )
        .order_by()
        .values("enterprise_id")
        .annotate(total=Count("pk"), by_unit=Count("pk", filter=Q(unit=unit)))
    }

    enterprises = []
    recent = date(year - 1, 1, 1)
    for link in linkages:
        enterprise = link.enterprise
        rows = rows_by_enterprise[enterprise.pk]
        periods = [period for period in rows if period >= recent]
        latest = max(periods) if periods else None
        line = {
            "id": enterprise.pk,
            "name": enterprise.name,
            "credit_code": enterprise.credit_code,
            "warning_level": enterprise.warning_level,
            "warning_label": str(WarningLevel(enterprise.warning_level).label),
            "period": f"{latest:%Y-%m}" if latest else None,
            "revenue_month": None,
            "revenue_ytd": None,
            "revenue_ytd_growth": None,
            "profit_ytd": None,
            "profit_ytd_growth": None,
            "visits": visits.get(enterprise.pk, {}).get("total", 0),
            "visits_by_unit": visits.get(enterprise.pk, {}).get("by_unit", 0),
        }
        if latest:
            indicators = indicators_from_rows(rows, latest)
            revenue, profit = indicators["revenue"], indicators["total_profit"]
            line.update(
                revenue_month=_number(revenue.month),
                revenue_ytd=_number(revenue.ytd),
                revenue_ytd_growth=_number(revenue.ytd_yoy),
                profit_ytd=_number(profit.ytd),
                profit_ytd_growth=_number(profit.ytd_yoy),
            )
        enterprises.append(line)

    thresholds = Thresholds.at(now)
    overdue = level_q(Level.OVERDUE, thresholds)
    new_to_unit = Assignment.objects.filter(
        unit=unit, role=Assignment.Role.LEAD, assigned_at__gte=first, assigned_at__lt=after
    ).values("case_id")
    resolved_in_month = Q(
        state__in=(Case.State.RESOLVED, Case.State.CLOSED), resolved_at__gte=first, resolved_at__lt=after
    )
    led = Case.objects.filter(lead_unit=unit).order_by()
    counts = led.aggregate(
        new=Count("pk", filter=Q(pk__in=new_to_unit)),
        solved=Count("pk", filter=resolved_in_month & Q(outcome=Case.Outcome.SOLVED)),
        explained=Count("pk", filter=resolved_in_month & Q(outcome=Case.Outcome.EXPLAINED)),
        open=Count("pk", filter=Q(state__in=Case.HANDLING_STATES)),
        overdue=Count("pk", filter=overdue),
    )
    overdue_cases = [
        {
            "id": case.pk,
            "number": case.number,
            "title": case.title,
            "enterprise": case.enterprise.name,
            "due_at": timezone.localtime(case.due_at).strftime("%Y-%m-%d %H:%M"),
        }
        for case in led.filter(overdue).select_related("enterprise").order_by("due_at", "pk")[:OVERDUE_LISTED]
    ]

    goals = goal_achievement(year=year, units=[unit])
    goals_set = goals[0].goals_total if goals else 0
    goals_achieved = goals[0].goals_achieved if goals else 0
    goals_percent = percent(goals_achieved, goals_set)

    visited = [line for line in enterprises if line["visits"]]
    return {
        "unit": {"id": unit.pk, "name": unit.name},
        "month": f"{month:%Y-%m}",
        "year": year,
        "taken_at": timezone.localtime(now).isoformat(timespec="seconds"),
        "enterprises": enterprises,
        "cases": {
            "new": counts["new"],
            "solved": counts["solved"],
            "explained": counts["explained"],
            "open": counts["open"],
            "overdue": counts["overdue"],
            "overdue_cases": overdue_cases,
        },
        "plans": {
            "goals_set": goals_set,
            "goals_achieved": goals_achieved,
            "goals_percent": _number(goals_percent),
        },
        "visits": {
            "linked": len(enterprises),
            "visited": len(visited),
            "by_unit": sum(line["visits_by_unit"] for line in enterprises),
            "not_visited": [{"id": line["id"], "name": line["name"]} for line in enterprises if not line["visits"]],
        },
    }


# The suggested text -------------------------------------------------------------------------------------


def suggested_text(data: dict) -> dict[str, str]:
    """The four fields of the form, drafted from prefill() in the active language: a start the unit edits,
    never the report itself."""
    month, year = data["month"], data["year"]
    situation = []
    for line in data["enterprises"]:
        if line["period"] is None:
            situation.append(
                _("%(name)s: no monthly figures reported yet; warning level %(level)s.")
                % {"name": line["name"], "level": line["warning_label"]}
            )
            continue
        situation.append(
            _(
                "%(name)s (figures of %(period)s): main business revenue %(revenue)s (10k yuan) year to date, "
                "%(revenue_growth)s year on year; total profit %(profit)s (10k yuan) year to date, "
                "%(profit_growth)s year on year; warning level %(level)s."
            )
            % {
                "name": line["name"],
                "period": line["period"],
                "revenue": _amount_text(line["revenue_ytd"]),
                "revenue_growth": _growth_text(line["revenue_ytd_growth"]),
                "profit": _amount_text(line["profit_ytd"]),
                "profit_growth": _growth_text(line["profit_ytd_growth"]),
                "level": line["warning_label"],
            }
        )
    if not data["enterprises"]:
        situation.append(_("The unit leads the linkage of no enterprise in %(year)s.") % {"year": year})
    visits = data["visits"]
    if visits["linked"]:
        situation.append(
            _(
                "Visits in %(month)s: %(visited)s of the %(linked)s linked enterprises were visited; the unit's "
                "staff made %(by_unit)s of the visits."
            )
            % {"month": month, "visited": visits["visited"], "linked": visits["linked"], "by_unit": visits["by_unit"]}
        )
    if visits["not_visited"]:
        situation.append(
            _("Not visited this month: %(names)s.")
            % {"names": ", ".join(item["name"] for item in visits["not_visited"])}
        )

    cases = data["cases"]
    problems = [
        _(
            "Problems the unit leads: %(new)s new in %(month)s, %(solved)s solved and %(explained)s explained "
            "in the month; %(open)s still being handled, of which %(overdue)s overdue now."
        )
        % {
            "month": month,
            "new": cases["new"],
            "solved": cases["solved"],
            "explained": cases["explained"],
            "open": cases["open"],
            "overdue": cases["overdue"],
        }
    ]
    for case in cases["overdue_cases"]:
        problems.append(
            _("Overdue: %(number)s %(enterprise)s “%(title)s”, due %(due)s.")
            % {
                "number": case["number"],
                "enterprise": case["enterprise"],
                "title": case["title"],
                "due": case["due_at"],
            }
        )

    plans = data["plans"]
    if plans["goals_set"]:
        plan_text = _(
            "Assistance plans the unit leads in %(year)s: %(achieved)s of %(set)s goals achieved (%(percent)s %%)."
        ) % {
            "year": year,
            "achieved": plans["goals_achieved"],
            "set": plans["goals_set"],
            "percent": plans["goals_percent"],
        }
    else:
        plan_text = _("No goal of an assistance plan the unit leads has been set for %(year)s.") % {"year": year}

    steps = []
    if cases["overdue"]:
        steps.append(_("Resolve the overdue problems (%(count)s).") % {"count": cases["overdue"]})
    if visits["not_visited"]:
        steps.append(
            _("Visit the linked enterprises not visited this month: %(names)s.")
            % {"names": ", ".join(item["name"] for item in visits["not_visited"])}
        )
    return {
        "enterprises_situation": "\n".join(situation),
        "problems_progress": "\n".join(problems),
        "plans_progress": plan_text,
        "next_steps": "\n".join(steps),
    }
