"""The registry's import pages, their templates and their API: who may use them, what they show, and that a
template's example row imports as it is."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts import services as account_services
from accounts.imports import build_template as accounts_template
from accounts.models import Role, User
from conftest import PASSWORD, make_credit_code
from core.imports import XLSX_CONTENT_TYPE, build_template
from enterprises import imports
from enterprises.models import Enterprise, Linkage, MonthlyFigure, Visit
from enterprises.services import imports as services
from enterprises.tests.test_imports_checks import (
    ENTERPRISE_HEADERS,
    FIGURE_HEADERS,
    counts,
    english,  # noqa: F401  (autouse fixture)
    enterprise_row,
    figure_row,
    refreshed,  # noqa: F401  (autouse fixture)
    xlsx,
)

PAGES = {
    imports.ENTERPRISES: "import_enterprises",
    imports.FIGURES: "import_figures",
    imports.LINKAGES: "import_linkages",
    imports.VISITS: "import_visits",
}
ALL_PAGES = ["import_units", "import_users", *PAGES.values()]


def upload(buffer, name="import.xlsx"):
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)


@pytest.fixture
def office_client(client, county):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert client.login(username="office", password=PASSWORD)
    return client


def good_enterprises_file():
    return xlsx(ENTERPRISE_HEADERS, [enterprise_row(make_credit_code(100), "新企业有限公司")])


# Pages.


def test_urls():
    assert reverse("import_index") == "/office/import/"
    assert reverse("import_enterprises") == "/office/import/enterprises/"
    assert reverse("import_figures") == "/office/import/figures/"
    assert reverse("import_linkages") == "/office/import/linkages/"
    assert reverse("import_visits") == "/office/import/visits/"
    assert reverse("import_registry_template", args=["figures"]) == "/office/import/figures/template/"


def test_the_import_area_lists_all_six_kinds(office_client):
    response = office_client.get(reverse("import_index"))
    assert response.status_code == 200
    content = response.content.decode()
    for name in ALL_PAGES:
        assert reverse(name) in content
    for kind in ("units", "users"):
        assert reverse("import_template", args=[kind]) in content
    for kind in PAGES:
        assert reverse("import_registry_template", args=[kind]) in content


@pytest.mark.parametrize("kind", list(PAGES))
def test_each_page_has_the_tabs_the_template_link_and_the_columns(office_client, kind):
    response = office_client.get(reverse(PAGES[kind]))
    assert response.status_code == 200
    content = response.content.decode()
    for name in ALL_PAGES:
        assert reverse(name) in content
    assert reverse("import_registry_template", args=[kind]) in content
    assert f'href="{reverse(PAGES[kind])}" class="btn" aria-current="page"' in content
    for header in imports.SPECS[kind].headers:
        assert header in content
    assert 'accept=".xlsx' in content


def test_good_file_shows_the_summary(office_client):
    response = office_client.post(reverse("import_enterprises"), {"file": upload(good_enterprises_file())})
    assert response.status_code == 200
    result = response.context["result"]
    assert result.ok and (result.created, result.updated) == (1, 0)
    content = response.content.decode()
    assert 'data-testid="import-summary"' in content and "Enterprises created: 1" in content
    assert Enterprise.objects.filter(credit_code=make_credit_code(100)).exists()


def test_bad_file_lists_every_error_and_imports_nothing(office_client, county):
    before = counts()
    rows = [
        figure_row(county.ent_a.credit_code, "2026-09", revenue=10, employees=-1),
        figure_row(county.ent_a.credit_code, "2026-09", revenue=10),
    ]
    response = office_client.post(reverse("import_figures"), {"file": upload(xlsx(FIGURE_HEADERS, rows))})
    assert response.status_code == 200
    content = response.content.decode()
    assert 'data-testid="import-errors"' in content
    errors = response.context["result"].errors
    assert [(e.row, e.column) for e in errors] == [(2, "从业人员(人)"), (3, "月份")]
    for error in errors:
        assert error.message in content
    assert counts() == before


def test_a_file_over_the_limit_is_refused_by_the_form(office_client):
    big = SimpleUploadedFile("big.xlsx", b"\0" * (imports.MAX_FILE_BYTES + 1), content_type=XLSX_CONTENT_TYPE)
    response = office_client.post(reverse("import_figures"), {"file": big})
    assert response.context["result"] is None
    assert "20 MB" in response.context["form"].errors["file"][0]


@pytest.mark.parametrize("username", ["leader", "gxj_head", "gxj_handler", "cadre", "ent_a", "auditor"])
def test_other_roles_get_403(client, county, username):
    assert client.login(username=username, password=PASSWORD)
    before = counts()
    assert client.get(reverse("import_index")).status_code == 403
    for name in PAGES.values():
        assert client.get(reverse(name)).status_code == 403
    response = client.post(reverse("import_enterprises"), {"file": upload(good_enterprises_file())})
    assert response.status_code == 403
    assert client.get(reverse("import_registry_template", args=["enterprises"])).status_code == 403
    assert counts() == before


def test_anonymous_is_sent_to_login(client, county):
    for url in ("/office/import/", "/office/import/enterprises/", "/office/import/visits/template/"):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))


# Templates.


@pytest.mark.parametrize("kind", list(PAGES))
def test_template_download_has_headers_example_and_instructions(office_client, kind):
    response = office_client.get(reverse("import_registry_template", args=[kind]))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert "attachment" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook.worksheets[0]
    spec = imports.SPECS[kind]
    assert [c.value for c in sheet[1]] == spec.headers
    assert sheet.cell(row=2, column=1).value == imports.EXAMPLE_CODE
    notes = list(workbook["说明"].iter_rows(min_row=2, values_only=True))
    described = {row[0]: row for row in notes if row[0]}
    for column in spec.columns:
        assert column.header in described
        assert described[column.header][1] == ("yes" if column.required else "no")
    if kind == imports.ENTERPRISES:
        assert "专精特新" in described[imports.E_TAGS][3] and described[imports.E_ABOVE][3] == "是、否"


def test_unknown_template_kind_is_404(office_client):
    assert office_client.get("/office/import/units/template/").status_code == 404
    assert office_client.get("/office/import/nothing/template/").status_code == 404


def test_every_template_example_row_imports(county, make_user):
    """The examples chain: the users template's example person is the cadre and visitor of the registry's
    examples; the leader of the linkage example is created here."""
    office = county.office_user
    assert account_services.users_import(actor=office, file=io.BytesIO(accounts_template("users"))).ok
    make_user("lisi", Role.LEADER, unit=county.gov, full_name="李四")

    results = {
        kind: services.IMPORTERS[kind](actor=office, file=io.BytesIO(build_template(imports.SPECS[kind])))
        for kind in imports.KINDS
    }
    for kind, result in results.items():
        assert result.ok, (kind, result.errors)
        assert (result.created, result.updated) == (1, 0), kind

    enterprise = Enterprise.objects.get(credit_code=imports.EXAMPLE_CODE)
    assert enterprise.name == imports.EXAMPLE_NAME and enterprise.industry_id == "351"
    assert MonthlyFigure.objects.get(enterprise=enterprise).total_profit < 0
    linkage = Linkage.objects.get(enterprise=enterprise, year=timezone.localdate().year)
    assert linkage.leader.username == "lisi" and [c.username for c in linkage.cadres.all()] == ["zhangsan"]
    visit = Visit.objects.get(enterprise=enterprise)
    assert visit.visitor.username == "zhangsan" and visit.problems.count() == 2


# API.


def test_api_import_succeeds(office_client, county):
    response = office_client.post("/api/v1/imports/enterprises", {"file": upload(good_enterprises_file())})
    assert response.status_code == 200, response.content
    assert response.json() == {"created": 1, "updated": 0}

    file = xlsx(FIGURE_HEADERS, [figure_row(make_credit_code(100), "2026-09", revenue=10)])
    response = office_client.post("/api/v1/imports/figures", {"file": upload(file)})
    assert response.status_code == 200 and response.json() == {"created": 1, "updated": 0}
    response = office_client.post("/api/v1/imports/figures", {"file": upload(file)})
    assert response.json() == {"created": 0, "updated": 1}


@pytest.mark.parametrize("path", ["enterprises", "figures", "linkages", "visits"])
def test_api_invalid_file_is_422_with_every_error(office_client, county, path):
    before = counts()
    rows = [["91430522000000001X"] + [""] * 10, [make_credit_code(1)[:17] + "Y"] + [""] * 10]
    file = xlsx(imports.SPECS[path].headers, rows)
    response = office_client.post(f"/api/v1/imports/{path}", {"file": upload(file)})
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert len(errors) >= 2 and {e["row"] for e in errors} == {2, 3}
    assert all(e["message"] and e["column"] for e in errors)
    assert counts() == before


def test_api_wrong_shape_is_422_with_one_message(office_client):
    response = office_client.post("/api/v1/imports/visits", {"file": SimpleUploadedFile("a.txt", b"hello")})
    assert response.status_code == 422
    assert [e["row"] for e in response.json()["errors"]] == [None]


@pytest.mark.parametrize("username", ["leader", "gxj_handler", "cadre", "ent_a", "auditor"])
@pytest.mark.parametrize("path", ["enterprises", "figures", "linkages", "visits"])
def test_api_non_office_is_403(client, county, username, path):
    assert client.login(username=username, password=PASSWORD)
    before = counts()
    response = client.post(f"/api/v1/imports/{path}", {"file": upload(good_enterprises_file())})
    assert response.status_code == 403 and response.json()["detail"]
    assert counts() == before


def test_api_anonymous_is_401(client, county):
    assert client.post("/api/v1/imports/enterprises", {"file": upload(good_enterprises_file())}).status_code == 401
    assert client.get("/api/v1/imports/templates/enterprises").status_code == 401


@pytest.mark.parametrize("kind", ["units", "users", *PAGES])
def test_api_template_download(office_client, kind):
    response = office_client.get(f"/api/v1/imports/templates/{kind}")
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    workbook = load_workbook(io.BytesIO(response.content))
    assert "说明" in workbook.sheetnames and workbook.worksheets[0].cell(row=1, column=1).value


def test_api_template_unknown_kind_and_other_roles(office_client, client, county):
    assert office_client.get("/api/v1/imports/templates/nothing").status_code == 404
    client.logout()
    assert client.login(username="gxj_handler", password=PASSWORD)
    assert client.get("/api/v1/imports/templates/figures").status_code == 403


def test_accounts_imports_still_answer_beside_these(office_client):
    """The units/users API (mounted at /imports) and these /imports/... routes do not shadow each other."""
    response = office_client.post("/api/v1/imports/units", {"file": upload(good_enterprises_file())})
    assert response.status_code == 422
    assert "enterprises" in response.json()["errors"][0]["message"]
    assert User.objects.filter(username="office").exists()
