"""The case page (案件详情): everything about one case its viewer may read, and one small form per action the
viewer may take now (cases.selectors.detail.available_actions). Each form posts to its own view, which calls
one service; the service decides, and its message goes back next to the field it names.

A plain POST answers with a redirect to the page (success) or the page again with the form's errors (200).
An HTMX POST answers with the page's part (#case-page) again: 200 on success, 422 with the errors."""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.models import Role
from accounts.scope import get_for_user, has_role, scoped
from cases.deadlines import Thresholds
from cases.forms import actions as forms
from cases.models import Case, CaseAttachment, CaseEvent, CaseReply, ExtensionRequest, Supervision
from cases.selectors.detail import Actions, available_actions, can_see_case_contact, timeline
from cases.services import dispatch, handling, review, supervision
from cases.services.base import is_enterprise_user
from cases.services.trail import verify_case
from core.permissions import role_required
from enterprises.selectors.registry import mask_phone

READERS = tuple(Role.values)
State = Case.State

# The order the forms appear in: what the viewer is expected to do first.
ORDER = (
    "rate",
    "resume",
    "accept",
    "decide_reply",
    "answer_supervision",
    "decide_extension",
    "assign",
    "reject",
    "reply",
    "progress",
    "wait",
    "request_extension",
    "return",
    "callback",
    "close",
    "reopen",
    "supervise",
    "list",
    "unlist",
    "unmerge",
)
# Actions taken on one record of the case each, and where available_actions lists those records.
PER_ITEM = {
    "decide_extension": "extensions_to_decide",
    "decide_reply": "replies_to_decide",
    "answer_supervision": "supervisions_to_answer",
}
SLUGS = {name: name.replace("_", "-") for name in ORDER}


@dataclass
class Failed:
    """A form the service (or the form itself) refused, shown again with its messages and what was typed."""

    action: str
    item_id: int | None
    form: forms.ActionForm


def _case_for(user, pk) -> Case:
    return get_for_user(
        user,
        Case.objects.select_related(
            "enterprise", "category", "submitted_by", "lead_unit", "listed_by", "duplicate_of", "common_issue"
        ),
        pk=pk,
    )


def action_url(case_id: int, action: str, item_id: int | None = None) -> str:
    args = [case_id] if item_id is None else [case_id, item_id]
    return reverse(f"case_action_{action}", args=args)


def _form_kwargs(action: str, case: Case, *, live=None, by_enterprise: bool = False) -> dict:
    if action in ("assign", "supervise"):
        if live is None:
            live = [a for a in case.assignments.select_related("unit").order_by("pk") if a.is_live]
        return {"live_assignments": live}
    if action == "resume":
        return {"by_enterprise": by_enterprise}
    return {}


def _action_forms(case: Case, actions: Actions, *, live, by_enterprise: bool, failed: Failed | None) -> list:
    shown = []
    for name in ORDER:
        if name not in actions:
            continue
        items = getattr(actions, PER_ITEM[name]) if name in PER_ITEM else [None]
        for item in items:
            item_id = item.pk if item is not None else None
            if failed is not None and (failed.action, failed.item_id) == (name, item_id):
                form = failed.form
                form.open = True
            else:
                form = forms.FORMS[name](
                    case=case, item=item, **_form_kwargs(name, case, live=live, by_enterprise=by_enterprise)
                )
                form.open = not form.folded
            form.url = action_url(case.pk, name, item_id)
            shown.append(form)
    return shown


def _when(moment) -> str:
    return date_format(timezone.localtime(moment), "Y-m-d H:i") if moment else ""


