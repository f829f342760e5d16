"""Excel import of units and users: read the workbook, check every row, and say what would change.

Nothing here writes: `check_units` and `check_users` return an ImportResult holding either the errors
(row as Excel numbers it, column header, reason) or the validated rows. accounts.services writes the rows,
all or none, only when there is no error. Columns are found by their Chinese header text, so their order
in the sheet does not matter and extra columns (备注 …) are ignored.
"""

from __future__ import annotations

import io
import re
import secrets
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill

from accounts.models import Region, Role, Unit, User
from enterprises.models import Enterprise

UNITS, USERS = "units", "users"
KINDS = (UNITS, USERS)

MAX_FILE_BYTES = 5 * 1024 * 1024
# A county has a few hundred units and users; a bigger file is almost certainly the wrong one, and one
# transaction over it would hold its locks for too long.
MAX_ROWS = 20_000
# Offices often put a title row or two above the header; look a little way down for it.
HEADER_SEARCH_ROWS = 10
INSTRUCTIONS_SHEET = "说明"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Units sheet.
U_CODE, U_NAME, U_KIND, U_PARENT, U_REGION, U_SORT = (
    "单位编码",
    "单位名称",
    "单位类型",
    "上级单位编码",
    "所属区划代码",
    "排序",
)
# Users sheet.
P_USERNAME, P_NAME, P_UNIT, P_ENTERPRISE = "用户名", "姓名", "所属单位编码", "所属企业信用代码"
P_TITLE, P_PHONE, P_EMAIL, P_ROLES, P_PASSWORD = "职务", "手机号", "邮箱", "角色", "初始密码"

UNIT_KIND_LABELS = {
    "助企办": Unit.Kind.OFFICE,
    "领导小组办公室": Unit.Kind.OFFICE,
    "人民政府": Unit.Kind.GOVERNMENT,
    "县直部门": Unit.Kind.DEPARTMENT,
    "部门": Unit.Kind.DEPARTMENT,
    "乡镇": Unit.Kind.TOWNSHIP,
    "街道": Unit.Kind.TOWNSHIP,
    "乡镇/街道": Unit.Kind.TOWNSHIP,
    "园区管委会": Unit.Kind.PARK,
    "园区": Unit.Kind.PARK,
    "专班": Unit.Kind.TASK_FORCE,
    "其他": Unit.Kind.OTHER,
}

ROLE_LABELS = {
    "助企办": Role.OFFICE,
    "领导": Role.LEADER,
    "县级领导": Role.LEADER,
    "链长": Role.LEADER,
    "单位负责人": Role.UNIT_HEAD,
    "经办人": Role.UNIT_HANDLER,
    "单位经办人": Role.UNIT_HANDLER,
    "联企干部": Role.CADRE,
    "干部": Role.CADRE,
    "企业用户": Role.ENTERPRISE,
    "督查": Role.AUDITOR,
    "只读": Role.AUDITOR,
}
ROLE_SEPARATORS = re.compile(r"[、,，;；\s]+")
# Roles that act for a unit: without one they would see nothing and receive nothing.
UNIT_ROLES = frozenset({Role.UNIT_HEAD, Role.UNIT_HANDLER})

UNIT_CODE_RE = re.compile(r"^[A-Za-z0-9_.-]+$")
USERNAME_RE = re.compile(r"^[A-Za-z0-9._-]+$")
PHONE_RE = re.compile(r"^1\d{10}$")
REGION_CODE_RE = re.compile(r"^(\d{6}|\d{9}|\d{12})$")


@dataclass(frozen=True)
class Column:
    header: str
    required: bool
    note: str
    allowed: str = ""
    example: str = ""
    text_format: bool = False  # digits that Excel would otherwise turn into a number
    condition: str = ""  # when a column is required only in some rows, which ones

    @property
    def requirement(self) -> str:
        return str(self.condition) if self.condition else (_("yes") if self.required else _("no"))


def _labels(mapping: dict) -> str:
    return "、".join(mapping)


