"""The office's callback pages: the calls to make with the enterprise's phone, the resolved cases to call back,
drawing a spot-check sample, recording a call (planned or not), the calls made in a period with the share of
spot checks confirmed; other roles get 403; messages next to the field with what was typed kept; pinned
queries."""

from datetime import date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from cases.models import Callback, Case
from cases.selectors.callbacks import working_days_before
from cases.services import review

pytest_plugins = ["cases.tests.test_common_support"]

LIST = reverse("callback_list")
SAMPLE = reverse("callback_sample")
TODAY = timezone.localdate()


def sample(county, count=10, **extra):
    return review.spot_check_sample(
        actor=county.office_user,
        count=count,
        resolved_from=TODAY - timedelta(days=400),
        resolved_to=TODAY,
        seed=1,
        **extra,
    )


def long_ago(days=4) -> datetime:
    return working_days_before(timezone.now(), days)


@pytest.mark.parametrize("username", ["gxj_head", "gxj_handler", "auditor", "leader", "ent_a"])
def test_the_pages_are_the_offices(county, login, resolved_case, username):
    case = resolved_case()
    [callback] = sample(county)
    client = login(User.objects.get(username=username))
    assert client.get(LIST).status_code == 403
    assert client.post(SAMPLE, {"sample-count": 1}).status_code == 403
    assert client.get(reverse("callback_record", args=[callback.pk])).status_code == 403
    assert client.post(reverse("callback_record", args=[callback.pk]), {"reached": "yes"}).status_code == 403
    assert client.post(reverse("callback_record_case", args=[case.pk]), {"reached": "yes"}).status_code == 403
    callback.refresh_from_db()
    assert callback.status == "planned" and Callback.objects.count() == 1


def test_calls_to_make_show_the_enterprises_phone(county, login, resolved_case, make_enterprise):
    enterprise, _user = make_enterprise(1, phone="13912345678")
    with_own_contact = resolved_case(enterprise, contact_name="张经理", contact_phone="13700001111")
    from_registry = resolved_case(enterprise)
    sample(county)
    response = login(county.office_user).get(LIST)
    assert response.status_code == 200
    rows = {cb.case_id: cb for cb in response.context["planned"]}
    assert (rows[with_own_contact.pk].contact_name, rows[with_own_contact.pk].contact_phone) == (
        "张经理",
        "13700001111",
    )
    assert (rows[from_registry.pk].contact_name, rows[from_registry.pk].contact_phone) == ("联系人1", "13912345678")
    content = response.content.decode()
    assert 'href="tel:13912345678"' in content and content.count('data-testid="record-planned"') == 2


def test_resolved_cases_unrated_for_more_than_three_working_days_are_to_call_back(county, login, resolved_case):
    due = resolved_case(resolved_at=long_ago(4))
    resolved_case(resolved_at=long_ago(2))  # not yet
    rated = resolved_case(resolved_at=long_ago(5))
    review.case_rate(actor=county.ent_a_user, case_id=rated.pk, rating="satisfied")
    planned = resolved_case(resolved_at=long_ago(5))
    Callback.objects.create(case=planned, spot_check=True, planned_at=timezone.now())
    response = login(county.office_user).get(LIST)
    assert [c.pk for c in response.context["to_call"]] == [due.pk]
    assert 'data-testid="record-due"' in response.content.decode()


