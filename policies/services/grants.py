"""Writes on what policies grant (兑现): 免申即享 grant lists (generate, take a line off or put it back,
approve, record the payment) and applications (submit, decide, record the payment). docs/policies/grants.md.

Nothing is granted twice for the same policy, enterprise and period. Each path checks first and says so
clearly; the unique constraint on Disbursement is the last guard (a payment racing another is refused with
the same message). A grant list is generated over the whole jurisdiction with the policy's rule in one query
(policies.rules.eligible), leaving out every enterprise already paid for the policy and period, whichever
way it was paid.

Four eyes: a list is approved by an office user other than the one who generated it last.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.scope import get_for_user, has_role, is_office, scoped
from core.notifications import notify
from enterprises.models import Enterprise
from policies import rules
from policies.amounts import MAX_AMOUNT, amount_attname, amount_from_value, annotate_amount_fact, formula_of
from policies.models import Application, Disbursement, GrantBatch, GrantLine, Policy

# A period is a year, optionally with a part of it: 2026, 2026-H1, 2026-Q3, 2026-03.
PERIOD = re.compile(r"^\d{4}(-[0-9A-Z]{1,5})?$")
REASON_LENGTH = GrantLine._meta.get_field("excluded_reason").max_length
# In a line's basis: why the formula gave the enterprise no amount (the line was taken off automatically).
NO_AMOUNT = "no_amount"


def _require_office(actor: User) -> None:
    if not is_office(actor):
        raise PermissionDenied(_("Only the coordinating office can manage grants and applications."))


def check_period(period) -> str:
    text = str(period or "").strip().upper()
    if not PERIOD.match(text):
        raise ValidationError(
            {"period": _("A period is a year, optionally with a part of it: 2026, 2026-H1, 2026-Q3 or 2026-03.")}
        )
    return text


def _check_paid_on(paid_on: date) -> None:
    if paid_on > timezone.localdate():
        raise ValidationError({"paid_on": _("The payment date cannot be in the future.")})


def _money(value, field: str, *, required: bool) -> Decimal | None:
    if value is None or value == "":
        if required:
            raise ValidationError({field: _("Enter an amount.")})
        return None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("Enter an amount in 10k yuan, e.g. 12.5.")}) from None
    if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT:
        raise ValidationError({field: _("Enter an amount in 10k yuan, e.g. 12.5.")})
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationError({field: _("An amount has at most 2 decimals (10k yuan).")})
    return amount


def _over_cap(policy: Policy, amount: Decimal, field: str) -> None:
    if policy.benefit_cap is not None and amount > policy.benefit_cap:
        raise ValidationError(
            {field: _("The amount is above the policy's cap of %(cap)s (10k yuan).") % {"cap": policy.benefit_cap}}
        )


def granted_twice_message(enterprise_names, policy: Policy, period: str) -> str:
    return _("Already granted for %(period)s: “%(policy)s” was paid to %(enterprises)s. Nothing is granted twice.") % {
        "period": period,
        "policy": policy.title,
        "enterprises": "、".join(enterprise_names),
    }


def _link(name: str, *args) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _enterprise_link(policy: Policy) -> str:
    # The enterprise's "my policies" pages belong to the matching area; link to them when they exist.
    return _link("my_policy", policy.pk) or _link("my_policies")


def _notify_paid(policy: Policy, period: str, paid: dict[int, Decimal], paid_on: date) -> None:
    """Tell each paid enterprise's users what it was paid: one notify() per distinct amount (one in all for a
    fixed amount), with the users of every enterprise paid that amount."""
    users = defaultdict(list)
    for user in User.objects.filter(enterprise_id__in=paid, is_active=True).order_by("pk"):
        users[user.enterprise_id].append(user)
    by_amount = defaultdict(list)
    for enterprise_id, amount in paid.items():
        by_amount[amount].extend(users[enterprise_id])
    link = _enterprise_link(policy)
    for amount, recipients in sorted(by_amount.items()):
        if not recipients:
            continue
        notify(
            recipients,
            _("Paid: %(policy)s (%(period)s), %(amount)s (10k yuan)")
            % {"policy": policy.title, "period": period, "amount": amount},
            _("“%(policy)s” paid your enterprise %(amount)s (10k yuan) for %(period)s on %(date)s.")
            % {"policy": policy.title, "amount": amount, "period": period, "date": paid_on.isoformat()},
            link=link,
            topic=f"policy:{policy.pk}:paid",
        )


# 免申即享 grant lists.


def _locked_batch(actor: User, batch_id: int) -> GrantBatch:
    return get_for_user(actor, GrantBatch.objects.select_for_update().select_related("policy"), pk=batch_id)


def _paid_line_ids(batch: GrantBatch) -> set[int]:
    return set(Disbursement.objects.filter(grant_line__batch=batch).values_list("grant_line_id", flat=True))


@transaction.atomic
def grant_batch_generate(*, actor: User, policy_id: int, period: str) -> GrantBatch:
    """The 免申即享 list of a published auto-grant policy for a period: every enterprise the rule selects
    today, with its amount by the formula, except those already paid for the policy and period.

    Regenerating a list (whatever its state) puts it back to draft: lines already paid stay as they are, the
    others are computed again; an enterprise the office had taken off stays off with its reason. A list that
    was paid thus gets a supplementary round for enterprises that qualified since."""
    _require_office(actor)
    period = check_period(period)
    policy = get_for_user(actor, Policy.objects.select_for_update(), pk=policy_id)
    if policy.status != Policy.Status.PUBLISHED:
        raise ValidationError(_("Only a published policy can have a grant list."))
    if policy.obtain != Policy.Obtain.AUTO_GRANT:
        raise ValidationError(
            _("“%(policy)s” is obtained by application: its grants come from applications, not from a list.")
            % {"policy": policy.title}
        )
    if not policy.eligibility:
        raise ValidationError(_("The policy has no eligibility rule: nobody can be listed."))
    formula = formula_of(policy)
    today = timezone.localdate()

    batch = GrantBatch.objects.select_for_update().filter(policy=policy, period=period).first()
    kept_off: dict[int, str] = {}
    if batch is None:
        try:
            with transaction.atomic():
                batch = GrantBatch.objects.create(policy=policy, period=period, created_by=actor)
        except IntegrityError:  # pragma: no cover - the policy row is locked, so only a direct insert races
            raise ValidationError(_("A grant list for this period is being made; try again.")) from None
    else:
        paid = _paid_line_ids(batch)
        unpaid = GrantLine.objects.filter(batch=batch).exclude(pk__in=paid)
        for enterprise_id, reason, basis in unpaid.filter(excluded=True).values_list(
            "enterprise_id", "excluded_reason", "basis"
        ):
            if NO_AMOUNT not in (basis or {}):
                kept_off[enterprise_id] = reason
        unpaid.delete()
        batch.status = GrantBatch.Status.DRAFT
        batch.created_by = actor
        batch.approved_by = None
        batch.approved_at = None
        batch.save(update_fields=["status", "created_by", "approved_by", "approved_at"])

    already_paid = Disbursement.objects.filter(policy=policy, period=period, enterprise=OuterRef("pk"))
    candidates = rules.eligible(scoped(actor, Enterprise.objects.all()), policy.eligibility, today)
    candidates = annotate_amount_fact(candidates.exclude(Exists(already_paid)), formula, today)
    attname = amount_attname(formula)
    fields = ["pk", attname] if attname else ["pk"]
    lines = []
    for row in candidates.order_by("pk").values_list(*fields):
        enterprise_id, value = row[0], (row[1] if attname else None)
        result = amount_from_value(formula, value)
        basis = {**result.basis, "on": today.isoformat()}
        line = GrantLine(batch=batch, enterprise_id=enterprise_id, amount=result.amount or Decimal(0), basis=basis)
        if not result.granted:
            basis[NO_AMOUNT] = result.reason
            line.excluded, line.excluded_reason = True, result.reason[:REASON_LENGTH]
        elif enterprise_id in kept_off:
            line.excluded, line.excluded_reason = True, kept_off[enterprise_id]
        lines.append(line)
    GrantLine.objects.bulk_create(lines, batch_size=1000)
    return batch


def _line_in_draft(actor: User, line_id: int) -> GrantLine:
    line = get_for_user(actor, GrantLine.objects.select_related("enterprise"), pk=line_id)
    batch = _locked_batch(actor, line.batch_id)
    if batch.status != GrantBatch.Status.DRAFT:
        raise ValidationError(_("Only a draft list can be changed; regenerate it to change it again."))
    line = GrantLine.objects.select_for_update().select_related("enterprise").get(pk=line.pk)
    if Disbursement.objects.filter(grant_line=line).exists():
        raise ValidationError(
            _("%(enterprise)s has been paid from this list already.") % {"enterprise": line.enterprise.name}
        )
    line.batch = batch
    return line


@transaction.atomic
def grant_line_exclude(*, actor: User, line_id: int, reason: str) -> GrantLine:
    """Take an enterprise off a draft list, saying why (e.g. 已注销, 存在失信记录)."""
    _require_office(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the enterprise is taken off the list.")})
    if len(reason) > REASON_LENGTH:
        raise ValidationError({"reason": _("Keep the reason under %(n)s characters.") % {"n": REASON_LENGTH}})
    line = _line_in_draft(actor, line_id)
    line.excluded, line.excluded_reason = True, reason
    line.save(update_fields=["excluded", "excluded_reason"])
    return line


@transaction.atomic
def grant_line_include(*, actor: User, line_id: int) -> GrantLine:
    """Put an enterprise the office took off back on a draft list. One the formula gave no amount cannot be."""
    _require_office(actor)
    line = _line_in_draft(actor, line_id)
    if NO_AMOUNT in (line.basis or {}):
        raise ValidationError(
            _("%(enterprise)s cannot be put back: %(reason)s")
            % {"enterprise": line.enterprise.name, "reason": line.basis[NO_AMOUNT]}
        )
    line.excluded, line.excluded_reason = False, ""
    line.save(update_fields=["excluded", "excluded_reason"])
    return line


def _lines_to_pay(batch: GrantBatch):
    return (
        GrantLine.objects.filter(batch=batch, excluded=False)
        .exclude(Exists(Disbursement.objects.filter(grant_line=OuterRef("pk"))))
        .select_related("enterprise")
        .order_by("pk")
    )


@transaction.atomic
def grant_batch_approve(*, actor: User, batch_id: int) -> GrantBatch:
    """Approve a draft list (four eyes: not by whoever generated it last)."""
    _require_office(actor)
    batch = _locked_batch(actor, batch_id)
    if batch.status != GrantBatch.Status.DRAFT:
        raise ValidationError(
            _("Only a draft list can be approved; this one is %(status)s.") % {"status": batch.get_status_display()}
        )
    if batch.created_by_id == actor.pk:
        raise PermissionDenied(_("A grant list is approved by someone other than who generated it."))
    if not _lines_to_pay(batch).exists():
        raise ValidationError(_("The list has nobody to pay."))
    batch.status = GrantBatch.Status.APPROVED
    batch.approved_by, batch.approved_at = actor, timezone.now()
    batch.save(update_fields=["status", "approved_by", "approved_at"])
    return batch


@transaction.atomic
def grant_batch_record_payment(*, actor: User, batch_id: int, paid_on: date) -> list[Disbursement]:
    """Record that an approved list was paid on `paid_on`: one Disbursement per line on the list not yet
    paid, the list marked paid, each paid enterprise's users told. All or nothing."""
    _require_office(actor)
    batch = _locked_batch(actor, batch_id)
    if batch.status == GrantBatch.Status.PAID:
        raise ValidationError(_("This list has been paid already."))
    if batch.status != GrantBatch.Status.APPROVED:
        raise ValidationError(_("The list must be approved before its payment is recorded."))
    _check_paid_on(paid_on)
    policy = batch.policy
    lines = list(_lines_to_pay(batch))
    enterprise_ids = [line.enterprise_id for line in lines]
    twice = list(
        Disbursement.objects.filter(policy=policy, period=batch.period, enterprise_id__in=enterprise_ids)
        .order_by("enterprise__name")
        .values_list("enterprise__name", flat=True)
    )
    if twice:
        raise ValidationError(granted_twice_message(twice, policy, batch.period))
    disbursements = [
        Disbursement(
            policy=policy,
            enterprise_id=line.enterprise_id,
            period=batch.period,
            amount=line.amount,
            paid_on=paid_on,
            source=Disbursement.Source.AUTO_GRANT,
            grant_line=line,
            recorded_by=actor,
        )
        for line in lines
    ]
    try:
        with transaction.atomic():
            created = Disbursement.objects.bulk_create(disbursements, batch_size=1000)
    except IntegrityError:
        names = [line.enterprise.name for line in lines]
        raise ValidationError(
            granted_twice_message(names[:5] + (["…"] if len(names) > 5 else []), policy, batch.period)
        ) from None
    batch.status = GrantBatch.Status.PAID
    batch.save(update_fields=["status"])
    _notify_paid(policy, batch.period, {line.enterprise_id: line.amount for line in lines}, paid_on)
    return created


