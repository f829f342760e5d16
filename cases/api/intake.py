"""Filing cases over HTTP (有诉即办): the integrations' way in (a 12345 hotline or a provincial platform
pushing problems with a token), and the browser's. The same service as the pages; it decides who may file
through which channel (else 403) and checks the rest (422). A problem pushed again with the same external
reference answers 409 with the case it became the first time, so that a retrying integration can tell."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from accounts.models import STAFF_ROLES, Role
from accounts.scope import get_for_user, has_role, scoped
from cases.api import lists
from cases.api.schemas import CaseOut
from cases.models import Case, CaseCategory, Urgency
from cases.services import intake
from cases.templatetags.intake_panels import intake_url
from core.schemas import DetailOut
from enterprises.models import Enterprise

router = Router(tags=["cases"])
Channel = Case.Channel
# Django sends a path to one view, and GET /cases (the list) is on cases.api.lists' router: POST /cases has to
# join that router's path for both methods to answer (on a router of its own it would get 405).
cases_path = lists.router


class CaseFiledOut(CaseOut):
    external_ref: str


class FiledOut(Schema):
    common_issue_id: int | None = Field(
        None, description="Set when several enterprises were given: their cases form one common issue."
    )
    cases: list[CaseFiledOut]


class DuplicateOut(Schema):
    detail: str
    case_id: int | None = Field(
        None, description="The case the reference became; null when it lies outside your scope."
    )
    number: str | None = None


class CaseIn(Schema):
    enterprise_ids: list[int] = Field(
        default_factory=list, description="One enterprise, or several for a common issue."
    )
    enterprise_credit_code: str = Field("", description="Instead of enterprise_ids: the unified social credit code.")
    title: str
    description: str
    category: int | str = Field(description="The category's id or code (financing, labour, …).")
    urgency: str = Urgency.NORMAL
    channel: str | None = Field(
        None,
        description="Default: api for token callers; self_service for an enterprise user's session; office for "
        "the office's session.",
    )
    contact_name: str = ""
    contact_phone: str = ""
    external_ref: str = Field("", description="The caller's own id of the problem; a repeat answers 409.")
    visit_problem_id: int | None = None


def _token_caller(request) -> bool:
    """Whether the request authenticated with a token rather than the browser session."""
    return bool(request.headers.get("Authorization", "").startswith("Bearer ") or request.headers.get("X-API-Key"))


def _default_channel(request) -> str:
    if _token_caller(request):
        return Channel.API
    if has_role(request.user, Role.ENTERPRISE) and not has_role(request.user, Role.OFFICE):
        return Channel.SELF_SERVICE
    return Channel.OFFICE


def _enterprise_ids(request, payload: CaseIn) -> list[int]:
    if payload.enterprise_ids:
        return payload.enterprise_ids
    code = payload.enterprise_credit_code.replace(" ", "").upper()
    if not code:
        raise ValidationError({"enterprise": _("Give enterprise_ids or enterprise_credit_code.")})
    found = scoped(request.user, Enterprise.objects.filter(credit_code=code)).values_list("pk", flat=True).first()
    if found is None:
        raise ValidationError(
            {
                "enterprise": _("There is no enterprise with the credit code “%(value)s” in your scope.")
                % {"value": code}
            }
        )
    return [found]


def _category_id(value: int | str):
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        return value
    pk = CaseCategory.objects.filter(code=value, is_active=True).values_list("pk", flat=True).first()
    if pk is None:
        raise ValidationError({"category": _("Unknown category.")})
    return pk


def _duplicate(request, existing: Case, message: str):
    visible = scoped(request.user, Case.objects.filter(pk=existing.pk)).exists()
    return Status(
        409,
        {
            "detail": message,
            "case_id": existing.pk if visible else None,
            "number": existing.number if visible else None,
        },
    )


@cases_path.post(
    "/cases",
    response={201: FiledOut, 403: DetailOut, 409: DuplicateOut, 422: DetailOut},
    summary="File a case (or one case per enterprise, grouped in a common issue)",
    description="Who may use which channel: an enterprise user files self_service cases of its own enterprise; "
    "staff file visit cases of the enterprises they see; hotline, reception_day, office, api and import are the "
    "coordinating office's (an integration's token acts as an office account). An external_ref already filed "
    "through the same channel answers 409 with the existing case's id and number.",
)
def case_create(request, payload: CaseIn):
    channel = payload.channel or _default_channel(request)
    if channel == Channel.QR_CODE:
        # The QR channel's permission is the enterprise's signed link, which only its page carries.
        raise ValidationError({"channel": _("Cases come in through the QR code on its own page only.")})
    arguments = {
        "actor": request.user,
        "enterprise_ids": _enterprise_ids(request, payload),
        "title": payload.title,
        "description": payload.description,
        "category_id": _category_id(payload.category),
        "channel": channel,
        "urgency": payload.urgency,
        "contact_name": payload.contact_name,
        "contact_phone": payload.contact_phone,
        "external_ref": payload.external_ref,
        "visit_problem_id": payload.visit_problem_id,
    }
    try:
        cases = intake.case_submit(**arguments)
    except intake.DuplicateExternalRef as duplicate:
        return _duplicate(request, duplicate.existing, " ".join(duplicate.messages))
    except IntegrityError:
        # The same reference pushed twice at the same moment: the other request won the unique constraint.
        existing = Case.objects.filter(channel=channel, external_ref=payload.external_ref.strip()).first()
        if not payload.external_ref.strip() or existing is None:
            raise
        return _duplicate(request, existing, str(intake.DuplicateExternalRef(existing).messages[0]))
    return Status(201, {"common_issue_id": cases[0].common_issue_id, "cases": cases})


class IntakeLinkOut(Schema):
    enterprise_id: int
    url: str = Field(description="The address behind the enterprise's QR code (no account needed to file there).")
    version: int = Field(description="Raised each time the code is renewed; older codes no longer work.")


def _intake_link(request, enterprise: Enterprise) -> dict:
    return {
        "enterprise_id": enterprise.pk,
        "url": intake_url(request, enterprise),
        "version": enterprise.intake_code_version,
    }


@router.get(
    "/cases/enterprises/{int:enterprise_id}/intake-link",
    response={200: IntakeLinkOut, 403: DetailOut},
    summary="The enterprise's intake link, to print as its QR code",
    description="Staff who see the enterprise, and its own users.",
)
def intake_link(request, enterprise_id: int):
    if not has_role(request.user, *STAFF_ROLES, Role.ENTERPRISE):
        raise PermissionDenied(_("This page is not available to your role."))
    return _intake_link(request, get_for_user(request.user, Enterprise, pk=enterprise_id))


@router.post(
    "/cases/enterprises/{int:enterprise_id}/intake-link/renew",
    response={200: IntakeLinkOut, 403: DetailOut},
    summary="Issue the enterprise a new QR code; every code printed before stops working",
    description="The coordinating office, or the enterprise's own users.",
)
def intake_link_renew(request, enterprise_id: int):
    return _intake_link(request, intake.intake_code_renew(actor=request.user, enterprise_id=enterprise_id))
