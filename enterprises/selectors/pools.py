"""Reads of the cultivation pools (培育库): the year's overview with the 1.2 × rule, a pool's members, the
专精特新 ladder, and the suggestions computed from the operating figures. Every read is narrowed by the
viewer's data scope: pools are visible to all staff, memberships only through enterprises in scope."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, DecimalField, Exists, F, IntegerField, Max, OuterRef, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Region, User
from accounts.scope import scope_q, scoped
from core.periods import add_months
from enterprises.models import (
    ABOVE_SCALE_REVENUE,
    CultivationPool,
    Enterprise,
    EnterpriseWarning,
    Industry,
    MonthlyFigure,
    PoolMembership,
)
from enterprises.services.warnings import EXIT_RISK_BLUE_BELOW, EXIT_RISK_WINDOW_MONTHS

Kind = CultivationPool.Kind

# Seed 004 §14: 准规上 are enterprises close to the above-scale line (2000 万元 a year); 易退库 are above-scale
# enterprises close enough to it to fall back below: the same band as the blue exit-risk warning. Money in 万元.
NEAR_SCALE_MIN_REVENUE = Decimal("1500")
NEAR_SCALE_MAX_REVENUE = ABOVE_SCALE_REVENUE
EXIT_RISK_REVENUE = EXIT_RISK_BLUE_BELOW
SUGGESTION_LIMIT = 50

GROWTH_SUGGESTION_KINDS = (Kind.NEAR_SCALE, Kind.SMALL_TO_SCALE)
EXIT_SUGGESTION_KINDS = (Kind.EXIT_RISK,)


def required_size(pool: CultivationPool) -> int | None:
    """How many enterprises the pool must hold: 小升规 is kept at 1.2 × the year's target, rounded up
    (seed 004 §14); any other pool at its target, when one is set."""
    if pool.target is None:
        return None
    if pool.kind == Kind.SMALL_TO_SCALE:
        return math.ceil(pool.target * CultivationPool.TARGET_FACTOR)
    return pool.target


@dataclass(frozen=True)
class RuleStatus:
    """The pool's size against what it must hold. `shortfall` is 0 when the rule is met."""

    required: int | None
    members: int

    @property
    def applies(self) -> bool:
        return self.required is not None

    @property
    def met(self) -> bool:
        return self.applies and self.members >= self.required

    @property
    def shortfall(self) -> int:
        return max(self.required - self.members, 0) if self.applies else 0


def rule_status(pool: CultivationPool, total_current: int) -> RuleStatus:
    # The rule is the jurisdiction's: it counts every current member, not only those the viewer can see.
    return RuleStatus(required=required_size(pool), members=total_current)


def next_tier(kind: str) -> str | None:
    """The next rung of the 专精特新 ladder above `kind`; None at the top or off the ladder."""
    ladder = CultivationPool.SRDI_LADDER
    if kind not in ladder or kind == ladder[-1]:
        return None
    return ladder[ladder.index(kind) + 1]


def is_ladder_kind(kind: str) -> bool:
    return kind in CultivationPool.SRDI_LADDER


def _count_annotations(user: User, year: int) -> dict:
    current = Q(exited_on__isnull=True)
    in_scope = scope_q(user, PoolMembership)
    counts = {"total_current": Count("pk", filter=current)}
    if in_scope is None:
        zero = Value(0, output_field=IntegerField())
        return counts | {"current": zero, "entered": zero, "exited": zero}
    return counts | {
        "current": Count("pk", filter=current & in_scope),
        "entered": Count("pk", filter=Q(entered_on__year=year) & in_scope),
        "exited": Count("pk", filter=Q(exited_on__year=year) & in_scope),
    }


