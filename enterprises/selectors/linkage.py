"""Shared reads of linkage (包联, 三联机制 of seed 003): who is linked to which enterprise, and which key
enterprises still lack part of their linkage. Every read is narrowed by the viewer's data scope."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from itertools import groupby

from django.db.models import Count, Exists, F, Func, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from accounts.models import Region, Role, Unit, User
from accounts.scope import scoped
from enterprises.models import Enterprise, Linkage


def leader_choices() -> QuerySet[User]:
    """Active users who hold the leader role: the people a linkage may name as its leader."""
    return (
        User.objects.filter(is_active=True, role_grants__role=Role.LEADER)
        .select_related("unit")
        .order_by("full_name", "username")
    )


def cadre_choices() -> QuerySet[User]:
    """Active users who hold the cadre role: the people a linkage may station in an enterprise."""
    return (
        User.objects.filter(is_active=True, role_grants__role=Role.CADRE)
        .select_related("unit")
        .order_by("unit__path", "full_name", "username")
    )


def lead_unit_choices() -> QuerySet[Unit]:
    return Unit.objects.filter(is_active=True).order_by("path")


def linkage_filter_choices(*, user: User, year: int) -> dict[str, QuerySet]:
    """Leaders, lead units and cadres named on the year's linkages the user can see."""
    visible = scoped(user, Linkage.objects.filter(year=year))
    return {
        "leaders": User.objects.filter(pk__in=visible.values("leader_id")).order_by("full_name", "username"),
        "units": Unit.objects.filter(pk__in=visible.values("lead_unit_id")).order_by("path"),
        "cadres": User.objects.filter(
            pk__in=Linkage.cadres.through.objects.filter(linkage__in=visible).values("user_id")
        ).order_by("full_name", "username"),
    }


def _cadres_prefetch() -> Prefetch:
    return Prefetch("cadres", queryset=User.objects.select_related("unit").order_by("full_name", "username"))


def linkage_list(
    *,
    user: User,
    year: int,
    leader_id: int | None = None,
    lead_unit_id: int | None = None,
    cadre_id: int | None = None,
    region_id: int | None = None,
    key_only: bool = False,
    search: str = "",
) -> QuerySet[Linkage]:
    """The year's linkages the user may see, with enterprise, leader, lead unit and cadres loaded in a fixed
    number of queries however many rows."""
    linkages = scoped(
        user,
        Linkage.objects.filter(year=year).select_related("enterprise__region", "leader__unit", "lead_unit"),
    ).prefetch_related(_cadres_prefetch())
    if leader_id:
        linkages = linkages.filter(leader_id=leader_id)
    if lead_unit_id:
        linkages = linkages.filter(lead_unit_id=lead_unit_id)
    if cadre_id:
        linkages = linkages.filter(pk__in=Linkage.cadres.through.objects.filter(user_id=cadre_id).values("linkage_id"))
    if region_id:
        linkages = linkages.filter(enterprise__region__in=_region_and_below(region_id))
    if key_only:
        linkages = linkages.filter(enterprise__is_key=True)
    if search:
        linkages = linkages.filter(
            Q(enterprise__name__icontains=search) | Q(enterprise__credit_code__icontains=search.upper())
        )
    return linkages.order_by("enterprise__name", "pk")


def _region_and_below(region_id: int) -> QuerySet[Region]:
    region = Region.objects.filter(pk=region_id).only("path").first()
    return region.descendants() if region else Region.objects.none()


@dataclass
class LeaderGroup:
    leader: User | None
    linkages: list[Linkage]

    @property
    def count(self) -> int:
        return len(self.linkages)


def linkages_by_leader(linkages: QuerySet[Linkage]) -> list[LeaderGroup]:
    """The given linkages grouped by their leader (those without a leader last), each group's enterprises
    in name order. One query for the rows plus one for the cadres."""
    rows = linkages.order_by(F("leader__full_name").asc(nulls_last=True), "leader_id", "enterprise__name")
    return [
        LeaderGroup(leader=group[0].leader, linkages=group)
        for group in (list(items) for _, items in groupby(rows, key=lambda linkage: linkage.leader_id))
    ]