UNIT_COLUMNS = (
    Column(
        U_CODE,
        True,
        gettext_lazy(
            "Stable code of the unit: letters, digits, '-', '_' or '.', at most 32 characters. "
            "A code that already exists updates that unit."
        ),
        example="430522-SWJ",
    ),
    Column(U_NAME, True, gettext_lazy("Full name of the unit, at most 80 characters."), example="县商务局"),
    Column(
        U_KIND, True, gettext_lazy("What kind of unit it is."), allowed=_labels(UNIT_KIND_LABELS), example="县直部门"
    ),
    Column(
        U_PARENT,
        False,
        gettext_lazy(
            "Code of the superior unit: an existing unit or another row of this file, above or below. "
            "Leave the cell blank for a top-level unit."
        ),
        example="430522-GOV",
    ),
    Column(
        U_REGION,
        True,
        gettext_lazy(
            "Division code (GB/T 2260, 6, 9 or 12 digits) of a region already in the system; for a "
            "township or park, the territory it answers for."
        ),
        example="430522",
        text_format=True,
    ),
    Column(
        U_SORT,
        False,
        gettext_lazy("Whole number, smaller first. Left blank: 0 for a new unit, unchanged for an existing one."),
        example="10",
    ),
)

USER_COLUMNS = (
    Column(
        P_USERNAME,
        True,
        gettext_lazy(
            "Login name: letters, digits, '.', '_' or '-'. A user name that already exists updates "
            "that person and replaces their roles."
        ),
        example="zhangsan",
    ),
    Column(P_NAME, True, gettext_lazy("Full name, at most 40 characters."), example="张三"),
    Column(
        P_UNIT,
        False,
        gettext_lazy(
            "Code of a unit already in the system. Required, except for enterprise users who give "
            "the enterprise's credit code instead."
        ),
        example="430522-GXJ",
        condition=gettext_lazy("yes, unless 所属企业信用代码 is given"),
    ),
    Column(
        P_ENTERPRISE,
        False,
        gettext_lazy(
            "For enterprise users: the 18-character unified social credit code of an enterprise "
            "already in the registry."
        ),
        text_format=True,
    ),
    Column(P_TITLE, False, gettext_lazy("Job title, at most 40 characters."), example="科员"),
    Column(
        P_PHONE,
        False,
        gettext_lazy("Mobile number: 11 digits starting with 1."),
        example="13800000000",
        text_format=True,
    ),
    Column(P_EMAIL, False, gettext_lazy("E-mail address."), example="zhangsan@example.com"),
    Column(
        P_ROLES,
        True,
        gettext_lazy(
            "One or more roles, separated by 、 , ， or ;. Unit heads and handlers need a unit; "
            "enterprise users need an enterprise."
        ),
        allowed=_labels(ROLE_LABELS),
        example="经办人、联企干部",
    ),
    Column(
        P_PASSWORD,
        False,
        gettext_lazy(
            "Only used when the account is created: at least 8 characters, not only digits, not a "
            "common password. Left blank, a random password is generated and shown once after the "
            "import. Existing accounts keep their password."
        ),
        text_format=True,
    ),
)

COLUMNS = {UNITS: UNIT_COLUMNS, USERS: USER_COLUMNS}
# The column that identifies each kind of sheet.
KEY_HEADER = {UNITS: U_CODE, USERS: P_USERNAME}


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
class UnitRow:
    row: int
    code: str
    name: str
    kind: str
    region_id: int
    parent_code: str
    set_parent: bool  # False when the file has no 上级单位编码 column: an existing unit keeps its parent
    sort_order: int | None
    unit_id: int | None  # the existing unit this row updates


@dataclass
class UserRow:
    row: int
    username: str
    full_name: str
    roles: list[str]
    unit_id: int | None
    enterprise_id: int | None
    title: str
    phone: str
    email: str
    password: str
    user_id: int | None  # the existing user this row updates
    fields: list[str]  # what an update changes: only the columns the file has


@dataclass
class NewAccount:
    username: str
    full_name: str
    password: str
    generated: bool


@dataclass
class ImportResult:
    kind: str
    errors: list[RowError] = field(default_factory=list)
    rows: list = field(default_factory=list)
    created: int = 0
    updated: int = 0
    accounts: list[NewAccount] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def to_create(self) -> list:
        return [r for r in self.rows if _existing_id(r) is None]

    @property
    def to_update(self) -> list:
        return [r for r in self.rows if _existing_id(r) is not None]

    @property
    def generated_accounts(self) -> list[NewAccount]:
        return [a for a in self.accounts if a.generated]

    def refuse(self, message: str) -> ImportResult:
        """Turn the result into a refusal of the whole file."""
        self.errors = [RowError(None, "", message)]
        self.rows, self.created, self.updated, self.accounts = [], 0, 0, []
        return self

    def add(self, row: int, column: str, message: str) -> None:
        self.errors.append(RowError(row, column, message))


