"""The supply-and-demand services: who posts (an enterprise user its own posts, the office any; nobody
else), every rule of a post with its message, the proposals refresh_matches makes and withdraws (never
touching a match the office took up), brokering with its notifications, and the transitions of a match.

`board` (used by the page and API tests too), on the tea chain of test_chains_support:
    offer   ent_a (酿溪镇)  有机绿茶        on 有机茶基地 (upstream)
    need    ent_b (雀塘镇)  采购有机绿茶原料 on 茶饮原料加工 (midstream)    → matches the offer (adjacent stages)
    need    ent_c (酿溪镇)  冷库租赁        on 冷库                         → matches nothing
    need    ent_a (酿溪镇)  有机绿茶包装    no node                         → never ent_a's own offer
"""

import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.http import Http404

from chains.models import MarketMatch, MarketPost
from chains.services import market as services
from core.models import Notification

pytest_plugins = ["chains.tests.test_chains_support"]

Status = MarketMatch.Status


def make_post(enterprise, kind, title, description, node, by, **extra):
    return MarketPost.objects.create(
        enterprise=enterprise,
        kind=kind,
        title=title,
        description=description,
        node=node,
        created_by=by,
        **extra,
    )


@dataclass
class Board:
    tea_offer: MarketPost
    tea_need: MarketPost
    cold_need: MarketPost
    own_need: MarketPost

    @property
    def match(self) -> MarketMatch:
        return MarketMatch.objects.get(offer=self.tea_offer, need=self.tea_need)


def build_board(county, tea) -> Board:
    board = Board(
        make_post(county.ent_a, "offer", "有机绿茶", "自有有机茶园，年产有机绿茶200吨", tea.organic, county.ent_a_user),
        make_post(
            county.ent_b, "need", "采购有机绿茶原料", "用于茶饮原料，每月需绿茶10吨", tea.processing, county.ent_b_user
        ),
        make_post(county.ent_c, "need", "冷库租赁", "需要冷库500平方米", tea.cold_store, county.office_user),
        make_post(county.ent_a, "need", "有机绿茶包装", "有机绿茶的礼盒", None, county.ent_a_user),
    )
    services.refresh_matches()
    return board


@pytest.fixture
def board(county, tea, english):
    return build_board(county, tea)


def messages(error) -> dict:
    return error.value.message_dict


# Posts -------------------------------------------------------------------------------------------------------


def test_an_enterprise_user_posts_for_its_own_enterprise(county, tea, english, django_capture_on_commit_callbacks):
    offer = make_post(county.ent_b, "offer", "有机绿茶", "茶园直供有机绿茶", tea.organic, county.ent_b_user)
    with django_capture_on_commit_callbacks(execute=True):
        post = services.post_save(
            actor=county.ent_a_user,
            kind="need",
            title=" 有机绿茶原料 ",
            node=tea.processing.pk,
            quantity="10吨/月",
            period_from="2026-01-01",
            period_to="2026-12-31",
        )
    post.refresh_from_db()
    assert (post.enterprise, post.title, post.node, post.created_by) == (
        county.ent_a,
        "有机绿茶原料",
        tea.processing,
        county.ent_a_user,
    )
    assert post.period_to == dt.date(2026, 12, 31)
    # Saving proposed its matches once committed.
    match = MarketMatch.objects.get(need=post)
    assert match.offer == offer and match.status == Status.PROPOSED and match.score >= 30
    assert "Adjacent stages of the chain 新式茶饮: “有机茶基地” and “茶饮原料加工”." in match.reasons


def test_the_office_posts_for_any_enterprise_by_credit_code_or_id(county, english):
    post = services.post_save(
        actor=county.office_user, enterprise=county.ent_c.credit_code.lower(), kind="offer", title="钢材"
    )
    assert post.enterprise == county.ent_c and post.created_by == county.office_user
    post = services.post_save(actor=county.office_user, enterprise=str(county.ent_b.pk), kind="need", title="纸箱")
    assert post.enterprise == county.ent_b
    with pytest.raises(ValidationError) as error:
        services.post_save(actor=county.office_user, kind="need", title="纸箱")
    assert messages(error) == {"enterprise": ["Choose the enterprise the post is for."]}


