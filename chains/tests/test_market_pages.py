"""The supply-and-demand pages: who reads what (staff every post and match; an enterprise user its own posts
and the matches the office took up), who writes (an enterprise user its own posts, the office everything;
403 for other staff, 404 out of scope), the forms keeping what was typed with the messages on it, brokering
and recording from the pages, and the list page's query counts pinned as the rows grow."""

import pytest
from django.urls import reverse

from chains.models import MarketMatch, MarketPost
from chains.services import market as services
from chains.tests.test_market_services import build_board, make_post
from conftest import make_credit_code
from enterprises.models import Enterprise

pytest_plugins = ["chains.tests.test_chains_support"]

Status = MarketMatch.Status


@pytest.fixture
def board(county, tea, english):
    return build_board(county, tea)


def html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def rows(page: str) -> int:
    return page.count('data-testid="market-row"')


# The board ---------------------------------------------------------------------------------------------------


def test_the_office_reads_every_post_with_its_proposals_and_the_totals(county, board, login):
    page = html(login(county.office_user).get(reverse("market_list")))
    assert rows(page) == 4 and 'data-testid="market-new-offer"' in page
    row = page[page.index(f'data-post="{board.tea_offer.pk}"') :]
    row = row[: row.index("</tr>")]
    assert "湘中机械有限公司" in row and "新式茶饮 › 有机茶基地" in row
    assert 'data-testid="post-proposed">1</td>' in row
    assert 'data-testid="total-proposed">1<' in page and 'data-testid="total-amount">0.00<' in page


@pytest.mark.parametrize("who", ["leader", "town_a_handler", "auditor", "cadre"])
def test_other_staff_read_the_board_without_the_post_buttons(county, board, login, who):
    page = html(login(getattr(county, who)).get(reverse("market_list")))
    assert rows(page) == 4 and 'data-testid="market-new-offer"' not in page


def test_an_enterprise_user_reads_its_own_posts_without_proposals(county, board, login):
    page = html(login(county.ent_a_user).get(reverse("market_list")))
    assert rows(page) == 2 and "采购有机绿茶原料" not in page
    assert 'data-testid="post-proposed"' not in page and 'data-testid="market-totals"' not in page


def test_filters_and_the_htmx_fragment(county, board, login, tea):
    client = login(county.office_user)
    assert rows(html(client.get(reverse("market_list"), {"kind": "need"}))) == 3
    assert rows(html(client.get(reverse("market_list"), {"q": "冷库"}))) == 1
    assert rows(html(client.get(reverse("market_list"), {"chain": tea.chain.pk}))) == 3
    assert rows(html(client.get(reverse("market_list"), {"node": tea.planting.pk}))) == 1  # its sub-node's post
    assert rows(html(client.get(reverse("market_list"), {"status": "closed"}))) == 0
    fragment = html(client.get(reverse("market_list"), {"kind": "offer"}, HTTP_HX_REQUEST="true"))
    assert fragment.startswith('<div id="market-results">') and rows(fragment) == 1 and "<html" not in fragment


# Posting -----------------------------------------------------------------------------------------------------


def test_an_enterprise_user_posts_a_need(county, tea, login, english):
    client = login(county.ent_b_user)
    assert 'name="enterprise"' not in html(client.get(reverse("market_post_create"), {"kind": "need"}))
    response = client.post(
        reverse("market_post_create"),
        {"kind": "need", "title": "果浆", "node": tea.processing.pk, "quantity": "2吨/月", "period_from": "2026-01-01"},
    )
    post = MarketPost.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("market_post_detail", args=[post.pk])
    assert (post.enterprise, post.node, post.quantity) == (county.ent_b, tea.processing, "2吨/月")


