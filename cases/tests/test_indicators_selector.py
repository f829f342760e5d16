"""The indicators selector against the worked example of test_indicators_support (read its docstring for
the figures), the seed's 98.9 %, grouping, scope, zero denominators and the query count."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from accounts.models import Region
from cases.models import Case, CaseCategory
from cases.selectors.indicators import indicators, percent, working_time_each
from cases.tests.test_indicators_support import NOW, at, make_case
from conftest import make_credit_code
from core import workdays
from core.models import CalendarDay
from enterprises.models import Enterprise

pytest_plugins = ["cases.tests.test_indicators_support"]

D = Decimal


@pytest.fixture(autouse=True)
def in_english():
    """Labels are compared in English; the site's default language is Chinese."""
    with translation.override("en"):
        yield


MARCH = {"date_from": date(2026, 3, 1), "date_to": date(2026, 3, 31), "now": NOW}


def figures(row) -> dict:
    return row.as_dict()


def test_percent_rounds_half_up_and_has_no_zero_denominator():
    assert percent(2161, 2184) == D("98.9")
    assert percent(1, 8) == D("12.5") and percent(1, 16) == D("6.3") and percent(2, 3) == D("66.7")
    assert percent(0, 0) is None and percent(0, 5) == D("0.0")


def test_working_time_matches_the_calendar_walk(db):
    """The one-pass count agrees with core.workdays on every span: within a day, across weekends, the
    Spring Festival and National Day with their make-up workdays, a day the office entered, rest-day ends,
    midnight ends, and a span that ends before it starts (no time)."""
    CalendarDay.objects.create(date=date(2026, 3, 13), is_workday=False, name="停工日")
    spans = [
        (at(3, 2, 9), at(3, 2, 17)),
        (at(3, 6, 10), at(3, 10, 10)),
        (at(3, 7, 10), at(3, 8, 22)),  # a weekend: no working time
        (at(3, 12, 9), at(3, 16, 9)),  # over the entered rest day
        (at(2, 10, 15), at(2, 27, 11)),  # Spring Festival 2026
        (at(9, 25, 9), at(10, 12, 0)),  # National Day and the make-up Saturday, ending at midnight
        (at(1, 1, 0), at(12, 31, 23, 59)),
        (at(12, 30, 9, year=2025), at(1, 5, 9)),
        (at(3, 5, 9), at(3, 4, 9)),
    ]
    expected = [max(workdays.working_time_between(a, b), timedelta(0)) for a, b in spans]
    assert working_time_each(spans) == expected
    assert expected[1] == timedelta(days=2) and expected[2] == timedelta(0)
    assert working_time_each([]) == []


def test_the_whole_of_the_example(example):
    report = indicators(example.office_user, **MARCH)
    assert report.rows == []
    data = figures(report.total)
    assert {k: data[k] for k in ("collected", "assigned", "rejected", "resolved")} == {
        "collected": 10,
        "assigned": 8,
        "rejected": 2,
        "resolved": 4,
    }
    assert (data["solved"], data["explained"], data["not_solved"]) == (2, 1, 1)
    assert data["resolution_rate"] == D("37.5")
    assert (data["closed_or_resolved"], data["closure_base"], data["closure_rate"]) == (4, 7, D("57.1"))
    assert (data["resolved_on_time"], data["on_time_rate"]) == (3, D("75.0"))
    assert (data["satisfied"], data["rated"], data["satisfaction_rate"]) == (2, 3, D("66.7"))
    assert (data["leads_accepted_on_time"], data["leads_accepted"], data["timely_acceptance_rate"]) == (5, 6, D("83.3"))
    assert (data["returned"], data["return_rate"]) == (2, D("25.0"))
    assert (data["reopened"], data["reopen_base"], data["reopen_rate"]) == (2, 5, D("40.0"))
    assert (data["overdue_open"], data["resolved_late"]) == (1, 1)
    assert report.total.working_time_total == timedelta(days=7.5)
    assert data["average_working_days"] == D("1.9")


def test_the_period_is_the_day_of_submission_in_china_time(example):
    # J was submitted at 23:59 on 31 March China time (15:59 UTC): March, not April.
    april = indicators(example.office_user, date_from=date(2026, 4, 1), date_to=date(2026, 4, 30), now=NOW)
    assert april.total.collected == 0
    one_day = indicators(example.office_user, date_from=date(2026, 3, 31), date_to=date(2026, 3, 31), now=NOW)
    assert one_day.total.collected == 1
    february = indicators(example.office_user, date_from=date(2026, 2, 1), date_to=date(2026, 2, 28), now=NOW)
    assert february.total.collected == 1 and february.total.solved == 0  # X has no resolution time


