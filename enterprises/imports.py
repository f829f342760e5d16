"""Excel imports of the enterprise registry: enterprises, monthly operating data, linkage (包联) and visits
(走访). Each `check_*` reads the workbook and checks every row against the registry and the importer's data
scope; it writes nothing. enterprises.services.imports writes the checked rows, all or none.

Lookups are made a few hundred keys at a time with IN queries, never one query per row: a statistics office
file of a county's year of figures has 60,000 rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import STAFF_ROLES, Region, Role, Scope, Unit, User, UserRole
from accounts.scope import current_year, scoped, territory_region_paths, user_scopes
from core import imports as core_imports
from core.imports import (
    Column,
    ImportKind,
    ImportResult,
    Table,
    in_chunks,
    label_value,
    labels_text,
    lookup,
    note_duplicate,
    parse_date,
    parse_decimal,
    parse_month,
    parse_yes_no,
    read_table,
    split_list,
)
from enterprises.models import Enterprise, Industry, MonthlyFigure, Tag, Visit, mobile_or_landline
from enterprises.validators import credit_code_check_char, validate_credit_code

ENTERPRISES, FIGURES, LINKAGES, VISITS = "enterprises", "figures", "linkages", "visits"
KINDS = (ENTERPRISES, FIGURES, LINKAGES, VISITS)

# Enterprise files from the market regulator or a city-wide registry are larger than a county's.
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ENTERPRISE_ROWS = 50_000
# A year of monthly figures for a city's enterprises.
MAX_FIGURE_ROWS = 120_000

EARLIEST = date(2000, 1, 1)

# Headers shared by the four sheets.
CODE, NAME = "统一社会信用代码", "企业名称"
# Enterprises.
E_LEGAL, E_REGION, E_PARK, E_ADDRESS, E_FOUNDED = "法定代表人", "所属区划代码", "所属园区编码", "地址", "成立日期"
E_CAPITAL, E_INDUSTRY, E_SIZE, E_ABOVE, E_KEY = "注册资本(万元)", "行业代码", "企业规模", "是否规上", "是否重点企业"
E_TAGS, E_CONTACT, E_PHONE = "企业标签", "联系人", "联系电话"
# Operating data.
F_MONTH = "月份"
FIGURE_HEADERS = {
    "output_value": "产值(万元)",
    "revenue": "主营业务收入(万元)",
    "total_profit": "利润总额(万元)",
    "tax_paid": "实缴税金(万元)",
    "electricity": "用电量(万千瓦时)",
    "employees": "从业人员(人)",
    "rd_spend": "研发费用(万元)",
}
# Linkage.
L_YEAR, L_LEADER, L_UNIT, L_CADRES, L_NOTE = "年度", "包联领导", "牵头单位编码", "联企干部", "备注"
# Visits.
V_DATE, V_VISITOR, V_MODE, V_MET, V_NOTES, V_PROBLEMS = (
    "走访日期",
    "走访人",
    "走访方式",
    "接待人",
    "走访记录",
    "发现问题",
)

SIZE_LABELS = {
    "大": Enterprise.Size.LARGE,
    "大型": Enterprise.Size.LARGE,
    "中": Enterprise.Size.MEDIUM,
    "中型": Enterprise.Size.MEDIUM,
    "小": Enterprise.Size.SMALL,
    "小型": Enterprise.Size.SMALL,
    "微": Enterprise.Size.MICRO,
    "微型": Enterprise.Size.MICRO,
}
MODE_LABELS = {
    "实地": Visit.Mode.ONSITE,
    "实地走访": Visit.Mode.ONSITE,
    "电话": Visit.Mode.PHONE,
    "座谈": Visit.Mode.MEETING,
    "线上": Visit.Mode.ONLINE,
}
# Problems are sentences, which may hold commas and 、: only line breaks and semicolons separate them.
PROBLEM_SEPARATORS = re.compile(r"[\n\r；;]+")

# The example enterprise of every template: a well-formed code, so that the example rows import.
EXAMPLE_CODE = "91430522MA4L00001" + credit_code_check_char("91430522MA4L00001")
EXAMPLE_NAME = "新邵县示例机械有限公司"


def _last_month() -> str:
    today = timezone.localdate()
    return f"{today.year - (today.month == 1)}-{(today.month - 2) % 12 + 1:02d}"


def _this_year() -> str:
    return str(current_year())


def _today() -> str:
    return timezone.localdate().isoformat()


def _active_tag_names() -> str:
    return "、".join(Tag.objects.filter(is_active=True).values_list("name", flat=True))


CODE_COLUMN = Column(
    CODE,
    True,
    gettext_lazy("The 18-character unified social credit code (GB 32100-2015); its check character is verified."),
    example=EXAMPLE_CODE,
    text_format=True,
)
CODE_OF_EXISTING = Column(
    CODE,
    True,
    gettext_lazy(
        "The 18-character unified social credit code of an enterprise already in the registry, in your scope."
    ),
    example=EXAMPLE_CODE,
    text_format=True,
)
NAME_FOR_READING = Column(
    NAME, False, gettext_lazy("For reading only: the enterprise is found by its credit code."), example=EXAMPLE_NAME
)


ENTERPRISE_COLUMNS = (
    CODE_COLUMN,
    Column(NAME, True, gettext_lazy("Registered name, at most 120 characters."), example=EXAMPLE_NAME),
    Column(E_LEGAL, False, gettext_lazy("At most 40 characters."), example="张三"),
    Column(
        E_REGION,
        True,
        gettext_lazy(
            "Division code (GB/T 2260, 6, 9 or 12 digits) of a region of your jurisdiction where it is located."
        ),
        example="430522",
        text_format=True,
    ),
    Column(E_PARK, False, gettext_lazy("Unit code of the park committee, when it lies in a park."), example=""),
    Column(E_ADDRESS, False, gettext_lazy("At most 200 characters."), example="新邵县酿溪镇工业大道 1 号"),
    Column(E_FOUNDED, False, gettext_lazy("A date: 2018-05-20, 2018/5/20 or 2018年5月20日."), example="2018-05-20"),
    Column(E_CAPITAL, False, gettext_lazy("In 10,000 yuan (万元), 0 or more."), example="500"),
    Column(
        E_INDUSTRY,
        False,
        gettext_lazy("GB/T 4754-2017 industry code: a division (2 digits) or a group (3 digits)."),
        allowed=gettext_lazy("for example 35 (专用设备制造业) or 351"),
        example="351",
        text_format=True,
    ),
    Column(E_SIZE, False, gettext_lazy("Size class."), allowed=labels_text(SIZE_LABELS), example="小"),
    Column(E_ABOVE, False, gettext_lazy("Above designated size (规上)."), allowed="是、否", example="否"),
    Column(E_KEY, False, gettext_lazy("Key enterprise: needs a full linkage."), allowed="是、否", example="否"),
    Column(
        E_TAGS,
        False,
        gettext_lazy("Names from the tag dictionary, separated by 、 , or ；. They replace the enterprise's tags."),
        allowed=lazy(_active_tag_names, str)(),  # today's dictionary, when the template is made
        example="专精特新、高新技术企业",
    ),
    Column(E_CONTACT, False, gettext_lazy("At most 40 characters."), example="李四"),
    Column(
        E_PHONE,
        False,
        gettext_lazy("A mobile number of 11 digits or a landline such as 0739-1234567."),
        example="13800000000",
        text_format=True,
    ),
)

FIGURE_NOTES = {
    "output_value": gettext_lazy("The month's output value in 10,000 yuan (万元), 0 or more."),
    "revenue": gettext_lazy("The month's main business revenue in 万元, 0 or more."),
    "total_profit": gettext_lazy("The month's total profit in 万元; a loss is negative."),
    "tax_paid": gettext_lazy("Tax paid in the month, in 万元, 0 or more."),
    "electricity": gettext_lazy("Electricity used in the month, in 10,000 kWh (万千瓦时), 0 or more."),
    "employees": gettext_lazy("Number of employees: a whole number, 0 or more."),
    "rd_spend": gettext_lazy("R&D spend in the month, in 万元, 0 or more."),
}
FIGURE_EXAMPLES = {
    "output_value": "1250.5",
    "revenue": "1180",
    "total_profit": "-35.2",
    "tax_paid": "42",
    "electricity": "18.6",
    "employees": "126",
    "rd_spend": "30",
}
FIGURE_COLUMNS = (
    CODE_OF_EXISTING,
    NAME_FOR_READING,
    Column(
        F_MONTH,
        True,
        gettext_lazy("The month: 2026-10, 2026年10月 or a date cell in that month. Not a month still to come."),
        example=_last_month,
        text_format=True,
    ),
    *(
        Column(
            header,
            False,
            FIGURE_NOTES[name],
            example=FIGURE_EXAMPLES[name],
        )
        for name, header in FIGURE_HEADERS.items()
    ),
)

LINKAGE_COLUMNS = (
    CODE_OF_EXISTING,
    NAME_FOR_READING,
    Column(L_YEAR, True, gettext_lazy("The year of the linkage, e.g. 2026."), example=_this_year),
    Column(
        L_LEADER,
        False,
        gettext_lazy(
            "User name, or full name, of a user with the leader role. When two leaders share the name, give the "
            "user name."
        ),
        example="lisi",
    ),
    Column(L_UNIT, False, gettext_lazy("Code of the active unit that leads the linkage."), example="430522-GXJ"),
    Column(
        L_CADRES,
        False,
        gettext_lazy("User names of linked cadres, separated by 、 , or ；. They replace the year's cadres."),
        example="zhangsan",
    ),
    Column(L_NOTE, False, gettext_lazy("At most 200 characters."), example=""),
)

VISIT_COLUMNS = (
    CODE_OF_EXISTING,
    NAME_FOR_READING,
    Column(V_DATE, True, gettext_lazy("The date of the visit, not in the future: 2026-11-02."), example=_today),
    Column(
        V_VISITOR,
        True,
        gettext_lazy("User name of the staff member who visited; the visit counts for their unit."),
        example="zhangsan",
    ),
    Column(
        V_MODE,
        False,
        gettext_lazy("How the visit was made; blank means 实地."),
        allowed="实地、电话、座谈、线上",
        example="实地",
    ),
    Column(V_MET, False, gettext_lazy("Who was met, at most 200 characters."), example="李四（总经理）"),
    Column(V_NOTES, False, gettext_lazy("What was discussed."), example="了解生产经营和用工情况"),
    Column(
        V_PROBLEMS,
        False,
        gettext_lazy("The problems found, one per line or separated by ；."),
        example="流动资金紧张；招工难",
    ),
)


def _register(kind, title, label, noun, columns, url_name, summary, intro, order, max_rows=MAX_ENTERPRISE_ROWS):
    return core_imports.register(
        ImportKind(
            kind=kind,
            label=label,
            sheet_title=title,
            row_noun=noun,
            columns=columns,
            key_header=CODE,
            max_rows=max_rows,
            max_file_bytes=MAX_FILE_BYTES,
            url_name=url_name,
            template_url_name="import_registry_template",
            summary=summary,
            intro=intro,
            order=order,
        )
    )


ENTERPRISES_IMPORT = _register(
    ENTERPRISES,
    gettext_lazy("Enterprises"),
    gettext_lazy("enterprises"),
    gettext_lazy("enterprise"),
    ENTERPRISE_COLUMNS,
    "import_enterprises",
    gettext_lazy("Enterprises created: %(created)d; enterprises updated: %(updated)d."),
    gettext_lazy(
        "A credit code already in the registry updates that enterprise: filled cells replace what is there, blank "
        "cells keep it."
    ),
    30,
)
FIGURES_IMPORT = _register(
    FIGURES,
    gettext_lazy("Operating data"),
    gettext_lazy("operating data"),
    gettext_lazy("enterprise and month"),
    FIGURE_COLUMNS,
    "import_figures",
    gettext_lazy("Months of figures added: %(created)d; months replaced: %(updated)d."),
    gettext_lazy(
        "A month already entered is replaced by the file's figures; a blank cell means not reported. Warnings are "
        "recomputed afterwards."
    ),
    40,
    max_rows=MAX_FIGURE_ROWS,
)
LINKAGES_IMPORT = _register(
    LINKAGES,
    gettext_lazy("Linkage"),
    gettext_lazy("linkage"),
    gettext_lazy("enterprise and year"),
    LINKAGE_COLUMNS,
    "import_linkages",
    gettext_lazy("Linkages created: %(created)d; linkages replaced: %(updated)d."),
    gettext_lazy(
        "A row sets the enterprise's whole linkage for the year: leader, lead unit and cadres replace what was "
        "there; a blank cell leaves that part empty."
    ),
    50,
)
VISITS_IMPORT = _register(
    VISITS,
    gettext_lazy("Visits"),
    gettext_lazy("visits"),
    gettext_lazy("visit"),
    VISIT_COLUMNS,
    "import_visits",
    gettext_lazy("Visits recorded: %(created)d."),
    gettext_lazy(
        "Each row records a new visit; a visit already recorded (same enterprise, visitor and date) is refused."
    ),
    60,
)
SPECS = {spec.kind: spec for spec in (ENTERPRISES_IMPORT, FIGURES_IMPORT, LINKAGES_IMPORT, VISITS_IMPORT)}


# Rows ready to write.


@dataclass(slots=True)
class EnterpriseRow:
    row: int
    credit_code: str
    enterprise_id: int | None  # the existing enterprise this row updates
    values: dict  # model field → value, for the cells that were filled
    tag_ids: list[int] | None  # None: keep the tags


@dataclass(slots=True)
class FigureRow:
    row: int
    enterprise_id: int
    period: date
    values: dict  # every figure column of the file: a blank cell is None (not reported)


@dataclass(slots=True)
class LinkageRow:
    row: int
    enterprise_id: int
    year: int
    values: dict  # leader_id, lead_unit_id, note: for the columns of the file
    cadre_ids: list[int] | None  # None when the file has no cadres column


@dataclass(slots=True)
class VisitRow:
    row: int
    enterprise_id: int
    visitor_id: int
    unit_id: int | None
    visited_on: date
    mode: str
    met_with: str
    notes: str
    problems: list[str] = field(default_factory=list)


# Shared checks.


def _normalise_codes(table: Table) -> None:
    for _row, cells in table.rows:
        cells[CODE] = cells[CODE].replace(" ", "").upper()


def _credit_code_problem(code: str) -> str:
    try:
        validate_credit_code(code)
    except ValidationError as error:
        return " ".join(error.messages)
    return ""


def _credit_code_ok(result: ImportResult, row: int, code: str, known: dict[str, str] | None = None) -> bool:
    """Whether the cell holds a well-formed credit code; `known` remembers codes already checked, as a
    figures file repeats each code once a month."""
    if not code:
        result.add(row, CODE, _("The credit code is required."))
        return False
    if known is None or code not in known:
        problem = _credit_code_problem(code)
        if known is not None:
            known[code] = problem
    else:
        problem = known[code]
    if problem:
        result.add(row, CODE, problem)
        return False
    return True


def _enterprises_in_scope(actor, table: Table) -> dict[str, int]:
    """{credit code: pk} of the file's enterprises that the actor may see."""
    codes = {cells[CODE] for _row, cells in table.rows}
    return lookup(scoped(actor, Enterprise.objects.all()), "credit_code", codes, "pk")


