"""Writes of the registry's Excel imports: each file is checked in full by enterprises.imports, then written in
one transaction, and only when every row is valid. Only the coordinating office imports.

Rows are written in bulk (bulk_create, and core.imports.update_rows for updates), so a county's 5,000 enterprises or a year of
their monthly figures take seconds. Bulk writes do not pass through save(), so the per-row operation log
(django-auditlog) does not see them; each import is logged as a whole (who, which kind, how many rows) in the
application log instead.
"""

from __future__ import annotations

import logging
from functools import partial

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.scope import is_office
from core.imports import ImportConflict, ImportResult, in_chunks, lock_rows, update_rows, write_all_or_nothing
from enterprises import imports
from enterprises.models import Enterprise, Linkage, MonthlyFigure, Visit, VisitProblem

logger = logging.getLogger(__name__)

BATCH_SIZE = 500


def _require_office(actor: User) -> None:
    if not is_office(actor):
        raise PermissionDenied(_("Only the coordinating office can import from Excel."))


def _run(actor: User, file, check, write) -> ImportResult:
    _require_office(actor)
    result = write_all_or_nothing(check(file, actor=actor), partial(write, actor))
    if result.ok:
        logger.info(
            "%s import by %s: %d created, %d updated", result.kind, actor.username, result.created, result.updated
        )
    return result


# Enterprises.


def enterprises_import(*, actor: User, file) -> ImportResult:
    """Create and update enterprises from an Excel file: every row or none. A credit code already in the
    registry (and in the actor's scope) updates that enterprise with the cells that are filled in."""
    return _run(actor, file, imports.check_enterprises, _write_enterprises)


def _write_enterprises(actor: User, result: ImportResult) -> None:
    now = timezone.now()
    updates = [r for r in result.rows if r.enterprise_id]
    locked = lock_rows(Enterprise, [r.enterprise_id for r in updates])

    changed_fields: set[str] = set()
    for row in updates:
        enterprise = locked[row.enterprise_id]
        if enterprise.credit_code != row.credit_code:
            raise ImportConflict
        for name, value in row.values.items():
            setattr(enterprise, name, value)
        enterprise.updated_at = now
        changed_fields.update(row.values)
    if updates:
        update_rows(Enterprise, [locked[r.enterprise_id] for r in updates], [*sorted(changed_fields), "updated_at"])

    creates = [r for r in result.rows if not r.enterprise_id]
    new = [Enterprise(credit_code=r.credit_code, **r.values) for r in creates]
    Enterprise.objects.bulk_create(new, batch_size=BATCH_SIZE)
    for row, enterprise in zip(creates, new, strict=True):
        row.enterprise_id = enterprise.pk
    if any(r.enterprise_id is None for r in creates):  # a backend that does not return new keys
        ids = {}
        for chunk in in_chunks([r.credit_code for r in creates]):
            ids.update(Enterprise.objects.filter(credit_code__in=chunk).values_list("credit_code", "pk"))
        for row in creates:
            row.enterprise_id = ids[row.credit_code]

    tagged = [r for r in result.rows if r.tag_ids is not None]
    through = Enterprise.tags.through
    for chunk in in_chunks([r.enterprise_id for r in tagged]):
        through.objects.filter(enterprise_id__in=chunk).delete()
    through.objects.bulk_create(
        [through(enterprise_id=r.enterprise_id, tag_id=tag_id) for r in tagged for tag_id in r.tag_ids],
        batch_size=BATCH_SIZE,
    )
    result.created, result.updated = len(creates), len(updates)


# Operating data.


def figures_import(*, actor: User, file) -> ImportResult:
    """Add or replace months of operating figures from the statistics office's Excel file: every row or none.
    The figures are marked as imported and entered by the actor; the warnings of the enterprises concerned
    are recomputed in the same transaction."""
    return _run(actor, file, imports.check_figures, _write_figures)


