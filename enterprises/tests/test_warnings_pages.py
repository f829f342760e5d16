"""The early-warning list (page, export, endpoint), the office's flag and resolve pages and endpoints, and scope on
all of them: enterprise users see no warnings at all."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation
from openpyxl import load_workbook

from accounts.models import Role, Scope, UserRole
from conftest import PASSWORD, make_credit_code
from enterprises.models import Enterprise, EnterpriseWarning, MonthlyFigure, WarningLevel
from enterprises.services.warnings import warning_flag, warnings_refresh


@pytest.fixture(autouse=True)
def in_english(settings):
    """The assertions read the English messages; the site's default language is Chinese."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


Rule = EnterpriseWarning.Rule


@pytest.fixture
def warned(county):
    """ent_a (酿溪镇) loses money: computed ORANGE; ent_b (雀塘镇): the office's RED flag; ent_c (酿溪镇, led by
    工信局中小企业股): electricity falling, BLUE."""
    MonthlyFigure.objects.create(enterprise=county.ent_a, period=date(2026, 10, 1), total_profit=Decimal(-3))
    for month, electricity in [(7, 100), (8, 95), (9, 90), (10, 85)]:
        MonthlyFigure.objects.create(
            enterprise=county.ent_c, period=date(2026, month, 1), electricity=Decimal(electricity)
        )
    warnings_refresh()
    county.flag = warning_flag(
        actor=county.office_user, enterprise=county.ent_b, level=WarningLevel.RED, reason="主要股东失联"
    )
    return county


@pytest.fixture
def login(client):
    def _as(username):
        assert client.login(username=username, password=PASSWORD)
        return client

    return _as


def names(page) -> set[str]:
    return {warning.enterprise.name for warning in page}


class TestListPage:
    @pytest.mark.parametrize(
        ("username", "expected"),
        [
            ("office", {"湘中机械有限公司", "雀塘食品有限公司", "邵水新材料股份有限公司"}),
            ("auditor", {"湘中机械有限公司", "雀塘食品有限公司", "邵水新材料股份有限公司"}),
            ("town_a_handler", {"湘中机械有限公司", "邵水新材料股份有限公司"}),  # its territory
            ("sme_handler", {"邵水新材料股份有限公司"}),  # the linkage it leads
            ("gxj_head", {"邵水新材料股份有限公司"}),  # through its sub-unit
            ("leader", {"邵水新材料股份有限公司"}),
            ("cadre", {"邵水新材料股份有限公司"}),
            ("fgj_handler", set()),
        ],
    )
    def test_scope(self, login, warned, username, expected):
        assert names(login(username).get("/enterprises/warnings/").context["page"]) == expected

    @pytest.mark.parametrize("username", ["ent_a", "ent_b"])
    def test_enterprise_users_are_refused(self, login, warned, username):
        client = login(username)
        assert client.get("/enterprises/warnings/").status_code == 403
        assert client.get("/enterprises/warnings/?export=xlsx").status_code == 403

    def test_filters(self, login, warned):
        client = login("office")
        assert names(client.get("/enterprises/warnings/?level=3").context["page"]) == {"雀塘食品有限公司"}
        assert names(client.get("/enterprises/warnings/?rule=electricity_falling").context["page"]) == {
            "邵水新材料股份有限公司"
        }
        by_region = client.get(f"/enterprises/warnings/?region={warned.town_b.pk}").context["page"]
        assert names(by_region) == {"雀塘食品有限公司"}
        assert names(client.get("/enterprises/warnings/?q=湘中").context["page"]) == {"湘中机械有限公司"}

    def test_most_severe_first_with_reason_and_resolve_only_on_manual_flags(self, login, warned):
        response = login("office").get("/enterprises/warnings/")
        assert [w.level for w in response.context["page"]] == [3, 2, 1]
        body = response.content.decode()
        assert "主要股东失联" in body and "-3.0" in body
        assert f"/enterprises/warnings/{warned.flag.pk}/resolve/" in body
        assert body.count("/resolve/") == 1

    def test_non_office_staff_get_no_resolve_buttons(self, login, warned):
        assert "/resolve/" not in login("auditor").get("/enterprises/warnings/").content.decode()

    def test_resolved_warnings_are_not_listed(self, login, warned):
        MonthlyFigure.objects.filter(enterprise=warned.ent_a).update(total_profit=Decimal(3))
        warnings_refresh(enterprise_ids=[warned.ent_a.pk])
        assert "湘中机械有限公司" not in names(login("office").get("/enterprises/warnings/").context["page"])

    def test_export_is_the_filtered_scoped_list(self, login, warned):
        response = login("town_a_handler").get("/enterprises/warnings/?export=xlsx")
        rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
        assert {row[0] for row in rows[1:]} == {"湘中机械有限公司", "邵水新材料股份有限公司"}
        response = login("office").get("/enterprises/warnings/?export=xlsx&level=3")
        rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
        assert len(rows) == 2 and rows[1][0] == "雀塘食品有限公司" and rows[1][5] == "主要股东失联"

    def test_query_count_is_constant(self, login, warned, django_assert_num_queries):
        client = login("office")
        # session, user, roles, count, calendar banner, topbar unit, region choices, page of warnings (with
        # enterprise and region)
        with django_assert_num_queries(8):
            client.get("/enterprises/warnings/")
        for i in range(20):
            enterprise = Enterprise.objects.create(
                credit_code=make_credit_code(900 + i), name=f"预警企业{i}", region=warned.town_b
            )
            warning_flag(actor=warned.office_user, enterprise=enterprise, level=2, reason="关注")
        with django_assert_num_queries(8):
            response = client.get("/enterprises/warnings/")
        assert response.context["page"].paginator.count == 23


