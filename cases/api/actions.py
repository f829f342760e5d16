"""One case over HTTP: reading it (detail, timeline, attachments, the chain check) and every action on it.

Each action endpoint calls the one service function the page calls, so the rules are the same: a case
outside the caller's scope answers 404 (checked before anything else, so an office-only action does not
reveal that a case exists), an action the caller's role may not take 403, and one the case's state does not
allow 422 — both with {"detail": ...} from the global handlers in zhuqi/api.py.
"""

from __future__ import annotations

import datetime as dt

from django.http import FileResponse
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from accounts.scope import get_for_user
from cases.api.schemas import CASE_OUT_RELATED, CaseOut
from cases.models import Callback, Case, CaseAttachment, CaseReply, ExtensionRequest, Supervision
from cases.selectors.detail import available_actions, can_see_case_contact, timeline
from cases.services import dispatch, handling, review, supervision
from cases.services.trail import verify_case
from core.schemas import DetailOut
from enterprises.selectors.registry import mask_phone

router = Router(tags=["cases"])

ERRORS = {403: DetailOut, 404: DetailOut, 422: DetailOut}
# Django's int converter: /cases/ledger and the like, routed by other areas, never reach these endpoints.
CASE = "/cases/{int:case_id}"


# Output -----------------------------------------------------------------------------------------------------


class ContactOut(Schema):
    name: str
    phone: str
    phone_masked: bool


class AssignmentOut(Schema):
    id: int
    unit_id: int
    unit_name: str
    role: str
    state: str
    assigned_at: dt.datetime
    accept_due_at: dt.datetime | None
    accepted_at: dt.datetime | None
    returned_at: dt.datetime | None
    return_reason: str

    @staticmethod
    def resolve_unit_name(obj):
        return obj.unit.name


class AttachmentOut(Schema):
    id: int
    name: str
    size: int
    kind: str
    uploaded_at: dt.datetime

    @staticmethod
    def resolve_name(obj):
        return obj.original_name


class ExtensionOut(Schema):
    id: int
    unit_id: int
    unit_name: str
    days: int
    reason: str
    status: str
    requested_at: dt.datetime

    @staticmethod
    def resolve_unit_name(obj):
        return obj.unit.name


class ReplyOut(Schema):
    id: int
    unit_id: int
    unit_name: str
    outcome: str
    text: str
    status: str
    drafted_at: dt.datetime

    @staticmethod
    def resolve_unit_name(obj):
        return obj.unit.name


class SupervisionOut(Schema):
    id: int
    case_id: int
    unit_id: int
    unit_name: str
    text: str
    issued_at: dt.datetime
    reply_due_at: dt.datetime
    automatic: bool
    reply: str
    replied_at: dt.datetime | None

    @staticmethod
    def resolve_unit_name(obj):
        return obj.unit.name


class CallbackOut(Schema):
    id: int
    case_id: int
    spot_check: bool
    status: str
    planned_at: dt.datetime
    called_at: dt.datetime | None
    rating: str
    confirmed: bool | None
    note: str


class CaseDetailOut(CaseOut):
    description: str
    contact: ContactOut
    resolution: str
    resolved_at: dt.datetime | None
    rating_comment: str
    closed_at: dt.datetime | None
    reject_reason: str
    reject_note: str
    return_count: int
    extension_days: int
    listed_at: dt.datetime | None
    escalation_level: int
    assignments: list[AssignmentOut]
    attachments: list[AttachmentOut]
    actions: list[str]
    extensions_to_decide: list[ExtensionOut]
    replies_to_decide: list[ReplyOut]
    supervisions_to_answer: list[SupervisionOut]

    # The lists _detail() fetched, rather than the related managers.
    @staticmethod
    def resolve_assignments(obj):
        return obj.assignments_list

    @staticmethod
    def resolve_attachments(obj):
        return obj.attachments_list


class EventOut(Schema):
    seq: int
    kind: str
    actor_name: str
    unit_name: str
    created_at: dt.datetime
    payload: dict
    hash: str
    prev_hash: str


class VerifyOut(Schema):
    case_id: int
    number: str
    ok: bool
    event_count: int
    broken_seq: int | None
    reason: str


# Input ------------------------------------------------------------------------------------------------------
# Fields default to empty so that a missing one reaches the service, whose message names it.


class AssignIn(Schema):
    lead_unit_id: int | None = None
    co_unit_ids: list[int] = []
    locality_unit_ids: list[int] = []
    category_id: int | None = None
    urgency: str = ""
    note: str = ""


class RejectIn(Schema):
    reason: str = ""
    note: str = ""
    duplicate_of_number: str = ""


class NoteIn(Schema):
    note: str = ""


