"""Writes on linkage (包联): the coordinating office sets each enterprise's linked leader (领导联点), lead unit
(部门对口) and cadres (干部驻企) for a year (三联机制, seed 003 §三.2), and rolls last year's over."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import Role, Unit, User
from accounts.scope import current_year, is_office
from core.periods import check_programme_year
from enterprises.models import Enterprise, Linkage

# A linkage is planned at most one year ahead; anything older than the registry is a typing mistake.


def _require_office(actor: User) -> None:
    if not is_office(actor):
        raise PermissionDenied(_("Only the coordinating office can change linkages."))


def _holding(users: list[User], role: str) -> set[int]:
    """Which of `users` are active and hold `role`, in one query."""
    return set(
        User.objects.filter(pk__in=[user.pk for user in users], is_active=True, role_grants__role=role).values_list(
            "pk", flat=True
        )
    )


def _validate(*, leader: User | None, lead_unit: Unit | None, cadres: list[User]) -> None:
    errors: dict[str, list[ValidationError]] = {}
    if leader is not None and not _holding([leader], Role.LEADER):
        errors["leader"] = [
            ValidationError(
                _("%(name)s does not hold the leader role (or the account is disabled), so cannot be a linked leader.")
                % {"name": leader},
                code="not_a_leader",
            )
        ]
    if lead_unit is not None and not lead_unit.is_active:
        errors["lead_unit"] = [
            ValidationError(
                _("%(unit)s is no longer active; choose an active unit to lead the linkage.") % {"unit": lead_unit},
                code="inactive_unit",
            )
        ]
    holding = _holding(cadres, Role.CADRE) if cadres else set()
    not_cadres = [cadre for cadre in cadres if cadre.pk not in holding]
    if not_cadres:
        errors["cadres"] = [
            ValidationError(
                _(
                    "%(names)s do not hold the linked-cadre role (or the accounts are disabled), so cannot be "
                    "stationed in the enterprise."
                )
                % {"names": "、".join(str(cadre) for cadre in not_cadres)},
                code="not_a_cadre",
            )
        ]
    if errors:
        raise ValidationError(errors)


def linkage_set(
    *,
    actor: User,
    enterprise: Enterprise,
    year: int,
    leader: User | None,
    lead_unit: Unit | None,
    cadres: list[User],
    note: str = "",
) -> Linkage:
    """Set an enterprise's linkage for a year, creating it or replacing what was there. Any part may be left
    empty; the coverage view lists key enterprises with empty parts."""
    _require_office(actor)
    check_programme_year(year)
    cadres = list({cadre.pk: cadre for cadre in cadres}.values())
    _validate(leader=leader, lead_unit=lead_unit, cadres=cadres)
    note = (note or "").strip()
    if len(note) > Linkage._meta.get_field("note").max_length:
        raise ValidationError(
            {"note": ValidationError(_("The note is too long (200 characters at most)."), code="max_length")}
        )
    with transaction.atomic():
        # Locking the enterprise row serialises two offices creating the same year's linkage at once, which
        # a lock on a not-yet-existing linkage row could not do.
        Enterprise.objects.select_for_update().filter(pk=enterprise.pk).first()
        linkage = Linkage.objects.select_for_update().filter(enterprise=enterprise, year=year).first()
        if linkage is None:
            linkage = Linkage(enterprise=enterprise, year=year)
        linkage.leader, linkage.lead_unit, linkage.note = leader, lead_unit, note
        linkage.save()
        linkage.cadres.set(cadres)
    return linkage


@dataclass(frozen=True)
class CopyResult:
    from_year: int
    to_year: int
    copied: int
    skipped_existing: int
    # Copies that lost a part (a leader or cadre who no longer holds the role, a unit no longer active).
    incomplete: int


def linkages_copy_year(*, actor: User, from_year: int | None = None, to_year: int | None = None) -> CopyResult:
    """Copy every linkage of `from_year` (last year by default) to `to_year` (this year), except for the
    enterprises that already have a linkage in `to_year`. People who lost their role and inactive units are
    left out of the copy, which the coverage view then shows as gaps."""
    _require_office(actor)
    to_year = to_year or current_year()
    from_year = from_year or to_year - 1
    check_programme_year(to_year)
    if from_year == to_year:
        raise ValidationError(_("Copy from one year to another, not onto the same year."), code="same_year")
    leaders = set(User.objects.filter(is_active=True, role_grants__role=Role.LEADER).values_list("pk", flat=True))
    cadres = set(User.objects.filter(is_active=True, role_grants__role=Role.CADRE).values_list("pk", flat=True))
    active_units = set(Unit.objects.filter(is_active=True).values_list("pk", flat=True))
    try:
        with transaction.atomic():
            taken = Linkage.objects.filter(year=to_year).values("enterprise_id")
            skipped_existing = Linkage.objects.filter(year=from_year, enterprise_id__in=taken).count()
            sources = list(
                Linkage.objects.filter(year=from_year)
                .exclude(enterprise_id__in=taken)
                .prefetch_related("cadres")
                .order_by("pk")
            )
            copies, incomplete = [], 0
            for source in sources:
                kept_cadres = [cadre.pk for cadre in source.cadres.all() if cadre.pk in cadres]
                copy = Linkage(
                    enterprise_id=source.enterprise_id,
                    year=to_year,
                    leader_id=source.leader_id if source.leader_id in leaders else None,
                    lead_unit_id=source.lead_unit_id if source.lead_unit_id in active_units else None,
                    note=source.note,
                )
                copy.kept_cadres = kept_cadres
                lost = (
                    (source.leader_id and copy.leader_id is None)
                    or (source.lead_unit_id and copy.lead_unit_id is None)
                    or len(kept_cadres) < len(source.cadres.all())
                )
                incomplete += bool(lost)
                copies.append(copy)
            created = Linkage.objects.bulk_create(copies, batch_size=500)
            Linkage.cadres.through.objects.bulk_create(
                [
                    Linkage.cadres.through(linkage_id=linkage.pk, user_id=cadre_id)
                    for linkage, copy in zip(created, copies, strict=True)
                    for cadre_id in copy.kept_cadres
                ],
                batch_size=1000,
            )
    except IntegrityError:
        # Someone set a linkage of the target year while the copy ran: the whole copy is rolled back.
        raise ValidationError(
            _("Linkages of %(year)s changed while copying. Nothing was copied; try again.") % {"year": to_year},
            code="conflict",
        ) from None
    return CopyResult(
        from_year=from_year,
        to_year=to_year,
        copied=len(copies),
        skipped_existing=skipped_existing,
        incomplete=incomplete,
    )
