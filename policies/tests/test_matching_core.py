"""Matching: the set-based run of a policy and the per-enterprise rerun store the same standings; nearly
eligible with the missing condition; upsert, delete and first_matched_at on reruns; withdrawn policies lose
their matches; the push (once); the batch agrees with the per-enterprise run on generated data."""

import random
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from conftest import make_credit_code
from core.models import Notification
from enterprises.models import Enterprise, MonthlyFigure, Tag
from policies.facts import facts_for
from policies.models import Policy, PolicyMatch
from policies.services import matching
from policies.tests import test_matching_data as shared
from policies.tests.test_matching_data import LAST_YEAR, ON, SMALL_TO_SCALE, make_policy, set_year, stored

data, in_english = shared.data, shared.in_english  # fixtures

State = PolicyMatch.State


def _run_batch(d):
    for policy in d.policies:
        matching.match_policy(policy, ON)
    return stored()


def _run_each(d):
    PolicyMatch.objects.all().delete()
    for enterprise in d.enterprises:
        matching.match_enterprise(enterprise, ON)
    return stored()


def test_batch_and_per_enterprise_store_the_same_standings(data):
    batch = _run_batch(data)
    each = _run_each(data)
    assert batch == each
    d = data
    assert batch[(d.small.pk, d.ent_a.pk)] == (State.ELIGIBLE, [])
    assert batch[(d.srdi.pk, d.ent_a.pk)] == (State.TO_CONFIRM, [])
    assert batch[(d.tech.pk, d.ent_c.pk)] == (State.ELIGIBLE, [])
    # Nobody else is matched: ent_c is above scale (a `not` part is never missing), ent_d is far off.
    assert (d.small.pk, d.ent_c.pk) not in batch
    assert not [key for key in batch if key[1] == d.ent_d.pk]


def test_nearly_eligible_names_the_missing_condition(data):
    d = data
    rows = _run_batch(d)
    # Revenue 1,320 is within 20 % of 1,500.
    assert rows[(d.small.pk, d.ent_b.pk)] == (State.NEARLY, [{"path": "all[1]", "condition": SMALL_TO_SCALE["all"][1]}])
    # R&D 5 %, no 专精特新 tag: a tag is an accreditation, not a missing condition, so no row.
    assert (d.srdi.pk, d.ent_b.pk) not in rows
    # An `any` rule: nobody is nearly eligible.
    assert not [key for key, value in rows.items() if key[0] == d.tech.pk and value[0] == State.NEARLY]


def test_near_is_within_twenty_percent_of_the_bound(data):
    d = data
    set_year(d.ent_b, LAST_YEAR, revenue=1200)  # exactly 1,500 − 20 %
    matching.match_policy(d.small, ON)
    assert PolicyMatch.objects.get(policy=d.small, enterprise=d.ent_b).state == State.NEARLY
    matching.match_enterprise(d.ent_b, ON)
    assert PolicyMatch.objects.get(policy=d.small, enterprise=d.ent_b).state == State.NEARLY
    set_year(d.ent_b, LAST_YEAR, revenue=Decimal("1199.99"))
    matching.match_policy(d.small, ON)
    assert not PolicyMatch.objects.filter(policy=d.small, enterprise=d.ent_b).exists()
    set_year(d.ent_b, LAST_YEAR, revenue=Decimal("2400.01"))  # above 2,000 + 20 %: not near
    matching.match_enterprise(d.ent_b, ON)
    assert not PolicyMatch.objects.filter(policy=d.small, enterprise=d.ent_b).exists()


def test_rerun_updates_deletes_and_keeps_first_matched_at(data):
    d = data
    matching.match_policy(d.small, ON)
    row = PolicyMatch.objects.get(policy=d.small, enterprise=d.ent_a)
    first = row.first_matched_at
    assert first is not None
    nearly = PolicyMatch.objects.get(policy=d.small, enterprise=d.ent_b)
    assert nearly.first_matched_at is None
    # Rerun with nothing changed: nothing written.
    counts = matching.match_policy(d.small, ON)
    assert (counts.created, counts.updated, counts.deleted) == (0, 0, 0)
    assert counts.eligible == 1 and counts.nearly == 1
    # ent_a drops to nearly (revenue 2,100), ent_b becomes eligible (1,600), ent_d stays out.
    set_year(d.ent_a, LAST_YEAR, revenue=2100)
    set_year(d.ent_b, LAST_YEAR, revenue=1600)
    counts = matching.match_policy(d.small, ON)
    assert (counts.created, counts.updated, counts.deleted) == (0, 2, 0)
    row.refresh_from_db()
    assert row.state == State.NEARLY and row.first_matched_at == first  # kept
    nearly.refresh_from_db()
    assert nearly.state == State.ELIGIBLE and nearly.first_matched_at is not None
    # ent_a falls far away: its row is deleted.
    set_year(d.ent_a, LAST_YEAR, revenue=100)
    counts = matching.match_policy(d.small, ON)
    assert counts.deleted == 1
    assert not PolicyMatch.objects.filter(policy=d.small, enterprise=d.ent_a).exists()