def test_overdue_is_judged_at_the_moment_given(example):
    # On 5 March, C (due 10 March) was not overdue yet.
    early = indicators(example.office_user, **{**MARCH, "now": at(3, 5, 12)})
    assert early.total.overdue_open == 0
    # A paused clock is not overdue, however late.
    Case.objects.filter(pk=example.cases["C"].pk).update(state=Case.State.WAITING, paused_since=at(3, 4))
    assert indicators(example.office_user, **MARCH).total.overdue_open == 0


def test_by_lead_unit(example):
    report = indicators(example.office_user, group_by="unit", **MARCH)
    assert [(r.key, r.label) for r in report.rows] == [
        (example.gxj.pk, "县工信局"),
        (example.fgj.pk, "县发改局"),
        (None, "No lead unit (awaiting assignment)"),
    ]
    gxj, fgj, none = (figures(r) for r in report.rows)
    # 工信局: C D E H.
    assert (gxj["collected"], gxj["assigned"], gxj["resolved"], gxj["solved"]) == (4, 4, 2, 2)
    assert (gxj["resolution_rate"], gxj["closure_rate"], gxj["on_time_rate"]) == (D("50.0"), D("50.0"), D("100.0"))
    assert (gxj["satisfaction_rate"], gxj["timely_acceptance_rate"]) == (D("100.0"), D("100.0"))
    assert (gxj["return_rate"], gxj["reopen_rate"], gxj["overdue_open"]) == (D("25.0"), D("0.0"), 1)
    assert gxj["average_working_days"] == D("2.5")
    # 发改局: F G I; 工信局中小企业股 co-handles F and is not credited.
    assert (fgj["collected"], fgj["explained"], fgj["not_solved"], fgj["resolution_rate"]) == (3, 1, 1, D("33.3"))
    assert (fgj["closure_rate"], fgj["on_time_rate"], fgj["satisfaction_rate"]) == (D("66.7"), D("50.0"), D("50.0"))
    assert (fgj["timely_acceptance_rate"], fgj["return_rate"], fgj["reopen_rate"]) == (D("66.7"), D("0.0"), D("66.7"))
    assert (fgj["resolved_late"], fgj["average_working_days"]) == (1, D("1.3"))  # (2.0 + 0.5) ÷ 2 = 1.25
    # A B J: nothing to close, rate or accept.
    assert (none["collected"], none["assigned"], none["rejected"], none["resolution_rate"]) == (3, 1, 2, D("0.0"))
    assert none["closure_rate"] is none["on_time_rate"] is none["satisfaction_rate"] is None
    assert none["timely_acceptance_rate"] is none["reopen_rate"] is none["average_working_days"] is None
    assert none["return_rate"] == D("100.0")
    # The groups add up to the whole.
    assert sum(r.collected for r in report.rows) == report.total.collected == 10
    assert report.total.resolution_rate == D("37.5")


def test_by_region_one_level_below_the_jurisdiction(example):
    county_firm = Enterprise.objects.create(
        credit_code=make_credit_code(90), name="县城直属企业", region=example.region
    )
    make_case(county_firm, submitted_at=at(3, 9))
    report = indicators(example.office_user, group_by="region", **MARCH)
    assert report.region == example.region
    assert [(r.key, r.label, r.collected) for r in report.rows] == [
        (example.town_a.pk, "酿溪镇", 7),
        (example.town_b.pk, "雀塘镇", 3),
        (example.region.pk, "新邵县 (directly)", 1),
    ]
    town_a = report.rows[0]
    # A C E F G H J: solved E H, explained F over 7 − 1 rejected.
    assert (town_a.solved, town_a.explained, town_a.resolution_rate) == (2, 1, D("50.0"))


def test_by_region_below_a_chosen_region(example):
    village = Region.objects.create(
        code="430522100201", name="城东社区", level=Region.Level.VILLAGE, parent=example.town_a
    )
    Enterprise.objects.filter(pk=example.ent_c.pk).update(region=village)
    report = indicators(example.office_user, group_by="region", region_id=example.town_a.pk, **MARCH)
    assert report.region == example.town_a
    assert [(r.key, r.label, r.collected) for r in report.rows] == [
        (village.pk, "城东社区", 2),
        (example.town_a.pk, "酿溪镇 (directly)", 5),
    ]
    assert report.total.collected == 7


