"""The policies demo (policies/demo.py) on a small county built once for the module: a valid library whose
every rule passes the checker and selects a plausible share of the enterprises, subscriptions of the
`enterprise` login's enterprise, applications by eligible enterprises for the policies obtained by applying;
reset empties it."""

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
from core.management.commands.demo import STEPS, Step
from core.models import Notification
from enterprises import demo as enterprises_demo
from enterprises.models import Enterprise
from policies import demo as policies_demo
from policies import rules
from policies.facts import FACTS, NUMBER
from policies.models import (
    Application,
    Disbursement,
    GrantBatch,
    Policy,
    PolicyCategory,
    PolicyClause,
    PolicyMatch,
    PolicySubscription,
)

SCALE = dataclasses.replace(accounts_demo.SCALES["county"], enterprises=300, enterprise_users=10)
SEED = 11
TODAY = date(2026, 12, 2)
# The steps this one needs (cases and reports add nothing a policy reads), then this one.
NEEDED = ("accounts", "enterprises")
POLICIES_STEP = Step("policies", policies_demo.build, policies_demo.reset)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        traveller = time_machine.travel(timezone.make_aware(timezone.datetime(2026, 12, 2, 10)), tick=False)
        traveller.start()
        try:
            ctx = DemoContext(seed=SEED, password="demo-pass-2026", log=lambda message: None)
            steps = [step for step in STEPS if step.name in NEEDED] + [POLICIES_STEP]
            with disable_auditlog():
                for step in steps:
                    step.build(random.Random(f"{SEED}:{step.name}"), SCALE, ctx)
            yield ctx
        finally:
            traveller.stop()
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def built(demo, db):
    """The module's county, in a test transaction of its own."""
    return demo


def test_the_library_is_complete_and_valid(built):
    policies = list(Policy.objects.prefetch_related("categories", "clauses"))
    assert 12 <= len(policies) <= 16
    statuses = [p.status for p in policies]
    assert statuses.count(Policy.Status.DRAFT) == 1 and statuses.count(Policy.Status.WITHDRAWN) == 1
    assert {p.level for p in policies} == set(Policy.Level.values)
    shipped = set(PolicyCategory.objects.values_list("code", flat=True))
    assert {c.code for p in policies for c in p.categories.all()} == shipped
    auto = sum(p.obtain == Policy.Obtain.AUTO_GRANT for p in policies)
    assert 0.35 <= auto / len(policies) <= 0.65
    for policy in policies:
        policy.full_clean()
        assert policy.categories.all() and policy.summary and policy.benefit_text
        clauses = list(policy.clauses.all())
        assert 3 <= len(clauses) <= 6 and [c.position for c in clauses] == list(range(1, len(clauses) + 1))
        assert all(c.text in policy.full_text for c in clauses)
        assert policy.interpreter_name and policy.interpreter_phone
        formula = policy.benefit_formula
        if "fixed" in formula:
            assert formula["fixed"] > 0 and set(formula) == {"fixed"}
        else:
            assert set(formula) == {"fact", "rate"} and FACTS[formula["fact"]].type == NUMBER
        if policy.obtain == Policy.Obtain.APPLICATION:
            assert policy.application_materials and policy.application_deadline
        if policy.status == Policy.Status.DRAFT:
            assert policy.published_at is None
        else:
            assert policy.published_on and policy.published_at
            assert policy.effective_from <= policy.expires_on
            assert (policy.status == Policy.Status.PUBLISHED) == (policy.expires_on >= TODAY)


def test_every_rule_passes_the_checker(built):
    for policy in Policy.objects.all():
        rules.validate(policy.eligibility)


def test_each_rule_selects_a_plausible_share_of_the_enterprises(built):
    total = Enterprise.objects.count()
    for policy in Policy.objects.all():
        count = rules.eligible(Enterprise.objects.all(), policy.eligibility, TODAY).count()
        assert 0.005 * total <= count <= 0.30 * total, (policy.title, count, total)


def test_the_enterprise_login_has_subscriptions(built):
    own = built.logins["enterprise"].enterprise_id
    codes = set(PolicySubscription.objects.filter(enterprise_id=own).values_list("category__code", flat=True))
    assert codes == set(policies_demo.LOGIN_SUBSCRIPTIONS)
    assert PolicySubscription.objects.exclude(enterprise_id=own).exists()


