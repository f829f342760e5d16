"""All-or-nothing Excel imports: the parts every kind of import shares.

An import has two steps. A checker reads the workbook (`read_table`), checks every row and collects every
problem as a RowError (row as Excel numbers it, column header, reason) in an ImportResult; it writes
nothing. A service then writes the checked rows in one transaction (`write_all_or_nothing`), only when
there is no error at all. Columns are found by their Chinese header text, so their order in the sheet
does not matter and extra columns (备注 …) are ignored.

Each kind of import (units, users, enterprises, operating data …) is described by an ImportKind and
registered here, so that a file brought to the wrong page is recognised ("this looks like a users file")
and one template builder serves every kind. Apps register their kinds in their own `imports` module.
"""

from __future__ import annotations

import io
import logging
import re
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ObjectDoesNotExist
from django.db import IntegrityError, connections, router, transaction
from django.urls import reverse
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill

logger = logging.getLogger(__name__)

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_FILE_BYTES = 5 * 1024 * 1024
# One transaction over a much bigger file would hold its locks for too long; kinds that legitimately
# come in larger files (a year of a county's monthly figures) raise their own limit.
MAX_ROWS = 20_000
# Enough to show what is wrong with a file; a file with thousands of errors is usually the wrong file.
MAX_ERRORS = 500
# Offices often put a title row or two above the header; look a little way down for it.
HEADER_SEARCH_ROWS = 10
INSTRUCTIONS_SHEET = "说明"
# Lists inside one cell: 、 , ， ; ； and line breaks.
LIST_SEPARATORS = re.compile(r"[、,，;；\n\r]+")


@dataclass(frozen=True)
class Column:
    header: str
    required: bool
    note: str
    allowed: str = ""
    # Text, or a callable giving it, for examples that depend on today's date.
    example: str | Callable[[], str] = ""
    text_format: bool = False  # digits that Excel would otherwise turn into a number
    condition: str = ""  # when a column is required only in some rows, which ones

    @property
    def requirement(self) -> str:
        return str(self.condition) if self.condition else (_("yes") if self.required else _("no"))

    @property
    def example_text(self) -> str:
        return str(self.example()) if callable(self.example) else str(self.example)


@dataclass(frozen=True)
class ImportKind:
    """What one kind of import file looks like."""

    kind: str
    label: str  # what the file holds, for messages: "units", "operating data"
    sheet_title: str
    row_noun: str  # what one row is: "unit", "enterprise"
    columns: tuple[Column, ...]
    key_header: str  # the header row is the first row holding this column
    # Groups of columns of which at least one must be in the file (the first is named when none is).
    one_of: tuple[tuple[str, ...], ...] = ()
    max_rows: int = MAX_ROWS
    max_file_bytes: int = MAX_FILE_BYTES
    url_name: str = ""  # the import page
    template_url_name: str = "import_template"  # the template download, given the kind
    summary: str = ""  # "%(created)d … %(updated)d" shown after a successful import
    intro: str = ""  # one line on what an existing key does
    order: int = 0

    @property
    def required_headers(self) -> set[str]:
        return {c.header for c in self.columns if c.required} | {self.key_header}

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    @property
    def max_megabytes(self) -> int:
        return self.max_file_bytes // (1024 * 1024)

    @property
    def url(self) -> str:
        return reverse(self.url_name)

    @property
    def template_url(self) -> str:
        return reverse(self.template_url_name, args=[self.kind])

    def summary_text(self, result: ImportResult) -> str:
        return str(self.summary) % {"created": result.created, "updated": result.updated}


_KINDS: dict[str, ImportKind] = {}
_discovered = False


def register(spec: ImportKind) -> ImportKind:
    _KINDS[spec.kind] = spec
    return spec


def import_kinds() -> list[ImportKind]:
    """Every registered kind, in page order. The first call imports each app's `imports` module."""
    global _discovered
    if not _discovered:
        autodiscover_modules("imports")
        _discovered = True
    return sorted(_KINDS.values(), key=lambda spec: spec.order)


def import_kind(kind: str) -> ImportKind | None:
    return next((spec for spec in import_kinds() if spec.kind == kind), None)


