"""API of the registry's Excel imports: the same all-or-nothing services as the office's import pages.

Mounted at /api/v1/ beside accounts.api_import (which owns /imports/units and /imports/users): these paths
all begin with /imports/ and none of them is one of those two."""

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from ninja import File, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile

from accounts.models import Role
from accounts.scope import has_role
from core.imports import XLSX_CONTENT_TYPE, build_template, import_kind
from core.schemas import DetailOut, ImportErrorsOut
from enterprises import imports
from enterprises.services import imports as services

router = Router(tags=["imports"])


class ImportCountsOut(Schema):
    created: int
    updated: int


RESPONSES = {200: ImportCountsOut, 403: DetailOut, 422: ImportErrorsOut}
DESCRIPTION = (
    "Multipart upload of an .xlsx file (field `file`), laid out as the template of `GET "
    "/imports/templates/{kind}`. All rows or none: 422 lists every problem by row and column (row null: the "
    "file as a whole). Coordinating office only."
)


def _require_office(request) -> None:
    if not has_role(request.user, Role.OFFICE):
        raise HttpError(403, "Only the coordinating office can import from Excel.")


def _run(request, kind: str, file: UploadedFile):
    _require_office(request)
    try:
        result = services.IMPORTERS[kind](actor=request.user, file=file)
    except PermissionDenied as exc:
        raise HttpError(403, str(exc)) from None
    if not result.ok:
        return Status(422, {"errors": [e.as_dict() for e in result.errors]})
    return Status(200, {"created": result.created, "updated": result.updated})


@router.post(
    "/imports/enterprises",
    response=RESPONSES,
    summary="Import enterprises from an .xlsx file",
    description=DESCRIPTION + " A credit code already registered updates that enterprise.",
)
def import_enterprises(request, file: File[UploadedFile]):
    return _run(request, imports.ENTERPRISES, file)


@router.post(
    "/imports/figures",
    response=RESPONSES,
    summary="Import monthly operating figures from an .xlsx file",
    description=DESCRIPTION + " A month already entered is replaced; warnings are recomputed.",
)
def import_figures(request, file: File[UploadedFile]):
    return _run(request, imports.FIGURES, file)


@router.post(
    "/imports/linkages",
    response=RESPONSES,
    summary="Import linkages (leader, lead unit, cadres per enterprise and year) from an .xlsx file",
    description=DESCRIPTION + " A row replaces the enterprise's linkage of that year.",
)
def import_linkages(request, file: File[UploadedFile]):
    return _run(request, imports.LINKAGES, file)


@router.post(
    "/imports/visits",
    response=RESPONSES,
    summary="Import visits and the problems found from an .xlsx file",
    description=DESCRIPTION + " `updated` is always 0: each row records a new visit.",
)
def import_visits(request, file: File[UploadedFile]):
    return _run(request, imports.VISITS, file)


@router.get(
    "/imports/templates/{kind}",
    response={403: DetailOut, 404: DetailOut},
    summary="Download the Excel template of an import",
    description="`kind`: units, users, enterprises, figures, linkages or visits. The .xlsx has the header row, "
    "an example row and a 说明 sheet explaining each column. Coordinating office only.",
    openapi_extra={"responses": {200: {"description": "The template", "content": {XLSX_CONTENT_TYPE: {}}}}},
)
def import_template(request, kind: str):
    _require_office(request)
    spec = import_kind(kind)
    if spec is None:
        raise HttpError(404, "No such import.")
    response = HttpResponse(build_template(spec), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{kind}-template.xlsx"'
    return response
