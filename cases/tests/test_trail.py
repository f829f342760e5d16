"""The trail is append-only and hash-chained: an edit, a deletion or an insertion is found, and the command
names the first broken link."""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from cases.models import Case, CaseEvent
from cases.services import handling
from cases.services.trail import verify_trail


@pytest.fixture
def handled_case(county, assigned_case):
    handling.case_accept(actor=county.gxj_handler, case_id=assigned_case.pk)
    handling.case_progress(actor=county.gxj_handler, case_id=assigned_case.pk, note="已与银行对接")
    assigned_case.refresh_from_db()
    return assigned_case


def test_each_event_links_to_the_one_before(handled_case):
    events = list(handled_case.events.order_by("seq"))
    assert [e.seq for e in events] == [1, 2, 3, 4]
    assert events[0].prev_hash == CaseEvent.GENESIS
    for before, after in zip(events, events[1:], strict=False):
        assert after.prev_hash == before.hash
    assert handled_case.trail_head == events[-1].hash and handled_case.event_count == 4
    assert all(e.hash == e.compute_hash() for e in events)


def test_events_refuse_update_and_delete(handled_case):
    event = handled_case.events.first()
    event.payload = {"forged": True}
    with pytest.raises(ValidationError):
        event.save()
    with pytest.raises(ValidationError):
        event.delete()


def test_verify_passes_on_an_intact_trail(handled_case, capsys):
    assert list(verify_trail()) == []
    call_command("verify_trail")
    assert "1 case trails verified" in capsys.readouterr().out


def test_an_edited_event_is_named(handled_case):
    third = handled_case.events.get(seq=3)
    # What a person with database access could do: rewrite the content behind the model's back.
    CaseEvent.objects.filter(pk=third.pk).update(payload={"role": "co"})
    broken = list(verify_trail())
    assert len(broken) == 1 and broken[0].seq == 3 and "changed" in broken[0].reason
    with pytest.raises(CommandError, match="1 of 1"):
        call_command("verify_trail", handled_case.number)


def test_a_rehashed_edit_breaks_the_next_link(handled_case):
    second = handled_case.events.get(seq=2)
    second.payload = {**second.payload, "note": "forged"}
    CaseEvent.objects.filter(pk=second.pk).update(payload=second.payload, hash=second.compute_hash())
    broken = list(verify_trail())
    assert broken[0].seq == 3 and "follow" in broken[0].reason


def test_a_deleted_event_in_the_middle_is_named(handled_case):
    CaseEvent.objects.filter(case=handled_case, seq=2)._raw_delete(CaseEvent.objects.db)
    broken = list(verify_trail())
    assert broken[0].seq == 2 and "missing" in broken[0].reason


def test_a_deleted_last_event_shows_against_the_case_head(handled_case):
    CaseEvent.objects.filter(case=handled_case, seq=4)._raw_delete(CaseEvent.objects.db)
    broken = list(verify_trail())
    assert broken[0].seq is None and "4 events" in broken[0].reason


def test_only_the_broken_case_is_reported(county, handled_case, file_case):
    other = file_case(enterprise=county.ent_b, actor=county.ent_b_user)
    CaseEvent.objects.filter(case=other, seq=1).update(kind="closed")
    broken = list(verify_trail())
    assert [b.case_id for b in broken] == [other.pk]
    assert Case.objects.count() == 2
