"""API of the enterprise registry: enterprises, the GB/T 4754 industry table and the tag dictionary. Scoped
like the pages: an enterprise outside the caller's scope is 404; contact phones come masked as on the pages."""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from accounts.models import STAFF_ROLES, Role
from accounts.scope import has_role
from core.schemas import DetailOut
from enterprises.models import Enterprise, Industry
from enterprises.selectors import registry as selectors
from enterprises.services import registry as services

router = Router(tags=["registry"])


class TagOut(Schema):
    id: int
    code: str
    name: str
    sort_order: int
    is_active: bool


class TagUsageOut(TagOut):
    usage: int


class IndustryOut(Schema):
    code: str
    name: str
    level: str
    parent_code: str | None
    section: str

    @staticmethod
    def resolve_parent_code(obj):
        return obj.parent_id


class IndustryDetailOut(IndustryOut):
    chain: list[IndustryOut]

    @staticmethod
    def resolve_chain(obj):
        return selectors.industry_chain(obj)


class EnterpriseOut(Schema):
    id: int
    credit_code: str
    name: str
    legal_representative: str
    region_id: int
    region_name: str
    park_id: int | None
    park_name: str | None
    address: str
    founded_on: dt.date | None
    registered_capital: Decimal | None
    industry_code: str | None
    industry_name: str | None
    size: str
    above_scale: bool
    is_key: bool
    tags: list[TagOut]
    contact_name: str
    contact_phone: str
    contact_phone_masked: bool
    warning_level: int

    @staticmethod
    def resolve_region_name(obj):
        return obj.region.name

    @staticmethod
    def resolve_park_name(obj):
        return obj.park.name if obj.park_id else None

    @staticmethod
    def resolve_industry_code(obj):
        return obj.industry_id

    @staticmethod
    def resolve_industry_name(obj):
        return obj.industry.name if obj.industry_id else None

    @staticmethod
    def resolve_tags(obj):
        return list(obj.tags.all())

    @staticmethod
    def resolve_contact_phone(obj, context):
        return selectors.contact_phone_for(context["request"].user, obj)

    @staticmethod
    def resolve_contact_phone_masked(obj, context):
        return bool(obj.contact_phone) and not selectors.can_see_contacts(context["request"].user, obj)


class EnterpriseIn(Schema):
    credit_code: str
    name: str
    region_id: int
    legal_representative: str = ""
    park_id: int | None = None
    address: str = ""
    founded_on: dt.date | None = None
    registered_capital: Decimal | None = None
    industry_code: str = ""
    size: str = ""
    above_scale: bool = False
    is_key: bool = False
    tag_ids: list[int] = []
    contact_name: str = ""
    contact_phone: str = ""


class EnterprisePatch(Schema):
    """Only the fields sent are changed. An enterprise's own users may send address, contact_name and
    contact_phone only."""

    credit_code: str | None = None
    name: str | None = None
    region_id: int | None = None
    legal_representative: str | None = None
    park_id: int | None = None
    address: str | None = None
    founded_on: dt.date | None = None
    registered_capital: Decimal | None = None
    industry_code: str | None = None
    size: str | None = None
    above_scale: bool | None = None
    is_key: bool | None = None
    tag_ids: list[int] | None = None
    contact_name: str | None = None
    contact_phone: str | None = None


class TagIn(Schema):
    name: str
    code: str = ""
    sort_order: int | None = None


class TagPatch(Schema):
    name: str | None = None
    sort_order: int | None = None
    is_active: bool | None = None


def _detail(error: ValidationError) -> str:
    """One readable sentence per problem, each prefixed with the field it concerns."""
    if hasattr(error, "error_dict"):
        return " ".join(f"{field}: {message}" for field, messages in error.message_dict.items() for message in messages)
    return " ".join(error.messages)


def _call(service, **kwargs):
    try:
        return service(**kwargs)
    except PermissionDenied as error:
        raise HttpError(403, str(error) or "Forbidden") from None
    except ValidationError as error:
        raise HttpError(422, _detail(error)) from None


def _require_roles(request, *roles) -> None:
    if not has_role(request.user, *roles):
        raise HttpError(403, "This endpoint is not available to your role.")