def test_every_mistake_in_a_post_is_named(county, tea, english):
    tea.chain.is_active = False
    tea.chain.save()
    with pytest.raises(ValidationError) as error:
        services.post_save(
            actor=county.ent_a_user,
            enterprise=county.ent_b.pk,
            kind="sell",
            title="茶" * 81,
            node=tea.organic.pk,
            quantity="x" * 61,
            period_from="2026-05-01",
            period_to="2026-04-30",
            colour="red",
        )
    found = messages(error)
    assert found["enterprise"] == ["You post for your own enterprise only."]
    assert found["kind"] == ["Say whether the enterprise offers or needs it (offer or need)."]
    assert found["title"] == ["At most 80 characters (this has 81)."]
    assert found["node"] == ["Choose a node of an active industry chain (or none)."]
    assert found["quantity"] == ["At most 60 characters (this has 61)."]
    assert found["period_to"] == ["The period ends on or after the day it starts (2026-05-01)."]
    assert found["__all__"] == ["Unknown field(s): colour."]
    with pytest.raises(ValidationError) as error:
        services.post_save(actor=county.ent_a_user, kind="offer", title="  ", period_from="5/1")
    assert messages(error) == {
        "title": ["Name the product or service."],
        "period_from": ["Enter a date such as 2026-03-01."],
    }
    assert not MarketPost.objects.exists()


def test_only_the_fields_given_change_and_the_enterprise_stays(county, board):
    services.post_save(actor=county.ent_a_user, post_id=board.tea_offer.pk, quantity="200吨/年")
    board.tea_offer.refresh_from_db()
    assert (board.tea_offer.title, board.tea_offer.quantity) == ("有机绿茶", "200吨/年")
    with pytest.raises(ValidationError) as error:
        services.post_save(actor=county.office_user, post_id=board.tea_offer.pk, enterprise=county.ent_b.pk)
    assert messages(error)["enterprise"] == [
        "A post stays with its enterprise: close it and post again for the other one."
    ]


@pytest.mark.parametrize("who", ["leader", "gxj_head", "town_a_handler", "cadre", "auditor"])
def test_staff_other_than_the_office_do_not_post(county, board, who):
    user = getattr(county, who)
    with pytest.raises(PermissionDenied):
        services.post_save(actor=user, enterprise=county.ent_a.pk, kind="offer", title="钢材")
    with pytest.raises(PermissionDenied):
        services.post_save(actor=user, post_id=board.tea_offer.pk, title="改名")
    with pytest.raises(PermissionDenied):
        services.post_close(actor=user, post_id=board.tea_offer.pk)
    assert MarketPost.objects.count() == 4


def test_another_enterprises_post_is_404(county, board):
    with pytest.raises(Http404):
        services.post_save(actor=county.ent_b_user, post_id=board.tea_offer.pk, title="改名")
    with pytest.raises(Http404):
        services.post_close(actor=county.ent_b_user, post_id=board.tea_offer.pk)


def test_closing_withdraws_the_proposals_and_keeps_what_the_office_took_up(county, board):
    extra = make_post(county.ent_c, "need", "有机绿茶", "绿茶", None, county.office_user)
    services.refresh_matches([extra.pk])
    services.match_broker(actor=county.office_user, match_id=board.match.pk)
    services.post_close(actor=county.ent_a_user, post_id=board.tea_offer.pk)
    assert list(MarketMatch.objects.filter(offer=board.tea_offer).values_list("need__title", "status")) == [
        ("采购有机绿茶原料", Status.BROKERED)
    ]
    with pytest.raises(ValidationError) as error:
        services.post_close(actor=county.office_user, post_id=board.tea_offer.pk)
    assert error.value.messages == ["This post is closed already."]
    with pytest.raises(ValidationError) as error:
        services.post_save(actor=county.ent_a_user, post_id=board.tea_offer.pk, title="红茶")
    assert error.value.messages == ["This post is closed: it changes no more."]
    # A full refresh proposes nothing for a closed post.
    services.refresh_matches()
    assert not MarketMatch.objects.filter(offer=board.tea_offer, status=Status.PROPOSED).exists()


def test_a_post_keeps_its_kind_once_a_match_is_taken_up(county, board):
    services.match_broker(actor=county.office_user, match_id=board.match.pk)
    with pytest.raises(ValidationError) as error:
        services.post_save(actor=county.ent_b_user, post_id=board.tea_need.pk, kind="offer")
    assert messages(error) == {"kind": ["The office has taken up a match of this post: it stays a need."]}


