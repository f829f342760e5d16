"""Reads of what policies grant: 免申即享 grant lists with their lines and totals, applications, and what
each enterprise applied for and was paid. Everything through the reader's data scope: a list is read by
staff, each line follows its enterprise (a unit sees the lines of its enterprises), an application and a
payment follow their enterprise (the enterprise reads its own)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from accounts.scope import scoped
from policies.models import Application, Disbursement, GrantBatch, GrantLine, Policy

ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=14, decimal_places=2)


def _aggregate_subquery(queryset: QuerySet, expression, output_field):
    """One figure of `queryset` (already filtered on OuterRef) as a subquery, 0 when there is no row."""
    rows = queryset.order_by().annotate(_group=Value(1)).values("_group").annotate(figure=expression).values("figure")
    return Coalesce(Subquery(rows[:1], output_field=output_field), Value(0), output_field=output_field)


def batch_list(*, user, policy: Policy | None = None, status: str = "") -> QuerySet:
    """The grant lists the user reads, newest first, each with the number of lines on it (`listed`), taken off
    (`off`), the amount to grant (`total`) and the amount paid (`paid_total`), counted over the lines in the
    user's scope. One query."""
    batches = scoped(user, GrantBatch.objects.select_related("policy", "created_by", "approved_by"))
    if policy is not None:
        batches = batches.filter(policy=policy)
    if status:
        batches = batches.filter(status=status)
    lines = scoped(user, GrantLine.objects.filter(batch=OuterRef("pk")))
    paid = scoped(user, Disbursement.objects.filter(grant_line__batch=OuterRef("pk")))
    return batches.annotate(
        listed=_aggregate_subquery(lines.filter(excluded=False), Count("pk"), IntegerField()),
        off=_aggregate_subquery(lines.filter(excluded=True), Count("pk"), IntegerField()),
        total=_aggregate_subquery(lines.filter(excluded=False), Sum("amount"), MONEY),
        paid_total=_aggregate_subquery(paid, Sum("amount"), MONEY),
    ).order_by("-created_at", "-pk")


@dataclass
class BatchTotals:
    listed: int
    off: int
    total: Decimal
    paid: int
    paid_total: Decimal
    already_paid_elsewhere: int  # enterprises paid for the policy and period outside this list


def batch_totals(*, user, batch: GrantBatch) -> BatchTotals:
    """The list's figures over the lines in the user's scope (two queries)."""
    lines = scoped(user, GrantLine.objects.filter(batch=batch))
    figures = lines.aggregate(
        listed=Count("pk", filter=Q(excluded=False)),
        off=Count("pk", filter=Q(excluded=True)),
        total=Coalesce(Sum("amount", filter=Q(excluded=False)), Value(ZERO), output_field=MONEY),
    )
    paid = scoped(user, Disbursement.objects.filter(policy_id=batch.policy_id, period=batch.period))
    paid_figures = paid.aggregate(
        paid=Count("pk", filter=Q(grant_line__batch=batch)),
        paid_total=Coalesce(Sum("amount", filter=Q(grant_line__batch=batch)), Value(ZERO), output_field=MONEY),
        elsewhere=Count("pk", filter=Q(grant_line__isnull=True) | ~Q(grant_line__batch=batch)),
    )
    return BatchTotals(
        listed=figures["listed"],
        off=figures["off"],
        total=figures["total"],
        paid=paid_figures["paid"],
        paid_total=paid_figures["paid_total"],
        already_paid_elsewhere=paid_figures["elsewhere"],
    )


def batch_lines(*, user, batch: GrantBatch, show: str = "") -> QuerySet:
    """The list's lines in the user's scope, by enterprise name, each with `paid_on` (None until paid)."""
    lines = scoped(user, GrantLine.objects.filter(batch=batch)).select_related("enterprise", "enterprise__region")
    if show == "listed":
        lines = lines.filter(excluded=False)
    elif show == "off":
        lines = lines.filter(excluded=True)
    paid = Disbursement.objects.filter(grant_line=OuterRef("pk"))
    return lines.annotate(paid_on=Subquery(paid.values("paid_on")[:1]), is_paid=Exists(paid)).order_by(
        "enterprise__name", "pk"
    )


def application_list(*, user, status: str = "", policy: Policy | None = None, search: str = "") -> QuerySet:
    """Applications the user reads, newest first, each with what was paid for it (`paid_amount`, `paid_on`)."""
    applications = scoped(
        user, Application.objects.select_related("policy", "enterprise", "submitted_by", "decided_by")
    )
    if status:
        applications = applications.filter(status=status)
    if policy is not None:
        applications = applications.filter(policy=policy)
    if search:
        applications = applications.filter(
            Q(enterprise__name__icontains=search)
            | Q(policy__title__icontains=search)
            | Q(enterprise__credit_code=search.upper())
        )
    return _with_payment(applications).order_by("-submitted_at", "-pk")


def _with_payment(applications: QuerySet) -> QuerySet:
    paid = Disbursement.objects.filter(application=OuterRef("pk"))
    return applications.annotate(
        paid_amount=Subquery(paid.values("amount")[:1], output_field=MONEY),
        paid_on=Subquery(paid.values("paid_on")[:1]),
    )


def enterprise_applications(user, enterprise) -> QuerySet:
    """An enterprise's applications as `user` may read them (its own users, or staff in scope), newest first,
    with what was paid for each (`paid_amount`, `paid_on`)."""
    applications = scoped(user, Application.objects.filter(enterprise=enterprise)).select_related("policy")
    return _with_payment(applications).order_by("-submitted_at", "-pk")


def enterprise_disbursements(user, enterprise) -> QuerySet:
    """What an enterprise was paid (兑现), as `user` may read it, latest first: 免申即享 grants it never
    applied for and paid applications alike (`source`)."""
    return scoped(user, Disbursement.objects.filter(enterprise=enterprise)).select_related("policy")
