"""Each rule of reports.scoring against hand-worked examples (the arithmetic is in the comments), for every
item of both schemes of the seed (DESIGN.md §5): caps, partial scores, ties, the daily-work months."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine

from enterprises.models import AssistancePlan
from enterprises.selectors.plans import goal_achievement
from reports import scoring
from reports.tests.test_assessment_support import (
    CHINA,
    PAST,
    D,
    K,
    O,
    R,
    S,
    add_evidence,
    add_territories,
    at,
    closed_case,
    ctx,
    enterprise,
    link,
    plan,
    profit,
    report,
    visit,
)

pytest_plugins = ["reports.tests.test_assessment_support"]
pytestmark = pytest.mark.usefixtures("assessment_frozen", "assessment_english")


def texts(score: scoring.ItemScore) -> str:
    return "\n".join(line.text for line in score.lines)


# Item 1 of both schemes: plan goals --------------------------------------------------------------------------


def test_plan_goals_share_of_goals_achieved(county):
    c = county
    link(c.ent_a, PAST, c.gxj)
    link(c.ent_b, PAST, c.gxj)
    link(c.ent_c, PAST, c.fgj)
    d = enterprise("邵阳电机有限公司", c.town_b)
    link(d, PAST, c.gxj_sme)
    plan(c.ent_a, PAST, [True, None])  # an undecided goal counts as not achieved
    plan(c.ent_b, PAST, [True, True])
    plan(c.ent_c, PAST, [True], status=AssistancePlan.Status.DRAFT)  # a draft's goals are not set
    plan(d, PAST, [True, True, False])
    plan(c.ent_a, PAST + 1, [True])  # another year

    scores = scoring.plan_goals(ctx(PAST, c.gxj, c.fgj, c.gxj_sme), Decimal(40), {})

    # 工信局: 3 of 4 goals → 40 × 3 ÷ 4 = 30.
    assert scores[c.gxj.pk].points == D(30)
    assert "3 of 4 goals achieved: 40 × 3 ÷ 4 = 30." in texts(scores[c.gxj.pk])
    assert "not decided yet, counted as not achieved" in texts(scores[c.gxj.pk])
    assert sum(line.counted for line in scores[c.gxj.pk].lines if line.kind == "goal") == 3
    # 中小企业股: 2 of 3 → 40 × 2 ÷ 3 = 26.666… → 26.67 (half up, two places).
    assert scores[c.gxj_sme.pk].points == D("26.67")
    # 发改局 leads only a draft plan: no goal set → 0 points, and the working says so.
    assert scores[c.fgj.pk].points == D(0)
    assert "no goal is set, 0 points" in texts(scores[c.fgj.pk])
    # The same counts as enterprises.selectors.plans.goal_achievement.
    counts = {row.unit_id: (row.goals_achieved, row.goals_total) for row in goal_achievement(year=PAST)}
    assert counts[c.gxj.pk] == (3, 4) and counts[c.gxj_sme.pk] == (2, 3)


def test_plan_goals_territorial_weight(county):
    # 酿溪镇 leads ent_a's plan: 1 of 2 goals → 30 × 1 ÷ 2 = 15.
    link(county.ent_a, PAST, county.town_a_gov)
    plan(county.ent_a, PAST, [True, False])
    scores = scoring.plan_goals(ctx(PAST, county.town_a_gov), Decimal(30), {})
    assert scores[county.town_a_gov.pk].points == D(15)


# Department item 2: cases solved, with degree scores ---------------------------------------------------------


@pytest.fixture
def linked(county):
    c = county
    link(c.ent_a, PAST, c.gxj)
    link(c.ent_b, PAST, c.gxj)
    link(c.ent_c, PAST, c.fgj)
    c.ent_d = enterprise("邵阳电机有限公司", c.town_b)
    link(c.ent_d, PAST, c.gxj_sme)
    return c


def test_cases_solved_capped_at_the_maximum(linked):
    c = linked
    first = closed_case(c.ent_a, c.gxj, closed=at(PAST, 1, 1, 0))  # 00:00 on 1 January, China time: in the year
    closed_case(c.ent_b, c.gxj, closed=at(PAST, 5, 10))
    third = closed_case(c.ent_a, c.gxj, closed=at(PAST, 9, 10))
    # Not counted: closed the next year (00:30 on 1 January 2026, China time), explained, only resolved,
    # and a case of ent_c, which 工信局 is not linked to (that is proactive service).
    closed_case(c.ent_a, c.gxj, closed=at(PAST + 1, 1, 1, 0), resolved=at(PAST, 12, 31, 20))
    closed_case(c.ent_a, c.gxj, closed=at(PAST, 6, 1), outcome=O.EXPLAINED)
    closed_case(c.ent_a, c.gxj, closed=at(PAST, 6, 2), state=S.RESOLVED)
    closed_case(c.ent_c, c.gxj, closed=at(PAST, 6, 3))
    add_evidence(c, c.gxj, K.DEGREE_SCORE, points=Decimal(5))

    score = scoring.cases_solved(ctx(PAST, c.gxj), Decimal(20), {"per_case": 10, "degree_cap": 15})[c.gxj.pk]

    # 3 cases × 10 = 30, at most 20 → 20 (not 30); the degree score is not added: the cases reach 20.
    assert score.points == D(20)
    cases = [line for line in score.lines if line.kind == "case"]
    assert [line.ref for line in cases] == [first.number, cases[1].ref, third.number]
    assert [line.points for line in cases] == [D(10), D(10), D(0)]
    assert cases[0].url == f"/cases/{first.pk}/"
    assert "3 case(s) closed as solved × 10, at most 20: 20." in texts(score)
    assert "not added, the solved cases already give the item's maximum" in texts(score)


def test_cases_solved_one_case_and_degree_scores_over_their_cap(linked):
    c = linked
    closed_case(c.ent_c, c.fgj, closed=at(PAST, 4, 1))
    stuck = closed_case(c.ent_c, c.fgj, closed=at(PAST, 4, 2), outcome=O.NOT_SOLVED)
    add_evidence(c, c.fgj, K.DEGREE_SCORE, points=Decimal(8), case=stuck)
    add_evidence(c, c.fgj, K.DEGREE_SCORE, points=Decimal(9), case=stuck)
    add_evidence(c, c.fgj, K.DEGREE_SCORE, points=Decimal(9), case=stuck, year=PAST - 1, on=date(PAST - 1, 5, 1))

    score = scoring.cases_solved(ctx(PAST, c.fgj), Decimal(20), {"per_case": 10, "degree_cap": 15})[c.fgj.pk]

    # 1 case → 10; degree scores 8 + 9 = 17, at most 15 → 15; 10 + 15 = 25, at most 20 → 20.
    assert score.points == D(20)
    assert "Degree scores 17, at most 15: 15; 10 + 15, at most 20: 20." in texts(score)


def test_cases_solved_one_case_and_a_small_degree_score(linked):
    c = linked
    closed_case(c.ent_d, c.gxj_sme, closed=at(PAST, 7, 1))
    add_evidence(c, c.gxj_sme, K.DEGREE_SCORE, points=Decimal(3))
    score = scoring.cases_solved(ctx(PAST, c.gxj_sme), Decimal(20), {"per_case": 10, "degree_cap": 15})
    # 1 case → 10; degree 3 (under 15) → 3; 10 + 3 = 13.
    assert score[c.gxj_sme.pk].points == D(13)


def test_cases_solved_degree_scores_alone_and_a_degree_score_on_a_solved_case(linked):
    c = linked
    solved = closed_case(c.ent_a, c.gxj, closed=at(PAST, 3, 1))
    add_evidence(c, c.gxj, K.DEGREE_SCORE, points=Decimal(6), case=solved)  # already counted as solved
    add_evidence(c, c.fgj, K.DEGREE_SCORE, points=Decimal(12))
    add_evidence(c, c.fgj, K.DEGREE_SCORE, points=Decimal(7))
    scores = scoring.cases_solved(ctx(PAST, c.gxj, c.fgj), Decimal(20), {"per_case": 10, "degree_cap": 15})
    # 工信局: 1 case → 10; its degree score is on that very case: not added → 10.
    assert scores[c.gxj.pk].points == D(10)
    assert "the case is counted above as solved" in texts(scores[c.gxj.pk])
    # 发改局: no case → 0; degree 12 + 7 = 19, at most 15 → 15.
    assert scores[c.fgj.pk].points == D(15)


# Department item 3: commendations and media reports ------------------------------------------------------------


def test_evidence_two_points_each_capped_at_ten(county):
    c = county
    for day in range(1, 7):  # 6 entries
        add_evidence(c, c.gxj, K.COMMENDATION if day % 2 else K.MEDIA_REPORT, on=date(PAST, 3, day))
    add_evidence(c, c.fgj, K.MEDIA_REPORT)
    add_evidence(c, c.fgj, K.COMMENDATION)
    add_evidence(c, c.fgj, K.DEGREE_SCORE, points=Decimal(5))  # not a kind of this item
    add_evidence(c, c.fgj, K.COMMENDATION, year=PAST - 1, on=date(PAST - 1, 3, 1))  # another year
    params = {"per_entry": 2, "kinds": ["commendation", "media_report"]}

    scores = scoring.evidence(ctx(PAST, c.gxj, c.fgj, c.gxj_sme), Decimal(10), params)

    # 工信局: 6 × 2 = 12, at most 10 → 10; the sixth entry gives 0.
    assert scores[c.gxj.pk].points == D(10)
    assert [line.points for line in scores[c.gxj.pk].lines if line.kind == "evidence"] == [D(2)] * 5 + [D(0)]
    # 发改局: 2 × 2 = 4.
    assert scores[c.fgj.pk].points == D(4)
    # 中小企业股: nothing recorded → 0.
    assert scores[c.gxj_sme.pk].points == D(0)
    assert "No commendation or media report" in texts(scores[c.gxj_sme.pk])


# Department item 4: proactive service -----------------------------------------------------------------------------


def test_proactive_cases_for_enterprises_not_linked_rated_satisfied(linked):
    c = linked
    # 发改局 is linked to ent_c only.
    counted = closed_case(c.ent_a, c.fgj, closed=at(PAST, 2, 1))
    closed_case(c.ent_b, c.fgj, closed=at(PAST, 2, 2), state=S.RESOLVED, rating=R.SATISFIED)  # rated, not closed yet
    closed_case(c.ent_a, c.fgj, closed=at(PAST, 2, 3), rating=R.BASICALLY_SATISFIED)  # 基本满意: no
    closed_case(c.ent_c, c.fgj, closed=at(PAST, 2, 4))  # linked: item 2, not here
    closed_case(c.ent_a, c.fgj, closed=at(PAST, 2, 5), outcome=O.EXPLAINED)
    closed_case(c.ent_a, c.fgj, closed=at(PAST - 1, 2, 6))  # another year
    # 工信局: 6 satisfied cases of ent_c (not linked to it).
    for day in range(1, 7):
        closed_case(c.ent_c, c.gxj, closed=at(PAST, 8, day))

    scores = scoring.proactive(ctx(PAST, c.fgj, c.gxj), Decimal(10), {"per_case": 2})

    # 发改局: 2 cases × 2 = 4.
    assert scores[c.fgj.pk].points == D(4)
    assert scores[c.fgj.pk].lines[0].ref == counted.number
    # 工信局: 6 × 2 = 12, at most 10 → 10.
    assert scores[c.gxj.pk].points == D(10)


# Item 5 (departments) and 4 (assessment_territories): daily work ---------------------------------------------------------


def test_daily_work_months_of_a_past_year(county, make_user):
    c = county
    link(c.ent_a, PAST, c.gxj, leader=c.leader, cadres=[c.cadre])
    link(c.ent_b, PAST, c.gxj)
    for month in range(1, 13):
        if month == 3:
            report(c.gxj, PAST, month, day=22, late=True)  # late
        elif month == 4:
            pass  # missing
        elif month == 5:
            report(c.gxj, PAST, month, submitted=False, status="draft")  # a draft never submitted
        elif month == 6:
            report(c.gxj, PAST, month, status="draft")  # submitted on time, reopened by the office: counts
        else:
            report(c.gxj, PAST, month)
        if month != 8:
            visit(c.ent_a, c.cadre, date(PAST, month, 5), unit=c.fgj)  # the linkage's cadre, whatever their unit
        if month != 7:
            visit(c.ent_b, c.gxj_handler, date(PAST, month, 6), unit=c.gxj)  # someone of the unit
        else:
            visit(c.ent_b, c.fgj_handler, date(PAST, month, 6), unit=c.fgj)  # someone else: does not count
    visit(c.ent_a, c.cadre, date(PAST - 1, 8, 5), unit=c.fgj)  # August of another year

    score = scoring.daily_work(ctx(PAST, c.gxj), Decimal(20), {"due_day": 20})[c.gxj.pk]

    # 12 months in the period; not counted: March (late), April (no report), May (not submitted), July
    # (ent_b not visited by the unit or its linkage), August (ent_a not visited) → 7 qualifying;
    # 20 × 7 ÷ 12 = 11.666… → 11.67.
    assert score.points == D("11.67")
    months = {line.ref: line for line in score.lines if line.kind == "month"}
    assert [ref for ref, line in months.items() if line.counted] == [
        f"{PAST}-{m:02d}" for m in (1, 2, 6, 9, 10, 11, 12)
    ]
    assert "the report was submitted late, on 2025-03-22" in months["2025-03"].text
    assert "no report was submitted" in months["2025-04"].text
    assert "no report was submitted" in months["2025-05"].text
    assert "not visited that month: 雀塘食品有限公司" in months["2025-07"].text
    assert "not visited that month: 湘中机械有限公司" in months["2025-08"].text
    assert "first submission counts" in months["2025-06"].text
    assert months["2025-01"].url == f"/reports/monthly/{c.gxj.pk}/2025-01/"
    assert "20 × 7 qualifying month(s) ÷ 12 month(s) in the period = 11.67." in texts(score)


def test_daily_work_current_year_counts_months_whose_due_day_passed(county):
    # Today is 2 December 2026: January to November are due (November's on the 20th), December is not.
    c = county
    year = 2026
    link(c.ent_a, year, c.fgj)
    for month in range(1, 13):
        if month != 2:
            report(c.fgj, year, month, day=min(15, 2) if month == 12 else 15)
        visit(c.ent_a, c.fgj_handler, date(year, month, 1), unit=c.fgj)
    score = scoring.daily_work(ctx(year, c.fgj), Decimal(20), {"due_day": 20})[c.fgj.pk]
    # 11 months in the period, February has no report → 10; 20 × 10 ÷ 11 = 18.18.
    assert score.points == D("18.18")
    december = next(line for line in score.lines if line.ref == "2026-12")
    assert not december.counted and "not in the period yet (its report is due on 2026-12-20)" in december.text


def test_months_in_period_on_and_after_the_due_day():
    # On the 20th itself the month is not in the period yet; on the 21st it is.
    assert scoring.months_in_period(2026, 20, date(2026, 11, 20))[-1] == date(2026, 10, 1)
    assert scoring.months_in_period(2026, 20, date(2026, 11, 21))[-1] == date(2026, 11, 1)
    assert len(scoring.months_in_period(2025, 20, date(2026, 1, 1))) == 12
    assert scoring.months_in_period(2026, 20, date(2026, 1, 20)) == []


def test_daily_work_with_frozen_time_early_in_the_year(county):
    c = county
    with time_machine.travel(at(2026, 3, 21), tick=False):
        report(c.town_a_gov, 2026, 1)
        report(c.town_a_gov, 2026, 2, day=21, late=True)
        score = scoring.daily_work(ctx(2026, c.town_a_gov, today=date(2026, 3, 21)), Decimal(20), {"due_day": 20})[
            c.town_a_gov.pk
        ]
    # January to March are due; 酿溪镇 leads no linkage (visits hold trivially); January on time, February
    # late, March missing → 1 of 3; 20 × 1 ÷ 3 = 6.67.
    assert score.points == D("6.67")
    assert "leads the linkage of no enterprise in 2026: the visit condition holds in every month" in texts(score)


def test_daily_work_with_no_month_due_yet(county):
    score = scoring.daily_work(ctx(2026, county.gxj, today=date(2026, 1, 10)), Decimal(20), {"due_day": 20})
    assert score[county.gxj.pk].points == D(0)
    assert "No month of 2026 has reached its report's due day yet" in texts(score[county.gxj.pk])


# Territorial items 2 and 3: rankings on loss ratio and profit --------------------------------------------------


def test_loss_ratio_rank_ties_share_the_rank(assessment_territories):
    c = assessment_territories
    scores = scoring.loss_ratio_rank(ctx(PAST, *c.units, region=c.region), Decimal(30), {"step": 1})
    # 酿溪镇 0.0 % and 雀塘镇 0.0 % share rank 1 → 30, 30; 陈家坊镇 50.0 % is rank 3 → 30 − 2 × 1 = 28;
    # 经开区 has no figures → unranked, 0.
    assert [(scores[u.pk].rank, scores[u.pk].points) for u in c.units] == [
        (1, D(30)),
        (1, D(30)),
        (3, D(28)),
        (None, D(0)),
    ]
    assert scores[c.town_c_gov.pk].figure == Decimal("50.0")
    assert "Loss ratio 50 %: 1 of 2 above-scale industrial enterprises made a loss over 2025-01 to 2025-12" in texts(
        scores[c.town_c_gov.pk]
    )
    assert "Rank 3 of 3 (lowest ratio first; equal ratios share a rank): 30 − (3 − 1) × 1 = 28." in texts(
        scores[c.town_c_gov.pk]
    )
    assert "(1 did not report)" in texts(scores[c.town_b_gov.pk])
    assert "not ranked, 0 points" in texts(scores[c.park.pk])


def test_profit_rank_highest_first(assessment_territories):
    c = assessment_territories
    scores = scoring.profit_rank(ctx(PAST, *c.units, region=c.region), Decimal(20), {"step": 1})
    # 酿溪镇 300 → 1 → 20; 陈家坊镇 50 → 2 → 19; 雀塘镇 40 → 3 → 18; 经开区 unranked → 0.
    assert [(scores[u.pk].rank, scores[u.pk].points) for u in c.units] == [
        (1, D(20)),
        (3, D(18)),
        (2, D(19)),
        (None, D(0)),
    ]
    assert scores[c.town_a_gov.pk].figure == Decimal(300)


def test_profit_rank_ties_and_a_park_by_its_registered_enterprises(assessment_territories):
    c = assessment_territories
    # A park enterprise in 雀塘镇 (profit 10): it counts for the park and for 雀塘镇 (40 + 10 = 50), which then
    # ties with 陈家坊镇 (50): both rank 2 → 19; the park (10) is rank 4 → 17.
    profit(enterprise("园区甲厂", c.town_b, above_scale=True, park=c.park), PAST, 5, 10)
    scores = scoring.profit_rank(ctx(PAST, *c.units, region=c.region), Decimal(20), {"step": 1})
    assert [(scores[u.pk].rank, scores[u.pk].points) for u in c.units] == [
        (1, D(20)),
        (2, D(19)),
        (2, D(19)),
        (4, D(17)),
    ]


def test_rankings_of_the_current_year_run_to_the_last_complete_month(assessment_territories):
    c = assessment_territories
    # Today is 2 December 2026: 2026's figures run to November; a December figure is not read.
    profit(enterprise("雀塘丙厂", c.town_b, above_scale=True), 2026, 11, -5)
    profit(enterprise("陈家坊丙厂", c.town_c, above_scale=True), 2026, 12, -5)
    scores = scoring.loss_ratio_rank(ctx(2026, *c.units, region=c.region), Decimal(30), {"step": 1})
    # 2026: 酿溪乙厂 −900 (January): 1 of 2 reported (甲厂 none) → 酿溪镇 100.0 %; 雀塘镇 1 of 1 → 100.0 %;
    # 陈家坊镇 and the park: no figure up to November → unranked.
    assert scores[c.town_a_gov.pk].rank == 1 and scores[c.town_b_gov.pk].rank == 1
    assert scores[c.town_c_gov.pk].rank is None
    assert "2026-01 to 2026-11" in texts(scores[c.town_a_gov.pk])
    assert scoring.figures_period(2026, date(2026, 12, 2)) == date(2026, 11, 1)
    assert scoring.figures_period(2026, date(2026, 1, 15)) is None


# Who is assessed ---------------------------------------------------------------------------------------------


def test_assessed_units(county):
    c = add_territories(county)
    link(c.ent_a, PAST, c.gxj)
    link(c.ent_c, PAST, c.town_a_gov)  # a township leading a linkage is not a department
    departments = scoring.assessed_units(PAST, "department", c.region)
    # 工信局 leads a 2025 linkage (ent_a; ent_b's of the root conftest is 2025 too); 发改局 and 中小企业股 none.
    assert departments == [c.gxj]
    territorial = scoring.assessed_units(PAST, "territorial", c.region)
    # The townships and the park; not the county government, nor the office.
    assert {u.pk for u in territorial} == {c.town_a_gov.pk, c.town_b_gov.pk, c.town_c_gov.pk, c.park.pk}


# Parameters -----------------------------------------------------------------------------------------------------


def test_params_errors_name_each_wrong_key():
    assert scoring.params_errors("cases_solved", {"per_case": 10, "degree_cap": 15}) == []
    errors = scoring.params_errors("cases_solved", {"per_case": 0, "cap": 15})
    assert errors == [
        "“cap” is not a parameter of this rule (its parameters: per_case, degree_cap).",
        "“per_case” must be more than 0.",
        "“degree_cap” is missing.",
    ]
    assert scoring.params_errors("evidence", {"per_entry": "x", "kinds": ["degree_score"]}) == [
        "“per_entry” must be a number.",
        "“kinds” must list one or more of commendation, media_report, each once.",
    ]
    assert scoring.params_errors("daily_work", {"due_day": 31}) == [
        "“due_day” must be a whole day of the month from 1 to 28."
    ]
    assert scoring.params_errors("plan_goals", {"weight": 1}) == [
        "“weight” is not a parameter of this rule (it takes none)."
    ]
    assert scoring.params_errors("loss_ratio_rank", {"step": -1}) == ["“step” must be 0 or more."]
    assert scoring.params_errors("profit_rank", []) == ["The parameters must be an object of names and values."]
    assert scoring.params_errors("loss_ratio_rank", {"step": 0.125}) == ["“step” may have at most two decimal places."]
    assert CHINA  # the support module's zone is the one the cases are written in
