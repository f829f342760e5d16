"""Reading the loose input of service functions (form data, JSON, commands) into clean values, and collecting
every field's message before raising one ValidationError, so a user sees all their mistakes at once."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError


class FieldErrors:
    """Messages by field; `raise_if_any` raises them together as one ValidationError."""

    def __init__(self):
        self.by_field: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.by_field.setdefault(field, []).append(message)

    def __contains__(self, field: str) -> bool:
        return field in self.by_field

    def raise_if_any(self) -> None:
        if self.by_field:
            raise ValidationError(self.by_field)


def clean_text(value) -> str:
    return ("" if value is None else str(value)).strip()


def parse_id(value):
    """An id from an int, a digit string or a model instance; None when blank; False when malformed."""
    if value in (None, ""):
        return None
    if hasattr(value, "pk"):
        return value.pk
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return value
    text = str(value).strip()
    return int(text) if text.isdigit() else False


def parse_date(value):
    """A date from a date or an ISO string; None when blank; False when malformed (a datetime included)."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return False
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        return False
