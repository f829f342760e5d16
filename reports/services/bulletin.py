"""The office's writes on the quarterly bulletin: its header and text, and the good practices it prints.
Only the office writes; everything else about a bulletin is computed (reports.selectors.bulletin)."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from accounts.models import Unit
from accounts.scope import is_office
from reports.models import Bulletin, GoodPractice
from reports.selectors.bulletin import check_quarter, quarter_bounds

UNSET = object()
DIRECTIONS = ("up", "down")


def _require_office(actor) -> None:
    if not is_office(actor):
        raise PermissionDenied(_("Only the coordinating office writes bulletins."))


def _limit(model, name: str) -> int:
    return model._meta.get_field(name).max_length


def _text(value, name: str, *, required: bool, limit: int | None = None, errors: dict) -> str:
    text = (value or "").strip() if isinstance(value, str) or value is None else None
    if text is None:
        errors[name] = _("Give text.")
        return ""
    # Paragraphs keep their line breaks; Windows line ends are folded so the document splits them once.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if required and not text:
        errors[name] = _("This field is required.")
    elif limit is not None and len(text) > limit:
        errors[name] = _("At most %(limit)s characters.") % {"limit": limit}
    return text


def bulletin_save(
    *,
    actor,
    year: int,
    quarter: int,
    issuer: str,
    document_number: str = "",
    title: str,
    opening: str = "",
    closing: str = "",
    issued_on: date | None = None,
) -> Bulletin:
    """Create or update the quarter's bulletin (its header and text); the figures are not stored."""
    _require_office(actor)
    check_quarter(year, quarter)
    errors: dict = {}
    values = {
        "issuer": _text(issuer, "issuer", required=True, limit=_limit(Bulletin, "issuer"), errors=errors),
        "document_number": _text(
            document_number, "document_number", required=False, limit=_limit(Bulletin, "document_number"), errors=errors
        ),
        "title": _text(title, "title", required=True, limit=_limit(Bulletin, "title"), errors=errors),
        "opening": _text(opening, "opening", required=False, errors=errors),
        "closing": _text(closing, "closing", required=False, errors=errors),
    }
    if issued_on is not None and not isinstance(issued_on, date):
        errors["issued_on"] = _("Give a date.")
    elif issued_on is not None and issued_on < quarter_bounds(year, quarter)[0]:
        errors["issued_on"] = _("A bulletin cannot be dated before the quarter it reports on begins.")
    if errors:
        raise ValidationError(errors)
    values["issued_on"] = issued_on
    try:
        with transaction.atomic():
            bulletin = Bulletin.objects.select_for_update().filter(year=year, quarter=quarter).first()
            if bulletin is None:
                return Bulletin.objects.create(year=year, quarter=quarter, updated_by=actor, **values)
            for name, value in values.items():
                setattr(bulletin, name, value)
            bulletin.updated_by = actor
            bulletin.save(update_fields=[*values, "updated_by", "updated_at"])
            return bulletin
    except IntegrityError:
        # Someone else created the quarter's bulletin at the same moment: theirs stands, this one says so.
        raise ValidationError(_("The bulletin was just created by someone else; open it again and save.")) from None


# Good practices ------------------------------------------------------------------------------------------


def _clean_practice(*, title, body, unit_id, errors: dict) -> dict:
    values = {}
    if title is not UNSET:
        values["title"] = _text(title, "title", required=True, limit=_limit(GoodPractice, "title"), errors=errors)
    if body is not UNSET:
        values["body"] = _text(body, "body", required=True, errors=errors)
    if unit_id is not UNSET:
        if unit_id in (None, ""):
            values["unit"] = None
        else:
            unit = Unit.objects.filter(pk=unit_id, is_active=True).first() if isinstance(unit_id, int) else None
            if unit is None:
                errors["unit"] = _("Choose an active unit.")
            values["unit"] = unit
    return values


def good_practice_add(
    *, actor, year: int, quarter: int, title: str, body: str, unit_id: int | None = None
) -> GoodPractice:
    """A good practice at the end of the quarter's list."""
    _require_office(actor)
    check_quarter(year, quarter)
    errors: dict = {}
    values = _clean_practice(title=title, body=body, unit_id=unit_id, errors=errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        last = GoodPractice.objects.filter(year=year, quarter=quarter).aggregate(last=Max("sort_order"))["last"]
        return GoodPractice.objects.create(
            year=year, quarter=quarter, sort_order=0 if last is None else last + 1, created_by=actor, **values
        )


def _locked_practice(practice_id) -> GoodPractice:
    practice = GoodPractice.objects.select_for_update().filter(pk=practice_id).first()
    if practice is None:
        raise ValidationError(_("No such good practice."))
    return practice


def good_practice_update(*, actor, practice_id: int, title=UNSET, body=UNSET, unit_id=UNSET) -> GoodPractice:
    """Change a good practice: only the keywords passed."""
    _require_office(actor)
    errors: dict = {}
    values = _clean_practice(title=title, body=body, unit_id=unit_id, errors=errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        practice = _locked_practice(practice_id)
        for name, value in values.items():
            setattr(practice, name, value)
        if values:
            practice.save(update_fields=list(values))
        return practice


def good_practice_delete(*, actor, practice_id: int) -> None:
    _require_office(actor)
    with transaction.atomic():
        _locked_practice(practice_id).delete()


def good_practice_move(*, actor, practice_id: int, direction: str) -> GoodPractice:
    """Move a good practice one place up or down its quarter's list; the list is numbered 0, 1, 2… again."""
    _require_office(actor)
    if direction not in DIRECTIONS:
        raise ValidationError({"direction": _("Move up or down.")})
    with transaction.atomic():
        practice = _locked_practice(practice_id)
        siblings = list(
            GoodPractice.objects.select_for_update()
            .filter(year=practice.year, quarter=practice.quarter)
            .order_by("sort_order", "pk")
        )
        index = next(i for i, each in enumerate(siblings) if each.pk == practice.pk)
        other = index - 1 if direction == "up" else index + 1
        if not 0 <= other < len(siblings):
            message = _("It is already first.") if direction == "up" else _("It is already last.")
            raise ValidationError({"direction": message})
        siblings[index], siblings[other] = siblings[other], siblings[index]
        changed = []
        for position, each in enumerate(siblings):
            if each.sort_order != position:
                each.sort_order = position
                changed.append(each)
        GoodPractice.objects.bulk_update(changed, ["sort_order"])
        return next(each for each in siblings if each.pk == practice.pk)