def _expectations(case: Case, actions: Actions, events: list[CaseEvent], user, *, by_enterprise: bool) -> list:
    """What the page asks of its viewer now, or tells them to expect, as (key, text) pairs."""
    said = []
    if "rate" in actions:
        said.append(("rate", _("Please read the outcome below, then confirm and rate it.")))
    if by_enterprise and case.state == State.WAITING:
        asked = next((e for e in reversed(events) if e.kind == CaseEvent.Kind.WAITING), None)
        request = (asked.payload.get("request") if asked else "") or ""
        said.append(("material", _("Material requested: %(request)s") % {"request": request}))
    if "accept" in actions and actions.pending_assignment is not None:
        said.append(
            (
                "accept",
                _("Your unit is asked to accept this case (as %(role)s) by %(time)s.")
                % {
                    "role": actions.pending_assignment.get_role_display(),
                    "time": _when(actions.pending_assignment.accept_due_at),
                },
            )
        )
    if "decide_reply" in actions:
        said.append(("decide_reply", _("A reply awaits your approval.")))
    if "answer_supervision" in actions:
        said.append(("answer_supervision", _("A supervision notice awaits your unit's answer.")))
    if "decide_extension" in actions:
        said.append(("decide_extension", _("An extension request awaits your decision.")))
    if has_role(user, Role.OFFICE):
        if case.state == State.SUBMITTED:
            said.append(("dispatch", _("A new case: assign it to the units that must solve it, or reject it.")))
        elif case.state == State.RETURNED:
            said.append(("dispatch", _("The lead unit returned the case: assign it again.")))
    if by_enterprise:
        if case.state == State.SUBMITTED:
            said.append(
                ("status", _("The coordinating office will review your case and assign it to the unit responsible."))
            )
        elif case.state in (State.ASSIGNED, State.IN_PROGRESS, State.RETURNED):
            said.append(("status", _("Your case is being handled. You will be told when there is an outcome.")))
        elif case.state == State.RESOLVED and case.rating == Case.Rating.UNSATISFIED:
            said.append(("status", _("You rated the outcome unsatisfied. You may still reopen the case below.")))
    if case.state == State.WAITING and not by_enterprise and case.paused_since:
        said.append(
            (
                "waiting",
                _("Waiting for the enterprise's material since %(time)s; the deadline clock is paused.")
                % {"time": _when(case.paused_since)},
            )
        )
    return said


def _files_of(events: list[CaseEvent]) -> set[int]:
    """The ids of the files the events attached."""
    return {
        a["id"]
        for e in events
        if isinstance(e.payload, dict)
        for a in e.payload.get("attachments") or []
        if isinstance(a, dict) and a.get("id")
    }


def _page_context(request, case: Case, failed: Failed | None = None) -> dict:
    user = request.user
    by_enterprise = is_enterprise_user(user, case)
    actions = available_actions(user, case)
    events = timeline(user, case)
    # The chain is verified over the whole trail, which an enterprise does not read in full.
    trail = list(case.events.order_by("seq")) if by_enterprise else events
    assignments = list(case.assignments.select_related("unit", "accepted_by").order_by("pk"))
    live = [a for a in assignments if a.is_live]
    pending_reply = pending_extension = None
    if not by_enterprise:
        pending_reply = case.replies.filter(status=CaseReply.Status.PENDING).select_related("drafted_by").first()
        pending_extension = case.extensions.filter(status=ExtensionRequest.Status.PENDING).first()
    members = []
    if case.common_issue_id:
        members = list(
            scoped(user, Case.objects.filter(common_issue_id=case.common_issue_id))
            .exclude(pk=case.pk)
            .select_related("enterprise")
            .order_by("pk")
        )
    own_contact = bool(case.contact_name or case.contact_phone)
    contact_name = case.contact_name if own_contact else case.enterprise.contact_name
    phone = case.contact_phone if own_contact else case.enterprise.contact_phone
    phone_full = can_see_case_contact(user, case, live)
    attachments = list(case.attachments.select_related("uploaded_by").order_by("uploaded_at", "pk"))
    if by_enterprise:
        # An enterprise reads the files of the events it reads: not the evidence of a reply its head sent back.
        readable = _files_of(events)
        attachments = [a for a in attachments if a.pk in readable]
    action_forms = _action_forms(case, actions, live=live, by_enterprise=by_enterprise, failed=failed)
    refused = failed.form if failed is not None and not any(f is failed.form for f in action_forms) else None
    return {
        "case": case,
        "thresholds": Thresholds.at(),
        "by_enterprise": by_enterprise,
        "actions": actions,
        "action_forms": action_forms,
        "refused": refused,
        "expectations": _expectations(case, actions, events, user, by_enterprise=by_enterprise),
        "events": events,
        "broken_link": verify_case(case, trail),
        "trail_length": len(trail),
        "assignments": assignments,
        "attachments": attachments,
        "members": members,
        "pending_reply": pending_reply,
        "pending_extension": pending_extension,
        "contact_name": contact_name,
        "contact_phone": phone if phone_full else mask_phone(phone),
        "contact_phone_full": phone_full,
        "smart_dispatch": not by_enterprise
        and has_role(user, Role.OFFICE)
        and case.state in (State.SUBMITTED, State.RETURNED),
    }


