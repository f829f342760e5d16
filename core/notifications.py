"""Notifications: an outbox (core.models.Notification) with channels behind one interface
(core.notification_backends).

notify() writes one row per recipient and channel in the caller's transaction; delivery happens after the
commit (deliver_pending), so a rolled-back change sends nothing and a failed delivery is retried later.
Delivery is at least once: a row is marked sent only after its backend returned, so a worker that dies
between the two sends that message again when its claim runs out.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from core.models import Notification
from core.notification_backends import PermanentDeliveryError, backend_for

logger = logging.getLogger("zhuqi.notifications")

Status = Notification.Status

DEFAULT_MAX_ATTEMPTS = 8
DEFAULT_RETRY_BASE_SECONDS = 60
DEFAULT_RETRY_MAX_SECONDS = 6 * 3600
# Rows are claimed a few at a time so that no claim outlives its lease: CLAIM_SIZE sends, each bounded by
# NOTIFICATION_HTTP_TIMEOUT, fit easily in CLAIM_LEASE.
CLAIM_SIZE = 20
CLAIM_LEASE = timedelta(minutes=10)


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
                    status=Status.SENT if in_app else Status.PENDING,
                    sent_at=now if in_app else None,
                    next_attempt_at=None if in_app else now,
                )
            )
    created = Notification.objects.bulk_create(rows)
    pending = [row.pk for row in created if row.status == Status.PENDING]
    if pending:
        # Only this change's messages: a backlog behind a gateway that is down must not hold up the request
        # that runs this callback when Celery is eager; the periodic task retries the backlog.
        ids = None if None in pending else pending
        transaction.on_commit(lambda: _schedule_delivery(ids))
    return created


def _schedule_delivery(ids: list[int] | None = None) -> None:
    from core.tasks import deliver_notifications

    try:
        deliver_notifications.delay(ids)
    except Exception:
        # The change is committed and its rows are pending: a broker that is down only delays them until
        # the periodic task (beat or cron) runs.
        logger.exception("Could not schedule the delivery of notifications %s", ids)


# Delivery --------------------------------------------------------------------------------------------------


def max_attempts() -> int:
    return max(1, int(getattr(settings, "NOTIFICATION_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS)))


def retry_delay(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt: 1, 2, 4 … minutes, at most 6 hours (by default)."""
    base = getattr(settings, "NOTIFICATION_RETRY_BASE_SECONDS", DEFAULT_RETRY_BASE_SECONDS)
    cap = getattr(settings, "NOTIFICATION_RETRY_MAX_SECONDS", DEFAULT_RETRY_MAX_SECONDS)
    return timedelta(seconds=min(cap, base * 2 ** min(max(attempts, 1) - 1, 30)))


def _due(now: datetime) -> Q:
    # A pending row without a time (written by hand, or by older code) is due: never leave one behind.
    return Q(status=Status.PENDING) & (Q(next_attempt_at__lte=now) | Q(next_attempt_at__isnull=True))


def _claim(size: int, ids: list[int] | None) -> list[Notification]:
    """Take up to `size` due rows for this worker: count the attempt and move their next attempt past the
    lease, so that another worker skips them now and picks them up again if this one dies. The row locks
    last only for this short transaction, never across a network call."""
    now = timezone.now()
    with transaction.atomic():
        due = Notification.objects.filter(_due(now))
        if ids is not None:
            due = due.filter(pk__in=ids)
        due = due.order_by(F("next_attempt_at").asc(nulls_first=True), "pk")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        # SQLite has no row locks; its write transactions (IMMEDIATE) already run one at a time.
        claimed = list(due.values_list("pk", flat=True)[:size])
        if not claimed:
            return []
        Notification.objects.filter(pk__in=claimed).update(
            attempts=F("attempts") + 1, next_attempt_at=now + CLAIM_LEASE
        )
    return list(Notification.objects.filter(pk__in=claimed).select_related("recipient").order_by("pk"))


def _error_text(error: Exception) -> str:
    text = str(error) if isinstance(error, PermanentDeliveryError) else f"{type(error).__name__}: {error}"
    return text[:500]


def _deliver_one(row: Notification) -> bool:
    error: Exception | None = None
    try:
        if not row.recipient.is_active:
            raise PermanentDeliveryError("The recipient's account is deactivated.")
        backend_for(row.channel).send(row)
    except Exception as exc:
        error = exc
    now = timezone.now()
    mine = Notification.objects.filter(pk=row.pk, status=Status.PENDING)
    if error is None:
        mine.update(status=Status.SENT, sent_at=now, next_attempt_at=None)
        return True
    final = isinstance(error, PermanentDeliveryError) or row.attempts >= max_attempts()
    logger.warning(
        "Notification #%s (%s) attempt %s failed%s: %s",
        row.pk,
        row.channel,
        row.attempts,
        "; giving up" if final else "",
        _error_text(error),
    )
    mine.update(
        status=Status.FAILED if final else Status.PENDING,
        last_error=_error_text(error),
        next_attempt_at=None if final else now + retry_delay(row.attempts),
    )
    return False


def deliver_pending(limit: int = 500, *, ids: list[int] | None = None) -> int:
    """Deliver up to `limit` due messages (only those of `ids` when given); return how many were sent.
    Never raises: a backend's failure is recorded on its row, anything else is logged and left for the
    next run (the rows stay pending)."""
    sent = 0
    remaining = limit
    try:
        while remaining > 0:
            batch = _claim(min(CLAIM_SIZE, remaining), ids)
            if not batch:
                break
            remaining -= len(batch)
            for row in batch:
                sent += _deliver_one(row)
    except Exception:
        logger.exception("Notification delivery stopped early; the rest stays pending for the next run")
    return sent


def requeue_failed(*, channel: str | None = None) -> int:
    """Give failed messages a new round of attempts, e.g. after a channel was configured or repaired."""
    failed = Notification.objects.filter(status=Status.FAILED)
    if channel:
        failed = failed.filter(channel=channel)
    return failed.update(status=Status.PENDING, attempts=0, next_attempt_at=timezone.now())


def outbox_counts() -> dict[str, int]:
    """How many messages wait and how many failed, for the command's report."""
    now = timezone.now()
    rows = Notification.objects.exclude(status=Status.SENT)
    return {
        "pending": rows.filter(status=Status.PENDING).count(),
        "due": rows.filter(_due(now)).count(),
        "failed": rows.filter(status=Status.FAILED).count(),
    }


# The inbox (in-app messages) -------------------------------------------------------------------------------


def inbox(user, *, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's in-app messages, newest first. Nobody reads another person's messages."""
    messages = Notification.objects.filter(recipient=user, channel=Notification.Channel.IN_APP)
    if unread_only:
        messages = messages.filter(read_at__isnull=True)
    return messages.order_by("-created_at", "-pk")


def unread_count(user) -> int:
    return inbox(user, unread_only=True).count()


def mark_read(*, user, notification_id: int) -> Notification:
    """Mark one of the user's in-app messages read (404 for anyone else's); reading again changes nothing."""
    notification = get_object_or_404(inbox(user), pk=notification_id)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def mark_all_read(*, user) -> int:
    return inbox(user, unread_only=True).update(read_at=timezone.now())
