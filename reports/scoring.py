"""The rules of the annual assessment (年考核, seed 000 Annex 2 as DESIGN.md §5 reads it): one function per
rule of AssessmentItem.Rule, each scoring every assessed unit of a year at once from the data.

A rule function takes a `Context` (the year, the assessed units, today) and the item's maximum points and
parameters, and returns {unit id: ItemScore}: the points (Decimal, two places, never above the maximum)
and the working, the lines that gave them (which cases, evidence entries, months, figures). Each rule runs
a fixed number of queries whatever the number of units, cases, visits or enterprises: it reads the rows of
every unit together and sorts them out in Python. Nothing is stored: a past year is recomputed from the
data as it stands. docs/reports/assessment.md explains each rule and how the seed's gaps are read.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property

from django.db.models import Exists, OuterRef, Q, Subquery, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from accounts.models import Region, Unit
from cases.models import Case
from cases.selectors.indicators import period_bounds
from core.periods import add_months
from enterprises.models import Enterprise, Industry, Linkage, MonthlyFigure, PlanGoal, Visit
from enterprises.selectors.figures import LossRatioRow, last_complete_period
from enterprises.selectors.plans import ASSESSED_STATUSES
from reports.models import AssessmentEvidence, AssessmentItem, AssessmentScheme, MonthlyReport
from reports.ranking import competition_rank, points_by_rank

Rule = AssessmentItem.Rule
Kind = AssessmentEvidence.Kind
TWO_PLACES = Decimal("0.01")
ZERO = Decimal("0.00")

# Enterprises named in one month's working before the rest is given as a count.
NAMES_SHOWN = 5


def _names(names: list[str]) -> str:
    return pgettext("list separator", ", ").join(names)


def points(value) -> Decimal:
    return Decimal(value).quantize(TWO_PLACES, ROUND_HALF_UP)


def fmt(value) -> str:
    """Points or a figure as text: 10, 12.5, 16.67 (no trailing zeros)."""
    value = Decimal(value)
    text = f"{value.quantize(TWO_PLACES, ROUND_HALF_UP):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


# The working ------------------------------------------------------------------------------------------------


class LineKind:
    GOAL = "goal"
    CASE = "case"
    EVIDENCE = "evidence"
    MONTH = "month"
    FIGURE = "figure"
    SUMMARY = "summary"
    NOTE = "note"


@dataclass(frozen=True)
class Line:
    """One line of the working: what it is about (`kind`, `ref`: a case number, an evidence id, a month
    YYYY-MM, a goal id), the sentence, the points it gave (None: a line that gives no points by itself, such
    as a summary), whether it counted, and a link to what it is about."""

    kind: str
    text: str
    points: Decimal | None = None
    counted: bool = True
    url: str = ""
    ref: str = ""


@dataclass
class ItemScore:
    points: Decimal
    lines: list[Line] = field(default_factory=list)
    # Ranked items: the figure ranked and the rank (None: unranked).
    figure: Decimal | None = None
    rank: int | None = None


# The context shared by the rules of one assessment -----------------------------------------------------------


@dataclass
class Context:
    """The year, the assessed units and today; caches what several rules read (the year's linkages, the
    territorial figures), so that each is read once per assessment."""

    year: int
    units: Sequence[Unit]
    today: date = field(default_factory=timezone.localdate)
    jurisdiction_region: Region | None = None

    @cached_property
    def unit_ids(self) -> list[int]:
        return [unit.pk for unit in self.units]

    @cached_property
    def bounds(self):
        """The year's first and last moment, China time."""
        return period_bounds(date(self.year, 1, 1), date(self.year, 12, 31))

    @cached_property
    def linkages(self) -> dict[int, list[dict]]:
        """Unit id → the linkages of the year it leads ({id, enterprise_id, enterprise_name, leader_id}),
        by enterprise name. One query."""
        rows = (
            Linkage.objects.filter(year=self.year, lead_unit_id__in=self.unit_ids)
            .order_by("enterprise__name", "pk")
            .values("pk", "enterprise_id", "enterprise__name", "leader_id", "lead_unit_id")
        )
        by_unit: dict[int, list[dict]] = defaultdict(list)
        for row in rows:
            by_unit[row["lead_unit_id"]].append(row)
        return by_unit


def linked_to_lead_unit(year: int, enterprise_field: str = "enterprise_id", unit_field: str = "lead_unit_id"):
    """Exists: the row's enterprise is linked to the row's unit in `year` (the unit leads its linkage)."""
    return Exists(
        Linkage.objects.filter(enterprise_id=OuterRef(enterprise_field), year=year, lead_unit_id=OuterRef(unit_field))
    )


def _case_url(pk: int) -> str:
    return reverse("case_detail", args=[pk])


