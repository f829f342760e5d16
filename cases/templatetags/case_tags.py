"""Template helpers of the case pages that any page showing cases may load: the state badge, the deadline's
warning level badge, and one trail event told in words.

    {% load case_tags %}
    {% state_badge case %} {% deadline_badge case %} {% event_summary event %}

deadline_badge takes the moments that split the levels from a `thresholds` variable of the context when a
list passes one (computed once per request), else computes them."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import format_html, format_html_join, linebreaks
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from cases.deadlines import Level, Thresholds
from cases.models import Assignment, Case, CaseEvent, Urgency

register = template.Library()
Kind = CaseEvent.Kind


def _label(choices, value) -> str:
    """The display label of a choice value; the raw value when the choices no longer know it (an old trail)."""
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value or "")


# Badges ---------------------------------------------------------------------------------------------------


@register.simple_tag
def state_badge(case) -> SafeString:
    """<span class="case-state case-state-in_progress">办理中</span>"""
    return format_html(
        '<span class="case-state case-state-{}" data-testid="case-state" data-state="{}">{}</span>',
        case.state,
        case.state,
        _label(Case.State, case.state),
    )


def _thresholds(context) -> Thresholds:
    thresholds = context.get("thresholds")
    if not isinstance(thresholds, Thresholds):
        thresholds = Thresholds.at()
    return thresholds


@register.simple_tag(takes_context=True)
def deadline_level(context, case) -> str:
    """The warning level of the case's resolve deadline (cases.deadlines.Level), '' when no clock runs."""
    return _thresholds(context).level(case.due_at, case.state, case.paused_since) or ""


@register.simple_tag(takes_context=True)
def deadline_badge(context, case) -> SafeString:
    """<span class="deadline deadline-overdue">逾期</span>, or nothing when no clock runs."""
    level = deadline_level(context, case)
    if not level:
        return mark_safe("")
    return format_html(
        '<span class="deadline deadline-{}" data-testid="deadline-level" data-level="{}">{}</span>',
        level,
        level,
        Level.LABELS[level],
    )


# Events ---------------------------------------------------------------------------------------------------


def _names(units) -> str:
    separator = pgettext("list separator", ", ")
    return separator.join(str(u.get("name", "")) for u in units or [] if isinstance(u, dict))


def _moment(value) -> str:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value or "")
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return date_format(moment, "Y-m-d H:i")


