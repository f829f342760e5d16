"""Matching enterprises to the published policies, and the push that follows (issue 6 items 3 and 4,
docs/policies/matching.md).

Two ways to the same PolicyMatch rows:

- `match_policy(policy, on)`: one policy against every enterprise, set-based (one or two queries to find the
  standings, whatever the number of enterprises), then the rows are upserted in bulk;
- `match_enterprise(enterprise, on)`: one enterprise against every published policy, in Python
  (`facts_for` once, `rules.evaluate` per policy): the incremental rerun after its facts changed.

Both give the same state and `missing` for every (policy, enterprise) (tests/test_matching_core.py).

A standing is one of:

- eligible: the rule passes;
- to_confirm: the rule passes unless a manual condition (to be confirmed by a person) says otherwise;
- nearly: the rule fails, but exactly one of its conditions stands between the enterprise and eligibility,
  and that condition is one the enterprise can reach (NEARLY below);
- none: no row.

NEARLY, precisely. The rule is `{"all": [p0, …, pn-1]}` with n ≥ 2 (any other shape: nobody is nearly
eligible). The enterprise fails exactly one part pi, every other part passes or is to be confirmed, and pi is
a reachable comparison:

- a comparison (`{"fact": …}`), not a combinator, not under `not`;
- on a fact the enterprise can change: above_scale, years_since_founding and the figures (revenue, profit,
  tax, R&D ratio, employees, revenue growth); never industry, region, park or size class (the trade, the
  place and the size class are not "missing"), nor a tag: 专精特新, 高新技术企业 … are accreditations won in
  their own assessment, and offering them as "one condition away" flooded most of the county;
- for a number (gte, lte, between): the value is known and lies within NEAR_MARGIN (20 %) of the bound it
  misses (for years_since_founding: within one year); `eq` on a number is never near.

Flipping that single comparison would make the enterprise a candidate: that is the "one data comparison"
that is missing. `missing` names it: [{"path": "all[1]", "condition": {…}}].

Reasons (rules.evaluate's tree) are NOT stored: the batch would need facts_for (five queries) per enterprise,
and the sentences are in the reader's language. Pages and the API evaluate them on display (one enterprise,
one facts_for). `PolicyMatch.reasons` stays {}.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import reduce

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections, transaction
from django.db.models import Case, DecimalField, F, IntegerField, Q, QuerySet, Value, When
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.scope import is_office
from core.models import Notification
from core.notifications import notify
from enterprises.models import Enterprise, Tag
from policies import rules
from policies.facts import FACTS, NUMBER, EnterpriseFacts, facts_for
from policies.models import Policy, PolicyMatch, PolicySubscription

logger = logging.getLogger("zhuqi.policies")

State = PolicyMatch.State
ELIGIBLE_STATES = (State.ELIGIBLE, State.TO_CONFIRM)

NEAR_MARGIN = Decimal("0.2")
NEAR_MARGIN_ABSOLUTE = {"years_since_founding": Decimal(1)}
# Facts that are where and what an enterprise is, or accreditations it earns elsewhere: never "missing".
FIXED_FACTS = frozenset({"industry", "region", "park", "size", "tags"})
BATCH_SIZE = 1000
DELETE_CHUNK = 500


def topic_eligible(policy_id: int) -> str:
    return f"policy:{policy_id}:eligible"


def topic_new(policy_id: int) -> str:
    return f"policy:{policy_id}:new"


@dataclass
class MatchCounts:
    """What a matching run found and changed."""

    policies: int = 0
    enterprises: int = 0
    eligible: int = 0
    to_confirm: int = 0
    nearly: int = 0
    created: int = 0
    updated: int = 0
    deleted: int = 0
    notified: int = 0  # enterprises told they became eligible
    subscribers_notified: int = 0  # enterprises told of a new policy of a category they follow
    seconds: float = 0.0
    per_policy: dict = field(default_factory=dict)

    def add(self, other: MatchCounts) -> None:
        for name in (
            "eligible",
            "to_confirm",
            "nearly",
            "created",
            "updated",
            "deleted",
            "notified",
            "subscribers_notified",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict:
        return {
            "policies": self.policies,
            "enterprises": self.enterprises,
            "eligible": self.eligible,
            "to_confirm": self.to_confirm,
            "nearly": self.nearly,
            "created": self.created,
            "updated": self.updated,
            "deleted": self.deleted,
            "notified": self.notified,
            "subscribers_notified": self.subscribers_notified,
            "seconds": round(self.seconds, 3),
        }


# Which policies are matched, and their rules.


def today() -> date:
    return timezone.localdate()


def active_policies(on: date | None = None) -> QuerySet:
    """Published policies that have not expired by `on`: the ones enterprises are matched to."""
    on = on or today()
    return Policy.objects.filter(status=Policy.Status.PUBLISHED).filter(
        Q(expires_on__isnull=True) | Q(expires_on__gte=on)
    )


def is_active(policy: Policy, on: date | None = None) -> bool:
    on = on or today()
    return policy.status == Policy.Status.PUBLISHED and (policy.expires_on is None or policy.expires_on >= on)


def rule_of(policy: Policy):
    """The policy's parsed rule, or None when it has none that can be evaluated (empty or malformed: nobody
    matches such a policy)."""
    if not policy.eligibility:
        return None
    try:
        return rules.check(policy.eligibility, references=False)
    except ValidationError:
        logger.warning("Policy %s has an invalid eligibility rule; nobody is matched to it", policy.pk)
        return None


def has_manual(node) -> bool:
    if "all" in node or "any" in node:
        return any(has_manual(child) for child in node.get("all") or node.get("any"))
    if "not" in node:
        return has_manual(node["not"])
    return "manual" in node


def _strict_q(node, positive: bool = True) -> Q:
    """The rule as a Q in which every manual condition counts against the enterprise: the enterprises whose
    evaluation passes outright (not merely "to be confirmed"). Each manual condition is a separate unknown
    that appears once, so Kleene's evaluation is True exactly when the rule holds for the worst values."""
    if "all" in node:
        return reduce(lambda a, b: a & b, (_strict_q(child, positive) for child in node["all"]))
    if "any" in node:
        return reduce(lambda a, b: a | b, (_strict_q(child, positive) for child in node["any"]))
    if "not" in node:
        return ~_strict_q(node["not"], not positive)
    if "manual" in node:
        return rules.FALSE if positive else rules.TRUE
    return rules.compile_q(node)


