from django.db.models import Q
from ninja import Router, Schema
from ninja.pagination import paginate

from accounts import selectors
from accounts.models import Region, Unit
from accounts.scope import get_for_user, scoped, user_roles, user_scopes

router = Router(tags=["organisation"])


class RegionOut(Schema):
    id: int
    code: str
    name: str
    level: str
    parent_id: int | None


class UnitOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    region_id: int
    parent_id: int | None
    is_active: bool


class UserOut(Schema):
    id: int
    username: str
    full_name: str
    title: str
    unit_id: int | None
    enterprise_id: int | None
    is_active: bool
    roles: list[str]

    @staticmethod
    def resolve_roles(obj):
        return [grant.role for grant in obj.role_grants.all()]


class MeOut(Schema):
    id: int
    username: str
    full_name: str
    unit: UnitOut | None
    enterprise_id: int | None
    roles: list[str]
    scopes: list[str]


@router.get("/me", response=MeOut, summary="The signed-in account, its roles and data scopes")
def me(request):
    user = request.user
    return {
        "id": user.pk,
        "username": user.username,
        "full_name": user.full_name,
        "unit": user.unit,
        "enterprise_id": user.enterprise_id,
        "roles": sorted(user_roles(user)),
        "scopes": sorted(user_scopes(user)),
    }


@router.get("/regions", response=list[RegionOut], summary="Administrative divisions (GB/T 2260)")
@paginate
def list_regions(request, q: str = ""):
    regions = scoped(request.user, Region.objects.all())
    if q:
        regions = regions.filter(Q(name__icontains=q) | Q(code__startswith=q))
    return regions.order_by("code")


@router.get("/units", response=list[UnitOut], summary="Units in your data scope")
@paginate
def list_units(request, q: str = "", kind: str = ""):
    return selectors.unit_list(user=request.user, search=q, kind=kind)


@router.get("/units/{unit_id}", response=UnitOut, summary="One unit (404 outside your scope)")
def get_unit(request, unit_id: int):
    return get_for_user(request.user, Unit, pk=unit_id)


@router.get("/users", response=list[UserOut], summary="Users in your data scope")
@paginate
def list_users(request, q: str = "", role: str = "", unit_id: int | None = None):
    return selectors.user_list(user=request.user, search=q, role=role, unit_id=unit_id)
