"""The quarterly bulletin (季通报, seed 000 “月调度、季通报、年考核”; seed 004 “定期通报…挂牌督办”): what the
office's text frames and the document prints, computed from the cases when it is read.

- Rankings of the lead units and of the localities (the regions one level below the jurisdiction) on the
  quarter's resolution rate, on-time rate and satisfaction, each indicator ranked on its own with ties
  sharing a rank (reports.ranking.competition_rank: 1, 1, 3). The quarter's cases are a cohort, counted as
  they stand now, exactly as cases.selectors.indicators counts them.
- Units named (通报): for cases overdue at the quarter's end, and for returning two or more cases as lead
  in the quarter.
- The good practices the office wrote for the quarter, and the office's saved fields (or proposed ones).

A bulletin is one document for everyone who reads it: the figures are the whole jurisdiction's whoever
asks (a unit head reads the same ranking the office issues), so the selector reads every case rather than
the reader's own slice. Who may read it at all is checked first (READER_ROLES).

Query count: about fifteen, whatever the number of cases, units or good practices.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Region, Role, Unit
from accounts.scope import has_role, scoped
from cases.deadlines import Thresholds
from cases.models import Assignment, Case
from cases.selectors import indicators as ind
from reports.models import Bulletin, GoodPractice
from reports.ranking import competition_rank

# Who reads bulletins (and downloads them); only the office writes them.
READER_ROLES = (Role.OFFICE, Role.AUDITOR, Role.LEADER, Role.UNIT_HEAD)
# A unit is named for returns when it sent back at least this many cases as lead in the quarter.
RETURNS_NAMED_FROM = 2
FIRST_YEAR = 2000
CHINESE_QUARTERS = {1: "一", 2: "二", 3: "三", 4: "四"}
# The word for "the whole jurisdiction" in the document's text, by the level of its region.
WHOLE_OF = {
    Region.Level.PROVINCE: "全省",
    Region.Level.CITY: "全市",
    Region.Level.COUNTY: "全县",
    Region.Level.TOWNSHIP: "全镇",
    Region.Level.VILLAGE: "全村",
}
# The indicators the bulletin ranks: (attribute of IndicatorRow, rank attribute of RankedRow).
RANKED_INDICATORS = (
    ("resolution_rate", "resolution_rank"),
    ("on_time_rate", "on_time_rank"),
    ("satisfaction_rate", "satisfaction_rank"),
)


class _WholeJurisdiction:
    """Reads cases as the office does (scope ALL): the bulletin is the same document for every reader."""

    is_authenticated = True
    is_active = True
    is_superuser = True
    pk = None
    unit_id = None
    unit = None
    enterprise_id = None


WHOLE_JURISDICTION = _WholeJurisdiction()


# Quarters -------------------------------------------------------------------------------------------------


def quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    """The first and last day of the quarter."""
    first_month = 3 * quarter - 2
    last_month = 3 * quarter
    return date(year, first_month, 1), date(year, last_month, calendar.monthrange(year, last_month)[1])


def quarter_of(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def check_quarter(year, quarter, *, today: date | None = None) -> None:
    """A quarter that has begun: a bulletin reports on what happened, not on what has not."""
    today = today or timezone.localdate()
    errors = {}
    if not isinstance(year, int) or isinstance(year, bool) or not FIRST_YEAR <= year <= today.year:
        errors["year"] = _("Give a year from %(first)s to %(last)s.") % {"first": FIRST_YEAR, "last": today.year}
    if not isinstance(quarter, int) or isinstance(quarter, bool) or quarter not in CHINESE_QUARTERS:
        errors["quarter"] = _("Give a quarter from 1 to 4.")
    if not errors and quarter_bounds(year, quarter)[0] > today:
        errors["quarter"] = _("The quarter has not begun yet.")
    if errors:
        raise ValidationError(errors)


def recent_quarters(today: date | None = None, *, count: int = 8) -> list[tuple[int, int]]:
    """The quarter under way and the ones before it, newest first."""
    year, quarter = quarter_of(today or timezone.localdate())
    quarters = []
    for _step in range(count):
        quarters.append((year, quarter))
        year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
        if year < FIRST_YEAR:
            break
    return quarters


def can_read(user) -> bool:
    return has_role(user, *READER_ROLES)


def require_reader(user) -> None:
    if not can_read(user):
        raise PermissionDenied(_("Bulletins are not available to your role."))


# The jurisdiction and the proposed fields ----------------------------------------------------------------


@dataclass
class Jurisdiction:
    office: Unit | None
    region: Region | None

    @property
    def whole(self) -> str:
        return WHOLE_OF.get(self.region.level, "全县") if self.region else "全县"


def jurisdiction() -> Jurisdiction:
    """The office that issues bulletins and the region they report on: the office unit's region, else the
    top of the region tree. One query (two without an office unit)."""
    office = (
        Unit.objects.filter(kind=Unit.Kind.OFFICE, is_active=True)
        .select_related("region")
        .order_by("depth", "path")
        .first()
    )
    if office is not None:
        return Jurisdiction(office, office.region)
    return Jurisdiction(None, Region.objects.filter(parent__isnull=True).order_by("code").first())


def proposed_fields(year: int, quarter: int, where: Jurisdiction | None = None, *, today: date | None = None) -> dict:
    """What a new bulletin starts from; the office edits every word. The document's wording is Chinese
    whatever the interface language: it is an official document (GB/T 9704), data like the seed's schemes."""
    where = where or jurisdiction()
    today = today or timezone.localdate()
    first, _last = quarter_bounds(year, quarter)
    cn = CHINESE_QUARTERS[quarter]
    issuer = where.office.name if where.office else ""
    return {
        "issuer": issuer,
        "document_number": "",
        "title": f"关于{year}年第{cn}季度助企服务工作情况的通报",
        "opening": (
            "各乡镇（街道）、园区，县直有关单位：\n"
            f"为推动企业反映的困难问题及时有效解决，按照“月调度、季通报、年考核”工作机制，现将{year}年第{cn}季度"
            f"{where.whole}助企服务工作情况通报如下。"
        ),
        "closing": (
            "受到通报的单位要认真分析原因，逐件整改到位；各单位要对照排名找差距、补短板，"
            f"切实提高问题解决率和企业满意率，确保动态解决率稳定在{ind.RESOLUTION_TARGET}%以上。"
        ),
        "issued_on": today if today >= first else None,
    }


