"""Shared reads of the organisation's records, each narrowed by the user's data scope."""

from django.db.models import Count, Q, QuerySet

from accounts.models import ApiToken, Unit, User
from accounts.scope import scoped


def unit_list(*, user: User, search: str = "", kind: str = "") -> QuerySet[Unit]:
    units = scoped(user, Unit.objects.select_related("region", "parent")).annotate(
        user_count=Count("users", filter=Q(users__is_active=True))
    )
    if search:
        units = units.filter(Q(name__icontains=search) | Q(code__icontains=search))
    if kind:
        units = units.filter(kind=kind)
    return units.order_by("path")


def user_list(*, user: User, search: str = "", unit_id: int | None = None, role: str = "") -> QuerySet[User]:
    users = scoped(user, User.objects.select_related("unit", "enterprise")).prefetch_related("role_grants")
    if search:
        users = users.filter(
            Q(full_name__icontains=search) | Q(username__icontains=search) | Q(phone__icontains=search)
        )
    if unit_id:
        users = users.filter(unit_id=unit_id)
    if role:
        users = users.filter(role_grants__role=role)
    return users.order_by("unit__path", "username")


def api_token_list(*, user: User) -> QuerySet[ApiToken]:
    return scoped(user, ApiToken.objects.select_related("user", "created_by"))
