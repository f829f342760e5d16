"""The named enterprise facts that eligibility rules are written over (DESIGN.md §6).

Each fact is computed two ways that must give the same value:

- in SQL, as annotations on an Enterprise queryset (`Fact.annotate(queryset, on)`), so that a rule compiles to
  one query over every enterprise (policies.rules.compile_q);
- in Python, for one enterprise (`facts_for(enterprise, on)`), so that the enterprise can be told why each
  condition passed or failed (policies.rules.evaluate).

`on` is the reference date. "Last year" is the calendar year before it; a yearly figure is the sum of that
year's reported months (None when no month of the year reported it). Money is in 万元. Ratios and growth are
percentages rounded half away from zero to 2 decimals, in both evaluations, so that they compare alike on SQLite
(floating point) and PostgreSQL (numeric). A fact that is not known is None (NULL in SQL).

docs/policies/rules.md describes every fact.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Case,
    CharField,
    DecimalField,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Abs, ExtractMonth, ExtractYear, NullIf, Round
from django.db.models.lookups import Exact, IsNull
from django.utils.translation import gettext_lazy as _

from enterprises.models import Enterprise, MonthlyFigure, Tag

# Fact types.
BOOL, NUMBER, ENUM, ID, CODE, SET = "bool", "number", "enum", "id", "code", "set"

TWO_DECIMALS = Decimal("0.01")
# Each level of a materialised path adds "00000042/" (core.models.tree_path): a region is within region R when
# its path contains R's step.
PATH_STEP = "/{:08d}/"
# The prefix every fact's annotation carries, so that facts never clash with the model's own fields.
ANNOTATION_PREFIX = "fact_"

UNIT_MONEY = _("10k yuan")
UNIT_PERCENT = "%"
UNIT_YEARS = _("years")
UNIT_PEOPLE = _("people")


class ToNumeric(Func):
    """CAST(x AS numeric) on PostgreSQL; CAST(x AS REAL) on SQLite, whose NUMERIC keeps whole numbers as
    integers (and would make 60 * 100 / 2000 an integer division)."""

    template = "CAST(%(expressions)s AS numeric)"
    output_field = DecimalField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template="CAST(%(expressions)s AS REAL)", **extra_context)


def round2(value) -> Decimal | None:
    """The Python twin of SQL ROUND(x, 2): half away from zero."""
    if value is None:
        return None
    return Decimal(value).quantize(TWO_DECIMALS, ROUND_HALF_UP)


def _year_sum(name: str, year: int):
    """The sum of figure `name` over the reported months of `year`, rounded to 2 decimals (NULL if none)."""
    rows = (
        MonthlyFigure.objects.filter(
            enterprise=OuterRef("pk"), period__gte=date(year, 1, 1), period__lte=date(year, 12, 1)
        )
        .order_by()
        .values("enterprise")
        .annotate(total=Sum(name))
        .values("total")
    )
    return Round(ToNumeric(Subquery(rows, output_field=DecimalField())), 2, output_field=DecimalField())


def _nonzero(expression) -> Q:
    """A condition that holds when `expression` is neither NULL nor zero."""
    return Q(IsNull(expression, False)) & ~Q(Exact(expression, Value(0)))


@dataclass(frozen=True)
class Fact:
    """A named fact: its type, label, the operators rules may apply to it, and its SQL annotation(s)."""

    name: str
    type: str
    label: str
    operators: tuple[str, ...]
    unit: str = ""
    choices: tuple[str, ...] = ()  # the allowed values of an enum
    # The annotations (name → expression) that give the fact in SQL, given the reference date.
    expressions: Callable[[date], dict] | None = field(default=None, repr=False)

    @property
    def attname(self) -> str:
        return ANNOTATION_PREFIX + self.name

    def annotations(self, on: date) -> dict:
        return self.expressions(on) if self.expressions else {}

    def annotate(self, queryset: QuerySet, on: date) -> QuerySet:
        """The queryset with the fact as an annotation (`fact_<name>`), as of `on`."""
        return queryset.annotate(**self.annotations(on))


def _last_year(on: date) -> int:
    return on.year - 1


def _years_since(on: date):
    # Whole years from the founding date up to `on`: a year is complete on the anniversary.
    not_yet = Q(founded_on__month__gt=on.month) | Q(founded_on__month=on.month, founded_on__day__gt=on.day)
    return Value(on.year) - ExtractYear("founded_on") - Case(When(not_yet, then=Value(1)), default=Value(0))


def _employees(on: date):
    latest = (
        MonthlyFigure.objects.filter(enterprise=OuterRef("pk"), period__lte=on, employees__isnull=False)
        .order_by("-period")
        .values("employees")[:1]
    )
    return Subquery(latest, output_field=IntegerField())


def _revenue_in_months_of(year: int, other_year: int):
    """Last-year-style revenue sum of `year`, over only the months whose revenue `other_year` reported too."""
    also_reported = MonthlyFigure.objects.filter(
        enterprise=OuterRef("enterprise"),
        period__year=other_year,
        period__month=ExtractMonth(OuterRef("period")),
        revenue__isnull=False,
    )
    rows = (
        MonthlyFigure.objects.filter(
            Exists(also_reported),
            enterprise=OuterRef("pk"),
            period__gte=date(year, 1, 1),
            period__lte=date(year, 12, 1),
            revenue__isnull=False,
        )
        .order_by()
        .values("enterprise")
        .annotate(total=Sum("revenue"))
        .values("total")
    )
    return Round(ToNumeric(Subquery(rows, output_field=DecimalField())), 2, output_field=DecimalField())


def _revenue_growth(on: date):
    # Like for like (同比): the months reported in both years, so that a year reported from March is not
    # compared with a full year before it.
    year = _last_year(on)
    this, base = _revenue_in_months_of(year, year - 1), _revenue_in_months_of(year - 1, year)
    growth = Round(
        (ToNumeric(this) - ToNumeric(base)) * Value(100) / Abs(ToNumeric(base)), 2, output_field=DecimalField()
    )
    return Case(
        When(_nonzero(base), then=growth),
        default=Value(None),
        output_field=DecimalField(),
    )


def _rd_ratio(on: date):
    year = _last_year(on)
    revenue, rd = _year_sum("revenue", year), _year_sum("rd_spend", year)
    ratio = Round(ToNumeric(rd) * Value(100) / ToNumeric(revenue), 2, output_field=DecimalField())
    return Case(When(_nonzero(revenue), then=ratio), default=Value(None), output_field=DecimalField())


def _money(figure: str):
    return lambda on: {ANNOTATION_PREFIX + _money_fact[figure]: _year_sum(figure, _last_year(on))}


_money_fact = {
    "revenue": "last_year_revenue",
    "total_profit": "last_year_profit",
    "tax_paid": "last_year_tax",
}

NUMBER_OPS = ("eq", "gte", "lte", "between")
Size = Enterprise.Size

FACTS: dict[str, Fact] = {
    fact.name: fact
    for fact in (
        Fact(
            "industry",
            CODE,
            _("industry"),
            ("eq", "in"),
            expressions=lambda on: {
                "fact_industry": F("industry_id"),
                "fact_industry_section": F("industry__section"),
            },
        ),
        Fact(
            "region",
            ID,
            _("region"),
            ("eq", "in", "within_region"),
            expressions=lambda on: {"fact_region": F("region_id"), "fact_region_path": F("region__path")},
        ),
        Fact("park", ID, _("park"), ("eq", "in"), expressions=lambda on: {"fact_park": F("park_id")}),
        Fact(
            "above_scale",
            BOOL,
            _("above designated size"),
            ("eq",),
            expressions=lambda on: {"fact_above_scale": F("above_scale")},
        ),
        Fact(
            "size",
            ENUM,
            _("size class"),
            ("eq", "in"),
            choices=tuple(Size.values),
            expressions=lambda on: {"fact_size": NullIf(F("size"), Value(""), output_field=CharField())},
        ),
        # Tags are a set: `has_tag` is an EXISTS over the enterprise's tags, there is no column to annotate.
        Fact("tags", SET, _("tags"), ("has_tag",)),
        Fact(
            "years_since_founding",
            NUMBER,
            _("years since founding"),
            NUMBER_OPS,
            unit=UNIT_YEARS,
            expressions=lambda on: {"fact_years_since_founding": _years_since(on)},
        ),
        Fact(
            "last_year_revenue",
            NUMBER,
            _("last year's revenue"),
            NUMBER_OPS,
            unit=UNIT_MONEY,
            expressions=_money("revenue"),
        ),
        Fact(
            "last_year_profit",
            NUMBER,
            _("last year's total profit"),
            NUMBER_OPS,
            unit=UNIT_MONEY,
            expressions=_money("total_profit"),
        ),
        Fact(
            "last_year_tax",
            NUMBER,
            _("last year's tax paid"),
            NUMBER_OPS,
            unit=UNIT_MONEY,
            expressions=_money("tax_paid"),
        ),
        Fact(
            "last_year_rd_ratio",
            NUMBER,
            _("last year's R&D spend ratio"),
            NUMBER_OPS,
            unit=UNIT_PERCENT,
            expressions=lambda on: {"fact_last_year_rd_ratio": _rd_ratio(on)},
        ),
        Fact(
            "employees",
            NUMBER,
            _("employees"),
            NUMBER_OPS,
            unit=UNIT_PEOPLE,
            expressions=lambda on: {"fact_employees": _employees(on)},
        ),
        Fact(
            "revenue_growth",
            NUMBER,
            _("revenue growth last year"),
            NUMBER_OPS,
            unit=UNIT_PERCENT,
            expressions=lambda on: {"fact_revenue_growth": _revenue_growth(on)},
        ),
    )
}


def annotate_facts(queryset: QuerySet, names, on: date, *, alias: bool = False) -> QuerySet:
    """The queryset with the facts `names` as annotations (or, with alias=True, usable in filters without
    being selected)."""
    expressions = {}
    for name in names:
        expressions.update(FACTS[name].annotations(on))
    if not expressions:
        return queryset
    return queryset.alias(**expressions) if alias else queryset.annotate(**expressions)


def has_tag_q(code: str) -> Q:
    """True when the enterprise carries the tag `code` (never NULL)."""
    through = Enterprise.tags.through
    return Q(Exists(through.objects.filter(enterprise_id=OuterRef("pk"), tag__code=code)))


# Python values for one enterprise.


@dataclass
class EnterpriseFacts:
    """One enterprise's facts as of `on`, with what the reasons need to name things."""

    enterprise_id: int
    on: date
    values: dict
    industry_section: str | None = None
    industry_name: str = ""
    region_path: str = ""
    region_names: dict[int, str] = field(default_factory=dict)  # the region and its ancestors
    park_name: str = ""
    tag_names: dict[str, str] = field(default_factory=dict)  # every tag of the dictionary, by code

    def __getitem__(self, name: str):
        return self.values[name]