def _headline(event: CaseEvent) -> str:
    p = event.payload if isinstance(event.payload, dict) else {}
    kind = event.kind
    if kind == Kind.SUBMITTED:
        return _("Filed through %(channel)s: “%(title)s” (%(category)s, %(urgency)s).") % {
            "channel": _label(Case.Channel, p.get("channel")),
            "title": p.get("title", ""),
            "category": p.get("category", ""),
            "urgency": _label(Urgency, p.get("urgency")),
        }
    if kind in (Kind.ASSIGNED, Kind.REASSIGNED):
        parts = [
            (
                _("Assigned to %(lead)s as lead unit.")
                if kind == Kind.ASSIGNED
                else _("Reassigned to %(lead)s as lead unit.")
            )
            % {"lead": (p.get("lead") or {}).get("name", "")}
        ]
        if p.get("co"):
            parts.append(_("Co-handling: %(units)s.") % {"units": _names(p["co"])})
        if p.get("locality"):
            parts.append(_("Locality: %(units)s.") % {"units": _names(p["locality"])})
        if p.get("resolve_days") is not None:
            parts.append(
                _("Accept within %(accept)s, resolve within %(resolve)s working days.")
                % {"accept": p.get("accept_days", ""), "resolve": p["resolve_days"]}
            )
        return " ".join(parts)
    if kind == Kind.REJECTED:
        text = _("Not accepted: %(reason)s.") % {"reason": _label(Case.RejectReason, p.get("reason"))}
        if p.get("duplicate_of"):
            text += " " + _("Duplicate of case %(number)s.") % {"number": p["duplicate_of"]}
        return text
    if kind == Kind.MERGED:
        if p.get("title"):
            return _("Merged into the common issue “%(title)s”.") % {"title": p["title"]}
        return _("Filed together with other enterprises as one common issue.")
    if kind == Kind.UNMERGED:
        return _("Taken out of its common issue; handled on its own from here.")
    if kind == Kind.ACCEPTED:
        values = {"role": _label(Assignment.Role, p.get("role"))}
        if p.get("on_time", True):
            return _("Accepted as %(role)s, on time.") % values
        return _("Accepted as %(role)s, after the acceptance deadline.") % values
    if kind == Kind.RETURNED:
        return _("Returned by the %(role)s unit.") % {"role": _label(Assignment.Role, p.get("role"))}
    if kind == Kind.PROGRESS:
        return _("Progress note.")
    if kind == Kind.WAITING:
        return _("Material requested from the enterprise; the deadline clock is paused.")
    if kind == Kind.RESUMED:
        if p.get("by_enterprise"):
            return _("The enterprise supplied material; the deadline clock runs again.")
        return _("The lead unit resumed handling; the deadline clock runs again.")
    if kind == Kind.EXTENSION_REQUESTED:
        return _("Asked for %(days)s more working days.") % {"days": p.get("days", "")}
    if kind == Kind.EXTENSION_APPROVED:
        return _("Extension of %(days)s working days approved.") % {"days": p.get("days", "")}
    if kind == Kind.EXTENSION_REFUSED:
        return _("Extension of %(days)s working days refused.") % {"days": p.get("days", "")}
    if kind == Kind.REPLY_DRAFTED:
        return _("Reply drafted: %(outcome)s.") % {"outcome": _label(Case.Outcome, p.get("outcome"))}
    if kind == Kind.REPLY_SENT_BACK:
        return _("Reply sent back to the handler by the unit head.")
    if kind == Kind.RESOLVED:
        values = {"outcome": _label(Case.Outcome, p.get("outcome"))}
        if p.get("on_time", True):
            return _("Resolved: %(outcome)s, within the deadline.") % values
        return _("Resolved: %(outcome)s, after the deadline.") % values
    if kind == Kind.RATED:
        values = {"rating": _label(Case.Rating, p.get("rating"))}
        if p.get("via") == "phone":
            return _("Rated “%(rating)s” on a callback.") % values
        return _("Rated “%(rating)s” by the enterprise.") % values
    if kind == Kind.REOPENED:
        return _("Reopened (reopen no. %(count)s): a new deadline of %(days)s working days runs.") % {
            "count": p.get("count", ""),
            "days": p.get("resolve_days", ""),
        }
    if kind == Kind.CLOSED:
        reason = p.get("reason")
        if reason == "rated":
            text = _("Closed after the enterprise's rating.")
        elif reason == "auto":
            text = _("Closed automatically: not rated within %(days)s working days.") % {
                "days": p.get("working_days", "")
            }
        else:
            text = _("Closed by the office.")
        if p.get("rating"):
            text += " " + _("Rating: %(rating)s.") % {"rating": _label(Case.Rating, p["rating"])}
        return text
    if kind == Kind.CALLBACK:
        values = {"kind": _("Spot-check callback") if p.get("spot_check") else _("Callback")}
        if not p.get("reached"):
            return _("%(kind)s: the enterprise could not be reached.") % values
        text = _("%(kind)s: the enterprise was reached.") % values
        if p.get("rating"):
            text += " " + _("Rating given: %(rating)s.") % {"rating": _label(Case.Rating, p["rating"])}
        if p.get("confirmed") is True:
            text += " " + _("The enterprise confirms the reply.")
        elif p.get("confirmed") is False:
            text += " " + _("The enterprise does not confirm the reply.")
        return text
    if kind == Kind.SUPERVISED:
        values = {"unit": (p.get("to") or {}).get("name", ""), "days": p.get("reply_days", "")}
        if p.get("automatic"):
            return _("Automatic supervision notice to %(unit)s; reply within %(days)s working days.") % values
        return _("Supervision notice to %(unit)s; reply within %(days)s working days.") % values
    if kind == Kind.SUPERVISION_REPLIED:
        if p.get("on_time", True):
            return _("Supervision notice answered on time.")
        return _("Supervision notice answered after its deadline.")
    if kind == Kind.LISTED:
        return _("Listed for supervision (挂牌督办).")
    if kind == Kind.UNLISTED:
        return _("Taken off the supervision list.")
    if kind == Kind.REMINDED:
        return _("Deadline reminder: due %(due)s.") % {"due": _moment(p.get("due_at"))}
    if kind == Kind.ESCALATED:
        if p.get("level") == 2:
            return _("Overdue: escalated to the linked leader.")
        return _("Overdue: escalated to the unit head.")
    if kind == Kind.ATTACHED:
        return _("Files added.")
    return _label(Kind, kind)


