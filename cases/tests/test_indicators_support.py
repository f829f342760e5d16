"""Builders and the worked example the indicator tests share (imported by the other test_indicators_*
modules; no tests here).

Cases are written straight to the database with the states, outcomes, ratings and timestamps each test
needs: the indicators read rows, so the rows are the input, not the services that would produce them.

The example: ten cases submitted in March 2026 (and one in February, outside the period), all times China
time. "wd" is working days from first assignment to resolution.

    case  lead  state        outcome     on time  rating      lead accepted   returned  reopened  wd
    A     —     submitted
    B     —     rejected
    C     工信局 assigned                                       pending (late)                       overdue now
    D     工信局 in_progress                                    on time         1
    E     工信局 closed       solved      yes      满意        on time                             2.0
    F     发改局 resolved     explained   no       基本满意    late                                2.0
    G     发改局 resolved     not_solved  yes      不满意      on time                   1         0.5
    H     工信局 closed       solved      yes      unrated     on time                             3.0
    I     发改局 in_progress                        (不满意)    on time                   1
    J     —     rejected (after 工信局 returned it)                             1

Whole: collected 10, assigned 8, rejected 2, resolved 4 (solved 2, explained 1, not solved 1); resolution
3 ÷ 8 = 37.5 %; closure 4 ÷ 7 = 57.1 % (J, rejected after its return, is left out); on time 3 ÷ 4 = 75.0 %;
satisfaction 2 ÷ 3 = 66.7 % (H unrated, I not resolved); timely acceptance 5 ÷ 6 = 83.3 %; return 2 ÷ 8 =
25.0 %; reopen 2 ÷ 5 = 40.0 % (4 resolved + I); overdue: C open past due, F resolved late; average working
days 7.5 ÷ 4 = 1.875 → 1.9.
"""

from __future__ import annotations

from datetime import datetime
from itertools import count
from zoneinfo import ZoneInfo

import pytest

from cases.models import Assignment, Case, CaseCategory
from cases.services.intake import next_number

CHINA = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=CHINA)
_titles = count(1)


def at(month, day, hour=9, minute=0, year=2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=CHINA)


def make_case(
    enterprise,
    *,
    submitted_at: datetime,
    category=None,
    channel=Case.Channel.SELF_SERVICE,
    state=Case.State.SUBMITTED,
    lead=None,
    assigned_at: datetime | None = None,
    accepted_at: datetime | None = None,
    accept_due_at: datetime | None = None,
    lead_state: str | None = None,
    co=(),
    returned_by=None,
    **fields,
) -> Case:
    """One case row and its assignment rows: `lead` (accepted when `accepted_at` is given, else pending;
    `lead_state` overrides), `co` units as co-handlers, and `returned_by` a unit whose lead assignment was
    returned before (it still holds the returned row)."""
    year = submitted_at.year
    if lead is not None or returned_by is not None:
        fields.setdefault("first_assigned_at", assigned_at or submitted_at)
    case = Case.objects.create(
        number=next_number(year),
        year=year,
        enterprise=enterprise,
        title=f"诉求{next(_titles)}",
        description="测试诉求",
        category=category or CaseCategory.objects.get(code="financing"),
        channel=channel,
        submitted_at=submitted_at,
        state=state,
        lead_unit=lead,
        **fields,
    )
    given = case.first_assigned_at or submitted_at
    if returned_by is not None:
        Assignment.objects.create(
            case=case,
            unit=returned_by,
            role=Assignment.Role.LEAD,
            state=Assignment.State.RETURNED,
            assigned_at=given,
            accept_due_at=accept_due_at,
            returned_at=given,
        )
    if lead is not None:
        Assignment.objects.create(
            case=case,
            unit=lead,
            role=Assignment.Role.LEAD,
            state=lead_state or (Assignment.State.ACCEPTED if accepted_at else Assignment.State.PENDING),
            assigned_at=given,
            accept_due_at=accept_due_at,
            accepted_at=accepted_at,
        )
    for unit in co:
        Assignment.objects.create(
            case=case, unit=unit, role=Assignment.Role.CO, assigned_at=given, accept_due_at=accept_due_at
        )
    return case


