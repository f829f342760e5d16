"""Signals the core sends for other apps to follow."""

from django.dispatch import Signal

# A calendar day was entered, changed or removed: deadlines measured in working days may move.
calendar_changed = Signal()