# Applications (申报).


@transaction.atomic
def application_submit(
    *,
    actor: User,
    policy_id: int,
    period: str,
    requested_amount: Decimal | None = None,
    note: str = "",
) -> Application:
    """An enterprise's user applies for a published application policy, before its deadline, once per
    period (and not for a period it was granted already)."""
    if not has_role(actor, Role.ENTERPRISE) or not actor.enterprise_id:
        raise PermissionDenied(_("Only an enterprise's own users can apply for a policy."))
    policy = get_for_user(actor, Policy, pk=policy_id)
    if policy.status != Policy.Status.PUBLISHED:
        raise ValidationError(_("This policy is not open: it is not published."))
    if policy.obtain != Policy.Obtain.APPLICATION:
        raise ValidationError(
            _("“%(policy)s” is granted without application (免申即享): there is nothing to apply for.")
            % {"policy": policy.title}
        )
    today = timezone.localdate()
    if policy.application_deadline and today > policy.application_deadline:
        raise ValidationError(
            _("The deadline for applications was %(date)s.") % {"date": policy.application_deadline.isoformat()}
        )
    if policy.expires_on and today > policy.expires_on:
        raise ValidationError(_("The policy expired on %(date)s.") % {"date": policy.expires_on.isoformat()})
    period = check_period(period)
    amount = _money(requested_amount, "requested_amount", required=False)
    if amount is not None:
        _over_cap(policy, amount, "requested_amount")
    enterprise = actor.enterprise
    already = _("Your enterprise has already applied for “%(policy)s” for %(period)s.") % {
        "policy": policy.title,
        "period": period,
    }
    if Application.objects.filter(policy=policy, enterprise=enterprise, period=period).exists():
        raise ValidationError(already)
    if Disbursement.objects.filter(policy=policy, enterprise=enterprise, period=period).exists():
        raise ValidationError(granted_twice_message([enterprise.name], policy, period))
    try:
        with transaction.atomic():
            return Application.objects.create(
                policy=policy,
                enterprise=enterprise,
                period=period,
                requested_amount=amount,
                note=(note or "").strip(),
                submitted_at=timezone.now(),
                submitted_by=actor,
            )
    except IntegrityError:
        raise ValidationError(already) from None


