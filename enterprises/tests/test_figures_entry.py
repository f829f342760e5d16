"""Entering monthly figures: figure_save's validation and permissions, the year page and month form, /my/figures/,
and the figures endpoints."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from accounts.models import Role
from conftest import PASSWORD
from enterprises.models import EnterpriseWarning, MonthlyFigure, WarningLevel
from enterprises.services.figures import figure_save


@pytest.fixture(autouse=True)
def in_english(settings):
    """The assertions read the English messages; the site's default language is Chinese."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def in_november_2026():
    """The cases speak of October, November and a December that has not begun yet."""
    with time_machine.travel(datetime(2026, 11, 20, 10, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        yield


SEP, OCT, NOV, DEC = date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1), date(2026, 12, 1)
Source = MonthlyFigure.Source
FULL_MONTH = {
    "output_value": "1200.50",
    "revenue": "1100",
    "total_profit": "-35.2",
    "tax_paid": "40",
    "rd_spend": "30",
    "electricity": "55.5",
    "employees": "120",
}


@pytest.fixture
def logged_in(client, county):
    def _as(username):
        assert client.login(username=username, password=PASSWORD)
        return client

    return _as


class TestFigureSave:
    def test_enterprise_enters_its_own_month(self, county):
        figure = figure_save(
            actor=county.ent_a_user, enterprise=county.ent_a, period=OCT, values=FULL_MONTH, source=Source.ENTERPRISE
        )
        figure.refresh_from_db()
        assert figure.revenue == Decimal("1100") and figure.total_profit == Decimal("-35.2") and figure.employees == 120
        assert figure.source == Source.ENTERPRISE and figure.entered_by == county.ent_a_user

    def test_saving_again_updates_the_month_and_keeps_figures_left_out(self, county):
        figure_save(actor=county.office_user, enterprise=county.ent_a, period=OCT, values=FULL_MONTH, source="office")
        figure_save(
            actor=county.ent_a_colleague,
            enterprise=county.ent_a,
            period=date(2026, 10, 17),  # any day of the month means the month
            values={"revenue": 1300, "rd_spend": None},
            source=Source.ENTERPRISE,
        )
        figure = MonthlyFigure.objects.get()
        assert figure.period == OCT and figure.revenue == Decimal("1300") and figure.rd_spend is None
        assert figure.output_value == Decimal("1200.50") and figure.entered_by == county.ent_a_colleague

    def test_saving_refreshes_the_enterprises_warnings(self, county):
        figure_save(actor=county.office_user, enterprise=county.ent_a, period=OCT, values=FULL_MONTH, source="office")
        assert EnterpriseWarning.objects.get().rule == "loss_making"
        county.ent_a.refresh_from_db()
        assert county.ent_a.warning_level == WarningLevel.ORANGE
        figure_save(
            actor=county.office_user, enterprise=county.ent_a, period=OCT, values={"total_profit": 5}, source="office"
        )
        county.ent_a.refresh_from_db()
        assert county.ent_a.warning_level == WarningLevel.GREEN

    @pytest.mark.parametrize("name", ["employees", "electricity", "revenue", "output_value", "tax_paid", "rd_spend"])
    def test_negative_figures_are_refused_with_a_clear_message(self, county, name):
        with pytest.raises(ValidationError) as error:
            figure_save(
                actor=county.office_user, enterprise=county.ent_a, period=OCT, values={name: "-1"}, source="office"
            )
        assert name in error.value.message_dict and "cannot be negative" in error.value.message_dict[name][0]
        assert not MonthlyFigure.objects.exists()

    def test_a_loss_is_allowed(self, county):
        figure_save(
            actor=county.office_user,
            enterprise=county.ent_a,
            period=OCT,
            values={"total_profit": "-0.01"},
            source="office",
        )
        assert MonthlyFigure.objects.get().total_profit == Decimal("-0.01")

    @pytest.mark.parametrize(
        ("values", "field"),
        [
            ({"employees": "12.5"}, "employees"),
            ({"revenue": "abc"}, "revenue"),
            ({"revenue": "1.234"}, "revenue"),
            ({"revenue": "1e20"}, "revenue"),
        ],
    )
    def test_malformed_numbers_are_refused(self, county, values, field):
        with pytest.raises(ValidationError) as error:
            figure_save(actor=county.office_user, enterprise=county.ent_a, period=OCT, values=values, source="office")
        assert field in error.value.message_dict
        assert not MonthlyFigure.objects.exists()

    def test_a_month_that_has_not_begun_is_refused_but_this_month_is_fine(self, county):
        with pytest.raises(ValidationError) as error:
            figure_save(
                actor=county.office_user, enterprise=county.ent_a, period=DEC, values=FULL_MONTH, source="office"
            )
        assert "period" in error.value.message_dict
        figure_save(
            actor=county.office_user, enterprise=county.ent_a, period=NOV, values={"revenue": 1}, source="office"
        )
        assert MonthlyFigure.objects.get().period == NOV

    def test_unknown_figures_are_refused(self, county):
        with pytest.raises(ValidationError):
            figure_save(
                actor=county.office_user, enterprise=county.ent_a, period=OCT, values={"profit": 1}, source="office"
            )

    @pytest.mark.parametrize(
        ("login", "enterprise", "source"),
        [
            ("ent_b_user", "ent_a", Source.ENTERPRISE),  # another enterprise
            ("ent_a_user", "ent_a", Source.OFFICE),  # the enterprise cannot claim to be the office
            ("gxj_head", "ent_c", Source.OFFICE),  # staff in scope but not the office
            ("sme_handler", "ent_c", Source.OFFICE),
            ("office_user", "ent_a", Source.ENTERPRISE),  # the office is not the enterprise
        ],
    )
    def test_who_may_not_enter(self, county, login, enterprise, source):
        with pytest.raises(PermissionDenied):
            figure_save(
                actor=getattr(county, login),
                enterprise=getattr(county, enterprise),
                period=OCT,
                values=FULL_MONTH,
                source=source,
            )
        assert not MonthlyFigure.objects.exists()


class TestPages:
    def test_year_grid_shows_months_ytd_and_growth(self, logged_in, county):
        for period, revenue in [(date(2025, 9, 1), 100), (date(2025, 10, 1), 100), (SEP, 150), (OCT, 90)]:
            MonthlyFigure.objects.create(enterprise=county.ent_a, period=period, revenue=revenue, total_profit=-1)
        response = logged_in("ent_a").get(f"/enterprises/{county.ent_a.pk}/figures/?year=2026")
        assert response.status_code == 200
        grid = response.context["grid"]
        revenue = next(row for row in grid.rows if row.name == "revenue")
        assert [cell.value for cell in revenue.cells][8:10] == [Decimal("150"), Decimal("90")]
        assert revenue.ytd == Decimal("240") and revenue.last_year_ytd == Decimal("200")
        assert revenue.ytd_yoy == Decimal("20.0")
        assert grid.loss_making is True and response.context["can_edit"] is True
        body = response.content.decode()
        assert 'data-testid="loss-making"' in body and "+20.0 %" in body
        assert f"/enterprises/{county.ent_a.pk}/figures/2026-11/" in body
        assert f"/enterprises/{county.ent_a.pk}/figures/2026-12/" not in body  # not begun: no entry link

    @pytest.mark.parametrize(
        ("login", "enterprise", "status"),
        [
            ("ent_a", "ent_a", 200),
            ("ent_a2", "ent_a", 200),  # a colleague of the same enterprise
            ("ent_b", "ent_a", 404),  # another enterprise
            ("office", "ent_b", 200),
            ("sme_handler", "ent_c", 200),  # leads ent_c's linkage
            ("sme_handler", "ent_a", 404),  # out of scope
            ("fgj_handler", "ent_a", 404),
        ],
    )
    def test_year_page_scope(self, logged_in, county, login, enterprise, status):
        assert logged_in(login).get(f"/enterprises/{getattr(county, enterprise).pk}/figures/").status_code == status

    def test_month_form_saves_and_redirects_to_the_year(self, logged_in, county):
        client = logged_in("ent_a2")
        url = f"/enterprises/{county.ent_a.pk}/figures/2026-10/"
        assert client.get(url).status_code == 200
        response = client.post(url, FULL_MONTH)
        assert response.status_code == 302 and response["Location"].endswith("/figures/?year=2026")
        figure = MonthlyFigure.objects.get()
        assert figure.source == Source.ENTERPRISE and figure.employees == 120

    def test_month_form_over_htmx_returns_the_partial_and_a_client_redirect(self, logged_in, county):
        client = logged_in("office")
        url = f"/enterprises/{county.ent_b.pk}/figures/2026-10/"
        partial = client.get(url, HTTP_HX_REQUEST="true")
        assert b"<html" not in partial.content and b'data-testid="month-form"' in partial.content
        saved = client.post(url, FULL_MONTH, HTTP_HX_REQUEST="true")
        assert saved.status_code == 200 and saved["HX-Redirect"].endswith("/figures/?year=2026")
        assert MonthlyFigure.objects.get().source == Source.OFFICE

    def test_bad_input_is_shown_next_to_the_field_and_nothing_is_saved(self, logged_in, county):
        client = logged_in("ent_a")
        response = client.post(f"/enterprises/{county.ent_a.pk}/figures/2026-10/", {**FULL_MONTH, "employees": "-3"})
        assert response.status_code == 200
        assert "cannot be negative" in str(response.context["form"].errors["employees"])
        assert not MonthlyFigure.objects.exists()

    def test_a_month_that_has_not_begun_is_refused_in_the_form(self, logged_in, county):
        response = logged_in("office").post(f"/enterprises/{county.ent_a.pk}/figures/2026-12/", FULL_MONTH)
        assert response.status_code == 200 and response.context["form"].non_field_errors()
        assert not MonthlyFigure.objects.exists()

    @pytest.mark.parametrize(
        ("login", "enterprise", "status"),
        [
            ("ent_b", "ent_a", 404),
            ("sme_handler", "ent_a", 404),  # unit handler out of scope
            ("sme_handler", "ent_c", 403),  # in scope, but only the office and the enterprise enter figures
            ("leader", "ent_c", 403),
        ],
    )
    def test_month_form_refused(self, logged_in, county, login, enterprise, status):
        url = f"/enterprises/{getattr(county, enterprise).pk}/figures/2026-10/"
        client = logged_in(login)
        assert client.get(url).status_code == status
        assert client.post(url, FULL_MONTH).status_code == status
        assert not MonthlyFigure.objects.exists()

    def test_my_figures_redirects_an_enterprise_user_to_their_page(self, logged_in, county, make_user):
        response = logged_in("ent_a2").get("/my/figures/")
        assert response.status_code == 302 and response["Location"] == f"/enterprises/{county.ent_a.pk}/figures/"
        make_user("orphan", Role.ENTERPRISE)
        assert logged_in("orphan").get("/my/figures/").status_code == 404
        assert logged_in("office").get("/my/figures/").status_code == 403

    def test_year_page_query_count_is_constant(self, logged_in, county, django_assert_num_queries):
        client = logged_in("ent_a")
        url = f"/enterprises/{county.ent_a.pk}/figures/?year=2026"
        # session, user, role grants, the enterprise, its figures (both years), calendar banner
        with django_assert_num_queries(6):
            client.get(url)
        MonthlyFigure.objects.bulk_create(
            MonthlyFigure(enterprise=county.ent_a, period=date(year, month, 1), revenue=10)
            for year in (2025, 2026)
            for month in range(1, 11)
        )
        with django_assert_num_queries(6):
            client.get(url)


class TestApi:
    def test_put_then_get_a_year(self, logged_in, county):
        client = logged_in("ent_a")
        response = client.put(
            f"/api/v1/enterprises/{county.ent_a.pk}/figures/2026-10", FULL_MONTH, content_type="application/json"
        )
        assert response.status_code == 200, response.content
        assert response.json()["total_profit"] == -35.2 and response.json()["source"] == "enterprise"
        body = client.get(f"/api/v1/enterprises/{county.ent_a.pk}/figures?year=2026").json()
        assert len(body["months"]) == 12 and body["months"][9]["reported"] is True
        assert body["year_to_date_through"] == "2026-10" and body["loss_making"] is True
        totals = {t["figure"]: t for t in body["totals"]}
        assert totals["revenue"]["year_to_date"] == 1100.0

    def test_put_replaces_the_whole_month(self, logged_in, county):
        client = logged_in("office")
        url = f"/api/v1/enterprises/{county.ent_a.pk}/figures/2026-10"
        client.put(url, FULL_MONTH, content_type="application/json")
        client.put(url, {"revenue": 5}, content_type="application/json")
        figure = MonthlyFigure.objects.get()
        assert figure.revenue == 5 and figure.output_value is None and figure.source == Source.OFFICE

    @pytest.mark.parametrize(
        ("payload", "period", "message"),
        [
            ({"employees": -1}, "2026-10", "cannot be negative"),
            ({"revenue": 1}, "2026-12", "not begun"),
            ({"revenue": 1}, "2026-13", "YYYY-MM"),
        ],
    )
    def test_put_refusals_are_422(self, logged_in, county, payload, period, message):
        response = logged_in("office").put(
            f"/api/v1/enterprises/{county.ent_a.pk}/figures/{period}", payload, content_type="application/json"
        )
        assert response.status_code == 422 and message in response.json()["detail"]
        assert not MonthlyFigure.objects.exists()

    @pytest.mark.parametrize(
        ("login", "enterprise", "status"),
        [
            ("ent_b", "ent_a", 404),
            ("sme_handler", "ent_a", 404),
            ("sme_handler", "ent_c", 403),
            ("auditor", "ent_a", 403),
        ],
    )
    def test_put_permissions(self, logged_in, county, login, enterprise, status):
        response = logged_in(login).put(
            f"/api/v1/enterprises/{getattr(county, enterprise).pk}/figures/2026-10",
            FULL_MONTH,
            content_type="application/json",
        )
        assert response.status_code == status
        assert not MonthlyFigure.objects.exists()

    def test_get_year_is_scoped(self, logged_in, county):
        assert logged_in("ent_b").get(f"/api/v1/enterprises/{county.ent_a.pk}/figures").status_code == 404
        assert logged_in("ent_a2").get(f"/api/v1/enterprises/{county.ent_a.pk}/figures").status_code == 200
