"""The policy library over HTTP (under /api/v1/policies): the same selectors and services as the pages.
Reading follows the data scope (staff: every policy; an enterprise: the published ones; outside: 404);
writing is the coordinating office's (else 403); a mistake answers 422 with {"detail": "field: message …"}
(zhuqi/api.py's handlers)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from core.schemas import DetailOut
from policies.selectors import library as selectors
from policies.services import library as services

router = Router(tags=["policies"])

RULE_HELP = (
    "eligibility: the rule as a JSON object or JSON text (docs/policies/rules.md); benefit_formula: "
    '{"fixed": amount} or {"fact": numeric fact, "rate": r}, amounts in 10k yuan.'
)


class CategoryOut(Schema):
    id: int
    code: str
    name: str


class ClauseOut(Schema):
    id: int
    position: int
    heading: str
    text: str


class PolicyOut(Schema):
    id: int
    title: str
    document_number: str
    issuer: str
    level: str
    status: str
    obtain: str
    benefit_kind: str
    benefit_text: str
    published_on: dt.date | None
    effective_from: dt.date | None
    expires_on: dt.date | None
    categories: list[CategoryOut]
    clause_count: int

    @staticmethod
    def resolve_categories(obj):
        return list(obj.categories.all())

    @staticmethod
    def resolve_clause_count(obj):
        count = getattr(obj, "clause_count", None)
        return count if count is not None else len(obj.clauses.all())


class PolicyDetailOut(PolicyOut):
    summary: str
    full_text: str
    benefit_formula: dict
    benefit_cap: Decimal | None
    application_materials: str
    application_deadline: dt.date | None
    interpreter_name: str
    interpreter_phone: str
    eligibility: dict
    published_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime
    clauses: list[ClauseOut]

    @staticmethod
    def resolve_clauses(obj):
        return list(obj.clauses.all())


class ClauseIn(Schema):
    heading: str
    text: str


class PolicyIn(Schema):
    """Every field optional: on create the service names the missing required ones (title, issuer, level,
    benefit_kind, obtain); on PATCH only the fields sent change."""

    title: str | None = None
    document_number: str | None = None
    issuer: str | None = None
    level: str | None = None
    published_on: dt.date | None = None
    effective_from: dt.date | None = None
    expires_on: dt.date | None = None
    summary: str | None = None
    full_text: str | None = None
    benefit_kind: str | None = None
    benefit_formula: dict[str, Any] | str | None = None
    benefit_cap: Decimal | None = None
    benefit_text: str | None = None
    obtain: str | None = None
    application_materials: str | None = None
    application_deadline: dt.date | None = None
    interpreter_name: str | None = None
    interpreter_phone: str | None = None
    eligibility: dict[str, Any] | str | None = None
    categories: list[int] | None = None
    clauses: list[ClauseIn] | None = None


class MoveIn(Schema):
    position: int


def _arguments(payload: PolicyIn) -> dict:
    data = payload.dict(exclude_unset=True)
    if data.get("clauses") is not None:
        data["clauses"] = [dict(c) for c in data["clauses"]]
    return data


def _detail(request, policy_id: int):
    return selectors.policy_for(user=request.user, pk=policy_id)


@router.get(
    "",
    response=list[PolicyOut],
    summary="The policy library in your scope",
    description="Staff read every policy, drafts included; an enterprise user the published ones. Filters: q "
    "(every word in the title, document number, issuer, summary, full text or a clause), category (id or code), "
    "level, status, obtain.",
)
@paginate
def list_policies(
    request, q: str = "", category: str = "", level: str = "", status: str = "", obtain: str = ""
) -> QuerySet:
    return selectors.policy_list(
        user=request.user, search=q.strip(), category=category, level=level, status=status, obtain=obtain
    )


@router.post(
    "",
    response={201: PolicyDetailOut, 403: DetailOut, 422: DetailOut},
    summary="Enter a policy (a draft) — coordinating office",
    description=RULE_HELP + " clauses: [{heading, text}] in order.",
)
def create_policy(request, payload: PolicyIn):
    policy = services.policy_save(actor=request.user, **_arguments(payload))
    return Status(201, _detail(request, policy.pk))


@router.get("/{int:policy_id}", response=PolicyDetailOut, summary="One policy with its rule and clauses")
def get_policy(request, policy_id: int):
    return _detail(request, policy_id)


@router.patch(
    "/{int:policy_id}",
    response={200: PolicyDetailOut, 403: DetailOut, 422: DetailOut},
    summary="Change a policy — coordinating office",
    description="Only the fields sent change. " + RULE_HELP + " clauses, when sent, replace the clauses (clause n "
    "at position n); a published policy keeps at least the clauses it has.",
)
def update_policy(request, policy_id: int, payload: PolicyIn):
    services.policy_save(actor=request.user, policy_id=policy_id, **_arguments(payload))
    return _detail(request, policy_id)


@router.post(
    "/{int:policy_id}/publish",
    response={200: PolicyDetailOut, 403: DetailOut, 422: DetailOut},
    summary="Publish a policy — its rule must validate",
)
def publish_policy(request, policy_id: int):
    services.policy_publish(actor=request.user, policy_id=policy_id)
    return _detail(request, policy_id)


@router.post(
    "/{int:policy_id}/withdraw",
    response={200: PolicyDetailOut, 403: DetailOut, 422: DetailOut},
    summary="Withdraw a published policy",
)
def withdraw_policy(request, policy_id: int):
    services.policy_withdraw(actor=request.user, policy_id=policy_id)
    return _detail(request, policy_id)


@router.post(
    "/{int:policy_id}/clauses",
    response={201: ClauseOut, 403: DetailOut, 422: DetailOut},
    summary="Add a clause at the end of a policy",
)
def add_clause(request, policy_id: int, payload: ClauseIn):
    clause = services.clause_add(actor=request.user, policy_id=policy_id, heading=payload.heading, text=payload.text)
    return Status(201, clause)


@router.patch(
    "/{int:policy_id}/clauses/{int:clause_id}",
    response={200: ClauseOut, 403: DetailOut, 422: DetailOut},
    summary="Correct a clause's heading and text",
)
def update_clause(request, policy_id: int, clause_id: int, payload: ClauseIn):
    return services.clause_update(
        actor=request.user, policy_id=policy_id, clause_id=clause_id, heading=payload.heading, text=payload.text
    )


@router.post(
    "/{int:policy_id}/clauses/{int:clause_id}/move",
    response={200: ClauseOut, 403: DetailOut, 422: DetailOut},
    summary="Move a clause to another position (not on a published policy)",
)
def move_clause(request, policy_id: int, clause_id: int, payload: MoveIn):
    return services.clause_move(actor=request.user, policy_id=policy_id, clause_id=clause_id, position=payload.position)


@router.delete(
    "/{int:policy_id}/clauses/{int:clause_id}",
    response={204: None, 403: DetailOut, 422: DetailOut},
    summary="Remove a clause (not on a published policy); the ones after it move up",
)
def delete_clause(request, policy_id: int, clause_id: int):
    services.clause_delete(actor=request.user, policy_id=policy_id, clause_id=clause_id)
    return Status(204, None)
