from datetime import date

import pytest
from django.urls import reverse

from conftest import PASSWORD
from enterprises.models import Enterprise, Visit, WarningLevel


@pytest.fixture
def login(client):
    def _login(user):
        assert client.login(username=user.username, password=PASSWORD)
        return client

    return _login


def test_cadre_sees_linked_enterprises_least_recently_visited_first(login, county):
    Visit.objects.create(enterprise=county.ent_c, visitor=county.cadre, visited_on=date(2026, 11, 2))
    response = login(county.cadre).get(reverse("home"))
    linked = response.context["linked_enterprises"]
    assert [e.pk for e in linked] == [county.ent_c.pk]
    assert linked[0].last_visit == date(2026, 11, 2)
    assert "邵水新材料股份有限公司" in response.content.decode()


def test_cadre_without_linkage_is_told_so(login, county, make_user):
    lonely = make_user("lonely", "cadre", unit=county.town_a_gov)
    response = login(lonely).get(reverse("home"))
    assert response.context["linked_enterprises"] == []


def test_office_sees_the_at_risk_count_of_its_scope(login, county):
    Enterprise.objects.filter(pk=county.ent_a.pk).update(warning_level=WarningLevel.RED)
    Enterprise.objects.filter(pk=county.ent_b.pk).update(warning_level=WarningLevel.BLUE)
    response = login(county.office_user).get(reverse("home"))
    assert response.context["overview"]["at_risk"] == 1
    assert response.context["shows_warnings"] is True
    assert "linked_enterprises" not in response.context


def test_enterprise_user_is_not_shown_warnings(login, county):
    Enterprise.objects.filter(pk=county.ent_a.pk).update(warning_level=WarningLevel.RED)
    response = login(county.ent_a_user).get(reverse("home"))
    assert response.context["shows_warnings"] is False
    assert 'data-testid="count-at-risk"' not in response.content.decode()
