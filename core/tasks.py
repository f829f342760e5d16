"""Background work of the core: delivering the notification outbox."""

from celery import shared_task

from core.notifications import deliver_pending


@shared_task(name="core.deliver_notifications")
def deliver_notifications() -> int:
    return deliver_pending()
