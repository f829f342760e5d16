"""Writing the annual assessment's data (年考核): a year's scheme copied from the template and edited, and
the evidence entries the rules cannot find in the data (commendations, media reports, degree scores).
The coordinating office does all of it; everyone else is refused (403). The scores themselves are never
written: reports.selectors.assessment computes them.

- scheme_for_year: the year's scheme, copied from the target's template the first time (idempotent).
- scheme_update / scheme_item_update: names, maximum points and parameters of a year's items, each rule's
  parameters checked (reports.scoring.RULE_PARAMS) and the items' maximum points adding up to the
  scheme's total. The template itself is not edited here: it is the seed's scheme, the start of every year.
- evidence_add / evidence_delete.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import Unit
from accounts.scope import get_for_user, is_office
from cases.models import Case
from core.periods import check_programme_year
from reports import scoring
from reports.models import AssessmentEvidence, AssessmentItem, AssessmentScheme

Kind = AssessmentEvidence.Kind
Target = AssessmentScheme.Target
MAX_NAME = 80
MAX_DESCRIPTION = 200
MAX_POINTS = Decimal("9999.99")
MAX_EVIDENCE_POINTS = Decimal("999.99")


def require_office(actor) -> None:
    if not is_office(actor):
        raise PermissionDenied(_("Only the coordinating office keeps the assessment schemes and evidence."))


def _check_target(target) -> None:
    if target not in Target.values:
        raise ValidationError(
            {"target": _("Give the assessed units as one of: %(choices)s.") % {"choices": ", ".join(Target.values)}}
        )


# Schemes ----------------------------------------------------------------------------------------------------


def scheme_for_year(*, actor, year: int, target: str) -> AssessmentScheme:
    """The scheme of `year` and `target`, created as a copy of the target's template (name, total, items with
    their rules, points and parameters) when the year has none. Calling it again returns the same scheme."""
    require_office(actor)
    check_programme_year(year)
    _check_target(target)
    existing = AssessmentScheme.objects.filter(year=year, target=target).first()
    if existing is not None:
        return existing
    template = AssessmentScheme.objects.filter(year=None, target=target).prefetch_related("items").first()
    if template is None:
        raise ValidationError(_("There is no template scheme for these units to copy."), code="no_template")
    try:
        with transaction.atomic():
            scheme = AssessmentScheme.objects.create(
                name=template.name, target=target, year=year, total_points=template.total_points
            )
            AssessmentItem.objects.bulk_create(
                AssessmentItem(
                    scheme=scheme,
                    position=item.position,
                    name=item.name,
                    rule=item.rule,
                    max_points=item.max_points,
                    params=item.params,
                    description=item.description,
                )
                for item in template.items.all()
            )
    except IntegrityError:
        # Someone copied it a moment ago.
        return AssessmentScheme.objects.get(year=year, target=target)
    return scheme


def _clean_points(raw, field: str, errors: dict, *, limit: Decimal = MAX_POINTS) -> Decimal | None:
    try:
        value = Decimal(str(raw)) if raw is not None and not isinstance(raw, bool) and str(raw).strip() else None
    except (InvalidOperation, ValueError):
        value = None
    if value is None or not value.is_finite():
        errors[field] = _("Give the points as a number.")
        return None
    if value < 0 or value > limit:
        errors[field] = _("Give points from 0 to %(limit)s.") % {"limit": scoring.fmt(limit)}
        return None
    if value != value.quantize(scoring.TWO_PLACES):
        errors[field] = _("Give the points with at most two decimal places.")
        return None
    return value.quantize(scoring.TWO_PLACES)


def scheme_update(*, actor, scheme_id: int, items: list[dict]) -> AssessmentScheme:
    """Change items of a year's scheme at once: each entry names its item by `position` and gives its `name`,
    `max_points` and `params`. Each rule's parameters are checked, naming every wrong key; the items' maximum
    points must then add up to the scheme's total points. All or nothing."""
    require_office(actor)
    with transaction.atomic():
        scheme = AssessmentScheme.objects.select_for_update().filter(pk=scheme_id).first()
        if scheme is None:
            raise ValidationError(_("There is no such assessment scheme."), code="not_found")
        if scheme.year is None:
            raise ValidationError(
                _("The template is the seed's scheme: copy it into a year's scheme and edit that one."),
                code="template",
            )
        current = {item.position: item for item in scheme.items.select_for_update().order_by("position")}
        errors: dict[str, list[str]] = {}
        seen = set()
        for entry in items:
            position = entry.get("position")
            item = current.get(position)
            key = f"item_{position}"
            if item is None:
                errors.setdefault("items", []).append(
                    _("The scheme has no item at position %(position)s.") % {"position": position}
                )
                continue
            if position in seen:
                errors.setdefault(key, []).append(_("This item is given twice."))
                continue
            seen.add(position)
            problems: dict[str, str] = {}
            name = (entry.get("name") or "").strip()
            if not name:
                problems["name"] = _("Give the item a name.")
            elif len(name) > MAX_NAME:
                problems["name"] = _("At most %(limit)s characters (this has %(count)s).") % {
                    "limit": MAX_NAME,
                    "count": len(name),
                }
            max_points = _clean_points(entry.get("max_points"), "max_points", problems)
            params = entry.get("params")
            param_errors = scoring.params_errors(item.rule, params)
            messages = [
                _("Item %(position)s (%(name)s): %(message)s")
                % {"position": position, "name": item.name, "message": message}
                for message in [*problems.values(), *param_errors]
            ]
            if messages:
                errors.setdefault(key, []).extend(messages)
                continue
            item.name, item.max_points, item.params = name, max_points, params
        if errors:
            raise ValidationError(errors)
        total = sum((item.max_points for item in current.values()), Decimal(0))
        if total != scheme.total_points:
            raise ValidationError(
                {
                    "items": _(
                        "The items' maximum points add up to %(sum)s, not the scheme's total of %(total)s: "
                        "change the points so that they add up."
                    )
                    % {"sum": scoring.fmt(total), "total": scoring.fmt(scheme.total_points)}
                },
                code="total",
            )
        for item in current.values():
            item.save(update_fields=["name", "max_points", "params"])
    return scheme


