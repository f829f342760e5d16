"""The cultivation pools (培育库) over HTTP: pools of a year with the 1.2 × rule, their members, and the
office's writes (create, set target, add, exit, promote). Staff only; memberships follow the enterprise's
data scope, so a membership outside it answers 404."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from accounts.models import STAFF_ROLES, Region
from accounts.scope import get_for_user, has_role
from enterprises.models import CultivationPool
from enterprises.selectors import pools as selectors
from enterprises.services import pools as services

router = Router(tags=["pools"])


class RuleOut(Schema):
    required: int | None = Field(
        description="Members the pool must hold: ceil(1.2 × target) for 小升规, else the target"
    )
    members: int = Field(description="Current members of the whole pool")
    met: bool | None = Field(description="Whether the pool holds what it must; null when no target is set")
    shortfall: int


class PoolOut(Schema):
    id: int
    kind: str
    kind_label: str
    year: int
    target: int | None
    note: str
    current: int = Field(description="Current members in your data scope")
    entered: int = Field(description="Members in your scope who entered during the pool's year")
    exited: int = Field(description="Members in your scope who left during the pool's year")
    rule: RuleOut


class PoolIn(Schema):
    kind: str
    year: int
    target: int | None = None
    note: str = ""


class PoolPatch(Schema):
    target: int | None = None
    note: str | None = None


class PoolsForYearIn(Schema):
    year: int


class EnterpriseBrief(Schema):
    id: int
    name: str
    credit_code: str
    region_id: int
    region_name: str = Field(alias="region.name")
    industry_code: str | None = Field(alias="industry_id")
    above_scale: bool
    warning_level: int


class MembershipOut(Schema):
    id: int
    pool_id: int
    enterprise: EnterpriseBrief
    entered_on: date
    exited_on: date | None
    exit_reason: str
    note: str
    is_current: bool


class MemberIn(Schema):
    enterprise_id: int
    entered_on: date | None = None
    note: str = ""


class ExitIn(Schema):
    reason: str
    exited_on: date | None = None


class PromoteIn(Schema):
    promoted_on: date | None = None
    note: str = ""


class SuggestionOut(Schema):
    enterprise: EnterpriseBrief
    ttm_revenue: Decimal | None = Field(description="Main business revenue over the trailing 12 months, 10k yuan")
    months_reported: int
    has_exit_warning: bool = False


class SuggestionsOut(Schema):
    rule: str | None
    window_start: date | None
    window_end: date | None
    items: list[SuggestionOut]


def _require_staff(request) -> None:
    if not has_role(request.user, *STAFF_ROLES):
        raise HttpError(403, "Cultivation pools are not available to your role.")


def _run(action, **kwargs):
    try:
        return action(actor=kwargs.pop("request").user, **kwargs)
    except PermissionDenied as error:
        raise HttpError(403, str(error)) from None
    except ValidationError as error:
        raise HttpError(422, " ".join(error.messages)) from None


def _pool_out(pool: CultivationPool) -> dict:
    status = pool.status
    return {
        "id": pool.pk,
        "kind": pool.kind,
        "kind_label": pool.get_kind_display(),
        "year": pool.year,
        "target": pool.target,
        "note": pool.note,
        "current": pool.current,
        "entered": pool.entered,
        "exited": pool.exited,
        "rule": {
            "required": status.required,
            "members": status.members,
            "met": status.met if status.applies else None,
            "shortfall": status.shortfall,
        },
    }


def _pool(request, pool_id: int) -> CultivationPool:
    return selectors.pool_with_counts(user=request.user, pool=get_for_user(request.user, CultivationPool, pk=pool_id))


@router.get("/pools", response=list[PoolOut], summary="The cultivation pools of a year, with the 1.2 × rule")
def list_pools(request, year: int | None = None):
    _require_staff(request)
    pools = selectors.pool_list(user=request.user, year=year or timezone.localdate().year)
    return [_pool_out(pool) for pool in pools]


@router.post("/pools", response={201: PoolOut}, summary="Create a pool (coordinating office)")
def create_pool(request, payload: PoolIn):
    _require_staff(request)
    pool = _run(services.pool_create, request=request, **payload.dict())
    return Status(201, _pool_out(selectors.pool_with_counts(user=request.user, pool=pool)))


@router.post("/pools/for-year", response=list[PoolOut], summary="Create every pool a year lacks (coordinating office)")
def create_pools_for_year(request, payload: PoolsForYearIn):
    _require_staff(request)
    _run(services.pools_create_for_year, request=request, year=payload.year)
    return [_pool_out(pool) for pool in selectors.pool_list(user=request.user, year=payload.year)]


@router.get("/pools/{pool_id}", response=PoolOut, summary="One pool, with the 1.2 × rule")
def get_pool(request, pool_id: int):
    _require_staff(request)
    return _pool_out(_pool(request, pool_id))


@router.patch("/pools/{pool_id}", response=PoolOut, summary="Set a pool's target or note (coordinating office)")
def update_pool(request, pool_id: int, payload: PoolPatch):
    _require_staff(request)
    changes = payload.dict(exclude_unset=True)
    if changes.get("note", "") is None:
        raise HttpError(422, "note cannot be null; send an empty string to clear it.")
    _run(services.pool_update, request=request, pool_id=pool_id, **changes)
    return _pool_out(_pool(request, pool_id))


@router.get("/pools/{pool_id}/members", response=list[MembershipOut], summary="A pool's members in your data scope")
@paginate
def list_members(request, pool_id: int, current: bool = True, q: str = "", region_id: int | None = None):
    _require_staff(request)
    pool = get_for_user(request.user, CultivationPool, pk=pool_id)
    region = get_for_user(request.user, Region, pk=region_id) if region_id else None
    return selectors.member_list(user=request.user, pool=pool, current=current, search=q.strip(), region=region)


@router.post("/pools/{pool_id}/members", response={201: MembershipOut}, summary="Add an enterprise (office)")
def add_member(request, pool_id: int, payload: MemberIn):
    _require_staff(request)
    membership = _run(services.pool_member_add, request=request, pool_id=pool_id, **payload.dict())
    return Status(201, membership)


@router.post(
    "/pools/{pool_id}/members/{membership_id}/exit",
    response=MembershipOut,
    summary="Take a member out of the pool, with the reason (office)",
)
def exit_member(request, pool_id: int, membership_id: int, payload: ExitIn):
    _require_staff(request)
    return _run(
        services.pool_member_exit, request=request, pool_id=pool_id, membership_id=membership_id, **payload.dict()
    )


@router.post(
    "/pools/{pool_id}/members/{membership_id}/promote",
    response={201: MembershipOut},
    summary="Move a 专精特新 member up one tier (office); returns the membership in the higher tier",
)
def promote_member(request, pool_id: int, membership_id: int, payload: PromoteIn):
    _require_staff(request)
    membership = _run(
        services.pool_member_promote, request=request, pool_id=pool_id, membership_id=membership_id, **payload.dict()
    )
    return Status(201, membership)


@router.get(
    "/pools/{pool_id}/suggestions",
    response=SuggestionsOut,
    summary="Enterprises in your scope that fit the pool by their operating figures",
)
def list_suggestions(request, pool_id: int):
    _require_staff(request)
    pool = get_for_user(request.user, CultivationPool, pk=pool_id)
    found, window = selectors.suggestions(user=request.user, pool=pool)
    return {
        "rule": selectors.suggestion_rule(pool.kind),
        "window_start": window[0] if window else None,
        "window_end": window[1] if window else None,
        "items": [
            {
                "enterprise": e,
                "ttm_revenue": e.ttm_revenue,
                "months_reported": e.months_reported,
                "has_exit_warning": getattr(e, "has_exit_warning", False),
            }
            for e in found
        ],
    }