def _existing_enterprise(
    result: ImportResult, row: int, code: str, in_scope: dict[str, int], known: dict[str, str]
) -> int | None:
    if not _credit_code_ok(result, row, code, known):
        return None
    enterprise_id = in_scope.get(code)
    if enterprise_id is None:
        # Out of scope is reported like absent: for this user the enterprise does not exist (DESIGN.md §7).
        result.add(
            row,
            CODE,
            _("There is no enterprise with the credit code “%(value)s” in the registry within your scope.")
            % {"value": code},
        )
    return enterprise_id


def _text(result: ImportResult, row: int, column: str, value: str, limit: int) -> str:
    if len(value) > limit:
        result.add(
            row, column, _("At most %(n)d characters; this has %(length)d.") % {"n": limit, "length": len(value)}
        )
    return value


def _date_not_future(result: ImportResult, row: int, column: str, text: str) -> date | None:
    day = parse_date(text)
    if day is None:
        result.add(row, column, _("“%(value)s” is not a date: write it as 2026-11-02.") % {"value": text})
    elif day > timezone.localdate():
        result.add(row, column, _("The date %(value)s is in the future.") % {"value": day.isoformat()})
    elif day < EARLIEST:
        result.add(row, column, _("The date %(value)s is before 2000.") % {"value": day.isoformat()})
    else:
        return day
    return None


