"""The policy tables' own guarantees: nothing paid twice for a policy, enterprise and period; the shipped
category dictionary; who reads which policies."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from accounts.scope import scoped
from policies.models import Disbursement, Policy, PolicyCategory, PolicyMatch


@pytest.fixture
def policy(county):
    return Policy.objects.create(
        title="专精特新企业研发费用补助",
        issuer="新邵县人民政府",
        level=Policy.Level.COUNTY,
        benefit_kind=Policy.BenefitKind.SUBSIDY,
        obtain=Policy.Obtain.AUTO_GRANT,
        status=Policy.Status.PUBLISHED,
        created_by=county.office_user,
    )


def test_the_categories_of_the_issue_are_shipped(db):
    assert list(PolicyCategory.objects.values_list("name", flat=True)) == [
        "资金奖补",
        "税费减免",
        "融资支持",
        "人才用工",
        "用地",
        "用能",
        "科技创新",
        "市场开拓",
    ]


def test_nothing_is_paid_twice_for_the_same_policy_enterprise_and_period(county, policy):
    paid = {"policy": policy, "enterprise": county.ent_a, "amount": Decimal(20), "paid_on": date(2026, 11, 2)}
    Disbursement.objects.create(**paid, period="2026", source="auto_grant", recorded_by=county.office_user)
    with pytest.raises(IntegrityError), transaction.atomic():
        Disbursement.objects.create(**paid, period="2026", source="application", recorded_by=county.office_user)
    Disbursement.objects.create(**paid, period="2025", source="auto_grant", recorded_by=county.office_user)
    assert Disbursement.objects.count() == 2


def test_enterprises_read_published_policies_and_their_own_matches(county, policy):
    draft = Policy.objects.create(
        title="草稿",
        issuer="县政府",
        level=Policy.Level.COUNTY,
        benefit_kind=Policy.BenefitKind.GRANT,
        obtain=Policy.Obtain.APPLICATION,
        created_by=county.office_user,
    )
    assert set(scoped(county.ent_a_user, Policy.objects.all())) == {policy}
    assert set(scoped(county.office_user, Policy.objects.all())) == {policy, draft}
    for enterprise in (county.ent_a, county.ent_b):
        PolicyMatch.objects.create(policy=policy, enterprise=enterprise, state="eligible", matched_at=policy.created_at)
    assert [m.enterprise for m in scoped(county.ent_a_user, PolicyMatch.objects.all())] == [county.ent_a]
