"""The event services: who may write (the office any event; a unit head or handler the events of their unit
and the units below it; 403 for the rest; 404 out of scope), and the rules with their messages (dates,
statuses, amounts, people, participants, deleting and cancelling only what nothing was recorded on)."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from chains.models import Event, EventOutcome, EventParticipant, IndustryChain
from chains.services import events as services
from chains.tests.test_events_support import Kind, Status, future, invite, make_event, past, today

pytest_plugins = ["chains.tests.test_events_support"]
pytestmark = pytest.mark.usefixtures("english")


def messages_of(error) -> dict:
    return error.value.message_dict


def create(actor, organizer, **extra):
    fields = {"kind": Kind.SALES, "title": "产销对接会", "organizer": organizer.pk, "held_on": past(), **extra}
    return services.event_create(actor=actor, **fields)


# Who may write ---------------------------------------------------------------------------------------------


def test_the_office_organizes_for_any_unit(county):
    event = create(county.office_user, county.town_b_gov, place="雀塘镇政府", description="产销")
    assert (event.organizer, event.status, event.created_by) == (county.town_b_gov, Status.PLANNED, county.office_user)


def test_a_unit_user_organizes_for_their_unit_and_the_units_below(county):
    assert create(county.gxj_handler, county.gxj).organizer == county.gxj
    assert create(county.gxj_head, county.gxj_sme).organizer == county.gxj_sme
    with pytest.raises(ValidationError) as error:
        create(county.sme_handler, county.gxj)  # the unit above is not theirs
    assert messages_of(error) == {
        "organizer": ["You may organize events for your own unit or the units below it only."]
    }
    with pytest.raises(ValidationError):
        create(county.town_a_handler, county.town_b_gov)


@pytest.mark.parametrize("who", ["leader", "cadre", "auditor", "ent_a_user"])
def test_other_roles_do_not_organize_events(county, who):
    with pytest.raises(PermissionDenied):
        create(getattr(county, who), county.office)
    assert not Event.objects.exists()


def test_changing_an_event_needs_its_organizer_or_a_unit_above(county):
    event = make_event(county, organizer=county.gxj_sme)
    services.event_update(actor=county.gxj_handler, event_id=event.pk, title="中小企业产销对接")
    services.event_update(actor=county.sme_handler, event_id=event.pk, place="工信局三楼")
    services.event_update(actor=county.office_user, event_id=event.pk, description="县助企办参加")
    event.refresh_from_db()
    assert (event.title, event.place, event.description) == ("中小企业产销对接", "工信局三楼", "县助企办参加")
    for outsider in (county.fgj_handler, county.town_a_handler, county.leader, county.auditor):
        with pytest.raises(PermissionDenied):
            services.event_update(actor=outsider, event_id=event.pk, title="改")
    # An enterprise that was not invited does not even see it.
    with pytest.raises(Http404):
        services.event_update(actor=county.ent_a_user, event_id=event.pk, title="改")
    invite(event, county.ent_a)
    with pytest.raises(PermissionDenied):
        services.event_update(actor=county.ent_a_user, event_id=event.pk, title="改")


def test_moving_an_event_to_a_unit_outside_the_actors_tree_is_refused(county):
    event = make_event(county, organizer=county.gxj)
    with pytest.raises(ValidationError) as error:
        services.event_update(actor=county.gxj_head, event_id=event.pk, organizer=county.fgj.pk)
    assert "organizer" in messages_of(error)
    assert Event.objects.get(pk=event.pk).organizer == county.gxj


# Fields ----------------------------------------------------------------------------------------------------


def test_missing_and_bad_fields_are_named(county):
    with pytest.raises(ValidationError) as error:
        services.event_create(actor=county.office_user, title="  ", kind="party", held_on="3 May", organizer="x")
    assert messages_of(error) == {
        "kind": ["Unknown kind of event “party”."],
        "title": ["This field is required."],
        "organizer": ["Choose the organizing unit from the list."],
        "held_on": ["Enter a date as YYYY-MM-DD."],
    }
    with pytest.raises(ValidationError) as error:
        services.event_create(actor=county.office_user)
    assert set(messages_of(error)) == {"kind", "title", "organizer", "held_on"}
    with pytest.raises(ValidationError) as error:
        create(county.office_user, county.office, title="长" * 121, chain=999999, held_on="1899-01-01")
    assert set(messages_of(error)) == {"title", "chain", "held_on"}
    assert not Event.objects.exists()


def test_an_event_may_be_on_a_chain(county):
    chain = IndustryChain.objects.create(name="新式茶饮")
    event = create(county.office_user, county.office, chain=chain.pk)
    assert event.chain == chain
    services.event_update(actor=county.office_user, event_id=event.pk, chain=None)
    assert Event.objects.get(pk=event.pk).chain is None


def test_unknown_fields_are_refused(county):
    with pytest.raises(ValidationError, match="Unknown fields: status"):
        create(county.office_user, county.office, status="held")


# Held, cancelled, deleted ---------------------------------------------------------------------------------


def test_marking_held_needs_the_date_to_have_come_and_a_summary(county):
    coming = make_event(county, held_on=future())
    with pytest.raises(ValidationError) as error:
        services.event_mark_held(actor=county.office_user, event_id=coming.pk, summary="开得很好")
    assert "has not come yet" in messages_of(error)["held_on"][0]
    gone = make_event(county, held_on=past())
    with pytest.raises(ValidationError) as error:
        services.event_mark_held(actor=county.office_user, event_id=gone.pk, summary="  ")
    assert messages_of(error) == {"summary": ["Say what came of the event."]}
    services.event_mark_held(actor=county.office_user, event_id=gone.pk, summary="签约3项")
    gone.refresh_from_db()
    assert (gone.status, gone.summary) == (Status.HELD, "签约3项")
    with pytest.raises(ValidationError, match="marked held already"):
        services.event_mark_held(actor=county.office_user, event_id=gone.pk, summary="再来")
    today_event = make_event(county, held_on=today())
    services.event_mark_held(actor=county.office_user, event_id=today_event.pk, summary="当天")


def test_a_held_event_keeps_its_date_out_of_the_future_and_its_summary(county):
    event = make_event(county, status=Status.HELD, summary="好")
    with pytest.raises(ValidationError) as error:
        services.event_update(actor=county.office_user, event_id=event.pk, held_on=future())
    assert messages_of(error) == {"held_on": ["This event was held: its date cannot lie in the future."]}
    with pytest.raises(ValidationError) as error:
        services.event_update(actor=county.office_user, event_id=event.pk, summary="")
    assert messages_of(error) == {"summary": ["Say what came of the event."]}
    services.event_update(actor=county.office_user, event_id=event.pk, summary="签约两项")
    assert Event.objects.get(pk=event.pk).summary == "签约两项"
    planned = make_event(county)
    with pytest.raises(ValidationError) as error:
        services.event_update(actor=county.office_user, event_id=planned.pk, summary="提前写")
    assert "summary" in messages_of(error)


def test_cancelling(county):
    event = make_event(county, held_on=future())
    services.event_cancel(actor=county.office_user, event_id=event.pk, reason="台风")
    event.refresh_from_db()
    assert (event.status, event.summary) == (Status.CANCELLED, "台风")
    with pytest.raises(ValidationError, match="Only a planned event can be cancelled"):
        services.event_cancel(actor=county.office_user, event_id=event.pk)
    with pytest.raises(ValidationError, match="cancelled: it changes no more"):
        services.event_update(actor=county.office_user, event_id=event.pk, title="改")
    with pytest.raises(ValidationError, match="cancelled"):
        services.participants_invite(actor=county.office_user, event_id=event.pk, enterprise_ids=[county.ent_a.pk])


def test_an_event_with_attendance_is_not_cancelled(county):
    event = make_event(county)
    invite(event, county.ent_a, attended=True)
    with pytest.raises(ValidationError, match="mark it held instead"):
        services.event_cancel(actor=county.office_user, event_id=event.pk)
    assert Event.objects.get(pk=event.pk).status == Status.PLANNED


def test_deleting_only_a_planned_event_with_nothing_recorded(county):
    empty = make_event(county)
    services.event_delete(actor=county.office_user, event_id=empty.pk)
    assert not Event.objects.filter(pk=empty.pk).exists()
    invited = make_event(county)
    invite(invited, county.ent_a)
    with pytest.raises(ValidationError, match="cancel it instead"):
        services.event_delete(actor=county.office_user, event_id=invited.pk)
    held = make_event(county, status=Status.HELD, summary="好")
    with pytest.raises(ValidationError, match="Only a planned event can be deleted"):
        services.event_delete(actor=county.office_user, event_id=held.pk)
    mine = make_event(county, organizer=county.gxj)
    with pytest.raises(PermissionDenied):
        services.event_delete(actor=county.fgj_handler, event_id=mine.pk)
    services.event_delete(actor=county.gxj_handler, event_id=mine.pk)
    assert set(Event.objects.values_list("pk", flat=True)) == {invited.pk, held.pk}


# Participants and attendance ------------------------------------------------------------------------------


def test_inviting_enterprises_in_scope(county):
    event = make_event(county, organizer=county.gxj, held_on=future())
    added = services.participants_invite(
        actor=county.office_user, event_id=event.pk, enterprise_ids=[county.ent_a.pk, str(county.ent_b.pk)]
    )
    assert {p.enterprise_id for p in added} == {county.ent_a.pk, county.ent_b.pk}
    # Again, with one more: only the new one is added.
    again = services.participants_invite(
        actor=county.office_user, event_id=event.pk, enterprise_ids=[county.ent_a.pk, county.ent_c.pk]
    )
    assert [p.enterprise_id for p in again] == [county.ent_c.pk]
    assert event.participants.count() == 3 and not event.participants.filter(attended=True).exists()


def test_a_unit_user_invites_only_enterprises_in_their_scope(county):
    event = make_event(county, organizer=county.gxj_sme, held_on=future())
    # 中小企业股 leads ent_c's linkage this year: in its scope. ent_b is not.
    services.participants_invite(actor=county.sme_handler, event_id=event.pk, enterprise_ids=[county.ent_c.pk])
    with pytest.raises(ValidationError) as error:
        services.participants_invite(actor=county.sme_handler, event_id=event.pk, enterprise_ids=[county.ent_b.pk])
    assert messages_of(error) == {"enterprise": [f"No enterprise with id {county.ent_b.pk} in your scope."]}
    with pytest.raises(ValidationError) as error:
        services.participants_invite(actor=county.sme_handler, event_id=event.pk, enterprise_ids=[])
    assert messages_of(error) == {"enterprise": ["Choose at least one enterprise."]}
    with pytest.raises(ValidationError):
        services.participants_invite(actor=county.sme_handler, event_id=event.pk, enterprise_ids=["abc"])
    assert list(event.participants.values_list("enterprise_id", flat=True)) == [county.ent_c.pk]


def test_walk_ins_attend_and_need_the_date_to_have_come(county):
    coming = make_event(county, held_on=future())
    with pytest.raises(ValidationError, match="has not come yet"):
        services.participants_invite(
            actor=county.office_user, event_id=coming.pk, enterprise_ids=[county.ent_a.pk], walk_in=True
        )
    gone = make_event(county, held_on=past())
    (walk_in,) = services.participants_invite(
        actor=county.office_user, event_id=gone.pk, enterprise_ids=[county.ent_a.pk], walk_in=True
    )
    assert (walk_in.invited, walk_in.attended) == (False, True)


def test_recording_attendance(county):
    event = make_event(county)
    invite(event, county.ent_a, county.ent_b)
    services.attendance_record(
        actor=county.office_user,
        event_id=event.pk,
        rows=[
            {"enterprise_id": county.ent_a.pk, "attended": True, "attendee": "张总"},
            {"enterprise_id": county.ent_b.pk, "attended": False, "attendee": "不该留"},
        ],
    )
    rows = {p.enterprise_id: (p.attended, p.attendee) for p in event.participants.all()}
    assert rows == {county.ent_a.pk: (True, "张总"), county.ent_b.pk: (False, "")}
    with pytest.raises(ValidationError) as error:
        services.attendance_record(
            actor=county.office_user, event_id=event.pk, rows=[{"enterprise_id": county.ent_c.pk, "attended": True}]
        )
    assert "not on this event's list" in messages_of(error)["enterprise"][0]
    with pytest.raises(ValidationError) as error:
        services.attendance_record(
            actor=county.office_user,
            event_id=event.pk,
            rows=[{"enterprise_id": county.ent_a.pk, "attended": True, "attendee": "长" * 61}],
        )
    assert "attendee" in messages_of(error)


def test_attendance_waits_for_the_date(county):
    event = make_event(county, held_on=future())
    invite(event, county.ent_a)
    with pytest.raises(ValidationError, match="has not come yet"):
        services.attendance_record(
            actor=county.office_user, event_id=event.pk, rows=[{"enterprise_id": county.ent_a.pk, "attended": True}]
        )


def test_an_enterprise_with_outcomes_stays_attending_and_on_the_list(county):
    event = make_event(county)
    (participant,) = invite(event, county.ent_a, attended=True)
    services.outcome_add(
        actor=county.office_user, event_id=event.pk, kind="hires", enterprise_id=county.ent_a.pk, people=5
    )
    with pytest.raises(ValidationError) as error:
        services.attendance_record(
            actor=county.office_user, event_id=event.pk, rows=[{"enterprise_id": county.ent_a.pk, "attended": False}]
        )
    assert "it attended" in messages_of(error)["attended"][0]
    with pytest.raises(ValidationError, match="stays on the list"):
        services.participant_remove(actor=county.office_user, participant_id=participant.pk)
    (other,) = invite(event, county.ent_b)
    services.participant_remove(actor=county.office_user, participant_id=other.pk)
    assert list(event.participants.values_list("enterprise_id", flat=True)) == [county.ent_a.pk]


# Outcomes --------------------------------------------------------------------------------------------------


def test_outcomes_of_each_kind(county):
    event = make_event(county, status=Status.HELD, summary="好")
    invite(event, county.ent_a, county.ent_b, attended=True)
    add = lambda **kw: services.outcome_add(actor=county.office_user, event_id=event.pk, **kw)  # noqa: E731
    agreement = add(kind="agreement", enterprise_id=county.ent_a.pk, amount="1500.5", description="茶叶购销协议")
    loan = add(kind="loan", enterprise_id=county.ent_b.pk, amount=Decimal(300))
    hires = add(kind="hires", enterprise_id=county.ent_a.pk, people="12")
    other = add(kind="other", description="意向合作2项")
    assert (agreement.amount, loan.amount, hires.people, other.enterprise) == (
        Decimal("1500.5"),
        Decimal(300),
        12,
        None,
    )
    assert agreement.recorded_by == county.office_user
    assert event.outcomes.count() == 4


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"kind": "agreement"}, {"amount": ["Enter the amount (10k yuan) of the agreement or loan."]}),
        ({"kind": "loan", "amount": "-5"}, {"amount": ["The amount must be more than 0."]}),
        ({"kind": "loan", "amount": "abc"}, {"amount": ["Enter an amount in 10k yuan, e.g. 150 or 12.5."]}),
        (
            {"kind": "agreement", "amount": "1.234"},
            {"amount": ["Give the amount to at most 2 decimal places (10k yuan)."]},
        ),
        (
            {"kind": "agreement", "amount": "10", "people": 3},
            {"people": ["An agreement or a loan is counted in money, not people."]},
        ),
        ({"kind": "hires"}, {"people": ["Enter how many people were hired."]}),
        ({"kind": "hires", "people": 0}, {"people": ["Enter a number from 1 to 1000000."]}),
        ({"kind": "hires", "people": 3, "amount": "5"}, {"amount": ["Hires are counted in people, not money."]}),
        ({"kind": "other"}, {"description": ["Describe the outcome."]}),
        ({"kind": "gift"}, {"kind": ["Choose what kind of outcome it is."]}),
    ],
)
def test_outcome_rules(county, fields, expected):
    event = make_event(county)
    with pytest.raises(ValidationError) as error:
        services.outcome_add(actor=county.office_user, event_id=event.pk, **fields)
    assert messages_of(error) == expected
    assert not EventOutcome.objects.exists()


def test_the_outcome_enterprise_must_be_a_participant(county):
    event = make_event(county)
    invite(event, county.ent_a)
    with pytest.raises(ValidationError) as error:
        services.outcome_add(
            actor=county.office_user, event_id=event.pk, kind="loan", amount=100, enterprise_id=county.ent_b.pk
        )
    assert messages_of(error) == {"enterprise": ["The enterprise of an outcome must be a participant of the event."]}


def test_outcomes_wait_for_the_date_and_stop_at_cancelling(county):
    coming = make_event(county, held_on=future())
    with pytest.raises(ValidationError, match="has not come yet"):
        services.outcome_add(actor=county.office_user, event_id=coming.pk, kind="other", description="x")
    cancelled = make_event(county, status=Status.CANCELLED)
    with pytest.raises(ValidationError, match="cancelled"):
        services.outcome_add(actor=county.office_user, event_id=cancelled.pk, kind="other", description="x")


def test_deleting_an_outcome_needs_the_organizer(county):
    event = make_event(county, organizer=county.town_a_gov)
    outcome = services.outcome_add(actor=county.town_a_handler, event_id=event.pk, kind="other", description="x")
    with pytest.raises(PermissionDenied):
        services.outcome_delete(actor=county.fgj_handler, outcome_id=outcome.pk)
    services.outcome_delete(actor=county.town_a_handler, outcome_id=outcome.pk)
    assert not EventOutcome.objects.exists()


def test_the_enterprise_user_sees_only_its_own_rows(county):
    from accounts.scope import scoped

    event = make_event(county)
    invite(event, county.ent_a, county.ent_b, attended=True)
    services.outcome_add(
        actor=county.office_user, event_id=event.pk, kind="hires", enterprise_id=county.ent_a.pk, people=2
    )
    services.outcome_add(
        actor=county.office_user, event_id=event.pk, kind="hires", enterprise_id=county.ent_b.pk, people=3
    )
    user = county.ent_a_user
    assert list(scoped(user, Event.objects.all())) == [event]
    assert [p.enterprise_id for p in scoped(user, EventParticipant.objects.all())] == [county.ent_a.pk]
    assert [o.people for o in scoped(user, EventOutcome.objects.all())] == [2]
    assert not scoped(county.ent_b_user, Event.objects.exclude(pk=event.pk)).exists()
