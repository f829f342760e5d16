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


def _file_case(county, enterprise, user):
    from cases.models import Case, CaseCategory
    from cases.services.intake import case_submit

    return case_submit(
        actor=user,
        enterprise_ids=[enterprise.pk],
        channel=Case.Channel.SELF_SERVICE,
        title="贷款到期续贷困难",
        description="企业流动资金贷款500万元下月到期，银行要求先还后贷。",
        category_id=CaseCategory.objects.get(code="financing").pk,
    )[0]


def test_the_office_sees_its_case_queues_with_counts(login, county):
    _file_case(county, county.ent_a, county.ent_a_user)
    office = login(county.office_user).get(reverse("home"))
    counts = {q.key: q.count for q in office.context["case_queues"]}
    assert counts["new"] == 1
    assert f'href="{reverse("case_list")}?queue=new"' in office.content.decode()


def test_an_enterprise_counts_its_own_cases_and_not_anothers(login, county):
    _file_case(county, county.ent_a, county.ent_a_user)
    mine = {q.key: q.count for q in login(county.ent_a_user).get(reverse("home")).context["case_queues"]}
    theirs = {q.key: q.count for q in login(county.ent_b_user).get(reverse("home")).context["case_queues"]}
    assert mine["mine"] == 1 and theirs["mine"] == 0


def test_unread_notifications_are_counted_on_the_home_page(login, county):
    from core.notifications import notify

    notify([county.office_user], "新交办诉求")
    response = login(county.office_user).get(reverse("home"))
    assert response.context["unread"] == 1
    assert 'data-testid="home-unread"' in response.content.decode()