# Nearly eligible: the parts that can be missing, and how near is near.


def near_parts(rule) -> list[int]:
    """The indexes of the top-level parts that may be the one missing condition (see the module's NEARLY);
    empty when the rule's shape allows nobody to be nearly eligible."""
    if not isinstance(rule, dict) or "all" not in rule or len(rule["all"]) < 2:
        return []
    return [index for index, part in enumerate(rule["all"]) if _reachable(part)]


def _reachable(part) -> bool:
    if "fact" not in part or part["fact"] in FIXED_FACTS:
        return False
    fact = FACTS[part["fact"]]
    return not (fact.type == NUMBER and part["op"] == "eq")


def _margin(name: str, bound) -> Decimal:
    if name in NEAR_MARGIN_ABSOLUTE:
        return NEAR_MARGIN_ABSOLUTE[name]
    return abs(rules.as_number(bound)) * NEAR_MARGIN


def _near_bounds(part) -> tuple[Decimal | None, Decimal | None]:
    """The widened (low, high) within which a number comparison's failing value counts as near."""
    name, op, value = part["fact"], part["op"], part["value"]
    if op == "gte":
        return rules.as_number(value) - _margin(name, value), None
    if op == "lte":
        return None, rules.as_number(value) + _margin(name, value)
    low, high = value
    return rules.as_number(low) - _margin(name, low), rules.as_number(high) + _margin(name, high)


