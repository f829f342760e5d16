"""The monthly report's prefill against a hand-built example: 工信局 leads 湘中机械 (ent_a) and 雀塘食品
(ent_b) in 2026 and reports on November 2026, on 18 November at 10:00."""

import datetime as dt
import json
from decimal import Decimal

import pytest

from cases.models import Assignment, Case, CaseCategory
from core import workdays
from enterprises.models import AssistancePlan, Linkage, MonthlyFigure, PlanGoal, Visit
from reports.selectors import monthly as selectors
from reports.tests.test_monthly_support import NOV, at

pytest_plugins = ["reports.tests.test_monthly_support"]

_numbers = iter(range(1, 1000))


def make_case(county, *, unit, assigned_at, state, due_at=None, outcome="", resolved_at=None, enterprise=None):
    """A case as it stands, written directly: only the stored state matters to the prefill."""
    case = Case.objects.create(
        number=f"2026-{next(_numbers):05d}",
        year=2026,
        enterprise=enterprise or county.ent_a,
        title="用地指标不足",
        description="扩建项目缺少用地指标。",
        category=CaseCategory.objects.order_by("pk").first(),
        channel=Case.Channel.OFFICE,
        submitted_at=assigned_at - dt.timedelta(hours=2),
        state=state,
        lead_unit=unit,
        first_assigned_at=assigned_at,
        due_at=due_at,
        outcome=outcome,
        resolved_at=resolved_at,
    )
    Assignment.objects.create(
        case=case, unit=unit, role=Assignment.Role.LEAD, state=Assignment.State.ACCEPTED, assigned_at=assigned_at
    )
    return case


def figures(enterprise, period, revenue, profit):
    MonthlyFigure.objects.create(enterprise=enterprise, period=period, revenue=revenue, total_profit=profit)


@pytest.fixture
def example(monthly):
    c = monthly
    Linkage.objects.create(enterprise=c.ent_b, year=2026, lead_unit=c.gxj)
    c.ent_a.warning_level = 2
    c.ent_a.save(update_fields=["warning_level"])

    # ent_a's figures: September and October of both years; the latest up to November is October 2026.
    figures(c.ent_a, dt.date(2025, 9, 1), Decimal("80"), Decimal("10"))
    figures(c.ent_a, dt.date(2025, 10, 1), Decimal("100"), Decimal("10"))
    figures(c.ent_a, dt.date(2026, 9, 1), Decimal("100"), Decimal("10"))
    figures(c.ent_a, dt.date(2026, 10, 1), Decimal("120.50"), Decimal("20"))
    # ent_b's only figures are too old to report (2024).
    figures(c.ent_b, dt.date(2024, 10, 1), Decimal("50"), Decimal("-5"))

    # Cases 工信局 leads.
    c.new_case = make_case(
        c, unit=c.gxj, assigned_at=at(2026, 11, 5, 9), state=Case.State.IN_PROGRESS, due_at=at(2026, 11, 30, 17)
    )
    c.overdue_case = make_case(
        c, unit=c.gxj, assigned_at=at(2026, 10, 26, 9), state=Case.State.IN_PROGRESS, due_at=at(2026, 11, 10, 9)
    )
    make_case(  # waiting for the enterprise, past its deadline: paused, so open but not overdue
        c, unit=c.gxj, assigned_at=at(2026, 10, 20, 9), state=Case.State.WAITING, due_at=at(2026, 11, 2, 9)
    )
    solved = {"outcome": Case.Outcome.SOLVED, "resolved_at": at(2026, 11, 8, 15)}
    make_case(c, unit=c.gxj, assigned_at=at(2026, 10, 12, 9), state=Case.State.CLOSED, **solved)
    explained = {"outcome": Case.Outcome.EXPLAINED, "resolved_at": at(2026, 11, 9, 15)}
    make_case(c, unit=c.gxj, assigned_at=at(2026, 10, 13, 9), state=Case.State.RESOLVED, **explained)
    october = {"outcome": Case.Outcome.SOLVED, "resolved_at": at(2026, 10, 30, 15)}
    make_case(c, unit=c.gxj, assigned_at=at(2026, 10, 14, 9), state=Case.State.CLOSED, **october)
    # Another unit's cases count for nothing here.
    make_case(c, unit=c.fgj, assigned_at=at(2026, 11, 6, 9), state=Case.State.IN_PROGRESS, due_at=at(2026, 11, 10, 9))

    # Plans: ent_a's active plan has 3 goals, 2 achieved; ent_b's draft does not count.
    plan = AssistancePlan.objects.create(enterprise=c.ent_a, year=2026, category="stabilise")
    for index, achieved in enumerate([True, True, None]):
        PlanGoal.objects.create(plan=plan, name=f"目标{index}", target=Decimal(100), achieved=achieved)
    draft = AssistancePlan.objects.create(
        enterprise=c.ent_b, year=2026, category="stabilise", status=AssistancePlan.Status.DRAFT
    )
    PlanGoal.objects.create(plan=draft, name="目标", target=Decimal(1), achieved=True)

    # Visits in November: ent_a by 工信局's handler and by the fgj cadre; ent_b only in October.
    Visit.objects.create(enterprise=c.ent_a, visitor=c.gxj_handler, unit=c.gxj, visited_on=dt.date(2026, 11, 3))
    Visit.objects.create(enterprise=c.ent_a, visitor=c.cadre, unit=c.fgj, visited_on=dt.date(2026, 11, 4))
    Visit.objects.create(enterprise=c.ent_b, visitor=c.gxj_handler, unit=c.gxj, visited_on=dt.date(2026, 10, 30))
    return c


