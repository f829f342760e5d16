"""Visit pages and endpoints, by who is looking: the office; the linked cadre who made the visit (owner);
another cadre of the same unit linked to the same enterprise (colleague); a cadre of the same unit with no
linkage (outsider: 404); the visited enterprise's own users (read-only) and another enterprise's (404)."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import Role
from enterprises.models import Visit
from enterprises.services.visits import EDIT_WINDOW_DAYS, visit_record

TODAY = timezone.localdate


@pytest.fixture
def people(county, make_user):
    class People:
        owner = county.cadre
        colleague = make_user("cadre2", Role.CADRE, unit=county.fgj, full_name="同事干部")
        outsider = make_user("cadre3", Role.CADRE, unit=county.fgj, full_name="未包联干部")
        ent_c_user = make_user("ent_c", Role.ENTERPRISE, enterprise=county.ent_c, full_name="邵水联系人")

    county.ent_c.linkages.get().cadres.add(People.colleague)
    return People


@pytest.fixture
def visit(county, people):
    return visit_record(
        actor=people.owner,
        enterprise=county.ent_c,
        visited_on=TODAY(),
        mode=Visit.Mode.ONSITE,
        met_with="张经理",
        notes="了解生产经营情况",
        problems=["用地手续慢", "招工难"],
    )


def add_visits(actor, enterprise, count):
    for n in range(count):
        visit_record(
            actor=actor,
            enterprise=enterprise,
            visited_on=TODAY() - dt.timedelta(days=n),
            mode=Visit.Mode.PHONE,
            problems=[f"问题{n}", f"问题{n}b"],
        )


# --- recording ----------------------------------------------------------------------------------------------


def test_the_record_page_offers_the_cadres_linked_enterprises_first(client, county, people):
    client.force_login(people.owner)
    response = client.get(reverse("visit_create"))
    assert response.status_code == 200
    assert response.context["linked"] == [county.ent_c]
    assert response.context["form"]["visited_on"].value() == TODAY()


def test_the_search_finds_only_enterprises_in_scope(client, county, people):
    client.force_login(people.owner)
    assert client.get(reverse("visit_enterprise_search"), {"q": "湘中"}).context["results"] == []
    client.force_login(county.town_a_handler)
    response = client.get(reverse("visit_enterprise_search"), {"q": "湘中"})
    assert response.context["results"] == [county.ent_a]
    assert f'value="{county.ent_a.pk}"' in response.content.decode()


def test_without_javascript_the_search_reloads_the_page_keeping_what_was_typed(client, county):
    client.force_login(county.town_a_handler)
    response = client.get(reverse("visit_create"), {"q": "湘中", "met_with": "李总", "problems": "融资难"})
    assert response.context["results"] == [county.ent_a]
    assert response.context["form"]["met_with"].value() == "李总"
    assert response.context["form"]["problems"].value() == "融资难"


def test_the_profile_button_preselects_the_enterprise(client, county):
    client.force_login(county.town_a_handler)
    response = client.get(reverse("visit_create"), {"enterprise": county.ent_a.pk})
    assert response.context["results"] == [county.ent_a] and response.context["selected_id"] == county.ent_a.pk
    assert f'value="{county.ent_a.pk}" checked' in response.content.decode()
    # An enterprise outside the scope is not offered.
    response = client.get(reverse("visit_create"), {"enterprise": county.ent_b.pk})
    assert response.context["results"] == []


def test_a_cadre_records_a_visit_with_two_problems_and_sees_it_in_their_list(client, county, people):
    client.force_login(people.owner)
    response = client.post(
        reverse("visit_create"),
        {
            "enterprise": county.ent_c.pk,
            "visited_on": TODAY().isoformat(),
            "mode": Visit.Mode.MEETING,
            "met_with": "王厂长",
            "notes": "座谈",
            "problems": "融资难\n\n用电贵\n",
        },
    )
    assert response.status_code == 302 and response["Location"] == f"{reverse('visit_list')}?mine=1"
    visit = Visit.objects.get()
    assert (visit.visitor, visit.unit, visit.mode) == (people.owner, county.fgj, Visit.Mode.MEETING)
    assert [p.description for p in visit.problems.all()] == ["融资难", "用电贵"]
    listed = client.get(response["Location"]).context["page"]
    assert [v.pk for v in listed] == [visit.pk] and listed[0].problem_count == 2


def test_a_future_date_is_shown_on_the_date_field_and_nothing_is_saved(client, county, people):
    client.force_login(people.owner)
    response = client.post(
        reverse("visit_create"),
        {"enterprise": county.ent_c.pk, "visited_on": (TODAY() + dt.timedelta(days=3)).isoformat(), "mode": "onsite"},
    )
    assert response.status_code == 200
    assert response.context["form"].has_error("visited_on", "future")
    assert not Visit.objects.exists()


def test_an_enterprise_outside_the_scope_cannot_be_posted(client, county, people):
    client.force_login(people.owner)
    response = client.post(
        reverse("visit_create"), {"enterprise": county.ent_a.pk, "visited_on": TODAY().isoformat(), "mode": "onsite"}
    )
    assert response.status_code == 200 and response.context["form"].errors["enterprise"]
    assert not Visit.objects.exists()


def test_auditors_and_enterprise_users_cannot_record(client, county, people):
    for user in (county.auditor, county.ent_a_user):
        client.force_login(user)
        assert client.get(reverse("visit_create")).status_code == 403


# --- who sees what --------------------------------------------------------------------------------------------


def test_the_list_by_viewer(client, county, people, visit):
    expectations = {
        county.office_user: [visit.pk],
        people.owner: [visit.pk],
        people.colleague: [visit.pk],
        people.outsider: [],
        county.gxj_head: [visit.pk],  # 工信局's sub-unit leads ent_c's linkage
        county.fgj_handler: [],  # 发改局 neither leads ent_c nor holds its territory
        people.ent_c_user: [visit.pk],
        county.ent_a_user: [],
    }
    for user, expected in expectations.items():
        client.force_login(user)
        assert [v.pk for v in client.get(reverse("visit_list")).context["page"]] == expected, user.username


def test_the_detail_by_viewer(client, county, people, visit):
    url = reverse("visit_detail", args=[visit.pk])
    client.force_login(people.owner)
    response = client.get(url)
    assert response.status_code == 200 and response.context["can_change"]
    assert "用地手续慢" in response.content.decode()
    client.force_login(people.colleague)
    response = client.get(url)
    assert response.status_code == 200 and not response.context["can_change"]
    assert reverse("visit_edit", args=[visit.pk]) not in response.content.decode()
    client.force_login(people.ent_c_user)
    response = client.get(url)
    assert response.status_code == 200 and not response.context["can_change"]
    for user in (people.outsider, county.ent_a_user, county.fgj_handler):
        client.force_login(user)
        assert client.get(url).status_code == 404, user.username


def test_editing_by_viewer(client, county, people, visit):
    url = reverse("visit_edit", args=[visit.pk])
    client.force_login(people.colleague)
    assert client.get(url).status_code == 403
    client.force_login(people.outsider)
    assert client.get(url).status_code == 404
    client.force_login(people.ent_c_user)
    assert client.get(url).status_code == 403
    client.force_login(people.owner)
    assert client.get(url).context["form"]["problems"].value() == "用地手续慢\n招工难"
    response = client.post(
        url, {"visited_on": TODAY().isoformat(), "mode": "phone", "met_with": "张经理", "problems": "招工难"}
    )
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.mode == "phone" and [p.description for p in visit.problems.all()] == ["招工难"]


def test_the_owner_cannot_edit_after_the_window_but_the_office_can(client, county, people, visit):
    Visit.objects.filter(pk=visit.pk).update(created_at=timezone.now() - dt.timedelta(days=EDIT_WINDOW_DAYS + 1))
    url = reverse("visit_edit", args=[visit.pk])
    client.force_login(people.owner)
    assert client.get(url).status_code == 403
    client.force_login(county.office_user)
    assert client.get(url).status_code == 200


def test_deleting(client, county, people, visit):
    url = reverse("visit_delete", args=[visit.pk])
    client.force_login(people.colleague)
    assert client.post(url).status_code == 403
    client.force_login(people.owner)
    assert client.get(url).status_code == 200
    assert client.post(url).status_code == 302
    assert not Visit.objects.exists()


# --- filters, export, query counts ------------------------------------------------------------------------


def test_list_filters(client, county, people, visit):
    other = visit_record(actor=people.colleague, enterprise=county.ent_c, visited_on=TODAY(), mode="phone", problems=[])
    Visit.objects.filter(pk=other.pk).update(visited_on=TODAY().replace(day=1) - dt.timedelta(days=1))
    client.force_login(people.owner)

    def listed(**params):
        return [v.pk for v in client.get(reverse("visit_list"), params).context["page"]]

    assert listed() == [visit.pk, other.pk]
    assert listed(mine="1") == [visit.pk]
    assert listed(month=TODAY().strftime("%Y-%m")) == [visit.pk]
    last_month = TODAY().replace(day=1) - dt.timedelta(days=1)
    assert listed(month=last_month.strftime("%Y-%m")) == [other.pk]
    assert listed(enterprise=str(county.ent_a.pk)) == []
    assert listed(unit=str(county.fgj.pk)) == [visit.pk, other.pk]
    assert listed(unit=str(county.gxj.pk)) == []
    assert listed(q="张经理") == [visit.pk]


def test_export_is_the_filtered_scoped_list_with_problems(client, county, people, visit):
    client.force_login(people.owner)
    response = client.get(reverse("visit_list"), {"export": "xlsx", "mine": "1"})
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert len(rows) == 2
    assert rows[1][1] == county.ent_c.name and rows[1][8] == "用地手续慢\n招工难"
    client.force_login(people.outsider)
    rows = list(
        load_workbook(io.BytesIO(client.get(reverse("visit_list"), {"export": "xlsx"}).content)).active.iter_rows()
    )
    assert len(rows) == 1


def test_list_page_query_count_is_pinned(client, county, people, visit, django_assert_num_queries):
    client.force_login(people.owner)
    client.get(reverse("visit_list"))
    # session, user, roles, count, calendar banner, the header's unit, the unit filter, the rows
    with django_assert_num_queries(8):
        client.get(reverse("visit_list"))
    add_visits(people.owner, county.ent_c, 6)
    with django_assert_num_queries(8):
        assert len(client.get(reverse("visit_list")).context["page"]) == 7


# --- API ------------------------------------------------------------------------------------------------


def test_api_list_is_scoped_and_pinned(client, county, people, visit, django_assert_num_queries):
    client.force_login(people.owner)
    body = client.get("/api/v1/visits").json()
    assert body["count"] == 1 and body["items"][0]["problems"] == ["用地手续慢", "招工难"]
    assert body["items"][0]["can_change"] is True
    # session, user, roles, count, rows, problems
    with django_assert_num_queries(6):
        client.get("/api/v1/visits")
    add_visits(people.owner, county.ent_c, 5)
    with django_assert_num_queries(6):
        assert client.get("/api/v1/visits").json()["count"] == 6
    assert client.get("/api/v1/visits", {"month": "2026-13"}).status_code == 422
    client.force_login(people.outsider)
    assert client.get("/api/v1/visits").json()["count"] == 0
    client.force_login(people.ent_c_user)
    assert client.get("/api/v1/visits").json()["count"] == 6


def test_api_records_a_visit(client, county, people):
    client.force_login(people.owner)
    payload = {
        "enterprise_id": county.ent_c.pk,
        "visited_on": TODAY().isoformat(),
        "mode": "online",
        "problems": ["融资难", "用电贵"],
    }
    response = client.post("/api/v1/visits", payload, content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["problems"] == ["融资难", "用电贵"] and response.json()["unit_id"] == county.fgj.pk
    future = {**payload, "visited_on": (TODAY() + dt.timedelta(days=1)).isoformat()}
    response = client.post("/api/v1/visits", future, content_type="application/json")
    assert response.status_code == 422 and TODAY().isoformat() in response.json()["detail"]
    outside = {**payload, "enterprise_id": county.ent_a.pk}
    assert client.post("/api/v1/visits", outside, content_type="application/json").status_code == 404
    client.force_login(county.auditor)
    assert client.post("/api/v1/visits", payload, content_type="application/json").status_code == 403
    client.force_login(people.ent_c_user)
    assert client.post("/api/v1/visits", payload, content_type="application/json").status_code == 403
    assert Visit.objects.count() == 1


def test_api_read_change_delete_by_viewer(client, county, people, visit):
    url = f"/api/v1/visits/{visit.pk}"
    client.force_login(people.outsider)
    assert client.get(url).status_code == 404
    assert client.patch(url, {"notes": "x"}, content_type="application/json").status_code == 404
    client.force_login(people.colleague)
    assert client.get(url).json()["can_change"] is False
    assert client.patch(url, {"notes": "x"}, content_type="application/json").status_code == 403
    assert client.delete(url).status_code == 403
    client.force_login(people.ent_c_user)
    assert client.get(url).status_code == 200
    assert client.patch(url, {"notes": "x"}, content_type="application/json").status_code == 403
    client.force_login(people.owner)
    body = client.patch(url, {"notes": "已核实", "problems": ["招工难"]}, content_type="application/json").json()
    assert body["notes"] == "已核实" and body["problems"] == ["招工难"] and body["met_with"] == "张经理"
    assert client.delete(url).status_code == 204
    assert not Visit.objects.exists()