def test_draw_a_sample(county, login, resolved_case):
    cases = [resolved_case() for _ in range(3)]
    response = login(county.office_user).post(
        SAMPLE,
        {
            "sample-count": 2,
            "sample-resolved_from": TODAY.isoformat(),
            "sample-resolved_to": TODAY.isoformat(),
            "sample-unit": county.gxj.pk,
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == LIST
    drawn = Callback.objects.filter(spot_check=True, status="planned")
    assert drawn.count() == 2 and set(drawn.values_list("case_id", flat=True)) <= {c.pk for c in cases}
    assert "2 spot checks planned" in response.content.decode()
    # One left: asking for five draws it and says so.
    more = login(county.office_user).post(
        SAMPLE,
        {"sample-count": 5, "sample-resolved_from": TODAY.isoformat(), "sample-resolved_to": TODAY.isoformat()},
        follow=True,
    )
    assert "Only 1 cases were left" in more.content.decode() and drawn.count() == 3


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"sample-count": "0"}, "count"),
        ({"sample-count": "501"}, "count"),
        ({"sample-count": "x"}, "count"),
        ({"sample-resolved_from": "2026-13-01"}, "resolved_from"),
        ({"sample-resolved_from": "2026-03-31", "sample-resolved_to": "2026-03-01"}, "resolved_to"),
        ({"sample-unit": "99999"}, "unit"),
    ],
)
def test_sample_refusals_come_back_next_to_the_field(county, login, resolved_case, data, field):
    resolved_case()
    posted = {
        "sample-count": "5",
        "sample-resolved_from": "2026-01-01",
        "sample-resolved_to": TODAY.isoformat(),
        **data,
    }
    response = login(county.office_user).post(SAMPLE, posted)
    assert response.status_code == 200
    content = response.content.decode()
    assert f'data-testid="error-{field}"' in content
    assert f'value="{posted["sample-resolved_from"]}"' in content or field == "resolved_from"
    assert not Callback.objects.exists()


def test_a_sample_of_an_empty_period_says_so(county, login, resolved_case):
    resolved_case()
    response = login(county.office_user).post(
        SAMPLE, {"sample-count": 3, "sample-resolved_from": "2020-01-01", "sample-resolved_to": "2020-12-31"}
    )
    assert response.status_code == 200 and 'data-testid="form-errors"' in response.content.decode()
    assert "left to sample" in response.content.decode()


def test_record_a_planned_spot_check(county, login, resolved_case):
    case = resolved_case()
    review.case_rate(actor=county.ent_a_user, case_id=case.pk, rating="satisfied")
    [callback] = sample(county)
    client = login(county.office_user)
    url = reverse("callback_record", args=[callback.pk])
    page = client.get(url)
    content = page.content.decode()
    assert page.status_code == 200 and "已协调银行办理续贷" in content and 'data-testid="record-form"' in content
    response = client.post(url, {"reached": "yes", "confirmed": "no", "note": "企业称尚未放款"})
    assert response.status_code == 302 and response.url == LIST
    callback.refresh_from_db()
    assert (callback.status, callback.confirmed, callback.note, callback.called_by) == (
        "done",
        False,
        "企业称尚未放款",
        county.office_user,
    )
    # Recorded once: the page says so and a second post changes nothing.
    again = client.post(url, {"reached": "no"})
    assert again.status_code == 200 and 'data-testid="already-recorded"' in again.content.decode()
    callback.refresh_from_db()
    assert callback.status == "done"


def test_a_call_on_an_unrated_case_records_the_rating(county, login, resolved_case):
    case = resolved_case(resolved_at=long_ago(4))
    client = login(county.office_user)
    url = reverse("callback_record_case", args=[case.pk])
    refused = client.post(url, {"reached": "yes", "rating": "unsatisfied", "note": ""})
    assert refused.status_code == 200 and 'data-testid="error-note"' in refused.content.decode()
    assert 'value="yes" required id="id_reached_0" checked' in refused.content.decode() or (
        'value="yes"' in refused.content.decode() and "checked" in refused.content.decode()
    )
    assert not Callback.objects.exists()
    missing = client.post(url, {"rating": "satisfied"})
    assert 'data-testid="error-reached"' in missing.content.decode()

    assert client.post(url, {"reached": "yes", "rating": "basically_satisfied"}).status_code == 302
    case.refresh_from_db()
    assert (case.state, case.rating) == (Case.State.CLOSED, "basically_satisfied")
    callback = Callback.objects.get(case=case)
    assert (callback.spot_check, callback.status, callback.rating) == (False, "done", "basically_satisfied")


def test_a_call_not_reached_keeps_the_case_waiting(county, login, resolved_case):
    case = resolved_case(resolved_at=long_ago(4))
    login(county.office_user).post(
        reverse("callback_record_case", args=[case.pk]), {"reached": "no", "rating": "satisfied"}
    )
    case.refresh_from_db()
    assert case.state == Case.State.RESOLVED and not case.rating
    assert Callback.objects.get(case=case).status == "unreachable"


