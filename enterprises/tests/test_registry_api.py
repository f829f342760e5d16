"""The registry API: the enterprise list and detail scoped like the pages, the filters, the industry table,
and a query count that stays flat as the list grows."""

import pytest

from conftest import make_credit_code
from enterprises.models import Enterprise, Industry, Tag, WarningLevel


@pytest.fixture
def login(client):
    def _login(user):
        client.force_login(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return _login


def listed_names(client, **params):
    response = client.get("/api/v1/enterprises", params)
    assert response.status_code == 200, response.content
    return {row["name"] for row in response.json()["items"]}


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("office_user", {"ent_a", "ent_b", "ent_c"}),
        ("town_a_handler", {"ent_a", "ent_c"}),
        ("sme_handler", {"ent_c"}),
        ("gxj_handler", set()),
        ("cadre", {"ent_c"}),
    ],
)
def test_list_is_scoped(county, login, who, expected):
    assert listed_names(login(getattr(county, who))) == {getattr(county, attr).name for attr in expected}


@pytest.mark.parametrize(
    ("who", "visible", "hidden"),
    [
        ("town_a_handler", "ent_c", "ent_b"),
        ("sme_handler", "ent_c", "ent_a"),
        ("cadre", "ent_c", "ent_a"),
        ("ent_a_user", "ent_a", "ent_b"),
        ("ent_a_colleague", "ent_a", "ent_c"),
        ("ent_b_user", "ent_b", "ent_a"),
    ],
)
def test_detail_is_404_outside_the_scope(county, login, who, visible, hidden):
    client = login(getattr(county, who))
    shown = client.get(f"/api/v1/enterprises/{getattr(county, visible).pk}")
    assert shown.status_code == 200 and shown.json()["credit_code"] == getattr(county, visible).credit_code
    assert client.get(f"/api/v1/enterprises/{getattr(county, hidden).pk}").status_code == 404


def test_enterprise_users_have_no_list(county, login):
    assert login(county.ent_a_user).get("/api/v1/enterprises").status_code == 403


def test_anonymous_is_401(county, client):
    assert client.get("/api/v1/enterprises").status_code == 401


def test_filters_match_the_page(county, login):
    county.ent_a.industry = Industry.objects.get(code="348")
    county.ent_a.warning_level = WarningLevel.RED
    county.ent_a.above_scale = True
    county.ent_a.save()
    county.ent_a.tags.add(Tag.objects.get(code="srdi"))
    client = login(county.office_user)
    assert listed_names(client, industry="C") == {county.ent_a.name}
    assert listed_names(client, region=county.town_b.pk) == {county.ent_b.name}
    assert listed_names(client, above_scale="false") == {county.ent_b.name, county.ent_c.name}
    assert listed_names(client, tag="srdi", min_warning=3) == {county.ent_a.name}
    assert listed_names(client, q=county.ent_c.credit_code) == {county.ent_c.name}
    rows = client.get("/api/v1/enterprises", {"sort": "warning"}).json()["items"]
    assert rows[0]["name"] == county.ent_a.name and rows[0]["warning_level"] == 3
    assert client.get("/api/v1/enterprises", {"sort": "bogus"}).status_code == 422


def test_detail_carries_the_facts(county, login):
    county.ent_a.industry = Industry.objects.get(code="348")
    county.ent_a.save()
    county.ent_a.tags.add(Tag.objects.get(code="srdi"))
    body = login(county.office_user).get(f"/api/v1/enterprises/{county.ent_a.pk}").json()
    assert body["region_name"] == "酿溪镇" and body["industry_code"] == "348"
    assert [tag["code"] for tag in body["tags"]] == ["srdi"]


def _grow(county, start, count):
    tags = list(Tag.objects.filter(code__in=["srdi", "listed"]))
    for serial in range(start, start + count):
        enterprise = Enterprise.objects.create(
            credit_code=make_credit_code(serial),
            name=f"接口企业{serial:03d}",
            region=county.town_a,
            industry_id="348",
            contact_phone="13900000000",
        )
        enterprise.tags.add(*tags)


@pytest.mark.parametrize(
    ("who", "queries"),
    [
        # session, user, roles; count, page, tags
        ("office_user", 6),
        # + the township's territory for the scope, + its linkages for the contact masking
        ("town_a_handler", 8),
    ],
)
def test_list_query_count_is_pinned(county, login, django_assert_num_queries, who, queries):
    client = login(getattr(county, who))
    _grow(county, 100, 3)
    with django_assert_num_queries(queries):
        first = client.get("/api/v1/enterprises")
    _grow(county, 200, 25)
    with django_assert_num_queries(queries):
        second = client.get("/api/v1/enterprises")
    assert second.json()["count"] == first.json()["count"] + 25


class TestIndustries:
    def test_search_by_code_or_name_and_level(self, county, login):
        client = login(county.ent_a_user)  # reference data: every signed-in account
        by_code = client.get("/api/v1/industries", {"q": "36"}).json()["items"]
        assert by_code[0]["code"] == "36" and all(row["code"].startswith("36") for row in by_code)
        by_name = client.get("/api/v1/industries", {"q": "汽车整车", "level": "group"}).json()["items"]
        assert [row["code"] for row in by_name] == ["361"]
        sections = client.get("/api/v1/industries", {"level": "section"}).json()
        assert sections["count"] == 20
        assert client.get("/api/v1/industries", {"level": "class"}).status_code == 422

    def test_one_industry_with_its_chain(self, county, login):
        body = login(county.office_user).get("/api/v1/industries/361").json()
        assert body["name"] == "汽车整车制造" and body["parent_code"] == "36" and body["section"] == "C"
        assert [level["code"] for level in body["chain"]] == ["C", "36", "361"]
        assert login(county.office_user).get("/api/v1/industries/999").status_code == 404