def _evidence_url(year: int, pk: int) -> str:
    return f"{reverse('assessment_evidence')}?year={year}#evidence-{pk}"


def _day(moment) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d}" if moment else ""


# 1. Plan goals ---------------------------------------------------------------------------------------------


def plan_goals(ctx: Context, max_points: Decimal, params: dict) -> dict[int, ItemScore]:
    """max × goals achieved ÷ goals set, over the goals of the year's active and completed plans whose
    enterprise the unit leads the linkage of that year (enterprises.selectors.plans.goal_achievement's
    reading: a goal not yet decided is not achieved, a draft's goals are not set). One query."""
    max_points = Decimal(max_points)
    lead_unit = Linkage.objects.filter(enterprise_id=OuterRef("plan__enterprise_id"), year=ctx.year)
    goals = (
        PlanGoal.objects.filter(plan__year=ctx.year, plan__status__in=ASSESSED_STATUSES)
        .annotate(unit_id=Subquery(lead_unit.values("lead_unit_id")[:1]))
        .filter(unit_id__in=ctx.unit_ids)
        .order_by("plan__enterprise__name", "plan_id", "sort_order", "pk")
        .values(
            "pk",
            "name",
            "achieved",
            "target",
            "actual",
            "unit_of_measure",
            "plan_id",
            "plan__enterprise__name",
            "unit_id",
        )
    )
    by_unit: dict[int, list[dict]] = defaultdict(list)
    for goal in goals:
        by_unit[goal["unit_id"]].append(goal)
    scores = {}
    for unit_id in ctx.unit_ids:
        rows = by_unit.get(unit_id, [])
        lines = []
        for goal in rows:
            values = {
                "enterprise": goal["plan__enterprise__name"],
                "goal": goal["name"],
                "target": f"{fmt(goal['target'])} {goal['unit_of_measure']}".strip(),
                "actual": fmt(goal["actual"]) if goal["actual"] is not None else "—",
            }
            if goal["achieved"]:
                text = _("%(enterprise)s: %(goal)s (target %(target)s, actual %(actual)s): achieved.")
            elif goal["achieved"] is False:
                text = _("%(enterprise)s: %(goal)s (target %(target)s, actual %(actual)s): not achieved.")
            else:
                text = _(
                    "%(enterprise)s: %(goal)s (target %(target)s, actual %(actual)s): not decided yet, "
                    "counted as not achieved."
                )
            lines.append(
                Line(
                    LineKind.GOAL,
                    text % values,
                    counted=bool(goal["achieved"]),
                    url=reverse("plan_detail", args=[goal["plan_id"]]),
                    ref=str(goal["pk"]),
                )
            )
        total = len(rows)
        achieved = sum(1 for goal in rows if goal["achieved"])
        if not total:
            scores[unit_id] = ItemScore(
                ZERO,
                [
                    Line(
                        LineKind.SUMMARY,
                        _(
                            "The unit leads no assistance plan with goals in %(year)s (active or completed): "
                            "no goal is set, 0 points."
                        )
                        % {"year": ctx.year},
                        points=ZERO,
                    )
                ],
            )
            continue
        score = min(points(max_points * achieved / total), points(max_points))
        lines.append(
            Line(
                LineKind.SUMMARY,
                _("%(achieved)s of %(total)s goals achieved: %(max)s × %(achieved)s ÷ %(total)s = %(points)s.")
                % {"achieved": achieved, "total": total, "max": fmt(max_points), "points": fmt(score)},
                points=score,
            )
        )
        scores[unit_id] = ItemScore(score, lines)
    return scores


# 2. Cases solved, with degree scores -------------------------------------------------------------------------


