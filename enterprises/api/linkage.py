"""API of linkage (包联): the year's linkages, one enterprise's linkages, setting one (office), copying a
year over (office) and the coverage of key enterprises."""

from django.core.exceptions import PermissionDenied, ValidationError
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate

from accounts.models import STAFF_ROLES, Unit, User
from accounts.scope import current_year, get_for_user, has_role, is_office
from enterprises.models import Enterprise
from enterprises.selectors import linkage as selectors
from enterprises.services.linkage import linkage_set, linkages_copy_year

router = Router(tags=["linkage"])


def require_staff(request) -> None:
    if not has_role(request.user, *STAFF_ROLES):
        raise HttpError(403, "This endpoint is not available to your role.")


class PersonOut(Schema):
    id: int
    full_name: str
    unit_id: int | None
    unit_name: str | None = None
    phone: str | None = Field(None, description="Shown to government staff only.")

    @staticmethod
    def resolve_full_name(obj):
        return str(obj)

    @staticmethod
    def resolve_unit_name(obj):
        return obj.unit.name if obj.unit_id else None

    @staticmethod
    def resolve_phone(obj, context):
        request = context["request"]
        return (obj.phone or None) if has_role(request.user, *STAFF_ROLES) else None


class UnitRef(Schema):
    id: int
    code: str
    name: str


class LinkageOut(Schema):
    id: int
    year: int
    enterprise_id: int
    enterprise_name: str
    leader: PersonOut | None
    lead_unit: UnitRef | None
    cadres: list[PersonOut]
    note: str

    @staticmethod
    def resolve_enterprise_name(obj):
        return obj.enterprise.name

    @staticmethod
    def resolve_cadres(obj):
        return list(obj.cadres.all())


class LinkageIn(Schema):
    leader_id: int | None = None
    lead_unit_id: int | None = None
    cadre_ids: list[int] = []
    note: str = ""


class LinkageFilters(Schema):
    year: int | None = None
    leader: int | None = Field(None, description="Linked leader's user id")
    lead_unit: int | None = Field(None, description="Lead unit id")
    cadre: int | None = Field(None, description="A linked cadre's user id")
    region: int | None = Field(None, description="Region id; enterprises in it and below")
    key_only: bool = False
    q: str = Field("", description="Enterprise name or credit code contains")


class CopyYearOut(Schema):
    from_year: int
    to_year: int
    copied: int
    skipped_existing: int
    incomplete: int


class CoverageItem(Schema):
    enterprise_id: int
    enterprise_name: str
    credit_code: str
    region: str
    has_linkage: bool
    leader_id: int | None
    leader_name: str | None
    lead_unit_id: int | None
    lead_unit_name: str | None
    cadre_count: int
    missing: list[str]


class CoverageOut(Schema):
    year: int
    key_total: int
    fully_linked: int
    coverage_pct: float | None
    lacking_leader: int
    lacking_unit: int
    lacking_cadre: int
    gap: str
    count: int
    items: list[CoverageItem]


@router.get("/linkages", response=list[LinkageOut], summary="The year's linkages in your scope (who is linked to whom)")
@paginate
def list_linkages(request, filters: Query[LinkageFilters]):
    require_staff(request)
    return selectors.linkage_list(
        user=request.user,
        year=filters.year or current_year(),
        leader_id=filters.leader,
        lead_unit_id=filters.lead_unit,
        cadre_id=filters.cadre,
        region_id=filters.region,
        key_only=filters.key_only,
        search=filters.q.strip(),
    )