# The free text each kind carries in its payload (other keys hold ids, numbers and flags).
TEXT_KEYS = {
    Kind.ASSIGNED: ("note",),
    Kind.REASSIGNED: ("note",),
    Kind.REJECTED: ("note",),
    Kind.UNMERGED: ("note",),
    Kind.RETURNED: ("reason",),
    Kind.PROGRESS: ("note",),
    Kind.WAITING: ("request",),
    Kind.RESUMED: ("note",),
    Kind.EXTENSION_REQUESTED: ("reason",),
    Kind.EXTENSION_APPROVED: ("note",),
    Kind.EXTENSION_REFUSED: ("note",),
    Kind.REPLY_DRAFTED: ("text",),
    Kind.REPLY_SENT_BACK: ("note",),
    Kind.RESOLVED: ("text",),
    Kind.RATED: ("comment",),
    Kind.REOPENED: ("reason",),
    Kind.CLOSED: ("note",),
    Kind.CALLBACK: ("note",),
    Kind.SUPERVISED: ("text",),
    Kind.SUPERVISION_REPLIED: ("reply",),
    Kind.LISTED: ("note",),
    Kind.UNLISTED: ("note",),
}


def _texts(event: CaseEvent) -> list[str]:
    p = event.payload if isinstance(event.payload, dict) else {}
    return [p[key] for key in TEXT_KEYS.get(event.kind, ()) if isinstance(p.get(key), str) and p[key].strip()]


def _attachments(event: CaseEvent) -> list[dict]:
    p = event.payload if isinstance(event.payload, dict) else {}
    return [a for a in p.get("attachments") or [] if isinstance(a, dict)]


@register.simple_tag
def event_summary(event: CaseEvent) -> SafeString:
    """What happened, in words: a headline from the event's kind and details, the free text it carries
    (reasons, notes, the reply), and the files it attached with links to download them."""
    html = format_html('<p class="event-what">{}</p>', _headline(event))
    texts = _texts(event)
    if texts:
        # linebreaks(autoescape=True) escapes the text itself and returns the <p>/<br> markup unmarked.
        html += format_html_join(
            "", '<div class="event-text">{}</div>', ((mark_safe(linebreaks(text, autoescape=True)),) for text in texts)
        )
    files = _attachments(event)
    if files:
        items = []
        for attachment in files:
            name = attachment.get("name", "")
            size = filesizeformat(attachment.get("size") or 0)
            if attachment.get("id"):
                url = reverse("case_attachment", args=[event.case_id, attachment["id"]])
                items.append(
                    format_html(
                        '<li><a href="{}" data-testid="event-file">{}</a> <small class="muted">{}</small></li>',
                        url,
                        name,
                        size,
                    )
                )
            else:
                items.append(format_html("<li>{} <small class='muted'>{}</small></li>", name, size))
        html += format_html('<ul class="event-files">{}</ul>', mark_safe("".join(items)))
    return html