def test_a_township_handler_groups_by_its_villages(example):
    village = Region.objects.create(
        code="430522100201", name="城东社区", level=Region.Level.VILLAGE, parent=example.town_a
    )
    Enterprise.objects.filter(pk=example.ent_c.pk).update(region=village)
    case = make_case(example.ent_c, submitted_at=at(3, 9), lead=example.town_a_gov, state=Case.State.ASSIGNED)
    report = indicators(example.town_a_handler, group_by="region", **MARCH)
    assert [(r.key, r.collected) for r in report.rows] == [(village.pk, 1)]
    assert report.total.collected == 1 and case.enterprise_id == example.ent_c.pk


def test_by_category_and_channel(example):
    other = CaseCategory.objects.exclude(code="financing").order_by("sort_order").first()
    Case.objects.filter(pk__in=[example.cases["E"].pk, example.cases["F"].pk]).update(
        category=other, channel=Case.Channel.HOTLINE
    )
    by_category = indicators(example.office_user, group_by="category", **MARCH)
    financing = CaseCategory.objects.get(code="financing")
    expected = sorted([(financing, 8), (other, 2)], key=lambda item: (item[0].sort_order, item[0].code))
    assert [(r.key, r.label, r.collected) for r in by_category.rows] == [(c.pk, c.name, n) for c, n in expected]
    moved = next(r for r in by_category.rows if r.key == other.pk)
    assert (moved.solved, moved.explained, moved.resolution_rate, moved.satisfaction_rate) == (
        1,
        1,
        D("100.0"),
        D("100.0"),
    )

    by_channel = indicators(example.office_user, group_by="channel", **MARCH)
    assert [(r.key, r.collected) for r in by_channel.rows] == [("self_service", 8), ("hotline", 2)]
    assert by_channel.rows[1].label == "hotline"


def test_by_month_lists_every_month_of_the_period(example):
    report = indicators(
        example.office_user, group_by="month", date_from=date(2026, 1, 15), date_to=date(2026, 4, 2), now=NOW
    )
    assert [(r.key, r.label, r.collected) for r in report.rows] == [
        (date(2026, 1, 1), "2026-01", 0),
        (date(2026, 2, 1), "2026-02", 1),
        (date(2026, 3, 1), "2026-03", 10),
        (date(2026, 4, 1), "2026-04", 0),
    ]
    assert report.rows[0].resolution_rate is None and report.rows[2].resolution_rate == D("37.5")
    assert report.total.collected == 11


def test_filters(example):
    assert indicators(example.office_user, unit_id=example.fgj.pk, **MARCH).total.collected == 3
    # A unit's filter takes in the cases its sub-units lead.
    assert indicators(example.office_user, unit_id=example.gov.pk, **MARCH).total.collected == 7
    assert indicators(example.office_user, region_id=example.town_b.pk, **MARCH).total.collected == 3
    assert indicators(example.office_user, channel="hotline", **MARCH).total.collected == 0
    financing = CaseCategory.objects.get(code="financing")
    assert indicators(example.office_user, category_id=financing.pk, **MARCH).total.collected == 10


def test_scope(example):
    # 工信局's handler: the cases its unit holds an assignment on (C D E H as lead, J returned).
    gxj = indicators(example.gxj_handler, group_by="unit", **MARCH)
    assert gxj.total.collected == 5
    assert [(r.key, r.collected) for r in gxj.rows] == [(example.gxj.pk, 4), (None, 1)]
    # The head of 工信局 sees its section's co-handled F too, under its lead unit 发改局.
    head = indicators(example.gxj_head, group_by="unit", **MARCH)
    assert [(r.key, r.collected) for r in head.rows] == [(example.gxj.pk, 4), (example.fgj.pk, 1), (None, 1)]
    assert indicators(example.sme_handler, **MARCH).total.collected == 1
    # The leader and the cadre are linked to ent_c (F and G).
    assert indicators(example.leader, **MARCH).total.collected == 2
    # An enterprise user reaches its own cases only.
    assert indicators(example.ent_b_user, **MARCH).total.collected == 3


