"""The assessment pages: the scores with the working (who sees which), the Excel export, the scheme page
(view, copy, edit) and the evidence page (list, add, delete); permissions and query counts."""

from __future__ import annotations

import html
import io
import json
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from reports.models import AssessmentEvidence, AssessmentScheme
from reports.tests.test_assessment_selector import _grow
from reports.tests.test_assessment_support import (
    PAST,
    K,
    add_evidence,
)

pytest_plugins = ["reports.tests.test_assessment_support"]
pytestmark = pytest.mark.usefixtures("assessment_frozen", "assessment_english")
SCORES = reverse("assessment_scores")


def scores_url(target="department", year=PAST):
    return f"{SCORES}?year={year}&target={target}"


def test_office_reads_every_units_scores_and_working(client, assessment_departments):
    c = assessment_departments
    client.force_login(c.office_user)
    response = client.get(scores_url())
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="assessment-table"' in page
    # 发改局 70 ranks first, 工信局 67 second.
    rows = response.context["result"].rows
    assert [(row.unit.pk, row.total, row.rank) for row in rows] == [
        (c.fgj.pk, Decimal(70), 1),
        (c.gxj.pk, Decimal(67), 2),
    ]
    assert f'data-testid="working-{c.gxj.pk}"' in page and f'data-testid="working-{c.fgj.pk}"' in page
    # Case numbers link to the case, months to the monthly report.
    assert f'href="/cases/{c.gxj_case.pk}/"' in page
    assert f'href="/reports/monthly/{c.gxj.pk}/2025-01/"' in page
    assert "has no scheme of its own" in page


def test_a_handler_reads_the_ranking_but_only_their_units_working(client, assessment_departments):
    c = assessment_departments
    client.force_login(c.gxj_handler)
    page = client.get(scores_url()).content.decode()
    assert f'data-testid="working-{c.gxj.pk}"' in page
    assert f'data-testid="working-{c.fgj.pk}"' not in page
    assert 'data-testid="working-hidden"' in page
    assert page.count('data-testid="assessment-row"') == 2


@pytest.mark.parametrize("who", ["ent_a_user", "cadre"])
def test_enterprises_and_cadres_are_refused(client, assessment_departments, who):
    client.force_login(getattr(assessment_departments, who))
    assert client.get(scores_url()).status_code == 403
    assert client.get(reverse("assessment_xlsx") + f"?year={PAST}").status_code == 403
    assert client.get(reverse("assessment_scheme", args=[PAST, "department"])).status_code == 403
    assert client.get(reverse("assessment_evidence")).status_code == 403


def test_an_outsider_is_refused_and_a_visitor_sent_to_log_in(client, assessment_departments, make_user):
    client.force_login(make_user("nobody"))
    assert client.get(scores_url()).status_code == 403
    client.logout()
    assert client.get(scores_url()).status_code == 302


def test_territorial_page(client, assessment_territorial):
    client.force_login(assessment_territorial.leader)
    response = client.get(scores_url("territorial"))
    assert response.status_code == 200
    assert "The industry figures run to 2025-12." in response.content.decode()
    assert [row.total for row in response.context["result"].rows] == [100, 68, 47, 0]


def test_scores_page_query_count_is_constant(client, assessment_departments, django_assert_num_queries):
    c = assessment_departments
    client.force_login(c.office_user)
    _grow(c, 2, 0)
    # session and user 2, roles 1, the page's navigation and banners 2, the assessment 14.
    with django_assert_num_queries(19):
        assert client.get(scores_url()).status_code == 200
    _grow(c, 8, 2)
    with django_assert_num_queries(19):
        assert len(client.get(scores_url()).context["result"].rows) == 12


def test_excel_export_has_scores_and_working(client, assessment_departments):
    c = assessment_departments
    client.force_login(c.office_user)
    response = client.get(reverse("assessment_xlsx") + f"?year={PAST}&target=department")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    scores, working = book.worksheets
    assert [cell.value for cell in scores[1]][:2] == ["Rank", "Unit"]
    assert [cell.value for cell in scores[2]] == [1, "县发改局", 40, 20, 0, 0, 10, 70]
    assert [cell.value for cell in scores[3]] == [2, "县工信局", 30, 13, 2, 2, 20, 67]
    refs = {row[5] for row in working.iter_rows(min_row=2, values_only=True)}
    assert c.gxj_case.number in refs and "2025-06" in refs


