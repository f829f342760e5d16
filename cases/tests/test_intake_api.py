"""POST /api/v1/cases: who may file through which channel, the validation answers, a common issue from
several enterprises, and external_ref idempotency (409 with the existing case)."""

import json

import pytest

from accounts.services import api_token_create
from cases.models import Case, CommonIssue
from cases.services.trail import verify_trail
from conftest import PASSWORD
from enterprises.models import Visit, VisitProblem

URL = "/api/v1/cases"


@pytest.fixture
def login(client):
    def _login(user):
        client.logout()
        assert client.login(username=user.username, password=PASSWORD)
        return client

    return _login


@pytest.fixture
def token(county):
    """An integration's token (a 12345 hotline), acting as the office account."""
    _token, raw = api_token_create(actor=county.office_user, name="12345热线", user=county.office_user)
    return raw


def post(client, data, **headers):
    return client.post(URL, json.dumps(data), content_type="application/json", **headers)


def body(enterprise_ids, **extra):
    data = {
        "enterprise_ids": enterprise_ids,
        "title": "园区道路破损",
        "description": "进出园区的道路破损严重，货车通行困难。",
        "category": "infrastructure",
    }
    data.update(extra)
    return data


def test_integration_token_files_an_api_case(client, county, token):
    response = post(
        client,
        body([county.ent_a.pk], external_ref="HL-1", contact_phone="0739-1234567"),
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 201, response.content
    [item] = response.json()["cases"]
    case = Case.objects.get()
    assert (item["id"], item["number"], item["channel"], item["external_ref"]) == (case.pk, case.number, "api", "HL-1")
    assert item["enterprise_name"] == county.ent_a.name and item["state"] == "submitted"
    assert response.json()["common_issue_id"] is None
    assert case.submitted_by == county.office_user and case.contact_phone == "07391234567"


def test_a_repeated_external_ref_answers_409_with_the_case(client, county, token):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    first = post(client, body([county.ent_a.pk], external_ref="HL-7"), **auth).json()["cases"][0]
    again = post(client, body([county.ent_a.pk], external_ref="HL-7"), **auth)
    assert again.status_code == 409
    assert again.json()["case_id"] == first["id"] and again.json()["number"] == first["number"]
    assert "HL-7" in again.json()["detail"]
    assert Case.objects.count() == 1
    # The same reference through another channel is another system's number: accepted.
    assert post(client, body([county.ent_a.pk], external_ref="HL-7", channel="hotline"), **auth).status_code == 201


def test_x_api_key_header_works_too(client, county, token):
    assert post(client, body([county.ent_b.pk]), HTTP_X_API_KEY=token).json()["cases"][0]["channel"] == "api"


def test_several_enterprises_make_one_common_issue(client, county, login):
    response = post(
        login(county.office_user), body([county.ent_a.pk, county.ent_b.pk, county.ent_c.pk], channel="hotline")
    )
    assert response.status_code == 201
    data = response.json()
    issue = CommonIssue.objects.get()
    assert data["common_issue_id"] == issue.pk and len(data["cases"]) == 3
    assert {c["common_issue_id"] for c in data["cases"]} == {issue.pk}
    assert not list(verify_trail(Case.objects.all()))


def test_the_offices_session_defaults_to_the_office_channel(client, county, login):
    response = post(login(county.office_user), body([], enterprise_credit_code=county.ent_c.credit_code.lower()))
    assert response.status_code == 201
    assert response.json()["cases"][0]["channel"] == "office"
    assert response.json()["cases"][0]["enterprise_id"] == county.ent_c.pk


def test_enterprise_user_files_for_itself_only(client, county, login):
    client = login(county.ent_a_user)
    response = post(client, body([county.ent_a.pk]))
    assert response.status_code == 201 and response.json()["cases"][0]["channel"] == "self_service"
    # Another enterprise's id: refused by the channel's rule (own enterprise only), nothing filed.
    assert post(client, body([county.ent_b.pk])).status_code == 403
    assert post(client, body([county.ent_a.pk, county.ent_b.pk])).status_code == 403
    # By credit code, another enterprise does not exist for it: 422 naming the enterprise.
    response = post(client, body([], enterprise_credit_code=county.ent_b.credit_code))
    assert response.status_code == 422 and response.json()["detail"].startswith("enterprise:")
    assert Case.objects.count() == 1


@pytest.mark.parametrize("channel", ["hotline", "reception_day", "office", "api", "import"])
@pytest.mark.parametrize("who", ["ent_a_user", "gxj_handler", "cadre", "leader"])
def test_office_channels_are_refused_to_others(client, county, login, who, channel):
    enterprise = county.ent_c if who in ("cadre", "leader") else county.ent_a
    response = post(login(getattr(county, who)), body([enterprise.pk], channel=channel))
    assert response.status_code == 403, response.content
    assert Case.objects.count() == 0


def test_self_service_is_refused_to_staff(client, county, login):
    assert post(login(county.office_user), body([county.ent_a.pk], channel="self_service")).status_code == 403


def test_the_qr_channel_is_not_open_over_the_api(client, county, login):
    response = post(login(county.ent_a_user), body([county.ent_a.pk], channel="qr_code"))
    assert response.status_code == 422 and Case.objects.count() == 0


def test_linked_cadre_files_a_visit_case_with_the_problem(client, county, login):
    visit = Visit.objects.create(
        enterprise=county.ent_c, visitor=county.cadre, unit=county.fgj, visited_on="2025-03-02"
    )
    found = VisitProblem.objects.create(visit=visit, description="用电增容报装慢")
    client = login(county.cadre)
    response = post(client, body([county.ent_c.pk], channel="visit", visit_problem_id=found.pk))
    assert response.status_code == 201
    assert Case.objects.get().visit_problem == found
    # Not for an enterprise the cadre does not see.
    assert post(client, body([county.ent_a.pk], channel="visit")).status_code == 422
    # A problem filed once is not filed again.
    assert post(client, body([county.ent_c.pk], channel="visit", visit_problem_id=found.pk)).status_code == 422
    assert Case.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": ""}, "title"),
        ({"category": "no-such-category"}, "category"),
        ({"category": 999999}, "category"),
        ({"urgency": "whenever"}, "urgency"),
        ({"channel": "fax"}, "channel"),
        ({"contact_phone": "12ab"}, "contact_phone"),
        ({"enterprise_ids": [], "enterprise_credit_code": ""}, "enterprise"),
    ],
)
def test_validation_answers_422_naming_the_field(client, county, login, change, field):
    response = post(login(county.office_user), {**body([county.ent_a.pk]), **change})
    assert response.status_code == 422
    assert response.json()["detail"].startswith(f"{field}:")
    assert Case.objects.count() == 0


def test_a_category_by_id_and_urgency_by_code(client, county, login, category):
    response = post(login(county.office_user), body([county.ent_a.pk], category=category.pk, urgency="urgent"))
    assert response.status_code == 201
    assert response.json()["cases"][0]["urgency"] == "urgent"
    assert Case.objects.get().category == category


def test_anonymous_is_refused(client, county):
    assert post(client, body([county.ent_a.pk])).status_code == 401
    assert Case.objects.count() == 0
