"""Excel exports of lists: every list a user can see, they can take away as .xlsx, narrowed exactly as the
list is (the caller passes the same scoped, filtered queryset the page shows, unpaginated)."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class ExportColumn:
    header: str
    value: Callable[[Any], Any]
    width: int = 16


def _cell_value(value):
    if isinstance(value, datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if value is None or isinstance(value, int | float | date | str):
        return value
    return str(value)


def build_xlsx(sheet_title: str, columns: list[ExportColumn], rows: Iterable) -> bytes:
    """A one-sheet workbook: a bold header row, then one row per object. Write-only, so memory stays flat
    however long the list."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title[:31])
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=str(column.header))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    sheet.freeze_panes = "A2"
    for row in rows:
        sheet.append([_cell_value(column.value(row)) for column in columns])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_response(filename: str, sheet_title: str, columns: list[ExportColumn], rows: Iterable) -> HttpResponse:
    """Download `rows` as `filename` (a Chinese name is fine: it is sent RFC 6266-encoded)."""
    stamped = f"{filename}-{timezone.localdate():%Y%m%d}.xlsx"
    response = HttpResponse(build_xlsx(sheet_title, columns, rows), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(stamped)}"
    return response
