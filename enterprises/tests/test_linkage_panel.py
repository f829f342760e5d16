"""The linkage panel of the enterprise profile."""

import pytest
from django.template import Context, Template
from django.urls import reverse

from accounts.models import Role
from accounts.scope import current_year
from enterprises.models import Linkage

YEAR = current_year()


def render_panel(user, enterprise):
    return Template("{% load linkage_panels %}{% linkage_panel enterprise %}").render(
        Context({"user": user, "enterprise": enterprise})
    )


@pytest.fixture
def phones(county):
    county.cadre.phone = "13900000001"
    county.cadre.save()
    county.leader.phone = "13900000002"
    county.leader.save()


def test_staff_see_this_years_people_with_their_phones(county, phones):
    html = render_panel(county.gxj_head, county.ent_c)
    assert "李县长" in html and "县工信局中小企业股" in html and "联企干部" in html
    assert "13900000001" in html and "13900000002" in html
    assert reverse("linkage_edit", args=[county.ent_c.pk]) not in html


def test_the_office_gets_the_edit_link(county):
    assert reverse("linkage_edit", args=[county.ent_c.pk]) in render_panel(county.office_user, county.ent_c)


def test_enterprise_users_see_names_but_not_phones(county, phones, make_user):
    ent_c_user = make_user("ent_c", Role.ENTERPRISE, enterprise=county.ent_c)
    html = render_panel(ent_c_user, county.ent_c)
    assert "联企干部" in html and "13900000001" not in html


def test_last_years_linkage_is_shown_only_when_it_differs(county):
    # ent_b: nothing this year, 工信局 last year.
    html = render_panel(county.office_user, county.ent_b)
    assert 'data-testid="linkage-none"' in html and 'data-testid="linkage-previous"' in html and "县工信局" in html
    # ent_c: the same people last year as this year: no second line.
    previous = Linkage.objects.create(
        enterprise=county.ent_c, year=YEAR - 1, leader=county.leader, lead_unit=county.gxj_sme
    )
    previous.cadres.add(county.cadre)
    assert 'data-testid="linkage-previous"' not in render_panel(county.office_user, county.ent_c)
    previous.cadres.clear()
    assert 'data-testid="linkage-previous"' in render_panel(county.office_user, county.ent_c)


def test_the_panel_takes_two_queries(county, django_assert_num_queries):
    render_panel(county.office_user, county.ent_c)  # caches the viewer's roles
    # the two years' linkages (leader, unit joined), their cadres (with units)
    with django_assert_num_queries(2):
        render_panel(county.office_user, county.ent_c)