def _near_q(part) -> Q:
    """In SQL: the failing part is near enough (only numbers have a distance)."""
    fact = FACTS[part["fact"]]
    if fact.type != NUMBER:
        return rules.TRUE
    low, high = _near_bounds(part)
    condition = Q(**{f"{fact.attname}__isnull": False})
    if low is not None:
        condition &= Q(**{f"{fact.attname}__gte": Value(low, output_field=DecimalField())})
    if high is not None:
        condition &= Q(**{f"{fact.attname}__lte": Value(high, output_field=DecimalField())})
    return condition


def _near_python(part, facts: EnterpriseFacts) -> bool:
    """The same in Python, for one enterprise."""
    fact = FACTS[part["fact"]]
    if fact.type != NUMBER:
        return True
    actual = facts[fact.name]
    if actual is None:
        return False
    actual = Decimal(actual)
    low, high = _near_bounds(part)
    return (low is None or actual >= low) and (high is None or actual <= high)


def missing_entry(rule, index: int) -> list[dict]:
    return [{"path": f"all[{index}]", "condition": rule["all"][index]}]


# Standing of one enterprise (Python) and of every enterprise (SQL).


@dataclass
class Standing:
    state: str | None  # a PolicyMatch.State, or None (no row)
    missing: list
    outcome: rules.Outcome | None = None


def standing_for(rule, facts: EnterpriseFacts) -> Standing:
    """One enterprise's standing against a parsed rule (None: no rule), with the evaluation's reasons."""
    if rule is None:
        return Standing(None, [])
    outcome = rules.evaluate(rule, facts)
    if outcome.passed is True:
        return Standing(State.ELIGIBLE, [], outcome)
    if outcome.passed is None:
        return Standing(State.TO_CONFIRM, [], outcome)
    parts = near_parts(rule)
    if parts:
        failing = [index for index, child in enumerate(outcome.children) if child.passed is False]
        if len(failing) == 1 and failing[0] in parts and _near_python(rule["all"][failing[0]], facts):
            return Standing(State.NEARLY, missing_entry(rule, failing[0]), outcome)
    return Standing(None, [], outcome)


def standings(rule, on: date, enterprises: QuerySet | None = None) -> dict[int, tuple[str, list]]:
    """Every enterprise's standing against a parsed rule, set-based: {enterprise id: (state, missing)} for
    the eligible, to-be-confirmed and nearly eligible ones. One query, whatever the shape of the rule (a
    top-level `all`: its parts as 0/1 flags, kept when they sum to n, or to n − 1 with the failing part near)."""
    base = enterprises if enterprises is not None else Enterprise.objects.all()
    base = base.order_by()
    manual = has_manual(rule)
    parts = near_parts(rule)
    found: dict[int, tuple[str, list]] = {}
    if not parts:
        queryset = rules.eligible(base, rule, on)
        if manual:
            strict = Case(When(_strict_q(rule), then=Value(1)), default=Value(0), output_field=IntegerField())
            for pk, passed in queryset.annotate(strict_pass=strict).values_list("pk", "strict_pass"):
                found[pk] = (State.ELIGIBLE if passed else State.TO_CONFIRM, [])
        else:
            for pk in queryset.values_list("pk", flat=True):
                found[pk] = (State.ELIGIBLE, [])
        return found

    children = rule["all"]
    n = len(children)

    def flag(q: Q) -> Case:
        return Case(When(q, then=Value(1)), default=Value(0), output_field=IntegerField())

    # Each part's flag, each reachable part's "near" flag and the strict flag are computed once per
    # enterprise in a derived table (the facts' subqueries appear in it once per use); the outer query keeps
    # the rows whose flags say eligible or nearly. On PostgreSQL, OFFSET 0 keeps the planner from pulling the
    # flags up into the outer WHERE, which would evaluate the subqueries again for every reference.
    columns = {f"match_p{index}": flag(rules.compile_q(child)) for index, child in enumerate(children)}
    columns.update({f"match_n{index}": flag(_near_q(children[index])) for index in parts})
    if manual:
        columns["match_strict"] = flag(_strict_q(rule))
    inner = rules.annotate_used(base, rule, on, alias=True).annotate(match_id=F("pk"), **columns)
    inner = inner.values("match_id", *columns)
    sql, params = inner.query.get_compiler(using=inner.db).as_sql()
    quote = connections[inner.db].ops.quote_name
    total = " + ".join(quote(f"match_p{index}") for index in range(n))
    near = " OR ".join(f"({quote(f'match_p{index}')} = 0 AND {quote(f'match_n{index}')} = 1)" for index in parts)
    fence = " OFFSET 0" if connections[inner.db].vendor == "postgresql" else ""
    outer = f"SELECT * FROM ({sql}{fence}) match_flags WHERE ({total}) = %s OR (({total}) = %s AND ({near}))"
    with connections[inner.db].cursor() as cursor:
        cursor.execute(outer, [*params, n, n - 1])
        names = [column[0] for column in cursor.description]
        for values in cursor.fetchall():
            row = dict(zip(names, values, strict=True))
            failing = [index for index in range(n) if not row[f"match_p{index}"]]
            if not failing:
                passed = row["match_strict"] if manual else 1
                found[row["match_id"]] = (State.ELIGIBLE if passed else State.TO_CONFIRM, [])
            else:
                found[row["match_id"]] = (State.NEARLY, missing_entry(rule, failing[0]))
    return found


