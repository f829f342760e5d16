"""The annual assessment (年考核) over HTTP, under /api/v1/reports: the same selectors and services as the
pages. Reading scores and schemes: the office, auditors, leaders, unit heads and handlers (others: 403);
a unit head or handler gets every unit's points, totals and ranks, and the working of their own unit only
(the others' `working` is empty and `working_shown` false). Writing schemes and evidence: the office only
(403), bad input 422. Evidence is listed as the reader's scope reaches it (a unit reads its own)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from accounts.models import Role
from accounts.scope import has_role, scoped
from core.periods import check_programme_year
from core.schemas import DetailOut
from reports.models import AssessmentEvidence
from reports.selectors import assessment as selectors
from reports.services import assessment as services

router = Router(tags=["reports"])

EVIDENCE_READERS = (Role.OFFICE, Role.AUDITOR, Role.UNIT_HEAD, Role.UNIT_HANDLER)


class LineOut(Schema):
    kind: str
    text: str
    points: Decimal | None
    counted: bool
    url: str
    ref: str


class ItemScoreOut(Schema):
    position: int
    name: str
    rule: str
    max_points: Decimal
    points: Decimal
    figure: Decimal | None
    rank: int | None
    working: list[LineOut]


class UnitScoreOut(Schema):
    unit_id: int
    unit_name: str
    rank: int | None
    total: Decimal
    working_shown: bool
    items: list[ItemScoreOut]


class ItemOut(Schema):
    id: int
    position: int
    name: str
    rule: str
    max_points: Decimal
    params: dict[str, Any]
    description: str


class SchemeOut(Schema):
    id: int
    name: str
    year: int | None
    target: str
    total_points: Decimal
    from_template: bool
    items: list[ItemOut]


class AssessmentOut(Schema):
    year: int
    target: str
    scheme: SchemeOut | None
    figures_period: str | None
    rows: list[UnitScoreOut]


class ItemIn(Schema):
    position: int
    name: str
    max_points: Decimal
    params: dict[str, Any] = {}


class SchemeIn(Schema):
    items: list[ItemIn]


class EvidenceOut(Schema):
    id: int
    unit_id: int
    unit_name: str
    year: int
    kind: str
    occurred_on: dt.date
    description: str
    source: str
    case_id: int | None
    case_number: str | None
    points: Decimal | None


class EvidenceIn(Schema):
    unit_id: int
    year: int
    kind: str
    occurred_on: dt.date
    description: str
    source: str = ""
    case_id: int | None = None
    points: Decimal | None = None


def _scheme(scheme, from_template: bool) -> dict:
    return {
        "id": scheme.pk,
        "name": scheme.name,
        "year": scheme.year,
        "target": scheme.target,
        "total_points": scheme.total_points,
        "from_template": from_template,
        "items": [
            {
                "id": item.pk,
                "position": item.position,
                "name": item.name,
                "rule": item.rule,
                "max_points": item.max_points,
                "params": item.params,
                "description": item.description,
            }
            for item in scheme.items.all()
        ],
    }


def _line(line) -> dict:
    return {
        "kind": line.kind,
        "text": line.text,
        "points": line.points,
        "counted": line.counted,
        "url": line.url,
        "ref": line.ref,
    }


def _scheme_or_404(year: int, target: str):
    selectors.check_year_target(year, target)
    scheme, from_template = selectors.scheme_for(year, target)
    if scheme is None:
        raise Http404(_("There is no scheme for these units."))
    return scheme, from_template


def _evidence(entry: AssessmentEvidence) -> dict:
    return {
        "id": entry.pk,
        "unit_id": entry.unit_id,
        "unit_name": entry.unit.name,
        "year": entry.year,
        "kind": entry.kind,
        "occurred_on": entry.occurred_on,
        "description": entry.description,
        "source": entry.source,
        "case_id": entry.case_id,
        "case_number": entry.case.number if entry.case_id else None,
        "points": entry.points,
    }


@router.get(
    "/assessment/evidence",
    response={200: list[EvidenceOut], 403: DetailOut, 422: DetailOut},
    summary="The year's assessment evidence entries (commendations, media reports, degree scores)",
    description="For the office and auditors (every unit) and unit heads and handlers (their scope's units).",
)
def evidence_list(request, year: int):
    if not has_role(request.user, *EVIDENCE_READERS):
        raise PermissionDenied(_("Assessment evidence is not available to your role."))
    check_programme_year(year)
    entries = scoped(
        request.user, AssessmentEvidence.objects.filter(year=year).select_related("unit", "case")
    ).order_by("unit__path", "occurred_on", "pk")
    return [_evidence(entry) for entry in entries]


@router.post(
    "/assessment/evidence",
    response={201: EvidenceOut, 403: DetailOut, 404: DetailOut, 422: DetailOut},
    summary="Record an assessment evidence entry (office)",
    description=(
        "kind: commendation, media_report (no case, no points) or degree_score (case_id of a case the unit led "
        "that was not closed as solved, points above 0). The date lies in the year."
    ),
)
def evidence_create(request, payload: EvidenceIn):
    entry = services.evidence_add(actor=request.user, **payload.dict())
    entry = AssessmentEvidence.objects.select_related("unit", "case").get(pk=entry.pk)
    return Status(201, _evidence(entry))


@router.delete(
    "/assessment/evidence/{int:evidence_id}",
    response={204: None, 403: DetailOut, 404: DetailOut},
    summary="Delete an assessment evidence entry (office)",
)
def evidence_remove(request, evidence_id: int):
    services.evidence_delete(actor=request.user, evidence_id=evidence_id)
    return Status(204, None)


@router.get(
    "/assessment/schemes/{int:year}/{target}",
    response={200: SchemeOut, 403: DetailOut, 404: DetailOut, 422: DetailOut},
    summary="The scheme a year is assessed by (its own, else the template)",
    description="target: department or territorial. from_template says whether the year has no scheme of its own.",
)
def scheme_detail(request, year: int, target: str):
    selectors.require_reader(request.user)
    scheme, from_template = _scheme_or_404(year, target)
    return _scheme(scheme, from_template)


@router.put(
    "/assessment/schemes/{int:year}/{target}",
    response={200: SchemeOut, 403: DetailOut, 422: DetailOut},
    summary="Edit a year's scheme (office)",
    description=(
        "Copies the template into the year's scheme when it has none, then changes the items given (by "
        "position): name, max_points, params. Each rule's parameters are checked and the items' maximum points "
        "must add up to the scheme's total (422 naming what is wrong; nothing is saved then)."
    ),
)
def scheme_put(request, year: int, target: str, payload: SchemeIn):
    services.require_office(request.user)
    scheme = services.scheme_for_year(actor=request.user, year=year, target=target)
    services.scheme_update(actor=request.user, scheme_id=scheme.pk, items=[item.dict() for item in payload.items])
    scheme, from_template = _scheme_or_404(year, target)
    return _scheme(scheme, from_template)


@router.get(
    "/assessment/{int:year}/{target}",
    response={200: AssessmentOut, 403: DetailOut, 422: DetailOut},
    summary="The year's assessment scores, with the working behind every point",
    description=(
        "target: department or territorial. Every assessed unit with each item's points, total and rank (equal "
        "totals share a rank: 1, 1, 3), computed from the data now. A unit head or handler gets the working of "
        "their own unit only (working_shown)."
    ),
)
def assessment_scores(request, year: int, target: str):
    result = selectors.assessment(user=request.user, year=year, target=target)
    return {
        "year": result.year,
        "target": result.target,
        "scheme": _scheme(result.scheme, result.from_template) if result.scheme else None,
        "figures_period": f"{result.figures_period:%Y-%m}" if result.figures_period else None,
        "rows": [
            {
                "unit_id": row.unit.pk,
                "unit_name": row.unit.name,
                "rank": row.rank,
                "total": row.total,
                "working_shown": row.show_working,
                "items": [
                    {
                        "position": item.position,
                        "name": item.name,
                        "rule": item.rule,
                        "max_points": item.max_points,
                        "points": score.points,
                        "figure": score.figure,
                        "rank": score.rank,
                        "working": [_line(line) for line in score.lines],
                    }
                    for item, score in zip(result.items, row.scores, strict=True)
                ],
            }
            for row in result.rows
        ],
    }