def test_applications_come_from_eligible_enterprises_for_application_policies(built):
    applications = list(Application.objects.select_related("policy"))
    assert applications
    assert {a.policy.obtain for a in applications} == {Policy.Obtain.APPLICATION}
    assert Policy.Status.DRAFT not in {a.policy.status for a in applications}
    statuses = {a.status for a in applications}
    assert Application.Status.APPROVED in statuses and Application.Status.SUBMITTED in statuses
    now = timezone.now()
    for policy in Policy.objects.filter(applications__isnull=False).distinct():
        eligible = set(rules.eligible(Enterprise.objects.all(), policy.eligibility, TODAY).values_list("pk", flat=True))
        assert set(policy.applications.values_list("enterprise_id", flat=True)) <= eligible
    for application in applications:
        assert application.submitted_at <= now and application.requested_amount > 0
        decided = application.status != Application.Status.SUBMITTED
        assert (application.decided_at is not None) == decided == (application.decided_by_id is not None)
        if decided:
            assert application.submitted_at < application.decided_at <= now


def test_every_published_policy_is_matched_and_the_eligible_told(built):
    published = Policy.objects.filter(status=Policy.Status.PUBLISHED)
    for policy in published:
        matched = set(
            PolicyMatch.objects.filter(
                policy=policy, state__in=[PolicyMatch.State.ELIGIBLE, PolicyMatch.State.TO_CONFIRM]
            ).values_list("enterprise_id", flat=True)
        )
        assert matched == set(
            rules.eligible(Enterprise.objects.all(), policy.eligibility, TODAY).values_list("pk", flat=True)
        )
    assert not PolicyMatch.objects.exclude(policy__in=published).exists()
    assert Notification.objects.filter(topic__endswith=":eligible").exists()


def test_auto_grant_lists_are_paid_by_another_office_user_but_one_left_in_draft(built):
    office = built.logins["office"]
    batches = list(GrantBatch.objects.select_related("policy"))
    auto = Policy.objects.filter(status=Policy.Status.PUBLISHED, obtain=Policy.Obtain.AUTO_GRANT)
    assert {b.policy_id for b in batches} == set(auto.values_list("pk", flat=True))
    drafts = [b for b in batches if b.status == GrantBatch.Status.DRAFT]
    assert len(drafts) == 1 and drafts[0].created_by_id != office.pk  # the office login can approve it
    paid = [b for b in batches if b.status == GrantBatch.Status.PAID]
    assert paid
    for batch in paid:
        assert batch.approved_by_id == office.pk and batch.created_by_id != office.pk
        lines = batch.lines.filter(excluded=False)
        assert Disbursement.objects.filter(grant_line__batch=batch).count() == lines.count() > 0
        assert all(d.paid_on <= TODAY for d in Disbursement.objects.filter(grant_line__batch=batch))


def test_the_enterprise_login_qualifies_misses_and_was_paid(built):
    own = built.logins["enterprise"].enterprise_id
    states = set(PolicyMatch.objects.filter(enterprise_id=own).values_list("state", flat=True))
    assert PolicyMatch.State.ELIGIBLE in states or PolicyMatch.State.TO_CONFIRM in states
    assert Disbursement.objects.filter(enterprise_id=own).exists()
    # Every paid application was approved; most approved ones are paid.
    approved = Application.objects.filter(status=Application.Status.APPROVED)
    paid = Disbursement.objects.filter(source=Disbursement.Source.APPLICATION)
    assert set(paid.values_list("application__status", flat=True)) == {Application.Status.APPROVED}
    assert 0.5 * approved.count() <= paid.count() <= approved.count()


def test_reset_deletes_what_the_step_built_and_the_policy_messages(built):
    login = built.logins["enterprise"]
    for topic in ("policy:1:new", "case:1:reminder"):
        Notification.objects.create(recipient=login, channel=Notification.Channel.IN_APP, subject="…", topic=topic)
    with transaction.atomic():
        policies_demo.reset(built)
        assert list(Notification.objects.values_list("topic", flat=True)) == ["case:1:reminder"]
        assert not Policy.objects.exists() and not PolicyClause.objects.exists()
        assert not Application.objects.exists() and not PolicySubscription.objects.exists()
        assert PolicyCategory.objects.count() == 8  # the shipped dictionary stays
        # The enterprises' own reset can follow (applications protect their enterprises).
        enterprises_demo.reset(built)
        assert not Enterprise.objects.exists()
        transaction.set_rollback(True)
