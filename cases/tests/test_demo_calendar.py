"""The demo's working-day table (cases.demo.WorkCalendar) answers as core.workdays does, and the demo
scales have DESIGN.md §8's numbers of cases."""

import random
from datetime import date, datetime, time, timedelta

import pytest

from accounts.demo import SCALES
from cases import demo as cases_demo
from cases.models import CaseEvent
from core import workdays
from core.models import CalendarDay


def test_the_scales_have_the_design_numbers_of_cases():
    full = {name: cases_demo.case_count(scale) for name, scale in SCALES.items()}
    assert full == {"county": 20_000, "city": 100_000, "province": 2_000_000}


def moments(rng: random.Random, first: date, days: int, count: int) -> list[datetime]:
    zone = workdays.local_zone()
    result = []
    for _ in range(count):
        day = first + timedelta(days=rng.randrange(days))
        at = datetime.combine(day, time.min, zone)
        # Whole days, midnights and odd moments: the edges are where the arithmetic can go wrong.
        result.append(at + rng.choice([timedelta(0), timedelta(seconds=rng.randrange(86400), microseconds=7)]))
    return result


@pytest.mark.django_db
def test_the_table_answers_as_core_workdays():
    # An entered day that undoes a holiday and one that makes a weekday a rest day.
    CalendarDay.objects.create(date=date(2025, 10, 8), is_workday=True, name="")
    CalendarDay.objects.create(date=date(2025, 3, 12), is_workday=False, name="停电检修")
    workdays.forget_overrides()
    calendar = cases_demo.WorkCalendar(date(2024, 11, 1), date(2026, 12, 31))
    rng = random.Random(5)
    durations = [timedelta(0), timedelta(days=1), timedelta(days=3), timedelta(days=5, hours=7), timedelta(days=15)]
    for start in moments(rng, date(2024, 11, 1), 760, 400):
        for duration in durations:
            assert calendar.add(start, duration) == workdays.add_working_time(start, duration), (start, duration)
        end = start + timedelta(hours=rng.randrange(1, 24 * 40))
        assert calendar.between(start, end) == workdays.working_time_between(start, end)
        assert calendar.between(end, start) == workdays.working_time_between(end, start)


@pytest.mark.django_db
def test_past_the_table_it_asks_core_workdays():
    calendar = cases_demo.WorkCalendar(date(2025, 1, 1), date(2025, 1, 31))
    start = datetime(2025, 1, 27, 10, tzinfo=workdays.local_zone())
    assert calendar.add(start, timedelta(days=10)) == workdays.add_working_time(start, timedelta(days=10))
    with cases_demo.fast_workdays(calendar):
        assert workdays.add_working_time is not calendar._add
    assert workdays.add_working_time is calendar._add  # restored


def test_a_trail_entry_hashes_as_a_case_event():
    at = datetime(2025, 5, 6, 9, 30, tzinfo=workdays.local_zone())
    entry = cases_demo.TrailEntry("progress", at, cases_demo.Person(5, "王敏", None), None, {"note": "已对接"})
    entry.case_id, entry.seq, entry.prev_hash = 9, 2, "a" * 64
    event = CaseEvent(
        case_id=9, seq=2, kind="progress", actor_id=5, actor_name="王敏", created_at=at, payload={"note": "已对接"}
    )
    event.prev_hash = "a" * 64
    assert entry.compute_hash() == event.compute_hash()


def test_the_scan_beats_every_quarter_hour():
    at = datetime(2025, 5, 6, 9, 30, tzinfo=workdays.local_zone())
    assert cases_demo.tick_after(at, strictly=False) == at
    assert cases_demo.tick_after(at, strictly=True) == at + timedelta(minutes=15)
    assert cases_demo.tick_after(at + timedelta(seconds=1), strictly=False) == at + timedelta(minutes=15)