# Proposals ---------------------------------------------------------------------------------------------------


def test_refresh_proposes_the_similar_pair_only(county, board):
    pairs = list(MarketMatch.objects.values_list("offer__title", "need__title", "status"))
    assert pairs == [("有机绿茶", "采购有机绿茶原料", Status.PROPOSED)]
    # ent_a's own need (有机绿茶包装) is as close to its offer as can be, but an enterprise is never paired
    # with itself; the cold store has nothing in common with tea.
    match = board.match
    assert match.reasons[0].startswith("Similar wording") and match.score >= Decimal(30)


def test_refresh_is_idempotent_and_rescores_proposals(county, board):
    assert services.refresh_matches() == services.RefreshResult(0, 0, 0)
    MarketMatch.objects.update(score=1, reasons=[])
    result = services.refresh_matches([board.tea_need.pk])
    assert (result.created, result.updated, result.deleted) == (0, 1, 0)
    assert board.match.score > 1 and board.match.reasons


def test_a_proposal_whose_score_falls_is_withdrawn(county, board, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.post_save(actor=county.ent_b_user, post_id=board.tea_need.pk, title="钢结构厂房", description="")
    assert not MarketMatch.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.post_save(actor=county.ent_b_user, post_id=board.tea_need.pk, title="有机绿茶原料")
    assert MarketMatch.objects.get().status == Status.PROPOSED


@pytest.mark.parametrize("status", [Status.BROKERED, Status.CONTACTED, Status.AGREED, Status.DECLINED])
def test_refresh_never_touches_a_match_past_proposed(county, board, status, django_capture_on_commit_callbacks):
    MarketMatch.objects.update(status=status, score=12, reasons=["kept"])
    with django_capture_on_commit_callbacks(execute=True):
        services.post_save(actor=county.office_user, post_id=board.tea_need.pk, title="钢结构厂房", description="")
    services.refresh_matches()
    assert list(MarketMatch.objects.values_list("status", "score", "reasons")) == [(status, 12, ["kept"])]


def test_a_declined_pair_is_not_proposed_again(county, board):
    services.match_record(actor=county.office_user, match_id=board.match.pk, status="declined", note="已有供应商")
    services.refresh_matches()
    assert list(MarketMatch.objects.values_list("status", flat=True)) == [Status.DECLINED]


# Brokering and recording -------------------------------------------------------------------------------------


def test_the_office_brokers_and_both_enterprises_are_told(county, board):
    match = services.match_broker(actor=county.office_user, match_id=board.match.pk, note="下周组织见面")
    assert (match.status, match.broker, match.note) == (Status.BROKERED, county.office_user, "下周组织见面")
    told = Notification.objects.filter(topic=f"market:match:{match.pk}:brokered", channel="in_app")
    assert sorted(told.values_list("recipient__username", flat=True)) == ["ent_a", "ent_a2", "ent_b"]
    to_b = told.get(recipient=county.ent_b_user)
    assert "湘中机械有限公司" in to_b.subject and "有机绿茶" in to_b.body
    assert to_b.link == f"/chains/market/{board.tea_need.pk}/"
    with pytest.raises(ValidationError) as error:
        services.match_broker(actor=county.office_user, match_id=match.pk)
    assert error.value.messages == ["This match is brokered already: only a proposed match is brokered."]


@pytest.mark.parametrize("who", ["leader", "gxj_head", "town_a_handler", "auditor"])
def test_only_the_office_brokers_and_records(county, board, who):
    user = getattr(county, who)
    with pytest.raises(PermissionDenied):
        services.match_broker(actor=user, match_id=board.match.pk)
    with pytest.raises(PermissionDenied):
        services.match_record(actor=user, match_id=board.match.pk, status="declined", note="x")
    assert board.match.status == Status.PROPOSED


def test_an_enterprise_user_does_not_read_a_proposal_nor_record_a_brokered_match(county, board):
    # The proposal is the office's working list: it does not exist for the enterprise yet.
    with pytest.raises(Http404):
        services.match_broker(actor=county.ent_a_user, match_id=board.match.pk)
    services.match_broker(actor=county.office_user, match_id=board.match.pk)
    with pytest.raises(PermissionDenied):
        services.match_record(actor=county.ent_a_user, match_id=board.match.pk, status="contacted")
    assert board.match.status == Status.BROKERED


def test_a_match_out_of_scope_is_404(county, board):
    with pytest.raises(Http404):
        services.match_broker(actor=county.office_user, match_id=999)
    # An enterprise user whose enterprise is on neither side.
    outsider = county.ent_a_user
    outsider.enterprise = county.ent_c
    outsider.save()
    with pytest.raises(Http404):
        services.match_record(actor=outsider, match_id=board.match.pk, status="declined", note="x")


def test_the_whole_way_to_an_agreement(county, board):
    today = dt.date(2026, 5, 20)
    match_id = board.match.pk
    services.match_broker(actor=county.office_user, match_id=match_id)
    services.match_record(actor=county.office_user, match_id=match_id, status="contacted", note="双方已通话")
    match = services.match_record(
        actor=county.office_user,
        match_id=match_id,
        status="agreed",
        amount="120.5",
        agreed_on="2026-05-18",
        note="签订年度采购协议",
        today=today,
    )
    match.refresh_from_db()
    assert (match.status, match.amount, match.agreed_on) == (Status.AGREED, Decimal("120.50"), dt.date(2026, 5, 18))
    assert match.note == "双方已通话\n签订年度采购协议"
    with pytest.raises(ValidationError) as error:
        services.match_record(actor=county.office_user, match_id=match_id, status="declined", note="x")
    assert messages(error) == {"status": ["This match is agreement signed: its outcome is recorded already."]}


@pytest.mark.parametrize(
    "steps, status, message",
    [
        ([], "contacted", "Broker this match first: a proposed match can only be declined."),
        ([], "agreed", "Broker this match first: a proposed match can only be declined."),
        (["brokered"], "agreed", "Record that contact was made before the agreement."),
        (["brokered"], "brokered", "A match that is brokered cannot become brokered."),
        (["brokered", "contacted"], "contacted", "A match that is contact made cannot become contact made."),
        ([], "signed", "Unknown status “signed”."),
    ],
)
def test_wrong_transitions_are_refused(county, board, steps, status, message):
    for step in steps:
        if step == "brokered":
            services.match_broker(actor=county.office_user, match_id=board.match.pk)
        else:
            services.match_record(actor=county.office_user, match_id=board.match.pk, status=step)
    before = board.match.status
    with pytest.raises(ValidationError) as error:
        services.match_record(
            actor=county.office_user, match_id=board.match.pk, status=status, amount=1, agreed_on="2026-01-01"
        )
    assert messages(error) == {"status": [message]}
    assert board.match.status == before


def test_an_agreement_needs_its_amount_and_day_and_a_decline_its_reason(county, board):
    match_id = board.match.pk
    services.match_broker(actor=county.office_user, match_id=match_id)
    with pytest.raises(ValidationError) as error:
        services.match_record(actor=county.office_user, match_id=match_id, status="declined")
    assert messages(error) == {"note": ["Say why the match is declined."]}
    services.match_record(actor=county.office_user, match_id=match_id, status="contacted")
    with pytest.raises(ValidationError) as error:
        services.match_record(actor=county.office_user, match_id=match_id, status="agreed")
    assert messages(error) == {
        "amount": ["Give the amount of the agreement in 10k yuan (0 when it has none)."],
        "agreed_on": ["Give the day the agreement was signed."],
    }
    with pytest.raises(ValidationError) as error:
        services.match_record(
            actor=county.office_user,
            match_id=match_id,
            status="agreed",
            amount="-3",
            agreed_on="2026-06-02",
            today=dt.date(2026, 6, 1),
        )
    assert messages(error) == {
        "amount": ["The amount cannot be negative."],
        "agreed_on": ["The agreement cannot be signed after today."],
    }
    assert board.match.status == Status.CONTACTED
    services.match_record(actor=county.office_user, match_id=match_id, status="declined", note="价格谈不拢")
    assert board.match.status == Status.DECLINED


def test_the_office_dismisses_a_proposal(county, board):
    services.match_record(actor=county.office_user, match_id=board.match.pk, status="declined", note="不合适")
    assert (board.match.status, board.match.broker) == (Status.DECLINED, county.office_user)


def test_the_command_refreshes_every_post(county, board):
    MarketMatch.objects.all().delete()
    out = io.StringIO()
    call_command("refresh_market_matches", stdout=out)
    assert out.getvalue().strip() == "Matches proposed: 1 new, 0 rescored, 0 withdrawn."
    assert board.match.status == Status.PROPOSED