def cases_solved(ctx: Context, max_points: Decimal, params: dict) -> dict[int, ItemScore]:
    """per_case for each case the unit led that was closed (销号) in the year as solved, for an enterprise it
    leads the linkage of that year, up to max; when that is under max, the office's degree scores of the
    year for the unit's cases not fully solved are added, that part at most degree_cap, the item at most
    max. Two queries."""
    max_points = points(max_points)
    per_case = Decimal(str(params.get("per_case", 10)))
    degree_cap = points(params.get("degree_cap", 15))
    start, end = ctx.bounds
    cases = (
        Case.objects.filter(
            lead_unit_id__in=ctx.unit_ids,
            outcome=Case.Outcome.SOLVED,
            state=Case.State.CLOSED,
            closed_at__gte=start,
            closed_at__lt=end,
        )
        .filter(linked_to_lead_unit(ctx.year))
        .order_by("closed_at", "pk")
        .values("pk", "number", "title", "enterprise__name", "closed_at", "lead_unit_id")
    )
    cases_by_unit: dict[int, list[dict]] = defaultdict(list)
    for case in cases:
        cases_by_unit[case["lead_unit_id"]].append(case)
    degrees = (
        AssessmentEvidence.objects.filter(year=ctx.year, kind=Kind.DEGREE_SCORE, unit_id__in=ctx.unit_ids)
        .order_by("occurred_on", "pk")
        .values("pk", "unit_id", "points", "description", "occurred_on", "case_id", "case__number")
    )
    degrees_by_unit: dict[int, list[dict]] = defaultdict(list)
    for entry in degrees:
        degrees_by_unit[entry["unit_id"]].append(entry)

    scores = {}
    for unit_id in ctx.unit_ids:
        lines: list[Line] = []
        case_part = ZERO
        counted_ids = set()
        for case in cases_by_unit.get(unit_id, []):
            counted_ids.add(case["pk"])
            values = {
                "number": case["number"],
                "title": case["title"],
                "enterprise": case["enterprise__name"],
                "closed": _day(case["closed_at"]),
            }
            if case_part + per_case <= max_points:
                case_part += per_case
                lines.append(
                    Line(
                        LineKind.CASE,
                        _("%(number)s %(title)s (%(enterprise)s): closed as solved on %(closed)s, %(points)s points.")
                        % {**values, "points": fmt(per_case)},
                        points=points(per_case),
                        url=_case_url(case["pk"]),
                        ref=case["number"],
                    )
                )
            else:
                given = max_points - case_part
                case_part = max_points
                lines.append(
                    Line(
                        LineKind.CASE,
                        _(
                            "%(number)s %(title)s (%(enterprise)s): closed as solved on %(closed)s, %(points)s points "
                            "(the item's maximum of %(max)s is reached)."
                        )
                        % {**values, "points": fmt(given), "max": fmt(max_points)},
                        points=points(given),
                        counted=given > 0,
                        url=_case_url(case["pk"]),
                        ref=case["number"],
                    )
                )
        n_cases = len(cases_by_unit.get(unit_id, []))
        if n_cases:
            lines.append(
                Line(
                    LineKind.SUMMARY,
                    _("%(count)s case(s) closed as solved × %(per_case)s, at most %(max)s: %(points)s.")
                    % {"count": n_cases, "per_case": fmt(per_case), "max": fmt(max_points), "points": fmt(case_part)},
                    points=case_part,
                )
            )
        else:
            lines.append(
                Line(
                    LineKind.SUMMARY,
                    _(
                        "No case led by the unit for an enterprise it is linked to in %(year)s was closed as "
                        "solved in %(year)s."
                    )
                    % {"year": ctx.year},
                    points=ZERO,
                )
            )
        degree_sum = ZERO
        room = case_part < max_points
        for entry in degrees_by_unit.get(unit_id, []):
            values = {
                "number": entry["case__number"] or "—",
                "description": entry["description"],
                "points": fmt(entry["points"] or 0),
                "date": f"{entry['occurred_on']:%Y-%m-%d}",
            }
            if entry["case_id"] in counted_ids:
                text = _(
                    "Degree score %(points)s for %(number)s (%(description)s, %(date)s): not added, the case is "
                    "counted above as solved."
                )
                lines.append(Line(LineKind.EVIDENCE, text % values, ZERO, False, _evidence_url(ctx.year, entry["pk"])))
                continue
            if not room:
                text = _(
                    "Degree score %(points)s for %(number)s (%(description)s, %(date)s): not added, the solved "
                    "cases already give the item's maximum."
                )
                lines.append(Line(LineKind.EVIDENCE, text % values, ZERO, False, _evidence_url(ctx.year, entry["pk"])))
                continue
            degree_sum += Decimal(entry["points"] or 0)
            lines.append(
                Line(
                    LineKind.EVIDENCE,
                    _("Degree score %(points)s for %(number)s (%(description)s, %(date)s).") % values,
                    points(entry["points"] or 0),
                    True,
                    _evidence_url(ctx.year, entry["pk"]),
                    str(entry["pk"]),
                )
            )
        score = case_part
        if room and degree_sum:
            degree_part = min(points(degree_sum), degree_cap)
            score = min(case_part + degree_part, max_points)
            lines.append(
                Line(
                    LineKind.SUMMARY,
                    _(
                        "Degree scores %(sum)s, at most %(cap)s: %(part)s; %(cases)s + %(part)s, at most %(max)s: "
                        "%(points)s."
                    )
                    % {
                        "sum": fmt(degree_sum),
                        "cap": fmt(degree_cap),
                        "part": fmt(degree_part),
                        "cases": fmt(case_part),
                        "max": fmt(max_points),
                        "points": fmt(score),
                    },
                    points=score,
                )
            )
        scores[unit_id] = ItemScore(points(score), lines)
    return scores


# 3. Evidence: commendations and media reports --------------------------------------------------------------