def test_withdrawn_draft_and_expired_policies_lose_their_matches(data):
    d = data
    _run_batch(d)
    assert PolicyMatch.objects.filter(policy=d.small).exists()
    Policy.objects.filter(pk=d.small.pk).update(status=Policy.Status.WITHDRAWN)
    matching.match_policy(d.small, ON)
    assert not PolicyMatch.objects.filter(policy=d.small).exists()
    Policy.objects.filter(pk=d.srdi.pk).update(expires_on=ON - timedelta(days=1))
    counts = matching.match_all(ON)
    assert not PolicyMatch.objects.filter(policy__in=[d.small, d.srdi]).exists()
    assert counts.policies == 1  # only the high-tech policy is matched
    # The per-enterprise run agrees.
    matching.match_enterprise(d.ent_a, ON)
    assert not PolicyMatch.objects.filter(policy__in=[d.small, d.srdi]).exists()


def test_a_policy_without_a_valid_rule_matches_nobody(data):
    d = data
    _run_batch(d)
    Policy.objects.filter(pk=d.small.pk).update(eligibility={"all": []})
    d.small.refresh_from_db()
    matching.match_policy(d.small, ON)
    assert not PolicyMatch.objects.filter(policy=d.small).exists()


def test_newly_eligible_enterprises_are_notified_once(data, in_english):
    d = data
    counts = matching.match_policy(d.small, ON)
    assert counts.notified == 1
    topic = matching.topic_eligible(d.small.pk)
    told = Notification.objects.filter(topic=topic)
    # Both active users of ent_a; nearly eligible ent_b is not told.
    assert {n.recipient for n in told} == {d.county.ent_a_user, d.county.ent_a_colleague}
    message = told.first()
    assert message.subject == "Your enterprise qualifies for the policy “小升规奖励”"
    assert message.link == f"/my/policies/{d.small.pk}/"
    assert PolicyMatch.objects.get(policy=d.small, enterprise=d.ent_a).notified_at is not None
    matching.match_policy(d.small, ON)
    matching.match_enterprise(d.ent_a, ON)
    assert told.count() == 2
    # ent_b becomes eligible (nearly → eligible): told once.
    set_year(d.ent_b, LAST_YEAR, revenue=1600)
    assert matching.match_enterprise(d.ent_b, ON).notified == 1
    matching.match_policy(d.small, ON)
    assert told.filter(recipient=d.county.ent_b_user).count() == 1


def test_to_be_confirmed_gets_its_own_message(data, in_english):
    d = data
    matching.match_policy(d.srdi, ON)
    message = Notification.objects.get(topic=matching.topic_eligible(d.srdi.pk), recipient=d.county.ent_a_user)
    assert message.subject == "Your enterprise may qualify for the policy “专精特新研发补助”"


def test_an_enterprise_without_users_is_not_marked_notified(data):
    d = data
    matching.match_policy(d.tech, ON)  # ent_c qualifies; it has no user
    row = PolicyMatch.objects.get(policy=d.tech, enterprise=d.ent_c)
    assert row.notified_at is None


def test_subscribers_hear_of_a_new_policy_of_their_category_once(data, in_english):
    from policies.models import PolicyCategory, PolicySubscription

    d = data
    funding = PolicyCategory.objects.get(code="funding")
    for enterprise in (d.ent_a, d.ent_b, d.ent_d):
        PolicySubscription.objects.create(enterprise=enterprise, category=funding)
    Policy.objects.filter(pk=d.small.pk).update(published_at=timezone.now() + timedelta(seconds=5))
    d.small.refresh_from_db()
    counts = matching.match_policy(d.small, ON)
    new = Notification.objects.filter(topic=matching.topic_new(d.small.pk))
    # ent_a qualifies (told that instead), ent_b (nearly) is told of the new policy, ent_d has no user.
    assert counts.subscribers_notified == 1
    assert {n.recipient for n in new} == {d.county.ent_b_user}
    assert new.get().subject == "A new policy in a category you follow: “小升规奖励”"
    matching.match_policy(d.small, ON)
    assert new.count() == 1
    # A category of another policy, or a subscription made after publication: nothing.
    assert not Notification.objects.filter(topic=matching.topic_new(d.srdi.pk)).exists()


def test_subscriptions_made_after_publication_hear_nothing(data):
    from policies.models import PolicyCategory, PolicySubscription

    d = data
    Policy.objects.filter(pk=d.small.pk).update(published_at=timezone.now() - timedelta(days=3))
    d.small.refresh_from_db()
    PolicySubscription.objects.create(enterprise=d.ent_b, category=PolicyCategory.objects.get(code="funding"))
    assert matching.match_policy(d.small, ON).subscribers_notified == 0