def _amount(result: ImportResult, row: int, column: str, text: str, *, signed: bool = False, max_digits: int = 14):
    value = parse_decimal(text, max_digits=max_digits)
    if value is None:
        result.add(row, column, _("“%(value)s” is not a number.") % {"value": text})
    elif value < 0 and not signed:
        result.add(row, column, _("The amount cannot be negative (%(value)s).") % {"value": text})
    else:
        return value
    return None


# Enterprises.


def _jurisdiction_paths(actor) -> list[str] | None:
    """Region paths an enterprise created by `actor` may lie in; None when every region will do. Whole-
    jurisdiction scope: the territories of all territorial units (the government's, usually the county).
    A narrower scope: the territories of the units the actor answers for, so the new enterprise stays in
    their scope."""
    scopes = user_scopes(actor)
    if Scope.ALL in scopes:
        return territory_region_paths(Unit.objects.all()) or None
    if not actor.unit_id:
        return []
    if Scope.UNIT_TREE in scopes:
        return territory_region_paths(Unit.objects.filter(path__startswith=actor.unit.path))
    if Scope.UNIT in scopes:
        return territory_region_paths(Unit.objects.filter(pk=actor.unit_id))
    return []


def _industry_code(text: str) -> str:
    # Typed as a number, "01" (agriculture) arrives as 1.
    return text.zfill(2) if text.isdigit() and len(text) == 1 else text.upper()


