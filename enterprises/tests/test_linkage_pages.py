"""Linkage pages and endpoints: who is linked to whom, by leader, editing (office), copying a year, and the
data scope and pinned query counts of each list."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import Role, Unit, User
from accounts.scope import current_year
from conftest import make_credit_code
from enterprises.models import Enterprise, Linkage

YEAR = current_year()


def rows_of(response):
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


@pytest.fixture
def linked_more(county, make_user):
    """Adds a second leader and cadre, and links ent_a (key) to them, led by 发改局."""
    leader2 = make_user("leader2", Role.LEADER, unit=county.gov, full_name="张副县长")
    cadre2 = make_user("cadre2", Role.CADRE, unit=county.fgj, full_name="发改干部", phone="13800000002")
    county.ent_a.is_key = True
    county.ent_a.save()
    link = Linkage.objects.create(enterprise=county.ent_a, year=YEAR, leader=leader2, lead_unit=county.fgj)
    link.cadres.set([cadre2, county.cadre])
    return leader2, cadre2


def add_linked_enterprises(county, leader, cadre, count, start=100):
    for serial in range(start, start + count):
        enterprise = Enterprise.objects.create(
            credit_code=make_credit_code(serial), name=f"补充企业{serial}", region=county.town_b, is_key=True
        )
        link = Linkage.objects.create(enterprise=enterprise, year=YEAR, leader=leader, lead_unit=county.gxj)
        link.cadres.set([cadre])


# --- the list ---------------------------------------------------------------------------------------------


def test_office_sees_who_is_linked_to_whom(client, county, linked_more):
    client.force_login(county.office_user)
    response = client.get(reverse("linkage_list"))
    assert response.status_code == 200
    page = list(response.context["page"])
    assert [link.enterprise for link in page] == [county.ent_a, county.ent_c]  # by name
    html = response.content.decode()
    assert "张副县长" in html and "发改干部" in html and "13800000002" in html


def test_the_list_is_of_the_chosen_year(client, county):
    client.force_login(county.office_user)
    response = client.get(reverse("linkage_list"), {"year": YEAR - 1})
    assert [link.enterprise for link in response.context["page"]] == [county.ent_b]


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"leader": "leader"}, ["ent_c"]),
        ({"leader": "leader2"}, ["ent_a"]),
        ({"lead_unit": "fgj"}, ["ent_a"]),
        ({"cadre": "cadre2"}, ["ent_a"]),
        ({"cadre": "cadre"}, ["ent_a", "ent_c"]),
        ({"region": "town_a"}, ["ent_a", "ent_c"]),
        ({"region": "town_b"}, []),
        ({"key": "1"}, ["ent_a"]),
        ({"q": "湘中"}, ["ent_a"]),
    ],
)
def test_filters(client, county, linked_more, params, expected):
    resolved = {}
    for key, value in params.items():
        if key in ("leader", "cadre"):
            resolved[key] = User.objects.get(username=value).pk
        elif key == "lead_unit":
            resolved[key] = Unit.objects.get(code="430522-FGJ").pk
        elif key == "region":
            resolved[key] = getattr(county, value).pk
        else:
            resolved[key] = value
    client.force_login(county.office_user)
    response = client.get(reverse("linkage_list"), resolved)
    assert [link.enterprise for link in response.context["page"]] == [getattr(county, name) for name in expected]


def test_scope_narrows_the_list(client, county, linked_more):
    # 工信局 head: ent_c, led by the sub-unit this year. The 发改局 handler: ent_a, which 发改局 leads.
    client.force_login(county.gxj_head)
    assert [link.enterprise for link in client.get(reverse("linkage_list")).context["page"]] == [county.ent_c]
    client.force_login(county.fgj_handler)
    assert [link.enterprise for link in client.get(reverse("linkage_list")).context["page"]] == [county.ent_a]
    # 雀塘镇 has no linked enterprise this year; the 酿溪镇 handler sees both (territory).
    client.force_login(county.town_a_handler)
    assert len(client.get(reverse("linkage_list")).context["page"]) == 2


def test_enterprise_users_cannot_open_the_linkage_pages(client, county):
    client.force_login(county.ent_a_user)
    for name in ("linkage_list", "linkage_by_leader", "linkage_coverage"):
        assert client.get(reverse(name)).status_code == 403


def test_export_is_the_filtered_scoped_list(client, county, linked_more):
    client.force_login(county.office_user)
    response = client.get(reverse("linkage_list"), {"export": "xlsx", "key": "1"})
    rows = rows_of(response)
    assert len(rows) == 2
    assert rows[1][0] == county.ent_a.name
    assert "发改干部(13800000002)" in rows[1][7]
    client.force_login(county.gxj_head)
    rows = rows_of(client.get(reverse("linkage_list"), {"export": "xlsx"}))
    assert [row[0] for row in rows[1:]] == [county.ent_c.name]


def test_list_query_count_is_pinned(client, county, linked_more, django_assert_num_queries):
    client.force_login(county.office_user)
    client.get(reverse("linkage_list"))  # warm the session
    # session, user, roles, count, calendar banner, the header's unit; filter choices: leaders, units,
    # cadres, regions; the rows (enterprise, region, leader, unit joined), their cadres = 12
    with django_assert_num_queries(12):
        client.get(reverse("linkage_list"))
    add_linked_enterprises(county, county.leader, county.cadre, 5)
    with django_assert_num_queries(12):
        response = client.get(reverse("linkage_list"))
    assert len(response.context["page"]) == 7


# --- by leader --------------------------------------------------------------------------------------------


def test_by_leader_groups_enterprises_under_each_leader(client, county, linked_more):
    add_linked_enterprises(county, county.leader, county.cadre, 2)
    client.force_login(county.office_user)
    groups = client.get(reverse("linkage_by_leader")).context["groups"]
    summary = {str(group.leader): [link.enterprise.name for link in group.linkages] for group in groups}
    assert summary == {
        "张副县长": [county.ent_a.name],
        "李县长": ["补充企业100", "补充企业101", county.ent_c.name],
    }
    assert [group.count for group in groups] == [1, 3]


def test_by_leader_puts_linkages_without_a_leader_last(client, county, linked_more):
    Linkage.objects.create(enterprise=county.ent_b, year=YEAR, leader=None, lead_unit=county.gxj)
    client.force_login(county.office_user)
    groups = client.get(reverse("linkage_by_leader")).context["groups"]
    assert groups[-1].leader is None and [link.enterprise for link in groups[-1].linkages] == [county.ent_b]


def test_by_leader_query_count_is_pinned(client, county, linked_more, django_assert_num_queries):
    client.force_login(county.office_user)
    client.get(reverse("linkage_by_leader"))
    # as the list, without the count: the groups are not paginated
    with django_assert_num_queries(11):
        client.get(reverse("linkage_by_leader"))
    add_linked_enterprises(county, county.leader, county.cadre, 4)
    with django_assert_num_queries(11):
        client.get(reverse("linkage_by_leader"))


# --- editing (office) -------------------------------------------------------------------------------------


def test_office_sets_a_linkage_from_the_form(client, county, linked_more):
    leader2, cadre2 = linked_more
    client.force_login(county.office_user)
    url = reverse("linkage_edit", args=[county.ent_b.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {"year": YEAR, "leader": leader2.pk, "lead_unit": county.town_b_gov.pk, "cadres": [cadre2.pk], "note": "新增"},
    )
    assert response.status_code == 302 and response["Location"] == reverse("enterprise_detail", args=[county.ent_b.pk])
    link = Linkage.objects.get(enterprise=county.ent_b, year=YEAR)
    assert (link.leader, link.lead_unit, list(link.cadres.all()), link.note) == (
        leader2,
        county.town_b_gov,
        [cadre2],
        "新增",
    )


def test_the_form_offers_leaders_as_leaders_and_cadres_as_cadres(client, county, linked_more):
    leader2, cadre2 = linked_more
    county.fgj.is_active = False
    county.fgj.save()
    client.force_login(county.office_user)
    form = client.get(reverse("linkage_edit", args=[county.ent_a.pk])).context["form"]
    assert set(form.fields["leader"].queryset) == {county.leader, leader2}
    assert set(form.fields["cadres"].queryset) == {county.cadre, cadre2}
    # The inactive 发改局 stays selectable because ent_a's linkage names it; other units are active ones.
    assert county.fgj in form.fields["lead_unit"].queryset
    form = client.get(reverse("linkage_edit", args=[county.ent_b.pk])).context["form"]
    assert county.fgj not in form.fields["lead_unit"].queryset


def test_the_form_shows_the_service_message_and_saves_nothing(client, county):
    """ent_c's leader lost the leader role: the form still offers him, and saving says why it cannot."""
    county.leader.role_grants.all().delete()
    client.force_login(county.office_user)
    url = reverse("linkage_edit", args=[county.ent_c.pk])
    response = client.post(url, {"year": YEAR, "leader": county.leader.pk, "lead_unit": county.gxj.pk})
    assert response.status_code == 200
    assert response.context["form"].errors["leader"]
    assert Linkage.objects.get(enterprise=county.ent_c, year=YEAR).lead_unit == county.gxj_sme


