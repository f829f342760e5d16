"""When the entrepreneur reception day (企业家接待日) falls (seed 002: the first Monday of each month): on the
month's first Monday, or, when that Monday is not a working day (a holiday on the calendar, e.g. 1 May or
National Day), on the next working day after it."""

from __future__ import annotations

from datetime import date, timedelta

from core import workdays

MONDAY = 0


def first_monday(year: int, month: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(MONDAY - first.weekday()) % 7)


def reception_day(year: int, month: int, entered: dict[date, bool] | None = None) -> date:
    """The month's reception day. `entered` (workdays.overrides()) may be passed when asking for many months."""
    entered = workdays.overrides() if entered is None else entered
    day = first_monday(year, month)
    while not workdays.is_workday(day, entered):
        day += timedelta(days=1)
    return day


def reception_days(year: int) -> list[date]:
    """The twelve reception days of a year, in order."""
    entered = workdays.overrides()
    return [reception_day(year, month, entered) for month in range(1, 13)]