def _existing_id(row) -> int | None:
    return row.unit_id if isinstance(row, UnitRow) else row.user_id


# Reading the workbook.


@dataclass
class _Table:
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


def _header_text(value) -> str:
    # Templates in the wild mark required columns with an asterisk: "*单位编码".
    return cell_text(value).replace(" ", "").strip("*＊")


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


def _find_header(worksheet, wanted: set[str]) -> tuple[int, list[str]] | None:
    for number, values in enumerate(worksheet.iter_rows(max_row=HEADER_SEARCH_ROWS, values_only=True), start=1):
        headers = [_header_text(v) for v in values]
        if wanted & set(headers):
            return number, headers
    return None


def _read_table(file, kind: str, result: ImportResult) -> _Table | None:
    """The data rows of the sheet for `kind`, or None after recording why the file is refused."""
    template_hint = _("Download the template to see the expected layout.")
    size = _file_size(file)
    if size == 0:
        result.refuse(_("The file is empty."))
        return None
    if size is not None and size > MAX_FILE_BYTES:
        result.refuse(_("The file is larger than 5 MB. Split it into several files."))
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
        return _read_sheet(workbook, kind, result, template_hint)
    except Exception:  # read-only workbooks parse lazily, so a damaged sheet only fails here
        result.refuse(_("The workbook could not be read: it may be damaged. Save it again from Excel and retry."))
        return None
    finally:
        workbook.close()


