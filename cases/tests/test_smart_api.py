"""The smart-dispatch API: suggestions and the one-click confirm, similar cases of a case and of a text,
candidate common issues, the catalogue, model versions and training, accuracy. The office only (others
403), cases outside the scope 404, bad input 422; list endpoints' queries pinned."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.models import Case, DispatchSuggestion
from cases.tests.test_common_support import send
from cases.tests.test_smart_similarity import LOAN, PATENT, ROAD, ROAD_AGAIN, ROAD_HOTLINE, WATER, WATER_AGAIN

pytest_plugins = ["cases.tests.test_smart_support"]

API = "/api/v1"


@pytest.fixture
def hotline(county, file_case, categories):
    def _file(enterprise, text, category="other"):
        return file_case(
            enterprise=enterprise,
            actor=county.office_user,
            channel=Case.Channel.HOTLINE,
            title=text[0],
            description=text[1],
            category_id=categories[category].pk,
        )

    return _file


def test_suggestions_and_confirm(county, login, trained, hotline, categories):
    case = hotline(county.ent_b, LOAN)
    client = login(county.office_user)
    body = client.get(f"{API}/cases/{case.pk}/suggestions").json()
    assert body["model_version"] == 1 and body["category_source"] == "model"
    assert [c["id"] for c in body["categories"]][0] == categories["financing"].pk
    assert body["leads"][0]["unit_id"] == county.fgj.pk and body["leads"][0]["words"]
    assert body["locality_unit_ids"] == [county.town_b_gov.pk] and body["decided_at"] is None
    response = send(client, "post", f"{API}/cases/{case.pk}/suggestions/{body['id']}/confirm", {"note": "请尽快对接"})
    assert response.status_code == 200
    detail = response.json()
    assert detail["state"] == "assigned" and detail["lead_unit_id"] == county.fgj.pk
    record = DispatchSuggestion.objects.get()
    assert (record.category_rank, record.lead_rank, record.confirmed) == (1, 1, True)
    again = send(client, "post", f"{API}/cases/{case.pk}/suggestions/{body['id']}/confirm", {})
    assert again.status_code == 422 and "already decided" in again.json()["detail"]
    assert client.get(f"{API}/cases/{case.pk}/suggestions").status_code == 422


def test_similar_of_a_case_and_of_a_text(county, login, hotline):
    first = hotline(county.ent_a, ROAD)
    other = hotline(county.ent_b, ROAD_HOTLINE)
    repeat = hotline(county.ent_a, ROAD_AGAIN)
    client = login(county.office_user)
    body = client.get(f"{API}/cases/{repeat.pk}/similar").json()
    assert [m["case_id"] for m in body["duplicates"]] == [first.pk]
    assert [m["case_id"] for m in body["others"]] == [other.pk]
    assert 0.2 <= body["others"][0]["score"] <= 1
    typed = send(client, "post", f"{API}/cases/similar", {"enterprise_id": county.ent_a.pk, "title": PATENT[0]}).json()
    assert typed == {"duplicates": [], "others": []}
    typed = send(client, "post", f"{API}/cases/similar", {"title": ROAD_AGAIN[0], "description": ROAD_AGAIN[1]})
    assert {m["case_id"] for m in typed.json()["others"]} == {first.pk, other.pk, repeat.pk}
    empty = send(client, "post", f"{API}/cases/similar", {"title": " "})
    assert empty.status_code == 422
    assert client.get(f"{API}/cases/987654/similar").status_code == 404


@pytest.mark.parametrize("who", ["gxj_handler", "ent_a_user", "auditor"])
def test_everything_is_the_offices(county, login, trained, hotline, who):
    case = hotline(county.ent_a, LOAN)
    client = login(getattr(county, who))
    for url in (
        f"{API}/cases/{case.pk}/suggestions",
        f"{API}/cases/{case.pk}/similar",
        f"{API}/cases/clusters",
        f"{API}/dispatch/catalogue",
        f"{API}/dispatch/models",
        f"{API}/dispatch/accuracy",
    ):
        assert client.get(url).status_code in (403, 404), url
    assert send(client, "post", f"{API}/dispatch/models").status_code == 403
    assert send(client, "put", f"{API}/dispatch/catalogue/1", {"keywords": "x"}).status_code == 403


def test_clusters_list_with_pinned_queries(county, login, hotline, make_user):
    from conftest import make_credit_code
    from enterprises.models import Enterprise

    hotline(county.ent_a, ROAD)
    hotline(county.ent_b, ROAD_AGAIN)
    client = login(county.office_user)
    client.get(f"{API}/cases/clusters")
    with CaptureQueriesContext(connection) as one:
        body = client.get(f"{API}/cases/clusters").json()
    assert len(body) == 1 and body[0]["enterprise_count"] == 2
    extra = [
        Enterprise.objects.create(credit_code=make_credit_code(800 + i), name=f"测试企业{i}", region=county.town_b)
        for i in range(2)
    ]
    hotline(extra[0], WATER)
    hotline(extra[1], WATER_AGAIN)
    with CaptureQueriesContext(connection) as two:
        assert len(client.get(f"{API}/cases/clusters").json()) == 2
    assert len(two) == len(one)


def test_catalogue_read_and_write(county, login, categories, catalogue):
    client = login(county.office_user)
    with CaptureQueriesContext(connection) as queries:
        rows = client.get(f"{API}/dispatch/catalogue").json()
    assert len(rows) == 14
    financing = next(r for r in rows if r["category_id"] == categories["financing"].pk)
    assert financing["keywords"][:2] == ["贷款", "续贷"] and financing["co_unit_ids"] == [county.gxj.pk]
    road = next(r for r in rows if r["category_id"] == categories["infrastructure"].pk)
    assert road["lead_is_locality"] is True and road["lead_unit_id"] is None
    assert len(queries) <= 8
    url = f"{API}/dispatch/catalogue/{categories['land'].pk}"
    bad = send(client, "put", url, {"lead_unit_id": county.gxj.pk, "lead_is_locality": True})
    assert bad.status_code == 422 and "not both" in bad.json()["detail"]
    good = send(client, "put", url, {"keywords": "用地、土地", "lead_unit_id": county.fgj.pk, "add_locality": False})
    assert good.status_code == 200
    assert good.json()["keywords"] == ["用地", "土地"]
    assert good.json()["add_locality"] is False
    assert send(client, "put", f"{API}/dispatch/catalogue/987654", {}).status_code == 422


def test_models_train_and_list(county, login, make_history):
    client = login(county.office_user)
    thin = send(client, "post", f"{API}/dispatch/models")
    assert thin.status_code == 422 and "Not enough history: 0 accepted cases" in thin.json()["detail"]
    make_history()
    made = send(client, "post", f"{API}/dispatch/models")
    assert made.status_code == 201 and made.json()["version"] == 1 and made.json()["case_count"] == 36
    assert [m["version"] for m in client.get(f"{API}/dispatch/models").json()] == [1]


def test_accuracy_by_period(county, login, trained, hotline):
    case = hotline(county.ent_a, LOAN)
    client = login(county.office_user)
    suggestion = client.get(f"{API}/cases/{case.pk}/suggestions").json()
    send(client, "post", f"{API}/cases/{case.pk}/suggestions/{suggestion['id']}/confirm", {})
    body = client.get(f"{API}/dispatch/accuracy").json()
    assert (body["decided"], body["category_top1"], body["lead_top1"], body["confirmed"]) == (1, 1, 1, 1)
    assert len(body["months"]) == 1
    assert client.get(f"{API}/dispatch/accuracy", {"date_to": "2020-01-01"}).json()["decided"] == 0
    assert client.get(f"{API}/dispatch/accuracy", {"date_from": "not-a-date"}).status_code == 422
