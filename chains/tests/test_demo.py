"""The chains demo (chains/demo.py) on a small county built once for the module (with the cases it links):
four chains with their chiefs, maps, placements, gaps and risks; reception days on their rule with the cases
raised there; 24 months of events with outcomes; the seed's targets, met last year and not by every township
this year; the supply-and-demand board; reset empties it all."""

import dataclasses
import random
from datetime import date

import pytest
import time_machine
from auditlog.context import disable_auditlog
from django.db import transaction
from django.utils import timezone

from accounts import demo as accounts_demo
from accounts.demo import DemoContext
from accounts.models import Unit
from cases import demo as cases_demo
from cases.models import Case
from chains import demo as chains_demo
from chains import schedule
from chains.models import (
    ChainNode,
    ChainPlacement,
    Event,
    EventOutcome,
    EventParticipant,
    EventTarget,
    IndustryChain,
    MarketMatch,
    MarketPost,
)
from chains.selectors import chains as chain_selectors
from chains.selectors import events as event_selectors
from core.management.commands.demo import STEPS

SCALE = dataclasses.replace(accounts_demo.SCALES["county"], enterprises=400, enterprise_users=10)
SEED = 13
TODAY = date(2026, 12, 2)
NEEDED = ("accounts", "enterprises", "cases", "chains")


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), pytest.MonkeyPatch.context() as patch:
        patch.setitem(cases_demo.CASES_PER_ENTERPRISE, "county", 1.5)
        atomic = transaction.atomic()
        atomic.__enter__()
        traveller = time_machine.travel(timezone.make_aware(timezone.datetime(2026, 12, 2, 10)), tick=False)
        traveller.start()
        try:
            ctx = DemoContext(seed=SEED, password="demo-pass-2026", log=lambda message: None)
            with disable_auditlog():
                for step in STEPS:
                    if step.name in NEEDED:
                        step.build(random.Random(f"{SEED}:{step.name}"), SCALE, ctx)
            yield ctx
        finally:
            traveller.stop()
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def built(demo, db):
    return demo


def test_four_chains_with_chief_task_force_leading_enterprises_and_a_nested_map(built):
    chains = list(IndustryChain.objects.order_by("sort_order"))
    assert [c.name for c in chains] == ["新式茶饮", "速食调味料", "方便速食及预制菜", "四大怀药功能食品"]
    assert chains[0].chief == built.logins["leader"]  # the leader login chairs one
    for chain in chains:
        assert chain.chief and chain.task_force and chain.liaison_phone
        stages = set(chain.nodes.values_list("stage", flat=True))
        assert stages == {ChainNode.Stage.UPSTREAM, ChainNode.Stage.MIDSTREAM, ChainNode.Stage.DOWNSTREAM}
        placed = set(ChainPlacement.objects.filter(node__chain=chain).values_list("enterprise_id", flat=True))
        assert placed and set(chain.leading_enterprises.values_list("pk", flat=True)) <= placed
    assert ChainNode.objects.filter(parent__isnull=False).exists()
    # Placed by trade: the tea processors (GB/T 4754 group 153) on the tea chain's processing node.
    tea = ChainPlacement.objects.filter(node__name="精制茶加工").select_related("enterprise__industry")
    assert tea and all(p.enterprise.industry.code.startswith("153") for p in tea)


def test_the_maps_show_gaps_and_single_enterprise_risks(built):
    office = built.logins["office"]
    tea = chain_selectors.chain_map(IndustryChain.objects.get(name="新式茶饮"), user=office)
    assert {"茶叶种植", "乳品与植脂原料"} <= {node.name for node in tea.gaps}
    assert "果酱与小料" in {node.name for node in tea.risks}
    single = ChainNode.objects.get(chain__name="新式茶饮", name="果酱与小料")
    assert single.placements.count() == 1