def check_enterprises(file, *, actor: User) -> ImportResult:
    result = ImportResult(kind=ENTERPRISES)
    table = read_table(file, ENTERPRISES_IMPORT, result)
    if table is None:
        return result
    _normalise_codes(table)
    rows = table.rows

    codes = {cells[CODE] for _row, cells in rows}
    existing = lookup(Enterprise.objects.all(), "credit_code", codes, "pk")
    in_scope = lookup(scoped(actor, Enterprise.objects.all()), "credit_code", set(existing), "pk")
    regions = lookup(Region.objects.all(), "code", (c[E_REGION] for _r, c in rows), "pk", "path", "name")
    allowed_paths = _jurisdiction_paths(actor)
    parks = lookup(Unit.objects.all(), "code", (c.get(E_PARK, "") for _r, c in rows), "pk", "kind")
    industry_codes = {_industry_code(c.get(E_INDUSTRY, "")) for _r, c in rows}
    industries = lookup(
        Industry.objects.filter(level__in=[Industry.Level.DIVISION, Industry.Level.GROUP]),
        "code",
        industry_codes,
        "code",
    )
    tags = {}
    for pk, code, name in Tag.objects.filter(is_active=True).values_list("pk", "code", "name"):
        tags[name] = tags[code] = pk
    today = timezone.localdate()

    seen: dict[str, int] = {}
    for row, cells in rows:
        errors_before = len(result.errors) + result.unlisted
        code = cells[CODE]
        enterprise_id = None
        if _credit_code_ok(result, row, code) and not note_duplicate(
            result, seen, code, row, CODE, _("The credit code")
        ):
            enterprise_id = existing.get(code)
            if enterprise_id is not None and code not in in_scope:
                result.add(
                    row,
                    CODE,
                    _(
                        "The credit code “%(value)s” belongs to an enterprise outside your scope: it can be neither "
                        "created nor updated here."
                    )
                    % {"value": code},
                )
        values: dict = {}

        name = cells[NAME]
        if not name:
            result.add(row, NAME, _("The enterprise name is required."))
        else:
            values["name"] = _text(result, row, NAME, name, 120)

        region_code = cells[E_REGION]
        if not region_code:
            result.add(row, E_REGION, _("The division code is required."))
        elif region_code not in regions:
            result.add(
                row, E_REGION, _("There is no region with the division code “%(value)s”.") % {"value": region_code}
            )
        else:
            region_id, path, region_name = regions[region_code]
            if allowed_paths is not None and not any(path.startswith(p) for p in allowed_paths):
                result.add(
                    row,
                    E_REGION,
                    _("%(name)s (%(code)s) is outside your jurisdiction.") % {"name": region_name, "code": region_code},
                )
            else:
                values["region_id"] = region_id

        park_code = cells.get(E_PARK, "")
        if park_code:
            if park_code not in parks:
                result.add(row, E_PARK, _("There is no unit with the code “%(value)s”.") % {"value": park_code})
            elif parks[park_code][1] != Unit.Kind.PARK:
                result.add(row, E_PARK, _("The unit “%(value)s” is not a park committee.") % {"value": park_code})
            else:
                values["park_id"] = parks[park_code][0]

        for column, field_name, limit in ((E_LEGAL, "legal_representative", 40), (E_ADDRESS, "address", 200)):
            if cells.get(column, ""):
                values[field_name] = _text(result, row, column, cells[column], limit)
        if cells.get(E_CONTACT, ""):
            values["contact_name"] = _text(result, row, E_CONTACT, cells[E_CONTACT], 40)

        founded = cells.get(E_FOUNDED, "")
        if founded:
            day = parse_date(founded)
            if day is None:
                result.add(row, E_FOUNDED, _("“%(value)s” is not a date: write it as 2018-05-20.") % {"value": founded})
            elif day > today:
                result.add(row, E_FOUNDED, _("The founding date %(value)s is in the future.") % {"value": day})
            else:
                values["founded_on"] = day

        if cells.get(E_CAPITAL, ""):
            capital = _amount(result, row, E_CAPITAL, cells[E_CAPITAL])
            if capital is not None:
                values["registered_capital"] = capital

        industry = cells.get(E_INDUSTRY, "")
        if industry:
            industry = _industry_code(industry)
            if industry in industries:
                values["industry_id"] = industry
            else:
                result.add(
                    row,
                    E_INDUSTRY,
                    _(
                        "Unknown industry code “%(value)s”: give a division (2 digits) or group (3 digits) of "
                        "GB/T 4754-2017, for example 35 or 351."
                    )
                    % {"value": industry},
                )

        if cells.get(E_SIZE, ""):
            size = label_value(cells[E_SIZE], SIZE_LABELS, Enterprise.Size.values)
            if size is None:
                result.add(
                    row,
                    E_SIZE,
                    _("Unknown size class “%(value)s”. Use one of: %(allowed)s.")
                    % {"value": cells[E_SIZE], "allowed": labels_text(SIZE_LABELS)},
                )
            else:
                values["size"] = size

        for column, field_name in ((E_ABOVE, "above_scale"), (E_KEY, "is_key")):
            if cells.get(column, ""):
                flag = parse_yes_no(cells[column])
                if flag is None:
                    result.add(row, column, _("Write 是 or 否, not “%(value)s”.") % {"value": cells[column]})
                else:
                    values[field_name] = flag

        phone = cells.get(E_PHONE, "").replace(" ", "")
        if phone:
            try:
                mobile_or_landline(phone)
            except ValidationError as error:
                result.add(row, E_PHONE, " ".join(error.messages))
            else:
                values["contact_phone"] = phone

        tag_ids = None
        if cells.get(E_TAGS, ""):
            labels = split_list(cells[E_TAGS])
            unknown = [label for label in labels if label not in tags]
            if unknown:
                result.add(
                    row,
                    E_TAGS,
                    _("Unknown tag(s) %(labels)s. Use names from the tag dictionary: %(allowed)s.")
                    % {
                        "labels": "、".join(f"“{label}”" for label in unknown),
                        "allowed": _active_tag_names(),
                    },
                )
            else:
                tag_ids = sorted({tags[label] for label in labels})

        if len(result.errors) + result.unlisted == errors_before:
            result.rows.append(
                EnterpriseRow(row=row, credit_code=code, enterprise_id=enterprise_id, values=values, tag_ids=tag_ids)
            )
    return result.finish()


