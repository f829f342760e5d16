"""The assessment as a whole (reports.selectors.assessment): every item of both seed schemes together, the
totals and the ranking, the template against a year's edited scheme, a past year recomputed, who reads
which working, and the query count, constant as units and cases grow."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import Role, Unit
from reports.selectors import assessment as selectors
from reports.services import assessment as services
from reports.tests.test_assessment_support import (
    PAST,
    D,
    K,
    add_evidence,
    at,
    closed_case,
    enterprise,
    link,
    plan,
    report,
    visit,
)

pytest_plugins = ["reports.tests.test_assessment_support"]
pytestmark = pytest.mark.usefixtures("assessment_frozen", "assessment_english")


def by_unit(result):
    return {row.unit.pk: row for row in result.rows}


def test_departments_every_item_total_and_rank(assessment_departments):
    c = assessment_departments
    result = selectors.compute(PAST, "department")
    assert result.from_template and result.scheme.year is None
    assert [item.rule for item in result.items] == ["plan_goals", "cases_solved", "evidence", "proactive", "daily_work"]
    rows = by_unit(result)
    assert set(rows) == {c.gxj.pk, c.fgj.pk}
    # 工信局: 30 + 13 + 2 + 2 + 20 = 67; 发改局: 40 + 20 + 0 + 0 + 10 = 70 (see the fixture's table).
    assert [s.points for s in rows[c.gxj.pk].scores] == [D(30), D(13), D(2), D(2), D(20)]
    assert [s.points for s in rows[c.fgj.pk].scores] == [D(40), D(20), D(0), D(0), D(10)]
    assert rows[c.gxj.pk].total == D(67) and rows[c.fgj.pk].total == D(70)
    assert [(row.unit.pk, row.rank) for row in result.rows] == [(c.fgj.pk, 1), (c.gxj.pk, 2)]
    # The working names the case, the evidence entries and the months.
    working = rows[c.gxj.pk].scores
    assert working[1].lines[0].ref == c.gxj_case.number
    assert any(line.ref == str(c.degree.pk) for line in working[1].lines)
    assert working[2].lines[0].ref == str(c.commendation.pk)
    assert working[3].lines[0].ref == c.proactive_case.number
    assert sum(line.counted for line in working[4].lines if line.kind == "month") == 12


def test_territories_every_item_total_and_rank(assessment_territorial):
    c = assessment_territorial
    result = selectors.compute(PAST, "territorial")
    assert [item.rule for item in result.items] == ["plan_goals", "loss_ratio_rank", "profit_rank", "daily_work"]
    rows = by_unit(result)
    # 酿溪镇 30 + 30 + 20 + 20 = 100; 雀塘镇 0 + 30 + 18 + 20 = 68; 陈家坊镇 0 + 28 + 19 + 0 = 47; 经开区 0.
    assert [s.points for s in rows[c.town_a_gov.pk].scores] == [D(30), D(30), D(20), D(20)]
    assert [s.points for s in rows[c.town_b_gov.pk].scores] == [D(0), D(30), D(18), D(20)]
    assert [s.points for s in rows[c.town_c_gov.pk].scores] == [D(0), D(28), D(19), D(0)]
    assert [s.points for s in rows[c.park.pk].scores] == [D(0)] * 4
    assert [(row.unit.name, row.total, row.rank) for row in result.rows] == [
        ("酿溪镇人民政府", D(100), 1),
        ("雀塘镇人民政府", D(68), 2),
        ("陈家坊镇人民政府", D(47), 3),
        ("新邵经开区", D(0), 4),
    ]
    assert result.figures_period == date(PAST, 12, 1)
    # The county government is not assessed.
    assert c.gov.pk not in rows


def test_equal_totals_share_a_rank(assessment_departments):
    c = assessment_departments
    # 工信局 gets a second degree score of 3 for another case not fully solved: item 2 goes from 10 + 3 = 13
    # to 10 + 6 = 16, its total from 67 to 70, equal to 发改局's 70: both rank 1.
    stuck = closed_case(c.ent_b, c.gxj, closed=at(PAST, 8, 1), outcome="not_solved", rating="unrated")
    add_evidence(c, c.gxj, K.DEGREE_SCORE, points=Decimal(3), case=stuck)
    result = selectors.compute(PAST, "department")
    assert [(row.total, row.rank) for row in result.rows] == [(D(70), 1), (D(70), 1)]


def test_a_years_edited_scheme_is_used_instead_of_the_template(assessment_departments):
    c = assessment_departments
    scheme = services.scheme_for_year(actor=c.office_user, year=PAST, target="department")
    services.scheme_update(
        actor=c.office_user,
        scheme_id=scheme.pk,
        items=[
            {"position": 1, "name": "完成工作目标", "max_points": 30, "params": {}},
            {"position": 2, "name": "解决困难问题", "max_points": 30, "params": {"per_case": 15, "degree_cap": 15}},
        ],
    )
    result = selectors.compute(PAST, "department")
    assert not result.from_template and result.scheme.pk == scheme.pk
    rows = by_unit(result)
    # 工信局: goals 30 × 3 ÷ 4 = 22.5; cases 1 × 15 + degree 3 = 18; 2 + 2 + 20 → 64.5.
    assert [s.points for s in rows[c.gxj.pk].scores] == [D("22.5"), D(18), D(2), D(2), D(20)]
    # 发改局: 30 + 2 × 15 = 30 + 0 + 0 + 10 → 70.
    assert rows[c.fgj.pk].total == D(70) and rows[c.gxj.pk].total == D("64.5")
    # The template is untouched: 2024 (no scheme of its own) still reads it.
    assert selectors.scheme_for(PAST - 1, "department")[1] is True
    assert [item.max_points for item in selectors.scheme_for(PAST - 1, "department")[0].items.all()][:2] == [40, 20]


def test_a_past_year_is_recomputed_from_the_data(assessment_departments):
    c = assessment_departments
    before = [(row.unit.pk, row.total, row.rank) for row in selectors.compute(PAST, "department").rows]
    # This year's data does not move last year's scores …
    link(c.ent_a, PAST + 1, c.fgj)
    plan(c.ent_a, PAST + 1, [False, False])
    closed_case(c.ent_a, c.fgj, closed=at(PAST + 1, 2, 1))
    add_evidence(c, c.fgj, K.COMMENDATION, year=PAST + 1, on=date(PAST + 1, 2, 1))
    assert [(row.unit.pk, row.total, row.rank) for row in selectors.compute(PAST, "department").rows] == before
    # … but a correction to last year's data does, when it is read again (nothing is stored).
    add_evidence(c, c.fgj, K.MEDIA_REPORT)
    after = by_unit(selectors.compute(PAST, "department"))
    assert after[c.fgj.pk].total == D(72)


def test_bad_year_or_target():
    with pytest.raises(ValidationError) as error:
        selectors.compute(2027, "cities")
    assert set(error.value.message_dict) == {"year", "target"}


def test_who_reads_which_working(assessment_departments, make_user):
    c = assessment_departments
    for user in (c.office_user, c.auditor, c.leader):
        result = selectors.assessment(user=user, year=PAST, target="department")
        assert all(row.show_working and row.scores[0].lines for row in result.rows)
    # A handler of 工信局: every unit's points, totals and ranks, but only 工信局's working.
    result = selectors.assessment(user=c.gxj_handler, year=PAST, target="department")
    rows = by_unit(result)
    assert rows[c.gxj.pk].show_working and rows[c.gxj.pk].scores[1].lines
    assert not rows[c.fgj.pk].show_working and all(not s.lines for s in rows[c.fgj.pk].scores)
    assert rows[c.fgj.pk].total == D(70) and rows[c.fgj.pk].rank == 1
    # A handler of 中小企业股 (below 工信局) sees none; 工信局's head sees its own unit and those below.
    assert not any(
        row.show_working for row in selectors.assessment(user=c.sme_handler, year=PAST, target="department").rows
    )
    assert selectors.may_see_working(c.gxj_head, c.gxj_sme)
    assert not selectors.may_see_working(c.gxj_head, c.fgj)
    # Enterprise users, cadres and users without a role: 403.
    for user in (c.ent_a_user, c.cadre, make_user("nobody")):
        with pytest.raises(PermissionDenied):
            selectors.assessment(user=user, year=PAST, target="department")


# Query count ---------------------------------------------------------------------------------------------------


def _grow(c, n: int, start: int):
    """n more departments, each linked to a new enterprise with a plan, a solved case, a proactive case,
    evidence, a report and a visit every month."""
    for index in range(start, start + n):
        unit = Unit.objects.create(
            code=f"430522-D{index}", name=f"部门{index}", kind=Unit.Kind.DEPARTMENT, parent=c.gov, region=c.region
        )
        ent = enterprise(f"企业{index}", c.town_a)
        link(ent, PAST, unit)
        plan(ent, PAST, [True, False])
        closed_case(ent, unit, closed=at(PAST, 3, 1))
        closed_case(c.ent_a, unit, closed=at(PAST, 4, 1))
        add_evidence(c, unit, K.MEDIA_REPORT)
        for month in (1, 2, 3):
            report(unit, PAST, month)
            visit(ent, c.fgj_handler, date(PAST, month, 9), unit=unit)


def test_query_count_does_not_grow_with_units_and_cases(assessment_departments, django_assert_num_queries):
    c = assessment_departments
    _grow(c, 2, 0)
    # scheme 3 (no year's scheme: template and its items), jurisdiction 1, units 1, goals 1, cases 1 + degree
    # scores 1, evidence 1, proactive cases 1, linkages 1 + cadres 1 + visits 1 + reports 1.
    with django_assert_num_queries(14):
        selectors.compute(PAST, "department")
    _grow(c, 8, 2)
    with django_assert_num_queries(14):
        assert len(selectors.compute(PAST, "department").rows) == 12


def test_territorial_query_count_does_not_grow(assessment_territorial, django_assert_num_queries):
    c = assessment_territorial
    # scheme 3, jurisdiction 1, units 1, goals 1, figures 2, linkages 1 + cadres 1 + visits 1 + reports 1.
    with django_assert_num_queries(12):
        selectors.compute(PAST, "territorial")
    for index in range(6):
        unit = Unit.objects.create(
            code=f"430522-T{index}", name=f"乡镇{index}", kind=Unit.Kind.TOWNSHIP, parent=c.gov, region=c.town_c
        )
        ent = enterprise(f"规上{index}", c.town_c, above_scale=True)
        link(ent, PAST, unit)
        report(unit, PAST, 1)
    with django_assert_num_queries(12):
        assert len(selectors.compute(PAST, "territorial").rows) == 10
    assert Role.OFFICE  # roles imported for the readers' tests above