def test_reception_days_fall_on_their_rule_and_carry_the_cases_raised_there(built):
    days = list(Event.objects.filter(kind=Event.Kind.RECEPTION_DAY).order_by("held_on"))
    assert len(days) >= 24
    office_unit = Unit.objects.get(code=f"{accounts_demo.DEMO_COUNTY_CODE}-ZQB")
    linked = 0
    for event in days:
        assert event.held_on == schedule.reception_day(event.held_on.year, event.held_on.month)
        assert event.organizer == office_unit
        assert event.status == (Event.Status.HELD if event.held_on < TODAY else Event.Status.PLANNED)
        attended = set(event.participants.filter(attended=True).values_list("enterprise_id", flat=True))
        for case in event.cases.all():
            assert case.channel == Case.Channel.RECEPTION_DAY
            assert timezone.localdate(case.submitted_at) == event.held_on
            assert case.enterprise_id in attended
            linked += 1
    assert linked > 0
    # Every reception-day case of a held day is linked to it.
    held = [e.held_on for e in days if e.status == Event.Status.HELD]
    raised = [
        c for c in Case.objects.filter(channel=Case.Channel.RECEPTION_DAY) if timezone.localdate(c.submitted_at) in held
    ]
    assert linked == len(raised)


def test_events_span_24_months_with_outcomes_of_their_kind(built):
    first = Event.objects.order_by("held_on").first().held_on
    assert (TODAY.year - first.year) * 12 + TODAY.month - first.month == 23
    assert not Event.objects.filter(held_on__gte=TODAY, status=Event.Status.HELD).exists()
    kinds = set(Event.objects.values_list("kind", flat=True))
    assert set(Event.MATCHMAKING_KINDS) <= kinds and Event.Kind.SALON in kinds
    for outcome in EventOutcome.objects.select_related("event"):
        assert outcome.event.status == Event.Status.HELD
        assert EventParticipant.objects.filter(
            event=outcome.event, enterprise=outcome.enterprise, attended=True
        ).exists()
        if outcome.kind == EventOutcome.Kind.HIRES:
            assert outcome.people and outcome.amount is None
        else:
            assert outcome.amount and outcome.people is None
    assert EventOutcome.objects.filter(event__kind=Event.Kind.FINANCE, kind=EventOutcome.Kind.LOAN).exists()


def test_the_seed_targets_met_last_year_and_three_townships_short_this_year(built):
    office = built.logins["office"]
    townships = Unit.objects.filter(kind=Unit.Kind.TOWNSHIP).count()
    assert EventTarget.objects.filter(year=2026).count() == townships + 2
    last = event_selectors.target_progress(user=office, year=2025, today=TODAY)
    assert last and all(p.held >= p.target.minimum for p in last)
    this = event_selectors.target_progress(user=office, year=2026, today=TODAY)
    by_kind = {p.target.unit.kind: p for p in this if p.target.unit.kind != Unit.Kind.TOWNSHIP}
    assert by_kind[Unit.Kind.GOVERNMENT].held >= 10 and by_kind[Unit.Kind.DEPARTMENT].held >= 2
    short = [p for p in this if p.target.unit.kind == Unit.Kind.TOWNSHIP and p.held == 0]
    assert len(short) == chains_demo.TOWNSHIPS_SHORT_THIS_YEAR


def test_the_board_has_posts_on_nodes_and_proposed_and_brokered_matches(built):
    assert MarketPost.objects.filter(kind=MarketPost.Kind.OFFER).exists()
    assert MarketPost.objects.filter(kind=MarketPost.Kind.NEED).exists()
    for post in MarketPost.objects.select_related("node"):
        assert ChainPlacement.objects.filter(node=post.node, enterprise=post.enterprise).exists()
    statuses = set(MarketMatch.objects.values_list("status", flat=True))
    assert {MarketMatch.Status.PROPOSED, MarketMatch.Status.BROKERED} & statuses
    assert MarketMatch.Status.AGREED in statuses
    for match in MarketMatch.objects.select_related("offer", "need"):
        assert match.offer.kind == MarketPost.Kind.OFFER and match.need.kind == MarketPost.Kind.NEED
        assert match.offer.enterprise_id != match.need.enterprise_id


def test_reset_deletes_what_the_step_built(built):
    with transaction.atomic():
        chains_demo.reset(built)
        for model in (IndustryChain, ChainNode, ChainPlacement, Event, EventOutcome, EventTarget, MarketPost):
            assert not model.objects.exists(), model
        assert Case.objects.exists()  # the cases stay for their own step
        transaction.set_rollback(True)