def _render(request, case: Case, *, failed: Failed | None = None, status: int = 200):
    context = _page_context(request, case, failed)
    context["partial"] = bool(request.htmx)
    template = "cases/detail/_page.html" if request.htmx else "cases/detail/page.html"
    return render(request, template, context, status=status)


@role_required(*READERS)
def case_detail(request, pk):
    return _render(request, _case_for(request.user, pk))


@role_required(*READERS)
def case_attachment(request, pk, attachment_pk):
    """A file of the case, under its original name; 404 outside the viewer's scope or on another case."""
    attachment = get_for_user(
        request.user, CaseAttachment.objects.filter(case_id=pk).select_related("case"), pk=attachment_pk
    )
    if is_enterprise_user(request.user, attachment.case) and attachment.pk not in _files_of(
        timeline(request.user, attachment.case)
    ):
        raise Http404("No such file on the events this viewer reads.")
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404("The file is missing from storage.") from None
    return FileResponse(handle, as_attachment=True, filename=attachment.original_name)


# The actions ---------------------------------------------------------------------------------------------


def _after_success(request, pk: int, message: str):
    messages.success(request, message)
    try:
        case = _case_for(request.user, pk)
    except Http404:
        # The action took the case out of the viewer's sight (none does today, but a reassignment might).
        if request.htmx:
            return HttpResponse(headers={"HX-Redirect": reverse("home")})
        return redirect("home")
    if request.htmx:
        return _render(request, case)
    return redirect("case_detail", pk)


def case_action(action: str, message, item_model=None):
    """Make the view of one action from a function that calls its service: (actor, case, cleaned data, item).
    The service's PermissionDenied answers 403 and its Http404 404; its ValidationError shows on the form."""

    def decorate(call):
        @require_POST
        @role_required(*READERS)
        @wraps(call)
        def view(request, pk, item_pk=None):
            case = _case_for(request.user, pk)
            item = None
            if item_model is not None:
                item = get_for_user(request.user, item_model.objects.filter(case_id=case.pk), pk=item_pk)
            form = forms.FORMS[action](
                request.POST,
                request.FILES,
                case=case,
                item=item,
                **_form_kwargs(action, case, by_enterprise=is_enterprise_user(request.user, case)),
            )
            if form.is_valid():
                try:
                    call(request.user, case, form.cleaned_data, item)
                except ValidationError as error:
                    forms.apply_errors(form, error)
                else:
                    return _after_success(request, case.pk, str(message))
            failed = Failed(action, item_pk, form)
            return _render(request, case, failed=failed, status=422 if request.htmx else 200)

        view.action = action
        view.per_item = item_model is not None
        return view

    return decorate


@case_action("assign", gettext_lazy("The case is assigned."))
def assign(actor, case, data, item):
    dispatch.case_assign(
        actor=actor,
        case_id=case.pk,
        lead_unit_id=data["lead_unit"],
        co_unit_ids=data["co_units"],
        locality_unit_ids=data["locality_units"],
        category_id=data["category"],
        urgency=data["urgency"],
        note=data["note"],
    )


@case_action("reject", gettext_lazy("The case is rejected; the enterprise is told why."))
def reject(actor, case, data, item):
    dispatch.case_reject(
        actor=actor,
        case_id=case.pk,
        reason=data["reason"],
        note=data["note"],
        duplicate_of_number=data["duplicate_of"],
    )


@case_action("unmerge", gettext_lazy("The case is taken out of its common issue."))
def unmerge(actor, case, data, item):
    dispatch.case_unmerge(actor=actor, case_id=case.pk, note=data["note"])


@case_action("accept", gettext_lazy("Your unit accepted the case."))
def accept(actor, case, data, item):
    handling.case_accept(actor=actor, case_id=case.pk)


@case_action("return", gettext_lazy("The case is returned to the office."))
def return_(actor, case, data, item):
    handling.case_return(actor=actor, case_id=case.pk, reason=data["reason"])


