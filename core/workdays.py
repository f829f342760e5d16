"""Working days on the official Chinese calendar (statutory holidays and make-up workdays).

Sources, in order: days the office entered (CalendarDay) override everything; then the chinesecalendar
package for the years it covers; past those, Monday to Friday. A year beyond the package that the office
has not marked as entered (CalendarYear) is reported by missing_schedule_years() so the UI can warn that
deadlines in it ignore holidays.

A working day counts whole, from 00:00 to 24:00 China time: one working day from Monday 10:00 is Tuesday
10:00, and from Friday 10:00 it is Monday 10:00. A moment on a rest day starts the clock at the next
working day's 00:00. Durations are timedeltas of working time, so paused time can be measured with
working_time_between() and added back with add_working_time(), and the two are exact inverses:
working_time_between(s, add_working_time(s, d)) == d always, and add_working_time(s, working_time_between(s, e))
== e whenever e is a moment of working time (for an e on a rest day it gives the moment the working time ran
out, the 24:00 that ends the last working day before e).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from core.models import CALENDAR_OVERRIDES_CACHE_KEY, CalendarDay, CalendarYear, forget_calendar_overrides

OVERRIDES_CACHE_KEY = CALENDAR_OVERRIDES_CACHE_KEY
PACKAGE_FIRST_YEAR = min(d.year for d in chinese_calendar.holidays)
PACKAGE_LAST_YEAR = max(d.year for d in chinese_calendar.holidays)
ONE_DAY = timedelta(days=1)
# Look this far ahead for years whose schedule is missing: deadlines of cases opened now can reach them.
LOOKAHEAD = timedelta(days=60)


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _entered_days() -> dict[date, tuple[bool, str]]:
    """{date: (is_workday, name)} of the office's entered days, cached until one changes (CalendarDay
    clears the cache when it is saved or deleted)."""
    data = cache.get(OVERRIDES_CACHE_KEY)
    if data is None:
        data = {
            day: (workday, name) for day, workday, name in CalendarDay.objects.values_list("date", "is_workday", "name")
        }
        cache.set(OVERRIDES_CACHE_KEY, data, timeout=3600)
    return data


def overrides() -> dict[date, bool]:
    """The office's entered days, {date: is_workday}."""
    return {day: workday for day, (workday, _name) in _entered_days().items()}


def entered_day_names() -> dict[date, str]:
    """The names the office gave its entered days, {date: name} ('' when it gave none)."""
    return {day: name for day, (_workday, name) in _entered_days().items()}


def forget_overrides() -> None:
    forget_calendar_overrides()


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
    """The holiday's Chinese name for a statutory rest day or make-up workday, '' for an ordinary day.

    An entered day's own name wins, even when it is blank: the office may have entered the day precisely
    to undo the package's holiday."""
    names = entered_day_names() if entered_names is None else entered_names
    if day in names:
        return names[day]
    if package_covers(day.year):
        # The package names only statutory holidays and their make-up workdays; plain weekends get None.
        _on_holiday, english = chinese_calendar.get_holiday_detail(day)
        if english:
            try:
                return chinese_calendar.Holiday(english).chinese
            except ValueError:
                return english
    return ""


def year_has_schedule(year: int) -> bool:
    return package_covers(year) or CalendarYear.objects.filter(year=year, schedule_entered=True).exists()


def missing_schedule_years(today: date | None = None) -> list[int]:
    """Years from today to the look-ahead horizon whose official schedule is not known to the system."""
    today = today or timezone.localdate()
    return years_without_schedule(today, today + LOOKAHEAD)


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
    # Checked before comparing: a naive moment would otherwise fail the comparison with a TypeError.
    moment, end = _local(start), _local(end)
    if end < moment:
        return -working_time_between(end, moment)
    entered = overrides()
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


def years_without_schedule(first: date, last: date) -> list[int]:
    """The years from `first` to `last` whose official schedule is neither in the package nor entered."""
    uncovered = [y for y in range(first.year, last.year + 1) if not package_covers(y)]
    if not uncovered:
        return []
    entered = set(CalendarYear.objects.filter(year__in=uncovered, schedule_entered=True).values_list("year", flat=True))
    return [y for y in uncovered if y not in entered]


class Source:
    """Where a day's status comes from."""

    ENTERED = "entered"
    OFFICIAL = "official"
    WEEKEND_RULE = "weekend-rule"


@dataclass(frozen=True)
class CalendarEntry:
    date: date
    is_workday: bool
    name: str
    source: str

    @property
    def is_weekend(self) -> bool:
        return self.date.weekday() >= 5

    @property
    def is_makeup(self) -> bool:
        """A weekend day worked to make up for a holiday (调休上班)."""
        return self.is_workday and self.is_weekend

    @property
    def is_special(self) -> bool:
        """Anything but a plain weekday or weekend: a holiday, a make-up workday, or a day the office entered."""
        return bool(self.name) or self.source == Source.ENTERED or self.is_workday == self.is_weekend


def calendar_entries(first: date, last: date) -> list[CalendarEntry]:
    """Each day from `first` to `last`: whether it is worked, its holiday name and where that comes from."""
    entered_all = _entered_days()
    status = {day: workday for day, (workday, _name) in entered_all.items()}
    names = {day: name for day, (_workday, name) in entered_all.items()}
    entries, day = [], first
    while day <= last:
        if day in entered_all:
            source = Source.ENTERED
        elif package_covers(day.year):
            source = Source.OFFICIAL
        else:
            source = Source.WEEKEND_RULE
        entries.append(CalendarEntry(day, is_workday(day, status), day_name(day, names), source))
        day += ONE_DAY
    return entries
