"""Output shapes of cases shared by every cases endpoint. CaseOut reads the enterprise, category and lead
unit through select_related (CASE_OUT_RELATED) so a list costs the same with any number of rows."""

from __future__ import annotations

import datetime as dt

from ninja import Schema

from cases.deadlines import Thresholds

# What a queryset feeding CaseOut should select_related.
CASE_OUT_RELATED = ("enterprise", "category", "lead_unit")


def thresholds_for(request) -> Thresholds:
    """One set of deadline thresholds per request: every row of a list is judged against the same moment,
    and the working-day calendar is consulted once."""
    thresholds = getattr(request, "_case_thresholds", None)
    if thresholds is None:
        thresholds = Thresholds.at()
        if request is not None:
            request._case_thresholds = thresholds
    return thresholds


class CaseOut(Schema):
    id: int
    number: str
    year: int
    title: str
    enterprise_id: int
    enterprise_name: str
    category: str
    urgency: str
    channel: str
    state: str
    lead_unit_id: int | None
    lead_unit_name: str | None
    submitted_at: dt.datetime
    due_at: dt.datetime | None
    accept_due_at: dt.datetime | None
    paused_since: dt.datetime | None
    deadline_level: str | None
    listed: bool
    reopen_count: int
    outcome: str
    rating: str
    common_issue_id: int | None

    @staticmethod
    def resolve_enterprise_name(obj):
        return obj.enterprise.name

    @staticmethod
    def resolve_category(obj):
        return obj.category.name

    @staticmethod
    def resolve_lead_unit_name(obj):
        return obj.lead_unit.name if obj.lead_unit_id else None

    @staticmethod
    def resolve_listed(obj):
        return obj.listed_at is not None

    @staticmethod
    def resolve_deadline_level(obj, context):
        request = context.get("request") if context else None
        return thresholds_for(request).level(obj.due_at, obj.state, obj.paused_since)
