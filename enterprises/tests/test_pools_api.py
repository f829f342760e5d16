"""The pools API: pools with the 1.2 × rule, members in scope, the office's writes with 422 messages,
403 for enterprise users and non-office writers, 404 outside scope, constant query counts."""

from datetime import date

import pytest
from django.utils import timezone

from accounts.models import Role, Scope
from conftest import PASSWORD, make_credit_code
from enterprises.models import CultivationPool, Enterprise, PoolMembership

Kind = CultivationPool.Kind
YEAR = timezone.localdate().year
API = "/api/v1/pools"


@pytest.fixture
def api(client):
    class Api:
        def login(self, username):
            assert client.login(username=username, password=PASSWORD)
            return self

        def get(self, url, **params):
            return client.get(url, params, HTTP_ACCEPT_LANGUAGE="en")

        def post(self, url, body):
            return client.post(url, body, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")

        def patch(self, url, body):
            return client.patch(url, body, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")

    return Api()


@pytest.fixture
def small(county):
    pool = CultivationPool.objects.create(kind=Kind.SMALL_TO_SCALE, year=YEAR, target=10)
    for e in (county.ent_a, county.ent_b, county.ent_c):
        PoolMembership.objects.create(pool=pool, enterprise=e, entered_on=date(YEAR, 1, 15))
    return pool


def add_members(pool, county, n, start=500):
    for i in range(n):
        e = Enterprise.objects.create(
            credit_code=make_credit_code(start + i), name=f"接口{i:02d}", region=county.town_a
        )
        PoolMembership.objects.create(pool=pool, enterprise=e, entered_on=date(YEAR, 2, 1))


class TestReading:
    def test_pools_of_a_year_with_the_rule(self, api, county, small):
        add_members(small, county, 8)  # 11 members, 12 required
        body = api.login("office").get(API, year=YEAR).json()
        assert [p["kind"] for p in body] == [Kind.SMALL_TO_SCALE]
        assert body[0]["rule"] == {"required": 12, "members": 11, "met": False, "shortfall": 1}
        add_members(small, county, 1, start=600)
        detail = api.get(f"{API}/{small.pk}").json()
        assert detail["rule"] == {"required": 12, "members": 12, "met": True, "shortfall": 0}
        assert detail["current"] == 12 and detail["entered"] == 12

    def test_members_are_scoped_and_paginated(self, api, county, small):
        def names(username):
            body = api.login(username).get(f"{API}/{small.pk}/members", current="true").json()
            return {m["enterprise"]["name"] for m in body["items"]}

        assert names("office") == {"湘中机械有限公司", "雀塘食品有限公司", "邵水新材料股份有限公司"}
        assert names("town_a_handler") == {"湘中机械有限公司", "邵水新材料股份有限公司"}
        assert names("sme_handler") == {"邵水新材料股份有限公司"}
        assert names("fgj_handler") == set()
        # the rule still counts the whole pool for a viewer who sees part of it
        pool = api.login("sme_handler").get(f"{API}/{small.pk}").json()
        assert pool["current"] == 1 and pool["rule"]["members"] == 3

    def test_exited_members_and_filters(self, api, county, small):
        membership = PoolMembership.objects.get(pool=small, enterprise=county.ent_b)
        PoolMembership.objects.filter(pk=membership.pk).update(exited_on=date(YEAR, 5, 1), exit_reason="已升规")
        api.login("office")
        exited = api.get(f"{API}/{small.pk}/members", current="false").json()["items"]
        assert [(m["enterprise"]["name"], m["exited_on"], m["exit_reason"]) for m in exited] == [
            ("雀塘食品有限公司", f"{YEAR}-05-01", "已升规")
        ]
        by_region = api.get(f"{API}/{small.pk}/members", region_id=county.town_a.pk).json()["items"]
        assert {m["enterprise"]["name"] for m in by_region} == {"湘中机械有限公司", "邵水新材料股份有限公司"}
        assert api.get(f"{API}/{small.pk}/members", q="湘中").json()["count"] == 1

    def test_members_query_count_is_constant(self, api, county, small, django_assert_num_queries):
        api.login("town_a_handler")
        # session, user, role grants, pool, the township's territory, count, page (enterprise, region)
        with django_assert_num_queries(7):
            first = api.get(f"{API}/{small.pk}/members")
        add_members(small, county, 25)
        with django_assert_num_queries(7):
            second = api.get(f"{API}/{small.pk}/members")
        assert second.json()["count"] == first.json()["count"] + 25

    def test_pool_list_query_count_is_constant(self, api, county, small, django_assert_num_queries):
        api.login("office")
        # session, user, role grants, the year's pools, their member counts
        with django_assert_num_queries(5):
            api.get(API, year=YEAR)
        for index, kind in enumerate((Kind.NEAR_SCALE, Kind.EXIT_RISK, Kind.HIGH_TECH)):
            add_members(CultivationPool.objects.create(kind=kind, year=YEAR), county, 3, start=700 + index * 10)
        with django_assert_num_queries(5):
            assert len(api.get(API, year=YEAR).json()) == 4


class TestPermissions:
    def test_enterprise_user_gets_403_everywhere(self, api, county, small):
        api.login("ent_a")
        membership = PoolMembership.objects.get(pool=small, enterprise=county.ent_a)
        assert api.get(API).status_code == 403
        assert api.get(f"{API}/{small.pk}").status_code == 403
        assert api.get(f"{API}/{small.pk}/members").status_code == 403
        assert api.post(f"{API}/{small.pk}/members/{membership.pk}/exit", {"reason": "x"}).status_code == 403

    def test_auditor_reads_but_cannot_write(self, api, county, small):
        api.login("auditor")
        assert api.get(f"{API}/{small.pk}").status_code == 200
        assert api.post(API, {"kind": Kind.NEAR_SCALE, "year": YEAR}).status_code == 403
        assert api.patch(f"{API}/{small.pk}", {"target": 3}).status_code == 403
        response = api.post(f"{API}/{small.pk}/members", {"enterprise_id": county.ent_a.pk})
        assert response.status_code == 403 and "coordinating office" in response.json()["detail"]
        small.refresh_from_db()
        assert small.target == 10

    def test_membership_outside_scope_is_404(self, api, county, small, make_user):
        # An office account narrowed to 酿溪镇: 雀塘食品's membership does not exist for it.
        town_office = make_user("town_office", Role.OFFICE, unit=county.town_a_gov)
        town_office.role_grants.update(scope=Scope.UNIT_TREE)
        outside = PoolMembership.objects.get(pool=small, enterprise=county.ent_b)
        inside = PoolMembership.objects.get(pool=small, enterprise=county.ent_a)
        api.login("town_office")
        assert api.post(f"{API}/{small.pk}/members/{outside.pk}/exit", {"reason": "x"}).status_code == 404
        assert api.post(f"{API}/{small.pk}/members", {"enterprise_id": county.ent_b.pk}).status_code == 404
        assert api.post(f"{API}/{small.pk}/members/{inside.pk}/exit", {"reason": "已升规"}).status_code == 200
        outside.refresh_from_db()
        assert outside.is_current
        # a unit handler may not write at all, in scope or not
        api.login("town_a_handler")
        assert api.post(f"{API}/{small.pk}/members/{outside.pk}/exit", {"reason": "x"}).status_code == 403
        assert api.get(f"{API}/99999").status_code == 404
        assert api.get(f"{API}/99999/members").status_code == 404

    def test_office_membership_of_another_pool_is_404(self, api, county, small):
        other = CultivationPool.objects.create(kind=Kind.EXIT_RISK, year=YEAR)
        membership = PoolMembership.objects.create(pool=other, enterprise=county.ent_a, entered_on=date(YEAR, 2, 1))
        api.login("office")
        assert api.post(f"{API}/{small.pk}/members/{membership.pk}/exit", {"reason": "x"}).status_code == 404


class TestWriting:
    def test_create_patch_and_duplicate(self, api, county):
        api.login("office")
        response = api.post(API, {"kind": Kind.SMALL_TO_SCALE, "year": YEAR, "target": 22})
        assert response.status_code == 201 and response.json()["rule"]["required"] == 27
        pool_id = response.json()["id"]
        duplicate = api.post(API, {"kind": Kind.SMALL_TO_SCALE, "year": YEAR})
        assert duplicate.status_code == 422 and "already exists" in duplicate.json()["detail"]
        patched = api.patch(f"{API}/{pool_id}", {"note": "力争全年新增规上工业企业22家"}).json()
        assert (patched["target"], patched["note"]) == (22, "力争全年新增规上工业企业22家")
        assert api.patch(f"{API}/{pool_id}", {"target": None}).json()["rule"]["required"] is None
        assert api.patch(f"{API}/{pool_id}", {"target": -1}).status_code == 422

    def test_create_the_years_pools(self, api, county):
        body = api.login("office").post(f"{API}/for-year", {"year": YEAR}).json()
        assert {p["kind"] for p in body} == set(Kind.values)

    def test_add_exit_and_re_enter(self, api, county):
        pool = CultivationPool.objects.create(kind=Kind.EXIT_RISK, year=YEAR)
        api.login("office")
        added = api.post(f"{API}/{pool.pk}/members", {"enterprise_id": county.ent_a.pk, "entered_on": f"{YEAR}-02-01"})
        assert added.status_code == 201 and added.json()["is_current"]
        membership_id = added.json()["id"]
        again = api.post(f"{API}/{pool.pk}/members", {"enterprise_id": county.ent_a.pk})
        assert again.status_code == 422
        assert again.json()["detail"] == f"湘中机械有限公司 is already in the pool “{pool}” (since {YEAR}-02-01)."
        no_reason = api.post(f"{API}/{pool.pk}/members/{membership_id}/exit", {"reason": " "})
        assert (
            no_reason.status_code == 422
            and no_reason.json()["detail"] == "Give the reason the enterprise leaves the pool."
        )
        early = api.post(
            f"{API}/{pool.pk}/members/{membership_id}/exit", {"reason": "营收回升", "exited_on": f"{YEAR}-01-31"}
        )
        assert early.status_code == 422
        left = api.post(
            f"{API}/{pool.pk}/members/{membership_id}/exit", {"reason": "营收回升", "exited_on": f"{YEAR}-04-01"}
        )
        assert left.json()["exited_on"] == f"{YEAR}-04-01" and not left.json()["is_current"]
        back = api.post(f"{API}/{pool.pk}/members", {"enterprise_id": county.ent_a.pk, "entered_on": f"{YEAR}-05-01"})
        assert back.status_code == 201 and back.json()["id"] == membership_id
        assert back.json()["entered_on"] == f"{YEAR}-05-01" and back.json()["exited_on"] is None

    def test_promote(self, api, county):
        giant = CultivationPool.objects.create(kind=Kind.LITTLE_GIANT, year=YEAR)
        membership = PoolMembership.objects.create(pool=giant, enterprise=county.ent_c, entered_on=date(YEAR, 1, 2))
        api.login("office")
        response = api.post(f"{API}/{giant.pk}/members/{membership.pk}/promote", {"promoted_on": f"{YEAR}-09-01"})
        assert response.status_code == 201
        champion = CultivationPool.objects.get(kind=Kind.SINGLE_CHAMPION, year=YEAR)
        assert response.json()["pool_id"] == champion.pk and response.json()["entered_on"] == f"{YEAR}-09-01"
        membership.refresh_from_db()
        assert membership.exit_reason == "promoted to manufacturing single champion (单项冠军)"
        top = api.post(f"{API}/{champion.pk}/members/{response.json()['id']}/promote", {})
        assert top.status_code == 422 and "top of the 专精特新 ladder" in top.json()["detail"]

    def test_suggestions_endpoint(self, api, county):
        pool = CultivationPool.objects.create(kind=Kind.LISTING_RESERVE, year=YEAR)
        body = api.login("office").get(f"{API}/{pool.pk}/suggestions").json()
        assert body == {"rule": None, "window_start": None, "window_end": None, "items": []}
