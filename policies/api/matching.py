"""The matching over HTTP (under /api/v1/policies): an enterprise's own policies with their explanation and
its category subscriptions; for staff, the enterprises matched to a policy (in their data scope); for the
office, rerunning a policy's matching."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from ninja import Field, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate

from accounts.models import STAFF_ROLES, Region, Role
from accounts.scope import get_for_user, has_role
from policies.models import Policy, PolicyMatch
from policies.selectors import matching as selectors
from policies.services import matching as services

router = Router(tags=["policies"])


class PolicyBrief(Schema):
    id: int
    title: str
    document_number: str
    issuer: str
    obtain: str
    benefit_text: str
    application_deadline: date | None
    expires_on: date | None


class MissingOut(Schema):
    path: str = Field(description="Where the missing condition is in the rule, e.g. all[1]")
    condition: dict
    reason: str = Field(description="The condition with the enterprise's value, in the reader's language")


class ReasonOut(Schema):
    passed: bool | None = Field(description="true passed, false failed, null to be confirmed by a person")
    status: str
    reason: str
    path: str
    children: list[ReasonOut] = []


class MineOut(Schema):
    policy: PolicyBrief
    state: str = Field(description="eligible, to_confirm or nearly")
    missing: list[MissingOut]
    first_matched_at: datetime | None


class ApplicationOut(Schema):
    id: int
    period: str
    status: str
    submitted_at: datetime
    decided_at: datetime | None


class DisbursementOut(Schema):
    id: int
    period: str
    amount: Decimal
    paid_on: date
    source: str


class MineDetailOut(Schema):
    policy: PolicyBrief
    state: str | None = Field(description="eligible, to_confirm, nearly, or null (does not qualify)")
    active: bool = Field(description="Whether the policy is published and not expired")
    missing: list[MissingOut]
    first_matched_at: datetime | None
    reasons: ReasonOut | None = Field(description="The evaluation's tree; null when the policy has no usable rule")
    applications: list[ApplicationOut]
    disbursements: list[DisbursementOut]


class CategoryOut(Schema):
    id: int
    code: str
    name: str
    subscribed: bool


class SubscriptionsIn(Schema):
    category_ids: list[int]


class EnterpriseBrief(Schema):
    id: int
    name: str
    credit_code: str
    region_id: int
    region_name: str = Field(alias="region.name")


class MatchOut(Schema):
    id: int
    enterprise: EnterpriseBrief
    state: str
    missing: list[dict]
    matched_at: datetime
    first_matched_at: datetime | None
    notified_at: datetime | None


class CountsOut(Schema):
    eligible: int
    to_confirm: int
    nearly: int
    created: int
    updated: int
    deleted: int
    notified: int
    subscribers_notified: int
    seconds: float


def _require(request, *roles: str, message: str) -> None:
    if not has_role(request.user, *roles):
        raise HttpError(403, message)


def _reasons(outcome) -> dict | None:
    if outcome is None:
        return None
    return {
        "passed": outcome.passed,
        "status": outcome.status,
        "reason": outcome.reason,
        "path": outcome.path,
        "children": [_reasons(child) for child in outcome.children],
    }


def _mine_item(item) -> dict:
    return {
        "policy": item.policy,
        "state": item.state,
        "missing": item.missing,
        "first_matched_at": item.match.first_matched_at if item.match else None,
    }


@router.get("/mine", response=list[MineOut], summary="The policies your enterprise qualifies for or nearly does")
def list_mine(request, state: str = ""):
    _require(request, Role.ENTERPRISE, message="Only an enterprise's own users have policies of their own.")
    try:
        mine = selectors.my_policies(request.user)
    except PermissionDenied as error:
        raise HttpError(403, str(error)) from None
    items = []
    for section in selectors.SECTIONS:
        if state and state != section:
            continue
        items.extend(_mine_item(item) for item in mine.sections[section])
    return items


@router.get(
    "/mine/{int:policy_id}",
    response=MineDetailOut,
    summary="One policy with your enterprise's standing and the reason each condition passed or failed",
)
def get_mine(request, policy_id: int):
    _require(request, Role.ENTERPRISE, message="Only an enterprise's own users have policies of their own.")
    try:
        mine = selectors.my_policy(request.user, policy_id)
    except PermissionDenied as error:
        raise HttpError(403, str(error)) from None
    return {
        **_mine_item(mine.item),
        "active": mine.active,
        "reasons": _reasons(mine.item.outcome),
        "applications": mine.applications,
        "disbursements": mine.disbursements,
    }


def _subscriptions(request) -> list[dict]:
    return [
        {"id": category.pk, "code": category.code, "name": category.name, "subscribed": followed}
        for category, followed in selectors.subscription_choices(request.user)
    ]


@router.get("/subscriptions", response=list[CategoryOut], summary="The policy categories, and which you follow")
def get_subscriptions(request):
    _require(request, Role.ENTERPRISE, message="Only an enterprise's own users follow policy categories.")
    try:
        return _subscriptions(request)
    except PermissionDenied as error:
        raise HttpError(403, str(error)) from None


@router.put("/subscriptions", response=list[CategoryOut], summary="Set the categories your enterprise follows")
def put_subscriptions(request, payload: SubscriptionsIn):
    services.subscriptions_set(actor=request.user, category_ids=payload.category_ids)
    return _subscriptions(request)


@router.get(
    "/{int:policy_id}/matches",
    response=list[MatchOut],
    summary="The enterprises in your data scope matched to a policy (staff)",
)
@paginate
def list_matches(request, policy_id: int, state: str = "", region_id: int | None = None, q: str = ""):
    _require(request, *STAFF_ROLES, message="Policy matches are not available to your role.")
    policy = get_for_user(request.user, Policy, pk=policy_id)
    region = get_for_user(request.user, Region, pk=region_id) if region_id else None
    if state and state not in PolicyMatch.State.values:
        raise HttpError(422, f"state must be one of {', '.join(PolicyMatch.State.values)}.")
    return selectors.match_list(request.user, policy, state=state, region=region, search=q.strip())


@router.post("/{int:policy_id}/match", response=CountsOut, summary="Rerun a policy's matching now (office)")
def run_match(request, policy_id: int):
    get_for_user(request.user, Policy, pk=policy_id)
    return services.policy_rematch(actor=request.user, policy_id=policy_id).as_dict()
