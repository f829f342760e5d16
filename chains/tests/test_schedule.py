"""The reception-day rule (seed 002: 企业家接待日 on the first Monday of each month), moved to the next working
day when that Monday is a holiday: the official calendar (chinesecalendar) and the days the office enters."""

from datetime import date

import pytest

from chains.schedule import first_monday, reception_day, reception_days
from core.models import CalendarDay


@pytest.mark.parametrize(
    ("year", "month", "monday", "day", "why"),
    [
        (2025, 2, date(2025, 2, 3), date(2025, 2, 5), "Spring Festival: 28 Jan – 4 Feb off"),
        (2025, 10, date(2025, 10, 6), date(2025, 10, 9), "National Day and Mid-Autumn: 1 – 8 Oct off"),
        (2026, 4, date(2026, 4, 6), date(2026, 4, 7), "Qingming: 4 – 6 Apr off"),
        (2026, 5, date(2026, 5, 4), date(2026, 5, 6), "Labour Day: 1 – 5 May off"),
        (2026, 10, date(2026, 10, 5), date(2026, 10, 8), "National Day: 1 – 7 Oct off"),
        (2025, 3, date(2025, 3, 3), date(2025, 3, 3), "an ordinary month"),
        (2026, 6, date(2026, 6, 1), date(2026, 6, 1), "the 1st is a Monday"),
    ],
)
def test_first_monday_or_the_next_working_day(db, year, month, monday, day, why):
    assert first_monday(year, month) == monday
    assert monday.weekday() == 0
    assert reception_day(year, month) == day, why


def test_a_holiday_the_office_enters_moves_the_monday(db):
    assert reception_day(2026, 3) == date(2026, 3, 2)
    CalendarDay.objects.create(date=date(2026, 3, 2), is_workday=False, name="县庆")
    assert reception_day(2026, 3) == date(2026, 3, 3)
    # Two entered days in a row push it on again; taking them out brings the Monday back.
    CalendarDay.objects.create(date=date(2026, 3, 3), is_workday=False, name="县庆")
    assert reception_day(2026, 3) == date(2026, 3, 4)
    CalendarDay.objects.all().delete()
    assert reception_day(2026, 3) == date(2026, 3, 2)


def test_an_entered_workday_undoes_a_package_holiday(db):
    CalendarDay.objects.create(date=date(2026, 5, 4), is_workday=True, name="")
    assert reception_day(2026, 5) == date(2026, 5, 4)


def test_a_year_past_the_package_uses_weekdays_and_entered_days(db):
    # 2027 is not in the package: 1 Feb 2027 is a Monday and, until entered, a working day.
    assert reception_day(2027, 2) == date(2027, 2, 1)
    CalendarDay.objects.create(date=date(2027, 2, 1), is_workday=False, name="春节")
    CalendarDay.objects.create(date=date(2027, 2, 2), is_workday=False, name="春节")
    assert reception_day(2027, 2) == date(2027, 2, 3)


def test_the_twelve_days_of_a_year(db):
    days = reception_days(2025)
    assert len(days) == 12 and [d.month for d in days] == list(range(1, 13))
    assert days[1] == date(2025, 2, 5) and days[9] == date(2025, 10, 9)
    # Every day is the month's first Monday or a working day within the week after it.
    for d in days:
        assert 0 <= (d - first_monday(d.year, d.month)).days < 7


def test_reception_days_reads_the_entered_days_once(db, django_assert_num_queries):
    reception_days(2026)  # fills the calendar cache
    with django_assert_num_queries(0):
        assert reception_days(2026)[3] == date(2026, 4, 7)