class ReasonIn(Schema):
    reason: str = ""


class WaitIn(Schema):
    request: str = ""


class ExtensionIn(Schema):
    days: int | None = None
    reason: str = ""


class DecisionIn(Schema):
    approve: bool
    note: str = ""


class RateIn(Schema):
    rating: str = ""
    comment: str = ""
    reopen: bool = False


class CallbackIn(Schema):
    reached: bool
    rating: str = ""
    comment: str = ""
    confirmed: bool | None = None
    callback_id: int | None = None


class SuperviseIn(Schema):
    text: str = ""
    unit_id: int | None = None
    reply_days: int = supervision.DEFAULT_REPLY_DAYS


class SupervisionReplyIn(Schema):
    reply: str = ""


# Reading ----------------------------------------------------------------------------------------------------


def _visible(request, case_id: int) -> Case:
    """The case in the caller's scope, else 404."""
    return get_for_user(request.user, Case.objects.select_related(*CASE_OUT_RELATED), pk=case_id)


def _detail(request, case_id: int) -> Case:
    """The case as CaseDetailOut reads it. A fixed number of queries whatever the length of its trail."""
    user = request.user
    case = _visible(request, case_id)
    actions = available_actions(user, case)
    case.actions = sorted(actions.names)
    case.extensions_to_decide = actions.extensions_to_decide
    case.replies_to_decide = actions.replies_to_decide
    case.supervisions_to_answer = actions.supervisions_to_answer
    case.assignments_list = list(case.assignments.select_related("unit").order_by("pk"))
    case.attachments_list = list(case.attachments.order_by("uploaded_at", "pk"))
    phone = case.contact_phone
    full = not phone or can_see_case_contact(user, case)
    case.contact = ContactOut(name=case.contact_name, phone=phone if full else mask_phone(phone), phone_masked=not full)
    return case


@router.get(
    CASE,
    response={200: CaseDetailOut, 404: DetailOut},
    summary="One case: its data, units, attachments and what you may do with it now",
    description="`actions` names the actions open to you now (assign, reject, merge, unmerge, accept, return, "
    "progress, wait, resume, request_extension, decide_extension, reply, decide_reply, rate, reopen, close, "
    "callback, supervise, answer_supervision, list, unlist); `extensions_to_decide`, `replies_to_decide` and "
    "`supervisions_to_answer` are the records those decisions act on. The contact phone is masked unless you "
    "need it (the office, the enterprise, its linked leader, cadres and lead unit).",
)
def get_case(request, case_id: int):
    return _detail(request, case_id)


@router.get(
    f"{CASE}/events",
    response={200: list[EventOut], 404: DetailOut},
    summary="The case's timeline, oldest first",
    description="Each event with the hash that chains it to the one before. An enterprise does not see the "
    "internal working records (draft replies, supervision notices, callbacks, reminders…).",
)
def case_events(request, case_id: int):
    return timeline(request.user, _visible(request, case_id))


@router.get(
    f"{CASE}/attachments/{{int:attachment_id}}",
    response={200: None, 404: DetailOut},
    summary="Download an attachment of the case",
)
def download_attachment(request, case_id: int, attachment_id: int):
    attachment = get_for_user(request.user, CaseAttachment.objects.filter(case_id=case_id), pk=attachment_id)
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.original_name)


@router.get(
    f"{CASE}/verify",
    response={200: VerifyOut, 404: DetailOut},
    summary="Check the case's hash chain",
    description="ok is false when an event was changed, removed or inserted after it was written; broken_seq "
    "is the first event that does not hold (null when the case's own record of its trail does not match).",
)
def verify(request, case_id: int):
    case = _visible(request, case_id)
    broken = verify_case(case, list(case.events.order_by("seq")))
    return {
        "case_id": case.pk,
        "number": case.number,
        "ok": broken is None,
        "event_count": case.event_count,
        "broken_seq": broken.seq if broken else None,
        "reason": broken.reason if broken else "",
    }


# Dispatch ---------------------------------------------------------------------------------------------------

RESPONSE = {200: CaseDetailOut, **ERRORS}


@router.post(
    f"{CASE}/assign",
    response=RESPONSE,
    summary="Assign (or reassign) the case to a lead unit, co-handling units and the locality",
    description="The office only; while the case is submitted, returned or awaiting acceptance. category_id "
    "and urgency, when given, correct the case's and set its deadlines.",
)
def assign(request, case_id: int, payload: AssignIn):
    _visible(request, case_id)
    dispatch.case_assign(
        actor=request.user,
        case_id=case_id,
        lead_unit_id=payload.lead_unit_id,
        co_unit_ids=payload.co_unit_ids,
        locality_unit_ids=payload.locality_unit_ids,
        category_id=payload.category_id,
        urgency=payload.urgency or None,
        note=payload.note,
    )
    return _detail(request, case_id)


