"""The supply-and-demand API: listing, posting, changing and closing posts, listing matches, brokering and
recording; 404 out of scope, 403 for those who may not write, 422 with the services' messages (and nothing
saved); the list endpoint's query count pinned as the rows grow."""

import json

import pytest

from chains.models import MarketMatch, MarketPost
from chains.services import market as services
from chains.tests.test_market_pages import more_posts
from chains.tests.test_market_services import build_board

pytest_plugins = ["chains.tests.test_chains_support"]

URL = "/api/v1/chains/market"
Status = MarketMatch.Status


def post(client, url, data=None):
    return client.post(url, json.dumps(data or {}), content_type="application/json")


def patch(client, url, data):
    return client.patch(url, json.dumps(data), content_type="application/json")


@pytest.fixture
def api_login(login, client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return login


@pytest.fixture
def board(county, tea, english):
    return build_board(county, tea)


# Posts -------------------------------------------------------------------------------------------------------


def test_the_office_lists_every_post_with_its_counts(county, board, api_login, tea):
    body = api_login(county.office_user).get(f"{URL}/posts").json()
    assert body["count"] == 4
    offer = next(row for row in body["items"] if row["id"] == board.tea_offer.pk)
    assert offer["enterprise"] == {"id": county.ent_a.pk, "name": "湘中机械有限公司"}
    assert offer["node"] == {
        "id": tea.organic.pk,
        "name": "有机茶基地",
        "stage": "upstream",
        "chain_id": tea.chain.pk,
        "chain": "新式茶饮",
    }
    assert (offer["proposed"], offer["taken_up"]) == (1, 0)
    needs = api_login(county.office_user).get(f"{URL}/posts", {"kind": "need", "q": "绿茶"}).json()
    assert sorted(row["title"] for row in needs["items"]) == ["有机绿茶包装", "采购有机绿茶原料"]


def test_an_enterprise_user_lists_its_own_posts_without_proposals(county, board, api_login):
    body = api_login(county.ent_a_user).get(f"{URL}/posts").json()
    assert body["count"] == 2 and all(row["enterprise"]["id"] == county.ent_a.pk for row in body["items"])
    assert all(row["proposed"] is None for row in body["items"])


def test_an_enterprise_user_posts_changes_and_closes(county, tea, api_login, english):
    client = api_login(county.ent_b_user)
    response = post(
        client,
        f"{URL}/posts",
        {"kind": "offer", "title": "果浆", "node": tea.processing.pk, "period_from": "2026-03-01"},
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["enterprise"]["id"] == county.ent_b.pk and created["status"] == "open"
    response = patch(client, f"{URL}/posts/{created['id']}", {"quantity": "2吨/月", "node": None})
    assert response.status_code == 200 and (response.json()["quantity"], response.json()["node"]) == ("2吨/月", None)
    response = post(client, f"{URL}/posts/{created['id']}/close")
    assert response.status_code == 200 and response.json()["status"] == "closed"
    response = post(client, f"{URL}/posts/{created['id']}/close")
    assert response.status_code == 422 and response.json()["detail"] == "This post is closed already."


def test_post_mistakes_answer_422_and_save_nothing(county, tea, api_login, english):
    client = api_login(county.ent_b_user)
    response = post(
        client, f"{URL}/posts", {"kind": "offer", "title": "", "period_from": "2026-05-01", "period_to": "2026-04-01"}
    )
    assert response.status_code == 422
    assert response.json()["detail"] == (
        "title: Name the product or service. period_to: The period ends on or after the day it starts (2026-05-01)."
    )
    response = post(client, f"{URL}/posts", {"kind": "offer", "title": "果浆", "node": 99999})
    assert response.json()["detail"] == "node: Choose a node of an active industry chain (or none)."
    response = post(client, f"{URL}/posts", {"kind": "offer", "title": "果浆", "period_from": "someday"})
    assert response.status_code == 422  # the schema's own check
    office = api_login(county.office_user)
    response = post(office, f"{URL}/posts", {"kind": "offer", "title": "钢材"})
    assert response.json()["detail"] == "enterprise: Choose the enterprise the post is for."
    assert not MarketPost.objects.exists()


@pytest.mark.parametrize("who", ["leader", "gxj_head", "town_a_handler", "auditor", "cadre"])
def test_staff_other_than_the_office_get_403_on_writes(county, board, api_login, who):
    client = api_login(getattr(county, who))
    assert client.get(f"{URL}/posts").json()["count"] == 4  # they read
    assert (
        post(client, f"{URL}/posts", {"enterprise": county.ent_a.pk, "kind": "offer", "title": "x"}).status_code == 403
    )
    assert patch(client, f"{URL}/posts/{board.tea_offer.pk}", {"title": "x"}).status_code == 403
    assert post(client, f"{URL}/posts/{board.tea_offer.pk}/close").status_code == 403
    assert post(client, f"{URL}/matches/{board.match.pk}/broker").status_code == 403
    assert (
        post(client, f"{URL}/matches/{board.match.pk}/record", {"status": "declined", "note": "x"}).status_code == 403
    )
    assert MarketPost.objects.count() == 4 and board.match.status == Status.PROPOSED


def test_out_of_scope_is_404(county, board, api_login):
    client = api_login(county.ent_b_user)
    assert client.get(f"{URL}/posts/{board.tea_offer.pk}").status_code == 404
    assert patch(client, f"{URL}/posts/{board.tea_offer.pk}", {"title": "x"}).status_code == 404
    assert post(client, f"{URL}/posts/{board.tea_offer.pk}/close").status_code == 404
    assert client.get(f"{URL}/matches/{board.match.pk}").status_code == 404  # a proposal is the office's
    assert post(client, f"{URL}/matches/{board.match.pk}/broker").status_code == 404
    assert api_login(county.office_user).get(f"{URL}/posts/999").status_code == 404


# Matches -----------------------------------------------------------------------------------------------------


def test_matches_brokered_and_recorded_over_the_api(county, board, api_login):
    office = api_login(county.office_user)
    body = office.get(f"{URL}/matches").json()
    assert body["count"] == 1
    match = body["items"][0]
    assert (match["offer"]["title"], match["need"]["title"], match["status"]) == (
        "有机绿茶",
        "采购有机绿茶原料",
        "proposed",
    )
    assert match["reasons"][0].startswith("Similar wording")
    response = post(office, f"{URL}/matches/{match['id']}/broker", {"note": "约见"})
    assert response.status_code == 200 and (response.json()["status"], response.json()["broker"]) == (
        "brokered",
        "王主任",
    )
    response = post(office, f"{URL}/matches/{match['id']}/broker")
    assert response.status_code == 422
    assert response.json()["detail"] == "This match is brokered already: only a proposed match is brokered."
    response = post(office, f"{URL}/matches/{match['id']}/record", {"status": "agreed", "amount": "50"})
    assert response.status_code == 422
    assert response.json()["detail"] == "status: Record that contact was made before the agreement."
    assert post(office, f"{URL}/matches/{match['id']}/record", {"status": "contacted"}).status_code == 200
    response = post(office, f"{URL}/matches/{match['id']}/record", {"status": "agreed", "amount": "50"})
    assert response.json()["detail"] == "agreed_on: Give the day the agreement was signed."
    response = post(
        office, f"{URL}/matches/{match['id']}/record", {"status": "agreed", "amount": "50", "agreed_on": "2026-01-05"}
    )
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["amount"], response.json()["agreed_on"]) == (
        "agreed",
        "50.00",
        "2026-01-05",
    )
    # Both enterprises now see the match.
    mine = api_login(county.ent_b_user).get(f"{URL}/matches").json()
    assert [m["id"] for m in mine["items"]] == [match["id"]]
    assert api_login(county.ent_a_user).get(f"{URL}/matches", {"status": "agreed"}).json()["count"] == 1


def test_the_match_filters(county, board, api_login):
    office = api_login(county.office_user)
    assert office.get(f"{URL}/matches", {"status": "brokered"}).json()["count"] == 0
    assert office.get(f"{URL}/matches", {"status": "open"}).json()["count"] == 1
    assert office.get(f"{URL}/matches", {"post": board.cold_need.pk}).json()["count"] == 0
    assert office.get(f"{URL}/matches", {"q": "雀塘"}).json()["count"] == 1
    assert api_login(county.ent_a_user).get(f"{URL}/matches").json()["count"] == 0
    services.match_broker(actor=county.office_user, match_id=board.match.pk)
    assert api_login(county.ent_a_user).get(f"{URL}/matches").json()["count"] == 1


# Query counts ------------------------------------------------------------------------------------------------


# The session, the user, the roles, the count and the page of posts.
LIST_QUERIES = 5


@pytest.mark.parametrize("who", ["office_user", "ent_a_user"])
def test_the_list_endpoint_runs_the_same_queries_as_posts_grow(
    county, board, tea, api_login, who, django_assert_num_queries
):
    client = api_login(getattr(county, who))
    more_posts(county, tea, 1, 2)
    with django_assert_num_queries(LIST_QUERIES):
        client.get(f"{URL}/posts")
    more_posts(county, tea, 2, 5)
    with django_assert_num_queries(LIST_QUERIES):
        body = client.get(f"{URL}/posts").json()
    assert body["count"] == (11 if who == "office_user" else 2)


MATCH_QUERIES = 5


def test_the_match_endpoint_runs_the_same_queries_as_matches_grow(
    county, board, tea, api_login, django_assert_num_queries
):
    client = api_login(county.office_user)
    more_posts(county, tea, 1, 2)
    with django_assert_num_queries(MATCH_QUERIES):
        first = client.get(f"{URL}/matches").json()
    more_posts(county, tea, 2, 5)
    with django_assert_num_queries(MATCH_QUERIES):
        second = client.get(f"{URL}/matches").json()
    # Each new offer matches ent_b's need and ent_a's packaging need.
    assert (first["count"], second["count"]) == (5, 15)
