"""The case ledger import (问题台账): all or nothing with errors by row and column, each imported case filed
through the intake service (its number, its verified trail), the template, the page and the API."""

import io
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import Workbook, load_workbook

from accounts.services import api_token_create
from cases import imports
from cases.imports import cases_import, check_cases
from cases.models import Case, CaseEvent
from cases.services.trail import verify_trail
from conftest import PASSWORD
from core.imports import XLSX_CONTENT_TYPE, build_template
from core.models import Notification
from enterprises.imports import EXAMPLE_CODE
from enterprises.models import Enterprise

HEADERS = [
    "统一社会信用代码",
    "企业名称",
    "问题标题",
    "问题描述",
    "问题类别",
    "紧急程度",
    "来源渠道",
    "提交日期",
    "联系人",
    "联系电话",
    "外部编号",
]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def xlsx(rows, headers=HEADERS) -> io.BytesIO:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


def row(enterprise, *, title="融资难", category="融资", urgency="", channel="", day="", phone="", ref=""):
    return [
        enterprise.credit_code,
        enterprise.name,
        title,
        f"{title}：详细情况。",
        category,
        urgency,
        channel,
        day,
        "张三",
        phone,
        ref,
    ]


def upload(buffer, name="台账.xlsx"):
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)


def errors(result):
    return [(e.row, e.column) for e in result.errors]


# Importing --------------------------------------------------------------------------------------------------


def test_a_ledger_is_filed_case_by_case_with_numbers_and_trails(county):
    last_year = date(timezone.localdate().year - 1, 12, 30)
    rows = [
        row(county.ent_a, title="续贷困难", urgency="紧急", channel="热线", day=last_year.isoformat(), ref="HL-1"),
        row(county.ent_b, title="招工难", category="labour", urgency="complex", phone="0739-1234567"),
        row(county.ent_c, title="用电报装", category="用电", channel="reception_day", day="2025年3月2日"),
    ]
    result = cases_import(actor=county.office_user, file=xlsx(rows))
    assert result.ok, result.errors
    assert result.created == 3
    cases = {c.title: c for c in Case.objects.select_related("category")}
    first, second, third = cases["续贷困难"], cases["招工难"], cases["用电报装"]
    assert (first.channel, first.urgency, first.external_ref) == ("hotline", "urgent", "HL-1")
    assert timezone.localtime(first.submitted_at).date() == last_year
    assert first.number.startswith(f"{last_year.year}-") and first.year == last_year.year
    assert (second.channel, second.urgency, second.category.code, second.contact_phone) == (
        "import",
        "complex",
        "labour",
        "07391234567",
    )
    assert (third.channel, timezone.localtime(third.submitted_at).date()) == ("reception_day", date(2025, 3, 2))
    assert {c.submitted_by for c in cases.values()} == {county.office_user}
    assert len({c.number for c in cases.values()}) == 3
    # Each case's trail opens with its submission by the office user, and the chain verifies.
    for case in cases.values():
        event = CaseEvent.objects.get(case=case, seq=1)
        assert (event.kind, event.actor, event.payload["channel"]) == ("submitted", county.office_user, case.channel)
    assert not list(verify_trail(Case.objects.all()))
    # The office is importing its own ledger: no message per row in its inbox.
    assert not Notification.objects.filter(recipient=county.office_user).exists()


def test_one_bad_row_imports_nothing_and_every_problem_is_named(county):
    rows = [
        row(county.ent_a),
        row(county.ent_b, category="天气"),
        ["91430522000000000X", "", "", "描述", "融资", "", "", "", "", "", ""],
        row(county.ent_c, urgency="很急", channel="传真", day="明天", phone="12ab"),
    ]
    result = cases_import(actor=county.office_user, file=xlsx(rows))
    assert not result.ok and result.created == 0
    assert errors(result) == [
        (3, "问题类别"),
        (4, "统一社会信用代码"),
        (4, "问题标题"),
        (5, "紧急程度"),
        (5, "来源渠道"),
        (5, "提交日期"),
        (5, "联系电话"),
    ]
    assert "天气" in result.errors[0].message and "融资" in result.errors[0].message
    assert Case.objects.count() == 0 and CaseEvent.objects.count() == 0


def test_unknown_or_out_of_reach_enterprises_are_refused(county):
    from conftest import make_credit_code

    unknown = [make_credit_code(555), "", "标题", "描述", "融资"]
    result = check_cases(xlsx([unknown]), actor=county.office_user)
    assert errors(result) == [(2, "统一社会信用代码")]
    assert "within your scope" in result.errors[0].message


def test_dates_in_the_future_and_enterprise_channels_are_refused(county):
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    rows = [
        row(county.ent_a, day=tomorrow),
        row(county.ent_b, channel="企业自助"),
        row(county.ent_c, channel="qr_code"),
    ]
    result = check_cases(xlsx(rows), actor=county.office_user)
    assert errors(result) == [(2, "提交日期"), (3, "来源渠道"), (4, "来源渠道")]
    assert "future" in result.errors[0].message


def test_external_references_already_filed_or_twice_in_the_file(county):
    assert cases_import(actor=county.office_user, file=xlsx([row(county.ent_a, ref="T-1")])).ok
    rows = [
        row(county.ent_a, ref="T-1"),  # came in before through the same channel (import)
        row(county.ent_b, ref="T-2"),
        row(county.ent_c, ref="T-2"),  # twice in the file
        row(county.ent_c, ref="T-1", channel="热线"),  # another channel's T-1: fine
    ]
    result = cases_import(actor=county.office_user, file=xlsx(rows))
    assert errors(result) == [(2, "外部编号"), (4, "外部编号")]
    assert Case.objects.get().external_ref == "T-1"
    assert Case.objects.count() == 1


