"""Intake (有诉即办): a case comes in through one of the channels and gets its number.

Who may file through which channel:
- self-service: the enterprise's own users, for their enterprise;
- QR code: anyone holding the enterprise's signed intake link, no account needed, with a name and phone;
- visit: the staff who see the enterprise (a cadre recording what a visit found);
- hotline, reception day, office, API and ledger import: the coordinating office (an integration's token
  acts as an office account).
A problem shared by several enterprises is filed once: each enterprise gets its own case, and the cases are
grouped in one common issue at once.
"""

from __future__ import annotations

from datetime import datetime

from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import STAFF_ROLES, Role
from accounts.scope import get_for_user, has_role, is_office, scoped
from cases import attachments as files
from cases.models import Case, CaseAttachment, CaseCategory, CaseEvent, CaseNumber, CommonIssue, Urgency
from cases.services.base import clean_text, office_people, tell
from cases.services.trail import append_event
from enterprises.models import Enterprise, VisitProblem

Channel = Case.Channel
OFFICE_CHANNELS = (Channel.HOTLINE, Channel.RECEPTION_DAY, Channel.OFFICE, Channel.API, Channel.IMPORT)
MAX_ENTERPRISES = 200
INTAKE_SALT = "cases.intake"


class DuplicateExternalRef(ValidationError):
    """The integration pushed a case it pushed before; carries the existing case."""

    def __init__(self, existing: Case):
        self.existing = existing
        super().__init__(
            _("A case with external reference %(ref)s came in before: %(number)s.")
            % {"ref": existing.external_ref, "number": existing.number},
            code="duplicate_external_ref",
        )


# The enterprise's intake link (QR code) -------------------------------------------------------------------


def intake_token(enterprise: Enterprise) -> str:
    """A signed token naming the enterprise and its code's version; printed as a QR code, it lets anyone
    there file a problem until the code is renewed."""
    return signing.dumps({"e": enterprise.pk, "v": enterprise.intake_code_version}, salt=INTAKE_SALT, compress=True)


def enterprise_for_token(token: str) -> Enterprise:
    try:
        data = signing.loads(token, salt=INTAKE_SALT)
        enterprise = Enterprise.objects.get(pk=data["e"])
    except (signing.BadSignature, KeyError, TypeError, Enterprise.DoesNotExist):
        raise ValidationError(
            _("This intake link is not valid. Scan the enterprise's QR code again."), code="bad_token"
        ) from None
    if data.get("v", 1) != enterprise.intake_code_version:
        raise ValidationError(
            _("This QR code has been replaced by a new one. Scan the code the enterprise has put up now."),
            code="renewed_token",
        )
    return enterprise


@transaction.atomic
def intake_code_renew(*, actor, enterprise_id: int) -> Enterprise:
    """Issue the enterprise a new intake QR code: every code printed before stops working. The office, or
    the enterprise's own users."""
    enterprise = get_for_user(actor, Enterprise.objects.select_for_update(), pk=enterprise_id)
    if not (is_office(actor) or (has_role(actor, Role.ENTERPRISE) and actor.enterprise_id == enterprise.pk)):
        raise PermissionDenied(_("Only the coordinating office or the enterprise itself can renew its QR code."))
    enterprise.intake_code_version += 1
    enterprise.save(update_fields=["intake_code_version", "updated_at"])
    return enterprise


# Numbers -------------------------------------------------------------------------------------------------