def evidence(ctx: Context, max_points: Decimal, params: dict) -> dict[int, ItemScore]:
    """per_entry for each evidence entry of the listed kinds recorded for the unit and year, up to max. One
    query."""
    max_points = points(max_points)
    per_entry = Decimal(str(params.get("per_entry", 2)))
    kinds = params.get("kinds") or [Kind.COMMENDATION, Kind.MEDIA_REPORT]
    labels = dict(Kind.choices)
    entries = (
        AssessmentEvidence.objects.filter(year=ctx.year, kind__in=kinds, unit_id__in=ctx.unit_ids)
        .order_by("occurred_on", "pk")
        .values("pk", "unit_id", "kind", "occurred_on", "description", "source")
    )
    by_unit: dict[int, list[dict]] = defaultdict(list)
    for entry in entries:
        by_unit[entry["unit_id"]].append(entry)
    scores = {}
    for unit_id in ctx.unit_ids:
        lines, total = [], ZERO
        rows = by_unit.get(unit_id, [])
        for entry in rows:
            given = min(per_entry, max_points - total)
            total += given
            values = {
                "date": f"{entry['occurred_on']:%Y-%m-%d}",
                "kind": labels.get(entry["kind"], entry["kind"]),
                "description": entry["description"],
                "source": entry["source"] or "—",
                "points": fmt(given),
                "max": fmt(max_points),
            }
            if given == per_entry:
                text = _("%(date)s, %(kind)s: %(description)s (%(source)s), %(points)s points.")
            else:
                text = _(
                    "%(date)s, %(kind)s: %(description)s (%(source)s), %(points)s points (the item's maximum of "
                    "%(max)s is reached)."
                )
            lines.append(
                Line(
                    LineKind.EVIDENCE,
                    text % values,
                    points(given),
                    given > 0,
                    _evidence_url(ctx.year, entry["pk"]),
                    str(entry["pk"]),
                )
            )
        lines.append(
            Line(
                LineKind.SUMMARY,
                _("%(count)s entr(ies) × %(per_entry)s, at most %(max)s: %(points)s.")
                % {"count": len(rows), "per_entry": fmt(per_entry), "max": fmt(max_points), "points": fmt(total)}
                if rows
                else _("No commendation or media report is recorded for the unit in %(year)s.") % {"year": ctx.year},
                points=points(total),
            )
        )
        scores[unit_id] = ItemScore(points(total), lines)
    return scores


# 4. Proactive service ----------------------------------------------------------------------------------------


def proactive(ctx: Context, max_points: Decimal, params: dict) -> dict[int, ItemScore]:
    """per_case for each case the unit led and resolved as solved in the year for an enterprise it does not
    lead the linkage of that year, rated 满意 (satisfied; 基本满意 does not count), up to max. One query."""
    max_points = points(max_points)
    per_case = Decimal(str(params.get("per_case", 2)))
    start, end = ctx.bounds
    cases = (
        Case.objects.filter(
            lead_unit_id__in=ctx.unit_ids,
            outcome=Case.Outcome.SOLVED,
            state__in=(Case.State.RESOLVED, Case.State.CLOSED),
            rating=Case.Rating.SATISFIED,
            resolved_at__gte=start,
            resolved_at__lt=end,
        )
        .exclude(linked_to_lead_unit(ctx.year))
        .order_by("resolved_at", "pk")
        .values("pk", "number", "title", "enterprise__name", "resolved_at", "lead_unit_id")
    )
    by_unit: dict[int, list[dict]] = defaultdict(list)
    for case in cases:
        by_unit[case["lead_unit_id"]].append(case)
    scores = {}
    for unit_id in ctx.unit_ids:
        lines, total = [], ZERO
        rows = by_unit.get(unit_id, [])
        for case in rows:
            given = min(per_case, max_points - total)
            total += given
            values = {
                "number": case["number"],
                "title": case["title"],
                "enterprise": case["enterprise__name"],
                "resolved": _day(case["resolved_at"]),
                "points": fmt(given),
                "max": fmt(max_points),
            }
            if given == per_case:
                text = _(
                    "%(number)s %(title)s (%(enterprise)s, not linked to the unit): solved on %(resolved)s, rated "
                    "satisfied, %(points)s points."
                )
            else:
                text = _(
                    "%(number)s %(title)s (%(enterprise)s, not linked to the unit): solved on %(resolved)s, rated "
                    "satisfied, %(points)s points (the item's maximum of %(max)s is reached)."
                )
            lines.append(
                Line(LineKind.CASE, text % values, points(given), given > 0, _case_url(case["pk"]), case["number"])
            )
        lines.append(
            Line(
                LineKind.SUMMARY,
                _("%(count)s case(s) × %(per_case)s, at most %(max)s: %(points)s.")
                % {"count": len(rows), "per_case": fmt(per_case), "max": fmt(max_points), "points": fmt(total)}
                if rows
                else _(
                    "No case led by the unit for an enterprise it is not linked to was solved in %(year)s and rated "
                    "satisfied."
                )
                % {"year": ctx.year},
                points=points(total),
            )
        )
        scores[unit_id] = ItemScore(points(total), lines)
    return scores