def _attach_counts(user: User, pools: list[CultivationPool]) -> list[CultivationPool]:
    """Sets on each pool: `current` (current members in the viewer's scope), `entered`/`exited` (in the
    viewer's scope, during the pool's year), `total_current` and `status` (the rule over all members).
    One query for any number of pools."""
    by_year: dict[int, list[CultivationPool]] = {}
    for pool in pools:
        by_year.setdefault(pool.year, []).append(pool)
    rows = {}
    for year, same_year in by_year.items():
        counts = (
            PoolMembership.objects.filter(pool__in=[p.pk for p in same_year])
            .values("pool_id")
            .annotate(**_count_annotations(user, year))
        )
        rows |= {row["pool_id"]: row for row in counts}
    for pool in pools:
        row = rows.get(pool.pk, {})
        pool.current = row.get("current", 0)
        pool.entered = row.get("entered", 0)
        pool.exited = row.get("exited", 0)
        pool.total_current = row.get("total_current", 0)
        pool.required = required_size(pool)
        pool.status = rule_status(pool, pool.total_current)
    return pools


def pool_list(*, user: User, year: int) -> list[CultivationPool]:
    """The pools of one year, in the order of the kinds, each with its counts and rule status."""
    order = {kind: index for index, kind in enumerate(Kind.values)}
    pools = sorted(scoped(user, CultivationPool.objects.filter(year=year)), key=lambda p: order[p.kind])
    return _attach_counts(user, pools)


def pool_with_counts(*, user: User, pool: CultivationPool) -> CultivationPool:
    return _attach_counts(user, [pool])[0]


def missing_kinds(*, year: int, existing: list[CultivationPool]) -> list[str]:
    present = {pool.kind for pool in existing if pool.year == year}
    return [kind for kind in Kind.values if kind not in present]


def pool_years(*, user: User) -> list[int]:
    return sorted(
        set(scoped(user, CultivationPool.objects.all()).values_list("year", flat=True)) | {timezone.localdate().year},
        reverse=True,
    )


def member_list(
    *, user: User, pool: CultivationPool, current: bool = True, search: str = "", region: Region | None = None
) -> QuerySet[PoolMembership]:
    """A pool's current (or exited) members in the viewer's scope, with what the member table shows."""
    members = scoped(
        user,
        PoolMembership.objects.filter(pool=pool, exited_on__isnull=current).select_related(
            "enterprise__region", "enterprise__industry"
        ),
    )
    if search:
        members = members.filter(
            Q(enterprise__name__icontains=search) | Q(enterprise__credit_code__icontains=search.upper())
        )
    if region is not None:
        members = members.filter(enterprise__region__path__startswith=region.path)
    if current:
        return members.order_by("enterprise__name", "pk")
    return members.order_by("-exited_on", "enterprise__name", "pk")


def region_choices(*, user: User) -> QuerySet[Region]:
    """Regions to filter members by: the county and township levels (villages would flood the list)."""
    return scoped(user, Region.objects.exclude(level=Region.Level.VILLAGE)).order_by("path")


def enterprise_search(*, user: User, pool: CultivationPool, search: str, limit: int = 20) -> list[Enterprise]:
    """Enterprises in the viewer's scope matching a name or credit code, that are not current members."""
    if not search:
        return []
    current = PoolMembership.objects.filter(pool=pool, exited_on__isnull=True).values("enterprise_id")
    enterprises = (
        scoped(user, Enterprise.objects.select_related("region", "industry"))
        .filter(Q(name__icontains=search) | Q(credit_code__icontains=search.upper()))
        .exclude(pk__in=current)
        .order_by("name", "pk")
    )
    return list(enterprises[:limit])


def ladder(*, user: User, year: int, per_tier: int = 30) -> list[dict]:
    """The four tiers of the 专精特新 ladder for one year, lowest first: each with its pool (None when not
    created yet), counts, and up to `per_tier` current members in the viewer's scope."""
    pools = {pool.kind: pool for pool in pool_list(user=user, year=year) if is_ladder_kind(pool.kind)}
    tiers = []
    for kind in CultivationPool.SRDI_LADDER:
        pool = pools.get(kind)
        members = list(member_list(user=user, pool=pool)[:per_tier]) if pool else []
        tiers.append(
            {
                "kind": kind,
                "label": Kind(kind).label,
                "pool": pool,
                "members": members,
                "next_kind": next_tier(kind),
                "more": (pool.current - len(members)) if pool else 0,
            }
        )
    return tiers