# Writing the rows.


def _write(
    existing: dict[tuple[int, int], PolicyMatch], desired: dict[tuple[int, int], tuple[str, list]], now
) -> MatchCounts:
    """Upsert the desired rows (policy id, enterprise id) → (state, missing) over the existing ones, delete
    the rest. first_matched_at is set when a row first becomes eligible (or to be confirmed) and kept after;
    notified_at is never touched here. A row whose state and missing are unchanged is not written."""
    counts = MatchCounts()
    upserts = []
    for (policy_id, enterprise_id), (state, missing) in desired.items():
        counts_key = {State.ELIGIBLE: "eligible", State.TO_CONFIRM: "to_confirm", State.NEARLY: "nearly"}[state]
        setattr(counts, counts_key, getattr(counts, counts_key) + 1)
        row = existing.get((policy_id, enterprise_id))
        if row is not None and row.state == state and row.missing == missing:
            continue
        first = row.first_matched_at if row is not None else None
        if first is None and state in ELIGIBLE_STATES:
            first = now
        upserts.append(
            PolicyMatch(
                policy_id=policy_id,
                enterprise_id=enterprise_id,
                state=state,
                missing=missing,
                reasons={},
                matched_at=now,
                first_matched_at=first,
            )
        )
        if row is None:
            counts.created += 1
        else:
            counts.updated += 1
    if upserts:
        PolicyMatch.objects.bulk_create(
            upserts,
            batch_size=BATCH_SIZE,
            update_conflicts=True,
            unique_fields=["policy", "enterprise"],
            update_fields=["state", "missing", "matched_at", "first_matched_at"],
        )
    stale = [row.pk for key, row in existing.items() if key not in desired]
    for start in range(0, len(stale), DELETE_CHUNK):
        PolicyMatch.objects.filter(pk__in=stale[start : start + DELETE_CHUNK]).delete()
    counts.deleted = len(stale)
    return counts


def _existing(queryset: QuerySet) -> dict[tuple[int, int], PolicyMatch]:
    rows = queryset.only("pk", "policy_id", "enterprise_id", "state", "missing", "first_matched_at")
    return {(row.policy_id, row.enterprise_id): row for row in rows.iterator(chunk_size=5000)}


# The push.


def _recipients(enterprise_ids: QuerySet) -> list:
    return list(User.objects.filter(is_active=True, enterprise_id__in=enterprise_ids).order_by("pk"))


