"""Reads of the policy library: the office's list with its search and filters, the public list (published
policies, read by anyone without logging in), one policy with its clauses, and the "who qualifies now"
preview of a rule over the enterprises in the reader's scope."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.scope import get_for_user, scoped
from enterprises.models import Enterprise, Tag
from policies import rules
from policies.facts import facts_for
from policies.models import Policy, PolicyCategory, PolicyClause

PREVIEW_LIMIT = 20
MAX_SEARCH_WORDS = 8


def search_q(text: str) -> Q:
    """Every word of `text` (split on spaces) appears in the title, document number, issuer, summary, full
    text or one of the clauses: case-insensitive containment, the same on SQLite and PostgreSQL."""
    q = Q()
    for word in text.split()[:MAX_SEARCH_WORDS]:
        in_clauses = PolicyClause.objects.filter(Q(heading__icontains=word) | Q(text__icontains=word)).values(
            "policy_id"
        )
        q &= (
            Q(title__icontains=word)
            | Q(document_number__icontains=word)
            | Q(issuer__icontains=word)
            | Q(summary__icontains=word)
            | Q(full_text__icontains=word)
            | Q(benefit_text__icontains=word)
            | Q(pk__in=in_clauses)
        )
    return q


def _filtered(
    policies: QuerySet,
    *,
    search: str = "",
    category: str | int | None = None,
    level: str = "",
    status: str = "",
    obtain: str = "",
) -> QuerySet:
    if search:
        policies = policies.filter(search_q(search))
    if category:
        category = str(category)
        through = Policy.categories.through.objects
        rows = (
            through.filter(policycategory_id=int(category))
            if category.isdigit()
            else through.filter(policycategory__code=category)
        )
        policies = policies.filter(pk__in=rows.values("policy_id"))
    if level:
        policies = policies.filter(level=level)
    if status:
        policies = policies.filter(status=status)
    if obtain:
        policies = policies.filter(obtain=obtain)
    return policies


def _with_listing(policies: QuerySet) -> QuerySet:
    # The full text (the longest field) is never shown in a list.
    return (
        policies.defer("full_text")
        .annotate(clause_count=Count("clauses", distinct=True))
        .prefetch_related(Prefetch("categories", queryset=PolicyCategory.objects.order_by("sort_order", "code")))
    )


def policy_list(*, user, **filters) -> QuerySet:
    """The library as `user` reads it (staff: every policy, drafts included; an enterprise: the published
    ones), searched and filtered; categories prefetched, clause count annotated."""
    return _with_listing(_filtered(scoped(user, Policy.objects.all()), **filters)).order_by("-published_on", "-pk")


def public_policies() -> QuerySet:
    """What the public pages show, to anyone: the published policies. (Unscoped on purpose: the public pages
    have no reader; draft and withdrawn policies do not exist for them.)"""
    return Policy.objects.filter(status=Policy.Status.PUBLISHED)


def public_policy_list(*, search: str = "", category: str | int | None = None, level: str = "") -> QuerySet:
    return _with_listing(_filtered(public_policies(), search=search, category=category, level=level)).order_by(
        "-published_on", "-pk"
    )


def public_policy(pk: int) -> Policy:
    """A published policy with its categories and clauses, or 404."""
    try:
        return public_policies().prefetch_related("categories", "clauses").get(pk=pk)
    except (Policy.DoesNotExist, ValueError, TypeError):
        raise Http404("No published policy matches the given query.") from None


def public_clause(pk: int, position: int) -> PolicyClause:
    try:
        return PolicyClause.objects.select_related("policy").get(
            policy__status=Policy.Status.PUBLISHED, policy_id=pk, position=position
        )
    except (PolicyClause.DoesNotExist, ValueError, TypeError):
        raise Http404("No such clause of a published policy.") from None


def policy_for(*, user, pk: int) -> Policy:
    """One policy in the user's scope (else 404) with categories, clauses and who created it."""
    return get_for_user(
        user, Policy.objects.select_related("created_by").prefetch_related("categories", "clauses"), pk=pk
    )


def categories() -> QuerySet:
    return PolicyCategory.objects.order_by("sort_order", "code")


# Who qualifies now -----------------------------------------------------------------------------------------


@dataclass
class PreviewRow:
    enterprise: Enterprise
    outcome: rules.Outcome


@dataclass
class Preview:
    count: int
    rows: list[PreviewRow]
    on: date
    limit: int = PREVIEW_LIMIT

    @property
    def more(self) -> int:
        return max(0, self.count - len(self.rows))


def eligible_preview(*, user, rule, on: date | None = None, limit: int = PREVIEW_LIMIT) -> Preview:
    """How many enterprises in `user`'s scope the rule selects now (policies.rules.eligible: passed or to be
    confirmed), and the first `limit` of them by name with the reason each condition passed or failed.
    Raises ValidationError for a malformed rule."""
    rule = rules.check(rule)
    on = on or timezone.localdate()
    selected = rules.eligible(scoped(user, Enterprise.objects.all()), rule, on)
    count = selected.count()
    first = list(selected.select_related("region").order_by("name", "pk")[:limit]) if count else []
    tag_names = dict(Tag.objects.values_list("code", "name")) if first else {}
    rows = [PreviewRow(e, rules.evaluate(rule, facts_for(e, on, tag_names=tag_names))) for e in first]
    return Preview(count=count, rows=rows, on=on, limit=limit)
