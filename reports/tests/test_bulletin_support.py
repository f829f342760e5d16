"""The hand-built quarter the bulletin tests share (imported by the other test_bulletin_* modules; no tests
here). Cases are written straight to the database: the bulletin reads rows.

The third quarter of 2026 (1 July – 30 September), read on 15 October 2026 at noon, China time. The county
of the root conftest gets a third township, 陈家坊镇, with one enterprise (ent_d).

    case  enterprise (town)  lead         state        outcome    on time  rating    due
    G1    ent_a (酿溪镇)     工信局        closed       solved     yes      满意
    G2    ent_a (酿溪镇)     工信局        resolved     solved     no       不满意
    F1    ent_b (雀塘镇)     发改局        closed       solved     yes      满意
    F2    ent_b (雀塘镇)     发改局        resolved     explained  yes      基本满意
    T1    ent_c (酿溪镇)     酿溪镇政府    resolved     solved     yes      (unrated)
    T2    ent_c (酿溪镇)     酿溪镇政府    in_progress                                 9-20 (returned by 发改局 first)
    T3    ent_c (酿溪镇)     酿溪镇政府    in_progress                                 9-25 (returned by 发改局 first)
    T4    ent_c (酿溪镇)     酿溪镇政府    in_progress                                 10-20 (returned by 工信局 first)
    S1    ent_c (酿溪镇)     中小企业股    in_progress                                 9-28 (returned by 中小企业股 first)
    S2    ent_d (陈家坊镇)   中小企业股    closed       solved     yes      满意
    X2    ent_a (酿溪镇)     —            submitted
    X3    ent_a (酿溪镇)     —            rejected
    X1    ent_b, submitted 10 June (second quarter), 发改局, due 6-30, solved 5 October (returned by 中小企业股 in June)

Lead units (resolution / on time / satisfaction, ranks):
    发改局      100.0 (1)  100.0 (1)  100.0 (1)
    工信局      100.0 (1)   50.0 (4)   50.0 (3)
    中小企业股   50.0 (3)  100.0 (1)  100.0 (1)
    酿溪镇政府   25.0 (4)  100.0 (1)      — (unranked)
Localities: 雀塘镇 and 陈家坊镇 100.0 on all three (rank 1, 1), 酿溪镇 37.5 / 66.7 / 50.0 (rank 3).
Whole: collected 12, rejected 1, solved 5 + explained 1 → 6 ÷ 11 = 54.5 %; on time 5 ÷ 6 = 83.3 %;
satisfied 4 ÷ 5 rated = 80.0 %.
Overdue at the quarter's end: 酿溪镇政府 2 (T2, T3), 中小企业股 1 (S1), 发改局 1 (X1). Overdue now (15
October): 酿溪镇政府 2, 中小企业股 1.
Returns as lead in the quarter: 发改局 2 (named), 工信局 1, 中小企业股 1 (its other one was in June);
雀塘镇政府's two returns as co-handler do not count.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import translation

from accounts.models import Region
from cases.models import Assignment, Case
from cases.tests.test_indicators_support import make_case
from conftest import make_credit_code
from enterprises.models import Enterprise
from reports.models import GoodPractice

CHINA = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 10, 15, 12, 0, tzinfo=CHINA)
S = Case.State
O = Case.Outcome  # noqa: E741
R = Case.Rating


def at(month, day, hour=9, year=2026) -> datetime:
    return datetime(year, month, day, hour, tzinfo=CHINA)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def resolved(enterprise, lead, *, submitted, due, done, outcome=O.SOLVED, rating="", state=S.RESOLVED, **extra):
    return make_case(
        enterprise,
        submitted_at=submitted,
        state=state,
        lead=lead,
        assigned_at=submitted,
        accepted_at=submitted,
        due_at=due,
        outcome=outcome,
        resolved_at=done,
        resolved_on_time=done <= due,
        rating=rating,
        **extra,
    )


def handling(enterprise, lead, *, submitted, due, returned_by=None, **extra):
    return make_case(
        enterprise,
        submitted_at=submitted,
        state=S.IN_PROGRESS,
        lead=lead,
        assigned_at=submitted,
        accepted_at=submitted,
        due_at=due,
        returned_by=returned_by,
        **extra,
    )


def add_practice(county, title, *, year=2026, quarter=3, sort_order=0, unit=None, body="做法一。\n做法二。"):
    return GoodPractice.objects.create(
        year=year, quarter=quarter, title=title, body=body, sort_order=sort_order, unit=unit,
        created_by=county.office_user,
    )  # fmt: skip


@pytest.fixture
def quarter(county, frozen):
    """The third quarter of 2026 of the module docstring; `county.cases` maps names to cases."""
    c = county
    c.town_c = Region.objects.create(code="430522102", name="陈家坊镇", level=Region.Level.TOWNSHIP, parent=c.region)
    c.ent_d = Enterprise.objects.create(credit_code=make_credit_code(4), name="陈家坊纺织有限公司", region=c.town_c)
    cases = {}
    cases["G1"] = resolved(
        c.ent_a, c.gxj, submitted=at(7, 6), due=at(7, 13), done=at(7, 10), rating=R.SATISFIED, state=S.CLOSED
    )
    cases["G2"] = resolved(c.ent_a, c.gxj, submitted=at(8, 3), due=at(8, 10), done=at(8, 20), rating=R.UNSATISFIED)
    cases["F1"] = resolved(
        c.ent_b, c.fgj, submitted=at(7, 8), due=at(7, 15), done=at(7, 9), rating=R.SATISFIED, state=S.CLOSED
    )
    cases["F2"] = resolved(
        c.ent_b, c.fgj, submitted=at(8, 8), due=at(8, 15), done=at(8, 14), outcome=O.EXPLAINED,
        rating=R.BASICALLY_SATISFIED,
    )  # fmt: skip
    cases["T1"] = resolved(c.ent_c, c.town_a_gov, submitted=at(7, 20), due=at(7, 27), done=at(7, 22))
    cases["T2"] = handling(c.ent_c, c.town_a_gov, submitted=at(9, 1), due=at(9, 20), returned_by=c.fgj)
    cases["T3"] = handling(c.ent_c, c.town_a_gov, submitted=at(9, 2), due=at(9, 25), returned_by=c.fgj)
    cases["T4"] = handling(c.ent_c, c.town_a_gov, submitted=at(9, 10), due=at(10, 20), returned_by=c.gxj)
    cases["S1"] = handling(c.ent_c, c.gxj_sme, submitted=at(9, 3), due=at(9, 28), returned_by=c.gxj_sme)
    cases["S2"] = resolved(
        c.ent_d, c.gxj_sme, submitted=at(8, 1), due=at(8, 8), done=at(8, 5), rating=R.SATISFIED, state=S.CLOSED
    )
    cases["X2"] = make_case(c.ent_a, submitted_at=at(9, 15))
    cases["X3"] = make_case(c.ent_a, submitted_at=at(9, 16), state=S.REJECTED)
    cases["X1"] = resolved(c.ent_b, c.fgj, submitted=at(6, 10), due=at(6, 30), done=at(10, 5), returned_by=c.gxj_sme)
    # 雀塘镇政府 returned its co-handling of G1 and G2: co-handlers are not named for returns.
    for name in ("G1", "G2"):
        Assignment.objects.create(
            case=cases[name], unit=c.town_b_gov, role=Assignment.Role.CO, state=Assignment.State.RETURNED,
            assigned_at=cases[name].submitted_at, returned_at=cases[name].submitted_at,
        )  # fmt: skip
    c.cases = cases
    return c


def more_cases(county, n: int) -> None:
    """n more third-quarter cases over new units, to show that the query count does not grow."""
    from accounts.models import Unit

    for i in range(n):
        unit = Unit.objects.create(code=f"430522-X{i}", name=f"县局{i}", kind=Unit.Kind.DEPARTMENT, parent=county.gov,
                                   region=county.region)  # fmt: skip
        resolved(county.ent_b, unit, submitted=at(7, 10 + i % 10), due=at(7, 25), done=at(7, 20), rating=R.SATISFIED)
        handling(county.ent_a, unit, submitted=at(8, 1), due=at(8, 10), returned_by=county.fgj)
