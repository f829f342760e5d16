"""Reads of the matching: an enterprise's own policies (eligible, to be confirmed, nearly eligible with
what is missing, applied, granted) with the explanation of each, its subscriptions, and the office's list
of the enterprises matched to one policy.

An enterprise's page evaluates its standing live (policies.facts.facts_for once, rules.evaluate per active
policy): it is always what the facts say now, with the reasons in the reader's language, and needs a
constant number of queries. The stored PolicyMatch rows (what the matching runs wrote) give the date it first
qualified; they are what the office's list, the push and the performance figures read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import PermissionDenied
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.utils.translation import gettext as _

from accounts.models import Region
from accounts.scope import get_for_user, scoped
from enterprises.models import Enterprise, Tag
from policies import rules
from policies.facts import facts_for
from policies.models import Application, Disbursement, Policy, PolicyCategory, PolicyMatch, PolicySubscription
from policies.services.matching import Standing, active_policies, rule_of, standing_for, today

State = PolicyMatch.State
SECTIONS = (State.ELIGIBLE, State.TO_CONFIRM, State.NEARLY)


@dataclass
class Explained:
    """One policy as the enterprise stands against it now."""

    policy: Policy
    standing: Standing
    match: PolicyMatch | None = None  # the stored row, if the last run wrote one
    missing: list[dict] = field(default_factory=list)  # [{"path", "condition", "reason"}]

    @property
    def state(self) -> str | None:
        return self.standing.state

    @property
    def outcome(self) -> rules.Outcome | None:
        return self.standing.outcome


def own_enterprise(user) -> Enterprise:
    """The enterprise the user acts for (an enterprise user), or PermissionDenied."""
    if not user.enterprise_id:
        raise PermissionDenied(_("This page is for an enterprise's own users."))
    return get_for_user(user, Enterprise.objects.select_related("region"), pk=user.enterprise_id)


def _missing(standing: Standing) -> list[dict]:
    if standing.state != State.NEARLY or standing.outcome is None:
        return []
    found = []
    for entry in standing.missing:
        index = int(entry["path"][len("all[") : -1])
        found.append({**entry, "reason": standing.outcome.children[index].reason})
    return found


def explain(enterprise: Enterprise, policies: list[Policy], on: date | None = None) -> list[Explained]:
    """Each policy with the enterprise's live standing and reasons: facts_for once (five queries), the
    stored rows in one more, then Python."""
    on = on or today()
    facts = facts_for(enterprise, on)
    stored = {
        row.policy_id: row
        for row in PolicyMatch.objects.filter(enterprise=enterprise, policy__in=[policy.pk for policy in policies])
    }
    explained = []
    for policy in policies:
        standing = standing_for(rule_of(policy), facts)
        explained.append(Explained(policy, standing, stored.get(policy.pk), _missing(standing)))
    return explained


@dataclass
class MyPolicies:
    enterprise: Enterprise
    sections: dict[str, list[Explained]]
    applications: list[Application]
    disbursements: list[Disbursement]


def my_policies(user, on: date | None = None) -> MyPolicies:
    """The enterprise's page: every active policy it stands for, by state, and its applications and
    payments (a constant number of queries, whatever the number of policies)."""
    enterprise = own_enterprise(user)
    policies = list(scoped(user, active_policies(on)).order_by("-published_on", "-pk"))
    sections: dict[str, list[Explained]] = {state: [] for state in SECTIONS}
    for item in explain(enterprise, policies, on):
        if item.state is not None:
            sections[item.state].append(item)
    applications = list(
        scoped(user, Application.objects.filter(enterprise=enterprise))
        .select_related("policy")
        .order_by("-submitted_at")
    )
    disbursements = list(
        scoped(user, Disbursement.objects.filter(enterprise=enterprise))
        .select_related("policy")
        .order_by("-paid_on", "-pk")
    )
    return MyPolicies(enterprise, sections, applications, disbursements)


@dataclass
class MyPolicy:
    enterprise: Enterprise
    item: Explained
    applications: list[Application]
    disbursements: list[Disbursement]
    active: bool


def my_policy(user, policy_id: int, on: date | None = None) -> MyPolicy:
    """One policy (any the user may read: for an enterprise, a published one; 404 otherwise) with the
    user's own enterprise's standing. There is no way to ask for another enterprise's standing."""
    enterprise = own_enterprise(user)
    policy = get_for_user(user, Policy.objects.prefetch_related("categories"), pk=policy_id)
    on = on or today()
    active = active_policies(on).filter(pk=policy.pk).exists()
    item = explain(enterprise, [policy], on)[0]
    if not active:
        item.standing = Standing(None, [], item.standing.outcome)
        item.missing = []
    applications = list(scoped(user, Application.objects.filter(enterprise=enterprise, policy=policy)))
    disbursements = list(scoped(user, Disbursement.objects.filter(enterprise=enterprise, policy=policy)))
    return MyPolicy(enterprise, item, applications, disbursements, active)


