"""The dashboard selector against the worked example of test_dashboard_support: the figures, the targets,
the unit ranking with its tie, the enterprises at risk, the plan goals, and each user's slice."""

from datetime import date
from decimal import Decimal

import pytest

from reports.selectors import dashboard as selectors
from reports.tests.test_dashboard_support import MARCH, more_cases

pytest_plugins = ["reports.tests.test_dashboard_support"]
pytestmark = pytest.mark.usefixtures("dashboard_english")


@pytest.fixture
def example(dashboard_example):
    return dashboard_example


def test_the_whole_and_each_month(example):
    board = selectors.dashboard(example.office_user, *MARCH)
    t = board.total
    assert (t.collected, t.rejected, t.solved, t.explained, t.overdue_open) == (9, 1, 4, 1, 1)
    assert t.resolution_rate == Decimal("62.5") and t.satisfaction_rate == Decimal("66.7")
    assert [row.key for row in board.by_month.rows] == [date(2026, 3, 1)]
    data = selectors.as_data(board)
    assert data["by_month"][0]["collected"] == 9 and data["by_month"][0]["satisfaction_rate"] == 66.7


def test_by_category_channel_and_region(example):
    data = selectors.as_data(selectors.dashboard(example.office_user, *MARCH))
    assert {row["label"]: row["collected"] for row in data["by_category"]} == {"融资": 5, "用工": 4}
    channels = {row["key"]: row["collected"] for row in data["by_channel"]}
    assert channels == {"self_service": 5, "hotline": 4}
    assert {row["label"]: row["collected"] for row in data["by_region"]} == {"酿溪镇": 6, "雀塘镇": 3}


def test_the_unit_ranking_shares_a_rank_on_a_tie(example):
    board = selectors.dashboard(example.office_user, *MARCH)
    ranking = [(r.rank, r.item.label, r.item.resolution_rate, r.item.on_time_rate) for r in board.ranking]
    assert ranking[:2] == [
        (1, "县工信局", Decimal(100), Decimal(100)),
        (1, "县发改局", Decimal(100), Decimal(100)),
    ] or ranking[:2] == [(1, "县发改局", Decimal(100), Decimal(100)), (1, "县工信局", Decimal(100), Decimal(100))]
    assert ranking[2:] == [
        (3, "酿溪镇人民政府", Decimal(50), Decimal(0)),
        (4, "县工信局中小企业股", Decimal(0), None),
    ]
    rows = selectors.as_data(board)["ranking"]
    assert [(row["rank"], row["tied"]) for row in rows] == [(1, True), (1, True), (3, False), (4, False)]


def test_the_on_time_rate_breaks_an_equal_resolution_rate(example):
    example.cases[2].resolved_on_time = False
    example.cases[2].save()
    board = selectors.dashboard(example.office_user, *MARCH)
    assert [(r.rank, r.item.label) for r in board.ranking[:2]] == [(1, "县发改局"), (2, "县工信局")]


def test_the_targets_and_where_the_jurisdiction_stands(example):
    board = selectors.dashboard(example.office_user, *MARCH)
    assert board.figures_month == date(2026, 3, 1)
    standing = {s.target.key: (s.figure, s.met) for s in board.targets}
    assert standing == {
        "resolution_rate": (Decimal("62.5"), False),
        "loss_ratio": (Decimal("33.3"), False),
        "profit_growth": (Decimal("11.5"), False),
    }
    targets = selectors.as_data(board)["targets"]
    assert [t["target"] for t in targets] == [97.0, 4.0, 12.0]
    assert targets[1]["url"].endswith(f"?period=2026-03&region={example.region.pk}")


def test_a_target_met_and_one_without_figures(example, settings):
    settings.REPORT_TARGET_RESOLUTION_RATE = 60
    board = selectors.dashboard(example.office_user, date(2026, 3, 1), date(2026, 3, 31))
    assert board.targets[0].met is True
    # No figures in 2024: neither ratio can be judged.
    board = selectors.dashboard(example.office_user, date(2024, 1, 1), date(2024, 12, 31))
    assert [(s.figure, s.met) for s in board.targets[1:]] == [(None, None), (None, None)]