# Operating data.


def _whole_number(result: ImportResult, row: int, column: str, text: str) -> int | None:
    # Below 10^8, far within the integer column of every database.
    value = parse_decimal(text, max_digits=10)
    if value is None or value != value.to_integral_value():
        result.add(row, column, _("“%(value)s” is not a whole number.") % {"value": text})
    elif value < 0:
        result.add(row, column, _("The number of employees cannot be negative (%(value)s).") % {"value": text})
    else:
        return int(value)
    return None


def check_figures(file, *, actor: User) -> ImportResult:
    result = ImportResult(kind=FIGURES)
    table = read_table(file, FIGURES_IMPORT, result)
    if table is None:
        return result
    _normalise_codes(table)
    in_scope = _enterprises_in_scope(actor, table)
    columns = [(name, header) for name, header in FIGURE_HEADERS.items() if header in table.present]
    if not columns:
        return result.refuse(
            _("The file has none of the figure columns: %(columns)s.") % {"columns": "、".join(FIGURE_HEADERS.values())}
        )
    this_month = timezone.localdate().replace(day=1)
    digits = {name: getattr(MonthlyFigure._meta.get_field(name), "max_digits", 12) for name, _header in columns}

    known_codes: dict[str, str] = {}
    seen: dict[tuple, int] = {}
    for row, cells in table.rows:
        errors_before = len(result.errors) + result.unlisted
        code = cells[CODE]
        enterprise_id = _existing_enterprise(result, row, code, in_scope, known_codes)

        month_text, period = cells[F_MONTH], None
        if not month_text:
            result.add(row, F_MONTH, _("The month is required."))
        else:
            period = parse_month(month_text)
            if period is None:
                result.add(row, F_MONTH, _("“%(value)s” is not a month: write it as 2026-10.") % {"value": month_text})
            elif period > this_month:
                result.add(
                    row, F_MONTH, _("%(month)s has not begun yet.") % {"month": f"{period.year}-{period.month:02d}"}
                )
                period = None
            elif period < EARLIEST:
                result.add(row, F_MONTH, _("The month is before 2000."))
                period = None
        if enterprise_id is not None and period is not None:
            note_duplicate(
                result,
                seen,
                (enterprise_id, period),
                row,
                F_MONTH,
                _("The enterprise and month"),
                shown=f"{code} {period.year}-{period.month:02d}",
            )

        values = {}
        for name, header in columns:
            text = cells[header]
            if not text:
                values[name] = None
            elif name == "employees":
                values[name] = _whole_number(result, row, header, text)
            else:
                values[name] = _amount(
                    result, row, header, text, signed=name == "total_profit", max_digits=digits[name]
                )
        if all(not cells[header] for _name, header in columns):
            result.add(row, columns[0][1], _("The row has no figures: fill in at least one."))

        if len(result.errors) + result.unlisted == errors_before:
            result.rows.append(FigureRow(row=row, enterprise_id=enterprise_id, period=period, values=values))
    return result.finish()