FIELD_NAMES = ("issuer", "document_number", "title", "opening", "closing", "issued_on")


def saved_fields(bulletin: Bulletin) -> dict:
    return {name: getattr(bulletin, name) for name in FIELD_NAMES}


# The data --------------------------------------------------------------------------------------------------


@dataclass
class RankedRow:
    """One unit or locality: its counts, its rates and its rank on each rate (None: nothing to rank by)."""

    key: int | None
    label: str
    collected: int
    solved: int
    explained: int
    resolved: int
    resolved_on_time: int
    rated: int
    satisfied: int
    resolution_rate: Decimal | None
    on_time_rate: Decimal | None
    satisfaction_rate: Decimal | None
    resolution_rank: int | None = None
    on_time_rank: int | None = None
    satisfaction_rank: int | None = None

    @classmethod
    def of(cls, row: ind.IndicatorRow) -> RankedRow:
        return cls(
            key=row.key,
            label=row.label,
            collected=row.collected,
            solved=row.solved,
            explained=row.explained,
            resolved=row.resolved,
            resolved_on_time=row.resolved_on_time,
            rated=row.rated,
            satisfied=row.satisfied,
            resolution_rate=row.resolution_rate,
            on_time_rate=row.on_time_rate,
            satisfaction_rate=row.satisfaction_rate,
        )


@dataclass
class NamedUnit:
    """A unit named in the bulletin, and how many cases it is named for."""

    unit_id: int
    name: str
    count: int


@dataclass
class BulletinData:
    year: int
    quarter: int
    date_from: date
    date_to: date
    # The moment the overdue cases are counted at: the quarter's end, or now while the quarter runs.
    as_of: datetime
    quarter_over: bool
    jurisdiction: Jurisdiction
    total: ind.IndicatorRow
    units: list[RankedRow]
    localities: list[RankedRow]
    overdue_units: list[NamedUnit]
    returning_units: list[NamedUnit]
    good_practices: list[GoodPractice]
    bulletin: Bulletin | None
    fields: dict = field(default_factory=dict)

    @property
    def overdue_total(self) -> int:
        return sum(unit.count for unit in self.overdue_units)

    @property
    def quarter_cn(self) -> str:
        return CHINESE_QUARTERS[self.quarter]


def rank_rows(rows: list[ind.IndicatorRow]) -> list[RankedRow]:
    """Each row ranked on each indicator (highest first, ties share a rank), listed by the resolution rate's
    rank, then the on-time rate's, the satisfaction's and the label; rows without a rate come last."""
    ranked = [RankedRow.of(row) for row in rows]
    for attribute, rank_attribute in RANKED_INDICATORS:
        for entry in competition_rank(ranked, lambda r, a=attribute: getattr(r, a), highest_first=True):
            setattr(entry.item, rank_attribute, entry.rank)
    unranked = 10**6

    def order(row: RankedRow):
        return tuple(
            unranked if getattr(row, rank) is None else getattr(row, rank) for _attr, rank in RANKED_INDICATORS
        ) + (-row.collected, row.label)

    return sorted(ranked, key=order)


def _scoped_cases(region: Region | None):
    cases = scoped(WHOLE_JURISDICTION, Case.objects.all())
    if region is not None:
        cases = cases.filter(enterprise__region__path__startswith=region.path)
    return cases.order_by()