def _sum(values) -> Decimal | None:
    present = [Decimal(value) for value in values if value is not None]
    return round2(sum(present, Decimal(0))) if present else None


def percent_of(numerator, denominator) -> Decimal | None:
    if numerator is None or denominator is None or denominator == 0:
        return None
    return round2(Decimal(numerator) * 100 / Decimal(denominator))


def growth(current, base) -> Decimal | None:
    if current is None or base is None or base == 0:
        return None
    return round2((Decimal(current) - Decimal(base)) * 100 / abs(Decimal(base)))


def _like_for_like_growth(last_year: list[dict], year_before: list[dict]) -> Decimal | None:
    """Revenue growth over the months whose revenue both years reported (see _revenue_growth)."""
    this = {row["period"].month: row["revenue"] for row in last_year if row["revenue"] is not None}
    base = {row["period"].month: row["revenue"] for row in year_before if row["revenue"] is not None}
    common = sorted(this.keys() & base.keys())
    return growth(_sum(this[month] for month in common), _sum(base[month] for month in common))


def whole_years(founded: date | None, on: date) -> int | None:
    if founded is None:
        return None
    return on.year - founded.year - ((founded.month, founded.day) > (on.month, on.day))


def facts_for(enterprise: Enterprise, on: date, *, tag_names: dict[str, str] | None = None) -> EnterpriseFacts:
    """The enterprise's facts as of `on`, in Python: at most five queries (the enterprise's industry, region
    and park, its region's ancestors, its figures, its tags and the tag dictionary). `tag_names` (code → name)
    may be passed when evaluating many enterprises, to read the dictionary once."""
    enterprise = Enterprise.objects.select_related("industry", "region", "park").get(pk=enterprise.pk)
    year = _last_year(on)
    rows = list(
        MonthlyFigure.objects.filter(enterprise=enterprise, period__lte=on)
        .order_by("period")
        .values("period", "revenue", "total_profit", "tax_paid", "rd_spend", "employees")
    )
    last_year = [row for row in rows if row["period"].year == year]
    year_before = [row for row in rows if row["period"].year == year - 1]
    with_employees = [row for row in rows if row["employees"] is not None]
    revenue = _sum(row["revenue"] for row in last_year)
    if tag_names is None:
        tag_names = dict(Tag.objects.values_list("code", "name"))
    region_path = enterprise.region.path
    ancestor_ids = [int(step) for step in region_path.strip("/").split("/") if step]
    region_names = dict(type(enterprise.region).objects.filter(pk__in=ancestor_ids).values_list("pk", "name"))
    values = {
        "industry": enterprise.industry_id,
        "region": enterprise.region_id,
        "park": enterprise.park_id,
        "above_scale": enterprise.above_scale,
        "size": enterprise.size or None,
        "tags": frozenset(enterprise.tags.values_list("code", flat=True)),
        "years_since_founding": whole_years(enterprise.founded_on, on),
        "last_year_revenue": revenue,
        "last_year_profit": _sum(row["total_profit"] for row in last_year),
        "last_year_tax": _sum(row["tax_paid"] for row in last_year),
        "last_year_rd_ratio": percent_of(_sum(row["rd_spend"] for row in last_year), revenue),
        "employees": with_employees[-1]["employees"] if with_employees else None,
        "revenue_growth": _like_for_like_growth(last_year, year_before),
    }
    return EnterpriseFacts(
        enterprise_id=enterprise.pk,
        on=on,
        values=values,
        industry_section=enterprise.industry.section if enterprise.industry_id else None,
        industry_name=enterprise.industry.name if enterprise.industry_id else "",
        region_path=region_path,
        region_names=region_names,
        park_name=enterprise.park.name if enterprise.park_id else "",
        tag_names=tag_names,
    )
