"""Shared reads of the enterprise registry: the filtered list, who may see contact phones, industry and tag
look-ups. Pages, the Excel export and the API all go through these."""

from __future__ import annotations

import re

from django.db.models import Count, F, Q, QuerySet

from accounts.models import Region, Unit, User
from accounts.scope import current_year, get_for_user, is_office, scoped
from enterprises.models import Enterprise, Industry, Linkage, Tag

# Sort keys of the list, each with a stable tie-break so that pages never overlap.
ENTERPRISE_SORTS = {
    "name": ("name", "pk"),
    "warning": ("-warning_level", "name", "pk"),
    "capital": (F("registered_capital").desc(nulls_last=True), "name", "pk"),
    "founded": (F("founded_on").asc(nulls_last=True), "name", "pk"),
}
DEFAULT_SORT = "name"

_SECTION_LETTER = re.compile(r"^[A-Ta-t]$")


def enterprise_queryset() -> QuerySet[Enterprise]:
    """Enterprises with what a list row or a profile shows, fetched in a constant number of queries."""
    return Enterprise.objects.select_related("region", "park", "industry__parent__parent").prefetch_related("tags")


def enterprise_list(
    *,
    user: User,
    search: str = "",
    region_id: int | None = None,
    park_id: int | None = None,
    industry: str = "",
    size: str = "",
    above_scale: bool | None = None,
    tag: str = "",
    min_warning: int | None = None,
    is_key: bool | None = None,
    sort: str = DEFAULT_SORT,
) -> QuerySet[Enterprise]:
    """The enterprises `user` may see, narrowed by the list's filters.

    region_id: that region and every region below it. industry: a section letter (C) or the prefix of a
    division or group code (13, 136). tag: a tag code."""
    enterprises = scoped(user, enterprise_queryset())
    search = search.strip()
    if search:
        enterprises = enterprises.filter(Q(name__icontains=search) | Q(credit_code__icontains=search.upper()))
    if region_id:
        region_path = Region.objects.filter(pk=region_id).values_list("path", flat=True).first()
        enterprises = enterprises.filter(region__path__startswith=region_path) if region_path else enterprises.none()
    if park_id:
        enterprises = enterprises.filter(park_id=park_id)
    industry = industry.strip()
    if industry:
        if _SECTION_LETTER.match(industry):
            enterprises = enterprises.filter(industry__section=industry.upper())
        else:
            enterprises = enterprises.filter(industry__code__startswith=industry)
    if size:
        enterprises = enterprises.filter(size=size)
    if above_scale is not None:
        enterprises = enterprises.filter(above_scale=above_scale)
    if tag:
        enterprises = enterprises.filter(tags__code=tag)
    if min_warning is not None:
        enterprises = enterprises.filter(warning_level__gte=min_warning)
    if is_key is not None:
        enterprises = enterprises.filter(is_key=is_key)
    return enterprises.order_by(*ENTERPRISE_SORTS.get(sort, ENTERPRISE_SORTS[DEFAULT_SORT]))


def enterprise_detail(*, user: User, enterprise_id: int) -> Enterprise:
    """One enterprise for its profile; 404 outside the user's scope."""
    return get_for_user(user, enterprise_queryset(), pk=enterprise_id)


# --- contact phones ---------------------------------------------------------------------------------------


def _contact_enterprise_ids(user: User) -> frozenset[int]:
    """Enterprises whose contact phone `user` sees in full besides their own: those they are linked to this
    year as leader or cadre, and those their unit leads this year. Computed once per user object (one query),
    so a list of any length costs the same."""
    cached = getattr(user, "_contact_ids_cache", None)
    if cached is None:
        linked = Q(leader_id=user.pk) | Q(cadres__id=user.pk)
        if user.unit_id:
            linked |= Q(lead_unit_id=user.unit_id)
        cached = frozenset(
            Linkage.objects.filter(year=current_year()).filter(linked).values_list("enterprise_id", flat=True)
        )
        user._contact_ids_cache = cached
    return cached


def can_see_contacts(user: User, enterprise: Enterprise) -> bool:
    """Whether `user` needs the enterprise's contact phone in full: the coordinating office, the
    enterprise's own users, this year's linked leader and cadres, and the users of this year's lead unit."""
    if not getattr(user, "is_authenticated", False):
        return False
    if is_office(user):
        return True
    if user.enterprise_id and user.enterprise_id == enterprise.pk:
        return True
    return enterprise.pk in _contact_enterprise_ids(user)


def mask_phone(phone: str) -> str:
    """138****5678 for a mobile, 0739-***4567 for a landline (area code and last four digits kept)."""
    phone = (phone or "").strip()
    if not phone:
        return ""
    if "-" in phone and phone.startswith("0"):
        area, _, rest = phone.partition("-")
        number, dash, extension = rest.partition("-")
        return f"{area}-***{number[-4:]}{dash}{extension}"
    if len(phone) <= 4:
        return "*" * len(phone)
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 8 else f"***{phone[-4:]}"


def contact_phone_for(user: User, enterprise: Enterprise) -> str:
    """The contact phone as `user` may see it."""
    phone = enterprise.contact_phone
    return phone if can_see_contacts(user, enterprise) else mask_phone(phone)


# --- industries, regions, parks, tags ---------------------------------------------------------------------


def industry_chain(industry: Industry | None) -> list[Industry]:
    """The industry and its ancestors, section first (needs industry__parent__parent selected)."""
    chain = []
    while industry is not None:
        chain.append(industry)
        industry = industry.parent
    return list(reversed(chain))


def industry_search(*, query: str = "", level: str = "", limit: int | None = None) -> QuerySet[Industry]:
    """Industries whose code starts with `query` or whose name contains it."""
    industries = Industry.objects.all()
    query = query.strip()
    if query:
        industries = industries.filter(Q(code__istartswith=query) | Q(name__icontains=query))
    if level:
        industries = industries.filter(level=level)
    industries = industries.order_by("code")
    return industries[:limit] if limit else industries


def registration_regions(user: User) -> QuerySet[Region]:
    """Regions an enterprise may be registered in by `user`: the subtree of their unit's region
    (superuser: everywhere)."""
    if user.is_superuser:
        return Region.objects.order_by("path")
    if not user.unit_id:
        return Region.objects.none()
    return Region.objects.filter(path__startswith=user.unit.region.path).order_by("path")


def park_units() -> QuerySet[Unit]:
    return Unit.objects.filter(kind=Unit.Kind.PARK, is_active=True).order_by("path")


def tag_list(*, user: User, active_only: bool = False) -> QuerySet[Tag]:
    """The tag dictionary in its order, each tag with how many enterprises carry it."""
    tags = scoped(user, Tag.objects.all()).annotate(usage=Count("enterprises"))
    if active_only:
        tags = tags.filter(is_active=True)
    return tags.order_by("sort_order", "name")
