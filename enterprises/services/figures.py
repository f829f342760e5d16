"""Entering monthly operating figures (one enterprise, one month at a time)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Role
from accounts.scope import has_role, scoped
from core.periods import current_month, month_start
from enterprises.models import Enterprise, MonthlyFigure
from enterprises.selectors.figures import FIGURE_FIELDS
from enterprises.services.warnings import warnings_refresh

Source = MonthlyFigure.Source
# Total profit is the only figure that can go below zero (a loss).
SIGNED_FIELDS = frozenset({"total_profit"})
WHOLE_NUMBER_FIELDS = frozenset({"employees"})


def entry_source(user, enterprise: Enterprise) -> str | None:
    """How `user` may enter `enterprise`'s figures: as the enterprise itself, as the office, or not at all."""
    if has_role(user, Role.ENTERPRISE) and user.enterprise_id == enterprise.pk:
        return Source.ENTERPRISE
    if has_role(user, Role.OFFICE) and scoped(user, Enterprise.objects.filter(pk=enterprise.pk)).exists():
        return Source.OFFICE
    return None


def _check_permission(actor, enterprise: Enterprise, source: str) -> None:
    if source == Source.ENTERPRISE:
        allowed = has_role(actor, Role.ENTERPRISE) and actor.enterprise_id == enterprise.pk
    elif source in (Source.OFFICE, Source.IMPORT):
        allowed = has_role(actor, Role.OFFICE) and scoped(actor, Enterprise.objects.filter(pk=enterprise.pk)).exists()
    else:
        raise ValidationError(_("Unknown source of figures: %(source)s.") % {"source": source})
    if not allowed:
        raise PermissionDenied(_("You cannot enter this enterprise's figures."))


def _clean_period(period) -> date:
    if not isinstance(period, date):
        raise ValidationError({"period": _("Give the month as a date.")})
    period = month_start(period)
    if period > current_month():
        raise ValidationError({"period": _("Figures cannot be entered for a month that has not begun yet.")})
    return period


def _clean_values(values: dict) -> dict:
    unknown = sorted(set(values) - set(FIGURE_FIELDS))
    if unknown:
        raise ValidationError(_("Unknown figures: %(names)s.") % {"names": ", ".join(unknown)})
    cleaned, errors = {}, {}
    for name, raw in values.items():
        model_field = MonthlyFigure._meta.get_field(name)
        if raw is None or raw == "":
            cleaned[name] = None
            continue
        if isinstance(raw, float):
            raw = str(raw)
        try:
            number = Decimal(raw) if not isinstance(raw, bool) else None
        except (InvalidOperation, TypeError, ValueError):
            number = None
        if number is None or not number.is_finite():
            errors[name] = _("%(figure)s must be a number.") % {"figure": model_field.verbose_name}
            continue
        if number < 0 and name not in SIGNED_FIELDS:
            errors[name] = _("%(figure)s cannot be negative.") % {"figure": model_field.verbose_name}
            continue
        if name in WHOLE_NUMBER_FIELDS:
            if number != number.to_integral_value():
                errors[name] = _("%(figure)s must be a whole number.") % {"figure": model_field.verbose_name}
                continue
            number = int(number)
        try:
            cleaned[name] = model_field.clean(number, None)
        except ValidationError as error:
            errors[name] = f"{model_field.verbose_name}: {' '.join(error.messages)}"
    if errors:
        raise ValidationError(errors)
    return cleaned


def figure_save(*, actor, enterprise: Enterprise, period: date, values: dict, source: str) -> MonthlyFigure:
    """Enter one month of an enterprise's figures (creating or updating the month), then refresh its warnings.

    The enterprise's own users enter their own figures (source “enterprise”); the office enters any in its
    scope (source “office” or “import”). Figures left out of `values` keep what was stored; None clears one.
    Negative figures are refused except total profit; a month that has not begun is refused."""
    _check_permission(actor, enterprise, source)
    period = _clean_period(period)
    cleaned = _clean_values(values)
    with transaction.atomic():
        # One writer per enterprise at a time: the month's row and the warnings derived from it stay in step.
        list(Enterprise.objects.select_for_update().filter(pk=enterprise.pk).values_list("pk"))
        figure = MonthlyFigure.objects.filter(enterprise=enterprise, period=period).first()
        if figure is None:
            figure = MonthlyFigure(enterprise=enterprise, period=period)
        for name, value in cleaned.items():
            setattr(figure, name, value)
        figure.source, figure.entered_by = source, actor
        figure.save()
        warnings_refresh(enterprise_ids=[enterprise.pk])
    return figure
