"""API of visits (走访): list, record, read, correct and delete visits, and the monthly visit coverage."""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from accounts.models import STAFF_ROLES, Role
from accounts.scope import get_for_user, has_role
from core.periods import current_month, parse_month
from enterprises.models import Enterprise, Visit
from enterprises.selectors import visits as selectors
from enterprises.services.visits import may_change_visit, visit_delete, visit_record, visit_update

router = Router(tags=["visits"])

READER_ROLES = (*STAFF_ROLES, Role.ENTERPRISE)


def _require(request, *roles) -> None:
    if not has_role(request.user, *roles):
        raise HttpError(403, "This endpoint is not available to your role.")


def _unprocessable(error: ValidationError) -> HttpError:
    return HttpError(422, " ".join(error.messages))


class VisitOut(Schema):
    id: int
    enterprise_id: int
    enterprise_name: str
    visitor_id: int
    visitor_name: str
    unit_id: int | None
    unit_name: str | None
    visited_on: dt.date
    mode: str
    met_with: str
    notes: str
    problems: list[str]
    created_at: dt.datetime
    can_change: bool = Field(False, description="Whether you may edit or delete it now")

    @staticmethod
    def resolve_enterprise_name(obj):
        return obj.enterprise.name

    @staticmethod
    def resolve_visitor_name(obj):
        return str(obj.visitor)

    @staticmethod
    def resolve_unit_name(obj):
        return obj.unit.name if obj.unit_id else None

    @staticmethod
    def resolve_problems(obj):
        return [problem.description for problem in obj.problems.all()]

    @staticmethod
    def resolve_can_change(obj, context):
        return may_change_visit(context["request"].user, obj)


class VisitIn(Schema):
    enterprise_id: int
    visited_on: dt.date
    mode: str = Field(Visit.Mode.ONSITE, description="onsite, phone, meeting or online")
    met_with: str = ""
    notes: str = ""
    problems: list[str] = Field([], description="One problem found per item")


class VisitPatch(Schema):
    visited_on: dt.date | None = None
    mode: str | None = None
    met_with: str | None = None
    notes: str | None = None
    problems: list[str] | None = Field(None, description="Replaces the list of problems when given")


class VisitFilters(Schema):
    mine: bool = False
    month: str | None = Field(None, description="YYYY-MM")
    enterprise: int | None = None
    unit: int | None = None
    visitor: int | None = None
    q: str = ""


class CadreCoverageOut(Schema):
    user_id: int
    full_name: str
    unit_id: int | None
    unit_name: str | None
    linked: int
    visited: int
    coverage_pct: float | None
    visits_made: int


class UnitCoverageOut(Schema):
    unit_id: int
    unit_name: str
    linked: int
    visited: int
    coverage_pct: float | None
    visits_made: int


class VisitCoverageOut(Schema):
    month: str
    cadres: list[CadreCoverageOut]
    units: list[UnitCoverageOut]


def _month(raw: str | None) -> dt.date | None:
    if raw in (None, ""):
        return None
    month = parse_month(raw)
    if month is None:
        raise HttpError(422, f"month must look like 2026-11, not “{raw}”.")
    return month


def _visit(request, visit_id: int) -> Visit:
    return get_for_user(request.user, selectors.visit_detail_queryset(), pk=visit_id)


def _pct(value):
    return round(value, 1) if value is not None else None


@router.get("/visits", response=list[VisitOut], summary="Visits in your scope, newest first")
@paginate
def list_visits(request, filters: Query[VisitFilters]):
    _require(request, *READER_ROLES)
    return selectors.with_problems(
        selectors.visit_list(
            user=request.user,
            mine=filters.mine,
            month=_month(filters.month),
            enterprise_id=filters.enterprise,
            unit_id=filters.unit,
            visitor_id=filters.visitor,
            search=filters.q.strip(),
        )
    )


@router.get("/visits/coverage", response=VisitCoverageOut, summary="Monthly visit coverage per cadre and per unit")
def visit_coverage(request, month: str | None = None, sort: str = "coverage"):
    _require(request, *STAFF_ROLES)
    first = _month(month) or current_month()
    if sort not in selectors.COVERAGE_SORTS:
        raise HttpError(422, f"sort must be one of: {', '.join(selectors.COVERAGE_SORTS)}.")
    return {
        "month": first.strftime("%Y-%m"),
        "cadres": [
            {
                "user_id": cadre.pk,
                "full_name": str(cadre),
                "unit_id": cadre.unit_id,
                "unit_name": cadre.unit.name if cadre.unit_id else None,
                "linked": cadre.linked,
                "visited": cadre.visited,
                "coverage_pct": _pct(cadre.coverage),
                "visits_made": cadre.visits_made,
            }
            for cadre in selectors.cadre_coverage(user=request.user, month=first, sort=sort)
        ],
        "units": [
            {
                "unit_id": unit.pk,
                "unit_name": unit.name,
                "linked": unit.linked,
                "visited": unit.visited,
                "coverage_pct": _pct(unit.coverage),
                "visits_made": unit.visits_made,
            }
            for unit in selectors.unit_coverage(user=request.user, month=first, sort=sort)
        ],
    }


@router.post("/visits", response={201: VisitOut}, summary="Record a visit and the problems found")
def create_visit(request, payload: VisitIn):
    _require(request, *STAFF_ROLES)
    enterprise = get_for_user(request.user, Enterprise, pk=payload.enterprise_id)
    try:
        visit = visit_record(
            actor=request.user,
            enterprise=enterprise,
            visited_on=payload.visited_on,
            mode=payload.mode,
            met_with=payload.met_with,
            notes=payload.notes,
            problems=payload.problems,
        )
    except PermissionDenied as error:
        raise HttpError(403, str(error)) from None
    except ValidationError as error:
        raise _unprocessable(error) from None
    return Status(201, _visit(request, visit.pk))


@router.get("/visits/{int:visit_id}", response=VisitOut, summary="One visit (404 outside your scope)")
def get_visit(request, visit_id: int):
    _require(request, *READER_ROLES)
    return _visit(request, visit_id)


@router.patch(
    "/visits/{int:visit_id}", response=VisitOut, summary="Correct a visit (the visitor for 7 days; the office)"
)
def update_visit(request, visit_id: int, payload: VisitPatch):
    _require(request, *STAFF_ROLES)
    visit = _visit(request, visit_id)
    given = payload.dict(exclude_unset=True)
    try:
        visit_update(
            actor=request.user,
            visit=visit,
            visited_on=given.get("visited_on") or visit.visited_on,
            mode=given.get("mode") or visit.mode,
            met_with=given["met_with"] if given.get("met_with") is not None else visit.met_with,
            notes=given["notes"] if given.get("notes") is not None else visit.notes,
            problems=(
                given["problems"]
                if given.get("problems") is not None
                else [problem.description for problem in visit.problems.all()]
            ),
        )
    except PermissionDenied as error:
        raise HttpError(403, str(error)) from None
    except ValidationError as error:
        raise _unprocessable(error) from None
    return _visit(request, visit_id)


@router.delete(
    "/visits/{int:visit_id}", response={204: None}, summary="Delete a visit (the visitor for 7 days; the office)"
)
def delete_visit(request, visit_id: int):
    _require(request, *STAFF_ROLES)
    visit = _visit(request, visit_id)
    try:
        visit_delete(actor=request.user, visit=visit)
    except PermissionDenied as error:
        raise HttpError(403, str(error)) from None
    return Status(204, None)