def test_only_the_office_imports(county):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        cases_import(actor=county.gxj_head, file=xlsx([row(county.ent_a)]))
    assert Case.objects.count() == 0


def test_a_file_of_another_kind_is_recognised(county):
    headers = ["统一社会信用代码", "企业名称", "所属区划代码"]
    result = check_cases(xlsx([[county.ent_a.credit_code, "x", "430522"]], headers=headers), actor=county.office_user)
    assert errors(result) == [(None, "")] and "enterprises" in result.errors[0].message


def test_a_row_the_service_refuses_at_write_time_rolls_everything_back(county, monkeypatch):
    # The category is switched off between the check and the write: the service refuses row 3, and the
    # case already filed for row 2 is rolled back with it.
    from cases.models import CaseCategory

    real_submit = imports.intake.case_submit
    calls = []

    def flaky(**kwargs):
        calls.append(kwargs)
        if len(calls) == 2:
            CaseCategory.objects.filter(code="labour").update(is_active=False)
        return real_submit(**kwargs)

    monkeypatch.setattr(imports.intake, "case_submit", flaky)
    rows = [row(county.ent_a), row(county.ent_b, category="用工")]
    result = cases_import(actor=county.office_user, file=xlsx(rows))
    assert errors(result) == [(3, "问题类别")]
    assert Case.objects.count() == 0 and CaseEvent.objects.count() == 0


# The template -----------------------------------------------------------------------------------------------


def test_the_template_describes_every_column_and_its_example_imports(county):
    Enterprise.objects.create(credit_code=EXAMPLE_CODE, name="新邵县示例机械有限公司", region=county.town_a)
    content = build_template(imports.CASES_IMPORT)
    workbook = load_workbook(io.BytesIO(content))
    assert [c.value for c in workbook.worksheets[0][1]] == HEADERS
    assert [c.value for c in workbook["说明"]["A"]][1 : len(HEADERS) + 1] == HEADERS
    result = cases_import(actor=county.office_user, file=io.BytesIO(content))
    assert result.ok, result.errors
    assert Case.objects.get().channel == "hotline"


# The page ---------------------------------------------------------------------------------------------------


@pytest.fixture
def office_client(client, county):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert client.login(username="office", password=PASSWORD)
    return client


def test_the_import_index_lists_the_case_ledger(office_client):
    content = office_client.get(reverse("import_index")).content.decode()
    assert reverse("import_cases") in content
    assert reverse("import_cases_template", args=["cases"]) in content


def test_the_page_imports_and_lists_errors(office_client, county):
    url = reverse("import_cases")
    bad = office_client.post(url, {"file": upload(xlsx([row(county.ent_a, category="天气")]))})
    assert 'data-testid="import-errors"' in bad.content.decode() and "问题类别" in bad.content.decode()
    assert Case.objects.count() == 0
    good = office_client.post(url, {"file": upload(xlsx([row(county.ent_a), row(county.ent_b)]))})
    assert 'data-testid="import-summary"' in good.content.decode()
    assert good.context["result"].created == 2 and Case.objects.count() == 2


def test_the_page_template_download(office_client):
    response = office_client.get(reverse("import_cases_template", args=["cases"]))
    assert response.status_code == 200 and response["Content-Type"] == XLSX_CONTENT_TYPE
    assert office_client.get(reverse("import_cases_template", args=["units"])).status_code == 404


@pytest.mark.parametrize("who", ["gxj_head", "ent_a", "auditor", "cadre"])
def test_the_page_is_the_offices_only(client, county, who):
    client.login(username=who, password=PASSWORD)
    assert client.get(reverse("import_cases")).status_code == 403
    assert client.post(reverse("import_cases"), {"file": upload(xlsx([row(county.ent_a)]))}).status_code == 403
    assert client.get(reverse("import_cases_template", args=["cases"])).status_code == 403
    assert Case.objects.count() == 0


# The API ----------------------------------------------------------------------------------------------------


def test_api_import_and_template(client, county):
    _token, raw = api_token_create(actor=county.office_user, name="台账", user=county.office_user)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    response = client.post(
        "/api/v1/imports/cases", {"file": upload(xlsx([row(county.ent_a), row(county.ent_b)]))}, **auth
    )
    assert response.status_code == 200 and response.json() == {"created": 2}
    response = client.post(
        "/api/v1/imports/cases", {"file": upload(xlsx([row(county.ent_c, category="天气")]))}, **auth
    )
    assert response.status_code == 422
    assert response.json()["errors"][0] | {"message": ""} == {"row": 2, "column": "问题类别", "message": ""}
    assert Case.objects.count() == 2
    template = client.get("/api/v1/imports/cases/template", **auth)
    assert template.status_code == 200 and template["Content-Type"] == XLSX_CONTENT_TYPE


def test_api_import_is_the_offices_only(client, county):
    client.login(username="gxj_head", password=PASSWORD)
    assert client.post("/api/v1/imports/cases", {"file": upload(xlsx([row(county.ent_a)]))}).status_code == 403
    assert client.get("/api/v1/imports/cases/template").status_code == 403
    assert Case.objects.count() == 0