@router.post(
    f"{CASE}/reject",
    response=RESPONSE,
    summary="Reject the case (不予受理)",
    description="The office only, before assignment. reason: duplicate (give duplicate_of_number), "
    "out_of_scope or other; the note is what the enterprise reads.",
)
def reject(request, case_id: int, payload: RejectIn):
    _visible(request, case_id)
    dispatch.case_reject(
        actor=request.user,
        case_id=case_id,
        reason=payload.reason,
        note=payload.note,
        duplicate_of_number=payload.duplicate_of_number,
    )
    return _detail(request, case_id)


@router.post(f"{CASE}/unmerge", response=RESPONSE, summary="Take the case out of its common issue")
def unmerge(request, case_id: int, payload: NoteIn):
    _visible(request, case_id)
    dispatch.case_unmerge(actor=request.user, case_id=case_id, note=payload.note)
    return _detail(request, case_id)


# Handling ---------------------------------------------------------------------------------------------------


@router.post(
    f"{CASE}/accept",
    response=RESPONSE,
    summary="Accept the case for your unit (签收)",
    description="When the lead unit accepts, handling starts.",
)
def accept(request, case_id: int):
    _visible(request, case_id)
    handling.case_accept(actor=request.user, case_id=case_id)
    return _detail(request, case_id)


@router.post(
    f"{CASE}/return",
    response=RESPONSE,
    summary="Return the case, saying why (退回)",
    description="A unit returns what it was given before accepting it as lead; a lead return sends the case back "
    "to the office.",
)
def return_case(request, case_id: int, payload: ReasonIn):
    _visible(request, case_id)
    handling.case_return(actor=request.user, case_id=case_id, reason=payload.reason)
    return _detail(request, case_id)


@router.post(
    f"{CASE}/progress",
    response=RESPONSE,
    summary="Add a progress note, with files (multipart)",
    description="Form fields: note; files (any number up to 10: PDF, images, Office documents, ZIP, text).",
)
def progress(request, case_id: int, note: Form[str] = "", files: File[list[UploadedFile]] = None):
    _visible(request, case_id)
    handling.case_progress(actor=request.user, case_id=case_id, note=note, uploads=files or [])
    return _detail(request, case_id)


@router.post(
    f"{CASE}/wait",
    response=RESPONSE,
    summary="Ask the enterprise for material; the deadline clock stops (待企业补充)",
)
def wait(request, case_id: int, payload: WaitIn):
    _visible(request, case_id)
    handling.case_wait(actor=request.user, case_id=case_id, request=payload.request)
    return _detail(request, case_id)


@router.post(
    f"{CASE}/resume",
    response=RESPONSE,
    summary="Supply the material (the enterprise) or resume without it (the lead unit), with files (multipart)",
    description="Form fields: note (required from the enterprise); files.",
)
def resume(request, case_id: int, note: Form[str] = "", files: File[list[UploadedFile]] = None):
    _visible(request, case_id)
    handling.case_resume(actor=request.user, case_id=case_id, note=note, uploads=files or [])
    return _detail(request, case_id)


@router.post(
    f"{CASE}/extensions",
    response=RESPONSE,
    summary="Ask the office for more working days (延期申请)",
    description="The lead unit, 1 to 60 working days, with a reason; one request awaits a decision at a time.",
)
def request_extension(request, case_id: int, payload: ExtensionIn):
    _visible(request, case_id)
    handling.extension_request(actor=request.user, case_id=case_id, days=payload.days, reason=payload.reason)
    return _detail(request, case_id)


@router.post(
    f"{CASE}/extensions/{{int:extension_id}}/decision",
    response=RESPONSE,
    summary="Approve or refuse an extension request",
    description="The office only. A refusal needs a note; an approval moves the deadline out.",
)
def decide_extension(request, case_id: int, extension_id: int, payload: DecisionIn):
    get_for_user(request.user, ExtensionRequest.objects.filter(case_id=case_id), pk=extension_id)
    handling.extension_decide(actor=request.user, extension_id=extension_id, approve=payload.approve, note=payload.note)
    return _detail(request, case_id)


@router.post(
    f"{CASE}/replies",
    response=RESPONSE,
    summary="Draft the lead unit's reply, with evidence files (multipart)",
    description="Form fields: outcome (solved, explained or not_solved), text, files. The reply waits for the "
    "unit head's approval; a head's own reply resolves the case at once.",
)
def draft_reply(
    request, case_id: int, outcome: Form[str] = "", text: Form[str] = "", files: File[list[UploadedFile]] = None
):
    _visible(request, case_id)
    handling.reply_draft(actor=request.user, case_id=case_id, outcome=outcome, text=text, uploads=files or [])
    return _detail(request, case_id)


