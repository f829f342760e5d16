"""Assistance plans (一企一策) over HTTP: the same selectors and services as the pages. Reading follows the
data scope (outside it: 404); writing is for those `can_edit_plan` allows (else 403); a broken rule answers
422 with {"detail": ...}."""

import datetime as dt
from decimal import Decimal
from typing import Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from ninja import Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from accounts.scope import get_for_user
from core.schemas import DetailOut
from enterprises.models import AssistancePlan, PlanGoal
from enterprises.selectors import plans as selectors
from enterprises.services import plans as services

router = Router(tags=["plans"])

Achieved = bool | None | Literal["derive"]
ACHIEVED_HELP = (
    'true, false, null (not decided) or "derive": achieved when the actual reaches the target (for a target '
    "below the baseline: at or below it)."
)


class GoalOut(Schema):
    id: int
    name: str
    unit_of_measure: str
    baseline: Decimal | None
    target: Decimal
    actual: Decimal | None
    achieved: bool | None
    sort_order: int


class ProgressOut(Schema):
    id: int
    period: dt.date
    note: str
    author_id: int | None
    author_name: str
    created_at: dt.datetime

    @staticmethod
    def resolve_author_name(obj):
        return str(obj.author) if obj.author else ""


class PlanOut(Schema):
    id: int
    enterprise_id: int
    enterprise_name: str
    year: int
    category: str
    status: str
    measures: str
    outcome: str
    lead_unit_id: int | None
    lead_unit_name: str | None
    goals_total: int
    goals_achieved: int
    latest_progress: dt.date | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_enterprise_name(obj):
        return obj.enterprise.name

    @staticmethod
    def resolve_lead_unit_id(obj):
        return obj.lead_unit_pk


class PlanDetailOut(PlanOut):
    can_edit: bool
    goals: list[GoalOut]
    progress: list[ProgressOut]


class GoalIn(Schema):
    name: str
    target: Decimal
    unit_of_measure: str = ""
    baseline: Decimal | None = None
    actual: Decimal | None = None
    achieved: Achieved = "derive"


class PlanIn(Schema):
    enterprise_id: int
    year: int
    category: str
    measures: str = ""
    status: Literal["draft", "active"] = "active"
    goals: list[GoalIn]


class PlanPatch(Schema):
    category: str | None = None
    measures: str | None = None
    status: str | None = None
    outcome: str | None = None


class GoalPatch(Schema):
    name: str | None = None
    unit_of_measure: str | None = None
    baseline: Decimal | None = None
    target: Decimal | None = None
    actual: Decimal | None = None
    achieved: Achieved = None
    sort_order: int | None = None


class ProgressIn(Schema):
    period: dt.date
    note: str


class CompleteIn(Schema):
    outcome: str


class DuplicateOut(Schema):
    detail: str
    existing_plan_id: int


