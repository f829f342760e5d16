"""Following the calendar: when a holiday is entered later, the running deadlines move with it."""

from django.db import transaction
from django.dispatch import receiver

from core.signals import calendar_changed


@receiver(calendar_changed)
def calendar_changed_refresh(sender, **kwargs):
    from cases.tasks import refresh_open_deadlines

    transaction.on_commit(refresh_open_deadlines.delay)
