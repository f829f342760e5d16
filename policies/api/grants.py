"""What policies grant, over HTTP (under /api/v1/policies): 免申即享 grant lists (generate, read, take a line
off or put it back, approve, record the payment), applications (an enterprise applies; the office decides
and records the payment) and policy performance. Refusals: 403 (role), 404 (outside the data scope), 422
(a rule of the service, with its message)."""

from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from accounts.models import STAFF_ROLES, Role
from accounts.scope import get_for_user, has_role
from policies.models import GrantBatch, GrantLine
from policies.selectors import grants as selectors
from policies.selectors.performance import policy_performance
from policies.services import grants as services

router = Router(tags=["policies"])


class PeriodIn(Schema):
    period: str = Field(description="A year, optionally with a part: 2026, 2026-H1, 2026-Q3, 2026-03")


class ExcludeIn(Schema):
    reason: str


class PaymentIn(Schema):
    paid_on: date | None = Field(None, description="Defaults to today")


class LineOut(Schema):
    id: int
    enterprise_id: int
    enterprise_name: str = Field(alias="enterprise.name")
    amount: Decimal = Field(description="10k yuan; 0 for a line the formula gave no amount")
    basis: dict = Field(description="The figures the amount came from: formula, fact, value, cap, computed …")
    excluded: bool
    excluded_reason: str
    paid_on: date | None = None


class BatchSummaryOut(Schema):
    id: int
    policy_id: int
    policy_title: str
    period: str
    status: str
    created_by_id: int = Field(description="Who generated the list last")
    created_at: datetime
    approved_by_id: int | None
    approved_at: datetime | None
    listed: int = Field(description="Lines on the list, in your scope")
    off: int = Field(description="Lines taken off, in your scope")
    total: Decimal = Field(description="Amount on the list, 10k yuan")
    paid_total: Decimal = Field(description="Amount paid from the list, 10k yuan")

    @staticmethod
    def resolve_policy_title(obj) -> str:
        return (obj["policy"] if isinstance(obj, dict) else obj.policy).title


class BatchOut(BatchSummaryOut):
    paid: int
    already_paid_elsewhere: int = Field(description="Enterprises paid for the policy and period otherwise")
    lines: list[LineOut]


class ApplicationIn(Schema):
    period: str
    requested_amount: Decimal | None = None
    note: str = ""


class DecisionIn(Schema):
    approve: bool
    note: str = ""


class ApplicationPaymentIn(Schema):
    amount: Decimal
    paid_on: date | None = None


class ApplicationOut(Schema):
    id: int
    policy_id: int
    enterprise_id: int
    period: str
    status: str
    requested_amount: Decimal | None
    note: str
    submitted_at: datetime
    decided_at: datetime | None
    decision_note: str
    paid_amount: Decimal | None = None
    paid_on: date | None = None


class DisbursementOut(Schema):
    id: int
    policy_id: int
    enterprise_id: int
    period: str
    amount: Decimal
    paid_on: date
    source: str
    grant_line_id: int | None
    application_id: int | None


class PerformanceOut(Schema):
    policy_id: int
    title: str
    status: str
    obtain: str
    eligible: int | None
    eligible_source: str = Field(
        description="matches: the last matching run; rule: the rule itself (no match rows yet)"
    )
    eligible_share: Decimal | None = Field(description="Percent of the registered enterprises in your scope")
    notified: int
    applied: int
    granted: int
    amount_paid: Decimal
    median_days_to_payment: float | None
    flags: list[str] = Field(description="unused, ceiling (天花板)")


def _require_staff(request) -> None:
    if not has_role(request.user, *STAFF_ROLES):
        raise HttpError(403, "Grants and performance are not available to your role.")


def _batch_out(request, batch_id: int) -> dict:
    batch = get_for_user(request.user, GrantBatch.objects.select_related("policy"), pk=batch_id)
    totals = selectors.batch_totals(user=request.user, batch=batch)
    return {
        "id": batch.pk,
        "policy_id": batch.policy_id,
        "policy": batch.policy,
        "period": batch.period,
        "status": batch.status,
        "created_by_id": batch.created_by_id,
        "created_at": batch.created_at,
        "approved_by_id": batch.approved_by_id,
        "approved_at": batch.approved_at,
        "listed": totals.listed,
        "off": totals.off,
        "total": totals.total,
        "paid": totals.paid,
        "paid_total": totals.paid_total,
        "already_paid_elsewhere": totals.already_paid_elsewhere,
        "lines": list(selectors.batch_lines(user=request.user, batch=batch)),
    }


# 免申即享 grant lists.