@router.get("/linkages/coverage", response=CoverageOut, summary="Key enterprises lacking a leader, lead unit or cadre")
def linkage_coverage(request, year: int | None = None, gap: str = "any", limit: int = 100, offset: int = 0):
    require_staff(request)
    if gap not in selectors.Gap.CHOICES:
        raise HttpError(422, f"gap must be one of: {', '.join(selectors.Gap.CHOICES)}.")
    limit, offset = max(1, min(limit, 1000)), max(0, offset)
    summary, enterprises = selectors.linkage_coverage(user=request.user, year=year or current_year(), gap=gap)
    rows = list(enterprises[offset : offset + limit])
    return {
        "year": summary.year,
        "key_total": summary.key_total,
        "fully_linked": summary.fully_linked,
        "coverage_pct": float(summary.coverage_pct) if summary.coverage_pct is not None else None,
        "lacking_leader": summary.lacking_leader,
        "lacking_unit": summary.lacking_unit,
        "lacking_cadre": summary.lacking_cadre,
        "gap": gap,
        "count": summary.lacking_any if gap == selectors.Gap.ANY else enterprises.count(),
        "items": [
            {
                "enterprise_id": e.pk,
                "enterprise_name": e.name,
                "credit_code": e.credit_code,
                "region": e.region.name,
                "has_linkage": e.linkage_id is not None,
                "leader_id": e.linked_leader_id,
                "leader_name": e.linked_leader_name,
                "lead_unit_id": e.linked_unit_id,
                "lead_unit_name": e.linked_unit_name,
                "cadre_count": e.cadre_count,
                "missing": [
                    part
                    for part, lacks in (
                        (selectors.Gap.LEADER, e.linked_leader_id is None),
                        (selectors.Gap.UNIT, e.linked_unit_id is None),
                        (selectors.Gap.CADRE, not e.has_cadre),
                    )
                    if lacks
                ],
            }
            for e in rows
        ],
    }


@router.post(
    "/linkages/copy-year", response=CopyYearOut, summary="Copy one year's linkages to another (coordinating office)"
)
def copy_year(request, from_year: int | None = None, to_year: int | None = None):
    try:
        result = linkages_copy_year(actor=request.user, from_year=from_year, to_year=to_year)
    except PermissionDenied as error:
        raise HttpError(403, str(error)) from None
    except ValidationError as error:
        raise HttpError(422, " ".join(error.messages)) from None
    return result.__dict__


@router.get(
    "/enterprises/{int:enterprise_id}/linkages",
    response=list[LinkageOut],
    summary="One enterprise's linkages, newest year first (404 outside your scope)",
)
def enterprise_linkages(request, enterprise_id: int):
    enterprise = get_for_user(request.user, Enterprise, pk=enterprise_id)
    return list(selectors.enterprise_linkages(user=request.user, enterprise=enterprise).select_related("enterprise"))


def _get_or_422(model, pk, label):
    if pk is None:
        return None
    obj = model.objects.filter(pk=pk).first()
    if obj is None:
        raise HttpError(422, f"No {label} with id {pk}.")
    return obj


@router.put(
    "/enterprises/{int:enterprise_id}/linkages/{int:year}",
    response=LinkageOut,
    summary="Set an enterprise's linkage for a year (coordinating office)",
)
def set_linkage(request, enterprise_id: int, year: int, payload: LinkageIn):
    if not is_office(request.user):
        raise HttpError(403, "Only the coordinating office can change linkages.")
    enterprise = get_for_user(request.user, Enterprise, pk=enterprise_id)
    leader = _get_or_422(User, payload.leader_id, "user")
    lead_unit = _get_or_422(Unit, payload.lead_unit_id, "unit")
    cadres = list(User.objects.filter(pk__in=payload.cadre_ids))
    missing = sorted(set(payload.cadre_ids) - {cadre.pk for cadre in cadres})
    if missing:
        raise HttpError(422, f"No user with id {', '.join(map(str, missing))}.")
    try:
        linkage = linkage_set(
            actor=request.user,
            enterprise=enterprise,
            year=year,
            leader=leader,
            lead_unit=lead_unit,
            cadres=cadres,
            note=payload.note,
        )
    except PermissionDenied as error:
        raise HttpError(403, str(error)) from None
    except ValidationError as error:
        raise HttpError(422, " ".join(error.messages)) from None
    return (
        selectors.enterprise_linkages(user=request.user, enterprise=enterprise)
        .select_related("enterprise")
        .get(pk=linkage.pk)
    )