def next_number(year: int) -> str:
    """The next case number of the year, e.g. 2026-00042. The counter row is locked until the transaction
    ends, so two cases filed at once never share a number."""
    try:
        with transaction.atomic():
            CaseNumber.objects.get_or_create(year=year)
    except IntegrityError:  # created by a concurrent filing a moment ago
        pass
    counter = CaseNumber.objects.select_for_update().get(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{year}-{counter.last:05d}"


# Checks --------------------------------------------------------------------------------------------------


def _check_channel(actor, channel: str, enterprise_ids) -> None:
    if channel not in Channel.values:
        raise ValidationError({"channel": _("Unknown channel “%(value)s”.") % {"value": channel}})
    if channel == Channel.QR_CODE:
        return  # the signed link is the permission; checked by the caller
    if channel == Channel.SELF_SERVICE:
        if not has_role(actor, Role.ENTERPRISE) or not actor.enterprise_id:
            raise PermissionDenied(_("Self-service filing is for enterprise users."))
        if any(int(pk) != actor.enterprise_id for pk in enterprise_ids or []):
            raise PermissionDenied(_("An enterprise user files problems of their own enterprise only."))
        return
    if channel == Channel.VISIT:
        if not has_role(actor, *STAFF_ROLES):
            raise PermissionDenied(_("Only staff record problems found on visits."))
        return
    if not has_role(actor, Role.OFFICE):
        raise PermissionDenied(_("Only the coordinating office files cases through this channel."))


def _enterprises(actor, enterprise_ids, channel: str) -> list[Enterprise]:
    ids = list(dict.fromkeys(int(pk) for pk in enterprise_ids or []))
    if not ids:
        raise ValidationError({"enterprise": _("Choose the enterprise the problem is about.")})
    if len(ids) > MAX_ENTERPRISES:
        raise ValidationError({"enterprise": _("At most %(count)s enterprises at once.") % {"count": MAX_ENTERPRISES}})
    queryset = Enterprise.objects.filter(pk__in=ids)
    if channel != Channel.QR_CODE:
        queryset = scoped(actor, queryset)
    found = {e.pk: e for e in queryset}
    missing = [pk for pk in ids if pk not in found]
    if missing:
        raise ValidationError(
            {"enterprise": _("No enterprise with id %(ids)s in your scope.") % {"ids": ", ".join(map(str, missing))}}
        )
    return [found[pk] for pk in ids]


def _category(category_id) -> CaseCategory:
    if category_id in (None, ""):
        raise ValidationError({"category": _("Choose a category.")})
    try:
        return CaseCategory.objects.get(pk=int(category_id), is_active=True)
    except (CaseCategory.DoesNotExist, ValueError, TypeError):
        raise ValidationError({"category": _("Unknown category.")}) from None


def _phone(value: str, *, required: bool) -> str:
    phone = (value or "").strip().replace(" ", "").replace("-", "")
    if required and not phone:
        raise ValidationError({"contact_phone": _("Enter a phone number we can call back.")})
    if phone and not (phone.isdigit() and 7 <= len(phone) <= 12):
        raise ValidationError({"contact_phone": _("Enter a mobile number (11 digits) or a landline with area code.")})
    return phone


# The service ---------------------------------------------------------------------------------------------


@transaction.atomic
def case_submit(
    *,
    actor,
    enterprise_ids: list[int],
    title: str,
    description: str,
    category_id: int,
    channel: str,
    urgency: str = Urgency.NORMAL,
    contact_name: str = "",
    contact_phone: str = "",
    external_ref: str = "",
    visit_problem_id: int | None = None,
    submitted_at: datetime | None = None,
    uploads=(),
    notify_office: bool = True,
) -> list[Case]:
    """File a problem for one enterprise, or for several (one case each, grouped in a common issue).

    `submitted_at` is for the ledger import, whose cases came in before; it may not lie in the future. The
    import also passes `notify_office=False`: the office is importing the ledger itself, and a message per
    row would bury its inbox."""
    # Who may use the channel first: an outsider learns nothing about which enterprises exist.
    _check_channel(actor, channel, enterprise_ids)
    enterprises = _enterprises(actor, enterprise_ids, channel)
    title = clean_text(title, "title", limit=120)
    description = clean_text(description, "description")
    category = _category(category_id)
    if urgency not in Urgency.values:
        raise ValidationError({"urgency": _("Unknown urgency “%(value)s”.") % {"value": urgency}})
    contact_name = clean_text(contact_name, "contact_name", required=channel == Channel.QR_CODE, limit=40)
    contact_phone = _phone(contact_phone, required=channel == Channel.QR_CODE)
    external_ref = clean_text(external_ref, "external_ref", required=False, limit=64)
    if external_ref and len(enterprises) > 1:
        raise ValidationError({"external_ref": _("An external reference names one enterprise's case.")})
    if external_ref:
        existing = Case.objects.filter(channel=channel, external_ref=external_ref).first()
        if existing is not None:
            raise DuplicateExternalRef(existing)
    visit_problem = None
    if visit_problem_id is not None:
        visit_problem = VisitProblem.objects.select_related("visit").filter(pk=visit_problem_id).first()
        if visit_problem is None or visit_problem.visit.enterprise_id not in {e.pk for e in enterprises}:
            raise ValidationError({"visit_problem": _("That problem was not found on a visit to this enterprise.")})
        if visit_problem.cases.exists():
            raise ValidationError({"visit_problem": _("A case was already filed for this problem.")})
    now = timezone.now()
    if submitted_at is not None and submitted_at > now:
        raise ValidationError({"submitted_at": _("The filing time cannot lie in the future.")})
    checked = files.check_uploads(uploads)

    moment = submitted_at or now
    year = timezone.localtime(moment).year
    issue = None
    if len(enterprises) > 1:
        issue = CommonIssue.objects.create(title=title, description=description, created_by=_person(actor))
    cases = []
    for enterprise in enterprises:
        case = Case.objects.create(
            number=next_number(year),
            year=year,
            enterprise=enterprise,
            common_issue=issue,
            title=title,
            description=description,
            category=category,
            urgency=urgency,
            channel=channel,
            external_ref=external_ref,
            visit_problem=visit_problem,
            contact_name=contact_name,
            contact_phone=contact_phone,
            submitted_by=_person(actor),
            submitted_at=moment,
        )
        stored = files.store_attachments(case, checked, kind=CaseAttachment.Kind.MATERIAL, actor=actor)
        append_event(
            case,
            CaseEvent.Kind.SUBMITTED,
            actor=_person(actor),
            unit=getattr(_person(actor), "unit", None),
            at=moment,
            payload={
                "channel": channel,
                "enterprise": enterprise.name,
                "title": title,
                "category": category.name,
                "urgency": urgency,
                "contact_name": contact_name,
                "external_ref": external_ref,
                "attachments": files.describe(stored),
            },
        )
        if issue is not None:
            append_event(case, CaseEvent.Kind.MERGED, actor=_person(actor), payload={"common_issue": issue.pk})
        cases.append(case)
    if not notify_office:
        return cases
    if len(cases) == 1:
        tell(office_people(), cases[0], _("New case: %(title)s") % {"title": title}, topic=f"case:{cases[0].pk}:new")
    else:
        tell(
            office_people(),
            cases[0],
            _("New common problem of %(count)s enterprises: %(title)s") % {"count": len(cases), "title": title},
            topic=f"issue:{issue.pk}:new",
        )
    return cases


def _person(actor):
    return actor if getattr(actor, "pk", None) else None