def _locked_application(actor: User, application_id: int) -> Application:
    return get_for_user(
        actor, Application.objects.select_for_update().select_related("policy", "enterprise"), pk=application_id
    )


@transaction.atomic
def application_decide(*, actor: User, application_id: int, approve: bool, note: str = "") -> Application:
    """The office approves or rejects a submitted application (a rejection says why); the enterprise is
    told."""
    _require_office(actor)
    application = _locked_application(actor, application_id)
    if application.status != Application.Status.SUBMITTED:
        raise ValidationError(
            _("This application has been decided already (%(status)s).") % {"status": application.get_status_display()}
        )
    note = (note or "").strip()
    if not approve and not note:
        raise ValidationError({"note": _("Say why the application is rejected.")})
    application.status = Application.Status.APPROVED if approve else Application.Status.REJECTED
    application.decided_at, application.decided_by, application.decision_note = timezone.now(), actor, note
    application.save(update_fields=["status", "decided_at", "decided_by", "decision_note"])
    policy = application.policy
    subject = (
        _("Application approved: %(policy)s (%(period)s)")
        if approve
        else _("Application rejected: %(policy)s (%(period)s)")
    ) % {"policy": policy.title, "period": application.period}
    notify(
        User.objects.filter(enterprise=application.enterprise_id, is_active=True),
        subject,
        note,
        link=_enterprise_link(policy),
        topic=f"policy:{policy.pk}:application",
    )
    return application