def _detail(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return " ".join(
            message if field == "__all__" else f"{field}: {message}"
            for field, messages in error.message_dict.items()
            for message in messages
        )
    return " ".join(error.messages)


def _call(service, **kwargs):
    try:
        return service(**kwargs)
    except PermissionDenied as error:
        raise HttpError(403, str(error) or "You may not change this plan.") from None
    except ValidationError as error:
        raise HttpError(422, _detail(error)) from None


def _plan_out(request, plan_id: int) -> AssistancePlan:
    """The plan as PlanDetailOut reads it: figures, goals, progress, and whether the caller may write it."""
    plan = get_for_user(
        request.user, selectors.with_figures(AssistancePlan.objects.select_related("enterprise")), pk=plan_id
    )
    plan.can_edit = services.can_edit_plan(request.user, plan.enterprise_id, plan.year)
    plan.progress = list(plan.progress_notes.select_related("author"))
    return plan


@router.get(
    "/plans",
    response=list[PlanOut],
    summary="Assistance plans in your data scope",
    description="Filters: year (all years when left out), category, status, region_id (the region and those "
    "below it), lead_unit_id (the unit and its sub-units, as lead unit of the plan year's linkage), q (enterprise "
    "name or the start of its credit code).",
)
@paginate
def list_plans(
    request,
    year: int | None = None,
    category: str = "",
    status: str = "",
    region_id: int | None = None,
    lead_unit_id: int | None = None,
    q: str = "",
) -> QuerySet:
    return selectors.plan_list(
        user=request.user,
        year=year,
        category=category,
        status=status,
        region_id=region_id,
        lead_unit_id=lead_unit_id,
        search=q.strip(),
    )


@router.post(
    "/plans",
    response={201: PlanDetailOut, 403: DetailOut, 422: DetailOut | DuplicateOut},
    summary="Draw up an enterprise's plan for a year (at least one goal)",
    description="A second plan for the same enterprise and year answers 422 with existing_plan_id. Goal "
    f"achieved: {ACHIEVED_HELP}",
)
def create_plan(request, payload: PlanIn):
    try:
        plan = services.plan_create(
            actor=request.user,
            enterprise_id=payload.enterprise_id,
            year=payload.year,
            category=payload.category,
            measures=payload.measures,
            status=payload.status,
            goals=[goal.dict() for goal in payload.goals],
        )
    except services.DuplicatePlan as duplicate:
        return Status(422, {"detail": _detail(duplicate), "existing_plan_id": duplicate.existing.pk})
    except PermissionDenied as error:
        raise HttpError(403, str(error)) from None
    except ValidationError as error:
        raise HttpError(422, _detail(error)) from None
    return Status(201, _plan_out(request, plan.pk))


@router.get("/plans/{plan_id}", response=PlanDetailOut, summary="One plan with its goals and progress notes")
def get_plan(request, plan_id: int):
    return _plan_out(request, plan_id)


@router.patch(
    "/plans/{plan_id}",
    response={200: PlanDetailOut, 403: DetailOut, 422: DetailOut},
    summary="Change a plan's category, measures, outcome or status",
    description="status: draft or active; setting a completed plan active reopens it. Complete with "
    "POST /plans/{id}/complete.",
)
def update_plan(request, plan_id: int, payload: PlanPatch):
    _call(services.plan_update, actor=request.user, plan_id=plan_id, **payload.dict(exclude_unset=True))
    return _plan_out(request, plan_id)


@router.post(
    "/plans/{plan_id}/goals",
    response={201: GoalOut, 403: DetailOut, 422: DetailOut},
    summary="Add a goal to a plan",
    description=f"achieved: {ACHIEVED_HELP}",
)
def add_goal(request, plan_id: int, payload: GoalIn):
    goal = _call(services.goal_add, actor=request.user, plan_id=plan_id, **payload.dict())
    return Status(201, goal)


@router.patch(
    "/plans/{plan_id}/goals/{goal_id}",
    response={200: GoalOut, 403: DetailOut, 422: DetailOut},
    summary="Change a goal: record its actual figure and whether it was achieved",
    description=f"Only the fields sent change. achieved: {ACHIEVED_HELP} Left out while a figure changes, it "
    "is derived again from the new figures; otherwise an earlier decision stands.",
)
def update_goal(request, plan_id: int, goal_id: int, payload: GoalPatch):
    get_for_user(request.user, PlanGoal, pk=goal_id, plan_id=plan_id)
    return _call(services.goal_update, actor=request.user, goal_id=goal_id, **payload.dict(exclude_unset=True))


@router.delete(
    "/plans/{plan_id}/goals/{goal_id}",
    response={204: None, 403: DetailOut, 422: DetailOut},
    summary="Delete a goal (a plan keeps at least one)",
)
def delete_goal(request, plan_id: int, goal_id: int):
    get_for_user(request.user, PlanGoal, pk=goal_id, plan_id=plan_id)
    _call(services.goal_delete, actor=request.user, goal_id=goal_id)
    return Status(204, None)


@router.post(
    "/plans/{plan_id}/progress",
    response={201: ProgressOut, 403: DetailOut, 422: DetailOut},
    summary="Report a month's progress",
    description="period: any day of the month (kept as its first day), of the plan's year, not after this "
    "month. A month that already has a note gets the new text appended to it.",
)
def add_progress(request, plan_id: int, payload: ProgressIn):
    note = _call(services.progress_add, actor=request.user, plan_id=plan_id, period=payload.period, note=payload.note)
    return Status(201, note)


@router.post(
    "/plans/{plan_id}/complete",
    response={200: PlanDetailOut, 403: DetailOut, 422: DetailOut},
    summary="Complete a plan: the outcome written and every goal decided achieved or not",
)
def complete_plan(request, plan_id: int, payload: CompleteIn):
    _call(services.plan_complete, actor=request.user, plan_id=plan_id, outcome=payload.outcome)
    return _plan_out(request, plan_id)