def test_zero_denominators(county):
    report = indicators(county.office_user, group_by="unit", **MARCH)
    assert report.rows == []
    data = figures(report.total)
    assert data["collected"] == 0
    rates = [k for k in data if k.endswith("_rate")] + ["average_working_days"]
    assert len(rates) == 8 and all(data[k] is None for k in rates)

    make_case(county.ent_a, submitted_at=at(3, 2), state=Case.State.REJECTED)
    report = indicators(county.office_user, **MARCH)
    # collected − rejected = 0: no resolution rate rather than a division by zero.
    assert (report.total.collected, report.total.resolution_rate) == (1, None)


def test_seed_figure_2161_of_2184_is_98_9_percent(county):
    """Seed 002: 2,184 problems collected, 2,161 solved or explained → 98.9 %."""
    category = CaseCategory.objects.get(code="financing")
    submitted, assigned, resolved = at(2, 10), at(2, 10, 10), at(2, 12, 10)
    base = {
        "year": 2026,
        "enterprise": county.ent_a,
        "title": "诉求",
        "description": "种子数据",
        "category": category,
        "channel": Case.Channel.VISIT,
        "submitted_at": submitted,
        "first_assigned_at": assigned,
        "lead_unit": county.gxj,
    }
    done = {"state": Case.State.CLOSED, "resolved_at": resolved, "resolved_on_time": True}
    rows = [
        Case(number=f"S26-{i:05d}", **base, **done, outcome=Case.Outcome.SOLVED if i % 3 else Case.Outcome.EXPLAINED)
        for i in range(2161)
    ]
    rows += [
        Case(number=f"S26-{i:05d}", **base, state=Case.State.IN_PROGRESS, due_at=at(12, 31)) for i in range(2161, 2184)
    ]
    Case.objects.bulk_create(rows, batch_size=500)
    report = indicators(county.office_user, date_from=date(2026, 1, 1), date_to=date(2026, 12, 31), now=NOW)
    total = report.total
    assert (total.collected, total.solved + total.explained, total.rejected) == (2184, 2161, 0)
    assert total.resolution_rate == D("98.9")
    assert total.closure_rate == D("98.9") and total.on_time_rate == D("100.0")
    assert total.average_working_days == D("2.0")
    assert total.resolution_rate >= 97  # the programme's target


def test_bad_parameters(county):
    with pytest.raises(ValidationError) as error:
        indicators(county.office_user, date_from=date(2026, 3, 2), date_to=date(2026, 3, 1), group_by="colour")
    assert set(error.value.message_dict) == {"date_to", "group_by"}
    with pytest.raises(ValidationError) as error:
        indicators(county.office_user, **MARCH, channel="fax")
    assert set(error.value.message_dict) == {"channel"}
    with pytest.raises(ValidationError) as error:
        indicators(county.office_user, **MARCH, region_id=999_999)
    assert set(error.value.message_dict) == {"region"}


def resolved_cases(county, how_many):
    for day in range(2, 2 + how_many):
        make_case(
            county.ent_a if day % 2 else county.ent_b,
            submitted_at=at(3, day),
            state=Case.State.RESOLVED,
            lead=county.gxj if day % 2 else county.town_a_gov,
            accepted_at=at(3, day, 10),
            accept_due_at=at(3, day + 1),
            outcome=Case.Outcome.SOLVED,
            resolved_at=at(3, day) + timedelta(days=3),
            resolved_on_time=True,
        )


@pytest.mark.parametrize("group_by", [None, "unit", "region", "category", "channel", "month"])
def test_query_count_is_constant(county, group_by, django_assert_num_queries):
    """Cases, lead acceptances, resolution timestamps and the group labels (none needed for the whole, a
    channel or a month), with 2 cases and with 6."""
    user = county.office_user
    resolved_cases(county, 2)
    indicators(user, group_by=group_by, **MARCH)  # warms the roles, the user's unit and the calendar cache
    expected = 3 if group_by in (None, "month", "channel") else 4
    with django_assert_num_queries(expected):
        indicators(user, group_by=group_by, **MARCH)
    resolved_cases(county, 4)
    with django_assert_num_queries(expected):
        report = indicators(user, group_by=group_by, **MARCH)
    assert report.total.collected == 6
    assert len(report.rows) == {None: 0, "unit": 2, "region": 2, "category": 1, "channel": 1, "month": 1}[group_by]
