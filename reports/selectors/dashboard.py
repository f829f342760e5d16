"""The dashboard (驾驶舱) of issue 5: the problem indicators of a period over time and by category, channel,
region and lead unit, the unit ranking, the program targets with where the jurisdiction stands, the
enterprises at risk and the plan goals achieved, all within the user's scope, and for every figure the link
to the list behind it.

Every part is read set-based: the indicators by month, category, channel, region and lead unit are five
calls of `cases.selectors.indicators.indicators` (three or four queries each), the loss ratio and profit
growth one call of `enterprises.selectors.figures.loss_ratio` (three), the warnings and the plan goals one
aggregate each, the event targets of the year with their progress two (one when there is none;
chains.selectors.events.dashboard_progress). The number of queries does not depend on the number of cases,
enterprises, plans, events or targets.
docs/reports/dashboard.md describes each figure and where its link leads.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Count, Q
from django.utils import timezone

from accounts.models import Role
from accounts.scope import scoped
from cases.selectors import indicators as case_indicators
from cases.selectors.indicators import IndicatorReport, IndicatorRow
from cases.selectors.lists import queues_for
from chains.selectors import events as event_selectors
from chains.selectors.events import TargetProgress
from core.periods import add_months, month_start
from enterprises.models import Enterprise, WarningLevel
from enterprises.selectors import figures, plans
from enterprises.selectors.figures import LossRatioReport
from enterprises.selectors.plans import CategorySummary
from reports.ranking import Ranked, competition_rank
from reports.selectors.links import case_list_url, enterprise_list_url, list_url, loss_ratio_url, plan_list_url
from reports.targets import Target, program_targets

# Who reads the dashboard: the office and auditors (the whole jurisdiction), leaders (their linked
# enterprises), unit heads and handlers (their unit's cases and enterprises). Enterprises and cadres do not.
READERS = (Role.OFFICE, Role.AUDITOR, Role.LEADER, Role.UNIT_HEAD, Role.UNIT_HANDLER)
GROUPS = ("month", "category", "channel", "region", "unit")
# The case-list tab a drill-down opens, in order of preference: "all" is everything in the user's scope
# (office, auditor, units); a leader has no such tab, and "linked" is the nearest (see the docs).
CASE_QUEUES = ("all", "linked")


# Where the jurisdiction stands against a target -----------------------------------------------------------


@dataclass(frozen=True)
class TargetStanding:
    target: Target
    figure: Decimal | None
    # What the figure was measured over: the period of the cases, or the month of the enterprise figures.
    date_from: date | None
    date_to: date | None
    url: str

    @property
    def met(self) -> bool | None:
        return self.target.met(self.figure)


@dataclass(frozen=True)
class RiskCounts:
    orange: int
    red: int

    @property
    def at_risk(self) -> int:
        """Orange or red: what the enterprise list's "warning level at least orange" shows."""
        return self.orange + self.red


@dataclass(frozen=True)
class PlanGoals:
    year: int
    by_category: list[CategorySummary]

    @property
    def goals(self) -> int:
        return sum(row.goals for row in self.by_category)

    @property
    def achieved(self) -> int:
        return sum(row.achieved for row in self.by_category)

    @property
    def plans(self) -> int:
        return sum(row.plans for row in self.by_category)

    @property
    def ratio(self) -> Decimal | None:
        """Goals achieved ÷ goals set, as a percentage to 0.1."""
        return case_indicators.percent(self.achieved, self.goals)


@dataclass
class Dashboard:
    date_from: date
    date_to: date
    computed_at: datetime
    by_month: IndicatorReport
    by_category: IndicatorReport
    by_channel: IndicatorReport
    by_region: IndicatorReport
    by_unit: IndicatorReport
    ranking: list[Ranked[IndicatorRow]]
    targets: list[TargetStanding]
    loss: LossRatioReport | None
    figures_month: date
    risk: RiskCounts
    plan_goals: PlanGoals
    case_queue: str | None
    # The event targets of the year of date_to in the user's view, with their progress (issue 7).
    event_targets: list[TargetProgress] = field(default_factory=list)

    @property
    def total(self) -> IndicatorRow:
        return self.by_month.total


# Links to the lists behind the figures ----------------------------------------------------------------------


def case_queue(user) -> str | None:
    """The case-list tab a drill-down opens for `user`: "all" when they have it, else "linked", else their
    first tab (None for a user without any)."""
    keys = [queue.key for queue in queues_for(user)]
    for key in CASE_QUEUES:
        if key in keys:
            return key
    return keys[0] if keys else None


