"""Yearly event targets (issue 7 item 4): setting them (office only, the rules and their messages), the
seed's defaults (≥ 10 county-wide, ≥ 2 the industry bureau, ≥ 1 each township), and progress — held events of
the target's kinds and year by the unit or the units below it, the pace and the standing."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from chains.models import EventTarget
from chains.selectors import events as selectors
from chains.services import events as services
from chains.tests.test_events_support import Kind, Status, make_event

pytest_plugins = ["chains.tests.test_events_support"]
pytestmark = pytest.mark.usefixtures("english")

YEAR = 2025
MATCHMAKING = EventTarget.MATCHMAKING


def day(month: int, dom: int = 10, year: int = YEAR) -> dt.date:
    return dt.date(year, month, dom)


def target(county, unit, minimum=1, kind=MATCHMAKING, year=YEAR):
    return services.target_save(actor=county.office_user, year=year, unit=unit.pk, kind=kind, minimum=minimum)


def progress(county, today=dt.date(YEAR, 12, 31), year=YEAR) -> dict:
    return {p.target.unit: p for p in selectors.target_progress(user=county.office_user, year=year, today=today)}


# Setting targets -------------------------------------------------------------------------------------------


def test_only_the_office_sets_targets(county):
    for outsider in (county.gxj_head, county.gxj_handler, county.leader, county.auditor, county.ent_a_user):
        with pytest.raises(PermissionDenied):
            services.target_save(actor=outsider, year=YEAR, unit=county.gxj.pk, kind=MATCHMAKING, minimum=2)
        with pytest.raises(PermissionDenied):
            services.targets_apply_defaults(actor=outsider, year=YEAR)
    assert not EventTarget.objects.exists()


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"year": "", "minimum": 2}, {"year"}),
        ({"year": 1999, "minimum": 2}, {"year"}),
        ({"minimum": 0}, {"minimum"}),
        ({"minimum": ""}, {"minimum"}),
        ({"minimum": "两"}, {"minimum"}),
        ({"minimum": 2, "kind": "party"}, {"kind"}),
        ({"minimum": 2, "unit": 999999}, {"unit"}),
    ],
)
def test_bad_targets_are_refused_with_the_field_named(county, fields, errors):
    values = {"year": YEAR, "unit": county.gxj.pk, "kind": MATCHMAKING, **fields}
    with pytest.raises(ValidationError) as error:
        services.target_save(actor=county.office_user, **values)
    assert set(error.value.message_dict) == errors
    assert not EventTarget.objects.exists()


def test_one_target_per_unit_kind_and_year(county):
    first = target(county, county.gxj, 2)
    with pytest.raises(ValidationError) as error:
        target(county, county.gxj, 3)
    assert "has a target for matchmaking events (四项对接) in 2025 already" in error.value.message_dict["kind"][0]
    assert target(county, county.gxj, 1, kind=Kind.TRAINING).pk != first.pk  # another kind is another target
    assert target(county, county.gxj, 2, year=YEAR + 1).pk != first.pk
    changed = services.target_save(actor=county.office_user, target_id=first.pk, minimum=4)
    assert (changed.pk, changed.minimum, changed.unit) == (first.pk, 4, county.gxj)


def test_the_seed_defaults_cover_the_root_the_bureau_and_every_township(county):
    kept = target(county, county.town_a_gov, 3)
    result = services.targets_apply_defaults(actor=county.office_user, year=YEAR)
    minimums = {t.unit: t.minimum for t in EventTarget.objects.filter(year=YEAR)}
    assert minimums == {county.gov: 10, county.gxj: 2, county.town_a_gov: 3, county.town_b_gov: 1}
    assert result.kept == [kept] and len(result.created) == 3
    again = services.targets_apply_defaults(actor=county.office_user, year=YEAR)
    assert again.created == [] and EventTarget.objects.count() == 4  # running it twice adds nothing


# Progress --------------------------------------------------------------------------------------------------


def test_held_events_of_the_unit_and_the_units_below_count(county, village_unit):
    target(county, county.gov, 10)
    target(county, county.gxj, 2)
    target(county, county.town_a_gov, 1)
    make_event(county, organizer=county.gxj, held_on=day(3), status=Status.HELD)
    make_event(county, organizer=county.gxj_sme, kind=Kind.FINANCE, held_on=day(4), status=Status.HELD)
    make_event(county, organizer=village_unit, kind=Kind.EMPLOYMENT, held_on=day(5), status=Status.HELD)
    make_event(county, organizer=county.town_b_gov, kind=Kind.RESEARCH, held_on=day(6), status=Status.HELD)
    rows = progress(county)
    assert rows[county.gxj].held == 2  # its own and its section's
    assert rows[county.town_a_gov].held == 1  # the village's counts toward the township
    assert rows[county.gov].held == 4  # every unit below the county government


def test_planned_cancelled_other_kinds_and_other_years_do_not_count(county):
    target(county, county.gxj, 2)
    make_event(county, organizer=county.gxj, held_on=day(3), status=Status.HELD)
    make_event(county, organizer=county.gxj, held_on=day(11), status=Status.PLANNED)
    make_event(county, organizer=county.gxj, held_on=day(4), status=Status.CANCELLED)
    make_event(county, organizer=county.gxj, kind=Kind.SALON, held_on=day(5), status=Status.HELD)
    make_event(county, organizer=county.gxj, held_on=dt.date(YEAR - 1, 12, 31), status=Status.HELD)
    make_event(county, organizer=county.gxj, held_on=dt.date(YEAR + 1, 1, 1), status=Status.HELD)
    assert progress(county)[county.gxj].held == 1


def test_a_target_of_one_kind_or_of_any_kind(county):
    target(county, county.gxj, 1, kind=Kind.TRAINING)
    target(county, county.fgj, 2, kind=EventTarget.ANY)
    make_event(county, organizer=county.gxj, kind=Kind.TRAINING, held_on=day(3), status=Status.HELD)
    make_event(county, organizer=county.gxj, kind=Kind.SALES, held_on=day(3), status=Status.HELD)
    make_event(county, organizer=county.fgj, kind=Kind.SALON, held_on=day(3), status=Status.HELD)
    make_event(county, organizer=county.fgj, kind=Kind.RECEPTION_DAY, held_on=day(4), status=Status.HELD)
    rows = progress(county)
    assert rows[county.gxj].held == 1 and rows[county.gxj].met
    assert rows[county.fgj].held == 2 and rows[county.fgj].met


@pytest.mark.parametrize(
    ("held", "today", "expected", "standing"),
    [
        (0, dt.date(YEAR, 1, 20), 1, selectors.LAGGING),  # 10 × 20/365 = 0.55, rounds to 1
        (1, dt.date(YEAR, 1, 20), 1, selectors.ON_TRACK),
        (4, dt.date(YEAR, 7, 1), 5, selectors.LAGGING),  # half the year gone, 4 of 10
        (5, dt.date(YEAR, 7, 1), 5, selectors.ON_TRACK),
        (10, dt.date(YEAR, 3, 1), 2, selectors.MET),
        (9, dt.date(YEAR + 1, 1, 5), 10, selectors.MISSED),  # the year is over
        (0, dt.date(YEAR - 1, 12, 1), 0, selectors.ON_TRACK),  # before the year starts
    ],
)
def test_pace_and_standing(county, held, today, expected, standing):
    target(county, county.gov, 10)
    for i in range(held):
        make_event(county, organizer=county.gxj, held_on=day(1, 2 + i), status=Status.HELD)
    row = progress(county, today=today)[county.gov]
    assert (row.held, row.expected, row.standing) == (held, expected, standing)


def test_a_township_with_a_target_of_one_lags_from_mid_year(county):
    target(county, county.town_a_gov, 1)
    assert progress(county, today=dt.date(YEAR, 6, 1))[county.town_a_gov].standing == selectors.ON_TRACK
    assert progress(county, today=dt.date(YEAR, 12, 1))[county.town_a_gov].standing == selectors.LAGGING


def test_the_dashboard_shows_a_unit_its_own_targets_and_the_office_all(county):
    target(county, county.gov, 10)
    target(county, county.gxj, 2)
    target(county, county.gxj_sme, 1)
    target(county, county.town_a_gov, 1)
    units = lambda user: {p.target.unit for p in selectors.dashboard_progress(user, YEAR)}  # noqa: E731
    assert units(county.office_user) == {county.gov, county.gxj, county.gxj_sme, county.town_a_gov}
    assert units(county.auditor) == units(county.office_user)
    assert units(county.gxj_head) == {county.gxj, county.gxj_sme}
    assert units(county.sme_handler) == {county.gxj_sme}
    assert units(county.fgj_handler) == set()


def test_progress_reads_are_two_queries_whatever_the_number_of_targets(county, django_assert_num_queries):
    target(county, county.gov, 10)
    make_event(county, organizer=county.gxj, held_on=day(3), status=Status.HELD)
    with django_assert_num_queries(2):
        selectors.target_progress(user=county.office_user, year=YEAR)
    for unit in (county.gxj, county.gxj_sme, county.fgj, county.town_a_gov, county.town_b_gov):
        target(county, unit, 1)
        make_event(county, organizer=unit, held_on=day(4), status=Status.HELD)
    with django_assert_num_queries(2):
        rows = selectors.target_progress(user=county.office_user, year=YEAR)
    assert len(rows) == 6