class TestFlagAndResolvePages:
    def test_office_flags_from_the_profile(self, login, county):
        response = login("office").post(
            f"/enterprises/{county.ent_a.pk}/warnings/flag/", {"level": "2", "reason": "环保督察整改"}
        )
        assert response.status_code == 302 and response["Location"] == f"/enterprises/{county.ent_a.pk}/"
        warning = EnterpriseWarning.objects.get()
        assert (warning.rule, warning.level, warning.reason) == (Rule.MANUAL, 2, "环保督察整改")
        assert Enterprise.objects.get(pk=county.ent_a.pk).warning_level == WarningLevel.ORANGE

    def test_a_flag_without_reason_shows_the_form_again(self, login, county):
        response = login("office").post(f"/enterprises/{county.ent_a.pk}/warnings/flag/", {"level": "2", "reason": ""})
        assert response.status_code == 200 and response.context["form"].errors["reason"]
        assert not EnterpriseWarning.objects.exists()

    @pytest.mark.parametrize("username", ["town_a_handler", "leader", "auditor", "ent_a"])
    def test_only_the_office_flags(self, login, county, username):
        response = login(username).post(f"/enterprises/{county.ent_a.pk}/warnings/flag/", {"level": "3", "reason": "x"})
        assert response.status_code == 403
        assert not EnterpriseWarning.objects.exists()

    def test_office_resolves_a_flag(self, login, warned):
        client = login("office")
        url = f"/enterprises/warnings/{warned.flag.pk}/resolve/"
        assert client.get(url).status_code == 200
        response = client.post(url, {"resolution": "已联系上股东", "next": "/enterprises/warnings/?level=3"})
        assert response.status_code == 302 and response["Location"] == "/enterprises/warnings/?level=3"
        warned.flag.refresh_from_db()
        assert warned.flag.resolution == "已联系上股东" and warned.flag.resolved_by == warned.office_user
        assert Enterprise.objects.get(pk=warned.ent_b.pk).warning_level == WarningLevel.GREEN
        assert client.get(url).status_code == 404  # no longer open

    def test_resolve_refuses_a_computed_warning_and_an_empty_note(self, login, warned):
        client = login("office")
        computed = EnterpriseWarning.objects.get(rule=Rule.LOSS_MAKING)
        response = client.post(f"/enterprises/warnings/{computed.pk}/resolve/", {"resolution": "想关掉"})
        assert response.status_code == 200 and response.context["is_computed"]
        assert b"resolved automatically" in response.content
        response = client.post(f"/enterprises/warnings/{warned.flag.pk}/resolve/", {"resolution": " "})
        assert response.status_code == 200 and response.context["form"].errors
        assert EnterpriseWarning.objects.filter(resolved_at__isnull=False).count() == 0

    def test_resolve_is_for_the_office_only(self, login, warned):
        assert (
            login("auditor").post(f"/enterprises/warnings/{warned.flag.pk}/resolve/", {"resolution": "x"}).status_code
            == 403
        )


