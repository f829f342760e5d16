"""Writes on the cultivation pools (培育库). One function per action, each in one transaction; only the
coordinating office changes pools and their members.

Re-entering: a pool holds one membership row per enterprise, so an enterprise that left a pool and comes
back re-opens its row with the new entry date; the earlier stay (dates and exit reason) is kept at the
front of the membership's note so that it is not lost."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.scope import get_for_user, is_office
from core.periods import check_programme_year
from enterprises.models import CultivationPool, Enterprise, PoolMembership
from enterprises.selectors.pools import next_tier

NOTE_LENGTH = PoolMembership._meta.get_field("note").max_length
REASON_LENGTH = PoolMembership._meta.get_field("exit_reason").max_length
# Pools before this year are not plausible, and a year far ahead is a typing mistake.


class _Unset:
    def __repr__(self):
        return "UNSET"


UNSET = _Unset()


def _require_office(actor: User) -> None:
    if not is_office(actor):
        raise PermissionDenied(_("Only the coordinating office can change cultivation pools."))


def _check_target(target: int | None) -> None:
    if target is not None and target < 0:
        raise ValidationError({"target": _("The target cannot be negative.")})


def _check_not_future(day: date, field: str) -> None:
    if day > timezone.localdate():
        raise ValidationError({field: _("The date cannot be in the future.")})


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@transaction.atomic
def pool_create(*, actor: User, kind: str, year: int, target: int | None = None, note: str = "") -> CultivationPool:
    _require_office(actor)
    if kind not in CultivationPool.Kind.values:
        raise ValidationError({"kind": _("“%(kind)s” is not a kind of pool.") % {"kind": kind}})
    check_programme_year(year)
    _check_target(target)
    if CultivationPool.objects.filter(kind=kind, year=year).exists():
        raise ValidationError(
            {
                "kind": _("The %(year)s pool “%(kind)s” already exists.")
                % {"year": year, "kind": CultivationPool.Kind(kind).label}
            }
        )
    try:
        with transaction.atomic():
            return CultivationPool.objects.create(kind=kind, year=year, target=target, note=note.strip())
    except IntegrityError:
        # Someone created the same pool between the check and the insert.
        raise ValidationError(
            {
                "kind": _("The %(year)s pool “%(kind)s” already exists.")
                % {"year": year, "kind": CultivationPool.Kind(kind).label}
            }
        ) from None


@transaction.atomic
def pools_create_for_year(*, actor: User, year: int) -> list[CultivationPool]:
    """Create every kind of pool the year does not have yet; returns the pools created (none when the year
    is complete)."""
    _require_office(actor)
    check_programme_year(year)
    present = set(CultivationPool.objects.filter(year=year).values_list("kind", flat=True))
    missing = [CultivationPool(kind=kind, year=year) for kind in CultivationPool.Kind.values if kind not in present]
    # ignore_conflicts: a pool created meanwhile by someone else is simply not created twice.
    CultivationPool.objects.bulk_create(missing, ignore_conflicts=True)
    return missing


@transaction.atomic
def pool_update(
    *, actor: User, pool_id: int, target: int | None | _Unset = UNSET, note: str | _Unset = UNSET
) -> CultivationPool:
    """Set a pool's target and/or note; an argument left out is left as it is."""
    _require_office(actor)
    pool = get_for_user(actor, CultivationPool.objects.select_for_update(), pk=pool_id)
    fields = []
    if not isinstance(target, _Unset):
        _check_target(target)
        pool.target = target
        fields.append("target")
    if not isinstance(note, _Unset):
        pool.note = note.strip()
        fields.append("note")
    if fields:
        pool.save(update_fields=fields)
    return pool


def _enter(
    *, actor: User, pool: CultivationPool, enterprise: Enterprise, entered_on: date, note: str
) -> PoolMembership:
    """Put the enterprise into the (locked) pool: a new membership, or its earlier one re-opened."""
    _check_not_future(entered_on, "entered_on")
    membership = PoolMembership.objects.select_for_update().filter(pool=pool, enterprise=enterprise).first()
    if membership is None:
        return PoolMembership.objects.create(
            pool=pool, enterprise=enterprise, entered_on=entered_on, note=_clip(note.strip(), NOTE_LENGTH)
        )
    if membership.is_current:
        raise ValidationError(
            {
                "enterprise": _("%(enterprise)s is already in the pool “%(pool)s” (since %(date)s).")
                % {"enterprise": enterprise.name, "pool": pool, "date": membership.entered_on.isoformat()}
            }
        )
    if entered_on < membership.exited_on:
        raise ValidationError(
            {
                "entered_on": _("%(enterprise)s left this pool on %(date)s; it cannot re-enter before that date.")
                % {"enterprise": enterprise.name, "date": membership.exited_on.isoformat()}
            }
        )
    earlier = _("earlier stay %(entered)s to %(exited)s: %(reason)s") % {
        "entered": membership.entered_on.isoformat(),
        "exited": membership.exited_on.isoformat(),
        "reason": membership.exit_reason,
    }
    membership.note = _clip(" · ".join(part for part in (note.strip(), f"[{earlier}]") if part), NOTE_LENGTH)
    membership.entered_on = entered_on
    membership.exited_on = None
    membership.exit_reason = ""
    membership.save(update_fields=["entered_on", "exited_on", "exit_reason", "note"])
    return membership


