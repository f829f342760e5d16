"""The profile's operating-data panel ({% figures_panel enterprise %}): indicators of the latest month, the chart
data, and the warnings shown to staff only. Rendered on its own, as the profile page renders it."""

import json
from datetime import date
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import translation

from core.periods import add_months
from enterprises.models import MonthlyFigure, WarningLevel
from enterprises.services.warnings import warning_flag, warnings_refresh


@pytest.fixture(autouse=True)
def in_english(settings):
    """The assertions read the English messages; the site's default language is Chinese."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


PANEL = Template("{% load figures_panels %}{% figures_panel enterprise %}")


def render(user, enterprise) -> str:
    request = RequestFactory().get(f"/enterprises/{enterprise.pk}/")
    request.user = user
    return PANEL.render(Context({"user": user, "enterprise": enterprise, "request": request, "csrf_token": "t"}))


def chart_data(html: str, enterprise) -> dict:
    marker = f'<script id="figures-chart-data-{enterprise.pk}" type="application/json">'
    start = html.index(marker) + len(marker)
    return json.loads(html[start : html.index("</script>", start)])


@pytest.fixture
def reported(county):
    """30 months of ent_a's figures up to October 2026, a loss this year, and an office flag."""
    MonthlyFigure.objects.bulk_create(
        MonthlyFigure(
            enterprise=county.ent_a,
            period=add_months(date(2026, 10, 1), -back),
            revenue=Decimal(100 + back),
            total_profit=Decimal(-1),
            employees=50,
        )
        for back in range(30)
    )
    warnings_refresh()
    warning_flag(actor=county.office_user, enterprise=county.ent_a, level=WarningLevel.BLUE, reason="安全生产检查")
    return county.ent_a


def test_staff_see_indicators_charts_and_warnings(county, reported):
    html = render(county.town_a_handler, reported)
    assert "2026-10" in html and 'data-testid="panel-loss-making"' in html
    assert 'data-testid="panel-warnings"' in html and "安全生产检查" in html and "-10.0" in html
    assert "figures-profile.js" in html and "echarts.min.js" in html
    assert f"/enterprises/{reported.pk}/figures/" in html
    assert "/warnings/flag/" not in html  # flagging is the office's


def test_the_chart_holds_the_last_24_months(county, reported):
    data = chart_data(render(county.office_user, reported), reported)
    assert data["months"][0] == "2024-11" and data["months"][-1] == "2026-10" and len(data["months"]) == 24
    assert data["revenue"][-1] == 100.0 and data["revenue"][0] == 123.0
    assert data["electricity"] == [None] * 24 and data["employees"][-1] == 50.0


def test_the_office_gets_the_flag_form_and_resolve_links(county, reported):
    html = render(county.office_user, reported)
    assert f"/enterprises/{reported.pk}/warnings/flag/" in html and "/resolve/" in html


@pytest.mark.parametrize("username", ["ent_a_user", "ent_a_colleague"])
def test_enterprise_users_never_see_warnings(county, reported, username):
    html = render(getattr(county, username), reported)
    assert "2026-10" in html  # their own figures, yes
    assert "安全生产检查" not in html and "panel-warnings" not in html and "Early warnings" not in html


def test_no_figures_yet(county):
    html = render(county.office_user, county.ent_b)
    assert "No figures have been reported yet." in html and "figures-chart-data" not in html


def test_query_count_does_not_grow(county, reported, django_assert_num_queries):
    # latest month, the 24 months, open warnings, entry right (the office's scope check)
    with django_assert_num_queries(4):
        render(county.office_user, reported)
    for i in range(5):
        warning_flag(actor=county.office_user, enterprise=reported, level=WarningLevel.ORANGE, reason=f"关注{i}")
    with django_assert_num_queries(4):
        render(county.office_user, reported)
