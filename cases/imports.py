"""Excel import of the case ledger (问题台账): problems collected before the platform, or kept in a spreadsheet
by a hotline or a reception day, filed as cases all or none.

`check_cases` reads the workbook and checks every row against the registry, the category dictionary and the
importer's data scope; it writes nothing. `cases_import` then files every checked row through
cases.services.intake.case_submit in one transaction, with the office user as the actor, so that each case
gets its number, its submitted event on the trail and the office's notice, exactly as if typed in. Lookups
are made a few hundred keys at a time (core.imports.lookup), never one query per row.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import partial

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.scope import is_office, scoped
from cases.models import Case, CaseCategory, Urgency
from cases.services import intake
from cases.services.base import MAX_TEXT
from core import imports as core_imports
from core.imports import (
    Column,
    ImportKind,
    ImportResult,
    RowError,
    in_chunks,
    label_value,
    labels_text,
    lookup,
    note_duplicate,
    parse_date,
    read_table,
    write_all_or_nothing,
)
from enterprises.imports import CODE, CODE_OF_EXISTING, NAME_FOR_READING
from enterprises.models import Enterprise
from enterprises.validators import validate_credit_code

logger = logging.getLogger(__name__)

CASES = "cases"
# Each row goes through the intake service (its number, its trail, its notice): a ledger of a few thousand
# problems imports in one go, a bigger one is better split.
MAX_ROWS = 5_000
EARLIEST = date(2000, 1, 1)

C_TITLE, C_DESCRIPTION, C_CATEGORY, C_URGENCY = "问题标题", "问题描述", "问题类别", "紧急程度"
C_CHANNEL, C_DATE, C_CONTACT, C_PHONE, C_REF = "来源渠道", "提交日期", "联系人", "联系电话", "外部编号"

Channel = Case.Channel
URGENCY_LABELS = {
    "一般": Urgency.NORMAL,
    "普通": Urgency.NORMAL,
    "紧急": Urgency.URGENT,
    "复杂": Urgency.COMPLEX,
}
# What a ledger may say a problem came in by. The enterprise's own channels are not in it: a case filed
# by the office did not come through the enterprise's account or QR code.
CHANNEL_LABELS = {
    "台账导入": Channel.IMPORT,
    "导入": Channel.IMPORT,
    "热线": Channel.HOTLINE,
    "12345热线": Channel.HOTLINE,
    "12345": Channel.HOTLINE,
    "企业家接待日": Channel.RECEPTION_DAY,
    "接待日": Channel.RECEPTION_DAY,
    "助企办": Channel.OFFICE,
    "窗口": Channel.OFFICE,
    "走访": Channel.VISIT,
    "接口": Channel.API,
}
IMPORTABLE_CHANNELS = frozenset(CHANNEL_LABELS.values())
ENTERPRISE_CHANNEL_LABELS = {"企业自助": Channel.SELF_SERVICE, "扫码": Channel.QR_CODE, "二维码": Channel.QR_CODE}
_DATETIME_RE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$")


def _today() -> str:
    return timezone.localdate().isoformat()


def _category_names() -> str:
    return "、".join(CaseCategory.objects.filter(is_active=True).values_list("name", flat=True))


COLUMNS = (
    CODE_OF_EXISTING,
    NAME_FOR_READING,
    Column(
        C_TITLE, True, gettext_lazy("The problem in a few words, at most 120 characters."), example="贷款到期续贷困难"
    ),
    Column(
        C_DESCRIPTION,
        True,
        gettext_lazy("What the problem is and what help the enterprise needs, at most 4,000 characters."),
        example="企业流动资金贷款500万元下月到期，银行要求先还后贷，企业无力过桥。",
    ),
    Column(
        C_CATEGORY,
        True,
        gettext_lazy("A category name from the dictionary (or its code)."),
        allowed=lazy(_category_names, str)(),  # today's dictionary, when the template is made
        example="融资",
    ),
    Column(
        C_URGENCY,
        False,
        gettext_lazy("Blank means 一般. The codes normal, urgent and complex are accepted too."),
        allowed="一般、紧急、复杂",
        example="一般",
    ),
    Column(
        C_CHANNEL,
        False,
        gettext_lazy("How the problem came in; blank means 台账导入. The channel codes are accepted too."),
        allowed=labels_text(CHANNEL_LABELS),
        example="热线",
    ),
    Column(
        C_DATE,
        False,
        gettext_lazy("When the problem came in, not in the future: 2026-11-02. Blank means the time of the import."),
        example=_today,
        text_format=True,
    ),
    Column(C_CONTACT, False, gettext_lazy("Who to call back, at most 40 characters."), example="李四"),
    Column(
        C_PHONE,
        False,
        gettext_lazy("A mobile number of 11 digits or a landline with its area code."),
        example="13800000000",
        text_format=True,
    ),
    Column(
        C_REF,
        False,
        gettext_lazy(
            "The ticket number in the system the problem came from (12345 …), at most 64 characters. A number "
            "that came in before through the same channel is refused."
        ),
        example="",
        text_format=True,
    ),
)

CASES_IMPORT = core_imports.register(
    ImportKind(
        kind=CASES,
        label=gettext_lazy("case ledger"),
        sheet_title=gettext_lazy("Case ledger"),
        row_noun=gettext_lazy("problem"),
        columns=COLUMNS,
        key_header=CODE,
        max_rows=MAX_ROWS,
        url_name="import_cases",
        template_url_name="import_cases_template",
        summary=gettext_lazy("Cases filed: %(created)d."),
        intro=gettext_lazy(
            "Each row files a new case of an enterprise in your scope, with its own number and trail, as if it had "
            "been typed in; a row whose external reference came in before is refused."
        ),
        order=70,
    )
)


@dataclass(slots=True)
class CaseRow:
    row: int
    enterprise_id: int
    title: str
    description: str
    category_id: int
    urgency: str
    channel: str
    submitted_at: datetime | None
    contact_name: str
    contact_phone: str
    external_ref: str


# Checks of single cells.


def _text(result: ImportResult, row: int, column: str, value: str, limit: int, *, required: bool = False) -> str:
    if required and not value:
        result.add(row, column, _("This column is required."))
    elif len(value) > limit:
        result.add(
            row, column, _("At most %(n)d characters; this has %(length)d.") % {"n": limit, "length": len(value)}
        )
    return value


def _moment(result: ImportResult, row: int, text: str) -> datetime | None:
    """The cell as an aware moment: a date is its first minute, a date and time that time (China time)."""
    day, at = parse_date(text), time(0, 0)
    if day is None:
        match = _DATETIME_RE.match(text)
        if match:
            try:
                day = date(int(match[1]), int(match[2]), int(match[3]))
                at = time(int(match[4]), int(match[5]), int(match[6] or 0))
            except ValueError:
                day = None
    if day is None:
        result.add(row, C_DATE, _("“%(value)s” is not a date: write it as 2026-11-02.") % {"value": text})
        return None
    if day < EARLIEST:
        result.add(row, C_DATE, _("The date %(value)s is before 2000.") % {"value": day.isoformat()})
        return None
    moment = timezone.make_aware(datetime.combine(day, at))
    if moment > timezone.now():
        result.add(row, C_DATE, _("The date %(value)s is in the future.") % {"value": text})
        return None
    return moment


def _channel(result: ImportResult, row: int, text: str) -> str | None:
    if not text:
        return Channel.IMPORT
    channel = label_value(text, {**CHANNEL_LABELS, **ENTERPRISE_CHANNEL_LABELS}, Channel.values)
    if channel is None:
        result.add(
            row,
            C_CHANNEL,
            _("Unknown channel “%(value)s”. Use one of: %(allowed)s.")
            % {"value": text, "allowed": labels_text(CHANNEL_LABELS)},
        )
    elif channel not in IMPORTABLE_CHANNELS:
        result.add(
            row,
            C_CHANNEL,
            _("“%(value)s” cases are filed by the enterprise itself and cannot be imported. Use one of: %(allowed)s.")
            % {"value": text, "allowed": labels_text(CHANNEL_LABELS)},
        )
        return None
    return channel


def _phone(result: ImportResult, row: int, text: str) -> str:
    try:
        return intake._phone(text, required=False)
    except ValidationError as error:
        result.add(row, C_PHONE, " ".join(error.messages))
        return ""


# The check.


def check_cases(file, *, actor: User) -> ImportResult:
    result = ImportResult(kind=CASES)
    table = read_table(file, CASES_IMPORT, result)
    if table is None:
        return result
    rows = table.rows
    for _row, cells in rows:
        cells[CODE] = cells[CODE].replace(" ", "").upper()

    in_scope = lookup(scoped(actor, Enterprise.objects.all()), "credit_code", {c[CODE] for _r, c in rows}, "pk")
    categories: dict[str, int] = {}
    for pk, code, name in CaseCategory.objects.filter(is_active=True).values_list("pk", "code", "name"):
        categories[name] = categories[code] = pk
    refs = {c.get(C_REF, "") for _r, c in rows} - {""}
    # {(channel, reference): number} of the cases that came in before: a reference is unique per channel.
    taken: dict[tuple[str, str], str] = {}
    for chunk in in_chunks(refs):
        taken.update(
            ((channel, ref), number)
            for ref, channel, number in Case.objects.filter(external_ref__in=chunk).values_list(
                "external_ref", "channel", "number"
            )
        )

    known_codes: dict[str, str] = {}
    seen_refs: dict[tuple, int] = {}
    for row, cells in rows:
        errors_before = len(result.errors) + result.unlisted

        code, enterprise_id = cells[CODE], None
        if not code:
            result.add(row, CODE, _("The credit code is required."))
        else:
            if code not in known_codes:
                try:
                    validate_credit_code(code)
                    known_codes[code] = ""
                except ValidationError as error:
                    known_codes[code] = " ".join(error.messages)
            if known_codes[code]:
                result.add(row, CODE, known_codes[code])
            elif code not in in_scope:
                # Out of scope is reported like absent: for this user the enterprise does not exist.
                result.add(
                    row,
                    CODE,
                    _("There is no enterprise with the credit code “%(value)s” in the registry within your scope.")
                    % {"value": code},
                )
            else:
                enterprise_id = in_scope[code]

        title = _text(result, row, C_TITLE, cells[C_TITLE], 120, required=True)
        description = _text(result, row, C_DESCRIPTION, cells[C_DESCRIPTION], MAX_TEXT, required=True)

        category_id = None
        if not cells[C_CATEGORY]:
            result.add(row, C_CATEGORY, _("The category is required."))
        elif cells[C_CATEGORY] not in categories:
            result.add(
                row,
                C_CATEGORY,
                _("Unknown category “%(value)s”. Use a name from the dictionary: %(allowed)s.")
                % {"value": cells[C_CATEGORY], "allowed": _category_names()},
            )
        else:
            category_id = categories[cells[C_CATEGORY]]

        urgency = Urgency.NORMAL
        if cells.get(C_URGENCY, ""):
            urgency = label_value(cells[C_URGENCY], URGENCY_LABELS, Urgency.values)
            if urgency is None:
                result.add(
                    row,
                    C_URGENCY,
                    _("Unknown urgency “%(value)s”. Use one of: 一般、紧急、复杂.") % {"value": cells[C_URGENCY]},
                )

        channel = _channel(result, row, cells.get(C_CHANNEL, ""))
        submitted_at = _moment(result, row, cells[C_DATE]) if cells.get(C_DATE, "") else None
        contact_name = _text(result, row, C_CONTACT, cells.get(C_CONTACT, ""), 40)
        contact_phone = _phone(result, row, cells.get(C_PHONE, ""))

        external_ref = _text(result, row, C_REF, cells.get(C_REF, ""), 64)
        if external_ref and channel:
            if (channel, external_ref) in taken:
                result.add(
                    row,
                    C_REF,
                    _("A case with external reference %(ref)s came in before: %(number)s.")
                    % {"ref": external_ref, "number": taken[(channel, external_ref)]},
                )
            else:
                note_duplicate(result, seen_refs, (channel, external_ref), row, C_REF, _("The external reference"))

        if len(result.errors) + result.unlisted == errors_before:
            result.rows.append(
                CaseRow(
                    row=row,
                    enterprise_id=enterprise_id,
                    title=title,
                    description=description,
                    category_id=category_id,
                    urgency=urgency,
                    channel=channel,
                    submitted_at=submitted_at,
                    contact_name=contact_name,
                    contact_phone=contact_phone,
                    external_ref=external_ref,
                )
            )
    return result.finish()


# The write.

# Where a field the service refuses is shown in the file.
FIELD_COLUMNS = {
    "enterprise": CODE,
    "title": C_TITLE,
    "description": C_DESCRIPTION,
    "category": C_CATEGORY,
    "urgency": C_URGENCY,
    "channel": C_CHANNEL,
    "submitted_at": C_DATE,
    "contact_name": C_CONTACT,
    "contact_phone": C_PHONE,
    "external_ref": C_REF,
}


class _RowRefused(Exception):
    """The service refused a row the check had passed (the registry changed meanwhile): roll back all."""

    def __init__(self, error: RowError):
        super().__init__(error.message)
        self.error = error


def _refusal(row: int, error: ValidationError | PermissionDenied) -> RowError:
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        field, messages = next(iter(error.message_dict.items()))
        return RowError(row, FIELD_COLUMNS.get(field, ""), " ".join(messages))
    messages = error.messages if isinstance(error, ValidationError) else [str(error)]
    column = C_REF if getattr(error, "code", "") == "duplicate_external_ref" else ""
    return RowError(row, column, " ".join(messages))


def _write(actor: User, result: ImportResult) -> None:
    for row in result.rows:
        try:
            intake.case_submit(
                actor=actor,
                enterprise_ids=[row.enterprise_id],
                title=row.title,
                description=row.description,
                category_id=row.category_id,
                channel=row.channel,
                urgency=row.urgency,
                contact_name=row.contact_name,
                contact_phone=row.contact_phone,
                external_ref=row.external_ref,
                submitted_at=row.submitted_at,
                notify_office=False,
            )
        except (ValidationError, PermissionDenied) as error:
            raise _RowRefused(_refusal(row.row, error)) from error
    result.created = len(result.rows)


def cases_import(*, actor: User, file) -> ImportResult:
    """File the cases of a ledger file: every row or none. Coordinating office only."""
    if not is_office(actor):
        raise PermissionDenied(_("Only the coordinating office can import from Excel."))
    result = check_cases(file, actor=actor)
    try:
        write_all_or_nothing(result, partial(_write, actor))
    except _RowRefused as refusal:
        result.errors, result.rows, result.created = [refusal.error], [], 0
        return result
    if result.ok:
        logger.info("cases import by %s: %d cases filed", actor.username, result.created)
    return result
