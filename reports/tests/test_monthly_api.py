"""The monthly report API: the month's overview, one report with its figures, save, submit and the office's
reopening, with the same rules as the services (403, 404, 422), and the list's pinned query count."""

import datetime as dt
import json

import pytest

from reports.models import MonthlyReport
from reports.tests.test_monthly_support import TEXTS, at, grow_units

pytest_plugins = ["reports.tests.test_monthly_support"]

BASE = "/api/v1/reports/monthly-reports"


def url(unit, month="2026-11", action=""):
    return f"{BASE}/{unit.pk}/{month}" + (f"/{action}" if action else "")


def as_user(client, user):
    client.force_login(user)
    return client


def put(client, address, data):
    return client.put(address, json.dumps(data), content_type="application/json")


def post(client, address, data=None):
    return client.post(address, json.dumps(data or {}), content_type="application/json")


def test_the_unit_writes_submits_and_reads_its_report(monthly, client):
    c = monthly
    client = as_user(client, c.gxj_handler)
    body = client.get(url(c.gxj)).json()
    assert (body["id"], body["state"], body["due_on"], body["can_edit"]) == (None, "not_started", "2026-11-20", True)
    assert body["figures"]["enterprises"][0]["name"] == c.ent_a.name
    assert body["suggested"]["problems_progress"].startswith("Problems the unit leads")

    response = put(client, url(c.gxj), TEXTS)
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["state"], body["enterprises_situation"]) == (
        "draft",
        "draft",
        TEXTS["enterprises_situation"],
    )

    response = post(client, url(c.gxj, action="submit"))
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["state"], body["is_late"], body["can_edit"]) == ("submitted", "on_time", False, False)
    assert body["submitted_by"] == c.gxj_handler.full_name
    assert dt.datetime.fromisoformat(body["submitted_at"]) == at(2026, 11, 18, 10)
    assert body["figures"] == MonthlyReport.objects.get(pk=body["id"]).snapshot

    response = put(client, url(c.gxj), TEXTS)
    assert response.status_code == 422
    assert "can no longer be changed" in response.json()["detail"]
    assert post(client, url(c.gxj, action="submit")).status_code == 422


def test_the_month_list_for_the_office_and_for_a_unit(monthly, client):
    c = monthly
    put(as_user(client, c.gxj_handler), url(c.gxj), TEXTS)
    post(client, url(c.gxj, action="submit"))
    c.frozen.move_to(at(2026, 11, 21, 0, 1))
    put(as_user(client, c.sme_handler), url(c.gxj_sme), TEXTS)
    post(client, url(c.gxj_sme, action="submit"))

    body = as_user(client, c.auditor).get(BASE, {"month": "2026-11"}).json()
    assert (body["month"], body["due_on"]) == ("2026-11", "2026-11-20")
    assert body["counts"] == {"due": 2, "on_time": 1, "late": 1, "not_submitted": 0}
    assert [(row["unit_id"], row["state"], row["is_late"]) for row in body["rows"]] == [
        (c.gxj.pk, "on_time", False),
        (c.gxj_sme.pk, "late", True),
    ]
    body = as_user(client, c.sme_handler).get(BASE, {"month": "2026-11"}).json()
    assert [row["unit_id"] for row in body["rows"]] == [c.gxj_sme.pk]
    assert as_user(client, c.office_user).get(BASE, {"month": "11/2026"}).status_code == 422


def test_permissions(monthly, client):
    c = monthly
    assert as_user(client, c.ent_a_user).get(BASE).status_code == 403
    assert as_user(client, c.ent_a_user).get(url(c.gxj)).status_code == 403
    assert put(as_user(client, c.ent_a_user), url(c.gxj), TEXTS).status_code == 403
    assert as_user(client, c.leader).get(url(c.gxj)).status_code == 403
    # A colleague unit: the unit does not exist for them.
    assert as_user(client, c.fgj_handler).get(url(c.gxj)).status_code == 404
    assert put(client, url(c.gxj), TEXTS).status_code == 404
    # The office and auditors read; they do not write.
    assert as_user(client, c.office_user).get(url(c.gxj)).json()["can_edit"] is False
    response = put(client, url(c.gxj), TEXTS)
    assert response.status_code == 403 and "only the unit writes" in response.json()["detail"]
    assert put(as_user(client, c.auditor), url(c.gxj), TEXTS).status_code == 403
    # A head writes the report of a unit below.
    assert put(as_user(client, c.gxj_head), url(c.gxj_sme), TEXTS).status_code == 200
    # A unit that leads nothing has no report.
    assert as_user(client, c.fgj_handler).get(url(c.fgj)).status_code == 404
    assert put(client, url(c.fgj), TEXTS).status_code == 422
    # Submitting before anything is saved.
    assert post(as_user(client, c.gxj_handler), url(c.gxj, action="submit")).status_code == 422


def test_the_office_reopens(monthly, client):
    c = monthly
    put(as_user(client, c.gxj_handler), url(c.gxj), TEXTS)
    assert post(client, url(c.gxj, action="reopen")).status_code == 403
    post(client, url(c.gxj, action="submit"))
    assert post(as_user(client, c.gxj_head), url(c.gxj, action="reopen")).status_code == 403

    response = post(as_user(client, c.office_user), url(c.gxj, action="reopen"), {"reason": "补充用工数据"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["state"], body["reopened"], body["can_reopen"]) == ("draft", "on_time", True, False)
    # The reason is optional ({}); a second reopening finds a draft.
    assert post(client, url(c.gxj, action="reopen"), {}).status_code == 422

    body = put(as_user(client, c.gxj_handler), url(c.gxj), TEXTS).json()
    assert body["status"] == "draft"


def test_a_stale_put_is_refused(monthly, client):
    c = monthly
    client = as_user(client, c.gxj_handler)
    first = put(client, url(c.gxj), TEXTS).json()
    c.frozen.shift(dt.timedelta(minutes=3))
    put(client, url(c.gxj), {**TEXTS, "next_steps": "改"})
    response = put(client, url(c.gxj), {**TEXTS, "expected_updated_at": first["updated_at"]})
    assert response.status_code == 422 and "Someone else saved this report" in response.json()["detail"]


@pytest.mark.parametrize("extra", [0, 8])
def test_the_list_endpoint_costs_the_same_queries(monthly, client, django_assert_num_queries, extra):
    client = as_user(client, monthly.office_user)
    grow_units(monthly, extra)
    client.get(BASE, {"month": "2026-11"})
    # Session, user, roles, the month's reports, the units.
    with django_assert_num_queries(5):
        body = client.get(BASE, {"month": "2026-11"}).json()
    assert len(body["rows"]) == 2 + extra
