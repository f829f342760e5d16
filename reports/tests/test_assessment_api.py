"""The assessment over the API: scores with the working, the scheme (read, edit), the evidence (list, add,
delete); the same permissions as the pages; the scores endpoint's query count stays constant."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from reports.models import AssessmentEvidence, AssessmentScheme
from reports.tests.test_assessment_selector import _grow
from reports.tests.test_assessment_support import (
    PAST,
    K,
    add_evidence,
)

pytest_plugins = ["reports.tests.test_assessment_support"]
pytestmark = pytest.mark.usefixtures("assessment_frozen", "assessment_english")
BASE = "/api/v1/reports/assessment"


def test_scores_with_working(client, assessment_departments):
    c = assessment_departments
    client.force_login(c.office_user)
    response = client.get(f"{BASE}/{PAST}/department")
    assert response.status_code == 200
    data = response.json()
    assert data["scheme"]["from_template"] is True
    assert [(row["unit_name"], Decimal(row["total"]), row["rank"]) for row in data["rows"]] == [
        ("县发改局", 70, 1),
        ("县工信局", 67, 2),
    ]
    gxj = data["rows"][1]
    assert [Decimal(item["points"]) for item in gxj["items"]] == [30, 13, 2, 2, 20]
    cases = gxj["items"][1]["working"]
    assert cases[0]["ref"] == c.gxj_case.number and cases[0]["url"] == f"/cases/{c.gxj_case.pk}/"


def test_a_unit_gets_only_its_own_working(client, assessment_departments):
    c = assessment_departments
    client.force_login(c.fgj_handler)
    rows = {row["unit_name"]: row for row in client.get(f"{BASE}/{PAST}/department").json()["rows"]}
    assert rows["县发改局"]["working_shown"] and rows["县发改局"]["items"][0]["working"]
    assert not rows["县工信局"]["working_shown"]
    assert all(item["working"] == [] for item in rows["县工信局"]["items"])
    assert Decimal(rows["县工信局"]["total"]) == 67


@pytest.mark.parametrize("who", ["ent_a_user", "cadre"])
def test_refused_roles(client, assessment_departments, who):
    client.force_login(getattr(assessment_departments, who))
    assert client.get(f"{BASE}/{PAST}/department").status_code == 403
    assert client.get(f"{BASE}/schemes/{PAST}/department").status_code == 403
    assert client.get(f"{BASE}/evidence?year={PAST}").status_code == 403


def test_bad_year_or_target(client, county):
    client.force_login(county.office_user)
    response = client.get(f"{BASE}/2030/department")
    assert response.status_code == 422
    assert "year: Give a year from 2000 to 2026." in response.json()["detail"]
    assert client.get(f"{BASE}/schemes/{PAST}/cities").status_code == 422


def test_scheme_read_and_edit(client, assessment_departments):
    c = assessment_departments
    client.force_login(c.gxj_head)
    scheme = client.get(f"{BASE}/schemes/{PAST}/department").json()
    assert scheme["from_template"] is True and [Decimal(i["max_points"]) for i in scheme["items"]] == [
        40,
        20,
        10,
        10,
        20,
    ]
    assert (
        client.put(f"{BASE}/schemes/{PAST}/department", {"items": []}, content_type="application/json").status_code
        == 403
    )

    client.force_login(c.office_user)
    bad = client.put(
        f"{BASE}/schemes/{PAST}/department",
        {"items": [{"position": 3, "name": "典型经验推广", "max_points": 10, "params": {"per_entry": 2}}]},
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert bad.json()["detail"] == "item_3: Item 3 (典型经验推广): “kinds” is missing."
    # The year's scheme was copied from the template, unchanged.
    assert AssessmentScheme.objects.filter(year=PAST, target="department").exists()
    good = client.put(
        f"{BASE}/schemes/{PAST}/department",
        {
            "items": [
                {
                    "position": 3,
                    "name": "典型经验",
                    "max_points": 5,
                    "params": {"per_entry": 1, "kinds": ["media_report"]},
                },
                {"position": 4, "name": "主动服务", "max_points": 15, "params": {"per_case": 3}},
            ]
        },
        content_type="application/json",
    )
    assert good.status_code == 200 and good.json()["from_template"] is False
    scores = client.get(f"{BASE}/{PAST}/department").json()
    gxj = next(row for row in scores["rows"] if row["unit_name"] == "县工信局")
    # Item 3 now counts media reports only (工信局 has a commendation: 0); item 4: 1 case × 3 = 3.
    assert [Decimal(item["points"]) for item in gxj["items"]][2:4] == [0, 3]


def test_evidence_endpoints(client, assessment_departments):
    c = assessment_departments
    client.force_login(c.office_user)
    created = client.post(
        f"{BASE}/evidence",
        {
            "unit_id": c.fgj.pk,
            "year": PAST,
            "kind": K.COMMENDATION,
            "occurred_on": "2025-10-01",
            "description": "副县长表扬",
            "source": "副县长",
        },
        content_type="application/json",
    )
    assert created.status_code == 201
    entry_id = created.json()["id"]
    refused = client.post(
        f"{BASE}/evidence",
        {"unit_id": c.fgj.pk, "year": PAST, "kind": K.DEGREE_SCORE, "occurred_on": "2025-10-01", "description": "x"},
        content_type="application/json",
    )
    assert refused.status_code == 422 and "case_id: A degree score is given for a case" in refused.json()["detail"]

    listed = client.get(f"{BASE}/evidence?year={PAST}").json()
    assert {row["id"] for row in listed} == {c.degree.pk, c.commendation.pk, entry_id}
    # 工信局's handler lists 工信局's entries only, and may not delete.
    client.force_login(c.gxj_handler)
    assert {row["id"] for row in client.get(f"{BASE}/evidence?year={PAST}").json()} == {c.degree.pk, c.commendation.pk}
    assert client.delete(f"{BASE}/evidence/{entry_id}").status_code == 403
    client.force_login(c.office_user)
    assert client.delete(f"{BASE}/evidence/{entry_id}").status_code == 204
    assert not AssessmentEvidence.objects.filter(pk=entry_id).exists()
    assert client.delete(f"{BASE}/evidence/{entry_id}").status_code == 404


def test_scores_endpoint_query_count_is_constant(client, assessment_departments, django_assert_num_queries):
    c = assessment_departments
    client.force_login(c.office_user)
    _grow(c, 2, 0)
    # session and user 2, roles 1, the assessment 14.
    with django_assert_num_queries(17):
        assert client.get(f"{BASE}/{PAST}/department").status_code == 200
    _grow(c, 8, 2)
    with django_assert_num_queries(17):
        assert len(client.get(f"{BASE}/{PAST}/department").json()["rows"]) == 12


def test_evidence_list_query_count_is_constant(client, assessment_departments, django_assert_num_queries):
    c = assessment_departments
    client.force_login(c.gxj_handler)
    # session and user 2, roles 1, the entries 1 (the scope reads the unit already loaded).
    with django_assert_num_queries(4):
        assert len(client.get(f"{BASE}/evidence?year={PAST}").json()) == 2
    for day in range(1, 9):
        add_evidence(c, c.gxj, K.MEDIA_REPORT, on=date(PAST, 2, day))
    with django_assert_num_queries(4):
        assert len(client.get(f"{BASE}/evidence?year={PAST}").json()) == 10
