"""Background work of the enterprise registry (Celery; in-process when no broker is configured)."""

from datetime import date

from celery import shared_task

from enterprises.services.warnings import warnings_refresh


@shared_task(name="enterprises.refresh_warnings")
def refresh_warnings(enterprise_ids: list[int] | None = None, as_of: str | None = None) -> int:
    """Recompute the early warnings (all enterprises by default). `as_of` is an ISO date, e.g. “2026-10-01”;
    arguments are plain JSON so that the task can cross a broker."""
    return warnings_refresh(enterprise_ids=enterprise_ids, as_of=date.fromisoformat(as_of) if as_of else None)