@router.post(
    "/{int:policy_id}/grants",
    response={201: BatchOut},
    summary="Generate (or regenerate) the 免申即享 list of an auto-grant policy for a period (office)",
)
def generate_batch(request, policy_id: int, payload: PeriodIn):
    _require_staff(request)
    batch = services.grant_batch_generate(actor=request.user, policy_id=policy_id, period=payload.period)
    return Status(201, _batch_out(request, batch.pk))


@router.get("/grants", response=list[BatchSummaryOut], summary="Grant lists, newest first (staff)")
@paginate
def list_batches(request, status: str = ""):
    _require_staff(request)
    return selectors.batch_list(user=request.user, status=status)


@router.get("/grants/{int:batch_id}", response=BatchOut, summary="One grant list with its lines in your scope")
def get_batch(request, batch_id: int):
    _require_staff(request)
    return _batch_out(request, batch_id)


def _line(request, batch_id: int, line_id: int) -> GrantLine:
    return get_for_user(request.user, GrantLine, pk=line_id, batch_id=batch_id)


@router.post(
    "/grants/{int:batch_id}/lines/{int:line_id}/exclude",
    response=BatchOut,
    summary="Take a line off a draft list (office)",
)
def exclude_line(request, batch_id: int, line_id: int, payload: ExcludeIn):
    _require_staff(request)
    line = _line(request, batch_id, line_id)
    services.grant_line_exclude(actor=request.user, line_id=line.pk, reason=payload.reason)
    return _batch_out(request, batch_id)


@router.post(
    "/grants/{int:batch_id}/lines/{int:line_id}/include",
    response=BatchOut,
    summary="Put a line back on a draft list (office)",
)
def include_line(request, batch_id: int, line_id: int):
    _require_staff(request)
    line = _line(request, batch_id, line_id)
    services.grant_line_include(actor=request.user, line_id=line.pk)
    return _batch_out(request, batch_id)


@router.post(
    "/grants/{int:batch_id}/approve",
    response=BatchOut,
    summary="Approve a draft list (another office user than who generated it)",
)
def approve_batch(request, batch_id: int):
    _require_staff(request)
    services.grant_batch_approve(actor=request.user, batch_id=batch_id)
    return _batch_out(request, batch_id)


@router.post(
    "/grants/{int:batch_id}/pay",
    response=list[DisbursementOut],
    summary="Record the payment of an approved list (office)",
)
def pay_batch(request, batch_id: int, payload: PaymentIn):
    _require_staff(request)
    return services.grant_batch_record_payment(
        actor=request.user, batch_id=batch_id, paid_on=payload.paid_on or timezone.localdate()
    )


# Applications.


@router.post(
    "/{int:policy_id}/applications",
    response={201: ApplicationOut},
    summary="Apply for a policy (the enterprise's users)",
)
def submit_application(request, policy_id: int, payload: ApplicationIn):
    if not has_role(request.user, Role.ENTERPRISE):
        raise HttpError(403, "Only an enterprise's own users can apply for a policy.")
    application = services.application_submit(actor=request.user, policy_id=policy_id, **payload.dict())
    return Status(201, application)


@router.get(
    "/applications", response=list[ApplicationOut], summary="Applications in your scope (an enterprise: its own)"
)
@paginate
def list_applications(request, status: str = ""):
    return selectors.application_list(user=request.user, status=status)


@router.post(
    "/applications/{int:application_id}/decision",
    response=ApplicationOut,
    summary="Approve or reject an application (office)",
)
def decide_application(request, application_id: int, payload: DecisionIn):
    _require_staff(request)
    application = services.application_decide(
        actor=request.user, application_id=application_id, approve=payload.approve, note=payload.note
    )
    return application


@router.post(
    "/applications/{int:application_id}/pay",
    response={201: DisbursementOut},
    summary="Record the payment of an approved application (office)",
)
def pay_application(request, application_id: int, payload: ApplicationPaymentIn):
    _require_staff(request)
    disbursement = services.application_record_payment(
        actor=request.user,
        application_id=application_id,
        amount=payload.amount,
        paid_on=payload.paid_on or timezone.localdate(),
    )
    return Status(201, disbursement)


# Performance.


@router.get(
    "/performance", response=list[PerformanceOut], summary="Policy performance with the unused and 天花板 flags (staff)"
)
def performance(request):
    _require_staff(request)
    return [
        {
            "policy_id": row.policy.pk,
            "title": row.policy.title,
            "status": row.policy.status,
            "obtain": row.policy.obtain,
            "eligible": row.eligible,
            "eligible_source": row.eligible_source,
            "eligible_share": row.eligible_share,
            "notified": row.notified,
            "applied": row.applied,
            "granted": row.granted,
            "amount_paid": row.amount_paid,
            "median_days_to_payment": row.median_days_to_payment,
            "flags": row.flags,
        }
        for row in policy_performance(request.user)
    ]
