"""Excel import of policies into the library (issue 6 item 1), on the all-or-nothing framework of
core/imports.py: every row is checked with the same checks as the policy form (policies.services.library:
dates in order, cap, phone, the eligibility rule naming each wrong part, the amount formula), every problem
listed by row and column, and nothing written unless every row is right. Each row becomes a draft policy;
the office reviews its rule on the policy's page and publishes it.

Registered as an ImportKind, so it shows on /office/import/ beside the other imports."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import partial

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.scope import is_office
from core import imports as core_imports
from core.imports import (
    Column,
    ImportKind,
    ImportResult,
    RowError,
    label_value,
    note_duplicate,
    parse_date,
    read_table,
    split_list,
    write_all_or_nothing,
)
from policies.models import Policy, PolicyCategory
from policies.services import library as services

logger = logging.getLogger(__name__)

POLICIES = "policies"
MAX_ROWS = 1_000

C_TITLE, C_NUMBER, C_ISSUER, C_LEVEL = "政策名称", "文号", "发文单位", "政策层级"
C_PUBLISHED, C_EFFECTIVE, C_EXPIRES = "发布日期", "施行日期", "失效日期"
C_CATEGORIES, C_SUMMARY, C_FULL_TEXT = "政策类别", "政策摘要", "政策原文"
C_KIND, C_BENEFIT, C_CAP, C_FORMULA = "兑现类型", "兑现内容", "封顶金额(万元)", "金额公式(JSON)"
C_OBTAIN, C_MATERIALS, C_DEADLINE = "兑现方式", "申报材料", "申报截止日期"
C_INTERPRETER, C_PHONE, C_RULE = "政策解读员", "咨询电话", "资格条件(JSON)"

LEVEL_LABELS = {
    "国家": Policy.Level.NATIONAL,
    "国家级": Policy.Level.NATIONAL,
    "省": Policy.Level.PROVINCIAL,
    "省级": Policy.Level.PROVINCIAL,
    "市": Policy.Level.CITY,
    "市级": Policy.Level.CITY,
    "县": Policy.Level.COUNTY,
    "县级": Policy.Level.COUNTY,
    "区": Policy.Level.COUNTY,
    "县区": Policy.Level.COUNTY,
}
KIND_LABELS = {
    "奖励": Policy.BenefitKind.GRANT,
    "奖补": Policy.BenefitKind.GRANT,
    "资金奖补": Policy.BenefitKind.GRANT,
    "补贴": Policy.BenefitKind.SUBSIDY,
    "补助": Policy.BenefitKind.SUBSIDY,
    "贷款贴息": Policy.BenefitKind.INTEREST_SUBSIDY,
    "贴息": Policy.BenefitKind.INTEREST_SUBSIDY,
    "税费减免": Policy.BenefitKind.TAX_RELIEF,
    "减免": Policy.BenefitKind.TAX_RELIEF,
    "融资支持": Policy.BenefitKind.LOAN,
    "融资": Policy.BenefitKind.LOAN,
    "服务": Policy.BenefitKind.SERVICE,
    "其他": Policy.BenefitKind.SERVICE,
}
OBTAIN_LABELS = {
    "申报": Policy.Obtain.APPLICATION,
    "依申请": Policy.Obtain.APPLICATION,
    "免申即享": Policy.Obtain.AUTO_GRANT,
    "免申": Policy.Obtain.AUTO_GRANT,
}
LEVEL_ALLOWED = "国家、省、市、县"
KIND_ALLOWED = "奖励、补贴、贷款贴息、税费减免、融资支持、服务"
OBTAIN_ALLOWED = "申报、免申即享"


def _category_names() -> str:
    return "、".join(PolicyCategory.objects.order_by("sort_order", "code").values_list("name", flat=True))


COLUMNS = (
    Column(C_TITLE, True, gettext_lazy("The policy's title, at most 200 characters."), example="小升规企业奖励"),
    Column(
        C_NUMBER,
        False,
        gettext_lazy("The document number (文号), at most 60 characters."),
        example="新政发〔2026〕3号",
    ),
    Column(C_ISSUER, True, gettext_lazy("The issuing body, at most 100 characters."), example="新邵县人民政府"),
    Column(C_LEVEL, True, gettext_lazy("The level of the issuing body."), allowed=LEVEL_ALLOWED, example="县"),
    Column(C_PUBLISHED, False, gettext_lazy("The date the policy was published: 2026-03-01."), example="2026-03-01"),
    Column(C_EFFECTIVE, False, gettext_lazy("The date it takes effect."), example="2026-03-01"),
    Column(C_EXPIRES, False, gettext_lazy("The date it expires, not before it takes effect."), example="2028-12-31"),
    Column(
        C_CATEGORIES,
        False,
        gettext_lazy("Category names separated by 、"),
        allowed=lazy(_category_names, str)(),  # today's dictionary, when the template is made
        example="资金奖补",
    ),
    Column(C_SUMMARY, False, gettext_lazy("A few sentences on what the policy gives and to whom."), example=""),
    Column(C_FULL_TEXT, False, gettext_lazy("The full text of the policy."), example=""),
    Column(C_KIND, True, gettext_lazy("The kind of benefit."), allowed=KIND_ALLOWED, example="奖励"),
    Column(C_BENEFIT, False, gettext_lazy("The benefit in words, at most 200 characters."), example="一次性奖励10万元"),
    Column(C_CAP, False, gettext_lazy("The most one enterprise gets, in 10k yuan; not negative."), example="10"),
    Column(
        C_FORMULA,
        False,
        gettext_lazy('The amount per enterprise: {"fixed": 10} or {"fact": "last_year_revenue", "rate": 0.01}.'),
        example='{"fixed": 10}',
    ),
    Column(C_OBTAIN, True, gettext_lazy("How an enterprise obtains it."), allowed=OBTAIN_ALLOWED, example="免申即享"),
    Column(C_MATERIALS, False, gettext_lazy("The materials an application needs."), example=""),
    Column(C_DEADLINE, False, gettext_lazy("The application deadline."), example=""),
    Column(C_INTERPRETER, False, gettext_lazy("The policy interpreter (政策解读员)."), example="刘解读"),
    Column(
        C_PHONE,
        False,
        gettext_lazy("The interpreter's phone: a mobile number of 11 digits or a landline with its area code."),
        example="0739-3612345",
        text_format=True,
    ),
    Column(
        C_RULE,
        False,
        gettext_lazy("The eligibility rule as JSON (docs/policies/rules.md); blank to write it later."),
        example='{"fact": "above_scale", "op": "eq", "value": true}',
    ),
)

POLICIES_IMPORT = core_imports.register(
    ImportKind(
        kind=POLICIES,
        label=gettext_lazy("policies"),
        sheet_title=gettext_lazy("Policies"),
        row_noun=gettext_lazy("policy"),
        columns=COLUMNS,
        key_header=C_TITLE,
        max_rows=MAX_ROWS,
        url_name="import_policies",
        template_url_name="import_policies_template",
        summary=gettext_lazy("Policies added as drafts: %(created)d."),
        intro=gettext_lazy(
            "Each row adds a draft policy to the library, checked like the policy form; review each rule and "
            "publish the policy from its page. A policy with the same title and document number is refused."
        ),
        order=80,
    )
)

# Where a field the service refuses is shown in the file.
FIELD_COLUMNS = {
    "title": C_TITLE,
    "document_number": C_NUMBER,
    "issuer": C_ISSUER,
    "level": C_LEVEL,
    "published_on": C_PUBLISHED,
    "effective_from": C_EFFECTIVE,
    "expires_on": C_EXPIRES,
    "categories": C_CATEGORIES,
    "summary": C_SUMMARY,
    "full_text": C_FULL_TEXT,
    "benefit_kind": C_KIND,
    "benefit_text": C_BENEFIT,
    "benefit_cap": C_CAP,
    "benefit_formula": C_FORMULA,
    "obtain": C_OBTAIN,
    "application_materials": C_MATERIALS,
    "application_deadline": C_DEADLINE,
    "interpreter_name": C_INTERPRETER,
    "interpreter_phone": C_PHONE,
    "eligibility": C_RULE,
}
DATE_COLUMNS = {
    "published_on": C_PUBLISHED,
    "effective_from": C_EFFECTIVE,
    "expires_on": C_EXPIRES,
    "application_deadline": C_DEADLINE,
}
TEXT_COLUMNS = {
    "title": C_TITLE,
    "document_number": C_NUMBER,
    "issuer": C_ISSUER,
    "summary": C_SUMMARY,
    "full_text": C_FULL_TEXT,
    "benefit_text": C_BENEFIT,
    "application_materials": C_MATERIALS,
    "interpreter_name": C_INTERPRETER,
    "interpreter_phone": C_PHONE,
}


@dataclass(slots=True)
class PolicyRow:
    row: int
    fields: dict
    categories: list[int]


def _choice(result: ImportResult, row: int, column: str, text: str, labels: dict, values, allowed: str):
    if not text:
        result.add(row, column, _("This column is required."))
        return None
    value = label_value(text, labels, values)
    if value is None:
        result.add(
            row, column, _("Unknown value “%(value)s”. Use one of: %(allowed)s.") % {"value": text, "allowed": allowed}
        )
    return value


def check_policies(file) -> ImportResult:
    result = ImportResult(kind=POLICIES)
    table = read_table(file, POLICIES_IMPORT, result)
    if table is None:
        return result
    categories = dict(PolicyCategory.objects.values_list("name", "pk"))
    categories.update(PolicyCategory.objects.values_list("code", "pk"))
    existing = set(Policy.objects.values_list("title", "document_number"))
    seen: dict = {}
    for row, cells in table.rows:
        errors_before = len(result.errors) + result.unlisted
        values: dict = {}
        for field, column in TEXT_COLUMNS.items():
            values[field] = cells.get(column, "")
        for field, column in DATE_COLUMNS.items():
            text = cells.get(column, "")
            if text:
                day = parse_date(text)
                if day is None:
                    result.add(row, column, _("“%(value)s” is not a date: write it as 2026-11-02.") % {"value": text})
                else:
                    values[field] = day
        values["level"] = _choice(
            result, row, C_LEVEL, cells[C_LEVEL], LEVEL_LABELS, Policy.Level.values, LEVEL_ALLOWED
        )
        values["benefit_kind"] = _choice(
            result, row, C_KIND, cells[C_KIND], KIND_LABELS, Policy.BenefitKind.values, KIND_ALLOWED
        )
        values["obtain"] = _choice(
            result, row, C_OBTAIN, cells[C_OBTAIN], OBTAIN_LABELS, Policy.Obtain.values, OBTAIN_ALLOWED
        )
        for field, column in (("benefit_cap", C_CAP), ("benefit_formula", C_FORMULA), ("eligibility", C_RULE)):
            if cells.get(column, ""):
                values[field] = cells[column]
        category_ids = []
        for name in split_list(cells.get(C_CATEGORIES, "")):
            if name in categories:
                category_ids.append(categories[name])
            else:
                result.add(
                    row,
                    C_CATEGORIES,
                    _("Unknown category “%(value)s”. Use names from the dictionary: %(allowed)s.")
                    % {"value": name, "allowed": _category_names()},
                )
        # The same checks as the form; each message under its column (a wrong choice is reported above).
        given = {k: v for k, v in values.items() if v is not None}
        try:
            services.clean_policy(given)
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                if field in ("level", "benefit_kind", "obtain") and values.get(field) is None:
                    continue
                for message in messages:
                    result.add(row, FIELD_COLUMNS.get(field, ""), message)
        key = (values["title"], values["document_number"])
        if values["title"]:
            if key in existing:
                result.add(
                    row,
                    C_TITLE,
                    _("The library already has “%(title)s” %(number)s.") % {"title": key[0], "number": key[1]},
                )
            else:
                note_duplicate(result, seen, key, row, C_TITLE, _("The policy"), shown=" ".join(filter(None, key)))
        if len(result.errors) + result.unlisted == errors_before:
            result.rows.append(PolicyRow(row=row, fields=given, categories=category_ids))
    return result.finish()


class _RowRefused(Exception):
    def __init__(self, error: RowError):
        super().__init__(error.message)
        self.error = error


def _write(actor, result: ImportResult) -> None:
    for row in result.rows:
        try:
            services.policy_save(actor=actor, categories=row.categories, **row.fields)
        except ValidationError as error:
            field, messages = next(iter(error.message_dict.items()))
            raise _RowRefused(RowError(row.row, FIELD_COLUMNS.get(field, ""), " ".join(messages))) from error
    result.created = len(result.rows)


def policies_import(*, actor, file) -> ImportResult:
    """Add the policies of a file to the library as drafts: every row or none. Coordinating office only."""
    if not is_office(actor):
        raise PermissionDenied(_("Only the coordinating office can import from Excel."))
    result = check_policies(file)
    try:
        write_all_or_nothing(result, partial(_write, actor))
    except _RowRefused as refusal:
        result.errors, result.rows, result.created = [refusal.error], [], 0
        return result
    if result.ok:
        logger.info("policies import by %s: %d policies added", actor.username, result.created)
    return result