def test_a_mistake_keeps_what_was_typed(county, tea, login, english):
    client = login(county.ent_b_user)
    response = client.post(
        reverse("market_post_create"),
        {
            "kind": "need",
            "title": "果浆",
            "description": "芒果果浆，冷链配送",
            "period_from": "2026-05-01",
            "period_to": "2026-04-01",
        },
    )
    page = html(response)
    assert 'data-testid="error-period_to"' in page
    assert "The period ends on or after the day it starts (2026-05-01)." in page
    assert "芒果果浆，冷链配送" in page and 'value="果浆"' in page
    assert not MarketPost.objects.exists()


def test_the_office_posts_for_an_enterprise_by_credit_code(county, login, english):
    client = login(county.office_user)
    response = client.post(
        reverse("market_post_create"), {"enterprise": county.ent_c.credit_code, "kind": "offer", "title": "钢材"}
    )
    assert response.status_code == 302 and MarketPost.objects.get().enterprise == county.ent_c
    page = html(client.post(reverse("market_post_create"), {"enterprise": "123", "kind": "offer", "title": "钢材"}))
    assert "No enterprise in your scope has the id or credit code “123”." in page


def test_editing_and_closing_a_post(county, board, login):
    client = login(county.ent_a_user)
    page = html(client.get(reverse("market_post_edit", args=[board.tea_offer.pk])))
    assert 'value="有机绿茶"' in page
    response = client.post(
        reverse("market_post_edit", args=[board.tea_offer.pk]),
        {"kind": "offer", "title": "有机绿茶（明前）", "node": tea_node(board), "quantity": "200吨/年"},
    )
    assert response.status_code == 302
    board.tea_offer.refresh_from_db()
    assert (board.tea_offer.title, board.tea_offer.quantity) == ("有机绿茶（明前）", "200吨/年")
    assert client.post(reverse("market_post_close", args=[board.tea_offer.pk])).status_code == 302
    board.tea_offer.refresh_from_db()
    assert board.tea_offer.status == MarketPost.Status.CLOSED
    assert not MarketMatch.objects.exists()  # its proposal went with it
    assert client.get(reverse("market_post_edit", args=[board.tea_offer.pk])).status_code == 302


def tea_node(board) -> int:
    return board.tea_offer.node_id


@pytest.mark.parametrize("who", ["leader", "gxj_head", "town_a_handler", "auditor", "cadre"])
def test_other_staff_get_403_on_the_writing_pages(county, board, login, who):
    client = login(getattr(county, who))
    assert client.get(reverse("market_post_create")).status_code == 403
    assert client.get(reverse("market_post_edit", args=[board.tea_offer.pk])).status_code == 403
    assert client.post(reverse("market_post_close", args=[board.tea_offer.pk])).status_code == 403
    assert client.post(reverse("market_match_broker", args=[board.match.pk])).status_code == 403
    assert client.post(reverse("market_match_record", args=[board.match.pk]), {"status": "declined"}).status_code == 403
    assert board.match.status == Status.PROPOSED
    assert MarketPost.objects.filter(status=MarketPost.Status.OPEN).count() == 4


def test_another_enterprises_post_and_match_are_404(county, board, login):
    client = login(county.ent_b_user)
    for name in ("market_post_detail", "market_post_edit"):
        assert client.get(reverse(name, args=[board.tea_offer.pk])).status_code == 404
    assert client.post(reverse("market_post_close", args=[board.tea_offer.pk])).status_code == 404
    # The proposal involves ent_b's need, but it is the office's until brokered.
    assert client.get(reverse("market_match_detail", args=[board.match.pk])).status_code == 404
    assert login(county.ent_a_user).get(reverse("market_post_detail", args=[board.cold_need.pk])).status_code == 404


# Matches -----------------------------------------------------------------------------------------------------


def test_the_post_page_shows_the_matches_to_the_office_and_the_count_to_the_enterprise(county, board, login):
    page = html(login(county.office_user).get(reverse("market_post_detail", args=[board.tea_need.pk])))
    assert 'data-testid="post-match"' in page and "湘中机械有限公司" in page and 'data-testid="match-broker"' in page
    page = html(login(county.ent_b_user).get(reverse("market_post_detail", args=[board.tea_need.pk])))
    assert "1 possible match is with the coordinating office" in page
    assert "湘中机械有限公司" not in page and 'data-testid="post-edit"' in page