# Linkage.


def _resolve_leaders(actor, texts: set[str]) -> tuple[dict[str, int], dict[str, list[str]], set[str]]:
    """For the leader cells: {text: user pk} of users with the leader role found by user name or by a
    unique full name; {text: [user names]} of full names shared by several leaders; texts naming a user
    who is not a leader."""
    visible = scoped(actor, User.objects.filter(is_active=True))
    leaders = UserRole.objects.filter(role=Role.LEADER).values("user_id")
    by_username = lookup(visible, "username", texts, "pk")
    leader_ids = set()
    for chunk in in_chunks(by_username.values()):
        leader_ids |= set(
            UserRole.objects.filter(role=Role.LEADER, user_id__in=chunk).values_list("user_id", flat=True)
        )
    found, not_leaders = {}, set()
    for text, pk in by_username.items():
        if pk in leader_ids:
            found[text] = pk
        else:
            not_leaders.add(text)
    ambiguous: dict[str, list[str]] = {}
    by_name: dict[str, list[tuple[int, str]]] = {}
    for chunk in in_chunks(texts - set(by_username)):
        for name, pk, username in visible.filter(full_name__in=chunk, pk__in=leaders).values_list(
            "full_name", "pk", "username"
        ):
            by_name.setdefault(name, []).append((pk, username))
    for name, users in by_name.items():
        if len(users) == 1:
            found[name] = users[0][0]
        else:
            ambiguous[name] = sorted(username for _pk, username in users)
    return found, ambiguous, not_leaders