@pytest.fixture
def example(county):
    """The ten March cases of the module docstring (and one February case); `county.cases` maps letters to
    cases."""
    c = county
    S = Case.State
    cases = {}
    cases["A"] = make_case(c.ent_a, submitted_at=at(3, 2, 8))
    cases["B"] = make_case(
        c.ent_b, submitted_at=at(3, 2, 8), state=S.REJECTED, reject_reason=Case.RejectReason.OUT_OF_SCOPE
    )
    cases["C"] = make_case(
        c.ent_a,
        submitted_at=at(3, 3, 8),
        state=S.ASSIGNED,
        lead=c.gxj,
        assigned_at=at(3, 3, 9),
        accept_due_at=at(3, 4, 9),
        due_at=at(3, 10, 9),
    )
    cases["D"] = make_case(
        c.ent_b,
        submitted_at=at(3, 3, 8),
        state=S.IN_PROGRESS,
        returned_by=c.town_b_gov,
        lead=c.gxj,
        assigned_at=at(3, 3, 9),
        accept_due_at=at(3, 4, 9),
        accepted_at=at(3, 3, 15),
        due_at=at(12, 30, 9),
        return_count=1,
    )
    cases["E"] = make_case(
        c.ent_a,
        submitted_at=at(3, 1, 20),
        state=S.CLOSED,
        lead=c.gxj,
        assigned_at=at(3, 2, 9),
        accept_due_at=at(3, 3, 9),
        accepted_at=at(3, 2, 10),
        due_at=at(3, 9, 9),
        outcome=Case.Outcome.SOLVED,
        resolved_at=at(3, 4, 9),
        resolved_on_time=True,
        rating=Case.Rating.SATISFIED,
        closed_at=at(3, 5, 9),
    )
    cases["F"] = make_case(
        c.ent_c,
        submitted_at=at(3, 5, 8),
        state=S.RESOLVED,
        lead=c.fgj,
        co=[c.gxj_sme],
        assigned_at=at(3, 6, 10),
        accept_due_at=at(3, 9, 10),
        accepted_at=at(3, 9, 11),
        due_at=at(3, 9, 10),
        outcome=Case.Outcome.EXPLAINED,
        resolved_at=at(3, 10, 10),
        resolved_on_time=False,
        rating=Case.Rating.BASICALLY_SATISFIED,
    )
    cases["G"] = make_case(
        c.ent_c,
        submitted_at=at(3, 10, 8),
        state=S.RESOLVED,
        lead=c.fgj,
        assigned_at=at(3, 11, 9),
        accept_due_at=at(3, 12, 9),
        accepted_at=at(3, 11, 9, 30),
        due_at=at(3, 18, 9),
        outcome=Case.Outcome.NOT_SOLVED,
        resolved_at=at(3, 11, 21),
        resolved_on_time=True,
        rating=Case.Rating.UNSATISFIED,
        reopen_count=1,
    )
    cases["H"] = make_case(
        c.ent_a,
        submitted_at=at(3, 16, 8),
        state=S.CLOSED,
        lead=c.gxj,
        assigned_at=at(3, 16, 9),
        accept_due_at=at(3, 17, 9),
        accepted_at=at(3, 16, 9),
        due_at=at(3, 23, 9),
        outcome=Case.Outcome.SOLVED,
        resolved_at=at(3, 19, 9),
        resolved_on_time=True,
        rating=Case.Rating.UNRATED,
        closed_at=at(3, 31, 9),
    )
    cases["I"] = make_case(
        c.ent_b,
        submitted_at=at(3, 20, 8),
        state=S.IN_PROGRESS,
        lead=c.fgj,
        assigned_at=at(3, 20, 9),
        accept_due_at=at(3, 23, 9),
        accepted_at=at(3, 20, 10),
        due_at=at(12, 30, 9),
        rating=Case.Rating.UNSATISFIED,
        reopen_count=1,
    )
    cases["J"] = make_case(
        c.ent_a,
        submitted_at=at(3, 31, 23, 59),
        state=S.REJECTED,
        returned_by=c.gxj,
        assigned_at=at(3, 31, 23, 59),
        return_count=1,
        reject_reason=Case.RejectReason.OTHER,
    )
    # Outside the period: the last minute of February.
    cases["X"] = make_case(c.ent_a, submitted_at=at(2, 28, 23, 59), state=S.RESOLVED, outcome=Case.Outcome.SOLVED)
    c.cases = cases
    return c
