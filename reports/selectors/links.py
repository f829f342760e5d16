"""Links from a figure to the list behind it, shared by the dashboard and the dispatch report. Every link
carries the list's own filters, so the list shows exactly the rows the figure counted."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from django.urls import reverse

from accounts.models import Region


def list_url(name: str, params: dict) -> str:
    query = urlencode({key: value for key, value in params.items() if value not in (None, "")})
    return reverse(name) + (f"?{query}" if query else "")


def case_list_url(queue: str | None, date_from: date | None = None, date_to: date | None = None, **filters) -> str:
    """The case list of `queue` narrowed by the list's own filters (category, channel, lead_unit, region,
    level, outcome, state) and, when given, to the cases submitted from `date_from` to `date_to` (both
    included)."""
    params = {
        "queue": queue,
        "submitted_from": date_from.isoformat() if date_from else None,
        "submitted_to": date_to.isoformat() if date_to else None,
    }
    params.update(filters)
    return list_url("case_list", params)


def enterprise_list_url(min_warning: int) -> str:
    return list_url("enterprise_list", {"min_warning": min_warning, "sort": "warning"})


def plan_list_url(year: int, category: str = "") -> str:
    return list_url("plan_list", {"year": year, "category": category})


def loss_ratio_url(month: date, region: Region | None) -> str:
    return list_url("loss_ratio", {"period": f"{month:%Y-%m}", "region": region.pk if region else None})


def visit_coverage_url(month: date) -> str:
    return list_url("visit_coverage", {"month": f"{month:%Y-%m}", "table": "units"})
