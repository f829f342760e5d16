"""Policy performance on a hand-built example: eligible (from match rows, or from the rule while there are
none), notified, applied, granted, amount paid, median days to payment, the unused and 天花板 flags, the
reader's scope, and a constant query count."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import User
from policies.models import Application, Disbursement, Policy, PolicyMatch
from policies.selectors.performance import FROM_MATCHES, FROM_RULE, policy_performance
from policies.tests.test_grants_data import (  # noqa: F401
    PERIOD,
    TODAY,
    data_fixture,
    in_english_fixture,
    make_policy,
)

NOW = timezone.now()


def match(policy, enterprise, state, days_ago, notified=False):
    return PolicyMatch.objects.create(
        policy=policy,
        enterprise=enterprise,
        state=state,
        matched_at=NOW,
        first_matched_at=NOW - timedelta(days=days_ago) if state != "nearly" else None,
        notified_at=NOW if notified else None,
    )


def paid(policy, enterprise, amount, days_ago, user, source="auto_grant"):
    return Disbursement.objects.create(
        policy=policy,
        enterprise=enterprise,
        period=PERIOD,
        amount=Decimal(amount),
        paid_on=TODAY - timedelta(days=days_ago),
        source=source,
        recorded_by=user,
    )


@pytest.fixture
def example(data):
    office = data.office_user
    auto, apply = data.auto, data.apply
    match(auto, data.ent_a, "eligible", 40, notified=True)
    match(auto, data.ent_b, "to_confirm", 20)
    match(auto, data.ent_c, "nearly", 0, notified=True)
    paid(auto, data.ent_a, 30, 0, office)  # 40 days after first eligible
    paid(auto, data.ent_b, 50, 10, office)  # 10 days after
    Application.objects.create(
        policy=apply, enterprise=data.ent_a, period=PERIOD, submitted_at=NOW, submitted_by=data.ent_a_user
    )
    long_ago = NOW - timedelta(days=100)
    data.nobody = make_policy(
        office,
        title="独角兽企业奖励",
        obtain=Policy.Obtain.APPLICATION,
        published_at=long_ago,
        eligibility={"fact": "last_year_revenue", "op": "gte", "value": 100000},
    )
    data.old_used = make_policy(office, title="稳岗补贴", published_at=long_ago)
    paid(data.old_used, data.ent_d, 2, 1, office)
    data.draft = make_policy(office, title="草稿政策", status=Policy.Status.DRAFT)
    data.withdrawn = make_policy(office, title="已废止政策", status=Policy.Status.WITHDRAWN, published_at=long_ago)
    return data


def by_title(rows):
    return {row.policy.title: row for row in rows}


def test_the_office_reads_every_figure(example):
    rows = by_title(policy_performance(example.office_user))
    assert "草稿政策" not in rows
    auto = rows["规上工业企业纳税奖励"]
    assert (auto.eligible, auto.eligible_source, auto.notified) == (2, FROM_MATCHES, 2)
    assert (auto.applied, auto.granted, auto.amount_paid) == (0, 2, Decimal("80.00"))
    assert auto.median_days_to_payment == 25.0  # 40 and 10
    assert (auto.enterprises, auto.eligible_share) == (4, Decimal("50.00"))
    assert auto.flags == []

    apply = rows["专精特新企业研发费用补助"]
    # No match rows yet: counted by the rule (revenue ≥ 1,000: 湘中机械, 雀塘食品, 邵水新材料).
    assert (apply.eligible, apply.eligible_source, apply.notified, apply.applied) == (3, FROM_RULE, 0, 1)
    assert apply.median_days_to_payment is None

    nobody = rows["独角兽企业奖励"]
    assert (nobody.eligible, nobody.eligible_share) == (0, Decimal("0.00"))
    assert (nobody.unused, nobody.ceiling) == (True, True)
    assert nobody.flags == ["unused", "ceiling"]

    old_used = rows["稳岗补贴"]  # published long ago but granted: used
    assert (old_used.unused, old_used.granted, old_used.median_days_to_payment) == (False, 1, None)
    assert rows["已废止政策"].flags == []  # a withdrawn policy is not flagged


def test_the_ceiling_share_is_a_setting(example, settings):
    settings.POLICY_CEILING_SHARE = 60
    rows = by_title(policy_performance(example.office_user))
    assert rows["规上工业企业纳税奖励"].ceiling  # 50 % < 60 %
    assert not rows["专精特新企业研发费用补助"].ceiling  # 75 %


def test_a_unit_reads_its_enterprises_figures(example):
    # 酿溪镇's handler reaches the enterprises located in 酿溪镇: 湘中机械 and 邵水新材料.
    rows = by_title(policy_performance(example.town_a_handler))
    auto = rows["规上工业企业纳税奖励"]
    assert (auto.eligible, auto.notified, auto.granted, auto.amount_paid, auto.enterprises) == (
        1,
        2,
        1,
        Decimal("30.00"),
        2,
    )
    assert rows["专精特新企业研发费用补助"].eligible == 2


def test_chosen_policies_only(example):
    rows = policy_performance(example.office_user, Policy.objects.filter(pk=example.auto.pk))
    assert [row.policy for row in rows] == [example.auto]
    assert policy_performance(example.office_user, []) == []


def test_the_query_count_does_not_grow_with_the_policies(example, django_assert_num_queries):
    def office():  # as a request has it: roles not read yet
        return User.objects.get(pk=example.office_user.pk)

    user = office()
    with django_assert_num_queries(8):
        policy_performance(user)
    for i in range(8):
        policy = make_policy(
            example.office_user, title=f"政策{i}", eligibility={"fact": "employees", "op": "gte", "value": i}
        )
        match(policy, example.ent_a, "eligible", i)
        paid(policy, example.ent_a, 1, 0, example.office_user)
        make_policy(example.office_user, title=f"未匹配{i}")
    user = office()
    with django_assert_num_queries(8):
        rows = policy_performance(user)
    assert len(rows) == 21