@router.post(
    f"{CASE}/replies/{{int:reply_id}}/decision",
    response=RESPONSE,
    summary="Approve the reply (the case is resolved) or send it back with a note",
    description="The head of the replying unit only.",
)
def decide_reply(request, case_id: int, reply_id: int, payload: DecisionIn):
    get_for_user(request.user, CaseReply.objects.filter(case_id=case_id), pk=reply_id)
    handling.reply_decide(actor=request.user, reply_id=reply_id, approve=payload.approve, note=payload.note)
    return _detail(request, case_id)


# Review -----------------------------------------------------------------------------------------------------


@router.post(
    f"{CASE}/rate",
    response=RESPONSE,
    summary="Rate the resolved case (the enterprise)",
    description="rating: satisfied or basically_satisfied (the case closes), unsatisfied (a comment is "
    "required; with reopen the case goes back to the lead unit at once).",
)
def rate(request, case_id: int, payload: RateIn):
    _visible(request, case_id)
    review.case_rate(
        actor=request.user, case_id=case_id, rating=payload.rating, comment=payload.comment, reopen=payload.reopen
    )
    return _detail(request, case_id)


@router.post(
    f"{CASE}/reopen",
    response=RESPONSE,
    summary="Reopen the resolved case (重办)",
    description="The enterprise (when it has not rated it satisfied) or the office, with the reason.",
)
def reopen(request, case_id: int, payload: ReasonIn):
    _visible(request, case_id)
    review.case_reopen(actor=request.user, case_id=case_id, reason=payload.reason)
    return _detail(request, case_id)


@router.post(
    f"{CASE}/close",
    response=RESPONSE,
    summary="Close the resolved case (销号) with the office's note",
)
def close(request, case_id: int, payload: NoteIn):
    _visible(request, case_id)
    review.case_close(actor=request.user, case_id=case_id, note=payload.note)
    return _detail(request, case_id)


@router.post(
    f"{CASE}/callbacks",
    response={201: CallbackOut, **ERRORS},
    summary="Record a callback to the enterprise (回访)",
    description="The office only, on a resolved or closed case. A reached call with a rating on a resolved, "
    "unrated case records the enterprise's rating by phone. callback_id completes a planned spot check.",
)
def record_callback(request, case_id: int, payload: CallbackIn):
    _visible(request, case_id)
    callback: Callback = review.callback_record(
        actor=request.user,
        case_id=case_id,
        reached=payload.reached,
        rating=payload.rating,
        comment=payload.comment,
        confirmed=payload.confirmed,
        callback_id=payload.callback_id,
    )
    return Status(201, callback)


# Supervision ------------------------------------------------------------------------------------------------


@router.post(
    f"{CASE}/supervisions",
    response={201: SupervisionOut, **ERRORS},
    summary="Send a supervision notice to a unit holding the case (督办)",
    description="The office only. unit_id: the lead unit when left out; reply_days: 1 to 20 working days.",
)
def supervise(request, case_id: int, payload: SuperviseIn):
    _visible(request, case_id)
    notice: Supervision = supervision.case_supervise(
        actor=request.user,
        case_id=case_id,
        text=payload.text,
        unit_id=payload.unit_id,
        reply_days=payload.reply_days,
    )
    return Status(201, notice)


@router.post(
    f"{CASE}/supervisions/{{int:supervision_id}}/reply",
    response={200: SupervisionOut, **ERRORS},
    summary="Answer a supervision notice to your unit",
)
def answer_supervision(request, case_id: int, supervision_id: int, payload: SupervisionReplyIn):
    get_for_user(request.user, Supervision.objects.filter(case_id=case_id), pk=supervision_id)
    return supervision.supervision_reply(actor=request.user, supervision_id=supervision_id, reply=payload.reply)


@router.post(
    f"{CASE}/list",
    response=RESPONSE,
    summary="List the case for supervision (挂牌督办)",
    description="A leader or the office, with a note.",
)
def list_case(request, case_id: int, payload: NoteIn):
    _visible(request, case_id)
    supervision.case_list(actor=request.user, case_id=case_id, note=payload.note)
    return _detail(request, case_id)


@router.post(
    f"{CASE}/unlist",
    response=RESPONSE,
    summary="Take the case off the supervision list",
    description="The leader who listed it, or the office.",
)
def unlist_case(request, case_id: int, payload: NoteIn):
    _visible(request, case_id)
    supervision.case_unlist(actor=request.user, case_id=case_id, note=payload.note)
    return _detail(request, case_id)