def test_excel_export_of_a_handler_keeps_only_their_working(client, assessment_departments):
    c = assessment_departments
    client.force_login(c.fgj_handler)
    book = load_workbook(io.BytesIO(client.get(reverse("assessment_xlsx") + f"?year={PAST}").content))
    units = {row[0] for row in book.worksheets[1].iter_rows(min_row=2, values_only=True)}
    assert units == {"县发改局"}
    assert book.worksheets[0].max_row == 3


def test_scheme_page_copy_and_edit(client, assessment_departments):
    c = assessment_departments
    url = reverse("assessment_scheme", args=[PAST, "department"])
    client.force_login(c.auditor)
    page = client.get(url).content.decode()
    assert "this is the template" in page and 'data-testid="scheme-copy"' not in page
    assert client.post(url, {"action": "copy"}).status_code == 403

    client.force_login(c.office_user)
    assert 'data-testid="scheme-copy"' in client.get(url).content.decode()
    client.post(url, {"action": "copy"})
    scheme = AssessmentScheme.objects.get(year=PAST, target="department")
    response = client.get(url)
    assert response.context["formset"] is not None
    data = {"items-TOTAL_FORMS": "5", "items-INITIAL_FORMS": "5"}
    for index, item in enumerate(scheme.items.all()):
        data[f"items-{index}-position"] = item.position
        data[f"items-{index}-name"] = item.name
        data[f"items-{index}-max_points"] = item.max_points
        data[f"items-{index}-params"] = json.dumps(item.params)
    # Points that no longer add up to 100 are refused, with the sum named.
    data["items-0-max_points"] = "35"
    response = client.post(url, data, follow=True)
    assert "add up to 95, not the scheme's total of 100" in html.unescape(response.content.decode())
    # 35 + 25 = 60, like 40 + 20: saved.
    data["items-1-max_points"] = "25"
    client.post(url, data)
    assert [item.max_points for item in scheme.items.all()][:2] == [35, 25]


def test_scheme_page_unknown_target_or_year(client, county):
    client.force_login(county.office_user)
    assert client.get(reverse("assessment_scheme", args=[PAST, "cities"])).status_code == 404
    assert client.get(reverse("assessment_scheme", args=[1999, "department"])).status_code == 404


def test_evidence_page_office_adds_and_deletes(client, assessment_departments):
    c = assessment_departments
    url = reverse("assessment_evidence")
    client.force_login(c.office_user)
    response = client.post(
        url,
        {
            "year": PAST,
            "unit": c.fgj.pk,
            "kind": K.MEDIA_REPORT,
            "occurred_on": "2025-09-01",
            "description": "邵阳日报报道",
            "source": "邵阳日报",
        },
    )
    assert response.status_code == 302
    entry = AssessmentEvidence.objects.get(description="邵阳日报报道")
    # A degree score for a case another unit led is refused next to the case number.
    response = client.post(
        url,
        {
            "year": PAST,
            "unit": c.fgj.pk,
            "kind": K.DEGREE_SCORE,
            "occurred_on": "2025-09-01",
            "description": "部分解决",
            "case_number": c.gxj_case.number,
            "points": "5",
        },
    )
    assert response.status_code == 200
    assert f"Case {c.gxj_case.number} is not led by 县发改局." in response.content.decode()
    page = client.get(f"{url}?year={PAST}").content.decode()
    assert f'id="evidence-{entry.pk}"' in page
    client.post(reverse("assessment_evidence_delete", args=[entry.pk]))
    assert not AssessmentEvidence.objects.filter(pk=entry.pk).exists()


def test_evidence_page_a_unit_reads_its_own(client, assessment_departments):
    c = assessment_departments
    other = add_evidence(c, c.fgj, K.COMMENDATION, description="发改局表扬")
    client.force_login(c.gxj_handler)
    response = client.get(f"{reverse('assessment_evidence')}?year={PAST}")
    ids = {entry.pk for entry in response.context["entries"]}
    assert c.commendation.pk in ids and other.pk not in ids
    assert response.context["form"] is None
    assert client.post(reverse("assessment_evidence"), {"year": PAST}).status_code == 403
    assert client.post(reverse("assessment_evidence_delete", args=[c.commendation.pk])).status_code == 403


def test_evidence_page_query_count_is_constant(client, assessment_departments, django_assert_num_queries):
    c = assessment_departments
    client.force_login(c.office_user)
    url = f"{reverse('assessment_evidence')}?year={PAST}"
    # session and user 2, roles 1, navigation and banners 2, the entries 1, the form's units 1.
    with django_assert_num_queries(7):
        assert client.get(url).status_code == 200
    for day in range(1, 9):
        add_evidence(c, c.fgj, K.MEDIA_REPORT, on=date(PAST, 2, day))
    with django_assert_num_queries(7):
        assert len(client.get(url).context["entries"]) == 10