def test_the_office_brokers_and_records_from_the_pages(county, board, login):
    client = login(county.office_user)
    match = board.match
    response = client.post(reverse("market_match_broker", args=[match.pk]), {"note": "约周三见面", "next": "list"})
    assert response.status_code == 302 and response["Location"] == reverse("market_match_list")
    match.refresh_from_db()
    assert (match.status, match.note) == (Status.BROKERED, "约周三见面")
    # Now ent_b sees who is on the other side.
    page = html(login(county.ent_b_user).get(reverse("market_post_detail", args=[board.tea_need.pk])))
    assert "湘中机械有限公司" in page and "possible match" not in page
    client = login(county.office_user)
    page = html(client.post(reverse("market_match_record", args=[match.pk]), {"status": "agreed", "note": "谈妥价格"}))
    assert "Record that contact was made before the agreement." in page and "谈妥价格" in page
    client.post(reverse("market_match_record", args=[match.pk]), {"status": "contacted"})
    page = html(
        client.post(reverse("market_match_record", args=[match.pk]), {"status": "agreed", "amount": "80", "note": "x"})
    )
    assert 'data-testid="error-agreed_on"' in page and 'value="80"' in page
    response = client.post(
        reverse("market_match_record", args=[match.pk]), {"status": "agreed", "amount": "80", "agreed_on": "2026-01-05"}
    )
    assert response.status_code == 302
    match.refresh_from_db()
    assert (match.status, str(match.amount)) == (Status.AGREED, "80.00")
    page = html(client.get(reverse("market_match_list"), {"status": "agreed"}))
    assert 'data-testid="total-agreed">1<' in page and 'data-testid="total-amount">80.00<' in page
    assert page.count('data-testid="match-row"') == 1


def test_the_match_list_for_the_office_and_for_an_enterprise(county, board, login):
    page = html(login(county.office_user).get(reverse("market_match_list")))
    assert page.count('data-testid="match-row"') == 1 and 'data-testid="match-broker"' in page
    page = html(login(county.ent_a_user).get(reverse("market_match_list")))
    assert page.count('data-testid="match-row"') == 0
    services.match_broker(actor=county.office_user, match_id=board.match.pk)
    page = html(login(county.ent_a_user).get(reverse("market_match_list")))
    assert page.count('data-testid="match-row"') == 1 and 'data-testid="match-broker"' not in page


# Query counts ------------------------------------------------------------------------------------------------


def more_posts(county, tea, serial, count):
    for i in range(count):
        e = Enterprise.objects.create(
            credit_code=make_credit_code(serial * 100 + i), name=f"供需企业{serial}-{i}", region=county.town_a
        )
        make_post(e, "offer", f"有机绿茶{serial}-{i}", "茶园", tea.organic, county.office_user)
    services.refresh_matches()


# The session, the user, their roles, the count, the posts (their match counts are subqueries), the chains
# and the nodes of the filters, then for staff the totals and the page header's calendar warning and unit,
# for an enterprise user the header's own query.
LIST_QUERIES = {"office_user": 10, "ent_a_user": 8}


@pytest.mark.parametrize("who", sorted(LIST_QUERIES))
def test_the_list_page_runs_the_same_queries_as_posts_grow(county, board, tea, login, who, django_assert_num_queries):
    client = login(getattr(county, who))
    more_posts(county, tea, 1, 2)
    with django_assert_num_queries(LIST_QUERIES[who]):
        client.get(reverse("market_list"))
    more_posts(county, tea, 2, 5)
    with django_assert_num_queries(LIST_QUERIES[who]):
        response = client.get(reverse("market_list"))
    assert len(response.context["page"].object_list) == (11 if who == "office_user" else 2)
