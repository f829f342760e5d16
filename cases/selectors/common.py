"""Shared reads of common issues (共性问题 · 批处理): the issues a user may see with the count and states of
their members, one issue's members, and the cases the office may merge.

Members are counted and listed as the user sees them (accounts.scope): a unit sees the members it holds, an
enterprise its own case; the other enterprises in a common issue are not its business."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from accounts.scope import get_for_user, scope_q, scoped
from cases.models import Case, CommonIssue
from cases.services.dispatch import MERGEABLE

State = Case.State
# The case fields a member row shows.
MEMBER_RELATED = ("enterprise", "category", "lead_unit")
CANDIDATE_LIMIT = 50
NUMBER_SPLIT = re.compile(r"[\s,，;；、]+")


def _state_field(state: str) -> str:
    return f"n_{state}"


def _visible_members_q(user) -> Q | None:
    """A condition on CommonIssue's `cases` relation: the members `user` may see. None: no case at all."""
    q = scope_q(user, Case)
    if q is None:
        return None
    if not q:  # the whole jurisdiction: no need to repeat the scope per member
        return Q(cases__isnull=False)
    return Q(cases__in=Case.objects.filter(q).values("pk"))


def issue_filter(*, user, search: str = "", open_only: bool = False) -> QuerySet[CommonIssue]:
    """The common issues `user` may see, each with the number of members they see and a count per state of
    those members (n_submitted, n_assigned, …), in one query."""
    issues = scoped(user, CommonIssue.objects.all())
    visible = _visible_members_q(user)
    if visible is None:
        return issues.none()
    # Conditions on members as subqueries: a join here would multiply the counts below.
    if search:
        by_number = Case.objects.filter(number=search).values("common_issue_id")
        issues = issues.filter(Q(title__icontains=search) | Q(pk__in=by_number))
    if open_only:
        issues = issues.filter(pk__in=Case.objects.exclude(state__in=Case.FINAL_STATES).values("common_issue_id"))
    counts = {"member_count": Count("cases", filter=visible)}
    for state in State.values:
        counts[_state_field(state)] = Count("cases", filter=visible & Q(cases__state=state))
    issues = issues.annotate(**counts)
    return issues.select_related("created_by").order_by("-created_at", "-pk")


@dataclass(frozen=True)
class StateCount:
    state: str
    label: str
    count: int


def states_of(issue: CommonIssue) -> list[StateCount]:
    """The annotated per-state counts of an issue from `issue_filter`, the empty ones left out, in the
    lifecycle's order."""
    return [
        StateCount(state, str(label), getattr(issue, _state_field(state), 0))
        for state, label in State.choices
        if getattr(issue, _state_field(state), 0)
    ]


def state_counts(issue: CommonIssue) -> dict[str, int]:
    return {s.state: s.count for s in states_of(issue)}


def issue_for(user, pk) -> CommonIssue:
    """One issue with its annotations, 404 outside the user's scope."""
    return get_for_user(user, issue_filter(user=user), pk=pk)


def members_of(user, issue: CommonIssue) -> QuerySet[Case]:
    """The issue's members `user` may see, with what a member row shows, in one query."""
    return (
        scoped(user, Case.objects.filter(common_issue=issue))
        .select_related(*MEMBER_RELATED)
        .order_by("enterprise__name", "pk")
    )


def accepts_members(issue: CommonIssue) -> bool:
    """Whether cases may still join: none of its members is being handled yet (case_merge says the same)."""
    return not issue.cases.exclude(state__in=(*MERGEABLE, *Case.FINAL_STATES)).exists()


def merge_candidates(user, *, search: str = "", exclude_ids=()) -> list[Case]:
    """Cases awaiting dispatch (submitted or returned) outside any common issue that `user` sees, newest first,
    narrowed by a number, title or enterprise search. At most CANDIDATE_LIMIT."""
    cases = scoped(user, Case.objects.filter(state__in=MERGEABLE, common_issue=None))
    if search:
        cases = cases.filter(
            Q(number__icontains=search)
            | Q(title__icontains=search)
            | Q(enterprise__name__icontains=search)
            | Q(enterprise__credit_code__istartswith=search)
        )
    if exclude_ids:
        cases = cases.exclude(pk__in=list(exclude_ids))
    return list(cases.select_related(*MEMBER_RELATED).order_by("-submitted_at", "-pk")[:CANDIDATE_LIMIT])


def chosen_cases(user, ids) -> list[Case]:
    """The cases with these ids that `user` sees (the ticked ones, shown again with the form)."""
    if not ids:
        return []
    return list(scoped(user, Case.objects.filter(pk__in=list(ids))).select_related(*MEMBER_RELATED).order_by("pk"))


def split_numbers(text: str) -> list[str]:
    return [n for n in NUMBER_SPLIT.split(text or "") if n]


def cases_by_number(user, numbers: list[str]) -> tuple[dict[str, int], list[str]]:
    """The ids of the cases `user` sees with these numbers, and the numbers not found."""
    found = dict(scoped(user, Case.objects.filter(number__in=numbers)).values_list("number", "pk"))
    return found, [n for n in numbers if n not in found]