def _push_eligible(policy: Policy, pending: QuerySet, now, on: date) -> int:
    """Tell the enterprises of `pending` (rows of one policy not yet notified) that they qualify: one
    message to each of their active users, then notified_at. Enterprises without an active user are not
    marked, so that a user added later still hears of it. Expired policies notify nobody."""
    if not is_active(policy, on):
        return 0
    told = 0
    link = reverse("my_policy", args=[policy.pk])
    with translation.override(settings.LANGUAGE_CODE):
        for state in ELIGIBLE_STATES:
            rows = pending.filter(state=state)
            users = _recipients(rows.values("enterprise_id"))
            if not users:
                continue
            if state == State.ELIGIBLE:
                subject = _("Your enterprise qualifies for the policy “%(title)s”") % {"title": policy.title}
                body = _("Open “My policies” to see why, and how the benefit is obtained.")
            else:
                subject = _("Your enterprise may qualify for the policy “%(title)s”") % {"title": policy.title}
                body = _("Some conditions must still be confirmed. Open “My policies” to see which.")
            notify(users, subject, body, link=link, topic=topic_eligible(policy.pk))
            told += rows.filter(enterprise_id__in={user.enterprise_id for user in users}).update(notified_at=now)
    return told


def _push_subscribers(policy: Policy, on: date) -> int:
    """Tell the enterprises that follow one of the policy's categories (since before it was published) that
    it was published, once per enterprise (the topic policy:<id>:new). Those that qualify are told that
    instead (_push_eligible), not both."""
    if not is_active(policy, on):
        return 0
    subscriptions = PolicySubscription.objects.filter(category__in=policy.categories.values("pk"))
    if policy.published_at is not None:
        subscriptions = subscriptions.filter(created_at__lte=policy.published_at)
    told_already = Notification.objects.filter(
        topic=topic_new(policy.pk), recipient__enterprise_id__isnull=False
    ).values("recipient__enterprise_id")
    qualifying = PolicyMatch.objects.filter(policy=policy, state__in=ELIGIBLE_STATES).values("enterprise_id")
    users = list(
        User.objects.filter(is_active=True, enterprise_id__in=subscriptions.values("enterprise_id"))
        .exclude(enterprise_id__in=told_already)
        .exclude(enterprise_id__in=qualifying)
        .order_by("pk")
    )
    if not users:
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("A new policy in a category you follow: “%(title)s”") % {"title": policy.title}
        body = policy.summary[:500]
    notify(users, subject, body, link=reverse("my_policy", args=[policy.pk]), topic=topic_new(policy.pk))
    return len({user.enterprise_id for user in users})


# The runs.


def match_policy(policy: Policy, on: date | None = None) -> MatchCounts:
    """Match one policy against every enterprise and store the standings (see the module's docstring). A
    policy that is not published (or has expired, or has no valid rule) loses its matches. Newly eligible
    enterprises and the category's subscribers are notified. Serialised per policy (its row is locked)."""
    started = time.perf_counter()
    on = on or today()
    now = timezone.now()
    with transaction.atomic():
        policy = Policy.objects.select_for_update().get(pk=policy.pk)
        rule = rule_of(policy) if is_active(policy, on) else None
        desired = {}
        if rule is not None:
            desired = {(policy.pk, pk): standing for pk, standing in standings(rule, on).items()}
        counts = _write(_existing(PolicyMatch.objects.filter(policy=policy)), desired, now)
        if rule is not None:
            pending = PolicyMatch.objects.filter(policy=policy, state__in=ELIGIBLE_STATES, notified_at__isnull=True)
            counts.notified = _push_eligible(policy, pending, now, on)
            counts.subscribers_notified = _push_subscribers(policy, on)
    counts.policies = 1
    counts.seconds = time.perf_counter() - started
    return counts


