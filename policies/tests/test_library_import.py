"""The Excel import of policies: a good file adds drafts (categories, rule and formula kept); a bad file is
refused whole with every problem by row and column (the rule's messages naming each wrong part); the template
downloads; the page is listed on /office/import/ and is the office's alone."""

import io

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from policies.imports import POLICIES, POLICIES_IMPORT, policies_import
from policies.models import Policy
from policies.tests.test_library_support import make_policy

pytest_plugins = ["policies.tests.test_library_support"]

HEADERS = [c.header for c in POLICIES_IMPORT.columns]
GOOD = {
    "政策名称": "小升规企业奖励",
    "文号": "新政发〔2026〕3号",
    "发文单位": "新邵县人民政府",
    "政策层级": "县",
    "发布日期": "2026-03-01",
    "施行日期": "2026-03-01",
    "失效日期": "2028-12-31",
    "政策类别": "资金奖补、科技创新",
    "政策摘要": "对首次入规企业给予奖励",
    "兑现类型": "奖励",
    "兑现内容": "一次性奖励10万元",
    "封顶金额(万元)": "10",
    "金额公式(JSON)": '{"fixed": 10}',
    "兑现方式": "免申即享",
    "政策解读员": "刘解读",
    "咨询电话": "0739-3612345",
    "资格条件(JSON)": '{"fact": "above_scale", "op": "eq", "value": false}',
}


def workbook(*rows: dict) -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    sheet.append(["惠企政策清单"])  # a title row above the header
    sheet.append(HEADERS)
    for row in rows:
        sheet.append([row.get(h, "") for h in HEADERS])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "policies.xlsx"
    return buffer


def test_a_good_file_adds_drafts(county, english):
    second = dict(
        GOOD, 政策名称="稳岗补贴", 文号="", 政策层级="省级", 兑现类型="补贴", 兑现方式="申报", 政策类别="人才用工"
    )
    second.update({"资格条件(JSON)": "", "金额公式(JSON)": "", "咨询电话": "13800000000"})
    result = policies_import(actor=county.office_user, file=workbook(GOOD, second))
    assert result.ok, result.errors
    assert result.created == 2
    first = Policy.objects.get(title="小升规企业奖励")
    assert first.status == "draft" and first.level == "county" and first.obtain == "auto_grant"
    assert first.eligibility == {"fact": "above_scale", "op": "eq", "value": False}
    assert first.benefit_formula == {"fixed": 10}
    assert sorted(c.name for c in first.categories.all()) == ["科技创新", "资金奖补"]
    other = Policy.objects.get(title="稳岗补贴")
    assert (other.level, other.benefit_kind, other.obtain, other.eligibility) == (
        "provincial",
        "subsidy",
        "application",
        {},
    )


def test_a_bad_file_is_refused_whole_with_rows_and_columns(county, english):
    make_policy(county, title="已有政策", document_number="新政发〔2025〕1号")
    bad_rule = '{"all": [{"fact": "revenu", "op": "gte", "value": 1}, {"any": []}]}'
    rows = [
        GOOD,
        dict(GOOD, 政策名称="坏规则", **{"资格条件(JSON)": bad_rule}),
        dict(GOOD, 政策名称="坏日期", 失效日期="2026-01-01", 施行日期="2026-02-30"),
        dict(GOOD, 政策名称="坏选项", 政策层级="乡", 兑现方式="自动", 政策类别="不存在"),
        dict(GOOD, 政策名称="坏公式", **{"金额公式(JSON)": '{"fact": "industry", "rate": 1}', "封顶金额(万元)": "-3"}),
        dict(GOOD, 政策名称="坏电话", 咨询电话="12345"),
        dict(GOOD, 政策名称="已有政策", 文号="新政发〔2025〕1号"),
        GOOD,
    ]
    result = policies_import(actor=county.office_user, file=workbook(*rows))
    assert not result.ok and not Policy.objects.exclude(title="已有政策").exists()
    errors = {}
    for e in result.errors:
        errors.setdefault((e.row, e.column), e.message)
    assert errors[(4, "资格条件(JSON)")] == "all[0]: unknown fact 'revenu'"
    assert [e.message for e in result.errors if e.row == 4] == [
        "all[0]: unknown fact 'revenu'",
        "all[1].any: must not be empty",
    ]
    assert "is not a date" in errors[(5, "施行日期")]
    assert errors[(6, "政策层级")].startswith("Unknown value “乡”")
    assert errors[(6, "兑现方式")].startswith("Unknown value “自动”")
    assert errors[(6, "政策类别")].startswith("Unknown category “不存在”")
    assert errors[(7, "金额公式(JSON)")].startswith("The fact industry is not a number")
    assert errors[(7, "封顶金额(万元)")] == "The cap cannot be negative."
    assert "mobile number of 11 digits" in errors[(8, "咨询电话")]
    assert errors[(9, "政策名称")].startswith("The library already has “已有政策”")
    assert "appears twice in the file: rows 3 and 10" in errors[(10, "政策名称")]
    assert (3, "政策名称") not in errors


def test_a_row_with_an_expiry_before_the_effective_date(county, english):
    result = policies_import(actor=county.office_user, file=workbook(dict(GOOD, 失效日期="2026-01-01")))
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (3, "失效日期", "The policy cannot expire before it takes effect."),
        (3, "失效日期", "The policy cannot expire before it is published."),
    ]


def test_only_the_office_imports(county):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        policies_import(actor=county.gxj_head, file=workbook(GOOD))


def test_the_pages(county, login, english):
    client = login(county.office_user)
    index = client.get(reverse("import_index")).content.decode()
    assert reverse("import_policies") in index
    assert reverse("import_policies_template", args=[POLICIES]) in index
    response = client.get(reverse("import_policies_template", args=[POLICIES]))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert [c.value for c in sheet[1]] == HEADERS
    response = client.post(reverse("import_policies"), {"file": workbook(GOOD)})
    assert 'data-testid="import-summary"' in response.content.decode() and Policy.objects.count() == 1
    page = client.post(reverse("import_policies"), {"file": workbook(dict(GOOD, 政策层级=""))}).content.decode()
    assert 'data-testid="import-errors"' in page and "This column is required." in page
    assert client.get(reverse("import_policies_template", args=["units"])).status_code == 404
    assert login(county.gxj_handler).get(reverse("import_policies")).status_code == 403
