"""The grant, application and performance pages: the office runs a 免申即享 list through the pages, decides
and pays an application; unit staff read their slice without acting; an enterprise applies and reads its
own; who is refused; Excel exports; constant query counts on the lists."""

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from conftest import make_credit_code
from core.models import Notification
from enterprises.models import Enterprise
from policies.models import Application, Disbursement, GrantBatch, Policy
from policies.selectors.grants import enterprise_applications, enterprise_disbursements
from policies.services import grants as services
from policies.tests.test_grants_data import (  # noqa: F401
    PERIOD,
    TODAY,
    data_fixture,
    figures,
    in_english_fixture,
    login_fixture,
    make_policy,
    more_eligible,
)

pytestmark = pytest.mark.usefixtures("in_english")


@pytest.fixture
def batch(data):
    return services.grant_batch_generate(actor=data.office_user, policy_id=data.auto.pk, period=PERIOD)


def names(response):
    return {line.enterprise.name for line in response.context["page"]}


class TestGrantPages:
    def test_the_office_runs_a_list_through_the_pages(self, data, login, client):
        login(data.office_user)
        new = reverse("grant_batch_new", args=[data.auto.pk])
        page = client.get(f"{new}?period={PERIOD}")
        assert page.status_code == 200 and page.context["form"].initial["period"] == PERIOD
        response = client.post(new, {"period": PERIOD})
        batch = GrantBatch.objects.get()
        assert response.status_code == 302 and response.url == reverse("grant_batch_detail", args=[batch.pk])

        detail = client.get(response.url)
        assert names(detail) == {"湘中机械有限公司", "雀塘食品有限公司", "邵水新材料股份有限公司"}
        totals = detail.context["totals"]
        assert (totals.listed, totals.off, totals.total) == (2, 1, Decimal("80.00"))
        body = detail.content.decode()
        assert 'data-testid="approve-form"' not in body  # the generator does not approve
        assert "The list is approved by an office colleague" in body

        line_b = batch.lines.get(enterprise=data.ent_b)
        client.post(reverse("grant_line_exclude", args=[line_b.pk]), {"reason": "存在失信记录"})
        line_b.refresh_from_db()
        assert (line_b.excluded, line_b.excluded_reason) == (True, "存在失信记录")
        client.post(reverse("grant_line_include", args=[line_b.pk]))
        client.post(reverse("grant_line_exclude", args=[line_b.pk]), {"reason": "存在失信记录"})

        login(data.office_two)
        assert (
            'data-testid="approve-form"' in client.get(reverse("grant_batch_detail", args=[batch.pk])).content.decode()
        )
        client.post(reverse("grant_batch_approve", args=[batch.pk]))
        batch.refresh_from_db()
        assert batch.status == GrantBatch.Status.APPROVED
        response = client.post(reverse("grant_batch_pay", args=[batch.pk]), {"paid_on": TODAY.isoformat()}, follow=True)
        assert "The payment is recorded" in response.content.decode()
        assert list(Disbursement.objects.values_list("enterprise__name", "amount")) == [
            ("湘中机械有限公司", Decimal("30.00"))
        ]
        response = client.post(reverse("grant_batch_pay", args=[batch.pk]), {"paid_on": TODAY.isoformat()}, follow=True)
        assert "This list has been paid already." in response.content.decode()
        assert Disbursement.objects.count() == 1

    def test_a_refused_generation_shows_on_the_form(self, data, login, client):
        login(data.office_user)
        response = client.post(reverse("grant_batch_new", args=[data.apply.pk]), {"period": PERIOD})
        assert response.status_code == 200
        assert "obtained by application" in response.content.decode()
        response = client.post(reverse("grant_batch_new", args=[data.auto.pk]), {"period": "明年"})
        assert "A period is a year" in response.content.decode()

    def test_the_generator_is_refused_approval_with_a_message(self, data, batch, login, client):
        login(data.office_user)
        response = client.post(reverse("grant_batch_approve", args=[batch.pk]), follow=True)
        assert "approved by someone other than who generated it" in response.content.decode()

    def test_unit_staff_read_their_enterprises_lines_and_cannot_act(self, data, batch, login, client):
        login(data.town_a_handler)  # 酿溪镇: 湘中机械 and 邵水新材料
        assert client.get(reverse("grant_batch_list")).status_code == 200
        detail = client.get(reverse("grant_batch_detail", args=[batch.pk]))
        assert names(detail) == {"湘中机械有限公司", "邵水新材料股份有限公司"}
        assert detail.context["totals"].total == Decimal("30.00")
        body = detail.content.decode()
        assert "Take off" not in body and 'data-testid="regenerate-form"' not in body
        assert client.post(reverse("grant_batch_approve", args=[batch.pk])).status_code == 403
        line = batch.lines.get(enterprise=data.ent_a)
        assert client.post(reverse("grant_line_exclude", args=[line.pk]), {"reason": "x"}).status_code == 403
        assert client.get(reverse("grant_batch_new", args=[data.auto.pk])).status_code == 403

    def test_enterprises_and_strangers_are_kept_out(self, data, batch, login, client):
        detail = reverse("grant_batch_detail", args=[batch.pk])
        assert client.get(detail).status_code == 302  # to the login page
        login(data.ent_a_user)
        assert client.get(detail).status_code == 403
        assert client.get(reverse("grant_batch_list")).status_code == 403
        assert client.get(reverse("application_list")).status_code == 403
        assert client.get(reverse("policy_performance")).status_code == 403
        login(data.office_user)
        assert client.get(reverse("grant_batch_detail", args=[batch.pk + 100])).status_code == 404

    def test_the_list_exports_to_excel(self, data, batch, login, client):
        login(data.auditor)
        response = client.get(reverse("grant_batch_export", args=[batch.pk]))
        sheet = load_workbook(io.BytesIO(response.content)).active
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[0][0] == "Enterprise" and len(rows) == 4
        amounts = {row[0]: row[3] for row in rows[1:]}
        assert amounts["雀塘食品有限公司"] == 50

    def test_list_pages_query_counts_are_constant(self, data, login, client, django_assert_num_queries):
        def make_batches(n, start):
            for i in range(n):
                policy = make_policy(data.office_user, title=f"奖励{start + i}")
                services.grant_batch_generate(actor=data.office_user, policy_id=policy.pk, period=PERIOD)

        make_batches(2, 0)
        login(data.office_user)
        with django_assert_num_queries(7):
            client.get(reverse("grant_batch_list"))
        make_batches(8, 10)
        with django_assert_num_queries(7):
            response = client.get(reverse("grant_batch_list"))
        assert len(response.context["page"]) == 10

    def test_detail_query_count_is_constant(self, data, batch, login, client, django_assert_num_queries):
        login(data.office_user)
        url = reverse("grant_batch_detail", args=[batch.pk])
        with django_assert_num_queries(10):
            client.get(url)
        more_eligible(data, 8)
        services.grant_batch_generate(actor=data.office_user, policy_id=data.auto.pk, period=PERIOD)
        with django_assert_num_queries(10):
            response = client.get(url)
        assert len(response.context["page"]) == 11


