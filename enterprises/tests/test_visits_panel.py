"""The visits panel of the enterprise profile."""

import datetime as dt

from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from enterprises.models import Visit
from enterprises.services.visits import visit_record


def render_panel(user, enterprise):
    return Template("{% load visits_panels %}{% visits_panel enterprise %}").render(
        Context({"user": user, "enterprise": enterprise})
    )


def record(county, days_ago, problems=()):
    return visit_record(
        actor=county.cadre,
        enterprise=county.ent_c,
        visited_on=timezone.localdate() - dt.timedelta(days=days_ago),
        mode=Visit.Mode.ONSITE,
        met_with=f"第{days_ago}天",
        problems=list(problems),
    )


def test_the_latest_ten_visits_with_their_problems(county):
    for days_ago in range(12):
        record(county, days_ago, problems=[f"问题{days_ago}"])
    html = render_panel(county.cadre, county.ent_c)
    assert html.count('data-testid="panel-visit"') == 10
    assert "问题0" in html and "问题9" in html and "问题10" not in html
    assert f"{reverse('visit_list')}?enterprise={county.ent_c.pk}" in html


def test_the_record_button_is_for_those_who_may_record(county, make_user):
    ent_c_user = make_user("ent_c", Role.ENTERPRISE, enterprise=county.ent_c)
    record(county, 0, problems=["招工难"])
    button = f"{reverse('visit_create')}?enterprise={county.ent_c.pk}"
    assert button in render_panel(county.cadre, county.ent_c)
    assert button not in render_panel(county.auditor, county.ent_c)
    html = render_panel(ent_c_user, county.ent_c)
    assert button not in html and "招工难" in html


def test_no_visits_yet(county):
    assert 'data-testid="visits-none"' in render_panel(county.cadre, county.ent_c)


def test_the_panel_takes_two_queries(county, django_assert_num_queries):
    for days_ago in range(3):
        record(county, days_ago, problems=["一", "二"])
    render_panel(county.cadre, county.ent_c)  # caches the viewer's roles
    # the visits (visitor, unit joined), their problems
    with django_assert_num_queries(2):
        render_panel(county.cadre, county.ent_c)
