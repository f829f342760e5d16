"""The operating-data panel of the enterprise profile, and the number filters of the figures pages."""

from decimal import Decimal

from django import template
from django.template.defaultfilters import floatformat

from accounts.models import STAFF_ROLES
from accounts.scope import has_role, is_office
from core.periods import add_months
from enterprises.forms.figures import WarningFlagForm
from enterprises.selectors import figures as selectors
from enterprises.services.figures import entry_source

register = template.Library()

CHART_MONTHS = 24


@register.inclusion_tag("enterprises/figures/_profile_panel.html", takes_context=True)
def figures_panel(context, enterprise):
    """Indicators of the latest reported month, charts of the 24 months up to it, and (staff only) the open
    warnings and the office's flag form. A handful of queries, however many months or warnings."""
    user = context["user"]
    latest = selectors.latest_period(enterprise)
    rows = selectors.figure_rows(enterprise, add_months(latest, 1 - CHART_MONTHS), latest) if latest else {}
    is_staff = has_role(user, *STAFF_ROLES)
    office = is_office(user)
    return {
        "enterprise": enterprise,
        "latest": latest,
        # The chart window starts at least as early as January of last year, so it covers the indicators.
        "indicators": selectors.indicators_from_rows(rows, latest) if latest else None,
        "chart": selectors.chart_series(rows, latest, CHART_MONTHS) if latest else None,
        "chart_id": f"figures-chart-data-{enterprise.pk}",
        "show_warnings": is_staff,
        "warnings": selectors.open_warnings_for(user=user, enterprise=enterprise) if is_staff else [],
        "is_office": office,
        "can_edit": entry_source(user, enterprise) is not None,
        "flag_form": WarningFlagForm() if office else None,
        "csrf_token": context.get("csrf_token"),
        "request": context.get("request"),
    }


@register.filter
def figure(value):
    """A figure as entered: up to two decimals, “—” when not reported."""
    if value is None or value == "":
        return "—"
    return floatformat(value, "-2")


@register.filter
def growth(value):
    """A growth percentage with its sign: “+12.5 %”, “−3.0 %”, “—” when there is nothing to compare."""
    if value is None:
        return "—"
    value = Decimal(value)
    sign = "+" if value > 0 else ("−" if value < 0 else "")
    return f"{sign}{floatformat(abs(value), 1)} %"


@register.filter
def growth_class(value):
    if value is None:
        return "muted"
    return "ok" if value > 0 else ("bad" if value < 0 else "")
