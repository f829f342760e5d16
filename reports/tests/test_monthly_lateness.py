"""Lateness of the monthly report, exact at the boundary: due by the end of the 20th of the month, China
time; a 20th that falls on a holiday is still the due date (seed 000: 每月20日前). The assessment's daily
work reads MonthlyReport.is_late, so these are the rule."""

import datetime as dt

import pytest
import time_machine

from core import workdays
from enterprises.models import Linkage
from reports.models import MonthlyReport
from reports.selectors import monthly as selectors
from reports.services import monthly as services
from reports.tests.test_monthly_support import TEXTS, at

pytest_plugins = ["reports.tests.test_monthly_support"]

UTC = dt.UTC


@pytest.fixture
def gxj_leads(county):
    Linkage.objects.create(enterprise=county.ent_a, year=2026, lead_unit=county.gxj)
    return county


def file_at(county, month: dt.date, moment: dt.datetime) -> MonthlyReport:
    with time_machine.travel(moment, tick=False):
        report = services.monthly_report_save(actor=county.gxj_handler, unit_id=county.gxj.pk, month=month, **TEXTS)
        report = services.monthly_report_submit(actor=county.gxj_handler, report_id=report.pk)
    report.refresh_from_db()
    assert report.submitted_at == moment
    return report


@pytest.mark.parametrize(
    ("moment", "late"),
    [
        (at(2026, 11, 2, 9), False),
        (at(2026, 11, 20, 23, 59), False),
        (at(2026, 11, 20, 23, 59, 59, 999999), False),
        (at(2026, 11, 21, 0, 0), True),
        (at(2026, 11, 21, 0, 1), True),
        (at(2026, 12, 1, 9), True),
    ],
    ids=["early", "20th-23:59", "20th-last-instant", "21st-00:00", "21st-00:01", "next-month"],
)
def test_due_by_the_end_of_the_20th_china_time(gxj_leads, moment, late):
    report = file_at(gxj_leads, dt.date(2026, 11, 1), moment)
    assert report.due_on == dt.date(2026, 11, 20)
    assert report.is_late is late


@pytest.mark.parametrize(
    ("moment", "late"),
    [(dt.datetime(2026, 11, 20, 15, 59, tzinfo=UTC), False), (dt.datetime(2026, 11, 20, 16, 1, tzinfo=UTC), True)],
    ids=["20th-23:59-china", "21st-00:01-china"],
)
def test_the_day_ends_in_china_not_in_utc(gxj_leads, moment, late):
    # 16:00 UTC on the 20th is midnight in Beijing: the 20th is over there.
    assert file_at(gxj_leads, dt.date(2026, 11, 1), moment).is_late is late


def test_a_20th_on_a_holiday_is_still_the_due_date(gxj_leads):
    # 2026-02-20 lies in the Spring Festival holiday (春节, 15–23 February); the seed names a calendar date.
    assert not workdays.is_workday(dt.date(2026, 2, 20))
    february = dt.date(2026, 2, 1)
    assert selectors.due_on(february) == dt.date(2026, 2, 20)
    on_time = file_at(gxj_leads, february, at(2026, 2, 20, 23, 59))
    assert (on_time.due_on, on_time.is_late) == (dt.date(2026, 2, 20), False)


def test_the_first_working_day_after_a_holiday_is_late(gxj_leads):
    late = file_at(gxj_leads, dt.date(2026, 2, 1), at(2026, 2, 24, 9))
    assert workdays.is_workday(dt.date(2026, 2, 24))
    assert late.is_late is True


def test_a_past_months_report_filed_now_is_late(gxj_leads):
    assert file_at(gxj_leads, dt.date(2026, 10, 1), at(2026, 11, 3, 9)).is_late is True


def test_saving_a_draft_in_time_does_not_make_the_report_on_time(gxj_leads):
    c = gxj_leads
    with time_machine.travel(at(2026, 11, 19, 9), tick=False):
        report = services.monthly_report_save(
            actor=c.gxj_handler, unit_id=c.gxj.pk, month=dt.date(2026, 11, 1), **TEXTS
        )
    with time_machine.travel(at(2026, 11, 21, 0, 1), tick=False):
        services.monthly_report_submit(actor=c.gxj_handler, report_id=report.pk)
    report.refresh_from_db()
    assert report.is_late is True


def test_is_late_reads_the_due_day_in_china_time():
    due = dt.date(2026, 11, 20)
    assert selectors.due_deadline(due) == at(2026, 11, 21)
    assert selectors.is_late(at(2026, 11, 20, 23, 59, 59), due) is False
    assert selectors.is_late(at(2026, 11, 21), due) is True
