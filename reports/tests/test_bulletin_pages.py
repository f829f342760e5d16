"""The bulletin pages: who opens, edits and downloads; the office's form and its errors; the computed
sections; good practices through HTMX; the Word download; query counts that do not grow with the data."""

from datetime import date
from io import BytesIO

import docx
import pytest
from django.urls import reverse

from reports.models import Bulletin, GoodPractice
from reports.tests.test_bulletin_support import add_practice, more_cases

pytest_plugins = ["reports.tests.test_bulletin_support"]

LIST = reverse("bulletin_list")
EDIT = reverse("bulletin_edit", args=[2026, 3])
DOCX = reverse("bulletin_docx", args=[2026, 3])
HTMX = {"HTTP_HX_REQUEST": "true"}
READERS = ["office_user", "auditor", "leader", "gxj_head"]
REFUSED = ["gxj_handler", "cadre", "ent_a_user"]


@pytest.fixture
def as_user(client, quarter, english):
    def _as(who):
        client.force_login(getattr(quarter, who) if isinstance(who, str) else who)
        return client

    return _as


def form_data(**changes):
    data = {
        "issuer": "新邵县助企服务办公室",
        "document_number": "新助企办〔2026〕12号",
        "title": "第三季度通报",
        "opening": "各单位：\n现通报如下。",
        "closing": "请整改。",
        "issued_on": "2026-10-08",
    }
    data.update(changes)
    return data


def test_urls():
    assert (LIST, EDIT, DOCX) == ("/reports/bulletins/", "/reports/bulletins/2026/3/", "/reports/bulletins/2026/3.docx")


@pytest.mark.parametrize("who", READERS)
def test_readers_open_the_list_the_quarter_and_the_document(as_user, who):
    client = as_user(who)
    assert client.get(LIST).status_code == 200
    assert client.get(EDIT).status_code == 200
    assert client.get(DOCX).status_code == 200


@pytest.mark.parametrize("who", REFUSED)
def test_other_roles_are_refused(as_user, who):
    client = as_user(who)
    for url in (LIST, EDIT, DOCX, reverse("bulletin_practices", args=[2026, 3])):
        assert client.get(url).status_code == 403


def test_signed_out_goes_to_login(client, quarter):
    response = client.get(EDIT)
    assert response.status_code == 302 and "login" in response["Location"]


def test_a_quarter_that_has_not_begun_is_not_found(as_user):
    client = as_user("office_user")
    assert client.get(reverse("bulletin_edit", args=[2027, 1])).status_code == 404
    assert client.get(reverse("bulletin_docx", args=[2026, 9])).status_code == 404


def test_the_list_shows_each_quarters_status(as_user, quarter):
    Bulletin.objects.create(year=2026, quarter=3, issuer="县助企办", title="第三季度通报", issued_on=date(2026, 10, 8))
    response = as_user("office_user").get(LIST)
    html = response.content.decode()
    assert 'data-quarter="2026-4"' in html and 'data-quarter="2026-3"' in html
    assert "第三季度通报" in html and "dated 2026-10-08" in html
    assert f'href="{EDIT}"' in html and f'href="{DOCX}"' in html


def test_the_office_sees_the_form_with_the_proposed_text(as_user):
    html = as_user("office_user").get(EDIT).content.decode()
    assert 'data-testid="bulletin-form"' in html and 'data-testid="bulletin-proposed"' in html
    assert 'value="关于2026年第三季度助企服务工作情况的通报"' in html
    assert 'data-testid="practice-add-form"' in html


def test_readers_see_the_text_without_a_form(as_user):
    html = as_user("gxj_head").get(EDIT).content.decode()
    assert 'data-testid="bulletin-form"' not in html and 'data-testid="practice-add-form"' not in html
    assert 'data-testid="bulletin-readonly"' in html


def test_the_computed_sections(as_user, quarter):
    response = as_user("auditor").get(EDIT)
    html = response.content.decode()
    data = response.context["data"]
    assert [row.label for row in data.units] == ["县发改局", "县工信局", "县工信局中小企业股", "酿溪镇人民政府"]
    assert html.count('data-testid="ranking-row"') == 4 + 3
    assert f'data-key="{quarter.fgj.pk}"' in html
    assert f"lead_unit={quarter.fgj.pk}&amp;submitted_from=2026-07-01&amp;submitted_to=2026-09-30" in html
    assert f"region={quarter.town_b.pk}&amp;submitted_from=2026-07-01" in html
    named = html[html.index('data-testid="named-overdue"') : html.index('data-testid="named-returns"')]
    assert "酿溪镇人民政府" in named and "2 cases" in named
    returns = html[html.index('data-testid="named-returns"') :]
    assert f'data-unit="{quarter.fgj.pk}"' in returns.split("</ul>")[0]
    assert '<div class="figure" data-testid="bulletin-collected">12</div>' in html


def test_the_office_saves_the_bulletin(as_user, quarter):
    client = as_user("office_user")
    response = client.post(EDIT, form_data())
    assert response.status_code == 302 and response["Location"] == EDIT
    bulletin = Bulletin.objects.get(year=2026, quarter=3)
    assert (bulletin.title, bulletin.issued_on, bulletin.updated_by) == (
        "第三季度通报",
        date(2026, 10, 8),
        quarter.office_user,
    )
    html = client.get(EDIT).content.decode()
    assert "Bulletin saved." in html and 'value="第三季度通报"' in html