@transaction.atomic
def pool_member_add(
    *, actor: User, pool_id: int, enterprise_id: int, entered_on: date | None = None, note: str = ""
) -> PoolMembership:
    """Add an enterprise (in the actor's scope) to a pool, from `entered_on` (default today)."""
    _require_office(actor)
    # The pool row is locked first so that two people adding the same enterprise wait for each other.
    pool = get_for_user(actor, CultivationPool.objects.select_for_update(), pk=pool_id)
    enterprise = get_for_user(actor, Enterprise, pk=enterprise_id)
    return _enter(
        actor=actor, pool=pool, enterprise=enterprise, entered_on=entered_on or timezone.localdate(), note=note
    )


def _locked_current_membership(actor: User, pool_id: int, membership_id: int) -> PoolMembership:
    membership = get_for_user(
        actor,
        PoolMembership.objects.select_for_update().select_related("pool", "enterprise").filter(pool_id=pool_id),
        pk=membership_id,
    )
    if not membership.is_current:
        raise ValidationError(
            _("%(enterprise)s already left this pool on %(date)s.")
            % {"enterprise": membership.enterprise.name, "date": membership.exited_on.isoformat()}
        )
    return membership


def _leave(membership: PoolMembership, *, exited_on: date, reason: str, field: str = "exited_on") -> None:
    _check_not_future(exited_on, field)
    if exited_on < membership.entered_on:
        raise ValidationError(
            {
                field: _("The date cannot be before the enterprise entered the pool (%(date)s).")
                % {"date": membership.entered_on.isoformat()}
            }
        )
    membership.exited_on = exited_on
    membership.exit_reason = _clip(reason, REASON_LENGTH)
    membership.save(update_fields=["exited_on", "exit_reason"])


@transaction.atomic
def pool_member_exit(
    *, actor: User, pool_id: int, membership_id: int, reason: str, exited_on: date | None = None
) -> PoolMembership:
    """Take a current member out of the pool on `exited_on` (default today), with the reason."""
    _require_office(actor)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason the enterprise leaves the pool.")})
    membership = _locked_current_membership(actor, pool_id, membership_id)
    _leave(membership, exited_on=exited_on or timezone.localdate(), reason=reason)
    return membership


@transaction.atomic
def pool_member_promote(
    *, actor: User, pool_id: int, membership_id: int, promoted_on: date | None = None, note: str = ""
) -> PoolMembership:
    """Move a member of a 专精特新 tier up one rung (seed 004 §13): it leaves this tier with the reason
    "promoted to …" and enters the next tier's pool of the same year (created if the year lacks it).
    Returns the membership in the higher tier."""
    _require_office(actor)
    membership = _locked_current_membership(actor, pool_id, membership_id)
    lower = membership.pool
    higher_kind = next_tier(lower.kind)
    if higher_kind is None:
        if lower.kind in CultivationPool.SRDI_LADDER:
            raise ValidationError(
                _("“%(pool)s” is the top of the 专精特新 ladder.") % {"pool": lower.get_kind_display()}
            )
        raise ValidationError(_("Only members of a 专精特新 ladder tier can be promoted."))
    promoted_on = promoted_on or timezone.localdate()
    higher, _created = CultivationPool.objects.get_or_create(kind=higher_kind, year=lower.year)
    higher = CultivationPool.objects.select_for_update().get(pk=higher.pk)
    already = PoolMembership.objects.filter(pool=higher, enterprise=membership.enterprise, exited_on__isnull=True)
    if already.exists():
        raise ValidationError(
            _("%(enterprise)s is already in “%(pool)s”; exit it from this tier instead.")
            % {"enterprise": membership.enterprise.name, "pool": higher}
        )
    _leave(
        membership,
        exited_on=promoted_on,
        reason=_("promoted to %(tier)s") % {"tier": higher.get_kind_display()},
        field="promoted_on",
    )
    try:
        return _enter(actor=actor, pool=higher, enterprise=membership.enterprise, entered_on=promoted_on, note=note)
    except ValidationError as error:
        # _enter names its own field; on the promote form the date field is promoted_on.
        if hasattr(error, "error_dict") and "entered_on" in error.error_dict:
            raise ValidationError({"promoted_on": error.error_dict["entered_on"]}) from None
        raise