def month_bounds(month: date, date_from: date, date_to: date) -> tuple[date, date]:
    """The days of `month` that lie within the period."""
    last = add_months(month, 1) - timedelta(days=1)
    return max(month, date_from), min(last, date_to)


# Parts -----------------------------------------------------------------------------------------------------


def figures_month(date_to: date) -> date:
    """The month of enterprise figures the period reads: the last whole month up to `date_to`, and never a
    month whose figures are not due yet (figures.last_complete_period)."""
    month = month_start(date_to)
    if add_months(month, 1) - timedelta(days=1) != date_to:
        month = add_months(month, -1)
    return min(month, figures.last_complete_period())


def unit_ranking(report: IndicatorReport) -> list[Ranked[IndicatorRow]]:
    """The lead units ranked by resolution rate, then by on-time rate, highest first; equal pairs share a
    rank (1, 1, 3). A unit without a resolution rate is listed last, unranked; a missing on-time rate counts
    below every rate."""

    def value(row: IndicatorRow):
        if row.resolution_rate is None:
            return None
        on_time = row.on_time_rate
        return (row.resolution_rate, Decimal(-1) if on_time is None else on_time)

    return competition_rank([row for row in report.rows if row.key is not None], value, highest_first=True)


def risk_counts(user) -> RiskCounts:
    """Enterprises in scope whose warning level is orange or red. One query."""
    counts = scoped(user, Enterprise.objects.filter(warning_level__gte=WarningLevel.ORANGE)).aggregate(
        orange=Count("pk", filter=Q(warning_level=WarningLevel.ORANGE)),
        red=Count("pk", filter=Q(warning_level=WarningLevel.RED)),
    )
    return RiskCounts(orange=counts["orange"] or 0, red=counts["red"] or 0)


def plan_goals(user, year: int) -> PlanGoals:
    """Goals set and achieved in the year's plans in scope, by plan category: the plans that are in progress
    or completed (a draft's goals are not agreed yet, as in the assessment). One query."""
    year_plans = plans.plan_filter(user=user, year=year).filter(status__in=plans.ASSESSED_STATUSES)
    return PlanGoals(year=year, by_category=plans.plan_summary(year_plans))


# The dashboard ---------------------------------------------------------------------------------------------


def dashboard(user, date_from: date, date_to: date, *, now: datetime | None = None) -> Dashboard:
    """Everything the dashboard shows for the cases submitted from `date_from` to `date_to` and the
    enterprises and plans in `user`'s scope. A fixed number of queries (about twenty) for any amount of
    data; raises ValidationError for a bad period."""
    now = now or timezone.now()
    reports = {
        # The dashboard shows no working days to resolve: leaving them out spares a pass over every resolved case.
        group: case_indicators.indicators(
            user, date_from=date_from, date_to=date_to, group_by=group, now=now, working_days=False
        )
        for group in GROUPS
    }
    total = reports["month"].total
    region = case_indicators.jurisdiction_region(user)
    month = figures_month(date_to)
    loss = figures.loss_ratio(user=user, period=month, region=region) if region is not None else None
    queue = case_queue(user)
    standings = []
    for target in program_targets():
        if target.key == "resolution_rate":
            standings.append(
                TargetStanding(
                    target, total.resolution_rate, date_from, date_to, case_list_url(queue, date_from, date_to)
                )
            )
        else:
            figure = None
            if loss is not None:
                figure = loss.total.loss_ratio if target.key == "loss_ratio" else loss.total.profit_growth
            year_start, month_end = date(month.year, 1, 1), add_months(month, 1) - timedelta(days=1)
            standings.append(TargetStanding(target, figure, year_start, month_end, loss_ratio_url(month, region)))
    return Dashboard(
        date_from=date_from,
        date_to=date_to,
        computed_at=now,
        by_month=reports["month"],
        by_category=reports["category"],
        by_channel=reports["channel"],
        by_region=reports["region"],
        by_unit=reports["unit"],
        ranking=unit_ranking(reports["unit"]),
        targets=standings,
        loss=loss,
        figures_month=month,
        risk=risk_counts(user),
        plan_goals=plan_goals(user, date_to.year),
        case_queue=queue,
        event_targets=event_selectors.dashboard_progress(user, date_to.year),
    )


# As data: the page's charts (json_script) and the API -------------------------------------------------------


def _number(value):
    return None if value is None else float(value)


def _figures(row: IndicatorRow) -> dict:
    return {
        "collected": row.collected,
        "solved": row.solved,
        "explained": row.explained,
        "resolved": row.resolved,
        "overdue_open": row.overdue_open,
        "resolution_rate": _number(row.resolution_rate),
        "on_time_rate": _number(row.on_time_rate),
        "satisfaction_rate": _number(row.satisfaction_rate),
    }