# 5. Daily work -------------------------------------------------------------------------------------------------


def months_in_period(year: int, due_day: int, today: date) -> list[date]:
    """The months of `year` whose report due day has passed by `today` (the whole due day counts: on the
    20th itself the month is not in the period yet)."""
    return [date(year, month, 1) for month in range(1, 13) if date(year, month, due_day) < today]


def daily_work(ctx: Context, max_points: Decimal, params: dict) -> dict[int, ItemScore]:
    """max × qualifying months ÷ months in the period. The period: the months of the year whose due day
    (params.due_day, the 20th) has passed. A month qualifies when the unit's monthly report of that month was
    submitted on time (its first submission not late, reports.services.monthly) and every enterprise whose
    linkage of the year the unit leads was visited that month, by someone of the unit (Visit.unit) or by the
    linkage's leader or one of its cadres. Three queries, plus the linkages (shared)."""
    max_points = points(max_points)
    due_day = int(params.get("due_day", 20))
    period = months_in_period(ctx.year, due_day, ctx.today)
    all_months = [date(ctx.year, month, 1) for month in range(1, 13)]
    linkages = ctx.linkages
    linkage_ids = [row["pk"] for rows in linkages.values() for row in rows]
    people: dict[int, set[int]] = defaultdict(set)  # enterprise id → leader and cadres of its linkage
    lead_of: dict[int, int] = {}  # enterprise id → lead unit id
    for unit_id, rows in linkages.items():
        for row in rows:
            lead_of[row["enterprise_id"]] = unit_id
            if row["leader_id"]:
                people[row["enterprise_id"]].add(row["leader_id"])
    linkage_enterprise = {row["pk"]: row["enterprise_id"] for rows in linkages.values() for row in rows}
    if linkage_ids:
        for linkage_id, user_id in Linkage.cadres.through.objects.filter(linkage_id__in=linkage_ids).values_list(
            "linkage_id", "user_id"
        ):
            people[linkage_enterprise[linkage_id]].add(user_id)
    visited: set[tuple[int, int]] = set()  # (enterprise id, month number)
    if lead_of:
        visits = (
            Visit.objects.filter(
                enterprise_id__in=list(lead_of),
                visited_on__gte=date(ctx.year, 1, 1),
                visited_on__lte=date(ctx.year, 12, 31),
            )
            .values_list("enterprise_id", "unit_id", "visitor_id", "visited_on")
            .order_by()
        )
        for enterprise_id, unit_id, visitor_id, visited_on in visits:
            if unit_id == lead_of[enterprise_id] or visitor_id in people[enterprise_id]:
                visited.add((enterprise_id, visited_on.month))
    reports = {
        (row["unit_id"], row["month"]): row
        for row in MonthlyReport.objects.filter(
            unit_id__in=ctx.unit_ids, month__gte=date(ctx.year, 1, 1), month__lte=date(ctx.year, 12, 1)
        ).values("pk", "unit_id", "month", "status", "submitted_at", "is_late")
    }

    scores = {}
    for unit_id in ctx.unit_ids:
        lines = []
        enterprises = linkages.get(unit_id, [])
        if not enterprises:
            lines.append(
                Line(
                    LineKind.NOTE,
                    _(
                        "The unit leads the linkage of no enterprise in %(year)s: the visit condition holds in every "
                        "month."
                    )
                    % {"year": ctx.year},
                )
            )
        qualifying = 0
        for month in all_months:
            label = f"{month:%Y-%m}"
            url = reverse("monthly_report_edit", args=[unit_id, label])
            if month not in period:
                lines.append(
                    Line(
                        LineKind.MONTH,
                        _("%(month)s: not in the period yet (its report is due on %(due)s).")
                        % {"month": label, "due": f"{date(ctx.year, month.month, due_day):%Y-%m-%d}"},
                        counted=False,
                        ref=label,
                    )
                )
                continue
            reasons = []
            report = reports.get((unit_id, month))
            if report is None or report["submitted_at"] is None:
                reasons.append(_("no report was submitted"))
            elif report["is_late"]:
                reasons.append(_("the report was submitted late, on %(date)s") % {"date": _day(report["submitted_at"])})
            missing = [
                row["enterprise__name"] for row in enterprises if (row["enterprise_id"], month.month) not in visited
            ]
            if len(missing) > NAMES_SHOWN:
                # The working names a few; the rest is a count (a unit may lead dozens of linkages).
                reasons.append(
                    _("%(count)s linked enterprises not visited that month, among them %(enterprises)s")
                    % {"count": len(missing), "enterprises": _names(missing[:NAMES_SHOWN])}
                )
            elif missing:
                reasons.append(_("not visited that month: %(enterprises)s") % {"enterprises": _names(missing)})
            if reasons:
                lines.append(
                    Line(
                        LineKind.MONTH,
                        _("%(month)s: not counted: %(reasons)s.")
                        % {"month": label, "reasons": pgettext("reasons separator", "; ").join(reasons)},
                        counted=False,
                        url=url,
                        ref=label,
                    )
                )
                continue
            qualifying += 1
            reopened = report["status"] != MonthlyReport.Status.SUBMITTED
            if enterprises and reopened:
                text = _(
                    "%(month)s: counted: report submitted on time on %(date)s (reopened by the office for "
                    "correction: its first submission counts), all %(count)s linked enterprise(s) visited."
                )
            elif enterprises:
                text = _(
                    "%(month)s: counted: report submitted on time on %(date)s, all %(count)s linked enterprise(s) "
                    "visited."
                )
            elif reopened:
                text = _(
                    "%(month)s: counted: report submitted on time on %(date)s (reopened by the office for "
                    "correction: its first submission counts)."
                )
            else:
                text = _("%(month)s: counted: report submitted on time on %(date)s.")
            text = text % {"month": label, "date": _day(report["submitted_at"]), "count": len(enterprises)}
            lines.append(Line(LineKind.MONTH, text, counted=True, url=url, ref=label))
        if period:
            score = min(points(max_points * qualifying / len(period)), max_points)
            summary = _(
                "%(max)s × %(qualifying)s qualifying month(s) ÷ %(months)s month(s) in the period = %(points)s."
            ) % {
                "max": fmt(max_points),
                "qualifying": qualifying,
                "months": len(period),
                "points": fmt(score),
            }
        else:
            score = ZERO
            summary = _("No month of %(year)s has reached its report's due day yet: 0 points.") % {"year": ctx.year}
        lines.append(Line(LineKind.SUMMARY, summary, points=score))
        scores[unit_id] = ItemScore(score, lines)
    return scores


