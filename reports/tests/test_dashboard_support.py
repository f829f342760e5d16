"""The worked dashboard_example the dashboard tests share (imported by the other test_dashboard_* modules; no tests
here). Time stands at 2026-11-22 12:00 China time; the period is March 2026.

    case  lead        category   channel       enterprise  state        outcome    on time  rating
    1     工信局      financing  self_service  ent_a       closed       solved     yes      满意
    2     工信局      financing  hotline       ent_b       resolved     solved     yes      基本满意
    3     发改局      labour     self_service  ent_a       closed       solved     yes      不满意
    4     发改局      financing  hotline       ent_c       resolved     explained  yes      unrated
    5     酿溪镇      labour     self_service  ent_a       resolved     solved     no
    6     酿溪镇      financing  hotline       ent_c       in_progress  (overdue now)
    7     中小企业股  labour     self_service  ent_c       in_progress  (due 2026-12-30)
    8     —           financing  hotline       ent_b       submitted
    9     —           labour     self_service  ent_b       rejected
    X     —           (submitted in February, outside the period)

Whole: collected 9, rejected 1, solved 4, explained 1 → resolution 5 ÷ 8 = 62.5 %; overdue 1 (case 6);
satisfaction 2 ÷ 3 = 66.7 %. By category: financing 5 (1, 2, 4, 6, 8), labour 4. By channel: self-service 5,
hotline 4. By region: 酿溪镇 6 (ent_a, ent_c), 雀塘镇 3 (ent_b).
Ranking (resolution rate, then on-time rate): 工信局 100 %/100 % and 发改局 100 %/100 % share rank 1;
酿溪镇 50 %/0 % is 3rd; 中小企业股 0 %/— is 4th.

Enterprises (all above-scale, industry 361 in section C) and their total profit (万元):
    ent_a  2026-01..03: 100 each (300)   2025-01..03: 250 in all   warning red
    ent_b  2026-02: −10                  2025-02: 10               warning orange
    ent_c  2026-03: 50                   (none last year)          warning green
Loss ratio for March 2026: 1 of 3 = 33.3 % (target < 4 %: not met). Profit growth, comparing the
enterprises that reported in both years: (300 − 10) vs (250 + 10) = 290 ÷ 260 − 1 = 11.5 % (target ≥ 12 %:
not met).

Plans of 2026: ent_a turnaround, in progress, 2 goals (1 achieved); ent_c srdi, completed, 1 goal
(achieved); ent_b stabilise, draft, 1 goal achieved (not counted). Goals: 2 of 3 achieved, 66.7 %.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import translation

from cases.models import Case, CaseCategory
from cases.tests.test_indicators_support import at, make_case
from enterprises.models import AssistancePlan, Industry, MonthlyFigure, PlanGoal, WarningLevel

CHINA = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=CHINA)
MARCH = (date(2026, 3, 1), date(2026, 3, 31))
MARCH_QUERY = {"from": "2026-03-01", "to": "2026-03-31"}

S = Case.State
OUT = Case.Outcome
R = Case.Rating
C = Case.Channel


@pytest.fixture
def dashboard_frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def dashboard_english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def resolved(lead, *, on_time=True, outcome=OUT.SOLVED, state=S.CLOSED, **fields) -> dict:
    return {
        "state": state,
        "lead": lead,
        "accepted_at": fields.pop("accepted_at", None),
        "outcome": outcome,
        "resolved_at": fields.pop("resolved_at"),
        "resolved_on_time": on_time,
        "due_at": fields.pop("due_at"),
        **fields,
    }


def build_cases(c):
    financing = CaseCategory.objects.get(code="financing")
    labour = CaseCategory.objects.get(code="labour")
    cases = {}
    cases[1] = make_case(
        c.ent_a,
        submitted_at=at(3, 2),
        category=financing,
        channel=C.SELF_SERVICE,
        **resolved(c.gxj, resolved_at=at(3, 4), due_at=at(3, 9), rating=R.SATISFIED, accepted_at=at(3, 2, 10)),
    )
    cases[2] = make_case(
        c.ent_b,
        submitted_at=at(3, 3),
        category=financing,
        channel=C.HOTLINE,
        **resolved(c.gxj, state=S.RESOLVED, resolved_at=at(3, 5), due_at=at(3, 10), rating=R.BASICALLY_SATISFIED),
    )
    cases[3] = make_case(
        c.ent_a,
        submitted_at=at(3, 4),
        category=labour,
        channel=C.SELF_SERVICE,
        **resolved(c.fgj, resolved_at=at(3, 6), due_at=at(3, 11), rating=R.UNSATISFIED),
    )
    cases[4] = make_case(
        c.ent_c,
        submitted_at=at(3, 5),
        category=financing,
        channel=C.HOTLINE,
        **resolved(c.fgj, state=S.RESOLVED, outcome=OUT.EXPLAINED, resolved_at=at(3, 9), due_at=at(3, 12)),
    )
    cases[5] = make_case(
        c.ent_a,
        submitted_at=at(3, 6),
        category=labour,
        channel=C.SELF_SERVICE,
        **resolved(c.town_a_gov, on_time=False, state=S.RESOLVED, resolved_at=at(3, 20), due_at=at(3, 13)),
    )
    cases[6] = make_case(
        c.ent_c, submitted_at=at(3, 9), category=financing, channel=C.HOTLINE, state=S.IN_PROGRESS,
        lead=c.town_a_gov, accepted_at=at(3, 9, 10), due_at=at(3, 16),
    )  # fmt: skip
    cases[7] = make_case(
        c.ent_c, submitted_at=at(3, 10), category=labour, channel=C.SELF_SERVICE, state=S.IN_PROGRESS,
        lead=c.gxj_sme, accepted_at=at(3, 10, 10), due_at=at(12, 30),
    )  # fmt: skip
    cases[8] = make_case(c.ent_b, submitted_at=at(3, 11), category=financing, channel=C.HOTLINE)
    cases[9] = make_case(
        c.ent_b,
        submitted_at=at(3, 12),
        category=labour,
        channel=C.SELF_SERVICE,
        state=S.REJECTED,
        reject_reason=Case.RejectReason.OUT_OF_SCOPE,
    )
    cases["X"] = make_case(c.ent_a, submitted_at=at(2, 27), category=financing)
    return cases


def build_enterprises(c):
    industry = Industry.objects.get(code="361")
    levels = {c.ent_a: WarningLevel.RED, c.ent_b: WarningLevel.ORANGE, c.ent_c: WarningLevel.GREEN}
    for enterprise, level in levels.items():
        enterprise.above_scale = True
        enterprise.industry = industry
        enterprise.warning_level = level
        enterprise.save()
    for month in (1, 2, 3):
        MonthlyFigure.objects.create(enterprise=c.ent_a, period=date(2026, month, 1), total_profit=Decimal(100))
    MonthlyFigure.objects.create(enterprise=c.ent_a, period=date(2025, 2, 1), total_profit=Decimal(250))
    MonthlyFigure.objects.create(enterprise=c.ent_b, period=date(2026, 2, 1), total_profit=Decimal(-10))
    MonthlyFigure.objects.create(enterprise=c.ent_b, period=date(2025, 2, 1), total_profit=Decimal(10))
    MonthlyFigure.objects.create(enterprise=c.ent_c, period=date(2026, 3, 1), total_profit=Decimal(50))


def build_plans(c):
    Status, Category = AssistancePlan.Status, AssistancePlan.Category

    def plan(enterprise, category, status, *achieved):
        made = AssistancePlan.objects.create(enterprise=enterprise, year=2026, category=category, status=status)
        for n, flag in enumerate(achieved):
            PlanGoal.objects.create(plan=made, name=f"目标{n}", target=Decimal(1), achieved=flag)
        return made

    c.plan_a = plan(c.ent_a, Category.TURNAROUND, Status.ACTIVE, True, None)
    c.plan_c = plan(c.ent_c, Category.SRDI, Status.COMPLETED, True)
    c.plan_b = plan(c.ent_b, Category.STABILISE, Status.DRAFT, True)


@pytest.fixture
def dashboard_example(dashboard_frozen, county):
    county.cases = build_cases(county)
    build_enterprises(county)
    build_plans(county)
    return county


def more_cases(county, how_many: int, day: int = 20):
    """Solved cases of 发改局 for ent_b on one March day: rows that add to every group."""
    for _n in range(how_many):
        make_case(
            county.ent_b,
            submitted_at=at(3, day),
            **resolved(county.fgj, resolved_at=at(3, day, 16), due_at=at(3, 27), rating=R.SATISFIED),
        )
