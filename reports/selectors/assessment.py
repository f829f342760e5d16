"""The annual assessment (年考核, seed 000 Annex 2; DESIGN.md §5): the scheme a year is scored by, and every
assessed unit's points on each item with the working behind them, its total and its rank.

Nothing is stored: the scores are computed from the data whenever they are read (reports.scoring), so a
past year is recomputed as its data stands. A year without a scheme of its own is scored by the target's
template (the seed's 2022 scheme); the result says which.

Who reads (docs/reports/assessment.md): the office, auditors and leaders read every unit's scores and
working; a unit head or handler reads every unit's points, totals and ranks (the ranking is published to
the units, as the bulletin's is) but the working only of their own unit (a head: also of the units below
theirs). Enterprise users, cadres and users without a role are refused (403).

Query count: fourteen for the departments and twelve for the territories when the year is scored by the
template (one fewer with a scheme of its own), whatever the number of units, cases, goals, visits, reports or
enterprises.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, Unit
from accounts.scope import has_role
from core.periods import FIRST_PROGRAMME_YEAR
from reports import scoring
from reports.models import AssessmentItem, AssessmentScheme
from reports.ranking import competition_rank
from reports.selectors.bulletin import jurisdiction

Target = AssessmentScheme.Target
READER_ROLES = (Role.OFFICE, Role.AUDITOR, Role.LEADER, Role.UNIT_HEAD, Role.UNIT_HANDLER)
# Read every unit's working; the others read their own unit's.
FULL_READER_ROLES = (Role.OFFICE, Role.AUDITOR, Role.LEADER)


# Who reads ------------------------------------------------------------------------------------------------


def can_read(user) -> bool:
    return has_role(user, *READER_ROLES)


def require_reader(user) -> None:
    if not can_read(user):
        raise PermissionDenied(_("The annual assessment is not available to your role."))


def reads_everything(user) -> bool:
    return has_role(user, *FULL_READER_ROLES)


def may_see_working(user, unit: Unit) -> bool:
    """The working of `unit`'s scores: every unit's for the office, auditors and leaders; a unit head's own
    unit and those below it; a handler's own unit."""
    if reads_everything(user):
        return True
    if not user.unit_id:
        return False
    if user.unit_id == unit.pk:
        return has_role(user, Role.UNIT_HEAD, Role.UNIT_HANDLER)
    return has_role(user, Role.UNIT_HEAD) and unit.path.startswith(user.unit.path)


# Checks -----------------------------------------------------------------------------------------------------


def check_year_target(year, target, *, today: date | None = None) -> None:
    """A year that has begun (from 2000) and a known target."""
    today = today or timezone.localdate()
    errors = {}
    if isinstance(year, bool) or not isinstance(year, int) or not FIRST_PROGRAMME_YEAR <= year <= today.year:
        errors["year"] = _("Give a year from %(first)s to %(last)s.") % {
            "first": FIRST_PROGRAMME_YEAR,
            "last": today.year,
        }
    if target not in Target.values:
        errors["target"] = _("Give the assessed units as one of: %(choices)s.") % {"choices": ", ".join(Target.values)}
    if errors:
        raise ValidationError(errors)


# The scheme -------------------------------------------------------------------------------------------------


def _with_items(queryset):
    return queryset.prefetch_related(Prefetch("items", queryset=AssessmentItem.objects.order_by("position")))


def scheme_for(year: int, target: str) -> tuple[AssessmentScheme | None, bool]:
    """The scheme `year` is scored by, with its items: the year's own, else the target's template; and
    whether it is the template. Two queries (three when the year has none)."""
    own = _with_items(AssessmentScheme.objects.filter(target=target, year=year)).first()
    if own is not None:
        return own, False
    template = _with_items(AssessmentScheme.objects.filter(target=target, year=None)).first()
    return template, True


# The scores -------------------------------------------------------------------------------------------------


@dataclass
class UnitRow:
    unit: Unit
    scores: list[scoring.ItemScore]
    total: scoring.Decimal
    rank: int | None = None
    show_working: bool = True

    @property
    def items(self):
        return self.scores


@dataclass
class Assessment:
    year: int
    target: str
    scheme: AssessmentScheme | None
    from_template: bool
    items: list[AssessmentItem]
    rows: list[UnitRow] = field(default_factory=list)
    today: date | None = None
    figures_period: date | None = None

    @property
    def target_label(self) -> str:
        return Target(self.target).label

    @property
    def max_total(self):
        return sum((item.max_points for item in self.items), scoring.ZERO)

    def row_for(self, unit_id: int) -> UnitRow | None:
        return next((row for row in self.rows if row.unit.pk == unit_id), None)


def compute(year: int, target: str, *, today: date | None = None) -> Assessment:
    """Every assessed unit's scores for `year` and `target`, with the working, ranked by total (highest
    first; equal totals share a rank: 1, 1, 3). No permission check: see `assessment`."""
    today = today or timezone.localdate()
    check_year_target(year, target, today=today)
    scheme, from_template = scheme_for(year, target)
    items = list(scheme.items.all()) if scheme else []
    where = jurisdiction()
    units = scoring.assessed_units(year, target, where.region)
    ctx = scoring.Context(year=year, units=units, today=today, jurisdiction_region=where.region)
    results = []
    for item in items:
        rule = scoring.RULES.get(item.rule)
        params = item.params if isinstance(item.params, dict) else {}
        results.append(rule(ctx, item.max_points, params) if rule else {})
    rows = []
    for unit in units:
        scores = [result.get(unit.pk) or scoring.ItemScore(scoring.ZERO, []) for result in results]
        total = sum((score.points for score in scores), scoring.ZERO)
        rows.append(UnitRow(unit=unit, scores=scores, total=scoring.points(total)))
    ranked = competition_rank(rows, lambda row: row.total, highest_first=True)
    for entry in ranked:
        entry.item.rank = entry.rank
    ordered = [entry.item for entry in ranked]
    figures_period = None
    if any(item.rule in (scoring.Rule.LOSS_RATIO_RANK, scoring.Rule.PROFIT_RANK) for item in items):
        figures_period = scoring.figures_period(year, today)
    return Assessment(
        year=year,
        target=target,
        scheme=scheme,
        from_template=from_template,
        items=items,
        rows=ordered,
        today=today,
        figures_period=figures_period,
    )


def assessment(*, user, year: int, target: str, today: date | None = None) -> Assessment:
    """The year's scores as `user` may read them: every row's points, total and rank, and the working of
    the rows they may see (the others' lines are removed). 403 for a role that does not read assessments."""
    require_reader(user)
    result = compute(year, target, today=today)
    for row in result.rows:
        row.show_working = may_see_working(user, row.unit)
        if not row.show_working:
            for score in row.scores:
                score.lines = []
    return result
