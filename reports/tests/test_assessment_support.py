"""Helpers the annual assessment tests share (imported by the other test_assessment_* modules; no tests
here). Rows are written straight to the database: the scoring reads stored state only.

Today is 2 December 2026, 10:00 China time (frozen). Most examples score 2025, a past year: all twelve
months are in its period and its figures run to December. The county of the root conftest is used, with
a third township (陈家坊镇) and a park (经开区) added where the rankings need them.
"""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import translation

from accounts.models import Region, Unit
from cases.models import Case
from cases.tests.test_indicators_support import make_case
from conftest import make_credit_code
from enterprises.models import AssistancePlan, Enterprise, Industry, Linkage, MonthlyFigure, PlanGoal, Visit
from reports import scoring
from reports.models import AssessmentEvidence, MonthlyReport

CHINA = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 2, 10, 0, tzinfo=CHINA)
PAST = 2025
S = Case.State
O = Case.Outcome  # noqa: E741
R = Case.Rating
K = AssessmentEvidence.Kind
_serial = itertools.count(100)


def at(year, month, day, hour=10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=CHINA)


@pytest.fixture
def assessment_frozen():
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def assessment_english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def D(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def ctx(year, *units, today=None, region=None) -> scoring.Context:
    return scoring.Context(year=year, units=list(units), today=today or NOW.date(), jurisdiction_region=region)


def enterprise(name, region, *, above_scale=False, industrial=True, park=None) -> Enterprise:
    return Enterprise.objects.create(
        credit_code=make_credit_code(next(_serial)),
        name=name,
        region=region,
        park=park,
        above_scale=above_scale,
        industry=Industry.objects.get(code="13" if industrial else "51") if above_scale or industrial else None,
    )


def link(ent, year, unit, *, leader=None, cadres=()) -> Linkage:
    # The root conftest links ent_b to 工信局 last year (2025): replace a linkage that is there.
    linkage, _created = Linkage.objects.update_or_create(
        enterprise=ent, year=year, defaults={"lead_unit": unit, "leader": leader}
    )
    linkage.cadres.add(*cadres)
    return linkage


def closed_case(ent, lead, *, closed, outcome=O.SOLVED, rating=R.SATISFIED, state=S.CLOSED, resolved=None) -> Case:
    """A case of `ent` led by `lead`, resolved (by default the day before `closed`) and closed."""
    resolved = resolved or closed - timedelta(hours=1)
    return make_case(
        ent,
        submitted_at=resolved.replace(day=1, hour=8),
        state=state,
        lead=lead,
        assigned_at=resolved.replace(day=1, hour=8),
        accepted_at=resolved.replace(day=1, hour=8),
        outcome=outcome,
        resolved_at=resolved,
        resolved_on_time=True,
        rating=rating,
        rated_at=resolved if rating else None,
        closed_at=closed if state == S.CLOSED else None,
    )


def add_evidence(
    county, unit, kind, *, year=PAST, on=None, points=None, case=None, description="经验做法"
) -> AssessmentEvidence:
    return AssessmentEvidence.objects.create(
        unit=unit,
        year=year,
        kind=kind,
        occurred_on=on or date(year, 6, 1),
        description=description,
        source="县委办" if kind != K.DEGREE_SCORE else "",
        case=case,
        points=points,
        created_by=county.office_user,
    )


def plan(ent, year, goals, *, status=AssistancePlan.Status.ACTIVE) -> AssistancePlan:
    """A plan with one goal per entry of `goals` (True achieved, False not, None undecided)."""
    p = AssistancePlan.objects.create(
        enterprise=ent, year=year, category=AssistancePlan.Category.TURNAROUND, status=status
    )
    for index, achieved in enumerate(goals):
        PlanGoal.objects.create(
            plan=p, name=f"目标{index + 1}", target=100, actual=120 if achieved else 80, achieved=achieved
        )
    return p


def report(
    unit, year, month, *, day=15, late=False, status=MonthlyReport.Status.SUBMITTED, submitted=True
) -> MonthlyReport:
    submitted_at = at(year, month, day) if submitted else None
    return MonthlyReport.objects.create(
        unit=unit,
        month=date(year, month, 1),
        due_on=date(year, month, 20),
        status=status,
        submitted_at=submitted_at,
        is_late=late,
    )


def visit(ent, visitor, on: date, unit=None) -> Visit:
    return Visit.objects.create(enterprise=ent, visitor=visitor, unit=unit, visited_on=on)


def profit(ent, year, month, value) -> MonthlyFigure:
    return MonthlyFigure.objects.create(enterprise=ent, period=date(year, month, 1), total_profit=Decimal(value))


def add_territories(county):
    """A third township 陈家坊镇 (region 430522102) with its government, and the park 经开区 (region: the
    county; it answers for the enterprises registered in the park)."""
    c = county
    c.town_c = Region.objects.create(code="430522102", name="陈家坊镇", level=Region.Level.TOWNSHIP, parent=c.region)
    c.town_c_gov = Unit.objects.create(
        code="430522-CJF", name="陈家坊镇人民政府", kind=Unit.Kind.TOWNSHIP, parent=c.gov, region=c.town_c
    )
    c.park = Unit.objects.create(
        code="430522-JKQ", name="新邵经开区", kind=Unit.Kind.PARK, parent=c.gov, region=c.region
    )
    return c


@pytest.fixture
def assessment_territories(county):
    c = add_territories(county)
    # 酿溪镇: two profitable enterprises (100 = 40 + 60 over two months, and 200) → 0.0 %, profit 300.
    a1 = enterprise("酿溪甲厂", c.town_a, above_scale=True)
    a2 = enterprise("酿溪乙厂", c.town_a, above_scale=True)
    profit(a1, PAST, 1, 40)
    profit(a1, PAST, 12, 60)
    profit(a2, PAST, 6, 200)
    # Not counted: below scale, not industrial, and 2026's figures.
    profit(enterprise("酿溪小厂", c.town_a), PAST, 6, -500)
    profit(enterprise("酿溪商贸", c.town_a, above_scale=True, industrial=False), PAST, 6, -500)
    profit(a2, PAST + 1, 1, -900)
    # 雀塘镇: one profitable (40) and one that did not report → 0.0 %, profit 40.
    profit(enterprise("雀塘甲厂", c.town_b, above_scale=True), PAST, 3, 40)
    enterprise("雀塘乙厂", c.town_b, above_scale=True)
    # 陈家坊镇: 60 and −10 → 1 of 2 → 50.0 %, profit 50.
    profit(enterprise("陈家坊甲厂", c.town_c, above_scale=True), PAST, 3, 60)
    profit(enterprise("陈家坊乙厂", c.town_c, above_scale=True), PAST, 3, -10)
    # 经开区 (its region is the county's): no above-scale enterprise registered in the park → unranked.
    c.units = [c.town_a_gov, c.town_b_gov, c.town_c_gov, c.park]
    return c


@pytest.fixture
def assessment_departments(county):
    """2025 for the departments, every item of the seed's scheme (40/20/10/10/20):

    item              工信局                                   发改局
    1 goals           ent_a 1 of 2 + ent_b 2 of 2 → 40×3÷4 = 30  ent_c 1 of 1 → 40
    2 cases solved    1 case → 10, + degree 3 → 13              2 cases → 20
    3 evidence        1 commendation → 2                        none → 0
    4 proactive       1 case of ent_c, 满意 → 2                 none → 0
    5 daily work      12 of 12 months → 20                      ent_c visited in 6 months → 20×6÷12 = 10
    total             67 (rank 2)                              70 (rank 1)
    """
    c = county
    link(c.ent_a, PAST, c.gxj, leader=c.leader, cadres=[c.cadre])
    link(c.ent_b, PAST, c.gxj)
    link(c.ent_c, PAST, c.fgj)
    plan(c.ent_a, PAST, [True, False])
    plan(c.ent_b, PAST, [True, True])
    plan(c.ent_c, PAST, [True])
    c.gxj_case = closed_case(c.ent_a, c.gxj, closed=at(PAST, 3, 10))
    stuck = closed_case(c.ent_b, c.gxj, closed=at(PAST, 4, 10), outcome=O.NOT_SOLVED, rating=R.UNRATED)
    c.degree = add_evidence(c, c.gxj, K.DEGREE_SCORE, points=Decimal(3), case=stuck, description="部分解决")
    closed_case(c.ent_c, c.fgj, closed=at(PAST, 5, 10))
    closed_case(c.ent_c, c.fgj, closed=at(PAST, 6, 10))
    c.commendation = add_evidence(c, c.gxj, K.COMMENDATION, description="县长批示表扬")
    c.proactive_case = closed_case(c.ent_c, c.gxj, closed=at(PAST, 7, 10))
    for month in range(1, 13):
        report(c.gxj, PAST, month)
        report(c.fgj, PAST, month)
        visit(c.ent_a, c.cadre, date(PAST, month, 3), unit=c.fgj)
        visit(c.ent_b, c.gxj_handler, date(PAST, month, 4), unit=c.gxj)
        if month % 2:
            visit(c.ent_c, c.fgj_handler, date(PAST, month, 5), unit=c.fgj)
    return c


@pytest.fixture
def assessment_territorial(assessment_territories):
    """2025 for the territories, every item of the seed's scheme (30/30/20/20), on the `assessment_territories`
    figures:

    unit      goals              loss ratio      profit        daily work              total  rank
    酿溪镇    ent_a 1 of 1 → 30   0.0 % (1) → 30   300 (1) → 20   12 of 12 → 20            100    1
    雀塘镇    none → 0           0.0 % (1) → 30    40 (3) → 18   12 of 12 (no linkage) → 20  68    2
    陈家坊镇  none → 0           50.0 % (3) → 28   50 (2) → 19   no report → 0             47    3
    经开区    none → 0           unranked → 0     unranked → 0  no report → 0              0    4
    """
    c = assessment_territories
    link(c.ent_a, PAST, c.town_a_gov)
    plan(c.ent_a, PAST, [True])
    for month in range(1, 13):
        report(c.town_a_gov, PAST, month)
        report(c.town_b_gov, PAST, month)
        visit(c.ent_a, c.town_a_handler, date(PAST, month, 2), unit=c.town_a_gov)
    return c