class TestApplicationPages:
    def test_an_enterprise_applies_and_the_office_decides_and_pays(self, data, login, client):
        login(data.ent_a_user)
        url = reverse("application_new", args=[data.apply.pk])
        assert client.get(url).status_code == 200
        response = client.post(url, {"period": PERIOD, "requested_amount": "20", "note": "附审计报告"})
        assert response.status_code == 302
        application = Application.objects.get()
        assert (application.enterprise, application.requested_amount) == (data.ent_a, Decimal(20))
        response = client.post(url, {"period": PERIOD})
        assert "already applied" in response.content.decode()
        assert len(client.get(url).context["mine"]) == 1

        login(data.office_user)
        listing = client.get(reverse("application_list"))
        assert [a.pk for a in listing.context["page"]] == [application.pk]
        assert f'data-testid="decide-{application.pk}"' in listing.content.decode()
        client.post(reverse("application_decide", args=[application.pk]), {"decision": "approve", "note": ""})
        application.refresh_from_db()
        assert application.status == Application.Status.APPROVED
        response = client.post(
            reverse("application_pay", args=[application.pk]),
            {"amount": "18", "paid_on": TODAY.isoformat()},
            follow=True,
        )
        assert "The payment is recorded" in response.content.decode()
        assert Disbursement.objects.get().amount == Decimal(18)
        assert Notification.objects.filter(recipient=data.ent_a_user, topic=f"policy:{data.apply.pk}:paid").exists()

        # The enterprise reads its own application and payment; another enterprise reads none of them.
        assert [a.paid_amount for a in enterprise_applications(data.ent_a_user, data.ent_a)] == [Decimal(18)]
        assert [d.amount for d in enterprise_disbursements(data.ent_a_user, data.ent_a)] == [Decimal(18)]
        assert not enterprise_applications(data.ent_b_user, data.ent_a).exists()
        assert not enterprise_disbursements(data.ent_b_user, data.ent_a).exists()

    def test_a_rejection_without_a_reason_is_refused(self, data, login, client):
        application = services.application_submit(actor=data.ent_a_user, policy_id=data.apply.pk, period=PERIOD)
        login(data.office_user)
        response = client.post(
            reverse("application_decide", args=[application.pk]), {"decision": "reject", "note": ""}, follow=True
        )
        assert "Say why the application is rejected." in response.content.decode()

    def test_an_auto_grant_policy_shows_no_form_and_a_draft_is_not_found(self, data, login, client):
        login(data.ent_a_user)
        response = client.get(reverse("application_new", args=[data.auto.pk]))
        assert 'data-testid="no-application"' in response.content.decode()
        draft = make_policy(data.office_user, status=Policy.Status.DRAFT, obtain=Policy.Obtain.APPLICATION)
        assert client.get(reverse("application_new", args=[draft.pk])).status_code == 404

    def test_staff_cannot_apply_and_units_read_their_slice(self, data, login, client):
        services.application_submit(actor=data.ent_a_user, policy_id=data.apply.pk, period=PERIOD)
        services.application_submit(actor=data.ent_b_user, policy_id=data.apply.pk, period=PERIOD)
        login(data.office_user)
        assert client.get(reverse("application_new", args=[data.apply.pk])).status_code == 403
        login(data.town_a_handler)
        listing = client.get(reverse("application_list"))
        assert [a.enterprise for a in listing.context["page"]] == [data.ent_a]
        assert "Decide" not in listing.content.decode()
        application = Application.objects.get(enterprise=data.ent_b)
        response = client.post(reverse("application_decide", args=[application.pk]), {"decision": "approve"})
        assert response.status_code == 403

    def test_list_query_count_is_constant(self, data, login, client, django_assert_num_queries):
        def applications(n, start):
            for i in range(n):
                e = Enterprise.objects.create(
                    credit_code=make_credit_code(start + i), name=f"申报{i}", region=data.town_b
                )
                user = type(data.ent_a_user).objects.create_user(username=f"e{start + i}", enterprise=e)
                user.role_grants.create(role="enterprise")
                services.application_submit(actor=user, policy_id=data.apply.pk, period=PERIOD)

        applications(2, 700)
        login(data.office_user)
        with django_assert_num_queries(7):
            client.get(reverse("application_list"))
        applications(8, 800)
        with django_assert_num_queries(7):
            response = client.get(reverse("application_list"))
        assert len(response.context["page"]) == 10