# Suggestions from the operating figures.


def trailing_window(as_of: date | None = None) -> tuple[date, date] | None:
    """The 12 months ending with the latest month reported so far (not after `as_of`'s month): the
    statistics come in a month or two late, so "the last 12 months" ends where the figures do.
    None when no figures exist."""
    as_of = as_of or timezone.localdate()
    latest = MonthlyFigure.objects.filter(period__lte=as_of.replace(day=1)).aggregate(latest=Max("period"))["latest"]
    if latest is None:
        return None
    return add_months(latest, 1 - EXIT_RISK_WINDOW_MONTHS), latest


def suggestion_rule(kind: str) -> str | None:
    if kind in GROWTH_SUGGESTION_KINDS:
        return "growth"
    if kind in EXIT_SUGGESTION_KINDS:
        return "exit"
    return None


def suggestions(
    *, user: User, pool: CultivationPool, as_of: date | None = None, limit: int = SUGGESTION_LIMIT
) -> tuple[list[Enterprise], tuple[date, date] | None]:
    """Enterprises in the viewer's scope that fit the pool by their figures and are not current members,
    each with `ttm_revenue` (trailing-12-month main business revenue, 万元) and `months_reported`.

    - 准规上 / 小升规: not above-scale, industrial (sections B, C, D), 1500 ≤ revenue < 2000;
    - 易退库: above-scale, with revenue < 2400, or with an open exit-risk warning.

    Two queries: the latest reported month, then the enterprises with their sums."""
    rule = suggestion_rule(pool.kind)
    if rule is None:
        return [], None
    window = trailing_window(as_of)
    enterprises = scoped(user, Enterprise.objects.select_related("region", "industry")).exclude(
        pk__in=PoolMembership.objects.filter(pool=pool, exited_on__isnull=True).values("enterprise_id")
    )
    if window is None:
        enterprises = enterprises.annotate(
            ttm_revenue=Value(None, output_field=DecimalField()), months_reported=Value(0, output_field=IntegerField())
        )
    else:
        in_window = Q(monthly_figures__period__range=window)
        enterprises = enterprises.annotate(
            ttm_revenue=Sum("monthly_figures__revenue", filter=in_window),
            months_reported=Count("monthly_figures__pk", filter=in_window & Q(monthly_figures__revenue__isnull=False)),
        )
    if rule == "growth":
        enterprises = enterprises.filter(
            above_scale=False,
            industry__section__in=Industry.INDUSTRIAL_SECTIONS,
            ttm_revenue__gte=NEAR_SCALE_MIN_REVENUE,
            ttm_revenue__lt=NEAR_SCALE_MAX_REVENUE,
        ).order_by("-ttm_revenue", "name", "pk")
    else:
        open_exit_warning = EnterpriseWarning.objects.filter(
            enterprise=OuterRef("pk"), rule=EnterpriseWarning.Rule.EXIT_RISK, resolved_at__isnull=True
        )
        # No figures in the window is no evidence of falling revenue: those come in only by a warning.
        enterprises = (
            enterprises.annotate(has_exit_warning=Exists(open_exit_warning))
            .filter(above_scale=True)
            .filter(Q(ttm_revenue__lt=EXIT_RISK_REVENUE) | Q(has_exit_warning=True))
            .order_by(
                Coalesce("ttm_revenue", Value(EXIT_RISK_REVENUE, output_field=DecimalField())).asc(), "name", "pk"
            )
        )
    return list(enterprises[:limit]), window


def enterprise_memberships(*, user: User, enterprise: Enterprise) -> list[PoolMembership]:
    """The enterprise's pool memberships the viewer may see (none for enterprise users), newest pool
    year first, current stays before past ones."""
    return list(
        scoped(user, PoolMembership.objects.filter(enterprise=enterprise).select_related("pool")).order_by(
            "-pool__year", F("exited_on").desc(nulls_first=True), "pool__kind"
        )
    )
