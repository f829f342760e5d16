"""Writes on the enterprise registry: registering and editing enterprises, keeping the tag dictionary.
Each action is one function, called by the pages and the API alike."""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_slug
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.models import Role, Unit, User
from accounts.scope import get_for_user, has_role, is_office, scoped
from enterprises.models import Enterprise, Industry, Tag, mobile_or_landline
from enterprises.selectors.registry import registration_regions
from enterprises.validators import validate_credit_code

# What an enterprise's own users may change on their record; everything else is the office's.
SELF_SERVICE_FIELDS = frozenset({"address", "contact_name", "contact_phone"})
ENTERPRISE_FIELDS = frozenset(
    {
        "credit_code",
        "name",
        "legal_representative",
        "region_id",
        "park_id",
        "address",
        "founded_on",
        "registered_capital",
        "industry_code",
        "size",
        "above_scale",
        "is_key",
        "tag_ids",
        "contact_name",
        "contact_phone",
    }
)
# Changing these can change the enterprise's computed warnings (the 退库 risk applies to above-scale ones).
WARNING_INPUTS = frozenset({"above_scale", "industry_code"})

_INDUSTRY_CODE = re.compile(r"^\d{2,3}$")


def _require_office(actor: User) -> None:
    if not is_office(actor):
        raise PermissionDenied(_("Only the coordinating office can do this."))


def _text(value) -> str:
    return (value or "").strip()


class _Errors(dict):
    def add(self, field: str, message: str) -> None:
        self.setdefault(field, []).append(message)


def _clean_credit_code(actor: User, value, enterprise: Enterprise, errors: _Errors) -> str:
    code = _text(value).upper()
    if not code:
        errors.add("credit_code", _("Enter the unified social credit code."))
        return code
    try:
        validate_credit_code(code)
    except ValidationError as error:
        errors.add("credit_code", " ".join(error.messages))
        return code
    existing = Enterprise.objects.filter(credit_code=code).exclude(pk=enterprise.pk).first()
    if existing is not None:
        errors.add("credit_code", _duplicate_message(actor, code, existing))
    return code


def _duplicate_message(actor: User, code: str, existing: Enterprise) -> str:
    if scoped(actor, Enterprise.objects.filter(pk=existing.pk)).exists():
        return _("Credit code %(code)s is already registered, to “%(name)s”.") % {"code": code, "name": existing.name}
    return _("Credit code %(code)s is already registered, to an enterprise outside your scope.") % {"code": code}


def _clean_industry(value, errors: _Errors) -> Industry | None:
    code = _text(value)
    if not code:
        return None
    if not _INDUSTRY_CODE.match(code):
        errors.add(
            "industry_code",
            _(
                "Give a GB/T 4754-2017 division (2 digits) or group (3 digits) code, such as 36 or 361; “%(code)s” is neither."
            )
            % {"code": code},
        )
        return None
    industry = Industry.objects.filter(code=code).first()
    if industry is None:
        errors.add("industry_code", _("There is no industry with code %(code)s in GB/T 4754-2017.") % {"code": code})
    return industry


def _clean_capital(value, errors: _Errors) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        capital = Decimal(str(value))
    except InvalidOperation:
        errors.add("registered_capital", _("Enter the registered capital as a number of 10k yuan."))
        return None
    if not capital.is_finite():
        errors.add("registered_capital", _("Enter the registered capital as a number of 10k yuan."))
        return None
    if capital < 0:
        errors.add("registered_capital", _("The registered capital cannot be negative."))
    return capital


def _clean_tags(value: Iterable[int], enterprise: Enterprise, errors: _Errors) -> list[Tag]:
    """The tags asked for must be active (a deactivated one is accepted only where it already is); the
    deactivated tags an enterprise carries stay on it, since the form no longer offers them."""
    wanted = {int(pk) for pk in value or ()}
    kept_inactive = list(enterprise.tags.filter(is_active=False)) if enterprise.pk else []
    allowed_inactive = {tag.pk for tag in kept_inactive}
    tags = list(Tag.objects.filter(pk__in=wanted))
    refused = wanted - {tag.pk for tag in tags if tag.is_active or tag.pk in allowed_inactive}
    if refused:
        errors.add("tag_ids", _("Choose tags from the active tag dictionary."))
    return list({tag.pk: tag for tag in [*tags, *kept_inactive]}.values())