def test_standing_for_gives_the_reasons(data, in_english):
    d = data
    rule = matching.rule_of(d.small)
    standing = matching.standing_for(rule, facts_for(d.ent_b, ON))
    assert standing.state == State.NEARLY
    assert standing.outcome.children[1].passed is False
    assert "1,320" in standing.outcome.children[1].reason


# Generated data: the batch and the per-enterprise run agree.

RULES = [
    SMALL_TO_SCALE,
    {
        "all": [
            {"fact": "last_year_rd_ratio", "op": "gte", "value": 3},
            {"fact": "last_year_revenue", "op": "gte", "value": 500},
        ]
    },
    {
        "all": [
            {"fact": "industry", "op": "eq", "value": "C"},
            {"fact": "above_scale", "op": "eq", "value": True},
            {"fact": "last_year_revenue", "op": "gte", "value": 2000},
            {"manual": "项目已备案"},
        ]
    },
    {
        "all": [
            {"fact": "tags", "op": "has_tag", "value": "srdi"},
            {"fact": "employees", "op": "between", "value": [20, 300]},
        ]
    },
    {"all": [{"fact": "employees", "op": "gte", "value": 50}, {"fact": "revenue_growth", "op": "gte", "value": 10}]},
    {
        "all": [
            {"fact": "years_since_founding", "op": "gte", "value": 3},
            {"fact": "size", "op": "in", "value": ["small", "micro"]},
        ]
    },
    {
        "all": [
            {"fact": "last_year_tax", "op": "lte", "value": 50},
            {"any": [{"fact": "tags", "op": "has_tag", "value": "high_tech"}, {"manual": "x"}]},
        ]
    },
    {"not": {"fact": "above_scale", "op": "eq", "value": True}},
    {"all": [{"manual": "a"}, {"not": {"manual": "b"}}, {"fact": "last_year_profit", "op": "gte", "value": 0}]},
]


def test_generated_enterprises_agree(county):
    rng = random.Random(61)
    tags = list(Tag.objects.filter(code__in=["srdi", "high_tech"]))
    enterprises = []
    for serial in range(20, 44):
        enterprise = Enterprise.objects.create(
            credit_code=make_credit_code(serial),
            name=f"企业{serial}",
            region=county.town_a,
            industry_id=rng.choice(["C", "131", "261", "53", None]),
            above_scale=rng.random() < 0.4,
            size=rng.choice(["small", "micro", "medium", ""]),
            founded_on=rng.choice([None, date(2020, 5, 1), date(2023, 12, 2), date(2024, 1, 1)]),
        )
        enterprise.tags.set(rng.sample(tags, rng.randint(0, 2)))
        for year in (2024, 2025):
            revenue = rng.choice([None, 100, 400, 1300, 1500, 1700, 2000, 2300, 2500])
            if revenue is None:
                continue
            for month in (3, 9):
                MonthlyFigure.objects.create(
                    enterprise=enterprise,
                    period=date(year, month, 1),
                    revenue=Decimal(revenue) / 2,
                    rd_spend=Decimal(rng.randint(0, 80)),
                    tax_paid=Decimal(rng.randint(0, 40)),
                    total_profit=Decimal(rng.randint(-50, 50)),
                    employees=rng.choice([None, 10, 45, 60, 400]),
                )
        enterprises.append(enterprise)
    policies = [make_policy(county.office_user, f"政策{index}", rule) for index, rule in enumerate(RULES)]
    for policy in policies:
        matching.match_policy(policy, ON)
    batch = stored()
    PolicyMatch.objects.all().delete()
    for enterprise in Enterprise.objects.all():
        matching.match_enterprise(enterprise, ON)
    assert stored() == batch
    states = {value[0] for value in batch.values()}
    assert states == {State.ELIGIBLE, State.TO_CONFIRM, State.NEARLY}


def test_the_command_prints_counts_and_time(data):
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    out = StringIO()
    call_command("match_policies", "--on", ON.isoformat(), stdout=out)
    text = out.getvalue()
    assert "all: 3 policies, 4 enterprises; eligible 2, to confirm 1, nearly 1" in text
    assert text.strip().endswith(" s")
    out = StringIO()
    call_command("match_policies", "--policy", str(data.small.pk), "--on", ON.isoformat(), stdout=out)
    assert f"policy {data.small.pk}: 1 policies" in out.getvalue()
    out = StringIO()
    call_command("match_policies", "--enterprise", str(data.ent_b.pk), "--on", ON.isoformat(), stdout=out)
    assert "enterprises: 3 policies, 1 enterprises; eligible 0, to confirm 0, nearly 1" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("match_policies", "--policy", "999999")
