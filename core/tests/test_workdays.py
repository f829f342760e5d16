"""The working-day calendar (DESIGN.md §4, deadlines): the official 2026 schedule from the chinesecalendar
package, deadline arithmetic across holidays and weekends, and the office's entered days past the package."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError

from core import services
from core.models import CalendarDay, CalendarYear
from core.workdays import (
    PACKAGE_LAST_YEAR,
    Source,
    add_working_days,
    add_working_time,
    calendar_entries,
    day_name,
    is_workday,
    missing_schedule_years,
    next_workday,
    workdays_in_range,
    working_days_between,
    working_time_between,
)

pytestmark = pytest.mark.django_db

CHINA = ZoneInfo("Asia/Shanghai")


def at(year, month, day, hour=0, minute=0):
    return datetime(year, month, day, hour, minute, tzinfo=CHINA)


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


@pytest.fixture(autouse=True)
def fresh_calendar_cache():
    # The test database rolls back after each test but the in-memory cache does not.
    cache.clear()
    yield
    cache.clear()


class TestOfficialSchedule2026:
    def test_the_package_ends_with_2026(self):
        assert PACKAGE_LAST_YEAR == 2026

    def test_spring_festival_rest_days(self):
        for day in days_between(date(2026, 2, 15), date(2026, 2, 23)):
            assert not is_workday(day), day
            assert day_name(day) == "春节"
        assert is_workday(date(2026, 2, 13)) and is_workday(date(2026, 2, 24))

    def test_spring_festival_make_up_workdays_are_saturdays(self):
        for day in (date(2026, 2, 14), date(2026, 2, 28)):
            assert day.weekday() == 5
            assert is_workday(day)
            assert day_name(day) == "春节"

    def test_national_day_rest_days(self):
        for day in days_between(date(2026, 10, 1), date(2026, 10, 7)):
            assert not is_workday(day), day
            assert day_name(day) == "国庆节"
        assert is_workday(date(2026, 10, 8))

    def test_national_day_make_up_workdays(self):
        assert date(2026, 9, 20).weekday() == 6 and is_workday(date(2026, 9, 20))
        assert date(2026, 10, 10).weekday() == 5 and is_workday(date(2026, 10, 10))
        assert day_name(date(2026, 9, 20)) == day_name(date(2026, 10, 10)) == "国庆节"

    def test_day_names_are_chinese_and_blank_for_ordinary_days(self):
        assert day_name(date(2026, 1, 1)) == "元旦"
        assert day_name(date(2026, 1, 4)) == "元旦"  # a Sunday worked for New Year's Day
        assert day_name(date(2026, 9, 25)) == "中秋"
        assert day_name(date(2026, 11, 23)) == ""  # an ordinary Monday
        assert day_name(date(2026, 11, 21)) == ""  # an ordinary Saturday
        assert day_name(date(2027, 1, 1)) == ""  # past the package, nothing entered

    def test_workdays_in_range_and_next_workday_skip_the_festival(self):
        assert workdays_in_range(date(2026, 2, 13), date(2026, 2, 24)) == [
            date(2026, 2, 13),
            date(2026, 2, 14),
            date(2026, 2, 24),
        ]
        assert next_workday(date(2026, 2, 14)) == date(2026, 2, 24)
        assert next_workday(date(2026, 9, 30)) == date(2026, 10, 8)


class TestDeadlines:
    def test_one_working_day_from_monday_is_tuesday_same_time(self):
        assert add_working_days(at(2026, 11, 23, 10), 1) == at(2026, 11, 24, 10)

    def test_friday_to_monday(self):
        assert add_working_days(at(2026, 11, 20, 10), 1) == at(2026, 11, 23, 10)
        assert add_working_days(at(2026, 11, 20, 10), 5) == at(2026, 11, 27, 10)

    def test_across_spring_festival(self):
        start = at(2026, 2, 13, 10)  # Friday before the festival
        assert add_working_days(start, 1) == at(2026, 2, 14, 10)  # the Saturday make-up workday
        assert add_working_days(start, 2) == at(2026, 2, 24, 10)  # nine rest days skipped
        assert add_working_days(start, 5) == at(2026, 2, 27, 10)
        assert add_working_days(start, 6) == at(2026, 2, 28, 10)  # the second make-up Saturday

    def test_across_national_day(self):
        start = at(2026, 9, 30, 9)
        assert add_working_days(start, 1) == at(2026, 10, 8, 9)
        assert add_working_days(start, 3) == at(2026, 10, 10, 9)  # Saturday make-up workday
        assert add_working_days(start, 4) == at(2026, 10, 12, 9)
        # Friday 18 Sept: the weekend's Sunday is worked, so one day on lands on it.
        assert add_working_days(at(2026, 9, 18, 15), 1) == at(2026, 9, 20, 15)

    def test_a_moment_on_a_rest_day_starts_the_clock_at_the_next_workday(self):
        saturday = at(2026, 11, 21, 15, 30)
        assert add_working_days(saturday, 0) == at(2026, 11, 23)
        assert add_working_days(saturday, 0.5) == at(2026, 11, 23, 12)
        assert add_working_days(saturday, 1) == at(2026, 11, 24)
        assert working_time_between(saturday, at(2026, 11, 23)) == timedelta(0)
        # Inside the festival the clock waits for 24 February.
        assert add_working_days(at(2026, 2, 17, 11), 1) == at(2026, 2, 25)

    def test_moments_in_other_zones_are_read_as_china_time(self):
        # Friday 18:00 UTC is Saturday 02:00 in China: a rest day.
        friday_utc = datetime(2026, 11, 20, 18, tzinfo=UTC)
        assert add_working_days(friday_utc, 1) == at(2026, 11, 24)
        assert not is_workday(friday_utc)

    def test_whole_days_between(self):
        assert working_days_between(at(2026, 2, 13, 10), at(2026, 2, 24, 10)) == 2
        assert working_days_between(at(2026, 2, 24, 10), at(2026, 2, 13, 10)) == -2
        assert working_days_between(at(2026, 9, 30, 12), at(2026, 10, 8, 0)) == 0.5

    @pytest.mark.parametrize(
        ("start", "duration"),
        [
            (at(2026, 11, 23, 10), timedelta(days=1)),
            (at(2026, 11, 20, 16, 45), timedelta(days=2, hours=3)),
            (at(2026, 2, 13, 10), timedelta(days=3, hours=4)),  # across the Spring Festival
            (at(2026, 9, 30, 17), timedelta(days=2, hours=6)),  # across Mid-autumn and National Day
            (at(2026, 11, 21, 9), timedelta(hours=30)),  # starting on a Saturday
            (at(2026, 12, 31, 18), timedelta(days=2)),  # into 2027, on the weekend rule
            (at(2026, 6, 1, 8), timedelta(0)),
        ],
    )
    def test_add_working_time_and_working_time_between_are_inverses(self, start, duration):
        due = add_working_time(start, duration)
        assert working_time_between(start, due) == duration
        assert add_working_time(start, working_time_between(start, due)) == due

    @pytest.mark.parametrize(
        ("start", "end"),
        [
            (at(2026, 2, 12, 9), at(2026, 2, 24, 17)),  # end inside working time after the festival
            (at(2026, 9, 18, 15), at(2026, 9, 20, 8)),  # end on the worked Sunday
            (at(2026, 12, 30, 10), at(2027, 1, 4, 10)),
        ],
    )
    def test_adding_back_the_working_time_between_reaches_the_end(self, start, end):
        assert add_working_time(start, working_time_between(start, end)) == end

    def test_an_end_on_a_rest_day_maps_to_the_end_of_the_last_working_day(self):
        # Fri 10:00 → Sun 12:00 is 14 working hours, and 14 hours on from Fri 10:00 is Fri 24:00.
        assert add_working_time(
            at(2026, 11, 20, 10), working_time_between(at(2026, 11, 20, 10), at(2026, 11, 22, 12))
        ) == (at(2026, 11, 21))

    def test_naive_datetimes_are_refused(self):
        naive = datetime(2026, 11, 23, 10)  # noqa: DTZ001 - the point of the test
        with pytest.raises(ValueError, match="aware"):
            add_working_days(naive, 1)
        with pytest.raises(ValueError, match="aware"):
            working_time_between(naive, at(2026, 11, 24))
        with pytest.raises(ValueError, match="aware"):
            working_time_between(at(2026, 11, 20), naive)
        with pytest.raises(ValueError, match="aware"):
            is_workday(naive)

    def test_negative_durations_are_refused(self):
        with pytest.raises(ValueError):
            add_working_time(at(2026, 11, 23), timedelta(hours=-1))


class TestPastThePackage:
    def test_2027_uses_the_weekend_rule_until_the_office_enters_it(self, county):
        new_years_day = date(2027, 1, 1)
        assert new_years_day.weekday() == 4  # a Friday
        assert is_workday(new_years_day)
        assert not is_workday(date(2027, 1, 2))
        assert missing_schedule_years(date(2026, 11, 22)) == [2027]
        assert add_working_days(at(2026, 12, 31, 10), 1) == at(2027, 1, 1, 10)

        services.calendar_day_set(actor=county.office_user, date=new_years_day, is_workday=False, name="元旦")
        services.calendar_year_set_entered(
            actor=county.office_user, year=2027, entered=True, source="国务院办公厅关于2027年部分节假日安排的通知"
        )

        assert not is_workday(new_years_day)
        assert day_name(new_years_day) == "元旦"
        assert missing_schedule_years(date(2026, 11, 22)) == []
        assert add_working_days(at(2026, 12, 31, 10), 1) == at(2027, 1, 4, 10)

    def test_missing_years_only_look_sixty_days_ahead(self):
        assert missing_schedule_years(date(2026, 6, 1)) == []
        assert missing_schedule_years(date(2026, 11, 1)) == []
        assert missing_schedule_years(date(2026, 11, 2)) == [2027]
        assert missing_schedule_years(date(2027, 3, 1)) == [2027]

    def test_marking_the_year_not_entered_brings_the_warning_back(self, county):
        services.calendar_year_set_entered(actor=county.office_user, year=2027, entered=True)
        assert missing_schedule_years(date(2026, 11, 22)) == []
        services.calendar_year_set_entered(actor=county.office_user, year=2027, entered=False)
        assert missing_schedule_years(date(2026, 11, 22)) == [2027]
        assert CalendarYear.objects.get(year=2027).schedule_entered is False


class TestEnteredDays:
    def test_an_entered_day_overrides_the_package(self, county):
        assert is_workday(date(2026, 12, 31))  # read once, so the cache holds the old state
        services.calendar_day_set(actor=county.office_user, date=date(2026, 12, 31), is_workday=False, name="元旦")
        assert not is_workday(date(2026, 12, 31))
        assert add_working_days(at(2026, 12, 30, 10), 1) == at(2027, 1, 1, 10)
        [entry] = calendar_entries(date(2026, 12, 31), date(2026, 12, 31))
        assert (entry.is_workday, entry.name, entry.source) == (False, "元旦", Source.ENTERED)

    def test_changing_and_deleting_an_entry_is_seen_at_once(self, county):
        day = date(2026, 12, 31)
        services.calendar_day_set(actor=county.office_user, date=day, is_workday=False, name="元旦")
        assert not is_workday(day)
        services.calendar_day_set(actor=county.office_user, date=day, is_workday=True, name="")
        assert is_workday(day) and CalendarDay.objects.count() == 1
        services.calendar_day_delete(actor=county.office_user, date=day)
        assert is_workday(day) and not CalendarDay.objects.exists()
        assert calendar_entries(day, day)[0].source == Source.OFFICIAL

    def test_a_bulk_delete_also_clears_the_cache(self, county):
        services.calendar_day_set(actor=county.office_user, date=date(2026, 12, 31), is_workday=False, name="元旦")
        assert not is_workday(date(2026, 12, 31))
        CalendarDay.objects.all().delete()  # what the admin's "delete selected" does
        assert is_workday(date(2026, 12, 31))

    def test_an_entered_workday_undoes_a_package_holiday_and_its_name(self, county):
        services.calendar_day_set(actor=county.office_user, date=date(2026, 10, 7), is_workday=True, name="")
        assert is_workday(date(2026, 10, 7))
        assert day_name(date(2026, 10, 7)) == ""
        assert day_name(date(2026, 10, 6)) == "国庆节"

    def test_sources_of_each_day(self, county):
        services.calendar_day_set(actor=county.office_user, date=date(2027, 1, 1), is_workday=False, name="元旦")
        entries = {e.date: e for e in calendar_entries(date(2026, 12, 31), date(2027, 1, 3))}
        assert entries[date(2026, 12, 31)].source == Source.OFFICIAL
        assert entries[date(2027, 1, 1)].source == Source.ENTERED
        assert entries[date(2027, 1, 2)].source == Source.WEEKEND_RULE
        assert entries[date(2027, 1, 2)].is_workday is False


class TestServices:
    def test_only_the_office_may_change_the_calendar(self, county):
        for user in (county.gxj_handler, county.gxj_head, county.leader, county.auditor, county.ent_a_user):
            with pytest.raises(PermissionDenied):
                services.calendar_day_set(actor=user, date=date(2027, 1, 1), is_workday=False, name="元旦")
            with pytest.raises(PermissionDenied):
                services.calendar_year_set_entered(actor=user, year=2027, entered=True)
        services.calendar_day_set(actor=county.office_user, date=date(2027, 1, 1), is_workday=False, name="元旦")
        with pytest.raises(PermissionDenied):
            services.calendar_day_delete(actor=county.gxj_handler, date=date(2027, 1, 1))
        assert CalendarDay.objects.count() == 1 and not CalendarYear.objects.exists()

    def test_a_rest_day_needs_a_name(self, county):
        with pytest.raises(ValidationError) as error:
            services.calendar_day_set(actor=county.office_user, date=date(2027, 1, 1), is_workday=False, name="  ")
        assert "name" in error.value.message_dict
        assert not CalendarDay.objects.exists()

    def test_years_out_of_range_are_refused(self, county):
        with pytest.raises(ValidationError):
            services.calendar_day_set(actor=county.office_user, date=date(2101, 1, 1), is_workday=False, name="元旦")
        with pytest.raises(ValidationError):
            services.calendar_year_set_entered(actor=county.office_user, year=1999, entered=True)
        assert not CalendarDay.objects.exists() and not CalendarYear.objects.exists()

    def test_names_are_limited_to_the_column_length(self, county):
        with pytest.raises(ValidationError):
            services.calendar_day_set(actor=county.office_user, date=date(2027, 1, 1), is_workday=False, name="节" * 41)

    def test_deleting_a_day_that_is_not_entered_says_so(self, county):
        with pytest.raises(ValidationError):
            services.calendar_day_delete(actor=county.office_user, date=date(2027, 1, 1))