def test_only_the_office_may_open_the_edit_page(client, county):
    url = reverse("linkage_edit", args=[county.ent_c.pk])
    for user in (county.leader, county.gxj_head, county.cadre, county.auditor, county.ent_a_user):
        client.force_login(user)
        assert client.get(url).status_code == 403
        assert client.post(url, {"year": YEAR}).status_code == 403


def test_copy_year_from_the_page(client, county):
    client.force_login(county.office_user)
    response = client.post(reverse("linkage_copy_year"), {"from_year": YEAR - 1, "to_year": YEAR})
    assert response.status_code == 302
    assert Linkage.objects.filter(enterprise=county.ent_b, year=YEAR).exists()
    client.force_login(county.gxj_head)
    assert client.post(reverse("linkage_copy_year"), {"from_year": YEAR - 1, "to_year": YEAR}).status_code == 403


# --- API --------------------------------------------------------------------------------------------------


def test_api_lists_linkages_with_filters_and_scope(client, county, linked_more):
    leader2, cadre2 = linked_more
    client.force_login(county.office_user)
    body = client.get("/api/v1/linkages").json()
    assert body["count"] == 2
    last = body["items"][1]
    assert last["enterprise_id"] == county.ent_c.pk and last["leader"]["full_name"] == "李县长"
    assert client.get("/api/v1/linkages", {"cadre": cadre2.pk}).json()["count"] == 1
    assert client.get("/api/v1/linkages", {"year": YEAR - 1}).json()["items"][0]["enterprise_id"] == county.ent_b.pk
    client.force_login(county.gxj_head)
    assert [item["enterprise_id"] for item in client.get("/api/v1/linkages").json()["items"]] == [county.ent_c.pk]
    client.force_login(county.ent_a_user)
    assert client.get("/api/v1/linkages").status_code == 403