@case_action("progress", gettext_lazy("The progress note is added."))
def progress(actor, case, data, item):
    handling.case_progress(actor=actor, case_id=case.pk, note=data["note"], uploads=data["files"])


@case_action("wait", gettext_lazy("The enterprise is asked for the material; the deadline clock is paused."))
def wait(actor, case, data, item):
    handling.case_wait(actor=actor, case_id=case.pk, request=data["request"])


@case_action("resume", gettext_lazy("Sent; the case is being handled again."))
def resume(actor, case, data, item):
    handling.case_resume(actor=actor, case_id=case.pk, note=data["note"], uploads=data["files"])


@case_action("request_extension", gettext_lazy("The extension request is sent to the office."))
def request_extension(actor, case, data, item):
    handling.extension_request(actor=actor, case_id=case.pk, days=data["days"], reason=data["reason"])


@case_action("decide_extension", gettext_lazy("The extension request is decided."), ExtensionRequest)
def decide_extension(actor, case, data, item):
    handling.extension_decide(
        actor=actor, extension_id=item.pk, approve=data["decision"] == "approve", note=data["note"]
    )


@case_action("reply", gettext_lazy("The reply is submitted."))
def reply(actor, case, data, item):
    handling.reply_draft(
        actor=actor, case_id=case.pk, outcome=data["outcome"], text=data["text"], uploads=data["files"]
    )


@case_action("decide_reply", gettext_lazy("The reply is decided."), CaseReply)
def decide_reply(actor, case, data, item):
    handling.reply_decide(actor=actor, reply_id=item.pk, approve=data["decision"] == "approve", note=data["note"])


@case_action("rate", gettext_lazy("Thank you: your rating is recorded."))
def rate(actor, case, data, item):
    review.case_rate(
        actor=actor, case_id=case.pk, rating=data["rating"], comment=data["comment"], reopen=data["reopen"]
    )


@case_action("reopen", gettext_lazy("The case is reopened and sent back to the lead unit."))
def reopen(actor, case, data, item):
    review.case_reopen(actor=actor, case_id=case.pk, reason=data["reason"])


@case_action("close", gettext_lazy("The case is closed."))
def close(actor, case, data, item):
    review.case_close(actor=actor, case_id=case.pk, note=data["note"])


@case_action("callback", gettext_lazy("The callback is recorded."))
def callback(actor, case, data, item):
    review.callback_record(
        actor=actor, case_id=case.pk, reached=data["reached"], rating=data["rating"], comment=data["comment"]
    )


@case_action("supervise", gettext_lazy("The supervision notice is sent."))
def supervise(actor, case, data, item):
    supervision.case_supervise(
        actor=actor, case_id=case.pk, text=data["text"], unit_id=data["unit"], reply_days=data["reply_days"]
    )


@case_action("answer_supervision", gettext_lazy("The supervision notice is answered."), Supervision)
def answer_supervision(actor, case, data, item):
    supervision.supervision_reply(actor=actor, supervision_id=item.pk, reply=data["reply"])


@case_action("list", gettext_lazy("The case is listed for supervision."))
def list_(actor, case, data, item):
    supervision.case_list(actor=actor, case_id=case.pk, note=data["note"])


@case_action("unlist", gettext_lazy("The case is taken off the supervision list."))
def unlist(actor, case, data, item):
    supervision.case_unlist(actor=actor, case_id=case.pk, note=data["note"])


ACTION_VIEWS = [
    assign,
    reject,
    unmerge,
    accept,
    return_,
    progress,
    wait,
    resume,
    request_extension,
    decide_extension,
    reply,
    decide_reply,
    rate,
    reopen,
    close,
    callback,
    supervise,
    answer_supervision,
    list_,
    unlist,
]


def _action_path(view):
    route = f"cases/<int:pk>/{SLUGS[view.action]}/" + ("<int:item_pk>/" if view.per_item else "")
    return path(route, view, name=f"case_action_{view.action}")


urlpatterns = [
    path("cases/<int:pk>/", case_detail, name="case_detail"),
    path("cases/<int:pk>/attachments/<int:attachment_pk>/", case_attachment, name="case_attachment"),
    *[_action_path(view) for view in ACTION_VIEWS],
]