@pytest.fixture
def township_office(county, make_user):
    """An office account narrowed to its own unit: 雀塘镇's government, whose territory holds ent_b only."""
    user = make_user("qt_office", unit=county.town_b_gov)
    UserRole.objects.create(user=user, role=Role.OFFICE, scope=Scope.UNIT)
    return user


class TestEndpoints:
    def test_list_is_scoped_and_filtered(self, login, warned):
        body = login("town_a_handler").get("/api/v1/warnings").json()
        assert {item["enterprise_name"] for item in body["items"]} == {"湘中机械有限公司", "邵水新材料股份有限公司"}
        body = login("office").get(f"/api/v1/warnings?level=3&region_id={warned.town_b.pk}").json()
        assert body["count"] == 1 and body["items"][0]["level_name"] == "red"
        assert body["items"][0]["rule"] == "manual" and body["items"][0]["reason"] == "主要股东失联"
        assert login("office").get("/api/v1/warnings?rule=loss_making").json()["items"][0]["period"] == "2026-10"

    def test_enterprise_users_get_403(self, login, warned):
        client = login("ent_a")
        assert client.get("/api/v1/warnings").status_code == 403
        assert (
            client.post(
                f"/api/v1/enterprises/{warned.ent_a.pk}/warnings",
                {"level": 3, "reason": "x"},
                content_type="application/json",
            ).status_code
            == 403
        )

    def test_list_query_count_is_constant(self, login, warned, django_assert_num_queries):
        client = login("office")
        # session, user, roles, count, page (with enterprise)
        with django_assert_num_queries(5):
            client.get("/api/v1/warnings")
        for i in range(20):
            enterprise = Enterprise.objects.create(
                credit_code=make_credit_code(700 + i), name=f"企业{i}", region=warned.town_a
            )
            warning_flag(actor=warned.office_user, enterprise=enterprise, level=1, reason="关注")
        with django_assert_num_queries(5):
            assert client.get("/api/v1/warnings").json()["count"] == 23

    def test_flag_and_resolve(self, login, county):
        client = login("office")
        response = client.post(
            f"/api/v1/enterprises/{county.ent_b.pk}/warnings",
            {"level": 2, "reason": "订单骤减"},
            content_type="application/json",
        )
        assert response.status_code == 201 and response.json()["level_name"] == "orange"
        warning_id = response.json()["id"]
        response = client.post(
            f"/api/v1/warnings/{warning_id}/resolve", {"resolution": "订单恢复"}, content_type="application/json"
        )
        assert response.status_code == 200 and response.json()["resolution"] == "订单恢复"
        again = client.post(
            f"/api/v1/warnings/{warning_id}/resolve", {"resolution": "再"}, content_type="application/json"
        )
        assert again.status_code == 422 and "already" in again.json()["detail"]

    def test_flag_refusals(self, login, county, township_office):
        client = login("office")
        url = f"/api/v1/enterprises/{county.ent_b.pk}/warnings"
        bad = client.post(url, {"level": 0, "reason": "x"}, content_type="application/json")
        assert bad.status_code == 422 and "blue, orange or red" in bad.json()["detail"]
        assert (
            login("gxj_head").post(url, {"level": 2, "reason": "x"}, content_type="application/json").status_code == 403
        )
        client = login("qt_office")
        assert client.post(url, {"level": 2, "reason": "x"}, content_type="application/json").status_code == 201
        out_of_scope = f"/api/v1/enterprises/{county.ent_a.pk}/warnings"
        assert (
            client.post(out_of_scope, {"level": 2, "reason": "x"}, content_type="application/json").status_code == 404
        )
        assert EnterpriseWarning.objects.count() == 1

    def test_resolve_refusals(self, login, warned, township_office):
        computed = EnterpriseWarning.objects.get(rule=Rule.LOSS_MAKING)
        response = login("office").post(
            f"/api/v1/warnings/{computed.pk}/resolve", {"resolution": "x"}, content_type="application/json"
        )
        assert response.status_code == 422 and "figures recover" in response.json()["detail"]
        # ent_a's warning lies outside 雀塘镇's office.
        response = login("qt_office").post(
            f"/api/v1/warnings/{computed.pk}/resolve", {"resolution": "x"}, content_type="application/json"
        )
        assert response.status_code == 404
        response = login("leader").post(
            f"/api/v1/warnings/{warned.flag.pk}/resolve", {"resolution": "x"}, content_type="application/json"
        )
        assert response.status_code == 403
        assert not EnterpriseWarning.objects.filter(resolved_at__isnull=False).exists()
