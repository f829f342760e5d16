"""Writes on the organisation's records. Each action is one function, called by pages, API and commands."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import imports
from accounts.models import ApiToken, Unit, User, UserRole
from accounts.scope import get_for_user, is_office
from core.imports import ImportConflict, lock_rows, write_all_or_nothing


def _require_office(actor: User) -> None:
    if not is_office(actor):
        raise PermissionDenied(_("Only the coordinating office can do this."))


@transaction.atomic
def api_token_create(*, actor: User, name: str, user: User, expires_at=None) -> tuple[ApiToken, str]:
    """Issue a token for an integration. Returns the token row and the raw token, which is shown once
    and never stored."""
    _require_office(actor)
    raw = ApiToken.generate()
    token = ApiToken.objects.create(
        name=name,
        user=user,
        digest=ApiToken.hash(raw),
        hint=raw[:8],
        created_by=actor,
        expires_at=expires_at,
    )
    return token, raw


@transaction.atomic
def api_token_revoke(*, actor: User, token_id: int) -> ApiToken:
    _require_office(actor)
    token = get_for_user(actor, ApiToken.objects.select_for_update(), pk=token_id)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def units_import(*, actor: User, file) -> imports.ImportResult:
    """Create and update units from an Excel file: every row or none. Returns the result with its
    errors, or with the counts created and updated."""
    _require_office(actor)
    return write_all_or_nothing(imports.check_units(file), _write_units)


def _write_units(result: imports.ImportResult) -> None:
    plan = imports.units_in_write_order(result.rows)
    locked = lock_rows(Unit, [r.unit_id for r in plan if r.unit_id])
    saved: dict[str, int] = {}
    for row in plan:
        if row.unit_id:
            unit = locked[row.unit_id]
            if unit.code != row.code:
                raise ImportConflict
            # Earlier rows may have moved this unit's ancestors, rewriting its path under it.
            unit.refresh_from_db(fields=["path", "depth"])
        else:
            unit = Unit(code=row.code, sort_order=0)
        unit.name, unit.kind, unit.region_id = row.name, row.kind, row.region_id
        if row.sort_order is not None:
            unit.sort_order = row.sort_order
        parent_code = row.parent_code if row.set_parent else None
        if parent_code:
            parent_pk = saved.get(parent_code)
            # Fetched afresh: the path the unit is saved under must be the parent's current one.
            unit.parent = Unit.objects.get(pk=parent_pk) if parent_pk else Unit.objects.get(code=parent_code)
        elif parent_code is None:
            unit.parent = Unit.objects.get(pk=unit.parent_id) if unit.parent_id else None
        else:
            unit.parent = None
        unit.save()
        saved[row.code] = unit.pk
        if row.unit_id:
            result.updated += 1
        else:
            result.created += 1


def users_import(*, actor: User, file) -> imports.ImportResult:
    """Create and update users and their roles from an Excel file: every row or none. New accounts
    without an initial password get a random one, returned in result.accounts to be shown once."""
    _require_office(actor)
    return write_all_or_nothing(imports.check_users(file, actor=actor), _write_users)


def _write_users(result: imports.ImportResult) -> None:
    locked = lock_rows(User, [r.user_id for r in result.rows if r.user_id])
    for row in result.rows:
        if row.user_id:
            user = locked[row.user_id]
            if user.username != row.username:
                raise ImportConflict
            values = {
                "full_name": row.full_name,
                "title": row.title,
                "phone": row.phone,
                "email": row.email,
                "unit": row.unit_id,
                "enterprise": row.enterprise_id,
            }
            for name in row.fields:
                setattr(user, f"{name}_id" if name in ("unit", "enterprise") else name, values[name])
            user.save()
            user.role_grants.exclude(role__in=row.roles).delete()
            held = set(user.role_grants.values_list("role", flat=True))
            result.updated += 1
        else:
            password = row.password or imports.generate_password()
            user = User(
                username=row.username,
                full_name=row.full_name,
                title=row.title,
                phone=row.phone,
                email=row.email,
                unit_id=row.unit_id,
                enterprise_id=row.enterprise_id,
            )
            user.set_password(password)
            user.save()
            held = set()
            result.created += 1
            result.accounts.append(
                imports.NewAccount(row.username, row.full_name, password, generated=not row.password)
            )
        for role in row.roles:
            if role not in held:
                # One create per role, not bulk_create, so the operation log records each grant.
                UserRole.objects.create(user=user, role=role)
