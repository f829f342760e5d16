"""The bulletin over HTTP (/api/v1/reports/bulletins…): the data and fields, saving them, the Word document,
good practices added, changed, moved and deleted; who may read and write (403), a quarter not begun (404),
bad values (422); query counts that do not grow with the data."""

import json
from io import BytesIO

import docx
import pytest

from reports.models import Bulletin, GoodPractice
from reports.tests.test_bulletin_support import add_practice, more_cases

pytest_plugins = ["reports.tests.test_bulletin_support"]

BASE = "/api/v1/reports/bulletins"
URL = f"{BASE}/2026/3"
READERS = ["office_user", "auditor", "leader", "gxj_head"]
REFUSED = ["gxj_handler", "cadre", "ent_a_user"]


@pytest.fixture
def api(client, quarter, english):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

    class Api:
        def __init__(self, who):
            client.force_login(getattr(quarter, who))

        def get(self, url, **params):
            return client.get(url, params)

        def send(self, method, url, body=None):
            return getattr(client, method)(url, json.dumps(body or {}), content_type="application/json")

    return Api


def payload(**changes):
    body = {
        "issuer": "新邵县助企服务办公室",
        "document_number": "新助企办〔2026〕12号",
        "title": "第三季度通报",
        "opening": "各单位：\n现通报如下。",
        "closing": "请整改。",
        "issued_on": "2026-10-08",
    }
    body.update(changes)
    return body


def test_the_quarters_data_and_proposed_fields(api, quarter):
    body = api("auditor").get(URL).json()
    assert (body["year"], body["quarter"], body["saved"], body["quarter_over"]) == (2026, 3, False, True)
    assert body["fields"]["title"] == "关于2026年第三季度助企服务工作情况的通报"
    assert body["total"]["collected"] == 12 and body["total"]["resolution_rate"] == 54.5
    units = [
        (u["label"], u["resolution_rate"], u["resolution_rank"], u["on_time_rank"], u["satisfaction_rank"])
        for u in body["units"]
    ]
    assert units == [
        ("县发改局", 100.0, 1, 1, 1),
        ("县工信局", 100.0, 1, 4, 3),
        ("县工信局中小企业股", 50.0, 3, 1, 1),
        ("酿溪镇人民政府", 25.0, 4, 1, None),
    ]
    assert [(row["label"], row["resolution_rank"]) for row in body["localities"]] == [
        ("雀塘镇", 1),
        ("陈家坊镇", 1),
        ("酿溪镇", 3),
    ]
    assert {u["name"]: u["count"] for u in body["overdue_units"]} == {
        "酿溪镇人民政府": 2,
        "县工信局中小企业股": 1,
        "县发改局": 1,
    }
    assert body["returning_units"] == [{"unit_id": quarter.fgj.pk, "name": "县发改局", "count": 2}]


@pytest.mark.parametrize("who", READERS)
def test_readers_get_the_data_and_the_document(api, who):
    client = api(who)
    assert client.get(URL).status_code == 200
    response = client.get(f"{URL}/docx")
    assert response.status_code == 200
    assert docx.Document(BytesIO(response.content)).paragraphs[2].text == "关于2026年第三季度助企服务工作情况的通报"


@pytest.mark.parametrize("who", REFUSED)
def test_other_roles_are_refused(api, who):
    client = api(who)
    for url in (BASE, URL, f"{URL}/docx"):
        assert client.get(url).status_code == 403
    assert client.send("put", URL, payload()).status_code == 403


def test_signed_out_is_refused(client, quarter):
    assert client.get(URL).status_code == 401


def test_a_quarter_not_begun_is_not_found(api):
    client = api("office_user")
    assert client.get(f"{BASE}/2027/1").status_code == 404
    assert client.send("put", f"{BASE}/2027/1", payload()).status_code == 404
    assert client.send("post", f"{BASE}/2026/5/good-practices", {"title": "t", "body": "b"}).status_code == 404


def test_the_office_saves_the_fields(api, quarter):
    client = api("office_user")
    response = client.send("put", URL, payload())
    assert response.status_code == 200
    body = response.json()
    assert body["saved"] and body["fields"]["document_number"] == "新助企办〔2026〕12号"
    assert body["fields"]["issued_on"] == "2026-10-08"
    client.send("put", URL, payload(title="改", issued_on=None))
    stored = Bulletin.objects.get()
    assert (stored.title, stored.issued_on, stored.updated_by) == ("改", None, quarter.office_user)


