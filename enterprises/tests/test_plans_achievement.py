"""goal_achievement: the goals each lead unit set and achieved in a year, as the annual assessment reads them
(seed 000, Annex 2 item 1: 40 × achieved ÷ set)."""

from decimal import Decimal

from accounts.scope import current_year
from enterprises.models import Linkage
from enterprises.selectors.plans import goal_achievement
from enterprises.tests.test_plans_support import make_plan

YEAR = current_year()


def test_counts_per_lead_unit_over_active_and_completed_plans(county, django_assert_num_queries):
    # ent_c is led by 工信局中小企业股 this year: 3 goals, 2 achieved, 1 undecided (counts as not achieved).
    make_plan(county.ent_c, goals=[("收入", "1", True), ("利润", "1", True), ("用工", "1", None)])
    # ent_a, led by 发改局 this year, completed: 2 goals, 1 achieved.
    Linkage.objects.create(enterprise=county.ent_a, year=YEAR, lead_unit=county.fgj)
    make_plan(county.ent_a, status="completed", goals=[("收入", "1", True), ("利润", "1", False)])
    # ent_b: a draft does not count yet, nor does its lead unit appear.
    Linkage.objects.create(enterprise=county.ent_b, year=YEAR, lead_unit=county.town_b_gov)
    make_plan(county.ent_b, status="draft", goals=[("收入", "1", True)])

    with django_assert_num_queries(2):
        rows = goal_achievement(year=YEAR)
    by_unit = {row.unit_name: (row.goals_total, row.goals_achieved, row.ratio) for row in rows}
    assert by_unit == {
        "县工信局中小企业股": (3, 2, Decimal("0.6667")),
        "县发改局": (2, 1, Decimal("0.5000")),
    }
    # Unit-tree order: 工信局's section comes before 发改局 (created later).
    assert [row.unit_name for row in rows] == ["县工信局中小企业股", "县发改局"]


def test_the_plan_years_linkage_decides_the_unit(county):
    # ent_b's linkage last year was 工信局; its plan of last year counts for 工信局 in that year only.
    make_plan(county.ent_b, year=YEAR - 1, goals=[("收入", "1", True)])
    assert [(r.unit_name, r.goals_total) for r in goal_achievement(year=YEAR - 1)] == [("县工信局", 1)]
    assert goal_achievement(year=YEAR) == []


def test_plans_without_a_lead_unit_are_not_attributed(county):
    make_plan(county.ent_a, goals=[("收入", "1", True)])  # ent_a has no linkage
    Linkage.objects.create(enterprise=county.ent_b, year=YEAR, leader=county.leader)  # no lead unit
    make_plan(county.ent_b, goals=[("收入", "1", True)])
    assert goal_achievement(year=YEAR) == []


def test_asked_units_each_get_a_row_even_without_goals(county):
    make_plan(county.ent_c, goals=[("收入", "1", False)])
    rows = goal_achievement(year=YEAR, units=[county.gxj_sme, county.fgj.pk])
    assert [(r.unit_name, r.goals_total, r.goals_achieved, r.ratio) for r in rows] == [
        ("县工信局中小企业股", 1, 0, Decimal("0.0000")),
        ("县发改局", 0, 0, None),
    ]
    assert goal_achievement(year=YEAR, units=[county.fgj])[0].goals_total == 0