class TestPerformancePage:
    def test_the_page_and_its_export(self, data, login, client):
        make_policy(
            data.office_user,
            title="独角兽企业奖励",
            eligibility={"fact": "last_year_revenue", "op": "gte", "value": 99999},
        )
        login(data.gxj_head)
        response = client.get(reverse("policy_performance"))
        rows = {row.policy.title: row for row in response.context["rows"]}
        assert rows["独角兽企业奖励"].ceiling
        assert 'data-testid="flag-ceiling"' in response.content.decode()
        export = client.get(reverse("policy_performance_export"))
        sheet = load_workbook(io.BytesIO(export.content)).active
        table = list(sheet.iter_rows(values_only=True))
        assert table[0][0] == "Policy" and len(table) == 4
        flags = {row[0]: row[-1] for row in table[1:]}
        assert "天花板" in flags["独角兽企业奖励"]

    def test_query_count_is_constant(self, data, login, client, django_assert_num_queries):
        login(data.office_user)
        with django_assert_num_queries(12):
            client.get(reverse("policy_performance"))
        for i in range(8):
            make_policy(data.office_user, title=f"政策{i}")
        figures(data.ent_d, 1, year=TODAY.year)
        with django_assert_num_queries(12):
            response = client.get(reverse("policy_performance"))
        assert len(response.context["rows"]) == 10


def test_after_applying_the_enterprise_lands_on_the_policy_and_is_told_there(data, login, client):
    login(data.ent_a_user)
    response = client.post(reverse("application_new", args=[data.apply.pk]), {"period": PERIOD})
    assert response.url == reverse("my_policy", args=[data.apply.pk])
    application = Application.objects.get()
    services.application_decide(actor=data.office_user, application_id=application.pk, approve=True)
    told = Notification.objects.filter(recipient=data.ent_a_user).get()
    assert told.link == reverse("my_policy", args=[data.apply.pk])