# 6, 7. Rankings of the territories on the above-scale industry's figures ----------------------------------------


def figures_period(year: int, today: date | None = None) -> date | None:
    """The month the year's figures run to: December for a past year, the last complete month for the current
    one; None when no month of the year is complete yet."""
    last = add_months((today or timezone.localdate()).replace(day=1), -1) if today else last_complete_period()
    period = min(date(year, 12, 1), last)
    return period if period.year == year else None


def _territory_match(ctx: Context) -> Callable[[str, int | None], list[int]]:
    """How an enterprise (its region path, its park) falls to the assessed units: a unit whose region lies
    below the jurisdiction's answers for the enterprises of that region and below; a park committee whose
    region is the jurisdiction's own (a park is not a division) answers for the enterprises registered in the
    park (Enterprise.park)."""
    top = ctx.jurisdiction_region
    by_path: dict[str, list[int]] = defaultdict(list)
    by_park: dict[int, list[int]] = defaultdict(list)
    for unit in ctx.units:
        below = top is None or (unit.region.path.startswith(top.path) and unit.region.path != top.path)
        if below:
            by_path[unit.region.path].append(unit.pk)
        elif unit.kind == Unit.Kind.PARK:
            by_park[unit.pk].append(unit.pk)

    def units_of(path: str, park_id: int | None) -> list[int]:
        found = []
        parts = path.split("/")
        for index in range(1, len(parts)):
            found.extend(by_path.get("/".join(parts[:index]) + "/", ()))
        if park_id is not None:
            found.extend(by_park.get(park_id, ()))
        return found

    return units_of


def territory_figures(ctx: Context) -> tuple[date | None, dict[int, LossRatioRow]]:
    """Unit id → its territory's above-scale industrial enterprises (sections B, C, D) counted as
    enterprises.selectors.figures.loss_ratio counts them: year-to-date total profit up to the figures'
    month, loss-making when below zero, not reported when no profit figure. The whole jurisdiction, whoever
    reads (the ranking is one for everyone). Two queries, cached on the context."""
    cached = getattr(ctx, "_territory_figures", None)
    if cached is not None:
        return cached
    period = figures_period(ctx.year, ctx.today)
    rows = {unit.pk: LossRatioRow(unit.region, unit.name) for unit in ctx.units}
    if period is not None and ctx.units:
        units_of = _territory_match(ctx)
        enterprises = Enterprise.objects.filter(
            above_scale=True, industry__section__in=Industry.INDUSTRIAL_SECTIONS
        ).values_list("pk", "region__path", "park_id")
        year_start, last_year_start = date(ctx.year, 1, 1), date(ctx.year - 1, 1, 1)
        same_period_last_year = add_months(period, -12)
        sums = (
            MonthlyFigure.objects.filter(
                enterprise__above_scale=True,
                enterprise__industry__section__in=Industry.INDUSTRIAL_SECTIONS,
                total_profit__isnull=False,
            )
            .filter(
                Q(period__gte=year_start, period__lte=period)
                | Q(period__gte=last_year_start, period__lte=same_period_last_year)
            )
            .values("enterprise_id")
            .annotate(
                current=Sum("total_profit", filter=Q(period__gte=year_start)),
                previous=Sum("total_profit", filter=Q(period__lt=year_start)),
            )
            .order_by()
        )
        profit = {row["enterprise_id"]: (row["current"], row["previous"]) for row in sums}
        for pk, path, park_id in enterprises:
            for unit_id in units_of(path, park_id):
                rows[unit_id].add(*profit.get(pk, (None, None)))
    ctx._territory_figures = (period, rows)
    return ctx._territory_figures