def test_api_phones_are_for_staff_only(client, county, linked_more):
    client.force_login(county.office_user)
    cadres = client.get(f"/api/v1/enterprises/{county.ent_a.pk}/linkages").json()[0]["cadres"]
    assert {c["phone"] for c in cadres} == {"13800000002", None}
    client.force_login(county.ent_a_user)
    cadres = client.get(f"/api/v1/enterprises/{county.ent_a.pk}/linkages").json()[0]["cadres"]
    assert {c["phone"] for c in cadres} == {None}


def test_api_enterprise_linkages_is_404_outside_the_scope(client, county):
    client.force_login(county.cadre)
    assert [item["year"] for item in client.get(f"/api/v1/enterprises/{county.ent_c.pk}/linkages").json()] == [YEAR]
    assert client.get(f"/api/v1/enterprises/{county.ent_a.pk}/linkages").status_code == 404
    client.force_login(county.ent_b_user)
    assert client.get(f"/api/v1/enterprises/{county.ent_c.pk}/linkages").status_code == 404


def test_api_list_query_count_is_pinned(client, county, linked_more, django_assert_num_queries):
    client.force_login(county.office_user)
    client.get("/api/v1/linkages")
    # session, user, roles, count, rows (with leader, unit, enterprise), cadres
    with django_assert_num_queries(6):
        client.get("/api/v1/linkages")
    add_linked_enterprises(county, county.leader, county.cadre, 5)
    with django_assert_num_queries(6):
        assert client.get("/api/v1/linkages").json()["count"] == 7


def test_api_put_sets_a_linkage(client, county, linked_more):
    leader2, cadre2 = linked_more
    client.force_login(county.office_user)
    response = client.put(
        f"/api/v1/enterprises/{county.ent_b.pk}/linkages/{YEAR}",
        {"leader_id": leader2.pk, "lead_unit_id": county.gxj.pk, "cadre_ids": [cadre2.pk, county.cadre.pk]},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["leader"]["id"] == leader2.pk and body["lead_unit"]["id"] == county.gxj.pk
    assert {c["id"] for c in body["cadres"]} == {cadre2.pk, county.cadre.pk}


def test_api_put_refuses_with_422_and_403(client, county):
    url = f"/api/v1/enterprises/{county.ent_b.pk}/linkages/{YEAR}"
    client.force_login(county.office_user)
    response = client.put(url, {"cadre_ids": [county.gxj_handler.pk]}, content_type="application/json")
    assert response.status_code == 422 and county.gxj_handler.full_name in response.json()["detail"]
    assert client.put(url, {"cadre_ids": [99999]}, content_type="application/json").status_code == 422
    assert not Linkage.objects.filter(enterprise=county.ent_b, year=YEAR).exists()
    client.force_login(county.gxj_head)
    assert client.put(url, {}, content_type="application/json").status_code == 403


def test_api_copy_year(client, county):
    client.force_login(county.office_user)
    body = client.post(f"/api/v1/linkages/copy-year?from_year={YEAR - 1}&to_year={YEAR}").json()
    assert (body["copied"], body["skipped_existing"]) == (1, 0)
    client.force_login(county.cadre)
    assert client.post("/api/v1/linkages/copy-year").status_code == 403
