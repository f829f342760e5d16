"""Common issues (共性问题 · 批处理) over HTTP: the issues in the caller's scope with their members as the caller
sees them, merging cases awaiting dispatch into a new issue and adding cases to one (the office; else 403).
Taking a case out is POST /cases/{id}/unmerge. Handling any member applies to every member at that stage;
each enterprise rates its own case."""

import datetime as dt

from django.db.models import QuerySet
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from accounts.models import STAFF_ROLES
from accounts.scope import get_for_user, has_role
from cases.api.schemas import CASE_OUT_RELATED, CaseOut
from cases.models import CommonIssue
from cases.selectors import common as selectors
from cases.services import dispatch
from core.schemas import DetailOut

router = Router(tags=["cases"])

ERRORS = {403: DetailOut, 404: DetailOut, 422: DetailOut}


class CommonIssueOut(Schema):
    id: int
    title: str
    description: str = Field(description="Staff only; empty for an enterprise.")
    created_at: dt.datetime
    created_by_name: str
    member_count: int = Field(description="Member cases in your scope.")
    states: dict[str, int] = Field(description="Member cases in your scope per state; states without any left out.")

    @staticmethod
    def resolve_description(obj, context):
        # Merged from the first member's text: another enterprise's words, not for an enterprise to read.
        request = context.get("request") if context else None
        return obj.description if request is not None and has_role(request.user, *STAFF_ROLES) else ""

    @staticmethod
    def resolve_created_by_name(obj):
        return str(obj.created_by) if obj.created_by_id else ""

    @staticmethod
    def resolve_states(obj):
        return selectors.state_counts(obj)


class CommonIssueDetailOut(CommonIssueOut):
    accepts_members: bool = Field(description="Whether cases may still join (no member is being handled yet).")
    members: list[CaseOut]


class MergeIn(Schema):
    case_ids: list[int] = Field(description="Two or more cases awaiting dispatch (submitted or returned).")
    title: str


class AddCasesIn(Schema):
    case_ids: list[int] = Field(description="Cases awaiting dispatch, in no other common issue.")


def _detail(request, issue_id: int) -> CommonIssue:
    issue = selectors.issue_for(request.user, issue_id)
    issue.accepts_members = selectors.accepts_members(issue)
    issue.members = list(selectors.members_of(request.user, issue).select_related(*CASE_OUT_RELATED))
    return issue


@router.get(
    "/cases/common-issues",
    response=list[CommonIssueOut],
    summary="Common issues in your scope, newest first",
    description="q: part of the title, or a member's case number; open=true: issues with a member not yet "
    "closed or rejected.",
)
@paginate
def list_common_issues(request, q: str = "", open: bool = False) -> QuerySet:
    return selectors.issue_filter(user=request.user, search=q.strip(), open_only=open)


@router.get(
    "/cases/common-issues/{int:issue_id}",
    response={200: CommonIssueDetailOut, 404: DetailOut},
    summary="One common issue with its member cases (those in your scope)",
)
def get_common_issue(request, issue_id: int):
    return _detail(request, issue_id)


@router.post(
    "/cases/common-issues",
    response={201: CommonIssueDetailOut, **ERRORS},
    summary="Merge cases awaiting dispatch into a new common issue (the office)",
)
def merge_cases(request, payload: MergeIn):
    issue = dispatch.case_merge(actor=request.user, case_ids=payload.case_ids, title=payload.title)
    return Status(201, _detail(request, issue.pk))


@router.post(
    "/cases/common-issues/{int:issue_id}/cases",
    response={200: CommonIssueDetailOut, **ERRORS},
    summary="Add cases awaiting dispatch to a common issue (the office)",
    description="Refused (422) once a member is being handled: file the case on its own or reject it as a duplicate.",
)
def add_cases(request, issue_id: int, payload: AddCasesIn):
    get_for_user(request.user, CommonIssue, pk=issue_id)
    dispatch.case_merge(actor=request.user, case_ids=payload.case_ids, common_issue_id=issue_id)
    return _detail(request, issue_id)
