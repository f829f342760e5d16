"""The dispatch report's figures against the worked month of test_dispatch_support (October 2026), the live
month, the slices of units and leaders, a month built through the real case services, bad months, and the
query count as cases, units and visits grow."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from accounts.models import Unit
from cases.models import Case, CaseCategory
from cases.services import dispatch, handling, intake
from conftest import make_credit_code
from enterprises.models import Enterprise, Linkage, MonthlyFigure, Visit
from reports.selectors.dispatch import as_data, check_month, dispatch_report, parse_report_month
from reports.tests.test_dispatch_support import CHINA, NOW, OCTOBER, at, open_case

pytest_plugins = ["reports.tests.test_dispatch_support"]
pytestmark = pytest.mark.usefixtures("dispatch_english")


def numbers(report) -> list[str]:
    return [item.case.number for item in report.overdue]


def test_the_worked_month(dispatch_example):
    report = dispatch_report(dispatch_example.office_user, OCTOBER)
    cases = dispatch_example.cases
    assert (report.month, report.date_from, report.date_to) == (OCTOBER, date(2026, 10, 1), date(2026, 10, 31))
    assert report.as_of == datetime(2026, 11, 1, tzinfo=CHINA) and not report.live
    c = report.counts
    assert (c.new, c.solved, c.explained, c.not_solved) == (8, 2, 1, 1)
    assert c.solved_or_explained == 3
    assert (c.overdue, c.listed_open, c.listed_in_month) == (3, 2, 3)
    # Most overdue first, working days from the deadline to the month's end.
    assert numbers(report) == [cases[k].number for k in "GAC"]
    assert [item.working_days_overdue for item in report.overdue] == [Decimal("32.6"), Decimal("4.6"), Decimal("2.6")]
    assert [item.listed for item in report.overdue] == [False, True, False]
    assert [item.case.lead_unit for item in report.overdue] == [
        dispatch_example.fgj,
        dispatch_example.gxj,
        dispatch_example.gxj_sme,
    ]
    assert [(row.label, row.count) for row in report.overdue_by_unit] == [
        ("县工信局", 1),
        ("县工信局中小企业股", 1),
        ("县发改局", 1),
    ]


def test_links_open_the_lists_that_show_exactly_the_figure(dispatch_example):
    report = dispatch_report(dispatch_example.office_user, OCTOBER)
    month = "submitted_from=2026-10-01&submitted_to=2026-10-31"
    assert report.counts.new_url == f"/cases/?queue=all&{month}"
    # The list shows what is overdue now, not at the end of October.
    assert report.counts.overdue_url is None
    links = {group.row.key: group.url for group in report.by_unit_rows}
    # 工信局's list would take in 中小企业股's case too: no link; units without a unit row below them link.
    assert links[dispatch_example.gxj.pk] is None
    assert links[dispatch_example.gxj_sme.pk] == f"/cases/?queue=all&{month}&lead_unit={dispatch_example.gxj_sme.pk}"
    assert links[dispatch_example.fgj.pk] == f"/cases/?queue=all&{month}&lead_unit={dispatch_example.fgj.pk}"
    assert links[None] is None
    regions = {group.row.key: group.url for group in report.by_region_rows}
    assert regions == {
        dispatch_example.town_a.pk: f"/cases/?queue=all&{month}&region={dispatch_example.town_a.pk}",
        dispatch_example.town_b.pk: f"/cases/?queue=all&{month}&region={dispatch_example.town_b.pk}",
    }
    assert report.plans.rows[0].url == "/enterprises/plans/?year=2026&category=turnaround"
    assert report.coverage_url == "/visits/coverage/?month=2026-10&table=units"


def test_indicators_by_unit_and_region(dispatch_example):
    report = dispatch_report(dispatch_example.office_user, OCTOBER)
    by_unit = {row.key: row for row in report.by_unit.rows}
    assert {key: row.collected for key, row in by_unit.items()} == {
        dispatch_example.gxj.pk: 2,
        dispatch_example.gxj_sme.pk: 1,
        dispatch_example.fgj.pk: 2,
        dispatch_example.town_b_gov.pk: 1,
        None: 2,
    }
    assert by_unit[dispatch_example.fgj.pk].solved == 2 and by_unit[dispatch_example.fgj.pk].resolution_rate == Decimal(
        "100.0"
    )
    assert report.by_unit.total.collected == 8
    by_region = {row.key: row.collected for row in report.by_region.rows}
    assert by_region == {dispatch_example.town_a.pk: 5, dispatch_example.town_b.pk: 3}


def test_visits_plans_and_economy(dispatch_example):
    report = dispatch_report(dispatch_example.office_user, OCTOBER)
    coverage = {row.unit_id: (row.linked, row.visited, row.coverage) for row in report.coverage}
    assert coverage == {
        dispatch_example.gxj.pk: (1, 1, Decimal("100.0")),
        dispatch_example.gxj_sme.pk: (1, 0, Decimal("0.0")),
    }
    total = report.coverage_total
    assert (total.linked, total.visited, total.coverage) == (2, 1, Decimal("50.0"))

    plans = report.plans
    assert (plans.year, plans.plans, plans.goals, plans.achieved, plans.ratio) == (2026, 2, 3, 2, Decimal("66.7"))
    by_category = {row.summary.category: (row.summary.goals, row.summary.achieved) for row in plans.rows}
    assert by_category["turnaround"] == (2, 1) and by_category["srdi"] == (1, 1)

    economy = report.economy.total
    assert economy.enterprises == 2  # ent_b's linkage is last year's
    assert economy.output_value.current == Decimal(600) and economy.output_value.growth == Decimal("-9.1")
    assert economy.revenue.current == Decimal(480) and economy.revenue.growth == Decimal("14.3")
    assert economy.total_profit == Decimal(10) and economy.profit_growth == Decimal("-250.0")
    assert (economy.reported, economy.loss_making, economy.loss_ratio) == (2, 1, Decimal("50.0"))
    rows = {row.key: row for row in report.economy.by_unit}
    assert set(rows) == {dispatch_example.gxj.pk, dispatch_example.gxj_sme.pk}
    assert rows[dispatch_example.gxj.pk].total_profit == Decimal(-30) and rows[
        dispatch_example.gxj.pk
    ].loss_ratio == Decimal("100.0")
    assert rows[dispatch_example.gxj_sme.pk].output_value.growth is None  # nothing last year to compare with


def test_the_current_month_is_read_now(dispatch_example):
    report = dispatch_report(dispatch_example.office_user, date(2026, 12, 1))
    assert report.live and report.as_of == NOW
    # Open past the deadline now: G, A and I (C was answered in November; E is paused).
    assert numbers(report) == [dispatch_example.cases[k].number for k in "GAI"]
    assert report.counts.overdue == 3 and report.counts.new == 0
    assert report.counts.listed_open == 2
    assert report.counts.overdue_url == "/cases/?queue=all&level=overdue"
    # I: due Tue 11-10 09:00; 0.625 of that day, 15 working days from 11-11 to 12-01, and 10 hours of 12-02.
    i = next(item for item in report.overdue if item.case == dispatch_example.cases["I"])
    assert i.working_days_overdue == Decimal("16.0")


def test_november_reads_its_own_end(dispatch_example):
    report = dispatch_report(dispatch_example.office_user, date(2026, 11, 15))
    assert report.month == date(2026, 11, 1) and report.as_of == datetime(2026, 12, 1, tzinfo=CHINA)
    assert report.counts.new == 1  # I
    assert report.counts.explained == 1  # C, answered on 11-05
    assert numbers(report) == [dispatch_example.cases[k].number for k in "GAI"]


def test_a_unit_sees_its_slice(dispatch_example):
    handler = dispatch_report(dispatch_example.gxj_handler, OCTOBER)
    c = handler.counts
    assert (c.new, c.solved, c.explained, c.not_solved, c.overdue, c.listed_open) == (2, 0, 1, 1, 1, 1)
    assert numbers(handler) == [dispatch_example.cases["A"].number]
    assert {row.key for row in handler.by_unit.rows} == {dispatch_example.gxj.pk}
    # The unit's own linkage and visits; the economy of the enterprises it leads.
    assert [row.unit_id for row in handler.coverage] == [dispatch_example.gxj.pk]
    assert handler.economy.total.enterprises == 1 and handler.plans.plans == 1

    head = dispatch_report(dispatch_example.gxj_head, OCTOBER)
    assert (head.counts.new, head.counts.overdue) == (3, 2)
    assert numbers(head) == [dispatch_example.cases[k].number for k in "AC"]
    assert head.economy.total.enterprises == 2

    colleague = dispatch_report(dispatch_example.fgj_handler, OCTOBER)
    assert (colleague.counts.new, colleague.counts.solved, colleague.counts.overdue) == (2, 2, 1)
    assert numbers(colleague) == [dispatch_example.cases["G"].number]
    assert colleague.economy.total.enterprises == 0


def test_a_leader_sees_the_linked_enterprises_and_gets_no_case_links(dispatch_example):
    report = dispatch_report(dispatch_example.leader, OCTOBER)
    # ent_c is linked to the leader (C, G), and the leader listed F.
    assert (report.counts.new, report.counts.overdue, report.counts.listed_open) == (2, 2, 1)
    assert numbers(report) == [dispatch_example.cases[k].number for k in "GC"]
    assert report.case_queue is None and report.counts.new_url is None
    assert all(group.url is None for group in report.by_unit_rows)


def test_a_month_built_through_the_services(county):
    """Cases filed, assigned, accepted and answered through cases.services at their October moments."""
    category = CaseCategory.objects.get(code="financing")

    def file(title):
        return intake.case_submit(
            actor=county.ent_a_user,
            enterprise_ids=[county.ent_a.pk],
            channel=Case.Channel.SELF_SERVICE,
            title=title,
            description="企业流动资金贷款到期，银行要求先还后贷。",
            category_id=category.pk,
        )[0]

    with time_machine.travel(at(10, 9, 10), tick=False):
        late = file("续贷困难")
        dispatch.case_assign(actor=county.office_user, case_id=late.pk, lead_unit_id=county.gxj.pk)
        handling.case_accept(actor=county.gxj_handler, case_id=late.pk)
    with time_machine.travel(at(10, 12, 10), tick=False):
        answered = file("用工审批")
        dispatch.case_assign(actor=county.office_user, case_id=answered.pk, lead_unit_id=county.gxj.pk)
        handling.case_accept(actor=county.gxj_handler, case_id=answered.pk)
    with time_machine.travel(at(10, 14, 15), tick=False):
        # The head's reply goes out at once: the case is resolved.
        handling.reply_draft(actor=county.gxj_head, case_id=answered.pk, outcome="solved", text="已协调办理")
    late.refresh_from_db()
    # Five working days from Fri 10-09 10:00 (weekend 10-10 is a make-up workday, 10-11 a Sunday off).
    assert late.due_at == at(10, 15, 10)

    with time_machine.travel(NOW, tick=False):
        report = dispatch_report(county.office_user, OCTOBER)
    c = report.counts
    assert (c.new, c.solved, c.overdue, c.listed_open) == (2, 1, 1, 0)
    assert numbers(report) == [late.number]
    # 10-15 from 10:00 (0.583), 10-16, 10-19..23, 10-26..30: 11.583 → 11.6 working days.
    assert report.overdue[0].working_days_overdue == Decimal("11.6")
    assert report.by_unit.total.solved == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2026-13", "is not a month"),
        ("October", "is not a month"),
        ("", "is not a month"),
        ("2027-01", "has not begun yet"),
        ("1999-12", "must not be before 2000"),
    ],
)
def test_bad_months_are_refused(county, dispatch_frozen, text, message):
    with pytest.raises(ValidationError) as error:
        dispatch_report(county.office_user, parse_report_month(text))
    assert message in " ".join(error.value.message_dict["month"])


def test_a_month_is_any_day_of_it_and_must_be_a_date(dispatch_frozen):
    assert check_month(date(2026, 10, 17)) == OCTOBER
    with pytest.raises(ValidationError):
        check_month("2026-10")


def grow(county, how_many: int) -> None:
    """`how_many` more units, each leading the linkage of a new enterprise with figures, visited, and an
    overdue, listed October case of it: every part of the report gets rows."""
    for _n in range(how_many):
        serial = Enterprise.objects.count() + 100
        unit = Unit.objects.create(
            code=f"X{serial}", name=f"单位{serial}", kind=Unit.Kind.DEPARTMENT, parent=county.gov, region=county.region
        )
        enterprise = Enterprise.objects.create(
            credit_code=make_credit_code(serial), name=f"企业{serial}", region=county.town_b
        )
        Linkage.objects.create(enterprise=enterprise, year=2026, lead_unit=unit)
        MonthlyFigure.objects.create(enterprise=enterprise, period=OCTOBER, total_profit=Decimal(-1))
        Visit.objects.create(enterprise=enterprise, visitor=county.gxj_handler, unit=unit, visited_on=date(2026, 10, 3))
        open_case(enterprise, unit, submitted_at=at(10, 9), due_at=at(10, 20), listed_at=at(10, 21))


def test_the_query_count_does_not_grow(dispatch_example, django_assert_num_queries):
    dispatch_report(dispatch_example.office_user, OCTOBER)  # warms the calendar cache
    grow(dispatch_example, 2)
    # counts, overdue list, coverage, indicators by unit (cases, acceptances, spans, labels) and by region
    # (the same four; the user's unit and its region were read by the first call), plans, unit paths,
    # economy (enterprises, figures, leads)
    with django_assert_num_queries(16):
        small = dispatch_report(dispatch_example.office_user, OCTOBER)
    grow(dispatch_example, 8)
    with django_assert_num_queries(16):
        large = dispatch_report(dispatch_example.office_user, OCTOBER)
    assert (small.counts.overdue, large.counts.overdue) == (5, 13)
    assert len(large.by_unit.rows) == len(small.by_unit.rows) + 8
    assert len(large.coverage) == len(small.coverage) + 8
    assert len(large.economy.by_unit) == len(small.economy.by_unit) + 8
    assert large.economy.total.loss_making == 11
    assert as_data(large)["summary"]["new"] == 18


def test_data_is_json_ready(dispatch_example):
    import json

    data = as_data(dispatch_report(dispatch_example.office_user, OCTOBER))
    assert json.loads(json.dumps(data)) == data
    assert data["summary"]["overdue"] == 3 and data["overdue_cases"][0]["working_days_overdue"] == 32.6