def _grouped(board: Dashboard, report: IndicatorReport, parameter: str, linkable=lambda row: True) -> list[dict]:
    rows = []
    for row in report.rows:
        url = None
        if row.key is not None and linkable(row):
            url = case_list_url(board.case_queue, board.date_from, board.date_to, **{parameter: row.key})
        rows.append({"key": row.key, "label": row.label, **_figures(row), "url": url})
    return rows


def as_data(board: Dashboard) -> dict:
    """The dashboard as plain JSON-ready data, each figure with the URL of the list behind it (None where
    no list shows exactly those rows). The page draws its charts from this and the API returns it."""
    queue, first, last = board.case_queue, board.date_from, board.date_to
    months = []
    for row in board.by_month.rows:
        start, end = month_bounds(row.key, first, last)
        months.append(
            {
                "key": f"{row.key:%Y-%m}",
                "label": row.label,
                **_figures(row),
                "url": case_list_url(queue, start, end),
                "solved_url": case_list_url(queue, start, end, outcome="solved"),
                "overdue_url": case_list_url(queue, start, end, level="overdue"),
            }
        )
    region = board.by_region.region
    sharing = Counter(ranked.rank for ranked in board.ranking if ranked.rank is not None)
    ranking = []
    for ranked in board.ranking:
        row = ranked.item
        ranking.append(
            {
                "rank": ranked.rank,
                "tied": sharing[ranked.rank] > 1,
                "key": row.key,
                "label": row.label,
                **_figures(row),
                "url": case_list_url(queue, first, last, lead_unit=row.key),
            }
        )
    goals = board.plan_goals
    total = board.total
    return {
        "date_from": first.isoformat(),
        "date_to": last.isoformat(),
        "computed_at": board.computed_at.isoformat(),
        "case_queue": queue,
        "total": {
            **_figures(total),
            "rejected": total.rejected,
            "url": case_list_url(queue, first, last),
            "solved_url": case_list_url(queue, first, last, outcome="solved"),
            "overdue_url": case_list_url(queue, first, last, level="overdue"),
        },
        "targets": [
            {
                "key": standing.target.key,
                "label": str(standing.target.label),
                "figure": _number(standing.figure),
                "target": float(standing.target.value),
                "kind": standing.target.kind,
                "met": standing.met,
                "date_from": standing.date_from.isoformat() if standing.date_from else None,
                "date_to": standing.date_to.isoformat() if standing.date_to else None,
                "url": standing.url,
            }
            for standing in board.targets
        ],
        "figures_month": f"{board.figures_month:%Y-%m}",
        "by_month": months,
        "by_category": _grouped(board, board.by_category, "category"),
        "by_channel": _grouped(board, board.by_channel, "channel"),
        # A region's enterprises "directly" in the jurisdiction have no list of their own (the list's region
        # filter takes in everything below), so that row has no link.
        "by_region": _grouped(board, board.by_region, "region", lambda row: region is None or row.key != region.pk),
        "ranking": ranking,
        "risk": {
            "orange": board.risk.orange,
            "red": board.risk.red,
            "at_risk": board.risk.at_risk,
            "at_risk_url": enterprise_list_url(WarningLevel.ORANGE),
            "red_url": enterprise_list_url(WarningLevel.RED),
        },
        "plans": {
            "year": goals.year,
            "plans": goals.plans,
            "goals": goals.goals,
            "achieved": goals.achieved,
            "ratio": _number(goals.ratio),
            "url": plan_list_url(goals.year),
            "by_category": [
                {
                    "key": row.category,
                    "label": str(row.label),
                    "plans": row.plans,
                    "goals": row.goals,
                    "achieved": row.achieved,
                    "ratio": _number(case_indicators.percent(row.achieved, row.goals)),
                    "url": plan_list_url(goals.year, row.category),
                }
                for row in goals.by_category
            ],
        },
        "event_targets": {
            "year": last.year,
            "url": list_url("event_target_list", {"year": last.year}),
            "rows": [
                {
                    "unit": row.target.unit.name,
                    "unit_id": row.target.unit_id,
                    "kind": row.target.kind,
                    "kind_label": row.kind_label,
                    "minimum": row.minimum,
                    "held": row.held,
                    "expected": row.expected,
                    "met": row.met,
                    "standing": row.standing,
                    "standing_label": row.standing_label,
                    "percent": row.percent,
                    "url": row.events_url,
                }
                for row in board.event_targets
            ],
        },
    }
