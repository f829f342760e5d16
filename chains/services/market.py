"""Supply and demand (供需对接, issue 7 item 2): enterprises post what they offer and what they need, the
platform proposes matches (chains.market_score), the coordinating office brokers them and records what came
of them.

Who writes:
- an enterprise user: the posts of its own enterprise (create, change, close);
- the coordinating office: the posts of any enterprise, and every match (broker, record the outcome);
- everyone else (leaders, units, townships, cadres, auditors): nobody (PermissionDenied → 403).
Reading follows chains/scope_rules.py: a post or match outside the reader's scope answers 404 before any
permission is checked.

A match moves proposed → brokered → contacted → agreed, or to declined from any of the first three (a
proposal the office dismisses is declined too, so that it is not proposed again). Only proposed matches
belong to the platform: refresh_matches creates, rescores and deletes them, and never touches a match the
office has taken up.

The rules, checked here whatever the caller (pages, API, the management command):
- a post has a kind (offer or need) and a title of at most 80 characters; its period ends on or after it
  starts; its node, when given, is a node of an active chain; a post stays with its enterprise, and keeps its
  kind once the office has taken up one of its matches; a closed post changes no more;
- an agreement has an amount (10k yuan) and the date it was signed (not in the future); a decline says why.
Each change of a match runs in one transaction with the match's row locked, so two office users take turns.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.scope import get_for_user, has_role, is_office, scoped
from chains import market_score
from chains.models import ChainNode, MarketMatch, MarketPost
from chains.selectors import market as selectors
from core.notifications import notify
from core.validation import FieldErrors, clean_text, parse_date, parse_id
from enterprises.models import Enterprise

Kind = MarketPost.Kind
PostStatus = MarketPost.Status
MatchStatus = MarketMatch.Status

POST_FIELDS = ("enterprise", "kind", "title", "description", "node", "quantity", "period_from", "period_to")
TEXT_LIMITS = {"title": 80, "description": 4000, "quantity": 60}
NOTE_LIMIT = 4000
# What record may move a match to, from each status.
TRANSITIONS = {
    MatchStatus.PROPOSED: (MatchStatus.DECLINED,),
    MatchStatus.BROKERED: (MatchStatus.CONTACTED, MatchStatus.DECLINED),
    MatchStatus.CONTACTED: (MatchStatus.AGREED, MatchStatus.DECLINED),
}
MAX_AMOUNT = Decimal(10) ** 12


# Who may write -------------------------------------------------------------------------------------------


def _active(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.is_active


def is_enterprise_user(user) -> bool:
    return _active(user) and bool(user.enterprise_id) and has_role(user, Role.ENTERPRISE)


def can_post(user) -> bool:
    """Create posts: an enterprise user for its own enterprise, the office for any."""
    return _active(user) and (is_office(user) or is_enterprise_user(user))


def can_edit_post(user, post: MarketPost) -> bool:
    if not _active(user):
        return False
    if is_office(user):
        return True
    return is_enterprise_user(user) and post.enterprise_id == user.enterprise_id


def can_broker(user) -> bool:
    """Broker matches and record their outcome: the office only."""
    return _active(user) and is_office(user)


def _require_poster(actor) -> None:
    if not can_post(actor):
        raise PermissionDenied(_("Only enterprise users and the coordinating office post supply and demand."))


def _require_post_editor(actor, post: MarketPost) -> None:
    if not can_edit_post(actor, post):
        raise PermissionDenied(
            _("Only the enterprise that posted it and the coordinating office may change this post.")
        )


def _require_broker(actor) -> None:
    if not can_broker(actor):
        raise PermissionDenied(_("Only the coordinating office brokers matches and records their outcome."))


# Checking the fields -------------------------------------------------------------------------------------


def _check_text(name: str, value, errors: FieldErrors) -> str:
    text = clean_text(value)
    limit = TEXT_LIMITS[name]
    if len(text) > limit:
        errors.add(name, _("At most %(limit)s characters (this has %(count)s).") % {"limit": limit, "count": len(text)})
    return text


def _enterprise(actor, value, errors: FieldErrors) -> Enterprise | None:
    """The enterprise of a new post: the actor's own for an enterprise user; for the office one in its scope,
    by id or by its 18-character credit code."""
    if is_enterprise_user(actor) and not is_office(actor):
        if value not in (None, "") and parse_id(value) != actor.enterprise_id:
            errors.add("enterprise", _("You post for your own enterprise only."))
            return None
        return actor.enterprise
    text = clean_text(value.pk if hasattr(value, "pk") else value)
    if not text:
        errors.add("enterprise", _("Choose the enterprise the post is for."))
        return None
    visible = scoped(actor, Enterprise.objects.select_related("region"))
    if len(text) == 18:
        found = visible.filter(credit_code=text.upper()).first()
    else:
        pk = parse_id(text)
        found = visible.filter(pk=pk).first() if pk else None
    if found is None:
        errors.add(
            "enterprise", _("No enterprise in your scope has the id or credit code “%(value)s”.") % {"value": text}
        )
    return found


def _node(actor, value, errors: FieldErrors) -> ChainNode | None:
    pk = parse_id(value)
    if pk is None:
        return None
    node = (
        scoped(actor, ChainNode.objects.select_related("chain")).filter(pk=pk, chain__is_active=True).first()
        if pk is not False
        else None
    )
    if node is None:
        errors.add("node", _("Choose a node of an active industry chain (or none)."))
    return node


def clean_post(actor, values: dict, *, current: MarketPost | None = None) -> dict:
    """Every field of a post checked at once: the cleaned values (those given, all of them on create), or
    ValidationError keyed by field."""
    errors = FieldErrors()
    unknown = sorted(set(values) - set(POST_FIELDS))
    if unknown:
        errors.add("__all__", _("Unknown field(s): %(fields)s.") % {"fields": ", ".join(unknown)})
    creating = current is None
    cleaned: dict = {}
    if creating:
        cleaned["enterprise"] = _enterprise(actor, values.get("enterprise"), errors)
    elif values.get("enterprise") not in (None, "") and parse_id(values["enterprise"]) != current.enterprise_id:
        errors.add("enterprise", _("A post stays with its enterprise: close it and post again for the other one."))

    if "kind" in values or creating:
        kind = clean_text(values.get("kind"))
        if kind not in Kind.values:
            errors.add("kind", _("Say whether the enterprise offers or needs it (offer or need)."))
        elif current is not None and kind != current.kind and taken_up(current):
            errors.add(
                "kind",
                _("The office has taken up a match of this post: it stays a %(kind)s.")
                % {"kind": current.get_kind_display()},
            )
        cleaned["kind"] = kind
    if "title" in values or creating:
        title = _check_text("title", values.get("title"), errors)
        if not title:
            errors.add("title", _("Name the product or service."))
        cleaned["title"] = title
    for name in ("description", "quantity"):
        if name in values:
            cleaned[name] = _check_text(name, values[name], errors)
    if "node" in values:
        cleaned["node"] = _node(actor, values["node"], errors)
    for name in ("period_from", "period_to"):
        if name in values:
            day = parse_date(values[name])
            if day is False:
                errors.add(name, _("Enter a date such as 2026-03-01."))
            else:
                cleaned[name] = day
    start = cleaned.get("period_from", current.period_from if current else None)
    end = cleaned.get("period_to", current.period_to if current else None)
    if start and end and end < start and "period_from" not in errors and "period_to" not in errors:
        errors.add("period_to", _("The period ends on or after the day it starts (%(start)s).") % {"start": start})
    errors.raise_if_any()
    return cleaned


def taken_up(post: MarketPost) -> bool:
    """Whether the office has taken up (brokered, recorded) a match of the post."""
    return MarketMatch.objects.filter(Q(offer=post) | Q(need=post)).exclude(status=MatchStatus.PROPOSED).exists()


# Posts -----------------------------------------------------------------------------------------------------


@transaction.atomic
def post_save(*, actor, post_id: int | None = None, **fields) -> MarketPost:
    """Create a post (post_id None) or change one: only the fields given change. `enterprise` (create only,
    the office): an enterprise id or credit code; `node`: a node id of an active chain, or None. The post's
    matches are refreshed once the change is committed."""
    _require_poster(actor)
    post = None
    if post_id is not None:
        found = get_for_user(actor, MarketPost, pk=post_id)
        _require_post_editor(actor, found)
        post = MarketPost.objects.select_for_update().get(pk=found.pk)
        if post.status == PostStatus.CLOSED:
            raise ValidationError(_("This post is closed: it changes no more."))
    cleaned = clean_post(actor, fields, current=post)
    if post is None:
        post = MarketPost(created_by=actor)
    for name, value in cleaned.items():
        setattr(post, name, value)
    post.save()
    pk = post.pk
    transaction.on_commit(lambda: refresh_matches([pk]))
    return post


@transaction.atomic
def post_close(*, actor, post_id: int) -> MarketPost:
    """Close a post: it is no longer matched, and its proposals go (the matches the office has taken up stay,
    with their outcome)."""
    found = get_for_user(actor, MarketPost, pk=post_id)
    _require_post_editor(actor, found)
    post = MarketPost.objects.select_for_update().get(pk=found.pk)
    if post.status == PostStatus.CLOSED:
        raise ValidationError(_("This post is closed already."))
    post.status = PostStatus.CLOSED
    post.save(update_fields=["status", "updated_at"])
    MarketMatch.objects.filter(Q(offer=post) | Q(need=post), status=MatchStatus.PROPOSED).delete()
    return post


# Proposing matches ---------------------------------------------------------------------------------------


@dataclass
class RefreshResult:
    created: int = 0
    updated: int = 0
    deleted: int = 0


def _facts(posts) -> list[market_score.PostFacts]:
    return [
        market_score.PostFacts(
            id=p.pk,
            kind=p.kind,
            enterprise_id=p.enterprise_id,
            region_id=p.enterprise.region_id,
            region_name=p.enterprise.region.name,
            title=p.title,
            description=p.description,
            node_id=p.node_id,
        )
        for p in posts
    ]


def _node_facts() -> dict[int, market_score.NodeFacts]:
    rows = ChainNode.objects.filter(chain__is_active=True).values_list(
        "pk", "chain_id", "parent_id", "stage", "name", "chain__name"
    )
    return {row[0]: market_score.NodeFacts(*row) for row in rows}


@transaction.atomic
def refresh_matches(post_ids=None) -> RefreshResult:
    """Propose the matches of the open posts (those of `post_ids` with every open post of the other kind, or
    all of them): create the pairs that now reach the threshold, rescore the proposed ones, delete the
    proposed ones that no longer do (their score fell, a post closed or changed its kind). A match the office
    has taken up is never touched, nor re-proposed once declined. The reasons are written in the platform's
    language."""
    open_posts = MarketPost.objects.filter(status=PostStatus.OPEN).select_related("enterprise__region")
    if post_ids is not None:
        post_ids = list(post_ids)
        subjects = _facts(open_posts.filter(pk__in=post_ids))
        opposite = {Kind.OFFER: Kind.NEED, Kind.NEED: Kind.OFFER}
        wanted = {opposite[p.kind] for p in subjects}
        others = _facts(open_posts.filter(kind__in=wanted).exclude(pk__in=post_ids)) if wanted else []
        posts = {p.id: p for p in [*others, *subjects]}
        offers = [p for p in posts.values() if p.kind == Kind.OFFER]
        needs = [p for p in posts.values() if p.kind == Kind.NEED]
        subject_ids = {p.id for p in subjects}
        pairs = {(o, n) for o, n in market_score.candidate_pairs(offers, needs) if o in subject_ids or n in subject_ids}
        existing = MarketMatch.objects.filter(Q(offer_id__in=post_ids) | Q(need_id__in=post_ids))
    else:
        posts = {p.id: p for p in _facts(open_posts)}
        offers = [p for p in posts.values() if p.kind == Kind.OFFER]
        needs = [p for p in posts.values() if p.kind == Kind.NEED]
        pairs = market_score.candidate_pairs(offers, needs)
        existing = MarketMatch.objects.all()

    nodes = _node_facts()
    with translation.override(settings.LANGUAGE_CODE):
        scores = {}
        for offer_id, need_id in pairs:
            score = market_score.score_pair(posts[offer_id], posts[need_id], nodes)
            if score.proposed:
                scores[(offer_id, need_id)] = score

    result = RefreshResult()
    known = {
        (m.offer_id, m.need_id): m for m in existing.only("pk", "offer_id", "need_id", "status", "score", "reasons")
    }
    stale = [m.pk for key, m in known.items() if m.status == MatchStatus.PROPOSED and key not in scores]
    if stale:
        # The status is checked again by the DELETE itself: a match brokered meanwhile stays.
        result.deleted, _by_model = MarketMatch.objects.filter(pk__in=stale, status=MatchStatus.PROPOSED).delete()
    new = []
    for key, score in scores.items():
        match = known.get(key)
        if match is None:
            new.append(MarketMatch(offer_id=key[0], need_id=key[1], score=score.points, reasons=score.reasons))
        elif match.status == MatchStatus.PROPOSED and (match.score != score.points or match.reasons != score.reasons):
            result.updated += MarketMatch.objects.filter(pk=match.pk, status=MatchStatus.PROPOSED).update(
                score=score.points, reasons=score.reasons, updated_at=timezone.now()
            )
    if new:
        # A concurrent refresh may have proposed the same pair: the unique pair constraint keeps one.
        before = MarketMatch.objects.count()
        MarketMatch.objects.bulk_create(new, ignore_conflicts=True)
        result.created = MarketMatch.objects.count() - before
    return result


# Brokering and recording ---------------------------------------------------------------------------------


def _match_for_change(actor, match_id) -> MarketMatch:
    """The match the actor reads (else 404: an enterprise user does not read proposals), the actor the office
    (else 403), locked, with its posts."""
    selectors.match_for(user=actor, pk=match_id)
    _require_broker(actor)
    locked = MarketMatch.objects.select_for_update().get(pk=match_id)
    posts = MarketPost.objects.select_related("enterprise").in_bulk([locked.offer_id, locked.need_id])
    locked.offer, locked.need = posts[locked.offer_id], posts[locked.need_id]
    return locked


def _enterprise_users(enterprise_id: int) -> list[User]:
    return list(User.objects.filter(enterprise_id=enterprise_id, is_active=True).order_by("pk"))


def _post_link(post: MarketPost) -> str:
    return reverse("market_post_detail", args=[post.pk])


def _notify_brokered(match: MarketMatch) -> None:
    """Each side hears who the office is putting it in touch with, about which of its posts."""
    with translation.override(settings.LANGUAGE_CODE):
        for own, other in ((match.offer, match.need), (match.need, match.offer)):
            notify(
                _enterprise_users(own.enterprise_id),
                _("Supply and demand: the office puts you in touch with %(other)s") % {"other": other.enterprise.name},
                _(
                    "About your post “%(own)s”: %(other)s posted “%(theirs)s”. The coordinating office will "
                    "arrange the contact."
                )
                % {"own": own.title, "other": other.enterprise.name, "theirs": other.title},
                link=_post_link(own),
                topic=f"market:match:{match.pk}:brokered",
            )


@transaction.atomic
def match_broker(*, actor, match_id: int, note: str = "") -> MarketMatch:
    """The office takes up a proposed match (proposed → brokered) and both enterprises' users are told."""
    match = _match_for_change(actor, match_id)
    if match.status != MatchStatus.PROPOSED:
        raise ValidationError(
            _("This match is %(status)s already: only a proposed match is brokered.")
            % {"status": match.get_status_display()}
        )
    closed = [p.title for p in (match.offer, match.need) if p.status == PostStatus.CLOSED]
    if closed:
        raise ValidationError(_("The post “%(title)s” is closed.") % {"title": closed[0]})
    errors = FieldErrors()
    note = _note(note, errors)
    errors.raise_if_any()
    match.status = MatchStatus.BROKERED
    match.broker = actor
    match.note = _append(match.note, note)
    match.save(update_fields=["status", "broker", "note", "updated_at"])
    _notify_brokered(match)
    return match