def test_a_bad_value_is_shown_next_to_its_field(as_user):
    client = as_user("office_user")
    response = client.post(EDIT, form_data(title="", issued_on="2026-06-01"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="error-title"' in html
    assert not Bulletin.objects.exists()
    response = client.post(EDIT, form_data(issued_on="2026-06-01"))
    assert 'data-testid="error-issued_on"' in response.content.decode()


@pytest.mark.parametrize("who", ["auditor", "leader", "gxj_head"])
def test_readers_cannot_save(as_user, who):
    assert as_user(who).post(EDIT, form_data()).status_code == 403
    assert not Bulletin.objects.exists()


def test_the_document_downloads(as_user):
    response = as_user("leader").get(DOCX)
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert response["Content-Disposition"].startswith("attachment; filename*=UTF-8''")
    assert response["Content-Disposition"].endswith("-2026Q3.docx")
    document = docx.Document(BytesIO(response.content))
    assert document.paragraphs[2].text == "关于2026年第三季度助企服务工作情况的通报"


# Good practices ----------------------------------------------------------------------------------------------


def practice_data(prefix="new", **changes):
    data = {"unit": "", "title": "政企早餐会", "body": "每月一次。\n现场解决。"}
    data.update(changes)
    return {f"{prefix}-{key}": value for key, value in data.items()}


def test_htmx_add_answers_the_section(as_user, quarter):
    client = as_user("office_user")
    url = reverse("bulletin_practice_add", args=[2026, 3])
    response = client.post(url, practice_data(unit=quarter.gxj.pk), **HTMX)
    assert response.status_code == 200
    assert response.templates[0].name == "reports/bulletin/_practices.html"
    practice = GoodPractice.objects.get()
    assert (practice.title, practice.unit, practice.body) == ("政企早餐会", quarter.gxj, "每月一次。\n现场解决。")
    assert 'data-testid="practice-title"' in response.content.decode()


def test_htmx_add_with_an_error_keeps_the_form(as_user):
    client = as_user("office_user")
    response = client.post(reverse("bulletin_practice_add", args=[2026, 3]), practice_data(title=""), **HTMX)
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not GoodPractice.objects.exists()


def test_add_without_htmx_goes_back_to_the_page(as_user):
    response = as_user("office_user").post(reverse("bulletin_practice_add", args=[2026, 3]), practice_data())
    assert response.status_code == 302 and response["Location"] == EDIT + "#bulletin-practices"


def test_edit_move_and_delete(as_user, quarter):
    client = as_user("office_user")
    first = add_practice(quarter, "甲")
    second = add_practice(quarter, "乙", sort_order=1)
    section = client.get(reverse("bulletin_practices", args=[2026, 3]), {"editing": first.pk}, **HTMX)
    assert 'data-testid="practice-editing"' in section.content.decode()
    response = client.post(
        reverse("bulletin_practice_edit", args=[first.pk]), practice_data(f"practice-{first.pk}", title="甲改"), **HTMX
    )
    assert response.status_code == 200
    first.refresh_from_db()
    assert first.title == "甲改"
    client.post(reverse("bulletin_practice_move", args=[second.pk]), {"direction": "up"}, **HTMX)
    assert list(GoodPractice.objects.order_by("sort_order").values_list("title", flat=True)) == ["乙", "甲改"]
    response = client.post(reverse("bulletin_practice_move", args=[second.pk]), {"direction": "up"}, **HTMX)
    assert "It is already first." in response.content.decode()
    client.post(reverse("bulletin_practice_delete", args=[first.pk]), **HTMX)
    assert list(GoodPractice.objects.values_list("title", flat=True)) == ["乙"]


@pytest.mark.parametrize("who", ["auditor", "leader", "gxj_head", "gxj_handler", "ent_a_user"])
def test_only_the_office_writes_good_practices(as_user, quarter, who):
    practice = add_practice(quarter, "甲")
    client = as_user(who)
    assert client.post(reverse("bulletin_practice_add", args=[2026, 3]), practice_data(), **HTMX).status_code == 403
    edit = practice_data(f"practice-{practice.pk}", title="改")
    assert client.post(reverse("bulletin_practice_edit", args=[practice.pk]), edit).status_code == 403
    assert client.post(reverse("bulletin_practice_delete", args=[practice.pk])).status_code == 403
    assert client.post(reverse("bulletin_practice_move", args=[practice.pk]), {"direction": "down"}).status_code == 403
    assert list(GoodPractice.objects.values_list("title", flat=True)) == ["甲"]


def test_readers_get_the_section_without_edit_controls(as_user, quarter):
    practice = add_practice(quarter, "甲")
    html = (
        as_user("auditor").get(reverse("bulletin_practices", args=[2026, 3]), {"editing": practice.pk}).content.decode()
    )
    assert 'data-testid="practice-editing"' not in html and 'data-testid="practice-edit"' not in html


# Query counts ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("extra", [2, 10])
def test_list_query_count_is_constant(as_user, quarter, django_assert_num_queries, extra):
    for n in range(extra):
        Bulletin.objects.create(
            year=2010 + n, quarter=1, issuer="县助企办", title=f"通报{n}", updated_by=quarter.office_user
        )
        add_practice(quarter, f"做法{n}", year=2010 + n, quarter=1)
    client = as_user("office_user")
    client.get(LIST)
    # session, user, roles, bulletins (with who saved them), good-practice counts, calendar banner
    with django_assert_num_queries(6):
        response = client.get(LIST)
    assert len(response.context["quarters"]) == 8 + extra


@pytest.mark.parametrize("extra", [2, 10])
def test_edit_page_query_count_is_constant(as_user, quarter, django_assert_num_queries, extra):
    more_cases(quarter, extra)
    for n in range(extra):
        add_practice(quarter, f"做法{n}", sort_order=n, unit=quarter.gxj)
    client = as_user("office_user")
    client.get(EDIT)
    # session, user, roles; the bulletin's data (15, see test_bulletin_data); the good practice form's unit
    # choices; calendar banner
    with django_assert_num_queries(18):
        response = client.get(EDIT)
    assert len(response.context["data"].units) == 4 + extra
