"""Background work of the core: delivering the notification outbox."""

from celery import shared_task

from core.notifications import deliver_pending


@shared_task(name="core.deliver_notifications")
def deliver_notifications(ids: list[int] | None = None) -> int:
    """Deliver the messages that are due: those of `ids` (a change's own messages, right after its commit),
    or every due one (the periodic run, which also retries). Returns how many were sent."""
    return deliver_pending(ids=ids)
