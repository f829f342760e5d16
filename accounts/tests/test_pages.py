"""The organisation pages: scoped lists with constant query counts, 404 outside scope."""

import pytest

from accounts.models import Role, Unit
from conftest import PASSWORD


@pytest.fixture
def logged_in(client, county):
    def _as(username):
        assert client.login(username=username, password=PASSWORD)
        return client

    return _as


class TestUnitPages:
    def test_unit_head_lists_own_tree_only(self, logged_in, county):
        page = logged_in("gxj_head").get("/units/")
        assert {u.code for u in page.context["page"]} == {"430522-GXJ", "430522-GXJ-ZXQY"}

    def test_detail_in_scope_and_404_outside(self, logged_in, county):
        client = logged_in("gxj_handler")
        assert client.get(f"/units/{county.gxj.pk}/").status_code == 200
        assert client.get(f"/units/{county.gxj_sme.pk}/").status_code == 404
        assert client.get(f"/units/{county.fgj.pk}/").status_code == 404

    def test_enterprise_user_cannot_open_unit_pages(self, logged_in, county):
        assert logged_in("ent_a").get("/units/").status_code == 403

    def test_search_and_kind_filter(self, logged_in, county):
        client = logged_in("office")
        assert {u.code for u in client.get("/units/?q=工信").context["page"]} == {"430522-GXJ", "430522-GXJ-ZXQY"}
        assert {u.code for u in client.get("/units/?kind=township").context["page"]} == {"430522-NXZ", "430522-QTZ"}

    def test_unit_list_query_count_is_constant(self, logged_in, county, django_assert_num_queries):
        client = logged_in("office")
        # session, user, role grants, count, page of units (region, parent, user count),
        # calendar years missing (banner), the topbar's unit of the signed-in user
        with django_assert_num_queries(7):
            client.get("/units/")
        for i in range(30):
            Unit.objects.create(
                code=f"X-{i}", name=f"专班{i}", kind=Unit.Kind.TASK_FORCE, region=county.region, parent=county.gov
            )
        with django_assert_num_queries(7):
            response = client.get("/units/")
        assert response.context["page"].paginator.count == 37


class TestUserPages:
    def test_list_is_scoped(self, logged_in, county):
        page = logged_in("gxj_head").get("/users/").context["page"]
        assert {u.username for u in page} == {"gxj_head", "gxj_handler", "sme_handler"}

    def test_role_filter(self, logged_in, county):
        page = logged_in("office").get("/users/?role=enterprise").context["page"]
        assert {u.username for u in page} == {"ent_a", "ent_a2", "ent_b"}

    def test_user_list_query_count_is_constant(self, logged_in, county, make_user, django_assert_num_queries):
        client = logged_in("office")
        # session, user, role grants, count, calendar years missing (banner), the topbar's unit,
        # page of users (unit, enterprise), their role grants
        with django_assert_num_queries(8):
            client.get("/users/")
        for i in range(30):
            make_user(f"more{i}", Role.CADRE, Role.UNIT_HANDLER, unit=county.fgj)
        with django_assert_num_queries(8):
            client.get("/users/")


class TestHome:
    @pytest.mark.parametrize(
        ("login", "panel"),
        [
            ("office", "office"),
            ("leader", "leader"),
            ("gxj_head", "unit_head"),
            ("gxj_handler", "unit_handler"),
            ("cadre", "cadre"),
            ("ent_a", "enterprise"),
            ("auditor", "auditor"),
        ],
    )
    def test_each_role_lands_on_its_own_desk(self, logged_in, county, login, panel):
        response = logged_in(login).get("/")
        assert response.context["panels"] == [panel]
        assert f'data-testid="panel-{panel}"' in response.content.decode()

    def test_counts_follow_the_scope(self, logged_in, county):
        assert logged_in("ent_a").get("/").context["overview"] == {
            "units": 0,
            "users": 2,
            "enterprises": 1,
            "at_risk": 0,
        }

    def test_anonymous_home_redirects_to_login(self, client, db):
        assert client.get("/")["Location"].startswith("/login/")

    def test_calendar_warning_is_for_staff_not_enterprises(self, logged_in, county):
        # Today's date in the test run decides whether a year is missing; compare with the selector.
        from core.workdays import missing_schedule_years

        expected = bool(missing_schedule_years())
        assert ('data-testid="calendar-warning"' in logged_in("gxj_handler").get("/").content.decode()) is expected
        assert 'data-testid="calendar-warning"' not in logged_in("ent_a").get("/").content.decode()
