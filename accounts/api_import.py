"""Excel imports over the API: the same all-or-nothing services as the office's import pages."""

from django.core.exceptions import PermissionDenied
from ninja import File, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile

from accounts import services
from core.schemas import DetailOut, ImportErrorsOut

router = Router(tags=["import"])


class NewAccountOut(Schema):
    username: str
    full_name: str
    password: str


class ImportSummaryOut(Schema):
    created: int
    updated: int
    accounts: list[NewAccountOut] = []


RESPONSES = {200: ImportSummaryOut, 403: DetailOut, 422: ImportErrorsOut}


def _run(request, importer, file: UploadedFile):
    try:
        result = importer(actor=request.user, file=file)
    except PermissionDenied as exc:
        raise HttpError(403, str(exc)) from None
    if not result.ok:
        return Status(422, {"errors": [e.as_dict() for e in result.errors]})
    # Passwords the file gave are already known to the caller; only generated ones are returned.
    accounts = [
        {"username": a.username, "full_name": a.full_name, "password": a.password} for a in result.generated_accounts
    ]
    return Status(200, {"created": result.created, "updated": result.updated, "accounts": accounts})


@router.post(
    "/units",
    response=RESPONSES,
    summary="Import units from an .xlsx file",
    description="All rows or none: 422 lists every problem by row and column. Coordinating office only.",
)
def import_units(request, file: File[UploadedFile]):
    return _run(request, services.units_import, file)


@router.post(
    "/users",
    response=RESPONSES,
    summary="Import users and their roles from an .xlsx file",
    description="All rows or none: 422 lists every problem by row and column. New accounts without an initial "
    "password get a random one, returned once in `accounts`. Coordinating office only.",
)
def import_users(request, file: File[UploadedFile]):
    return _run(request, services.users_import, file)
