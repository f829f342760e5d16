"""Excel import of units and users: read the workbook, check every row, and say what would change.

Nothing here writes: `check_units` and `check_users` return an ImportResult holding either the errors
(row as Excel numbers it, column header, reason) or the validated rows. accounts.services writes the rows,
all or none, only when there is no error. The reading, the limits and the template builder are shared
with the other imports and live in core.imports.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Region, Role, Unit, User
from core import imports as core_imports

# Re-exported: views, services and tests use these names from here.
from core.imports import (  # noqa: F401
    HEADER_SEARCH_ROWS,
    INSTRUCTIONS_SHEET,
    MAX_FILE_BYTES,
    MAX_ROWS,
    XLSX_CONTENT_TYPE,
    Column,
    ImportKind,
    RowError,
    cell_text,
    in_chunks,
    label_value,
    labels_text,
    lookup,
    note_duplicate,
    read_table,
)
from enterprises.models import Enterprise

UNITS, USERS = "units", "users"
KINDS = (UNITS, USERS)

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
        U_KIND,
        True,
        gettext_lazy("What kind of unit it is."),
        allowed=labels_text(UNIT_KIND_LABELS),
        example="县直部门",
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
        allowed=labels_text(ROLE_LABELS),
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


UNITS_IMPORT = core_imports.register(
    ImportKind(
        kind=UNITS,
        label=gettext_lazy("units"),
        sheet_title=gettext_lazy("Units"),
        row_noun=gettext_lazy("unit"),
        columns=UNIT_COLUMNS,
        key_header=U_CODE,
        url_name="import_units",
        summary=gettext_lazy("Units created: %(created)d; units updated: %(updated)d."),
        intro=gettext_lazy("A unit code that already exists updates that unit."),
        order=10,
    )
)
USERS_IMPORT = core_imports.register(
    ImportKind(
        kind=USERS,
        label=gettext_lazy("users"),
        sheet_title=gettext_lazy("Users"),
        row_noun=gettext_lazy("person"),
        columns=USER_COLUMNS,
        key_header=P_USERNAME,
        one_of=((P_UNIT, P_ENTERPRISE),),
        url_name="import_users",
        summary=gettext_lazy("Users created: %(created)d; users updated: %(updated)d."),
        intro=gettext_lazy(
            "A user name that already exists updates that person and replaces their roles; existing passwords are kept."
        ),
        order=20,
    )
)
SPECS = {UNITS: UNITS_IMPORT, USERS: USERS_IMPORT}


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
class ImportResult(core_imports.ImportResult):
    accounts: list[NewAccount] = field(default_factory=list)

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
        super().refuse(message)
        self.accounts = []
        return self


def _existing_id(row) -> int | None:
    return row.unit_id if isinstance(row, UnitRow) else row.user_id


# Units.


def check_units(file) -> ImportResult:
    result = ImportResult(kind=UNITS)
    table = read_table(file, UNITS_IMPORT, result)
    if table is None:
        return result
    has_parent_column = U_PARENT in table.present
    has_sort_column = U_SORT in table.present

    file_codes = {cells[U_CODE] for _row, cells in table.rows if cells[U_CODE]}
    existing = lookup(Unit.objects.all(), "code", file_codes, "pk")
    regions = lookup(Region.objects.all(), "code", (cells[U_REGION] for _row, cells in table.rows), "pk")
    outside_codes = {cells.get(U_PARENT, "") for _row, cells in table.rows} - file_codes - {""}
    outside = {
        u.code: u
        for chunk in in_chunks(outside_codes)
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
            note_duplicate(result, seen, code, row, U_CODE, _("Unit code"))

        if not name:
            result.add(row, U_NAME, _("The unit name is required."))
        elif len(name) > 80:
            result.add(row, U_NAME, _("The unit name is longer than 80 characters."))

        kind = None
        if not cells[U_KIND]:
            result.add(row, U_KIND, _("The unit type is required."))
        else:
            kind = label_value(cells[U_KIND], UNIT_KIND_LABELS, Unit.Kind.values)
            if kind is None:
                result.add(
                    row,
                    U_KIND,
                    _("Unknown unit type “%(value)s”. Use one of: %(allowed)s.")
                    % {"value": cells[U_KIND], "allowed": labels_text(UNIT_KIND_LABELS)},
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
    result.rows = drafts
    # Loops are found after the row-by-row checks; finish() puts the list back in row order.
    return result.finish()


def _check_cycles(result: ImportResult, drafts: list[UnitRow], outside: dict[str, Unit]) -> None:
    """A unit must not end up below itself. The chain of superiors runs through the file's rows and,
    where it reaches a unit outside the file, on through that unit's current ancestors, some of which
    the file may move."""
    parent_in_file = {d.code: d.parent_code for d in drafts if d.set_parent}
    ancestor_ids = {pk for unit in outside.values() for pk in unit.ancestor_ids()}
    code_of = {
        pk: code
        for chunk in in_chunks(ancestor_ids)
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
    table = read_table(file, USERS_IMPORT, result)
    if table is None:
        return result
    present = table.present

    for _row, cells in table.rows:
        cells[P_ENTERPRISE] = cells.get(P_ENTERPRISE, "").upper()
    existing = lookup(User.objects.all(), "username", (c[P_USERNAME] for _row, c in table.rows), "pk")
    units = lookup(Unit.objects.all(), "code", (c.get(P_UNIT, "") for _row, c in table.rows), "pk")
    enterprises = lookup(Enterprise.objects.all(), "credit_code", (c[P_ENTERPRISE] for _row, c in table.rows), "pk")

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
            note_duplicate(result, seen, username, row, P_USERNAME, _("User name"))

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
    return result.finish()


def _parse_roles(result: ImportResult, row: int, text: str) -> list[str]:
    if not text:
        result.add(row, P_ROLES, _("At least one role is required."))
        return []
    roles: list[str] = []
    unknown: list[str] = []
    for label in filter(None, ROLE_SEPARATORS.split(text)):
        role = label_value(label, ROLE_LABELS, Role.values)
        if role is None:
            unknown.append(label)
        elif role not in roles:
            roles.append(role)
    if unknown:
        result.add(
            row,
            P_ROLES,
            _("Unknown role(s) %(labels)s. Use: %(allowed)s.")
            % {"labels": "、".join(f"“{label}”" for label in unknown), "allowed": labels_text(ROLE_LABELS)},
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
    return core_imports.build_template(SPECS[kind])