def _write_figures(actor: User, result: ImportResult) -> None:
    from enterprises.services.warnings import warnings_refresh

    rows = result.rows
    now = timezone.now()
    first, last = min(r.period for r in rows), max(r.period for r in rows)
    enterprise_ids = sorted({r.enterprise_id for r in rows})
    existing: dict[tuple, int] = {}
    for chunk in in_chunks(enterprise_ids):
        figures = MonthlyFigure.objects.filter(enterprise_id__in=chunk, period__range=(first, last))
        existing.update(((e, p), pk) for e, p, pk in figures.values_list("enterprise_id", "period", "pk"))

    fields = sorted(rows[0].values)
    common = {"source": MonthlyFigure.Source.IMPORT, "entered_by_id": actor.pk, "updated_at": now}
    updates, creates = [], []
    for row in rows:
        pk = existing.get((row.enterprise_id, row.period))
        figure = MonthlyFigure(pk=pk, enterprise_id=row.enterprise_id, period=row.period, **row.values, **common)
        (updates if pk else creates).append(figure)
    update_rows(MonthlyFigure, updates, [*fields, "source", "entered_by", "updated_at"])
    MonthlyFigure.objects.bulk_create(creates, batch_size=BATCH_SIZE)
    result.created, result.updated = len(creates), len(updates)
    warnings_refresh(enterprise_ids=enterprise_ids)


# Linkage.


def linkages_import(*, actor: User, file) -> ImportResult:
    """Set enterprises' linkages (leader, lead unit, cadres) for a year from an Excel file: every row or none.
    A row replaces the enterprise's linkage of that year; its cadres replace the linked cadres."""
    return _run(actor, file, imports.check_linkages, _write_linkages)


def _write_linkages(actor: User, result: ImportResult) -> None:
    rows = result.rows
    now = timezone.now()
    years = {r.year for r in rows}
    existing: dict[tuple, int] = {}
    for chunk in in_chunks(sorted({r.enterprise_id for r in rows})):
        # Locking the enterprises serialises this import with an office editing or creating a linkage of theirs.
        list(Enterprise.objects.select_for_update().filter(pk__in=chunk).order_by("pk").values_list("pk"))
        linkages = Linkage.objects.filter(enterprise_id__in=chunk, year__in=years)
        existing.update(((e, y), pk) for e, y, pk in linkages.values_list("enterprise_id", "year", "pk"))

    fields = sorted(rows[0].values)
    updates, creates = [], []
    for row in rows:
        pk = existing.get((row.enterprise_id, row.year))
        linkage = Linkage(pk=pk, enterprise_id=row.enterprise_id, year=row.year, updated_at=now, **row.values)
        (updates if pk else creates).append((row, linkage))
    update_rows(Linkage, [lk for _row, lk in updates], [*fields, "updated_at"])
    Linkage.objects.bulk_create([lk for _row, lk in creates], batch_size=BATCH_SIZE)
    saved = updates + creates
    if any(lk.pk is None for _row, lk in saved):
        raise ImportConflict  # bulk_create must return keys on the supported databases

    with_cadres = [(row, lk) for row, lk in saved if row.cadre_ids is not None]
    through = Linkage.cadres.through
    for chunk in in_chunks([lk.pk for _row, lk in with_cadres]):
        through.objects.filter(linkage_id__in=chunk).delete()
    through.objects.bulk_create(
        [through(linkage_id=lk.pk, user_id=user_id) for row, lk in with_cadres for user_id in row.cadre_ids],
        batch_size=BATCH_SIZE,
    )
    result.created, result.updated = len(creates), len(updates)


# Visits.


def visits_import(*, actor: User, file) -> ImportResult:
    """Record visits and the problems found on them from an Excel file: every row or none. Each visit counts
    for the visitor's unit."""
    return _run(actor, file, imports.check_visits, _write_visits)


def _write_visits(actor: User, result: ImportResult) -> None:
    rows = result.rows
    visits = [
        Visit(
            enterprise_id=r.enterprise_id,
            visitor_id=r.visitor_id,
            unit_id=r.unit_id,
            visited_on=r.visited_on,
            mode=r.mode,
            met_with=r.met_with,
            notes=r.notes,
        )
        for r in rows
    ]
    Visit.objects.bulk_create(visits, batch_size=BATCH_SIZE)
    if any(v.pk is None for v in visits):
        raise ImportConflict
    VisitProblem.objects.bulk_create(
        [VisitProblem(visit=v, description=p) for r, v in zip(rows, visits, strict=True) for p in r.problems],
        batch_size=BATCH_SIZE,
    )
    result.created = len(visits)


IMPORTERS = {
    imports.ENTERPRISES: enterprises_import,
    imports.FIGURES: figures_import,
    imports.LINKAGES: linkages_import,
    imports.VISITS: visits_import,
}