@transaction.atomic
def application_record_payment(*, actor: User, application_id: int, amount, paid_on: date) -> Disbursement:
    """Record the payment of an approved application: a Disbursement (source application)."""
    _require_office(actor)
    application = _locked_application(actor, application_id)
    if application.status != Application.Status.APPROVED:
        raise ValidationError(_("Only an approved application can be paid."))
    amount = _money(amount, "amount", required=True)
    if amount <= 0:
        raise ValidationError({"amount": _("The amount paid must be greater than 0.")})
    policy, enterprise = application.policy, application.enterprise
    _over_cap(policy, amount, "amount")
    _check_paid_on(paid_on)
    twice = granted_twice_message([enterprise.name], policy, application.period)
    if Disbursement.objects.filter(policy=policy, enterprise=enterprise, period=application.period).exists():
        raise ValidationError(twice)
    try:
        with transaction.atomic():
            disbursement = Disbursement.objects.create(
                policy=policy,
                enterprise=enterprise,
                period=application.period,
                amount=amount,
                paid_on=paid_on,
                source=Disbursement.Source.APPLICATION,
                application=application,
                recorded_by=actor,
            )
    except IntegrityError:
        raise ValidationError(twice) from None
    _notify_paid(policy, application.period, {enterprise.pk: amount}, paid_on)
    return disbursement