def _read_sheet(workbook, kind: str, result: ImportResult, template_hint: str) -> _Table | None:
    columns = COLUMNS[kind]
    known = {c.header for c in columns}
    found = None
    for worksheet in workbook.worksheets:
        if worksheet.title == INSTRUCTIONS_SHEET:
            continue
        found = _find_header(worksheet, {KEY_HEADER[kind]})
        if found:
            break
    if found is None:
        other = USERS if kind == UNITS else UNITS
        if any(_find_header(ws, {KEY_HEADER[other]}) for ws in workbook.worksheets if ws.title != INSTRUCTIONS_SHEET):
            if other == USERS:
                result.refuse(_("This looks like a users file. Import it on the users page."))
            else:
                result.refuse(_("This looks like a units file. Import it on the units page."))
        else:
            result.refuse(
                _("No header row with the column %(column)s was found in the first %(n)d rows. %(hint)s")
                % {"column": KEY_HEADER[kind], "n": HEADER_SEARCH_ROWS, "hint": template_hint}
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
    missing = [c.header for c in columns if c.required and c.header not in positions]
    if kind == USERS and P_UNIT not in positions and P_ENTERPRISE not in positions:
        missing.append(P_UNIT)
    if missing:
        result.refuse(
            _("Missing column(s): %(columns)s. %(hint)s") % {"columns": "、".join(missing), "hint": template_hint}
        )
        return None

    rows: list[tuple[int, dict[str, str]]] = []
    last_row = header_row + MAX_ROWS
    for number, values in enumerate(
        worksheet.iter_rows(min_row=header_row + 1, values_only=True), start=header_row + 1
    ):
        cells = {h: cell_text(values[i]) if i < len(values) else "" for h, i in positions.items()}
        if not any(cells.values()):
            continue
        if number > last_row:
            result.refuse(_("The file has more than %(n)d rows. Split it into several files.") % {"n": MAX_ROWS})
            return None
        rows.append((number, cells))
    if not rows:
        result.refuse(_("The file has a header row but no data rows."))
        return None
    return _Table(present=set(positions), rows=rows)


def _in_chunks(values: Iterable, size: int = 500):
    # Keeps IN (…) lists short: the same code on SQLite and PostgreSQL whatever the file's size.
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _lookup(queryset, field_name: str, values: Iterable[str], *columns: str) -> dict:
    wanted = {v for v in values if v}
    found = {}
    for chunk in _in_chunks(wanted):
        for row in queryset.filter(**{f"{field_name}__in": chunk}).values_list(field_name, *columns):
            found[row[0]] = row[1] if len(row) == 2 else row[1:]
    return found


def _label_value(text: str, labels: dict, values: Iterable[str]) -> str | None:
    if text in labels:
        return labels[text]
    # The stored codes (department, unit_handler …) are accepted too, for files made by other systems.
    lowered = text.lower()
    return lowered if lowered in set(values) else None


def _duplicate(result: ImportResult, seen: dict[str, int], key: str, row: int, column: str, what: str) -> None:
    if key in seen:
        result.add(
            row,
            column,
            _("%(what)s “%(value)s” appears twice in the file: rows %(first)d and %(row)d.")
            % {"what": what, "value": key, "first": seen[key], "row": row},
        )
    else:
        seen[key] = row


# Units.


def check_units(file) -> ImportResult:
    result = ImportResult(kind=UNITS)
    table = _read_table(file, UNITS, result)
    if table is None:
        return result
    has_parent_column = U_PARENT in table.present
    has_sort_column = U_SORT in table.present

    file_codes = {cells[U_CODE] for _row, cells in table.rows if cells[U_CODE]}
    existing = _lookup(Unit.objects.all(), "code", file_codes, "pk")
    regions = _lookup(Region.objects.all(), "code", (cells[U_REGION] for _row, cells in table.rows), "pk")
    outside_codes = {cells.get(U_PARENT, "") for _row, cells in table.rows} - file_codes - {""}
    outside = {
        u.code: u
        for chunk in _in_chunks(outside_codes)
        for u in Unit.objects.filter(code__in=chunk).only("pk", "code", "path")
    }

    seen: dict[str, int] = {}
    drafts: list[UnitRow] = []
    for row, cells in table.rows:
        errors_before = len(result.errors)
        code, name = cells[U_CODE], cells[U_NAME]
        if not code:
            result.add(row, U_CODE, _("The unit code is required."))
        elif len(code) > 32 or not UNIT_CODE_RE.match(code):
            result.add(
                row,
                U_CODE,
                _("“%(value)s” is not a valid unit code: use at most 32 letters, digits, '-', '_' or '.'.")
                % {"value": code},
            )
        else:
            _duplicate(result, seen, code, row, U_CODE, _("Unit code"))

        if not name:
            result.add(row, U_NAME, _("The unit name is required."))
        elif len(name) > 80:
            result.add(row, U_NAME, _("The unit name is longer than 80 characters."))

        kind = None
        if not cells[U_KIND]:
            result.add(row, U_KIND, _("The unit type is required."))
        else:
            kind = _label_value(cells[U_KIND], UNIT_KIND_LABELS, Unit.Kind.values)
            if kind is None:
                result.add(
                    row,
                    U_KIND,
                    _("Unknown unit type “%(value)s”. Use one of: %(allowed)s.")
                    % {"value": cells[U_KIND], "allowed": _labels(UNIT_KIND_LABELS)},
                )

        region_code = cells[U_REGION]
        if not region_code:
            result.add(row, U_REGION, _("The division code is required."))
        elif region_code not in regions:
            if REGION_CODE_RE.match(region_code):
                message = _("There is no region with the division code “%(value)s”.")
            else:
                message = _("“%(value)s” is not a division code: it has 6, 9 or 12 digits.")
            result.add(row, U_REGION, message % {"value": region_code})

        parent_code = cells.get(U_PARENT, "")
        if parent_code:
            if parent_code == code:
                result.add(row, U_PARENT, _("A unit cannot be its own superior unit."))
            elif parent_code not in file_codes and parent_code not in outside:
                result.add(
                    row,
                    U_PARENT,
                    _("There is no unit with the code “%(value)s”, neither in the system nor in this file.")
                    % {"value": parent_code},
                )

        sort_order = None
        if cells.get(U_SORT, ""):
            try:
                sort_order = int(cells[U_SORT])
                if sort_order < 0:
                    raise ValueError
            except ValueError:
                result.add(row, U_SORT, _("The sort order must be a whole number of 0 or more."))

        if len(result.errors) == errors_before:
            drafts.append(
                UnitRow(
                    row=row,
                    code=code,
                    name=name,
                    kind=kind,
                    region_id=regions[region_code],
                    parent_code=parent_code,
                    set_parent=has_parent_column,
                    sort_order=sort_order if has_sort_column else None,
                    unit_id=existing.get(code),
                )
            )

    _check_cycles(result, drafts, outside)
    # Loops are found after the row-by-row checks; the list still reads top to bottom.
    result.errors.sort(key=lambda e: e.row or 0)
    if result.ok:
        result.rows = drafts
    return result


def _check_cycles(result: ImportResult, drafts: list[UnitRow], outside: dict[str, Unit]) -> None:
    """A unit must not end up below itself. The chain of superiors runs through the file's rows and,
    where it reaches a unit outside the file, on through that unit's current ancestors, some of which
    the file may move."""
    parent_in_file = {d.code: d.parent_code for d in drafts if d.set_parent}
    ancestor_ids = {pk for unit in outside.values() for pk in unit.ancestor_ids()}
    code_of = {
        pk: code
        for chunk in _in_chunks(ancestor_ids)
        for pk, code in Unit.objects.filter(pk__in=chunk).values_list("pk", "code")
    }

    def next_in_file(outside_code: str) -> str | None:
        # The unit's own ancestors keep their parents unless the file moves one of them.
        for pk in reversed(outside[outside_code].ancestor_ids()[:-1]):
            if code_of.get(pk) in parent_in_file:
                return code_of[pk]
        return None

    for draft in drafts:
        if not draft.set_parent or not draft.parent_code:
            continue
        chain, current, visited = [draft.code], draft.parent_code, set()
        while current and current not in visited:
            visited.add(current)
            chain.append(current)
            if current == draft.code:
                result.add(
                    draft.row,
                    U_PARENT,
                    _("The superior units form a loop: %(chain)s.") % {"chain": " → ".join(chain)},
                )
                break
            if current in parent_in_file:
                current = parent_in_file[current]
            elif current in outside:
                current = next_in_file(current)
            else:
                current = None


def units_in_write_order(rows: list[UnitRow]) -> list[UnitRow]:
    """Superior units of the file before the units below them, so each new unit's parent exists."""
    by_code = {r.code: r for r in rows}
    ordered: list[UnitRow] = []
    placed: set[str] = set()
    for row in rows:
        pending = []
        current = row
        while current is not None and current.code not in placed:
            pending.append(current)
            placed.add(current.code)
            current = by_code.get(current.parent_code) if current.set_parent else None
        ordered.extend(reversed(pending))
    return ordered


# Users.


def check_users(file, *, actor: User | None = None) -> ImportResult:
    """`actor`, when given, is the office user importing: the file may not take their office role away,
    which would lock them out of the page they are using."""
    result = ImportResult(kind=USERS)
    table = _read_table(file, USERS, result)
    if table is None:
        return result
    present = table.present

    for _row, cells in table.rows:
        cells[P_ENTERPRISE] = cells.get(P_ENTERPRISE, "").upper()
    existing = _lookup(User.objects.all(), "username", (c[P_USERNAME] for _row, c in table.rows), "pk")
    units = _lookup(Unit.objects.all(), "code", (c.get(P_UNIT, "") for _row, c in table.rows), "pk")
    enterprises = _lookup(Enterprise.objects.all(), "credit_code", (c[P_ENTERPRISE] for _row, c in table.rows), "pk")

    actor_is_office = actor is not None and actor.role_grants.filter(role=Role.OFFICE).exists()
    seen: dict[str, int] = {}
    for row, cells in table.rows:
        errors_before = len(result.errors)
        username, full_name = cells[P_USERNAME], cells[P_NAME]
        if not username:
            result.add(row, P_USERNAME, _("The user name is required."))
        elif len(username) > 150 or not USERNAME_RE.match(username):
            result.add(
                row,
                P_USERNAME,
                _("“%(value)s” is not a valid user name: use letters, digits, '.', '_' or '-'.") % {"value": username},
            )
        else:
            _duplicate(result, seen, username, row, P_USERNAME, _("User name"))

        if not full_name:
            result.add(row, P_NAME, _("The full name is required."))
        elif len(full_name) > 40:
            result.add(row, P_NAME, _("The full name is longer than 40 characters."))

        roles = _parse_roles(result, row, cells[P_ROLES])
        if roles and actor is not None and username == actor.username and Role.OFFICE not in roles and actor_is_office:
            result.add(row, P_ROLES, _("You cannot take the coordinating-office role away from your own account."))

        unit_code, credit_code = cells.get(P_UNIT, ""), cells[P_ENTERPRISE]
        if unit_code and unit_code not in units:
            result.add(row, P_UNIT, _("There is no unit with the code “%(value)s”.") % {"value": unit_code})
        if credit_code and credit_code not in enterprises:
            result.add(
                row,
                P_ENTERPRISE,
                _("There is no enterprise with the credit code “%(value)s” in the registry.") % {"value": credit_code},
            )
        if not unit_code and not credit_code:
            result.add(
                row,
                P_UNIT,
                _("The unit code is required (for an enterprise user, give the enterprise's credit code instead)."),
            )
        elif roles and not unit_code and UNIT_ROLES & set(roles):
            result.add(row, P_UNIT, _("Unit heads and unit handlers need a unit."))
        if roles and Role.ENTERPRISE in roles and not credit_code:
            result.add(row, P_ENTERPRISE, _("An enterprise user needs the enterprise's credit code."))

        title, phone, email = cells.get(P_TITLE, ""), cells.get(P_PHONE, ""), cells.get(P_EMAIL, "")
        if len(title) > 40:
            result.add(row, P_TITLE, _("The job title is longer than 40 characters."))
        phone = phone.replace(" ", "").replace("-", "")
        if phone and not PHONE_RE.match(phone):
            result.add(
                row,
                P_PHONE,
                _("“%(value)s” is not a mobile number: it has 11 digits and starts with 1.")
                % {"value": cells[P_PHONE]},
            )
        if email:
            try:
                validate_email(email)
            except ValidationError:
                result.add(row, P_EMAIL, _("“%(value)s” is not a valid e-mail address.") % {"value": email})

        user_id = existing.get(username)
        password = cells.get(P_PASSWORD, "")
        if password and user_id is None:
            try:
                validate_password(password, User(username=username, full_name=full_name, email=email))
            except ValidationError as exc:
                result.add(row, P_PASSWORD, " ".join(exc.messages))

        if len(result.errors) == errors_before:
            fields = ["full_name"]
            fields += [
                f for column, f in ((P_TITLE, "title"), (P_PHONE, "phone"), (P_EMAIL, "email")) if column in present
            ]
            fields += [f for column, f in ((P_UNIT, "unit"), (P_ENTERPRISE, "enterprise")) if column in present]
            result.rows.append(
                UserRow(
                    row=row,
                    username=username,
                    full_name=full_name,
                    roles=roles,
                    unit_id=units.get(unit_code),
                    enterprise_id=enterprises.get(credit_code),
                    title=title,
                    phone=phone,
                    email=email,
                    password=password if user_id is None else "",
                    user_id=user_id,
                    fields=fields,
                )
            )
    if not result.ok:
        result.rows = []
    return result


def _parse_roles(result: ImportResult, row: int, text: str) -> list[str]:
    if not text:
        result.add(row, P_ROLES, _("At least one role is required."))
        return []
    roles: list[str] = []
    unknown: list[str] = []
    for label in filter(None, ROLE_SEPARATORS.split(text)):
        role = _label_value(label, ROLE_LABELS, Role.values)
        if role is None:
            unknown.append(label)
        elif role not in roles:
            roles.append(role)
    if unknown:
        result.add(
            row,
            P_ROLES,
            _("Unknown role(s) %(labels)s. Use: %(allowed)s.")
            % {"labels": "、".join(f"“{label}”" for label in unknown), "allowed": _labels(ROLE_LABELS)},
        )
        return []
    return roles


PASSWORD_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"


def generate_password(length: int = 10) -> str:
    """A random initial password that is easy to read aloud or copy by hand: no 0/O, 1/l/I."""
    while True:
        password = "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(length))
        if (
            any(c.isdigit() for c in password)
            and any(c.islower() for c in password)
            and any(c.isupper() for c in password)
        ):
            return password


# Templates.


def build_template(kind: str) -> bytes:
    """An empty workbook to fill in: the header row, one example row, and a 说明 sheet on each column."""
    columns = COLUMNS[kind]
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Units") if kind == UNITS else _("Users")
    sheet.append([c.header for c in columns])
    sheet.append([c.example for c in columns])
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
        notes.append([column.header, column.requirement, str(column.note), column.allowed])
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
            % {"what": _("unit") if kind == UNITS else _("person")},
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
