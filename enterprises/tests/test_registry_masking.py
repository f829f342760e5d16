"""Contact phones: in full only to those who need them (the office, the enterprise itself, this year's
linked leader and cadres, this year's lead unit); masked for everyone else, on the profile, the export and
the API alike."""

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from enterprises.models import Linkage
from enterprises.selectors.registry import can_see_contacts, contact_phone_for, mask_phone

MOBILE, MOBILE_MASKED = "13812345678", "138****5678"
LANDLINE, LANDLINE_MASKED = "0739-1234567", "0739-***4567"


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        (MOBILE, MOBILE_MASKED),
        (LANDLINE, LANDLINE_MASKED),
        ("0739-12345678", "0739-***5678"),
        ("010-87654321-806", "010-***4321-806"),  # the extension is not secret
        ("07391234567", "073****4567"),
        ("", ""),
    ],
)
def test_mask_phone(phone, masked):
    assert mask_phone(phone) == masked


@pytest.fixture
def phones(county):
    county.ent_a.contact_phone = MOBILE
    county.ent_a.save()
    county.ent_c.contact_phone = LANDLINE
    county.ent_c.save()
    county.ent_b.contact_phone = MOBILE
    county.ent_b.save()
    return county


# ent_c is linked this year: leader 李县长, cadre 联企干部, lead unit 县工信局中小企业股.
SEES_ENT_C = {"office_user", "leader", "cadre", "sme_handler"}
MASKED_ENT_C = {"auditor", "gxj_head", "gxj_handler", "town_a_handler", "fgj_handler", "ent_a_user", "ent_b_user"}


@pytest.mark.parametrize("who", sorted(SEES_ENT_C | MASKED_ENT_C))
def test_who_sees_the_linked_enterprises_phone(phones, who):
    user = getattr(phones, who)
    expected = who in SEES_ENT_C
    assert can_see_contacts(user, phones.ent_c) is expected
    assert contact_phone_for(user, phones.ent_c) == (LANDLINE if expected else LANDLINE_MASKED)


@pytest.mark.parametrize(("who", "expected"), [("ent_a_user", True), ("ent_a_colleague", True), ("ent_b_user", False)])
def test_the_enterprises_own_users_see_its_phone(phones, who, expected):
    assert can_see_contacts(getattr(phones, who), phones.ent_a) is expected


def test_last_years_linkage_gives_no_full_phone(phones, make_user):
    # ent_b was led by 工信局 (and 李县长) last year only.
    assert not can_see_contacts(phones.leader, phones.ent_b)
    assert not can_see_contacts(phones.gxj_handler, phones.ent_b)
    Linkage.objects.create(enterprise=phones.ent_b, year=timezone.localdate().year, lead_unit=phones.gxj)
    fresh = type(phones.gxj_handler).objects.get(pk=phones.gxj_handler.pk)  # the viewer's set is per request
    assert can_see_contacts(fresh, phones.ent_b)


def test_a_superuser_counts_as_the_office(phones, make_user):
    root = make_user("root", is_superuser=True)
    assert can_see_contacts(root, phones.ent_b)
    auditor_and_office = make_user("both", Role.AUDITOR, Role.OFFICE, unit=phones.office)
    assert can_see_contacts(auditor_and_office, phones.ent_b)


@pytest.fixture
def login(client):
    def _login(user):
        client.force_login(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return _login


@pytest.mark.parametrize(
    ("who", "shown"), [("sme_handler", LANDLINE), ("cadre", LANDLINE), ("town_a_handler", LANDLINE_MASKED)]
)
def test_profile_and_api_show_the_phone_as_the_viewer_may(phones, login, who, shown):
    client = login(getattr(phones, who))
    page = client.get(reverse("enterprise_detail", args=[phones.ent_c.pk])).content.decode()
    assert shown in page
    if shown == LANDLINE_MASKED:
        assert LANDLINE not in page
    body = client.get(f"/api/v1/enterprises/{phones.ent_c.pk}").json()
    assert body["contact_phone"] == shown
    assert body["contact_phone_masked"] is (shown == LANDLINE_MASKED)


def test_api_list_masks_row_by_row(phones, login):
    # 酿溪镇 sees ent_a and ent_c through its territory but is linked to neither.
    Linkage.objects.filter(enterprise=phones.ent_c).update(lead_unit=phones.town_a_gov)
    rows = login(phones.town_a_handler).get("/api/v1/enterprises").json()["items"]
    assert {row["name"]: row["contact_phone"] for row in rows} == {
        phones.ent_a.name: MOBILE_MASKED,
        phones.ent_c.name: LANDLINE,
    }


def test_enterprise_user_sees_its_own_phone_on_the_profile(phones, login):
    page = login(phones.ent_a_colleague).get(reverse("enterprise_detail", args=[phones.ent_a.pk])).content.decode()
    assert f'href="tel:{MOBILE}"' in page
