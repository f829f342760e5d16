"""The office's import pages, the template download and the import API."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from accounts import imports
from accounts.models import Role, Unit, User, UserRole
from accounts.tests.test_imports import UNIT_HEADERS, USER_HEADERS, counts, unit_row, user_row, xlsx
from conftest import PASSWORD


def upload(buffer, name="import.xlsx"):
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=imports.XLSX_CONTENT_TYPE)


@pytest.fixture
def office_client(client, county):
    assert client.login(username="office", password=PASSWORD)
    return client


def test_units_page_is_the_landing_page_with_tabs(office_client):
    assert reverse("import_units") == "/office/import/units/"
    response = office_client.get(reverse("import_units"))
    assert response.status_code == 200
    content = response.content.decode()
    assert reverse("import_users") in content
    assert reverse("import_template", args=["units"]) in content
    assert 'accept=".xlsx' in content

    response = office_client.get(reverse("import_users"))
    assert response.status_code == 200
    assert reverse("import_units") in response.content.decode()
    assert reverse("import_template", args=["users"]) in response.content.decode()


def test_good_units_file_shows_the_summary(office_client):
    file = xlsx(UNIT_HEADERS, [unit_row("430522-SWJ", "县商务局"), unit_row("430522-FGJ", "县发展和改革局")])
    response = office_client.post(reverse("import_units"), {"file": upload(file)})

    assert response.status_code == 200
    result = response.context["result"]
    assert (result.created, result.updated) == (1, 1)
    assert 'data-testid="import-summary"' in response.content.decode()
    assert Unit.objects.filter(code="430522-SWJ").exists()
    assert Unit.objects.get(code="430522-FGJ").name == "县发展和改革局"


def test_bad_units_file_lists_errors_and_imports_nothing(office_client):
    before = counts()
    file = xlsx(UNIT_HEADERS, [unit_row("430522-SWJ"), unit_row("430522-X", kind="委员会", region="999999")])
    response = office_client.post(reverse("import_units"), {"file": upload(file)})

    assert response.status_code == 200
    content = response.content.decode()
    assert 'data-testid="import-errors"' in content
    assert [(e.row, e.column) for e in response.context["result"].errors] == [(3, "单位类型"), (3, "所属区划代码")]
    assert "单位类型" in content and "999999" in content
    assert counts() == before


def test_non_xlsx_upload_gets_one_clear_message(office_client):
    before = counts()
    bogus = SimpleUploadedFile("units.xls", b"\xd0\xcf\x11\xe0 old excel", content_type="application/vnd.ms-excel")
    response = office_client.post(reverse("import_units"), {"file": bogus})

    errors = response.context["result"].errors
    assert len(errors) == 1 and errors[0].row is None
    assert errors[0].message in response.content.decode()
    assert counts() == before


def test_file_over_5_mb_is_refused_with_a_message(office_client):
    before = counts()
    big = SimpleUploadedFile("big.xlsx", b"\0" * (imports.MAX_FILE_BYTES + 1), content_type=imports.XLSX_CONTENT_TYPE)
    response = office_client.post(reverse("import_units"), {"file": big})

    assert response.status_code == 200
    assert response.context["result"] is None
    assert "5 MB" in response.context["form"].errors["file"][0]
    assert counts() == before


def test_missing_file_is_a_form_error(office_client):
    response = office_client.post(reverse("import_users"), {})
    assert response.context["form"].errors["file"]


def test_users_page_shows_generated_passwords_once_and_they_work(office_client):
    file = xlsx(USER_HEADERS, [user_row("new_cadre", "新干部", roles="联企干部"), user_row("gxj_handler", "工信经办")])
    response = office_client.post(reverse("import_users"), {"file": upload(file)})

    result = response.context["result"]
    assert result.ok and (result.created, result.updated) == (1, 1)
    password = result.accounts[0].password
    content = response.content.decode()
    assert 'data-testid="new-accounts"' in content and "new_cadre" in content and password in content

    again = office_client.get(reverse("import_users"))
    assert password not in again.content.decode()

    fresh = Client()
    assert fresh.login(username="new_cadre", password=password)
    assert set(UserRole.objects.filter(user__username="new_cadre").values_list("role", flat=True)) == {Role.CADRE}


@pytest.mark.parametrize("username", ["gxj_head", "gxj_handler", "ent_a", "auditor"])
@pytest.mark.parametrize("url_name", ["import_units", "import_users"])
def test_other_roles_get_403(client, county, username, url_name):
    assert client.login(username=username, password=PASSWORD)
    assert client.get(reverse(url_name)).status_code == 403
    file = xlsx(UNIT_HEADERS, [unit_row("430522-SWJ")])
    assert client.post(reverse(url_name), {"file": upload(file)}).status_code == 403
    assert not Unit.objects.filter(code="430522-SWJ").exists()
    assert client.get(reverse("import_template", args=["units"])).status_code == 403


@pytest.mark.parametrize("url", ["/office/import/units/", "/office/import/users/", "/office/import/template/units/"])
def test_anonymous_is_sent_to_login(client, county, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize(("kind", "headers"), [("units", UNIT_HEADERS), ("users", USER_HEADERS)])
def test_template_download_opens_and_has_the_headers(office_client, kind, headers):
    response = office_client.get(reverse("import_template", args=[kind]))
    assert response.status_code == 200
    assert response["Content-Type"] == imports.XLSX_CONTENT_TYPE
    assert "attachment" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert [c.value for c in workbook.worksheets[0][1]] == headers
    assert "说明" in workbook.sheetnames


def test_unknown_template_kind_is_404(office_client):
    assert office_client.get("/office/import/template/enterprises/").status_code == 404


# API.


def test_api_units_import_succeeds(office_client):
    file = xlsx(UNIT_HEADERS, [unit_row("430522-SWJ", "县商务局")])
    response = office_client.post("/api/v1/imports/units", {"file": upload(file)})
    assert response.status_code == 200, response.content
    assert response.json() == {"created": 1, "updated": 0, "accounts": []}
    assert Unit.objects.get(code="430522-SWJ").parent.code == "430522-GOV"


def test_api_users_import_returns_generated_passwords(office_client):
    file = xlsx(
        USER_HEADERS, [user_row("api_user", "接口用户"), user_row("given", "给定", password="Qiye-Bangfu-2026")]
    )
    response = office_client.post("/api/v1/imports/users", {"file": upload(file)})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["created"], body["updated"]) == (2, 0)
    assert [a["username"] for a in body["accounts"]] == ["api_user"]
    assert Client().login(username="api_user", password=body["accounts"][0]["password"])


def test_api_invalid_file_is_422_with_every_error(office_client):
    before = counts()
    file = xlsx(USER_HEADERS, [user_row("ok_user"), user_row("bad", phone="123", roles="科长")])
    response = office_client.post("/api/v1/imports/users", {"file": upload(file)})
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert [(e["row"], e["column"]) for e in errors] == [(3, "角色"), (3, "手机号")]
    assert all(e["message"] for e in errors)
    assert counts() == before


def test_api_non_xlsx_is_422_with_one_message(office_client):
    response = office_client.post("/api/v1/imports/units", {"file": SimpleUploadedFile("a.txt", b"hello")})
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert len(errors) == 1 and errors[0]["row"] is None


@pytest.mark.parametrize("username", ["gxj_handler", "ent_a"])
def test_api_non_office_is_403(client, county, username):
    assert client.login(username=username, password=PASSWORD)
    file = xlsx(UNIT_HEADERS, [unit_row("430522-SWJ")])
    response = client.post("/api/v1/imports/units", {"file": upload(file)})
    assert response.status_code == 403
    assert response.json()["detail"]
    assert (
        client.post("/api/v1/imports/users", {"file": upload(xlsx(USER_HEADERS, [user_row("x1")]))}).status_code == 403
    )
    assert not Unit.objects.filter(code="430522-SWJ").exists()
    assert not User.objects.filter(username="x1").exists()


def test_api_anonymous_is_401(client, county):
    response = client.post("/api/v1/imports/units", {"file": upload(xlsx(UNIT_HEADERS, [unit_row("430522-SWJ")]))})
    assert response.status_code == 401
