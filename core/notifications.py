"""Notifications: an outbox (core.models.Notification) with channels behind one interface.

notify() writes one row per recipient and channel in the caller's transaction; delivery happens after the
commit (deliver_pending), so a rolled-back change sends nothing and a failed delivery is retried later.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.models import Notification


def default_channels() -> list[str]:
    return list(getattr(settings, "NOTIFICATION_CHANNELS", [Notification.Channel.IN_APP]))


def notify(
    recipients: Iterable,
    subject: str,
    body: str = "",
    *,
    link: str = "",
    topic: str = "",
    channels: Iterable[str] | None = None,
) -> list[Notification]:
    """Queue one message to each recipient on each channel. In-app messages are delivered by being written."""
    now = timezone.now()
    channels = list(channels) if channels is not None else default_channels()
    people = {person.pk: person for person in recipients if person is not None and person.is_active}
    rows = []
    for person in people.values():
        for channel in channels:
            in_app = channel == Notification.Channel.IN_APP
            rows.append(
                Notification(
                    recipient=person,
                    channel=channel,
                    subject=str(subject)[:200],
                    body=str(body),
                    link=link[:300],
                    topic=topic[:100],
                    status=Notification.Status.SENT if in_app else Notification.Status.PENDING,
                    sent_at=now if in_app else None,
                    next_attempt_at=None if in_app else now,
                )
            )
    created = Notification.objects.bulk_create(rows)
    if any(row.status == Notification.Status.PENDING for row in created):
        transaction.on_commit(_schedule_delivery)
    return created


def _schedule_delivery() -> None:
    from core.tasks import deliver_notifications

    deliver_notifications.delay()


def deliver_pending(limit: int = 500) -> int:
    """Deliver the messages that are due. (Replaced by the channel backends.)"""
    return 0