def enterprise_linkages(*, user: User, enterprise: Enterprise) -> QuerySet[Linkage]:
    """Every year's linkage of one enterprise the user may see, newest first."""
    return (
        scoped(user, Linkage.objects.filter(enterprise=enterprise))
        .select_related("leader__unit", "lead_unit")
        .prefetch_related(_cadres_prefetch())
        .order_by("-year")
    )


# --- coverage of key enterprises --------------------------------------------------------------------------


class Gap:
    LEADER = "leader"
    UNIT = "unit"
    CADRE = "cadre"
    ANY = "any"
    CHOICES = (LEADER, UNIT, CADRE, ANY)


class _Count(Func):
    """COUNT(*) of a correlated subquery, without the GROUP BY an aggregate would bring."""

    template = "COUNT(*)"
    output_field = IntegerField()


def subquery_count(queryset: QuerySet) -> Coalesce:
    return Coalesce(
        Subquery(queryset.order_by().annotate(n=_Count()).values("n")[:1], output_field=IntegerField()),
        Value(0),
    )


def key_enterprise_linkage(*, user: User, year: int) -> QuerySet[Enterprise]:
    """Key enterprises in the user's scope, each annotated with the year's linkage: leader and lead unit
    (ids and names, None without a linkage row), the number of cadres, and whether each part is missing."""
    linkage = Linkage.objects.filter(enterprise=OuterRef("pk"), year=year)
    cadres = Linkage.cadres.through.objects.filter(linkage__enterprise=OuterRef("pk"), linkage__year=year)
    return (
        scoped(user, Enterprise.objects.filter(is_key=True))
        .select_related("region")
        .annotate(
            linkage_id=Subquery(linkage.values("pk")[:1]),
            linked_leader_id=Subquery(linkage.values("leader_id")[:1]),
            linked_leader_name=Subquery(linkage.values("leader__full_name")[:1]),
            linked_unit_id=Subquery(linkage.values("lead_unit_id")[:1]),
            linked_unit_name=Subquery(linkage.values("lead_unit__name")[:1]),
            cadre_count=subquery_count(cadres),
            has_cadre=Exists(cadres),
        )
        .order_by("name", "pk")
    )


def _gap_q(gap: str) -> Q:
    lacks = {
        Gap.LEADER: Q(linked_leader_id__isnull=True),
        Gap.UNIT: Q(linked_unit_id__isnull=True),
        Gap.CADRE: Q(has_cadre=False),
    }
    if gap in lacks:
        return lacks[gap]
    return lacks[Gap.LEADER] | lacks[Gap.UNIT] | lacks[Gap.CADRE]


@dataclass(frozen=True)
class CoverageSummary:
    year: int
    key_total: int
    fully_linked: int
    lacking_leader: int
    lacking_unit: int
    lacking_cadre: int

    @property
    def lacking_any(self) -> int:
        return self.key_total - self.fully_linked

    @property
    def coverage_pct(self) -> Decimal | None:
        """Share of key enterprises with a leader, a lead unit and at least one cadre, to one decimal."""
        if not self.key_total:
            return None
        return (Decimal(self.fully_linked) * 100 / self.key_total).quantize(Decimal("0.1"), ROUND_HALF_UP)


def linkage_coverage(*, user: User, year: int, gap: str = Gap.ANY) -> tuple[CoverageSummary, QuerySet[Enterprise]]:
    """Coverage of the key enterprises in scope for `year`: the counts per gap, and the enterprises that
    have the chosen gap (any gap by default), including those with no linkage row at all."""
    enterprises = key_enterprise_linkage(user=user, year=year)
    counts = enterprises.order_by().aggregate(
        key_total=Count("pk"),
        lacking_leader=Count("pk", filter=_gap_q(Gap.LEADER)),
        lacking_unit=Count("pk", filter=_gap_q(Gap.UNIT)),
        lacking_cadre=Count("pk", filter=_gap_q(Gap.CADRE)),
        lacking_any=Count("pk", filter=_gap_q(Gap.ANY)),
    )
    summary = CoverageSummary(
        year=year,
        key_total=counts["key_total"],
        fully_linked=counts["key_total"] - counts["lacking_any"],
        lacking_leader=counts["lacking_leader"],
        lacking_unit=counts["lacking_unit"],
        lacking_cadre=counts["lacking_cadre"],
    )
    return summary, enterprises.filter(_gap_q(gap if gap in Gap.CHOICES else Gap.ANY))
