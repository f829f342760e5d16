"""API response shapes that every app's endpoints share."""

from ninja import Schema


class DetailOut(Schema):
    """An error answer: what went wrong, in a sentence."""

    detail: str


class ImportErrorOut(Schema):
    row: int | None
    column: str
    message: str


class ImportErrorsOut(Schema):
    errors: list[ImportErrorOut]