def _apply(actor: User, enterprise: Enterprise, changes: dict) -> list[Tag] | None:
    """Check `changes` and set them on `enterprise` (not saved). Raises ValidationError with every
    problem at once, keyed by field. Returns the new tag set, or None when tags are not being changed."""
    errors = _Errors()
    if "credit_code" in changes:
        enterprise.credit_code = _clean_credit_code(actor, changes["credit_code"], enterprise, errors)
    if "name" in changes:
        enterprise.name = _text(changes["name"])
        if not enterprise.name:
            errors.add("name", _("Enter the enterprise's name."))
    for field in ("legal_representative", "address", "contact_name"):
        if field in changes:
            setattr(enterprise, field, _text(changes[field]))
    if "region_id" in changes:
        region_id = changes["region_id"]
        if not region_id:
            errors.add("region_id", _("Choose the region the enterprise is in."))
        elif region_id != enterprise.region_id or not enterprise.pk:
            if not registration_regions(actor).filter(pk=region_id).exists():
                errors.add("region_id", _("Choose a region within your jurisdiction."))
            else:
                enterprise.region_id = region_id
    if "park_id" in changes:
        park_id = changes["park_id"] or None
        if park_id and not Unit.objects.filter(pk=park_id, kind=Unit.Kind.PARK).exists():
            errors.add("park_id", _("The park must be a park committee unit."))
        else:
            enterprise.park_id = park_id
    if "founded_on" in changes:
        enterprise.founded_on = changes["founded_on"] or None
        if enterprise.founded_on and enterprise.founded_on > timezone.localdate():
            errors.add("founded_on", _("The founding date cannot be in the future."))
    if "registered_capital" in changes:
        enterprise.registered_capital = _clean_capital(changes["registered_capital"], errors)
    if "industry_code" in changes:
        enterprise.industry = _clean_industry(changes["industry_code"], errors)
    if "size" in changes:
        enterprise.size = changes["size"] or ""
        if enterprise.size and enterprise.size not in Enterprise.Size.values:
            errors.add("size", _("Choose a size class: large, medium, small or micro."))
    for field in ("above_scale", "is_key"):
        if field in changes:
            setattr(enterprise, field, bool(changes[field]))
    if "contact_phone" in changes:
        enterprise.contact_phone = _text(changes["contact_phone"]).replace(" ", "")
        if enterprise.contact_phone:
            try:
                mobile_or_landline(enterprise.contact_phone)
            except ValidationError as error:
                errors.add("contact_phone", " ".join(error.messages))
    tags = _clean_tags(changes["tag_ids"], enterprise, errors) if "tag_ids" in changes else None
    if not errors:
        # Field lengths and the rest of the model's own rules, under the names the callers use.
        try:
            enterprise.full_clean(validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                for message in messages:
                    errors.add(
                        {"region": "region_id", "park": "park_id", "industry": "industry_code"}.get(field, field),
                        message,
                    )
    if errors:
        raise ValidationError(dict(errors))
    return tags


def _save(actor: User, enterprise: Enterprise) -> None:
    try:
        with transaction.atomic():
            enterprise.save()
    except IntegrityError:
        # Another request registered the same code between our check and the insert.
        existing = Enterprise.objects.filter(credit_code=enterprise.credit_code).exclude(pk=enterprise.pk).first()
        if existing is None:
            raise
        raise ValidationError({"credit_code": [_duplicate_message(actor, enterprise.credit_code, existing)]}) from None


def _refresh_warnings(enterprise: Enterprise) -> None:
    # Imported here so that loading the registry does not pull in the figures area's warnings engine.
    from enterprises.services.warnings import warnings_refresh

    warnings_refresh(enterprise_ids=[enterprise.pk])


@transaction.atomic
def enterprise_create(
    *,
    actor: User,
    credit_code: str,
    name: str,
    region_id: int,
    legal_representative: str = "",
    park_id: int | None = None,
    address: str = "",
    founded_on=None,
    registered_capital=None,
    industry_code: str = "",
    size: str = "",
    above_scale: bool = False,
    is_key: bool = False,
    tag_ids: Iterable[int] = (),
    contact_name: str = "",
    contact_phone: str = "",
) -> Enterprise:
    """Register an enterprise (coordinating office only)."""
    _require_office(actor)
    enterprise = Enterprise()
    tags = _apply(
        actor,
        enterprise,
        {
            "credit_code": credit_code,
            "name": name,
            "legal_representative": legal_representative,
            "region_id": region_id,
            "park_id": park_id,
            "address": address,
            "founded_on": founded_on,
            "registered_capital": registered_capital,
            "industry_code": industry_code,
            "size": size,
            "above_scale": above_scale,
            "is_key": is_key,
            "tag_ids": tag_ids,
            "contact_name": contact_name,
            "contact_phone": contact_phone,
        },
    )
    _save(actor, enterprise)
    enterprise.tags.set(tags)
    _refresh_warnings(enterprise)
    return enterprise


def editable_fields(actor: User, enterprise: Enterprise) -> frozenset[str]:
    """The fields `actor` may change on `enterprise` (empty: none)."""
    if is_office(actor):
        return ENTERPRISE_FIELDS
    if has_role(actor, Role.ENTERPRISE) and actor.enterprise_id and actor.enterprise_id == enterprise.pk:
        return SELF_SERVICE_FIELDS
    return frozenset()


@transaction.atomic
def enterprise_update(*, actor: User, enterprise_id: int, **changes) -> Enterprise:
    """Change an enterprise: the office any field, the enterprise's own users its address and contact.
    Out of the actor's scope: 404; in scope but not theirs to change: PermissionDenied."""
    unknown = set(changes) - ENTERPRISE_FIELDS
    if unknown:
        raise TypeError(f"enterprise_update() got unknown fields: {', '.join(sorted(unknown))}")
    enterprise = get_for_user(actor, Enterprise.objects.select_for_update(of=("self",)), pk=enterprise_id)
    allowed = editable_fields(actor, enterprise)
    if not allowed:
        raise PermissionDenied(_("You may not edit this enterprise."))
    if set(changes) - allowed:
        raise PermissionDenied(_("An enterprise may change only its address, contact person and contact phone."))
    tags = _apply(actor, enterprise, changes)
    _save(actor, enterprise)
    if tags is not None:
        enterprise.tags.set(tags)
    if WARNING_INPUTS & set(changes):
        _refresh_warnings(enterprise)
    return enterprise


# --- the tag dictionary -----------------------------------------------------------------------------------


def _clean_tag_name(name: str, tag_id: int | None) -> str:
    name = _text(name)
    if not name:
        raise ValidationError({"name": [_("Enter the tag's name.")]})
    if len(name) > Tag._meta.get_field("name").max_length:
        raise ValidationError({"name": [_("A tag name has at most 40 characters.")]})
    if Tag.objects.filter(name__iexact=name).exclude(pk=tag_id).exists():
        raise ValidationError({"name": [_("There is already a tag named “%(name)s”.") % {"name": name}]})
    return name


def _free_tag_code(name: str) -> str:
    base = slugify(name)[:30] or "tag"
    code, n = base, 1
    while Tag.objects.filter(code=code).exists():
        n += 1
        code = f"{base}-{n}"
    return code


@transaction.atomic
def tag_create(*, actor: User, name: str, code: str = "", sort_order: int | None = None) -> Tag:
    """Add a tag to the dictionary (coordinating office). Without a code one is made from the name; new
    tags go to the end unless given a place."""
    _require_office(actor)
    name = _clean_tag_name(name, None)
    code = _text(code).lower()
    if code:
        try:
            validate_slug(code)
        except ValidationError:
            raise ValidationError(
                {"code": [_("A tag code uses Latin letters, digits, '-' and '_' only, e.g. srdi.")]}
            ) from None
        if Tag.objects.filter(code=code).exists():
            raise ValidationError({"code": [_("There is already a tag with code “%(code)s”.") % {"code": code}]})
    else:
        code = _free_tag_code(name)
    if sort_order is None:
        sort_order = (Tag.objects.aggregate(last=Max("sort_order"))["last"] or 0) + 10
    elif sort_order < 0:
        raise ValidationError({"sort_order": [_("The sort order cannot be negative.")]})
    return Tag.objects.create(name=name, code=code, sort_order=sort_order)


@transaction.atomic
def tag_update(
    *,
    actor: User,
    tag_id: int,
    name: str | None = None,
    sort_order: int | None = None,
    is_active: bool | None = None,
) -> Tag:
    """Rename, reorder, deactivate or reactivate a tag (coordinating office). A deactivated tag stays on
    the enterprises that carry it but is no longer offered."""
    _require_office(actor)
    tag = get_for_user(actor, Tag.objects.select_for_update(), pk=tag_id)
    if name is not None:
        tag.name = _clean_tag_name(name, tag.pk)
    if sort_order is not None:
        if sort_order < 0:
            raise ValidationError({"sort_order": [_("The sort order cannot be negative.")]})
        tag.sort_order = sort_order
    if is_active is not None:
        tag.is_active = is_active
    tag.save()
    return tag