@dataclass(frozen=True)
class RowError:
    """One reason the file cannot be imported. `row` is the row number Excel shows, None for the file
    as a whole; `column` is the header text, empty when the reason is not about one cell."""

    row: int | None
    column: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class ImportResult:
    kind: str
    errors: list[RowError] = field(default_factory=list)
    rows: list = field(default_factory=list)
    created: int = 0
    updated: int = 0
    # Errors found beyond MAX_ERRORS: counted, not listed.
    unlisted: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    def refuse(self, message: str) -> ImportResult:
        """Turn the result into a refusal of the whole file."""
        self.errors = [RowError(None, "", message)]
        self.rows, self.created, self.updated, self.unlisted = [], 0, 0, 0
        return self

    def add(self, row: int | None, column: str, message: str) -> None:
        if len(self.errors) >= MAX_ERRORS:
            self.unlisted += 1
        else:
            self.errors.append(RowError(row, column, message))

    def finish(self) -> ImportResult:
        """Close the check: errors in row order, a note on the ones not listed, and no rows to write
        when anything is wrong."""
        if self.errors:
            self.rows = []
            self.errors.sort(key=lambda e: e.row or 0)
        if self.unlisted:
            self.errors.append(
                RowError(
                    None,
                    "",
                    _("%(n)d more problems are not listed. Correct the ones above and upload the file again.")
                    % {"n": self.unlisted},
                )
            )
            self.unlisted = 0
        return self


# Reading the workbook.


@dataclass
class Table:
    present: set[str]
    rows: list[tuple[int, dict[str, str]]]


