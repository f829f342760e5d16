"""A case raised at an event flows into the normal lifecycle: filed through cases.services.intake (channel
reception_day at a reception day, office otherwise), linked to the event in the same transaction, waiting in
the office's new cases with its SUBMITTED trail event; the event's page lists it with its state as it moves.
Only the office raises cases (the intake channels are the office's); the enterprise must have attended."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from cases.models import Case, CaseEvent
from cases.selectors.lists import case_filter
from cases.services.dispatch import case_assign
from chains.services import events as services
from chains.tests.test_events_support import Kind, category, future, invite, make_event

pytest_plugins = ["chains.tests.test_events_support"]
pytestmark = pytest.mark.usefixtures("english")


def raise_case(county, event, enterprise=None, actor=None, **extra):
    fields = {
        "title": "用电增容难",
        "description": "新厂房需要增容到800千伏安，供电所说排队半年。",
        "category_id": category().pk,
        **extra,
    }
    return services.event_raise_case(
        actor=actor or county.office_user, event_id=event.pk, enterprise_id=(enterprise or county.ent_a).pk, **fields
    )


def test_a_case_raised_at_a_reception_day_flows_into_the_lifecycle(county, login):
    event = make_event(county, kind=Kind.RECEPTION_DAY, title="12月企业家接待日")
    invite(event, county.ent_a, attended=True, attendee="张总")
    case = raise_case(county, event)

    assert (case.state, case.channel, case.enterprise, case.submitted_by) == (
        Case.State.SUBMITTED,
        Case.Channel.RECEPTION_DAY,
        county.ent_a,
        county.office_user,
    )
    assert case.contact_name == "张总"  # who came, unless another contact is given
    assert list(event.cases.all()) == [case] and list(case.raised_at_events.all()) == [event]
    submitted = CaseEvent.objects.get(case=case, kind=CaseEvent.Kind.SUBMITTED)
    assert submitted.payload["channel"] == "reception_day" and submitted.actor == county.office_user
    # It waits in the office's new-case queue, like any case filed at the desk.
    assert list(case_filter(user=county.office_user, queue="new")) == [case]

    client = login(county.office_user)
    page = client.get(reverse("event_detail", args=[event.pk])).content.decode()
    assert f'data-case="{case.pk}" data-state="submitted"' in page and case.number in page

    # The normal lifecycle moves it on, and the event's page follows.
    case_assign(actor=county.office_user, case_id=case.pk, lead_unit_id=county.gxj.pk)
    page = client.get(reverse("event_detail", args=[event.pk])).content.decode()
    assert f'data-case="{case.pk}" data-state="assigned"' in page and "县工信局" in page
    # The enterprise sees its own case on the event's page; the unit it was assigned to sees it there too.
    page = login(county.ent_a_user).get(reverse("event_detail", args=[event.pk])).content.decode()
    assert f'data-case="{case.pk}"' in page
    page = login(county.gxj_handler).get(reverse("event_detail", args=[event.pk])).content.decode()
    assert f'data-case="{case.pk}"' in page


def test_at_other_kinds_the_case_comes_in_through_the_office_channel(county):
    event = make_event(county, kind=Kind.FINANCE)
    invite(event, county.ent_b, attended=True)
    case = raise_case(county, event, county.ent_b, contact_name="李会计", contact_phone="13800000000")
    assert (case.channel, case.contact_name, case.contact_phone) == (Case.Channel.OFFICE, "李会计", "13800000000")


@pytest.mark.parametrize("who", ["gxj_head", "gxj_handler", "leader", "cadre", "auditor"])
def test_only_the_office_raises_cases(county, who):
    event = make_event(county, organizer=county.gxj, kind=Kind.RECEPTION_DAY)
    invite(event, county.ent_a, attended=True)
    with pytest.raises(PermissionDenied, match="Only the coordinating office files cases"):
        raise_case(county, event, actor=getattr(county, who))
    assert not Case.objects.exists()


def test_the_enterprise_must_have_attended(county):
    event = make_event(county, kind=Kind.RECEPTION_DAY)
    invite(event, county.ent_a)  # invited, did not come
    with pytest.raises(ValidationError) as error:
        raise_case(county, event)
    assert error.value.message_dict == {
        "enterprise": ["Choose an enterprise that attended the event (record its attendance first)."]
    }
    with pytest.raises(ValidationError):
        raise_case(county, event, county.ent_c)  # not on the list at all
    assert not Case.objects.exists()


def test_not_before_the_event_nor_at_a_cancelled_one(county):
    coming = make_event(county, kind=Kind.RECEPTION_DAY, held_on=future())
    with pytest.raises(ValidationError, match="has not come yet"):
        raise_case(county, coming)
    cancelled = make_event(county, status="cancelled")
    with pytest.raises(ValidationError, match="cancelled"):
        raise_case(county, cancelled)


def test_a_bad_case_leaves_nothing_behind(county):
    event = make_event(county, kind=Kind.RECEPTION_DAY)
    invite(event, county.ent_a, attended=True)
    with pytest.raises(ValidationError) as error:
        raise_case(county, event, title="", category_id=None)
    assert set(error.value.message_dict) == {"title"}
    assert not Case.objects.exists() and not event.cases.exists()


# The page and the API ---------------------------------------------------------------------------------------


def test_raising_a_case_on_the_page(county, login):
    event = make_event(county, kind=Kind.RECEPTION_DAY)
    invite(event, county.ent_a, attended=True)
    invite(event, county.ent_b)  # did not come: not offered
    client = login(county.office_user)
    url = reverse("event_case_raise", args=[event.pk])
    page = client.get(url).content.decode()
    assert "湘中机械有限公司" in page and "雀塘食品有限公司" not in page
    response = client.post(url, {"enterprise": county.ent_a.pk, "title": "", "description": "x", "urgency": "normal"})
    assert response.status_code == 200
    assert (
        'data-testid="error-title"' in response.content.decode()
        and 'data-testid="error-category"' in response.content.decode()
    )
    response = client.post(
        url,
        {
            "enterprise": county.ent_a.pk,
            "title": "融资难",
            "description": "流动资金缺口500万元",
            "category": category().pk,
            "urgency": "urgent",
        },
    )
    assert response.status_code == 302
    case = event.cases.get()
    assert (case.title, case.urgency, case.channel) == ("融资难", "urgent", "reception_day")
    page = client.get(reverse("event_detail", args=[event.pk])).content.decode()
    assert case.number in page


def test_the_raise_page_is_the_offices(county, login):
    event = make_event(county, organizer=county.gxj, kind=Kind.RECEPTION_DAY)
    url = reverse("event_case_raise", args=[event.pk])
    assert login(county.gxj_head).get(url).status_code == 403
    assert login(county.ent_a_user).get(url).status_code == 404  # not invited: does not exist for it
    invite(event, county.ent_a, attended=True)
    assert login(county.ent_a_user).get(url).status_code == 403
    detail = login(county.gxj_head).get(reverse("event_detail", args=[event.pk])).content.decode()
    assert 'data-testid="event-raise-case"' not in detail
    detail = login(county.office_user).get(reverse("event_detail", args=[event.pk])).content.decode()
    assert 'data-testid="event-raise-case"' in detail


def test_raising_a_case_over_the_api(county, api):
    event = make_event(county, kind=Kind.RECEPTION_DAY)
    invite(event, county.ent_a, attended=True)
    body = {
        "enterprise_id": county.ent_a.pk,
        "title": "招工难",
        "description": "缺技工30人",
        "category_id": category().pk,
    }
    refused = api.login(county.gxj_head).post(f"events/{event.pk}/cases", body)
    assert refused.status_code == 403
    created = api.login(county.office_user).post(f"events/{event.pk}/cases", body)
    assert created.status_code == 201, created.content
    data = created.json()
    assert (data["state"], data["channel"], data["enterprise_id"]) == ("submitted", "reception_day", county.ent_a.pk)
    detail = api.get(f"events/{event.pk}").json()
    assert [(c["number"], c["state"]) for c in detail["cases"]] == [(data["number"], "submitted")]
    bad = api.post(f"events/{event.pk}/cases", {**body, "enterprise_id": county.ent_b.pk})
    assert bad.status_code == 422 and "attended the event" in bad.json()["detail"]