ENTERPRISE_RESPONSES = {403: DetailOut, 404: DetailOut, 422: DetailOut}


@router.get("/enterprises", response=list[EnterpriseOut], summary="Enterprises in your scope, filtered")
@paginate
def list_enterprises(
    request,
    q: str = "",
    region: int | None = None,
    park: int | None = None,
    industry: str = "",
    size: str = "",
    above_scale: bool | None = None,
    tag: str = "",
    min_warning: int | None = None,
    key: bool | None = None,
    sort: str = selectors.DEFAULT_SORT,
):
    """Filters as on the list page: `region` takes the region and everything below it; `industry` a section
    letter or a division/group code prefix; `tag` a tag code; `sort` one of name, warning, capital, founded."""
    _require_roles(request, *STAFF_ROLES)
    if sort not in selectors.ENTERPRISE_SORTS:
        raise HttpError(422, f"sort: use one of {', '.join(selectors.ENTERPRISE_SORTS)}.")
    return selectors.enterprise_list(
        user=request.user,
        search=q,
        region_id=region,
        park_id=park,
        industry=industry,
        size=size,
        above_scale=above_scale,
        tag=tag,
        min_warning=min_warning,
        is_key=key,
        sort=sort,
    )


@router.get("/enterprises/{enterprise_id}", response=EnterpriseOut, summary="One enterprise (404 outside your scope)")
def get_enterprise(request, enterprise_id: int):
    return selectors.enterprise_detail(user=request.user, enterprise_id=enterprise_id)


def _reloaded(enterprise: Enterprise) -> Enterprise:
    return selectors.enterprise_queryset().get(pk=enterprise.pk)


@router.post(
    "/enterprises",
    response={201: EnterpriseOut, **ENTERPRISE_RESPONSES},
    summary="Register an enterprise (coordinating office)",
)
def create_enterprise(request, payload: EnterpriseIn):
    enterprise = _call(services.enterprise_create, actor=request.user, **payload.dict())
    return Status(201, _reloaded(enterprise))


@router.patch(
    "/enterprises/{enterprise_id}",
    response={200: EnterpriseOut, **ENTERPRISE_RESPONSES},
    summary="Change an enterprise (office: any field; the enterprise itself: address and contact)",
)
def update_enterprise(request, enterprise_id: int, payload: EnterprisePatch):
    changes = payload.dict(exclude_unset=True)
    enterprise = _call(services.enterprise_update, actor=request.user, enterprise_id=enterprise_id, **changes)
    return _reloaded(enterprise)


@router.get("/industries", response=list[IndustryOut], summary="GB/T 4754-2017 industries, by code or name")
@paginate
def list_industries(request, q: str = "", level: str = ""):
    if level and level not in Industry.Level.values:
        raise HttpError(422, f"level: use one of {', '.join(Industry.Level.values)}.")
    return selectors.industry_search(query=q, level=level)


@router.get("/industries/{code}", response=IndustryDetailOut, summary="One industry with its section and division")
def get_industry(request, code: str):
    return get_object_or_404(Industry.objects.select_related("parent__parent"), code=code.upper())


@router.get("/tags", response=list[TagUsageOut], summary="The tag dictionary, with how many enterprises carry each")
def list_tags(request, active: bool | None = None):
    tags = selectors.tag_list(user=request.user)
    return tags.filter(is_active=active) if active is not None else tags


@router.post("/tags", response={201: TagOut, 403: DetailOut, 422: DetailOut}, summary="Add a tag (office)")
def create_tag(request, payload: TagIn):
    _require_roles(request, Role.OFFICE)
    return Status(201, _call(services.tag_create, actor=request.user, **payload.dict()))


@router.patch(
    "/tags/{tag_id}",
    response={200: TagOut, 403: DetailOut, 404: DetailOut, 422: DetailOut},
    summary="Rename, reorder, deactivate or reactivate a tag (office)",
)
def update_tag(request, tag_id: int, payload: TagPatch):
    _require_roles(request, Role.OFFICE)
    return _call(services.tag_update, actor=request.user, tag_id=tag_id, **payload.dict(exclude_unset=True))
