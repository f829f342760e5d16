"""Deliver the notification outbox once (for cron when Celery beat is not used)."""

from django.core.management.base import BaseCommand, CommandError

from core.models import Notification
from core.notifications import deliver_pending, outbox_counts, requeue_failed


class Command(BaseCommand):
    help = (
        "Send the notifications that are due (new ones and retries). With --retry-failed, give the failed ones "
        "a new round of attempts first, e.g. after configuring a channel."
    )

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=500, help="Most messages to send in this run.")
        parser.add_argument(
            "--retry-failed", action="store_true", help="Put failed messages back in the queue before sending."
        )
        parser.add_argument(
            "--channel",
            choices=Notification.Channel.values,
            help="With --retry-failed: only the failed messages of this channel.",
        )

    def handle(self, *args, limit, retry_failed, channel, **options):
        if limit < 1:
            raise CommandError("--limit must be at least 1.")
        if channel and not retry_failed:
            raise CommandError("--channel goes with --retry-failed.")
        if retry_failed:
            self.stdout.write(f"{requeue_failed(channel=channel)} failed messages queued again.")
        sent = deliver_pending(limit=limit)
        counts = outbox_counts()
        self.stdout.write(
            f"{sent} sent; {counts['pending']} pending ({counts['due']} due now); {counts['failed']} failed."
        )
