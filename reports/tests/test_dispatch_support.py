"""The worked month the dispatch report tests share (imported by the other test_dispatch_* modules; no tests
here). Time stands at 2026-12-02 10:00 China time; the report is October 2026, whose figures are read as of
2026-11-01 00:00. Case rows are written straight to the database (the report reads rows); one test in
test_dispatch_selector.py builds its case through the real services instead.

    case ent   submitted lead        state        outcome      resolved  due 09:00  listed  notes
    A    a     10-08     工信局      in_progress                         10-26      10-20   overdue 4.6 wd
    B    b     10-12     发改局      closed       solved       10-20     10-22
    C    c     10-13     中小企业股  resolved     explained    11-05     10-28            overdue 2.6 wd (answered later)
    D    a     09-20     工信局      resolved     explained    10-15     10-16            not new
    E    b     10-20     雀塘镇      waiting                             10-27            paused since 10-25
    F    a     10-25     —           submitted                                      10-26   listed, awaiting triage
    G    c     09-01     发改局      in_progress                         09-10            overdue 32.6 wd, not new
    H    a     10-30     工信局      resolved     not_solved   10-31     11-06
    I    b     11-03     工信局      in_progress                         11-10            November: overdue now only
    J    b     10-05     —           rejected
    K    a     10-02     发改局      closed       solved       10-09     10-16      10-03   listed, answered in October

October, the office: new 8 (A B C E F H J K); solved 2 (B K), explained 1 (D), not solved 1 (H); overdue at
the month's end 3 (G, A, C, most overdue first; E is paused); listed and open 2 (A, F); listed in the month 3
(A F K). Working days overdue to 11-01 00:00 (2026 schedule: 09-25..27 and 10-01..07 off, 09-20 and 10-10
worked): A 0.625 + 10-27..30 = 4.625 → 4.6; C 0.625 + 10-29..30 = 2.625 → 2.6; G 0.625 + 32 = 32.6.
By lead unit (October's cohort): 工信局 A H, 发改局 B K, 中小企业股 C, 雀塘镇 E, none F J. By region:
酿溪镇 A C F H K (5), 雀塘镇 B E J (3).

工信局's handler (its own unit's cases A D H I): new 2, explained 1, not solved 1, overdue 1 (A), listed 1.
工信局's head (its unit tree: also C): new 3, overdue 2.

Visits, linkages of 2026: ent_c led by 中小企业股 (the county fixture), ent_a led by 工信局; ent_a visited on
10-15 by 工信局. Coverage: 工信局 1 of 1 (100 %), 中小企业股 0 of 1 (0 %), total 1 of 2 (50 %).

Plans of 2026: ent_a turnaround, in progress, 2 goals (1 achieved); ent_c srdi, completed, 1 goal achieved.
Goals 2 of 3, 66.7 %.

Assisted enterprises of 2026 (plan or linkage): ent_a, ent_c (ent_b's linkage is 2025's). Figures (万元):
    ent_a  2026-09: output 200, revenue 150, profit 20;  2026-10: 300, 250, −50;  2026-11: 999 (after)
           2025-09: 400, 300, 10;                        2025-10: 150, 50, 10
    ent_c  2026-10: 100, 80, 40 (nothing last year)
    ent_b  2026-10: 1000, 1000, 1000 (not assisted)
Year to date through October: output 600 (growth like for like: 500 vs 550 = −9.1 %), revenue 480 (400 vs
350 = +14.3 %), total profit 10 (−30 vs 20 = −250.0 %); loss-making 1 (ent_a) of 2 reported = 50.0 %.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import translation

from cases.models import Case
from cases.tests.test_indicators_support import make_case
from enterprises.models import AssistancePlan, Linkage, MonthlyFigure, PlanGoal, Visit

CHINA = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 2, 10, 0, tzinfo=CHINA)
OCTOBER = date(2026, 10, 1)

State = Case.State
Outcome = Case.Outcome


def at(month, day, hour=9, minute=0, year=2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=CHINA)


@pytest.fixture
def dispatch_frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def dispatch_english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def open_case(enterprise, lead, *, submitted_at, due_at, state=State.IN_PROGRESS, **fields) -> Case:
    return make_case(
        enterprise,
        submitted_at=submitted_at,
        state=state,
        lead=lead,
        accepted_at=submitted_at,
        due_at=due_at,
        **fields,
    )


def answered_case(
    enterprise, lead, *, submitted_at, due_at, resolved_at, outcome, state=State.CLOSED, **fields
) -> Case:
    return make_case(
        enterprise,
        submitted_at=submitted_at,
        state=state,
        lead=lead,
        accepted_at=submitted_at,
        due_at=due_at,
        resolved_at=resolved_at,
        outcome=outcome,
        resolved_on_time=resolved_at <= due_at,
        **fields,
    )


def build_cases(c) -> dict[str, Case]:
    cases = {}
    cases["A"] = open_case(c.ent_a, c.gxj, submitted_at=at(10, 8), due_at=at(10, 26), listed_at=at(10, 20))
    cases["B"] = answered_case(
        c.ent_b, c.fgj, submitted_at=at(10, 12), due_at=at(10, 22), resolved_at=at(10, 20), outcome=Outcome.SOLVED
    )
    cases["C"] = answered_case(
        c.ent_c,
        c.gxj_sme,
        submitted_at=at(10, 13),
        due_at=at(10, 28),
        resolved_at=at(11, 5),
        outcome=Outcome.EXPLAINED,
        state=State.RESOLVED,
    )
    cases["D"] = answered_case(
        c.ent_a,
        c.gxj,
        submitted_at=at(9, 20),
        due_at=at(10, 16),
        resolved_at=at(10, 15),
        outcome=Outcome.EXPLAINED,
        state=State.RESOLVED,
    )
    cases["E"] = open_case(
        c.ent_b, c.town_b_gov, submitted_at=at(10, 20), due_at=at(10, 27), state=State.WAITING, paused_since=at(10, 25)
    )
    cases["F"] = make_case(c.ent_a, submitted_at=at(10, 25), listed_at=at(10, 26), listed_by=c.leader)
    cases["G"] = open_case(c.ent_c, c.fgj, submitted_at=at(9, 1), due_at=at(9, 10))
    cases["H"] = answered_case(
        c.ent_a,
        c.gxj,
        submitted_at=at(10, 30),
        due_at=at(11, 6),
        resolved_at=at(10, 31),
        outcome=Outcome.NOT_SOLVED,
        state=State.RESOLVED,
    )
    cases["I"] = open_case(c.ent_b, c.gxj, submitted_at=at(11, 3), due_at=at(11, 10))
    cases["J"] = make_case(c.ent_b, submitted_at=at(10, 5), state=State.REJECTED)
    cases["K"] = answered_case(
        c.ent_a,
        c.fgj,
        submitted_at=at(10, 2),
        due_at=at(10, 16),
        resolved_at=at(10, 9),
        outcome=Outcome.SOLVED,
        listed_at=at(10, 3),
    )
    return cases


def build_enterprise_side(c) -> None:
    Linkage.objects.create(enterprise=c.ent_a, year=2026, lead_unit=c.gxj)
    Visit.objects.create(enterprise=c.ent_a, visitor=c.gxj_handler, unit=c.gxj, visited_on=date(2026, 10, 15))
    # A visit in another month does not count.
    Visit.objects.create(enterprise=c.ent_c, visitor=c.sme_handler, unit=c.gxj_sme, visited_on=date(2026, 11, 2))

    turnaround = AssistancePlan.objects.create(
        enterprise=c.ent_a, year=2026, category=AssistancePlan.Category.TURNAROUND
    )
    PlanGoal.objects.create(plan=turnaround, name="扭亏", target=Decimal(1), achieved=True)
    PlanGoal.objects.create(plan=turnaround, name="增收", target=Decimal(1), achieved=False)
    srdi = AssistancePlan.objects.create(
        enterprise=c.ent_c, year=2026, category=AssistancePlan.Category.SRDI, status=AssistancePlan.Status.COMPLETED
    )
    PlanGoal.objects.create(plan=srdi, name="专精特新", target=Decimal(1), achieved=True)

    def figure(enterprise, year, month, output, revenue, profit):
        MonthlyFigure.objects.create(
            enterprise=enterprise,
            period=date(year, month, 1),
            output_value=Decimal(output),
            revenue=Decimal(revenue),
            total_profit=Decimal(profit),
        )

    figure(c.ent_a, 2026, 9, 200, 150, 20)
    figure(c.ent_a, 2026, 10, 300, 250, -50)
    figure(c.ent_a, 2026, 11, 999, 999, 999)
    figure(c.ent_a, 2025, 9, 400, 300, 10)
    figure(c.ent_a, 2025, 10, 150, 50, 10)
    figure(c.ent_c, 2026, 10, 100, 80, 40)
    figure(c.ent_b, 2026, 10, 1000, 1000, 1000)


@pytest.fixture
def dispatch_example(dispatch_frozen, county):
    """The worked month of the module docstring; `county.cases` maps letters to cases."""
    county.cases = build_cases(county)
    build_enterprise_side(county)
    return county