def match_enterprise(enterprise: Enterprise | int, on: date | None = None) -> MatchCounts:
    """Rerun one enterprise against every active policy (facts_for once, rules.evaluate per policy) and store
    its standings; rows of policies it no longer stands for are deleted, newly eligible ones notified."""
    started = time.perf_counter()
    on = on or today()
    now = timezone.now()
    enterprise_id = enterprise if isinstance(enterprise, int) else enterprise.pk
    counts = MatchCounts(enterprises=1)
    with transaction.atomic():
        enterprise = Enterprise.objects.filter(pk=enterprise_id).first()
        if enterprise is None:
            return counts
        policies = list(active_policies(on).order_by("pk"))
        facts = facts_for(enterprise, on, tag_names=dict(Tag.objects.values_list("code", "name")))
        desired = {}
        for policy in policies:
            standing = standing_for(rule_of(policy), facts)
            if standing.state is not None:
                desired[(policy.pk, enterprise_id)] = (standing.state, standing.missing)
        counts = _write(_existing(PolicyMatch.objects.filter(enterprise_id=enterprise_id)), desired, now)
        pending = PolicyMatch.objects.filter(
            enterprise_id=enterprise_id, state__in=ELIGIBLE_STATES, notified_at__isnull=True
        )
        by_pk = {policy.pk: policy for policy in policies}
        for policy_id in sorted(set(pending.values_list("policy_id", flat=True))):
            if policy_id in by_pk:
                counts.notified += _push_eligible(by_pk[policy_id], pending.filter(policy_id=policy_id), now, on)
    counts.enterprises = 1
    counts.policies = len(policies)
    counts.seconds = time.perf_counter() - started
    return counts


def match_enterprises(enterprise_ids: Iterable[int], on: date | None = None) -> MatchCounts:
    total = MatchCounts()
    started = time.perf_counter()
    for enterprise_id in sorted(set(enterprise_ids)):
        counts = match_enterprise(enterprise_id, on)
        total.add(counts)
        total.enterprises += counts.enterprises
        total.policies = max(total.policies, counts.policies)
    total.seconds = time.perf_counter() - started
    return total


def match_all(on: date | None = None) -> MatchCounts:
    """The nightly batch: every active policy against every enterprise; matches of the other policies
    (withdrawn, draft, expired) are removed."""
    started = time.perf_counter()
    on = on or today()
    total = MatchCounts()
    total.deleted += PolicyMatch.objects.exclude(policy__in=active_policies(on)).delete()[0]
    for policy in active_policies(on).order_by("pk"):
        counts = match_policy(policy, on)
        total.add(counts)
        total.per_policy[policy.pk] = counts
        total.policies += 1
    total.enterprises = Enterprise.objects.count()
    total.seconds = time.perf_counter() - started
    return total


# Actions of people.


def policy_rematch(*, actor, policy_id: int, on: date | None = None) -> MatchCounts:
    """The office reruns one policy's matching now (the "rerun matching" button)."""
    if not is_office(actor):
        raise PermissionDenied(_("Only the coordinating office can rerun the matching."))
    policy = Policy.objects.get(pk=policy_id)
    return match_policy(policy, on)


def subscriptions_set(*, actor, category_ids: Iterable[int]) -> list[int]:
    """An enterprise user sets the categories their enterprise follows (replacing the previous choice)."""
    from accounts.models import Role
    from accounts.scope import has_role
    from policies.models import PolicyCategory

    if not has_role(actor, Role.ENTERPRISE) or not actor.enterprise_id:
        raise PermissionDenied(_("Only an enterprise's own users can follow policy categories."))
    wanted = {int(pk) for pk in category_ids}
    known = set(PolicyCategory.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    unknown = wanted - known
    if unknown:
        raise ValidationError(_("Unknown categories: %(ids)s.") % {"ids": ", ".join(str(pk) for pk in sorted(unknown))})
    with transaction.atomic():
        Enterprise.objects.select_for_update().filter(pk=actor.enterprise_id).first()
        current = set(
            PolicySubscription.objects.filter(enterprise_id=actor.enterprise_id).values_list("category_id", flat=True)
        )
        PolicySubscription.objects.filter(enterprise_id=actor.enterprise_id, category_id__in=current - known).delete()
        PolicySubscription.objects.bulk_create(
            [PolicySubscription(enterprise_id=actor.enterprise_id, category_id=pk) for pk in sorted(known - current)]
        )
    return sorted(known)


__all__ = [
    "MatchCounts",
    "Standing",
    "active_policies",
    "match_all",
    "match_enterprise",
    "match_enterprises",
    "match_policy",
    "policy_rematch",
    "standing_for",
    "standings",
    "subscriptions_set",
]
