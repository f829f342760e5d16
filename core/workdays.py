"""Working days on the official Chinese calendar (statutory holidays and make-up workdays).

Sources, in order: days the office entered (CalendarDay) override everything; then the chinesecalendar
package for the years it covers; past those, Monday to Friday. A year beyond the package that the office
has not marked as entered (CalendarYear) is reported by missing_schedule_years() so the UI can warn that
deadlines in it ignore holidays.

A working day counts whole, from 00:00 to 24:00 China time: one working day from Monday 10:00 is Tuesday
10:00, and from Friday 10:00 it is Monday 10:00. A moment on a rest day starts the clock at the next
working day's 00:00. Durations are timedeltas of working time, so paused time can be measured with
working_time_between() and added back with add_working_time(), and the two are exact inverses.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from core.models import CalendarDay, CalendarYear

OVERRIDES_CACHE_KEY = "core:calendar-overrides:v1"
PACKAGE_FIRST_YEAR = min(d.year for d in chinese_calendar.holidays)
PACKAGE_LAST_YEAR = max(d.year for d in chinese_calendar.holidays)
ONE_DAY = timedelta(days=1)
# Look this far ahead for years whose schedule is missing: deadlines of cases opened now can reach them.
LOOKAHEAD = timedelta(days=60)


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def overrides() -> dict[date, bool]:
    """The office's entered days, {date: is_workday}, cached until one changes."""
    data = cache.get(OVERRIDES_CACHE_KEY)
    if data is None:
        data = dict(CalendarDay.objects.values_list("date", "is_workday"))
        cache.set(OVERRIDES_CACHE_KEY, data, timeout=3600)
    return data


def forget_overrides() -> None:
    cache.delete(OVERRIDES_CACHE_KEY)


def package_covers(year: int) -> bool:
    return PACKAGE_FIRST_YEAR <= year <= PACKAGE_LAST_YEAR


def is_workday(day: date | datetime, entered: dict[date, bool] | None = None) -> bool:
    if isinstance(day, datetime):
        day = _local(day).date()
    entered = overrides() if entered is None else entered
    if day in entered:
        return entered[day]
    if package_covers(day.year):
        return chinese_calendar.is_workday(day)
    return day.weekday() < 5


def day_name(day: date, entered_names: dict[date, str] | None = None) -> str:
    """The holiday's name for a rest day or make-up workday, '' for an ordinary day."""
    if entered_names and entered_names.get(day):
        return entered_names[day]
    if package_covers(day.year):
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
        if name and (on_holiday or chinese_calendar.is_workday(day) and day.weekday() >= 5):
            return chinese_calendar.Holiday(name).chinese if hasattr(chinese_calendar.Holiday(name), "chinese") else name
    return ""


def year_has_schedule(year: int) -> bool:
    return package_covers(year) or CalendarYear.objects.filter(year=year, schedule_entered=True).exists()


def missing_schedule_years(today: date | None = None) -> list[int]:
    """Years from today to the look-ahead horizon whose official schedule is not known to the system."""
    today = today or timezone.localdate()
    years = sorted({today.year, (today + LOOKAHEAD).year})
    uncovered = [y for y in years if not package_covers(y)]
    if not uncovered:
        return []
    entered = set(CalendarYear.objects.filter(year__in=uncovered, schedule_entered=True).values_list("year", flat=True))
    return [y for y in uncovered if y not in entered]


def _local(moment: datetime) -> datetime:
    if timezone.is_naive(moment):
        raise ValueError("working-day arithmetic needs an aware datetime")
    return moment.astimezone(local_zone())


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=local_zone())


def add_working_time(start: datetime, duration: timedelta) -> datetime:
    """The moment `duration` of working time after `start`."""
    if duration < timedelta(0):
        raise ValueError("duration must not be negative")
    entered = overrides()
    moment = _local(start)
    remaining = duration
    while True:
        day = moment.date()
        next_midnight = _day_start(day + ONE_DAY)
        if is_workday(day, entered):
            available = next_midnight - moment
            if remaining <= available:
                return moment + remaining
            remaining -= available
        moment = next_midnight


def add_working_days(start: datetime, days: float) -> datetime:
    return add_working_time(start, timedelta(days=days))


def working_time_between(start: datetime, end: datetime) -> timedelta:
    """Working time from `start` to `end`; negative when `end` comes first."""
    if end < start:
        return -working_time_between(end, start)
    entered = overrides()
    moment, end = _local(start), _local(end)
    total = timedelta(0)
    while moment < end:
        next_midnight = _day_start(moment.date() + ONE_DAY)
        segment_end = min(next_midnight, end)
        if is_workday(moment.date(), entered):
            total += segment_end - moment
        moment = segment_end
    return total


def working_days_between(start: datetime, end: datetime) -> float:
    return working_time_between(start, end) / ONE_DAY


def next_workday(day: date) -> date:
    entered = overrides()
    day += ONE_DAY
    while not is_workday(day, entered):
        day += ONE_DAY
    return day


def workdays_in_range(first: date, last: date) -> list[date]:
    entered = overrides()
    days, day = [], first
    while day <= last:
        if is_workday(day, entered):
            days.append(day)
        day += ONE_DAY
    return days