def test_prefill_against_the_hand_built_example(example, django_assert_num_queries):
    c = example
    workdays.overrides()  # the calendar's entered days are read once per process, then cached
    with django_assert_num_queries(7):
        data = selectors.prefill(c.gxj, NOV)
    assert data["unit"] == {"id": c.gxj.pk, "name": "县工信局"}
    assert (data["month"], data["year"]) == ("2026-11", 2026)
    assert data["taken_at"] == "2026-11-18T10:00:00+08:00"

    ent_a, ent_b = data["enterprises"]  # by name: 湘中… sorts before 雀塘… in the database's order
    assert {ent_a["name"], ent_b["name"]} == {c.ent_a.name, c.ent_b.name}
    if ent_a["name"] != c.ent_a.name:
        ent_a, ent_b = ent_b, ent_a
    assert ent_a == {
        "id": c.ent_a.pk,
        "name": c.ent_a.name,
        "credit_code": c.ent_a.credit_code,
        "warning_level": 2,
        "warning_label": "orange",
        "period": "2026-10",
        "revenue_month": 120.5,
        "revenue_ytd": 220.5,  # 100 + 120.50
        "revenue_ytd_growth": 22.5,  # 220.50 ÷ 180 − 1 = 22.5 %
        "profit_ytd": 30.0,
        "profit_ytd_growth": 50.0,  # 30 ÷ 20 − 1
        "visits": 2,
        "visits_by_unit": 1,
    }
    assert ent_b["period"] is None and ent_b["revenue_ytd"] is None and ent_b["visits"] == 0
    assert ent_b["warning_label"] == "green"

    cases = data["cases"]
    assert {k: cases[k] for k in ("new", "solved", "explained", "open", "overdue")} == {
        "new": 1,
        "solved": 1,
        "explained": 1,
        "open": 3,  # the new one, the overdue one and the paused one
        "overdue": 1,
    }
    assert [item["number"] for item in cases["overdue_cases"]] == [c.overdue_case.number]
    assert cases["overdue_cases"][0]["due_at"] == "2026-11-10 09:00"

    assert data["plans"] == {"goals_set": 3, "goals_achieved": 2, "goals_percent": 66.7}
    assert data["visits"] == {
        "linked": 2,
        "visited": 1,
        "by_unit": 1,
        "not_visited": [{"id": c.ent_b.pk, "name": c.ent_b.name}],
    }
    assert json.loads(json.dumps(data)) == data


def test_suggested_text_says_what_the_figures_say(example):
    text = selectors.suggested_text(selectors.prefill(example.gxj, NOV))
    situation = text["enterprises_situation"]
    assert (
        "湘中机械有限公司 (figures of 2026-10): main business revenue 220.50 (10k yuan) year to date, +22.5% year on "
        "year; total profit 30.00 (10k yuan) year to date, +50.0% year on year; warning level orange." in situation
    )
    assert "雀塘食品有限公司: no monthly figures reported yet; warning level green." in situation
    assert "1 of the 2 linked enterprises were visited" in situation
    assert "Not visited this month: 雀塘食品有限公司." in situation
    assert text["problems_progress"].startswith(
        "Problems the unit leads: 1 new in 2026-11, 1 solved and 1 explained in the month; 3 still being handled, "
        "of which 1 overdue now."
    )
    assert example.overdue_case.number in text["problems_progress"]
    assert text["plans_progress"] == "Assistance plans the unit leads in 2026: 2 of 3 goals achieved (66.7 %)."
    assert "Resolve the overdue problems (1)." in text["next_steps"]


def test_a_unit_without_enterprises_or_cases(monthly):
    data = selectors.prefill(monthly.fgj, NOV)
    assert data["enterprises"] == [] and data["visits"]["linked"] == 0
    assert data["plans"] == {"goals_set": 0, "goals_achieved": 0, "goals_percent": None}
    text = selectors.suggested_text(data)
    assert text["enterprises_situation"] == "The unit leads the linkage of no enterprise in 2026."
    assert text["next_steps"] == ""