def check_linkages(file, *, actor: User) -> ImportResult:
    result = ImportResult(kind=LINKAGES)
    table = read_table(file, LINKAGES_IMPORT, result)
    if table is None:
        return result
    _normalise_codes(table)
    present = table.present
    rows = table.rows
    in_scope = _enterprises_in_scope(actor, table)
    leaders, ambiguous, not_leaders = _resolve_leaders(actor, {c.get(L_LEADER, "") for _r, c in rows} - {""})
    units = lookup(scoped(actor, Unit.objects.all()), "code", (c.get(L_UNIT, "") for _r, c in rows), "pk", "is_active")
    cadre_names = {name for _r, c in rows for name in split_list(c.get(L_CADRES, ""))}
    visible_users = scoped(actor, User.objects.filter(is_active=True))
    users = lookup(visible_users, "username", cadre_names, "pk")
    cadre_ids = set()
    for chunk in in_chunks(users.values()):
        cadre_ids |= set(UserRole.objects.filter(role=Role.CADRE, user_id__in=chunk).values_list("user_id", flat=True))
    latest = current_year() + 1

    known_codes: dict[str, str] = {}
    seen: dict[tuple, int] = {}
    for row, cells in rows:
        errors_before = len(result.errors) + result.unlisted
        code = cells[CODE]
        enterprise_id = _existing_enterprise(result, row, code, in_scope, known_codes)

        year = None
        year_text = cells[L_YEAR].removesuffix("年")
        if not year_text:
            result.add(row, L_YEAR, _("The year is required."))
        elif not year_text.isdigit() or not EARLIEST.year <= int(year_text) <= latest:
            result.add(
                row,
                L_YEAR,
                _("“%(value)s” is not a year from %(first)d to %(last)d.")
                % {"value": cells[L_YEAR], "first": EARLIEST.year, "last": latest},
            )
        else:
            year = int(year_text)
        if enterprise_id is not None and year is not None:
            note_duplicate(
                result, seen, (enterprise_id, year), row, L_YEAR, _("The enterprise and year"), f"{code} {year}"
            )

        values: dict = {}
        if L_LEADER in present:
            leader = cells[L_LEADER]
            values["leader_id"] = None
            if leader in ambiguous:
                result.add(
                    row,
                    L_LEADER,
                    _("Several leaders are called “%(value)s” (%(usernames)s): give the user name instead.")
                    % {"value": leader, "usernames": "、".join(ambiguous[leader])},
                )
            elif leader in not_leaders:
                result.add(row, L_LEADER, _("“%(value)s” does not hold the leader role.") % {"value": leader})
            elif leader:
                if leader in leaders:
                    values["leader_id"] = leaders[leader]
                else:
                    result.add(
                        row,
                        L_LEADER,
                        _("There is no leader with the user name or name “%(value)s”.") % {"value": leader},
                    )
        if L_UNIT in present:
            unit_code = cells[L_UNIT]
            values["lead_unit_id"] = None
            if unit_code:
                if unit_code not in units:
                    result.add(row, L_UNIT, _("There is no unit with the code “%(value)s”.") % {"value": unit_code})
                elif not units[unit_code][1]:
                    result.add(row, L_UNIT, _("The unit “%(value)s” is no longer active.") % {"value": unit_code})
                else:
                    values["lead_unit_id"] = units[unit_code][0]
        if L_NOTE in present:
            values["note"] = _text(result, row, L_NOTE, cells[L_NOTE], 200)

        row_cadres = None
        if L_CADRES in present:
            row_cadres = []
            for username in split_list(cells[L_CADRES]):
                if username not in users:
                    result.add(
                        row, L_CADRES, _("There is no user with the user name “%(value)s”.") % {"value": username}
                    )
                elif users[username] not in cadre_ids:
                    result.add(
                        row, L_CADRES, _("“%(value)s” does not hold the linked-cadre role.") % {"value": username}
                    )
                elif users[username] not in row_cadres:
                    row_cadres.append(users[username])
        if not any(cells.get(h, "") for h in (L_LEADER, L_UNIT, L_CADRES)):
            result.add(row, L_LEADER, _("Give at least the leader, the lead unit or a cadre."))

        if len(result.errors) + result.unlisted == errors_before:
            result.rows.append(
                LinkageRow(row=row, enterprise_id=enterprise_id, year=year, values=values, cadre_ids=row_cadres)
            )
    return result.finish()