def scheme_item_update(*, actor, item_id: int, name: str, max_points, params: dict) -> AssessmentItem:
    """One item of a year's scheme (see scheme_update: the scheme's points must still add up)."""
    require_office(actor)
    item = AssessmentItem.objects.filter(pk=item_id).first()
    if item is None:
        raise ValidationError(_("There is no such assessment item."), code="not_found")
    scheme_update(
        actor=actor,
        scheme_id=item.scheme_id,
        items=[{"position": item.position, "name": name, "max_points": max_points, "params": params}],
    )
    item.refresh_from_db()
    return item


# Evidence ---------------------------------------------------------------------------------------------------


def evidence_add(
    *,
    actor,
    unit_id: int,
    year: int,
    kind: str,
    occurred_on: date,
    description: str,
    source: str = "",
    case_id: int | None = None,
    points=None,
) -> AssessmentEvidence:
    """Record a commendation, a media report or a degree score for a unit and year. The date lies in the
    year. A degree score is for a case the unit led that was not closed as solved (a solved case already
    scores per case), with points above zero; the other kinds take neither a case nor points."""
    require_office(actor)
    check_programme_year(year)
    errors: dict[str, str] = {}
    if kind not in Kind.values:
        errors["kind"] = _("Choose one of: %(choices)s.") % {"choices": ", ".join(Kind.values)}
    if not isinstance(occurred_on, date):
        errors["occurred_on"] = _("Give the date.")
    elif occurred_on.year != year:
        errors["occurred_on"] = _("The date must lie in %(year)s.") % {"year": year}
    description = (description or "").strip()
    source = (source or "").strip()
    if not description:
        errors["description"] = _("Say what was commended, reported or solved.")
    elif len(description) > MAX_DESCRIPTION:
        errors["description"] = _("At most %(limit)s characters (this has %(count)s).") % {
            "limit": MAX_DESCRIPTION,
            "count": len(description),
        }
    if len(source) > MAX_DESCRIPTION:
        errors["source"] = _("At most %(limit)s characters (this has %(count)s).") % {
            "limit": MAX_DESCRIPTION,
            "count": len(source),
        }
    unit = get_for_user(actor, Unit, pk=unit_id)
    case = None
    value = None
    if kind == Kind.DEGREE_SCORE:
        if case_id is None:
            errors["case_id"] = _("A degree score is given for a case: name the case.")
        else:
            case = Case.objects.filter(pk=case_id).first()
            if case is None:
                errors["case_id"] = _("There is no such case.")
            elif case.lead_unit_id != unit.pk:
                errors["case_id"] = _("Case %(number)s is not led by %(unit)s.") % {
                    "number": case.number,
                    "unit": unit.name,
                }
            elif case.state == Case.State.CLOSED and case.outcome == Case.Outcome.SOLVED:
                errors["case_id"] = _(
                    "Case %(number)s was closed as solved: it scores as a solved case, not by degree."
                ) % {"number": case.number}
        value = _clean_points(points, "points", errors, limit=MAX_EVIDENCE_POINTS)
        if value is not None and value <= 0:
            errors["points"] = _("A degree score is more than 0 points.")
    elif kind in Kind.values:
        if points not in (None, ""):
            errors["points"] = _("Only a degree score carries points; a commendation or media report scores per entry.")
        if case_id is not None:
            errors["case_id"] = _("Only a degree score names a case.")
    if errors:
        raise ValidationError(errors)
    return AssessmentEvidence.objects.create(
        unit=unit,
        year=year,
        kind=kind,
        occurred_on=occurred_on,
        description=description,
        source=source,
        case=case,
        points=value,
        created_by=actor,
    )


def evidence_delete(*, actor, evidence_id: int) -> None:
    require_office(actor)
    with transaction.atomic():
        entry = get_for_user(actor, AssessmentEvidence.objects.select_for_update(), pk=evidence_id)
        entry.delete()
