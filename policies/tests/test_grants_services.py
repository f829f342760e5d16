"""免申即享 grant lists and applications, through the services: a full run (generate → take one off →
approve → pay → disbursements and notifications → regenerate leaves the paid out → paying twice refused),
the application path, and nothing granted twice across the two."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError

from core.models import Notification
from enterprises.models import Enterprise
from policies.models import Application, Disbursement, GrantBatch, GrantLine, Policy
from policies.services import grants as services
from policies.tests.test_grants_data import (  # noqa: F401
    PERIOD,
    TODAY,
    data_fixture,
    in_english_fixture,
    make_policy,
    more_eligible,
)

pytestmark = pytest.mark.usefixtures("in_english")


def lines_of(batch):
    return {line.enterprise.name: line for line in batch.lines.select_related("enterprise")}


def generate(data, user=None, period=PERIOD, policy=None):
    return services.grant_batch_generate(
        actor=user or data.office_user, policy_id=(policy or data.auto).pk, period=period
    )


class TestGrantRun:
    def test_a_full_run_from_list_to_payment(self, data):
        batch = generate(data)
        assert batch.status == GrantBatch.Status.DRAFT
        lines = lines_of(batch)
        assert set(lines) == {"湘中机械有限公司", "雀塘食品有限公司", "邵水新材料股份有限公司"}  # not 小作坊
        a, b, c = lines["湘中机械有限公司"], lines["雀塘食品有限公司"], lines["邵水新材料股份有限公司"]
        assert (a.amount, a.excluded) == (Decimal("30.00"), False)
        assert (b.amount, b.basis["capped"], b.basis["value"]) == (Decimal("50.00"), True, "800.00")
        assert c.excluded and c.excluded_reason == "last year's tax paid is not known for this enterprise."

        services.grant_line_exclude(actor=data.office_user, line_id=b.pk, reason="存在失信记录")
        with pytest.raises(ValidationError, match="cannot be put back"):
            services.grant_line_include(actor=data.office_user, line_id=c.pk)
        with pytest.raises(PermissionDenied, match="someone other than who generated it"):
            services.grant_batch_approve(actor=data.office_user, batch_id=batch.pk)
        with pytest.raises(ValidationError, match="must be approved"):
            services.grant_batch_record_payment(actor=data.office_user, batch_id=batch.pk, paid_on=TODAY)
        batch = services.grant_batch_approve(actor=data.office_two, batch_id=batch.pk)
        assert batch.status == GrantBatch.Status.APPROVED and batch.approved_by == data.office_two
        with pytest.raises(ValidationError, match="Only a draft list can be changed"):
            services.grant_line_include(actor=data.office_user, line_id=b.pk)

        paid = services.grant_batch_record_payment(actor=data.office_user, batch_id=batch.pk, paid_on=TODAY)
        assert [(d.enterprise_id, d.amount, d.source) for d in paid] == [
            (data.ent_a.pk, Decimal("30.00"), "auto_grant")
        ]
        batch.refresh_from_db()
        assert batch.status == GrantBatch.Status.PAID
        disbursement = Disbursement.objects.get()
        assert (disbursement.period, disbursement.grant_line_id, disbursement.paid_on) == (PERIOD, a.pk, TODAY)
        # Both of 湘中机械's users are told, nobody else.
        told = Notification.objects.filter(topic=f"policy:{data.auto.pk}:paid")
        assert {n.recipient for n in told} == {data.ent_a_user, data.ent_a_colleague}
        assert "30.00" in told.first().subject

        with pytest.raises(ValidationError, match="has been paid already"):
            services.grant_batch_record_payment(actor=data.office_user, batch_id=batch.pk, paid_on=TODAY)

        # Regenerating the period: the paid line stays, 湘中机械 is not listed again, the office's exclusion
        # of 雀塘食品 is kept, a newcomer is listed; the list is a draft again.
        newcomer = more_eligible(data, 1)[0]
        batch = generate(data, user=data.office_two)
        assert batch.status == GrantBatch.Status.DRAFT and batch.approved_by is None
        lines = lines_of(batch)
        assert set(lines) == {"湘中机械有限公司", "雀塘食品有限公司", "邵水新材料股份有限公司", newcomer.name}
        assert lines["湘中机械有限公司"].pk == a.pk  # the paid line itself, untouched
        assert lines["雀塘食品有限公司"].excluded_reason == "存在失信记录"
        services.grant_batch_approve(actor=data.office_user, batch_id=batch.pk)
        second = services.grant_batch_record_payment(actor=data.office_user, batch_id=batch.pk, paid_on=TODAY)
        assert [d.enterprise_id for d in second] == [newcomer.pk]
        assert Disbursement.objects.filter(enterprise=data.ent_a).count() == 1

    def test_a_new_list_leaves_out_whoever_was_paid_by_application(self, data):
        Disbursement.objects.create(
            policy=data.auto,
            enterprise=data.ent_a,
            period=PERIOD,
            amount=Decimal(5),
            paid_on=TODAY,
            source="application",
            recorded_by=data.office_user,
        )
        assert "湘中机械有限公司" not in lines_of(generate(data))
        # Another period lists it again.
        assert "湘中机械有限公司" in lines_of(generate(data, period=f"{TODAY.year - 1}"))

    def test_regenerating_a_draft_replaces_its_lines(self, data):
        batch = generate(data)
        first_ids = set(batch.lines.values_list("pk", flat=True))
        Enterprise.objects.filter(pk=data.ent_c.pk).update(name="邵水新材料（更名）")
        more_eligible(data, 2)
        batch = generate(data)
        assert GrantBatch.objects.count() == 1
        assert batch.lines.count() == 5
        assert not first_ids & set(batch.lines.values_list("pk", flat=True))

    def test_a_payment_found_at_pay_time_refuses_the_whole_list(self, data):
        batch = generate(data)
        services.grant_batch_approve(actor=data.office_two, batch_id=batch.pk)
        Disbursement.objects.create(
            policy=data.auto,
            enterprise=data.ent_b,
            period=PERIOD,
            amount=Decimal(5),
            paid_on=TODAY,
            source="application",
            recorded_by=data.office_user,
        )
        with pytest.raises(ValidationError, match="Already granted for .*雀塘食品有限公司"):
            services.grant_batch_record_payment(actor=data.office_user, batch_id=batch.pk, paid_on=TODAY)
        assert Disbursement.objects.count() == 1

    def test_the_database_is_the_last_guard(self, data, monkeypatch):
        batch = generate(data)
        services.grant_batch_approve(actor=data.office_two, batch_id=batch.pk)

        def racing(*args, **kwargs):
            raise IntegrityError("disbursement_once_per_period")

        monkeypatch.setattr(Disbursement.objects, "bulk_create", racing)
        with pytest.raises(ValidationError, match="Nothing is granted twice"):
            services.grant_batch_record_payment(actor=data.office_user, batch_id=batch.pk, paid_on=TODAY)

    @pytest.mark.parametrize(
        ("change", "message"),
        [
            ({"status": Policy.Status.DRAFT}, "Only a published policy"),
            ({"obtain": Policy.Obtain.APPLICATION}, "obtained by application"),
            ({"eligibility": {}}, "no eligibility rule"),
            ({"benefit_formula": {}}, "no amount formula"),
        ],
    )
    def test_what_cannot_have_a_list(self, data, change, message):
        Policy.objects.filter(pk=data.auto.pk).update(**change)
        with pytest.raises(ValidationError, match=message):
            generate(data)

    @pytest.mark.parametrize("period", ["", "26", "2026 年", "2026-toolong"])
    def test_a_period_is_a_year_or_a_part_of_one(self, data, period):
        with pytest.raises(ValidationError, match="A period is a year"):
            generate(data, period=period)

    def test_a_period_part_is_accepted_in_upper_case(self, data):
        assert generate(data, period="2026-h1").period == "2026-H1"

    def test_only_the_office_acts(self, data):
        for user in (data.gxj_head, data.auditor, data.ent_a_user):
            with pytest.raises(PermissionDenied):
                generate(data, user=user)
        batch = generate(data)
        line = batch.lines.first()
        with pytest.raises(PermissionDenied):
            services.grant_line_exclude(actor=data.gxj_handler, line_id=line.pk, reason="x")
        with pytest.raises(PermissionDenied):
            services.grant_batch_approve(actor=data.auditor, batch_id=batch.pk)

    def test_a_reason_is_needed_to_take_a_line_off(self, data):
        line = generate(data).lines.filter(excluded=False).first()
        with pytest.raises(ValidationError, match="Say why"):
            services.grant_line_exclude(actor=data.office_user, line_id=line.pk, reason="  ")
        services.grant_line_exclude(actor=data.office_user, line_id=line.pk, reason="已注销")
        line = services.grant_line_include(actor=data.office_user, line_id=line.pk)
        assert (line.excluded, line.excluded_reason) == (False, "")

    def test_an_empty_list_cannot_be_approved(self, data):
        batch = generate(data)
        for line in batch.lines.filter(excluded=False):
            services.grant_line_exclude(actor=data.office_user, line_id=line.pk, reason="核查中")
        with pytest.raises(ValidationError, match="nobody to pay"):
            services.grant_batch_approve(actor=data.office_two, batch_id=batch.pk)

    def test_payment_date_not_in_the_future(self, data):
        batch = generate(data)
        services.grant_batch_approve(actor=data.office_two, batch_id=batch.pk)
        with pytest.raises(ValidationError, match="future"):
            services.grant_batch_record_payment(
                actor=data.office_user, batch_id=batch.pk, paid_on=TODAY + timedelta(days=1)
            )

    def test_generation_query_count_does_not_grow_with_the_list(self, data, django_assert_num_queries):
        generate(data)  # the list exists: both runs below regenerate it
        with django_assert_num_queries(13) as small:
            generate(data)
        more_eligible(data, 8)
        with django_assert_num_queries(13):
            generate(data)
        assert len(small.captured_queries) == 13

    def test_payment_query_count_does_not_grow_with_the_list(self, data, django_assert_num_queries):
        more_eligible(data, 8)
        batch = generate(data)
        services.grant_batch_approve(actor=data.office_two, batch_id=batch.pk)
        # One notification insert per distinct amount: 30 (湘中机械), 50 (雀塘食品), 10 (the eight newcomers).
        with django_assert_num_queries(14):
            services.grant_batch_record_payment(actor=data.office_user, batch_id=batch.pk, paid_on=TODAY)
        assert Disbursement.objects.count() == 10


def apply(data, user=None, period=PERIOD, amount="12.5", policy=None):
    return services.application_submit(
        actor=user or data.ent_a_user,
        policy_id=(policy or data.apply).pk,
        period=period,
        requested_amount=amount,
        note="附研发费用专项审计报告",
    )


class TestApplications:
    def test_apply_decide_pay(self, data):
        application = apply(data)
        assert (application.status, application.requested_amount) == ("submitted", Decimal("12.50"))
        assert application.enterprise == data.ent_a and application.submitted_by == data.ent_a_user
        with pytest.raises(ValidationError, match="must be approved|Only an approved"):
            services.application_record_payment(
                actor=data.office_user, application_id=application.pk, amount=10, paid_on=TODAY
            )
        application = services.application_decide(
            actor=data.office_user, application_id=application.pk, approve=True, note="材料齐全"
        )
        assert (application.status, application.decided_by) == ("approved", data.office_user)
        assert Notification.objects.filter(
            topic=f"policy:{data.apply.pk}:application", recipient=data.ent_a_colleague
        ).exists()
        with pytest.raises(ValidationError, match="decided already"):
            services.application_decide(actor=data.office_user, application_id=application.pk, approve=False, note="x")
        with pytest.raises(ValidationError, match="above the policy's cap"):
            services.application_record_payment(
                actor=data.office_user, application_id=application.pk, amount="60", paid_on=TODAY
            )
        paid = services.application_record_payment(
            actor=data.office_user, application_id=application.pk, amount="12", paid_on=TODAY
        )
        assert (paid.source, paid.application, paid.amount, paid.period) == (
            "application",
            application,
            Decimal(12),
            PERIOD,
        )
        assert Notification.objects.filter(topic=f"policy:{data.apply.pk}:paid", recipient=data.ent_a_user).exists()
        with pytest.raises(ValidationError, match="Nothing is granted twice"):
            services.application_record_payment(
                actor=data.office_user, application_id=application.pk, amount="12", paid_on=TODAY
            )

    def test_once_per_period(self, data):
        apply(data)
        with pytest.raises(ValidationError, match="already applied"):
            apply(data, user=data.ent_a_colleague)
        assert apply(data, period=str(TODAY.year - 1)).period == str(TODAY.year - 1)

    def test_the_deadline_and_the_expiry(self, data):
        Policy.objects.filter(pk=data.apply.pk).update(application_deadline=TODAY - timedelta(days=1))
        with pytest.raises(ValidationError, match="deadline for applications was"):
            apply(data)
        Policy.objects.filter(pk=data.apply.pk).update(application_deadline=TODAY, expires_on=TODAY - timedelta(days=1))
        with pytest.raises(ValidationError, match="expired"):
            apply(data)
        Policy.objects.filter(pk=data.apply.pk).update(expires_on=None)
        assert apply(data).pk  # the deadline day itself is open

    def test_an_auto_grant_policy_takes_no_application(self, data):
        with pytest.raises(ValidationError, match="without application"):
            apply(data, policy=data.auto)

    def test_only_an_enterprise_applies_and_only_for_a_published_policy(self, data):
        with pytest.raises(PermissionDenied):
            apply(data, user=data.office_user)
        draft = make_policy(data.office_user, obtain=Policy.Obtain.APPLICATION, status=Policy.Status.DRAFT)
        from django.http import Http404

        with pytest.raises(Http404):  # an enterprise does not see drafts
            apply(data, policy=draft)

    def test_a_rejection_says_why_and_only_the_office_decides(self, data):
        application = apply(data)
        with pytest.raises(PermissionDenied):
            services.application_decide(actor=data.gxj_head, application_id=application.pk, approve=True)
        with pytest.raises(ValidationError, match="Say why"):
            services.application_decide(actor=data.office_user, application_id=application.pk, approve=False)
        rejected = services.application_decide(
            actor=data.office_user, application_id=application.pk, approve=False, note="研发投入不足"
        )
        assert rejected.status == Application.Status.REJECTED
        with pytest.raises(ValidationError, match="Only an approved application"):
            services.application_record_payment(
                actor=data.office_user, application_id=application.pk, amount=1, paid_on=TODAY
            )

    def test_bad_amounts(self, data):
        with pytest.raises(ValidationError, match="at most 2 decimals"):
            apply(data, amount="1.234")
        with pytest.raises(ValidationError, match="Enter an amount"):
            apply(data, amount="abc")
        application = apply(data, amount=None)
        assert application.requested_amount is None


class TestNothingGrantedTwice:
    """The same policy, enterprise and period is never paid twice, whichever way it was paid first."""

    def switch(self, policy, obtain):
        Policy.objects.filter(pk=policy.pk).update(obtain=obtain)
        policy.refresh_from_db()

    def test_paid_by_list_then_application_refused(self, data):
        # The policy was 免申即享 for this period, then turned into an application policy.
        self.switch(data.apply, Policy.Obtain.AUTO_GRANT)
        batch = generate(data, policy=data.apply)
        services.grant_batch_approve(actor=data.office_two, batch_id=batch.pk)
        services.grant_batch_record_payment(actor=data.office_user, batch_id=batch.pk, paid_on=TODAY)
        self.switch(data.apply, Policy.Obtain.APPLICATION)
        with pytest.raises(ValidationError, match="Already granted for"):
            apply(data)

    def test_paid_by_application_then_listed_refused(self, data):
        application = apply(data)
        services.application_decide(actor=data.office_user, application_id=application.pk, approve=True)
        self.switch(data.apply, Policy.Obtain.AUTO_GRANT)
        batch = generate(data, policy=data.apply)
        services.grant_batch_approve(actor=data.office_two, batch_id=batch.pk)
        # Paid by the application after the list was approved: the list's payment is refused, naming it.
        self.switch(data.apply, Policy.Obtain.APPLICATION)
        services.application_record_payment(
            actor=data.office_user, application_id=application.pk, amount=8, paid_on=TODAY
        )
        with pytest.raises(ValidationError, match="湘中机械有限公司"):
            services.grant_batch_record_payment(actor=data.office_user, batch_id=batch.pk, paid_on=TODAY)
        assert Disbursement.objects.filter(enterprise=data.ent_a, policy=data.apply).count() == 1
        # Regenerated, the list leaves it out.
        self.switch(data.apply, Policy.Obtain.AUTO_GRANT)
        batch = generate(data, policy=data.apply, user=data.office_two)
        assert "湘中机械有限公司" not in lines_of(batch)
        assert not GrantLine.objects.filter(batch=batch, enterprise=data.ent_a).exists()


def test_the_rule_and_the_formula_may_read_the_same_fact(data):
    policy = make_policy(data.office_user, eligibility={"fact": "last_year_tax", "op": "gte", "value": 100})
    batch = generate(data, policy=policy)
    assert {(line.enterprise.name, line.amount) for line in batch.lines.select_related("enterprise")} == {
        ("湘中机械有限公司", Decimal("30.00")),
        ("雀塘食品有限公司", Decimal("50.00")),
    }
