"""The case ledger's Excel import over HTTP: the same all-or-nothing import as the office's page.

Mounted at /api/v1/ beside the other imports (accounts.api_import, enterprises.api.imports): POST
/imports/cases and GET /imports/cases/template."""

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from ninja import File, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile

from accounts.scope import is_office
from cases.imports import CASES_IMPORT, cases_import
from core.imports import XLSX_CONTENT_TYPE, build_template
from core.schemas import DetailOut, ImportErrorsOut

router = Router(tags=["imports"])


class CasesImportedOut(Schema):
    created: int


def _require_office(request) -> None:
    if not is_office(request.user):
        raise HttpError(403, "Only the coordinating office can import from Excel.")


@router.post(
    "/imports/cases",
    response={200: CasesImportedOut, 403: DetailOut, 422: ImportErrorsOut},
    summary="Import a case ledger (问题台账) from an .xlsx file",
    description="Multipart upload of an .xlsx file (field `file`), laid out as the template of `GET "
    "/imports/cases/template`. Each row files one case through the usual intake (its number, its trail), with "
    "the caller as the actor; the channel is `import` unless the 来源渠道 column says otherwise. All rows or "
    "none: 422 lists every problem by row and column (row null: the file as a whole). Coordinating office only.",
)
def import_cases(request, file: File[UploadedFile]):
    _require_office(request)
    try:
        result = cases_import(actor=request.user, file=file)
    except PermissionDenied as exc:
        raise HttpError(403, str(exc)) from None
    if not result.ok:
        return Status(422, {"errors": [e.as_dict() for e in result.errors]})
    return Status(200, {"created": result.created})


@router.get(
    "/imports/cases/template",
    response={403: DetailOut},
    summary="Download the Excel template of the case ledger import",
    description="The header row, an example row and a 说明 sheet explaining each column. Coordinating office only.",
    openapi_extra={"responses": {200: {"description": "The template", "content": {XLSX_CONTENT_TYPE: {}}}}},
)
def import_cases_template(request):
    _require_office(request)
    response = HttpResponse(build_template(CASES_IMPORT), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="cases-template.xlsx"'
    return response