def _rank_rule(ctx: Context, max_points: Decimal, params: dict, *, loss: bool) -> dict[int, ItemScore]:
    max_points = points(max_points)
    step = Decimal(str(params.get("step", 1)))
    period, rows = territory_figures(ctx)

    def value(unit):
        row = rows[unit.pk]
        if loss:
            return row.loss_ratio
        return row.profit if row.enterprises else None

    ranked = competition_rank(list(ctx.units), value, highest_first=not loss)
    n_ranked = sum(1 for entry in ranked if entry.rank is not None)
    scores = {}
    for entry in ranked:
        unit, row = entry.item, rows[entry.item.pk]
        lines = []
        if period is None:
            lines.append(
                Line(
                    LineKind.NOTE,
                    _("No month of %(year)s is complete yet: there are no figures to rank, 0 points.")
                    % {"year": ctx.year},
                    points=ZERO,
                )
            )
            scores[unit.pk] = ItemScore(ZERO, lines)
            continue
        months = {"first": f"{date(ctx.year, 1, 1):%Y-%m}", "last": f"{period:%Y-%m}"}
        if entry.rank is None:
            lines.append(
                Line(
                    LineKind.FIGURE,
                    _(
                        "No above-scale industrial enterprise of the unit's territory reported its total profit for "
                        "%(first)s to %(last)s (%(not_reported)s did not report): not ranked, 0 points."
                    )
                    % {**months, "not_reported": row.not_reported},
                    points=ZERO,
                    counted=False,
                )
            )
            scores[unit.pk] = ItemScore(ZERO, lines, None, None)
            continue
        score = points(points_by_rank(entry.rank, first=max_points, step=step))
        values = {
            **months,
            "ratio": fmt(row.loss_ratio),
            "loss_making": row.loss_making,
            "enterprises": row.enterprises,
            "not_reported": row.not_reported,
            "profit": number_format(row.profit, decimal_pos=2, use_l10n=True, force_grouping=True),
        }
        if loss:
            text = _(
                "Loss ratio %(ratio)s %%: %(loss_making)s of %(enterprises)s above-scale industrial enterprises "
                "made a loss over %(first)s to %(last)s (%(not_reported)s did not report)."
            )
        else:
            text = _(
                "Total profit %(profit)s (10k yuan) of %(enterprises)s above-scale industrial enterprises over "
                "%(first)s to %(last)s (%(not_reported)s did not report)."
            )
        lines.append(
            Line(
                LineKind.FIGURE,
                text % values,
                url=f"{reverse('loss_ratio')}?year={ctx.year}",
                ref=f"{period:%Y-%m}",
            )
        )
        if loss:
            order = _("Rank %(rank)s of %(ranked)s (lowest ratio first; equal ratios share a rank)")
        else:
            order = _("Rank %(rank)s of %(ranked)s (highest profit first; equal profits share a rank)")
        lines.append(
            Line(
                LineKind.SUMMARY,
                _("%(order)s: %(max)s − (%(rank)s − 1) × %(step)s = %(points)s.")
                % {
                    "order": order % {"rank": entry.rank, "ranked": n_ranked},
                    "max": fmt(max_points),
                    "rank": entry.rank,
                    "step": fmt(step),
                    "points": fmt(score),
                },
                points=score,
            )
        )
        scores[unit.pk] = ItemScore(min(score, max_points), lines, entry.value, entry.rank)
    return scores


def loss_ratio_rank(ctx: Context, max_points: Decimal, params: dict) -> dict[int, ItemScore]:
    """Rank the territories by the loss ratio of their above-scale industrial enterprises, lowest first;
    first gets max, each next rank `step` less, ties share a rank (1, 1, 3); no figures: unranked, 0."""
    return _rank_rule(ctx, max_points, params, loss=True)


def profit_rank(ctx: Context, max_points: Decimal, params: dict) -> dict[int, ItemScore]:
    """Rank the territories by the year-to-date total profit of their above-scale industrial enterprises,
    highest first; scored as loss_ratio_rank."""
    return _rank_rule(ctx, max_points, params, loss=False)