@pytest.mark.parametrize("who", ["auditor", "leader", "gxj_head"])
def test_readers_cannot_save(api, who):
    response = api(who).send("put", URL, payload())
    assert response.status_code == 403 and "office" in response.json()["detail"]
    assert not Bulletin.objects.exists()


def test_bad_values_are_422(api):
    client = api("office_user")
    response = client.send("put", URL, payload(title=" "))
    assert response.status_code == 422 and response.json()["detail"].startswith("title:")
    response = client.send("put", URL, payload(issued_on="2026-01-01"))
    assert response.status_code == 422 and "issued_on" in response.json()["detail"]
    assert client.send("put", URL, {"title": "缺发文机关"}).status_code == 422


def test_good_practices_round_trip(api, quarter):
    client = api("office_user")
    created = client.send(
        "post", f"{URL}/good-practices", {"title": "早餐会", "body": "内容", "unit_id": quarter.gxj.pk}
    )
    assert created.status_code == 201
    first = created.json()
    assert (first["unit_name"], first["sort_order"]) == ("县工信局", 0)
    second = client.send("post", f"{URL}/good-practices", {"title": "吹哨", "body": "内容"}).json()
    patched = client.send("patch", f"{BASE}/good-practices/{first['id']}", {"title": "早餐会改", "unit_id": None})
    assert patched.status_code == 200
    assert (patched.json()["title"], patched.json()["unit_id"], patched.json()["body"]) == ("早餐会改", None, "内容")
    moved = client.send("post", f"{BASE}/good-practices/{second['id']}/move", {"direction": "up"})
    assert [p["title"] for p in moved.json()] == ["吹哨", "早餐会改"]
    again = client.send("post", f"{BASE}/good-practices/{second['id']}/move", {"direction": "up"})
    assert again.status_code == 422 and "already first" in again.json()["detail"]
    assert [p["title"] for p in client.get(URL).json()["good_practices"]] == ["吹哨", "早餐会改"]
    assert client.send("delete", f"{BASE}/good-practices/{first['id']}").status_code == 204
    assert list(GoodPractice.objects.values_list("title", flat=True)) == ["吹哨"]
    assert client.send("delete", f"{BASE}/good-practices/{first['id']}").status_code == 404


def test_a_bad_good_practice_is_422(api):
    client = api("office_user")
    response = client.send("post", f"{URL}/good-practices", {"title": "", "body": "内容"})
    assert response.status_code == 422 and response.json()["detail"].startswith("title:")
    response = client.send("post", f"{URL}/good-practices", {"title": "t", "body": "b", "unit_id": 999999})
    assert response.status_code == 422 and response.json()["detail"].startswith("unit:")


@pytest.mark.parametrize("who", ["auditor", "leader", "gxj_head", "gxj_handler", "ent_a_user"])
def test_only_the_office_writes_good_practices(api, quarter, who):
    practice = add_practice(quarter, "甲")
    client = api(who)
    assert client.send("post", f"{URL}/good-practices", {"title": "t", "body": "b"}).status_code == 403
    assert client.send("patch", f"{BASE}/good-practices/{practice.pk}", {"title": "改"}).status_code == 403
    assert client.send("post", f"{BASE}/good-practices/{practice.pk}/move", {"direction": "down"}).status_code == 403
    assert client.send("delete", f"{BASE}/good-practices/{practice.pk}").status_code == 403
    assert list(GoodPractice.objects.values_list("title", flat=True)) == ["甲"]


def test_the_list(api):
    Bulletin.objects.create(year=2026, quarter=3, issuer="县助企办", title="第三季度通报")
    rows = api("gxj_head").get(BASE).json()
    assert (rows[0]["year"], rows[0]["quarter"], rows[0]["status"]) == (2026, 4, "none")
    assert (rows[1]["title"], rows[1]["status"]) == ("第三季度通报", "draft")


@pytest.mark.parametrize("extra", [2, 10])
def test_query_counts_are_constant(api, quarter, django_assert_num_queries, extra):
    more_cases(quarter, extra)
    for n in range(extra):
        add_practice(quarter, f"做法{n}", sort_order=n)
        Bulletin.objects.create(year=2010 + n, quarter=1, issuer="县助企办", title=f"通报{n}")
    client = api("office_user")
    client.get(URL)
    # session, user, roles; the bulletin's data (15, see test_bulletin_data)
    with django_assert_num_queries(16):
        body = client.get(URL).json()
    assert len(body["units"]) == 4 + extra and len(body["good_practices"]) == extra
    # session, user, roles; bulletins; good-practice counts
    with django_assert_num_queries(5):
        rows = client.get(BASE).json()
    assert len(rows) == 8 + extra