def cell_text(value) -> str:
    """A cell as text. Excel stores typed digits as numbers: 430522 stays '430522' and 13800000000.0
    becomes '13800000000', never '1.38E+10'."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    # Full-width and non-breaking spaces come in with text pasted from Word or web pages.
    return str(value).replace("\u3000", " ").replace("\xa0", " ").strip()


def header_text(value) -> str:
    # Templates in the wild mark required columns with an asterisk ("*单位编码") and write brackets
    # full-width or half-width as the typist's input method had it.
    return cell_text(value).replace(" ", "").strip("*＊").replace("（", "(").replace("）", ")")


def _file_size(file) -> int | None:
    size = getattr(file, "size", None)
    if size is not None:
        return size
    try:
        position = file.tell()
        file.seek(0, io.SEEK_END)
        size = file.tell()
        file.seek(position)
    except (AttributeError, OSError):
        return None
    return size


def _header_rows(worksheet) -> Iterator[tuple[int, list[str]]]:
    for number, values in enumerate(worksheet.iter_rows(max_row=HEADER_SEARCH_ROWS, values_only=True), start=1):
        yield number, [header_text(v) for v in values]


def _find_header(worksheet, wanted: set[str]) -> tuple[int, list[str]] | None:
    for number, headers in _header_rows(worksheet):
        if wanted & set(headers):
            return number, headers
    return None


def template_hint() -> str:
    return _("Download the template to see the expected layout.")


def read_table(file, spec: ImportKind, result: ImportResult) -> Table | None:
    """The data rows of the sheet for `spec`, or None after recording why the file is refused."""
    size = _file_size(file)
    if size == 0:
        result.refuse(_("The file is empty."))
        return None
    if size is not None and size > spec.max_file_bytes:
        result.refuse(_("The file is larger than %(mb)d MB. Split it into several files.") % {"mb": spec.max_megabytes})
        return None
    if hasattr(file, "seek"):
        file.seek(0)
    try:
        with warnings.catch_warnings():
            # openpyxl warns about styles and extensions it does not understand; they do not matter here.
            warnings.simplefilter("ignore")
            workbook = load_workbook(file, read_only=True, data_only=True)
    except Exception:  # a damaged or foreign archive raises anything from BadZipFile to KeyError
        result.refuse(
            _(
                "This file is not an Excel workbook (.xlsx). Save it from Excel or WPS as “Excel workbook (*.xlsx)” "
                "and upload it again."
            )
        )
        return None
    try:
        return _read_sheet(workbook, spec, result)
    except Exception:  # read-only workbooks parse lazily, so a damaged sheet only fails here
        logger.info("unreadable %s import workbook", spec.kind, exc_info=True)
        result.refuse(_("The workbook could not be read: it may be damaged. Save it again from Excel and retry."))
        return None
    finally:
        workbook.close()


def _other_kind(workbook, spec: ImportKind) -> ImportKind | None:
    """Another registered kind whose required columns the workbook has (it lacks some of `spec`'s)."""
    others = [other for other in import_kinds() if other.kind != spec.kind]
    for worksheet in workbook.worksheets:
        if worksheet.title == INSTRUCTIONS_SHEET:
            continue
        for _number, headers in _header_rows(worksheet):
            present = set(headers)
            for other in others:
                if other.required_headers <= present:
                    return other
    return None


def _refuse_other_kind(result: ImportResult, spec: ImportKind, other: ImportKind) -> None:
    result.refuse(
        _("This looks like a file of %(found)s, not of %(expected)s. Import it on the %(found)s page.")
        % {"found": other.label, "expected": spec.label}
    )


def _read_sheet(workbook, spec: ImportKind, result: ImportResult) -> Table | None:
    known = set(spec.headers)
    found = None
    for worksheet in workbook.worksheets:
        if worksheet.title == INSTRUCTIONS_SHEET:
            continue
        found = _find_header(worksheet, {spec.key_header})
        if found:
            break
    if found is None:
        other = _other_kind(workbook, spec)
        if other is not None:
            _refuse_other_kind(result, spec, other)
        else:
            result.refuse(
                _("No header row with the column %(column)s was found in the first %(n)d rows. %(hint)s")
                % {"column": spec.key_header, "n": HEADER_SEARCH_ROWS, "hint": template_hint()}
            )
        return None
    header_row, headers = found

    positions: dict[str, int] = {}
    for index, header in enumerate(headers):
        if header not in known:
            continue
        if header in positions:
            result.refuse(_("The column %(column)s appears more than once.") % {"column": header})
            return None
        positions[header] = index
    missing = [c.header for c in spec.columns if c.required and c.header not in positions]
    missing += [group[0] for group in spec.one_of if not any(h in positions for h in group)]
    if missing:
        other = _other_kind(workbook, spec)
        if other is not None:
            _refuse_other_kind(result, spec, other)
        else:
            result.refuse(
                _("Missing column(s): %(columns)s. %(hint)s") % {"columns": "、".join(missing), "hint": template_hint()}
            )
        return None

    rows: list[tuple[int, dict[str, str]]] = []
    last_row = header_row + spec.max_rows
    items = list(positions.items())
    for number, values in enumerate(
        worksheet.iter_rows(min_row=header_row + 1, values_only=True), start=header_row + 1
    ):
        width = len(values)
        cells = {h: cell_text(values[i]) if i < width else "" for h, i in items}
        if not any(cells.values()):
            continue
        if number > last_row:
            result.refuse(_("The file has more than %(n)d rows. Split it into several files.") % {"n": spec.max_rows})
            return None
        rows.append((number, cells))
    if not rows:
        result.refuse(_("The file has a header row but no data rows."))
        return None
    return Table(present=set(positions), rows=rows)


# Helpers for the checkers.


def in_chunks(values: Iterable, size: int = 500):
    # Keeps IN (…) lists short: the same code on SQLite and PostgreSQL whatever the file's size.
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


def lookup(queryset, field_name: str, values: Iterable[str], *columns: str) -> dict:
    """{value: column} (or {value: (columns…)}) for the rows of `queryset` whose `field_name` is one of
    `values`, a few IN queries however many values there are."""
    wanted = {v for v in values if v}
    found = {}
    for chunk in in_chunks(wanted):
        for row in queryset.filter(**{f"{field_name}__in": chunk}).values_list(field_name, *columns):
            found[row[0]] = row[1] if len(row) == 2 else row[1:]
    return found


def labels_text(mapping: dict) -> str:
    return "、".join(mapping)


def label_value(text: str, labels: dict, values: Iterable[str]) -> str | None:
    if text in labels:
        return labels[text]
    # The stored codes (department, unit_handler …) are accepted too, for files made by other systems.
    lowered = text.lower()
    return lowered if lowered in set(values) else None


def note_duplicate(result: ImportResult, seen: dict, key, row: int, column: str, what: str, shown: str = "") -> bool:
    """Record `key` as seen on `row`; when an earlier row had it, add an error naming both rows."""
    if key in seen:
        result.add(
            row,
            column,
            _("%(what)s “%(value)s” appears twice in the file: rows %(first)d and %(row)d.")
            % {"what": what, "value": shown or key, "first": seen[key], "row": row},
        )
        return True
    seen[key] = row
    return False


def split_list(text: str) -> list[str]:
    """The items of a list cell, blanks dropped, order and duplicates kept."""
    return [item.strip() for item in LIST_SEPARATORS.split(text) if item.strip()]


YES = frozenset({"是", "Y", "YES", "TRUE", "1", "√"})
NO = frozenset({"否", "N", "NO", "FALSE", "0", "×"})


def parse_yes_no(text: str) -> bool | None:
    upper = text.strip().upper()
    if upper in YES:
        return True
    if upper in NO:
        return False
    return None


_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]00:00(?::00)?)?$")
_COMPACT_DATE_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_MONTH_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")
_COMPACT_MONTH_RE = re.compile(r"^(\d{4})(\d{2})$")


def parse_date(text: str) -> date | None:
    """2026-11-02, 2026/11/2, 2026.11.2, 2026年11月2日, 20261102, or an Excel date cell."""
    match = _DATE_RE.match(text) or _COMPACT_DATE_RE.match(text)
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def parse_month(text: str) -> date | None:
    """The first day of the month written as 2026-10, 2026/10, 2026年10月, 202610, or a date in it (an
    Excel date cell, typed "2026-10" and turned into 2026-10-01 by Excel)."""
    match = _MONTH_RE.match(text) or _COMPACT_MONTH_RE.match(text)
    if match:
        year, month = int(match[1]), int(match[2])
    else:
        day = parse_date(text)
        if day is None:
            return None
        year, month = day.year, day.month
    if not 1 <= month <= 12:
        return None
    return date(year, month, 1)