RULES: dict[str, Callable[[Context, Decimal, dict], dict[int, ItemScore]]] = {
    Rule.PLAN_GOALS: plan_goals,
    Rule.CASES_SOLVED: cases_solved,
    Rule.EVIDENCE: evidence,
    Rule.PROACTIVE: proactive,
    Rule.DAILY_WORK: daily_work,
    Rule.LOSS_RATIO_RANK: loss_ratio_rank,
    Rule.PROFIT_RANK: profit_rank,
}


# The rules' parameters ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Param:
    kind: str  # "number" (≥ minimum), "day" (1..28), "kinds" (a list of evidence kinds)
    minimum: Decimal = Decimal(0)
    exclusive: bool = False


EVIDENCE_KINDS = (Kind.COMMENDATION, Kind.MEDIA_REPORT)
RULE_PARAMS: dict[str, dict[str, Param]] = {
    Rule.PLAN_GOALS: {},
    Rule.CASES_SOLVED: {"per_case": Param("number", exclusive=True), "degree_cap": Param("number")},
    Rule.EVIDENCE: {"per_entry": Param("number", exclusive=True), "kinds": Param("kinds")},
    Rule.PROACTIVE: {"per_case": Param("number", exclusive=True)},
    Rule.DAILY_WORK: {"due_day": Param("day")},
    Rule.LOSS_RATIO_RANK: {"step": Param("number")},
    Rule.PROFIT_RANK: {"step": Param("number")},
}


def params_errors(rule: str, params) -> list[str]:
    """What is wrong with `params` for `rule`, one sentence per wrong key (empty: they are right)."""
    if rule not in RULE_PARAMS:
        return [_("Unknown rule “%(rule)s”.") % {"rule": rule}]
    if not isinstance(params, dict):
        return [_("The parameters must be an object of names and values.")]
    spec = RULE_PARAMS[rule]
    errors = []
    for key in params:
        if key not in spec:
            if spec:
                errors.append(
                    _("“%(key)s” is not a parameter of this rule (its parameters: %(names)s).")
                    % {"key": key, "names": ", ".join(spec)}
                )
            else:
                errors.append(_("“%(key)s” is not a parameter of this rule (it takes none).") % {"key": key})
    for key, param in spec.items():
        if key not in params:
            errors.append(_("“%(key)s” is missing.") % {"key": key})
            continue
        value = params[key]
        if param.kind == "kinds":
            if (
                not isinstance(value, list)
                or not value
                or any(kind not in EVIDENCE_KINDS for kind in value)
                or len(set(value)) != len(value)
            ):
                errors.append(
                    _("“%(key)s” must list one or more of %(kinds)s, each once.")
                    % {"key": key, "kinds": ", ".join(EVIDENCE_KINDS)}
                )
            continue
        if param.kind == "day":
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 28:
                errors.append(_("“%(key)s” must be a whole day of the month from 1 to 28.") % {"key": key})
            continue
        if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
            number = None
        else:
            try:
                number = Decimal(str(value))
            except ArithmeticError:
                number = None
        if number is None or not number.is_finite():
            errors.append(_("“%(key)s” must be a number.") % {"key": key})
        elif param.exclusive and number <= param.minimum:
            errors.append(_("“%(key)s” must be more than %(min)s.") % {"key": key, "min": fmt(param.minimum)})
        elif number < param.minimum:
            errors.append(_("“%(key)s” must be %(min)s or more.") % {"key": key, "min": fmt(param.minimum)})
        elif number != number.quantize(TWO_PLACES):
            errors.append(_("“%(key)s” may have at most two decimal places.") % {"key": key})
    return errors


# Who is assessed --------------------------------------------------------------------------------------------


def assessed_units(year: int, target: str, jurisdiction_region: Region | None) -> list[Unit]:
    """Departments: the department units that lead the linkage of an enterprise in `year` (a plan's lead
    unit is its enterprise's linkage's, so this covers the plans too). Territories: the active townships,
    parks and governments of the jurisdiction, the jurisdiction's own government excepted. Tree order. One
    query."""
    units = Unit.objects.select_related("region").order_by("path")
    if target == AssessmentScheme.Target.DEPARTMENT:
        leading = Linkage.objects.filter(year=year, lead_unit__isnull=False).values("lead_unit_id")
        return list(units.filter(kind=Unit.Kind.DEPARTMENT, pk__in=leading))
    units = units.filter(kind__in=Unit.TERRITORIAL_KINDS, is_active=True)
    if jurisdiction_region is not None:
        units = units.filter(region__path__startswith=jurisdiction_region.path).exclude(
            kind=Unit.Kind.GOVERNMENT, region=jurisdiction_region
        )
    return list(units)
