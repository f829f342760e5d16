"""linkage_set and linkages_copy_year: who may set a linkage, what makes one invalid, and the yearly
roll-over (三联机制, seed 003)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from accounts.models import Role
from accounts.scope import current_year
from enterprises.models import Linkage
from enterprises.services.linkage import linkage_set, linkages_copy_year


@pytest.fixture(autouse=True)
def in_english(settings):
    """The assertions read the English messages; the site's default language is Chinese."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


YEAR = current_year()


def codes(error: ValidationError) -> dict[str, list[str]]:
    return {field: [e.code for e in errors] for field, errors in error.error_dict.items()}


@pytest.fixture
def second_cadre(county, make_user):
    return make_user("cadre2", Role.CADRE, unit=county.gxj, full_name="第二干部")


def test_office_creates_a_linkage_with_all_three_parts(county, second_cadre):
    linkage = linkage_set(
        actor=county.office_user,
        enterprise=county.ent_a,
        year=YEAR,
        leader=county.leader,
        lead_unit=county.gxj,
        cadres=[county.cadre, second_cadre],
        note="  重点帮扶  ",
    )
    linkage.refresh_from_db()
    assert (linkage.leader, linkage.lead_unit, linkage.note) == (county.leader, county.gxj, "重点帮扶")
    assert set(linkage.cadres.all()) == {county.cadre, second_cadre}


def test_setting_again_updates_the_same_row_and_replaces_the_cadres(county, second_cadre):
    existing = Linkage.objects.get(enterprise=county.ent_c, year=YEAR)
    linkage = linkage_set(
        actor=county.office_user,
        enterprise=county.ent_c,
        year=YEAR,
        leader=None,
        lead_unit=county.fgj,
        cadres=[second_cadre],
    )
    assert linkage.pk == existing.pk
    assert Linkage.objects.filter(enterprise=county.ent_c, year=YEAR).count() == 1
    linkage.refresh_from_db()
    assert linkage.leader is None and linkage.lead_unit == county.fgj
    assert list(linkage.cadres.all()) == [second_cadre]


def test_only_the_office_may_set_a_linkage(county):
    for actor in (county.leader, county.gxj_head, county.cadre, county.auditor, county.ent_a_user):
        with pytest.raises(PermissionDenied):
            linkage_set(actor=actor, enterprise=county.ent_a, year=YEAR, leader=None, lead_unit=county.gxj, cadres=[])
    assert not Linkage.objects.filter(enterprise=county.ent_a).exists()


def test_a_leader_without_the_leader_role_is_refused_with_a_message_on_the_leader(county):
    with pytest.raises(ValidationError) as caught:
        linkage_set(
            actor=county.office_user,
            enterprise=county.ent_a,
            year=YEAR,
            leader=county.gxj_head,
            lead_unit=county.gxj,
            cadres=[],
        )
    assert codes(caught.value) == {"leader": ["not_a_leader"]}
    assert county.gxj_head.full_name in caught.value.error_dict["leader"][0].messages[0]
    assert not Linkage.objects.filter(enterprise=county.ent_a).exists()


def test_a_disabled_leader_is_refused(county):
    county.leader.is_active = False
    county.leader.save()
    with pytest.raises(ValidationError) as caught:
        linkage_set(
            actor=county.office_user,
            enterprise=county.ent_a,
            year=YEAR,
            leader=county.leader,
            lead_unit=None,
            cadres=[],
        )
    assert codes(caught.value) == {"leader": ["not_a_leader"]}


def test_cadres_without_the_cadre_role_are_named_and_refused(county):
    with pytest.raises(ValidationError) as caught:
        linkage_set(
            actor=county.office_user,
            enterprise=county.ent_a,
            year=YEAR,
            leader=None,
            lead_unit=None,
            cadres=[county.cadre, county.gxj_handler, county.fgj_handler],
        )
    assert codes(caught.value) == {"cadres": ["not_a_cadre"]}
    message = caught.value.error_dict["cadres"][0].messages[0]
    assert county.gxj_handler.full_name in message and county.fgj_handler.full_name in message
    assert county.cadre.full_name not in message


def test_an_inactive_lead_unit_is_refused(county):
    county.fgj.is_active = False
    county.fgj.save()
    with pytest.raises(ValidationError) as caught:
        linkage_set(
            actor=county.office_user, enterprise=county.ent_a, year=YEAR, leader=None, lead_unit=county.fgj, cadres=[]
        )
    assert codes(caught.value) == {"lead_unit": ["inactive_unit"]}


