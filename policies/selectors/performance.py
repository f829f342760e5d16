"""Policy performance (政策绩效, issue 6 item 6): per policy, the enterprises eligible, notified, applied, granted,
the amount paid and the median days from first eligibility to payment; policies nobody uses and 天花板
policies (almost nobody qualifies) flagged. docs/policies/grants.md.

Set-based: a constant number of queries whatever the number of policies (one per figure family, plus one
aggregate over the enterprises for every policy that has no match rows yet). Every count is over the
reader's data scope: the office reads the jurisdiction's figures, a unit those of its enterprises.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Count, OuterRef, Q, Subquery, Sum
from django.utils import timezone

from accounts.scope import scoped
from enterprises.models import Enterprise
from policies import rules
from policies.facts import annotate_facts
from policies.models import Application, Disbursement, Policy, PolicyMatch

UNUSED_AFTER_DAYS = 90
DEFAULT_CEILING_SHARE = 1  # percent of the registered enterprises
ELIGIBLE_STATES = (PolicyMatch.State.ELIGIBLE, PolicyMatch.State.TO_CONFIRM)
# Where the eligible count came from.
FROM_MATCHES, FROM_RULE = "matches", "rule"


def ceiling_share() -> Decimal:
    return Decimal(str(getattr(settings, "POLICY_CEILING_SHARE", DEFAULT_CEILING_SHARE)))


@dataclass
class PolicyPerformance:
    policy: Policy
    eligible: int | None  # None: no match rows and no usable rule
    eligible_source: str  # FROM_MATCHES or FROM_RULE
    notified: int
    applied: int
    granted: int
    amount_paid: Decimal
    median_days_to_payment: float | None
    enterprises: int  # registered enterprises in the reader's scope, the base of the share
    eligible_share: Decimal | None  # percent of `enterprises`, 2 decimals
    unused: bool
    ceiling: bool

    @property
    def flags(self) -> list[str]:
        return [name for name, on in (("unused", self.unused), ("ceiling", self.ceiling)) if on]


def published_day(policy: Policy) -> date | None:
    """When the policy went out: the day it was published on the platform, else its document's date."""
    if policy.published_at:
        return timezone.localdate(policy.published_at)
    return policy.published_on


def _by_policy(queryset, **figures) -> dict[int, dict]:
    return {row["policy_id"]: row for row in queryset.order_by().values("policy_id").annotate(**figures)}


def _eligible_by_rule(user, policies: list[Policy], on: date) -> dict[int, int]:
    """Enterprises each policy's rule selects (candidates: passed or to be confirmed), for every policy at
    once: one aggregate query over the enterprises in scope, each policy a filtered count."""
    compiled, used = {}, set()
    for policy in policies:
        try:
            compiled[policy.pk] = rules.compile_q(policy.eligibility, on)
            used |= rules.facts_used(policy.eligibility)
        except (ValidationError, TypeError, KeyError):
            continue  # a broken rule has no eligible count; the library refuses such rules on save
    if not compiled:
        return {}
    enterprises = annotate_facts(scoped(user, Enterprise.objects.all()), sorted(used), on, alias=True)
    counts = enterprises.aggregate(**{f"p{pk}": Count("pk", filter=q) for pk, q in compiled.items()})
    return {pk: counts[f"p{pk}"] for pk in compiled}


def _median_days(user, ids: list[int]) -> dict[int, float]:
    first = PolicyMatch.objects.filter(policy=OuterRef("policy_id"), enterprise=OuterRef("enterprise_id")).values(
        "first_matched_at"
    )[:1]
    rows = (
        scoped(user, Disbursement.objects.filter(policy_id__in=ids))
        .annotate(first_matched=Subquery(first))
        .filter(first_matched__isnull=False)
        .values_list("policy_id", "paid_on", "first_matched")
    )
    days: dict[int, list[int]] = {}
    for policy_id, paid_on, first_matched in rows:
        wait = (paid_on - timezone.localdate(first_matched)).days
        if wait >= 0:  # paid before the first recorded eligibility: no meaningful wait
            days.setdefault(policy_id, []).append(wait)
    return {policy_id: float(statistics.median(values)) for policy_id, values in days.items()}


def policy_performance(user, policies=None, *, on: date | None = None) -> list[PolicyPerformance]:
    """The performance of `policies` (default: every policy that is or was published, in the user's scope),
    as the user's scope counts it."""
    on = on or timezone.localdate()
    if policies is None:
        policies = scoped(user, Policy.objects.exclude(status=Policy.Status.DRAFT)).order_by("-published_on", "-pk")
    policies = list(policies)
    if not policies:
        return []
    ids = [policy.pk for policy in policies]
    matches = _by_policy(
        scoped(user, PolicyMatch.objects.filter(policy_id__in=ids)),
        rows=Count("pk"),
        eligible=Count("pk", filter=Q(state__in=ELIGIBLE_STATES)),
        notified=Count("pk", filter=Q(notified_at__isnull=False)),
    )
    applied = _by_policy(scoped(user, Application.objects.filter(policy_id__in=ids)), n=Count("pk"))
    paid = _by_policy(scoped(user, Disbursement.objects.filter(policy_id__in=ids)), n=Count("pk"), amount=Sum("amount"))
    medians = _median_days(user, ids)
    enterprises = scoped(user, Enterprise.objects.all()).count()
    # No match rows yet (matching has not run since the policy was published): count by the rule itself.
    unmatched = [p for p in policies if p.pk not in matches and p.status == Policy.Status.PUBLISHED and p.eligibility]
    by_rule = _eligible_by_rule(user, unmatched, on)
    share_limit = ceiling_share()
    unused_before = on - timedelta(days=UNUSED_AFTER_DAYS)

    result = []
    for policy in policies:
        match = matches.get(policy.pk, {})
        if match:
            eligible, source = match["eligible"], FROM_MATCHES
        else:
            eligible, source = by_rule.get(policy.pk, 0 if not policy.eligibility else None), FROM_RULE
        applied_n = applied.get(policy.pk, {}).get("n", 0)
        granted_n = paid.get(policy.pk, {}).get("n", 0)
        share = None
        if eligible is not None and enterprises:
            share = (Decimal(eligible) * 100 / enterprises).quantize(Decimal("0.01"))
        published = policy.status == Policy.Status.PUBLISHED
        went_out = published_day(policy)
        result.append(
            PolicyPerformance(
                policy=policy,
                eligible=eligible,
                eligible_source=source,
                notified=match.get("notified", 0),
                applied=applied_n,
                granted=granted_n,
                amount_paid=paid.get(policy.pk, {}).get("amount") or Decimal("0.00"),
                median_days_to_payment=medians.get(policy.pk),
                enterprises=enterprises,
                eligible_share=share,
                unused=published
                and went_out is not None
                and went_out < unused_before
                and applied_n == 0
                and granted_n == 0,
                ceiling=published and share is not None and share < share_limit,
            )
        )
    return result