# Visits.


def check_visits(file, *, actor: User) -> ImportResult:
    result = ImportResult(kind=VISITS)
    table = read_table(file, VISITS_IMPORT, result)
    if table is None:
        return result
    _normalise_codes(table)
    rows = table.rows
    in_scope = _enterprises_in_scope(actor, table)
    visitors = lookup(
        scoped(actor, User.objects.filter(is_active=True)),
        "username",
        (c[V_VISITOR] for _r, c in rows),
        "pk",
        "unit_id",
    )
    staff = set()
    for chunk in in_chunks([pk for pk, _unit in visitors.values()]):
        staff |= set(UserRole.objects.filter(role__in=STAFF_ROLES, user_id__in=chunk).values_list("user_id", flat=True))

    drafts: list[VisitRow] = []
    known_codes: dict[str, str] = {}
    seen: dict[tuple, int] = {}
    for row, cells in rows:
        errors_before = len(result.errors) + result.unlisted
        code = cells[CODE]
        enterprise_id = _existing_enterprise(result, row, code, in_scope, known_codes)

        visited_on = None
        if not cells[V_DATE]:
            result.add(row, V_DATE, _("The visit date is required."))
        else:
            visited_on = _date_not_future(result, row, V_DATE, cells[V_DATE])

        username, visitor = cells[V_VISITOR], None
        if not username:
            result.add(row, V_VISITOR, _("The visitor's user name is required."))
        elif username not in visitors:
            result.add(row, V_VISITOR, _("There is no user with the user name “%(value)s”.") % {"value": username})
        elif visitors[username][0] not in staff:
            result.add(
                row, V_VISITOR, _("“%(value)s” is not a staff member and cannot record visits.") % {"value": username}
            )
        else:
            visitor = visitors[username]

        mode = Visit.Mode.ONSITE
        if cells.get(V_MODE, ""):
            mode = label_value(cells[V_MODE], MODE_LABELS, Visit.Mode.values)
            if mode is None:
                result.add(
                    row,
                    V_MODE,
                    _("Unknown visit mode “%(value)s”. Use one of: 实地、电话、座谈、线上.") % {"value": cells[V_MODE]},
                )

        if enterprise_id is not None and visited_on is not None and visitor is not None:
            note_duplicate(
                result,
                seen,
                (enterprise_id, visitor[0], visited_on),
                row,
                V_DATE,
                _("The visit"),
                shown=f"{code} {username} {visited_on.isoformat()}",
            )
        met_with = _text(result, row, V_MET, cells.get(V_MET, ""), 200)
        problems = [p.strip() for p in PROBLEM_SEPARATORS.split(cells.get(V_PROBLEMS, "")) if p.strip()]

        if len(result.errors) + result.unlisted == errors_before:
            drafts.append(
                VisitRow(
                    row=row,
                    enterprise_id=enterprise_id,
                    visitor_id=visitor[0],
                    unit_id=visitor[1],
                    visited_on=visited_on,
                    mode=mode,
                    met_with=met_with,
                    notes=cells.get(V_NOTES, ""),
                    problems=problems,
                )
            )

    # Re-importing the same file must not record every visit twice.
    recorded = set()
    if drafts:
        first, last = min(d.visited_on for d in drafts), max(d.visited_on for d in drafts)
        for chunk in in_chunks(sorted({d.enterprise_id for d in drafts})):
            recorded |= set(
                Visit.objects.filter(enterprise_id__in=chunk, visited_on__range=(first, last)).values_list(
                    "enterprise_id", "visitor_id", "visited_on"
                )
            )
    for draft in drafts:
        if (draft.enterprise_id, draft.visitor_id, draft.visited_on) in recorded:
            result.add(
                draft.row,
                V_DATE,
                _("This visit (same enterprise, visitor and date) is already recorded."),
            )
        else:
            result.rows.append(draft)
    return result.finish()


CHECKERS = {
    ENTERPRISES: check_enterprises,
    FIGURES: check_figures,
    LINKAGES: check_linkages,
    VISITS: check_visits,
}