# Subscriptions.


def subscription_choices(user) -> list[tuple[PolicyCategory, bool]]:
    """Every category, and whether the user's enterprise follows it (two queries)."""
    enterprise = own_enterprise(user)
    followed = set(
        scoped(user, PolicySubscription.objects.filter(enterprise=enterprise)).values_list("category_id", flat=True)
    )
    return [(category, category.pk in followed) for category in scoped(user, PolicyCategory.objects.all())]


# The office's list of one policy's matches.


def match_list(user, policy: Policy, *, state: str = "", region: Region | None = None, search: str = "") -> QuerySet:
    """The policy's stored matches of enterprises in the user's scope, filtered."""
    matches = scoped(user, PolicyMatch.objects.filter(policy=policy)).select_related(
        "enterprise", "enterprise__region", "enterprise__industry"
    )
    if state in State.values:
        matches = matches.filter(state=state)
    if region is not None:
        matches = matches.filter(enterprise__region__path__startswith=region.path)
    if search:
        matches = matches.filter(Q(enterprise__name__icontains=search) | Q(enterprise__credit_code__icontains=search))
    order = {State.ELIGIBLE: 0, State.TO_CONFIRM: 1, State.NEARLY: 2}
    rank = Case(*(When(state=s, then=Value(n)) for s, n in order.items()), output_field=IntegerField())
    return matches.annotate(state_rank=rank).order_by("state_rank", "enterprise__name", "pk")


def match_counts(user, policy: Policy) -> dict[str, int]:
    rows = scoped(user, PolicyMatch.objects.filter(policy=policy)).values("state").annotate(n=Count("pk"))
    counts = dict.fromkeys(SECTIONS, 0)
    counts.update({row["state"]: row["n"] for row in rows})
    return counts


def match_regions(user, policy: Policy) -> QuerySet:
    """The regions (township level and above) the filter offers."""
    return scoped(user, Region.objects.exclude(level=Region.Level.VILLAGE)).order_by("path")


def tag_names() -> dict[str, str]:
    return dict(Tag.objects.values_list("code", "name"))


def missing_text(match: PolicyMatch, tags: dict[str, str]) -> str:
    """What a nearly eligible enterprise misses, in words without its facts (for the office's list and its
    export: the enterprise's own page says it with its values)."""
    parts = []
    for entry in match.missing or []:
        condition = entry.get("condition") or {}
        parts.append(describe_condition(condition, tags))
    return "; ".join(parts)


def describe_condition(condition: dict, tags: dict[str, str]) -> str:
    """A comparison as a short phrase: “last year's revenue ∈ 1,500 to 2,000 10k yuan”, “tag 专精特新”."""
    from policies.facts import FACTS, NUMBER

    fact = FACTS.get(condition.get("fact"))
    if fact is None:
        return str(condition)
    op, value = condition.get("op"), condition.get("value")
    if op == "has_tag":
        return _("tag %(tag)s") % {"tag": tags.get(value, value)}
    unit = str(fact.unit)

    def show(number):
        text = rules.format_number(number) if fact.type == NUMBER else str(number)
        if fact.type == NUMBER and unit:
            return f"{text}{unit}" if unit == "%" else f"{text} {unit}"
        return text

    if op == "between":
        return f"{fact.label} ∈ {show(value[0])} – {show(value[1])}"
    if op == "in":
        return f"{fact.label} ∈ {', '.join(show(v) for v in value)}"
    sign = rules.OPERATOR_SIGNS.get(op, op)
    if fact.type == "bool":
        value = _("yes") if value else _("no")
        return f"{fact.label} = {value}"
    return f"{fact.label} {sign} {show(value)}"