def _note(value, errors: FieldErrors) -> str:
    note = clean_text(value)
    if len(note) > NOTE_LIMIT:
        errors.add(
            "note", _("At most %(limit)s characters (this has %(count)s).") % {"limit": NOTE_LIMIT, "count": len(note)}
        )
    return note


def _append(existing: str, note: str) -> str:
    # A match's note is its diary: each step adds to it, none overwrites what the office wrote before.
    if not note:
        return existing
    return f"{existing}\n{note}" if existing else note


def _amount(value, errors: FieldErrors) -> Decimal | None:
    if value in (None, ""):
        errors.add("amount", _("Give the amount of the agreement in 10k yuan (0 when it has none)."))
        return None
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        errors.add("amount", _("Enter an amount in 10k yuan, e.g. 150 or 12.5."))
        return None
    if not amount.is_finite() or amount < 0:
        errors.add("amount", _("The amount cannot be negative."))
    elif amount.as_tuple().exponent < -2:
        errors.add("amount", _("Give the amount to at most 2 decimal places (10k yuan)."))
    elif amount >= MAX_AMOUNT:
        errors.add("amount", _("The amount is too large."))
    else:
        return amount
    return None


@transaction.atomic
def match_record(
    *,
    actor,
    match_id: int,
    status: str,
    note: str = "",
    amount=None,
    agreed_on=None,
    today: dt.date | None = None,
) -> MarketMatch:
    """Record what came of a brokered match: contacted (brokered → contacted), agreed (contacted → agreed,
    with the amount in 10k yuan and the day it was signed) or declined (from proposed, brokered or contacted,
    with a note saying why)."""
    match = _match_for_change(actor, match_id)
    today = today or timezone.localdate()
    status = clean_text(status)
    if status not in MatchStatus.values:
        raise ValidationError({"status": [_("Unknown status “%(value)s”.") % {"value": status}]})
    allowed = TRANSITIONS.get(match.status, ())
    if status not in allowed:
        current, wanted = match.get_status_display(), MatchStatus(status).label
        if match.status in (MatchStatus.AGREED, MatchStatus.DECLINED):
            message = _("This match is %(current)s: its outcome is recorded already.") % {"current": current}
        elif status == MatchStatus.AGREED and match.status == MatchStatus.BROKERED:
            message = _("Record that contact was made before the agreement.")
        elif match.status == MatchStatus.PROPOSED:
            message = _("Broker this match first: a proposed match can only be declined.")
        else:
            message = _("A match that is %(current)s cannot become %(wanted)s.") % {
                "current": current,
                "wanted": wanted,
            }
        raise ValidationError({"status": [message]})
    errors = FieldErrors()
    note = _note(note, errors)
    if status == MatchStatus.AGREED:
        match.amount = _amount(amount, errors)
        day = parse_date(agreed_on)
        if day is None:
            errors.add("agreed_on", _("Give the day the agreement was signed."))
        elif day is False:
            errors.add("agreed_on", _("Enter a date such as 2026-03-01."))
        elif day > today:
            errors.add("agreed_on", _("The agreement cannot be signed after today."))
        else:
            match.agreed_on = day
    elif status == MatchStatus.DECLINED and not note:
        errors.add("note", _("Say why the match is declined."))
    errors.raise_if_any()
    match.status = status
    match.note = _append(match.note, note)
    if match.broker_id is None:
        match.broker = actor
    match.save()
    return match
