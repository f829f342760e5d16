"""Case lists over HTTP: the same work queues, filters, search and sort as the /cases/ page, paginated, and
the count of each of the caller's queues. Every row is in the caller's data scope."""

import datetime as dt
from typing import Literal

from django.db.models import QuerySet
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate

from cases.api.schemas import CaseOut, thresholds_for
from cases.models import Case, Urgency
from cases.selectors import lists as selectors

router = Router(tags=["cases"])

StateIn = Literal[tuple(Case.State.values)]
ChannelIn = Literal[tuple(Case.Channel.values)]
UrgencyIn = Literal[tuple(Urgency.values)]
LevelIn = Literal[tuple(value for value, _label in selectors.LEVEL_CHOICES)]
SortIn = Literal[tuple(selectors.SORTS)]
OutcomeIn = Literal[tuple(selectors.OUTCOME_FILTERS)]


class CaseFilters(Schema):
    queue: str = Field("", description="One of your queues (GET /cases/queues); your first one when left out.")
    state: StateIn | None = None
    category_id: int | None = None
    channel: ChannelIn | None = None
    urgency: UrgencyIn | None = None
    lead_unit_id: int | None = Field(None, description="The lead unit and the units below it.")
    region_id: int | None = Field(None, description="The enterprise's region and the regions below it.")
    enterprise_id: int | None = None
    submitted_from: dt.date | None = Field(None, description="First day, local time (Asia/Shanghai), included.")
    submitted_to: dt.date | None = Field(None, description="Last day, included.")
    level: LevelIn | None = Field(None, description="The deadline's warning level now.")
    listed: bool | None = Field(None, description="Listed for supervision (挂牌督办) or not.")
    outcome: OutcomeIn | None = Field(
        None, description="The reply's outcome: solved, explained, not_solved, or answered (solved or explained)."
    )
    q: str = Field(
        "",
        max_length=100,
        description="Number, enterprise name, start of the credit code, or text in the title or description.",
    )
    sort: SortIn = Field(
        selectors.DEFAULT_SORT,
        description="-submitted (newest first, the default), submitted, "
        "due (soonest deadline first), -due, number, -number.",
    )


class CaseListOut(CaseOut):
    expected_of_enterprise: str = Field(
        description="rate, supply_material, or empty: what the case waits for from its enterprise."
    )

    @staticmethod
    def resolve_expected_of_enterprise(obj):
        return selectors.expected_of_enterprise(obj)


class QueueOut(Schema):
    key: str
    label: str
    count: int


@router.get(
    "/cases",
    response=list[CaseListOut],
    summary="Cases in your data scope, by work queue",
    description="The queue (tab) and filters of the /cases/ page. Queues by role: office new, returned, "
    "overdue, extensions (an extension request awaits a decision), listed, all; unit to_accept, in_progress, "
    "due_soon, overdue, to_approve (unit heads: replies awaiting approval), all; enterprise mine; leader "
    "linked, listed; cadre linked; auditor all.",
)
@paginate
def list_cases(request, filters: Query[CaseFilters]) -> QuerySet:
    queues = selectors.queues_for(request.user)
    if filters.queue and filters.queue not in {q.key for q in queues}:
        raise HttpError(422, f"queue must be one of: {', '.join(q.key for q in queues) or '(none)'}.")
    if filters.submitted_from and filters.submitted_to and filters.submitted_to < filters.submitted_from:
        raise HttpError(422, "submitted_to is before submitted_from.")
    return selectors.case_list(
        user=request.user,
        queue=filters.queue,
        thresholds=thresholds_for(request),
        sort=filters.sort,
        state=filters.state or "",
        category_id=filters.category_id,
        channel=filters.channel or "",
        urgency=filters.urgency or "",
        lead_unit_id=filters.lead_unit_id,
        region_id=filters.region_id,
        enterprise_id=filters.enterprise_id,
        submitted_from=filters.submitted_from,
        submitted_to=filters.submitted_to,
        level=filters.level or "",
        listed=filters.listed,
        outcome=filters.outcome or "",
        search=filters.q.strip(),
    )


@router.get(
    "/cases/queues",
    response=list[QueueOut],
    summary="Your work queues and how many cases each holds",
    description="In the order of the page's tabs; the first is the default queue.",
)
def case_queues(request):
    counts = selectors.queue_counts(request.user, thresholds=thresholds_for(request))
    return [{"key": c.key, "label": str(c.label), "count": c.count} for c in counts]