def test_calling_a_case_not_resolved_is_refused(county, login, file_case):
    case = file_case()
    response = login(county.office_user).post(reverse("callback_record_case", args=[case.pk]), {"reached": "yes"})
    assert response.status_code == 200 and 'data-testid="form-errors"' in response.content.decode()
    assert not Callback.objects.exists()


def test_record_pages_outside_anything_are_404(county, login):
    client = login(county.office_user)
    assert client.get(reverse("callback_record", args=[99999])).status_code == 404
    assert client.get(reverse("callback_record_case", args=[99999])).status_code == 404


def _made(county, case, *, confirmed, status="done", spot_check=True, called_at=None):
    return Callback.objects.create(
        case=case,
        spot_check=spot_check,
        status=status,
        planned_at=timezone.now(),
        called_at=called_at or timezone.now(),
        called_by=county.office_user,
        confirmed=confirmed,
    )


def test_calls_made_in_the_period_and_the_share_confirmed(county, login, resolved_case):
    case = resolved_case()
    _made(county, case, confirmed=True)
    _made(county, case, confirmed=True)
    _made(county, case, confirmed=False)
    _made(county, case, confirmed=None, status="unreachable")
    _made(county, case, confirmed=None, spot_check=False)
    last_year = _made(county, case, confirmed=False, called_at=timezone.now() - timedelta(days=400))
    client = login(county.office_user)
    response = client.get(LIST)
    share = response.context["share"]
    assert (share.made, share.unreachable, share.confirmed, share.not_confirmed) == (4, 1, 2, 1)
    assert str(share.percent) == "66.7"
    assert 'data-testid="share-percent"' in response.content.decode() and "66.7%" in response.content.decode()
    assert last_year.pk not in [cb.pk for cb in response.context["done"]]
    assert len(response.context["done"]) == 5

    spots = client.get(LIST, {"called_from": "", "called_to": "", "kind": "spot"})
    assert len(spots.context["done"]) == 5 and spots.context["share"].made == 5
    reviews = client.get(LIST, {"kind": "review"})
    assert len(reviews.context["done"]) == 1 and reviews.context["share"].percent is None
    old = (TODAY - timedelta(days=400)).isoformat()
    only_then = client.get(LIST, {"called_from": old, "called_to": old})
    assert [cb.pk for cb in only_then.context["done"]] == [last_year.pk]


def _rows(county, resolved_case, n):
    for _ in range(n):
        planned = resolved_case()
        Callback.objects.create(case=planned, spot_check=True, planned_at=timezone.now())
        resolved_case(resolved_at=long_ago(4))
        _made(county, resolved_case(), confirmed=True)


def test_list_queries_are_pinned(county, login, resolved_case, django_assert_num_queries):
    _rows(county, resolved_case, 2)
    client = login(county.office_user)
    client.get(LIST)
    # Session, user, roles; planned: count, page; to call back: count, page; made: count, page; the share;
    # the sample form's units; the layout's calendar warning and the user's unit.
    with django_assert_num_queries(13):
        response = client.get(LIST)
    assert [len(response.context[k]) for k in ("planned", "to_call", "done")] == [2, 2, 2]
    _rows(county, resolved_case, 4)
    with django_assert_num_queries(13):
        response = client.get(LIST)
    assert [len(response.context[k]) for k in ("planned", "to_call", "done")] == [6, 6, 6]


def test_working_days_before_is_the_inverse_of_adding_them(county):
    from core import workdays

    for moment in [
        datetime(2026, 10, 9, 10, 0, tzinfo=workdays.local_zone()),  # the Friday after National Day
        datetime(2026, 2, 24, 9, 30, tzinfo=workdays.local_zone()),  # after the Spring Festival
        datetime(2026, 3, 2, 0, 0, tzinfo=workdays.local_zone()),  # a Monday's midnight, after a make-up Saturday
    ]:
        earlier = working_days_before(moment, 3)
        assert workdays.working_time_between(earlier, moment) == timedelta(days=3)
        if workdays.is_workday(moment.date()) and moment.time() != datetime.min.time():
            assert workdays.add_working_days(earlier, 3) == moment
    assert working_days_before(datetime(2026, 3, 5, 10, 0, tzinfo=workdays.local_zone()), 3).date() == date(2026, 3, 2)