def overdue_units(region: Region | None, *, as_of: datetime, now: datetime) -> list[NamedUnit]:
    """The units leading cases that were overdue at `as_of`, with how many; one query.

    While the quarter runs (`as_of` is now) this is the live overdue queue (running clock past its
    deadline). For a quarter that is over it is read back from the cases' timestamps: assigned before the
    end, its deadline before the end, not resolved by then, not rejected. The deadline and lead unit are the
    ones the case has now; a pause at the quarter's end is not known afterwards."""
    cases = _scoped_cases(region).filter(lead_unit__isnull=False)
    if as_of >= now:
        cases = cases.filter(Thresholds.at(now).overdue_q())
    else:
        cases = cases.filter(
            Q(resolved_at__isnull=True) | Q(resolved_at__gte=as_of),
            first_assigned_at__lt=as_of,
            due_at__lt=as_of,
        ).exclude(state=Case.State.REJECTED)
    rows = (
        cases.values("lead_unit_id", "lead_unit__name", "lead_unit__path")
        .annotate(n=Count("pk"))
        .order_by("-n", "lead_unit__path")
    )
    return [NamedUnit(row["lead_unit_id"], row["lead_unit__name"], row["n"]) for row in rows]


def returning_units(region: Region | None, *, start: datetime, end: datetime) -> list[NamedUnit]:
    """The units that returned RETURNS_NAMED_FROM or more cases as lead from `start` to `end`; one query."""
    returns = Assignment.objects.filter(
        role=Assignment.Role.LEAD,
        returned_at__gte=start,
        returned_at__lt=end,
        case__in=_scoped_cases(region).values("pk"),
    )
    rows = (
        returns.values("unit_id", "unit__name", "unit__path")
        .annotate(n=Count("case_id", distinct=True))
        .filter(n__gte=RETURNS_NAMED_FROM)
        .order_by("-n", "unit__path")
    )
    return [NamedUnit(row["unit_id"], row["unit__name"], row["n"]) for row in rows]


def good_practices(year: int, quarter: int) -> list[GoodPractice]:
    return list(
        GoodPractice.objects.filter(year=year, quarter=quarter).select_related("unit").order_by("sort_order", "pk")
    )


def bulletin_data(user, year: int, quarter: int, *, now: datetime | None = None) -> BulletinData:
    """Everything the quarter's bulletin says. PermissionDenied for a role that does not read bulletins,
    ValidationError for a quarter that has not begun."""
    require_reader(user)
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    check_quarter(year, quarter, today=today)
    first, last = quarter_bounds(year, quarter)
    start, end = ind.period_bounds(first, last)
    as_of = min(end, now)
    where = jurisdiction()
    region_id = where.region.pk if where.region else None
    by_unit = ind.indicators(
        WHOLE_JURISDICTION,
        date_from=first,
        date_to=last,
        group_by="unit",
        region_id=region_id,
        now=now,
        working_days=False,  # the bulletin ranks rates; the working days would only cost time
    )
    units = rank_rows([row for row in by_unit.rows if row.key is not None])
    localities: list[RankedRow] = []
    if where.region is not None:
        by_region = ind.indicators(
            WHOLE_JURISDICTION,
            date_from=first,
            date_to=last,
            group_by="region",
            region_id=region_id,
            now=now,
            working_days=False,
        )
        # Enterprises located in the jurisdiction itself rather than in one of its parts are no locality.
        parts = [row for row in by_region.rows if row.key is not None and row.key != region_id]
        localities = rank_rows(parts)
    bulletin = Bulletin.objects.filter(year=year, quarter=quarter).select_related("updated_by").first()
    fields = saved_fields(bulletin) if bulletin else proposed_fields(year, quarter, where, today=today)
    return BulletinData(
        year=year,
        quarter=quarter,
        date_from=first,
        date_to=last,
        as_of=as_of,
        quarter_over=end <= now,
        jurisdiction=where,
        total=by_unit.total,
        units=units,
        localities=localities,
        overdue_units=overdue_units(where.region, as_of=as_of, now=now),
        returning_units=returning_units(where.region, start=start, end=end),
        good_practices=good_practices(year, quarter),
        bulletin=bulletin,
        fields=fields,
    )


@dataclass
class QuarterStatus:
    year: int
    quarter: int
    bulletin: Bulletin | None
    good_practices: int

    @property
    def status(self) -> str:
        if self.bulletin is None:
            return "none"
        return "dated" if self.bulletin.issued_on else "draft"


def bulletin_list(user, *, today: date | None = None) -> list[QuarterStatus]:
    """The recent quarters and every quarter with a saved bulletin, newest first, each with its bulletin and
    how many good practices it has. Two queries."""
    require_reader(user)
    today = today or timezone.localdate()
    bulletins = {
        (b.year, b.quarter): b
        for b in scoped(user, Bulletin.objects.select_related("updated_by")).order_by("-year", "-quarter")
    }
    counts = {
        (row["year"], row["quarter"]): row["n"]
        for row in GoodPractice.objects.values("year", "quarter").annotate(n=Count("pk")).order_by()
    }
    keys = sorted(set(recent_quarters(today)) | set(bulletins), reverse=True)
    return [QuarterStatus(y, q, bulletins.get((y, q)), counts.get((y, q), 0)) for y, q in keys]