def test_every_problem_is_reported_at_once(county):
    county.fgj.is_active = False
    county.fgj.save()
    with pytest.raises(ValidationError) as caught:
        linkage_set(
            actor=county.office_user,
            enterprise=county.ent_a,
            year=YEAR,
            leader=county.cadre,
            lead_unit=county.fgj,
            cadres=[county.leader],
        )
    assert set(codes(caught.value)) == {"leader", "lead_unit", "cadres"}


@pytest.mark.parametrize("year", [1999, YEAR + 2])
def test_a_year_outside_the_range_is_refused(county, year):
    with pytest.raises(ValidationError) as caught:
        linkage_set(
            actor=county.office_user, enterprise=county.ent_a, year=year, leader=None, lead_unit=None, cadres=[]
        )
    assert codes(caught.value) == {"year": ["year_out_of_range"]}


def test_next_year_can_be_planned(county):
    linkage = linkage_set(
        actor=county.office_user,
        enterprise=county.ent_a,
        year=YEAR + 1,
        leader=county.leader,
        lead_unit=None,
        cadres=[],
    )
    assert linkage.year == YEAR + 1


# --- copying a year over ---------------------------------------------------------------------------------


@pytest.fixture
def last_year(county, second_cadre):
    """Last year: ent_a fully linked, ent_b (from the county fixture) led by 工信局 with 李县长, ent_c linked
    too (but ent_c already has this year's linkage)."""
    a = Linkage.objects.create(enterprise=county.ent_a, year=YEAR - 1, leader=county.leader, lead_unit=county.fgj)
    a.cadres.set([county.cadre, second_cadre])
    b = Linkage.objects.get(enterprise=county.ent_b, year=YEAR - 1)
    b.cadres.set([county.cadre])
    c = Linkage.objects.create(enterprise=county.ent_c, year=YEAR - 1, leader=county.leader, lead_unit=county.fgj)
    return a, b, c


def test_copy_year_copies_missing_linkages_and_skips_existing_ones(county, last_year):
    result = linkages_copy_year(actor=county.office_user)
    assert (result.from_year, result.to_year) == (YEAR - 1, YEAR)
    assert (result.copied, result.skipped_existing, result.incomplete) == (2, 1, 0)
    a = Linkage.objects.get(enterprise=county.ent_a, year=YEAR)
    assert a.leader == county.leader and a.lead_unit == county.fgj
    assert {c.username for c in a.cadres.all()} == {"cadre", "cadre2"}
    b = Linkage.objects.get(enterprise=county.ent_b, year=YEAR)
    assert b.lead_unit == county.gxj and list(b.cadres.all()) == [county.cadre]
    # ent_c kept this year's own linkage, untouched.
    c = Linkage.objects.get(enterprise=county.ent_c, year=YEAR)
    assert c.lead_unit == county.gxj_sme and list(c.cadres.all()) == [county.cadre]


def test_copy_year_twice_copies_nothing_the_second_time(county, last_year):
    linkages_copy_year(actor=county.office_user)
    again = linkages_copy_year(actor=county.office_user)
    assert (again.copied, again.skipped_existing) == (0, 3)
    assert Linkage.objects.filter(year=YEAR).count() == 3


def test_copy_year_leaves_out_people_and_units_that_no_longer_qualify(county, last_year, second_cadre):
    second_cadre.role_grants.all().delete()
    county.fgj.is_active = False
    county.fgj.save()
    result = linkages_copy_year(actor=county.office_user)
    assert (result.copied, result.incomplete) == (2, 1)
    a = Linkage.objects.get(enterprise=county.ent_a, year=YEAR)
    assert a.lead_unit is None and a.leader == county.leader
    assert list(a.cadres.all()) == [county.cadre]


def test_copy_year_is_for_the_office_only(county, last_year):
    with pytest.raises(PermissionDenied):
        linkages_copy_year(actor=county.gxj_head)
    assert Linkage.objects.filter(year=YEAR).count() == 1


def test_copy_onto_the_same_year_is_refused(county):
    with pytest.raises(ValidationError):
        linkages_copy_year(actor=county.office_user, from_year=YEAR, to_year=YEAR)
