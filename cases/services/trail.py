"""The trail: append one event to a case, and verify every case's hash chain.

Payloads hold JSON-native values only (str, int, bool, None, lists and dicts of them): the hash is taken
over the payload as written and must match it as the database gives it back.

append_event() must run inside the transaction of the state change it records, on a case row the caller
has locked (select_for_update), so that two events never take the same sequence number or previous hash.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Case, CaseEvent


def append_event(case: Case, kind: str, *, actor=None, unit=None, payload: dict | None = None, at=None) -> CaseEvent:
    """Write the next event of `case` and move the case's trail head to it. The case must be locked."""
    event = CaseEvent(
        case=case,
        seq=case.event_count + 1,
        kind=kind,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=str(actor)[:60] if getattr(actor, "pk", None) else "",
        unit=unit,
        unit_name=unit.name[:80] if unit is not None else "",
        created_at=at or timezone.now(),
        payload=payload or {},
        prev_hash=case.trail_head or CaseEvent.GENESIS,
    )
    event.hash = event.compute_hash()
    event.save(force_insert=True)
    case.trail_head, case.event_count = event.hash, event.seq
    Case.objects.filter(pk=case.pk).update(trail_head=event.hash, event_count=event.seq)
    return event


@dataclass(frozen=True)
class BrokenLink:
    case_id: int
    case_number: str
    seq: int | None
    reason: str

    def __str__(self):
        if self.seq is None:
            return _("case %(number)s (id %(id)s), trail head: %(reason)s") % {
                "number": self.case_number,
                "id": self.case_id,
                "reason": self.reason,
            }
        return _("case %(number)s (id %(id)s), event %(seq)s: %(reason)s") % {
            "number": self.case_number,
            "id": self.case_id,
            "seq": self.seq,
            "reason": self.reason,
        }


def verify_case(case: Case, events: list[CaseEvent]) -> BrokenLink | None:
    """The first broken link of one case's chain, or None when it holds."""
    previous = CaseEvent.GENESIS
    for expected_seq, event in enumerate(events, start=1):
        if event.seq != expected_seq:
            return BrokenLink(case.pk, case.number, expected_seq, _("event %(seq)s is missing") % {"seq": expected_seq})
        if event.prev_hash != previous:
            return BrokenLink(case.pk, case.number, event.seq, _("it does not follow the event before it"))
        if event.compute_hash() != event.hash:
            return BrokenLink(case.pk, case.number, event.seq, _("its content was changed after it was written"))
        previous = event.hash
    if case.event_count != len(events) or (case.trail_head or CaseEvent.GENESIS) != previous:
        return BrokenLink(
            case.pk,
            case.number,
            None,
            _("the case records %(recorded)s events, the trail holds %(held)s")
            % {"recorded": case.event_count, "held": len(events)},
        )
    return None


def verify_trail(cases=None, *, chunk_size: int = 500) -> Iterator[BrokenLink]:
    """Check the chain of every case (or of `cases`); yields the first broken link of each broken case."""
    queryset = (cases if cases is not None else Case.objects.all()).order_by("pk")
    ids = list(queryset.values_list("pk", flat=True))
    for start in range(0, len(ids), chunk_size):
        chunk = ids[start : start + chunk_size]
        by_case: dict[int, list[CaseEvent]] = {pk: [] for pk in chunk}
        for event in CaseEvent.objects.filter(case_id__in=chunk).order_by("case_id", "seq").iterator(chunk_size=5000):
            by_case[event.case_id].append(event)
        for case in Case.objects.filter(pk__in=chunk).only("pk", "number", "trail_head", "event_count").order_by("pk"):
            broken = verify_case(case, by_case[case.pk])
            if broken is not None:
                yield broken