CENT = Decimal("0.01")


def parse_decimal(text: str, *, max_digits: int = 14, places: int = 2) -> Decimal | None:
    """A number as typed or as Excel stored it ("1,234.5", 1234.5000000001), rounded to `places`; None
    when it is not a number or too large for the column."""
    cleaned = text.replace(",", "").replace("，", "").replace(" ", "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    if not value.is_finite():
        return None
    value = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if abs(value) >= Decimal(10) ** (max_digits - places):
        return None
    return value


# Writing.


class ImportConflict(Exception):
    """A row the check relied on changed before the write: the whole import is rolled back."""


def write_all_or_nothing(result: ImportResult, write: Callable[[ImportResult], None]) -> ImportResult:
    """Run `write` in one transaction when the check found nothing wrong. If the records changed under
    the import (a unique key taken, a row deleted), everything is rolled back and the file refused."""
    if not result.ok:
        return result
    try:
        with transaction.atomic():
            write(result)
    except (ImportConflict, IntegrityError, ObjectDoesNotExist):
        logger.warning("%s import rolled back: the records changed while it ran", result.kind, exc_info=True)
        result.refuse(
            _(
                "Some of these records were changed by someone else while the file was being imported. Nothing "
                "was imported; upload the file again."
            )
        )
    return result


def lock_rows(model, ids) -> dict:
    """{pk: row} for `ids`, locked for the rest of the transaction. Ordered by primary key so that two
    imports running at once lock rows in the same order; a row gone since the check is a conflict."""
    ids = sorted(set(ids))
    rows = {}
    for chunk in in_chunks(ids):
        rows.update((obj.pk, obj) for obj in model.objects.select_for_update().filter(pk__in=chunk).order_by("pk"))
    if len(rows) != len(ids):
        raise ImportConflict
    return rows


def update_rows(model, objects: list, fields: list[str], batch_size: int = 1000) -> None:
    """Write `fields` of each object to its row, by primary key: one prepared UPDATE run for every row
    (executemany). QuerySet.bulk_update builds a CASE expression per field and row in Python, which takes
    minutes for the tens of thousands of rows of a figures file."""
    if not objects:
        return
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    meta = model._meta
    model_fields = [meta.get_field(name) for name in fields]
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in model_fields)
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"
    params = [
        [f.get_db_prep_save(getattr(obj, f.attname), connection) for f in model_fields] + [obj.pk] for obj in objects
    ]
    with connection.cursor() as cursor:
        for chunk in in_chunks(params, batch_size):
            cursor.executemany(sql, chunk)


# Templates.


def build_template(spec: ImportKind) -> bytes:
    """An empty workbook to fill in: the header row, one example row, and a 说明 sheet on each column."""
    columns = spec.columns
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(spec.sheet_title)[:31]
    sheet.append(spec.headers)
    sheet.append([c.example_text for c in columns])
    bold = Font(bold=True)
    example_font = Font(italic=True, color="6B7280")
    required_fill = PatternFill("solid", fgColor="FDE68A")
    for index, column in enumerate(columns, start=1):
        header = sheet.cell(row=1, column=index)
        header.font = bold
        sheet.cell(row=2, column=index).font = example_font
        if column.required:
            header.fill = required_fill
        letter = header.column_letter
        sheet.column_dimensions[letter].width = max(14, len(column.header) * 3)
        if column.text_format:
            # Typed into a text column, a division code or phone number keeps its digits exactly.
            for row in range(2, 1001):
                sheet.cell(row=row, column=index).number_format = "@"
    sheet.freeze_panes = "A2"

    notes = workbook.create_sheet(INSTRUCTIONS_SHEET)
    notes.append([_("Column"), _("Required"), _("Explanation"), _("Allowed values")])
    for cell in notes[1]:
        cell.font = bold
    for column in columns:
        notes.append([column.header, column.requirement, str(column.note), str(column.allowed)])
    notes.append([])
    notes.append(
        [
            _("Rows"),
            "",
            _(
                "Fill in one row per %(what)s from row 2 on. Row 2 (in grey) is an example: overwrite or delete it, or it "
                "will be imported too. Columns marked in yellow are required. Blank rows are skipped. If any row is "
                "wrong, nothing is imported and every mistake is listed with its row and column."
            )
            % {"what": spec.row_noun},
            "",
        ]
    )
    for letter, width in (("A", 18), ("B", 10), ("C", 80), ("D", 60)):
        notes.column_dimensions[letter].width = width
    wrap = Alignment(wrap_text=True, vertical="top")
    for row in notes.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = wrap

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