def test_the_figures_month_is_the_last_whole_one(dashboard_frozen):
    assert selectors.figures_month(date(2026, 3, 31)) == date(2026, 3, 1)
    assert selectors.figures_month(date(2026, 3, 30)) == date(2026, 2, 1)
    # Never a month whose figures are not due yet: on 2026-11-22 that is October's.
    assert selectors.figures_month(date(2026, 11, 30)) == date(2026, 10, 1)


def test_enterprises_at_risk_and_plan_goals(example):
    board = selectors.dashboard(example.office_user, *MARCH)
    assert (board.risk.orange, board.risk.red, board.risk.at_risk) == (1, 1, 2)
    goals = board.plan_goals
    assert (goals.year, goals.plans, goals.goals, goals.achieved, goals.ratio) == (2026, 2, 3, 2, Decimal("66.7"))
    by_category = {row.category: (row.plans, row.goals, row.achieved) for row in goals.by_category}
    assert by_category["turnaround"] == (1, 2, 1) and by_category["srdi"] == (1, 1, 1)
    assert by_category["stabilise"] == (0, 0, 0)  # the draft is not counted


def test_a_unit_sees_only_its_cases(example):
    board = selectors.dashboard(example.gxj_handler, *MARCH)
    assert (board.total.collected, board.total.solved) == (2, 2)
    assert [r.item.label for r in board.ranking] == ["县工信局"]
    # 工信局 leads no enterprise this year and has no territory: no enterprise, no plan.
    assert board.risk.at_risk == 0 and board.plan_goals.goals == 0
    # The head also sees the unit below.
    board = selectors.dashboard(example.gxj_head, *MARCH)
    assert board.total.collected == 3
    assert [r.item.label for r in board.ranking] == ["县工信局", "县工信局中小企业股"]


def test_a_township_sees_its_cases_and_its_territory(example):
    board = selectors.dashboard(example.town_a_handler, *MARCH)
    assert board.total.collected == 2  # cases 5 and 6
    # ent_a (red) and ent_c lie in 酿溪镇.
    assert (board.risk.red, board.risk.orange) == (1, 0)
    assert board.plan_goals.goals == 3
    assert board.loss.total.enterprises == 2


def test_a_leader_sees_the_linked_enterprises(example):
    example.ent_c.warning_level = 2
    example.ent_c.save()
    board = selectors.dashboard(example.leader, *MARCH)
    assert board.total.collected == 3  # cases 4, 6 and 7 of ent_c
    assert (board.risk.orange, board.risk.red) == (1, 0)
    assert (board.plan_goals.goals, board.plan_goals.achieved) == (1, 1)
    assert board.loss.total.enterprises == 1 and board.targets[1].figure == Decimal(0)
    assert board.case_queue == "linked"


def test_the_case_queue_of_each_role(example):
    assert selectors.case_queue(example.office_user) == "all"
    assert selectors.case_queue(example.auditor) == "all"
    assert selectors.case_queue(example.gxj_handler) == "all"
    assert selectors.case_queue(example.leader) == "linked"


def test_an_empty_period(county, dashboard_frozen):
    board = selectors.dashboard(county.office_user, date(2026, 1, 1), date(2026, 11, 22))
    assert board.total.collected == 0 and board.ranking == []
    assert len(board.by_month.rows) == 11
    data = selectors.as_data(board)
    assert data["total"]["resolution_rate"] is None and data["plans"]["ratio"] is None


def test_query_count_does_not_grow(example, django_assert_num_queries):
    user = example.office_user
    selectors.dashboard(user, *MARCH)  # warms the calendar cache
    # 18, and 1 for the event targets (none here; reports/tests/test_dashboard_event_targets.py has them)
    with django_assert_num_queries(19) as first:
        selectors.dashboard(user, *MARCH)
    more_cases(example, 12)
    with django_assert_num_queries(len(first.captured_queries)):
        board = selectors.dashboard(user, *MARCH)
    assert board.total.collected == 21
