"""Shared by the case action API tests: a client that signs in as anyone, JSON and multipart posts, and
cases brought to each state through the service functions (the API under test is only used to act)."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cases.models import Case, CaseEvent, CaseReply, ExtensionRequest
from cases.services import dispatch, handling, review, supervision

API = "/api/v1/cases"


def pdf(name="evidence.pdf", body=b"proof"):
    return SimpleUploadedFile(name, b"%PDF-1.4\n" + body, content_type="application/pdf")


class Api:
    """A test client that signs in as the given user, in English (the tests read the English msgids)."""

    def __init__(self, client):
        self.client = client
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

    def as_(self, user):
        self.client.logout()
        self.client.force_login(user)
        return self

    def url(self, case, suffix=""):
        return f"{API}/{case.pk}" + (f"/{suffix}" if suffix else "")

    def get(self, case, suffix="", **extra):
        return self.client.get(self.url(case, suffix), **extra)

    def post(self, case, suffix, data=None, **extra):
        return self.client.post(
            self.url(case, suffix), json.dumps(data or {}), content_type="application/json", **extra
        )

    def post_form(self, case, suffix, data, **extra):
        return self.client.post(self.url(case, suffix), data, **extra)


@pytest.fixture
def api(client):
    return Api(client)


def events_of(case) -> int:
    return CaseEvent.objects.filter(case=case).count()


class States:
    """Cases of ent_a at each stage; lead 工信局, co 发改局, locality 酿溪镇 once assigned."""

    def __init__(self, county, file_case):
        self.county, self.file_case = county, file_case

    def _fresh(self, case):
        case.refresh_from_db()
        return case

    def submitted(self):
        return self.file_case(contact_name="张经理", contact_phone="13812345678")

    def assigned(self):
        case = self.submitted()
        dispatch.case_assign(
            actor=self.county.office_user,
            case_id=case.pk,
            lead_unit_id=self.county.gxj.pk,
            co_unit_ids=[self.county.fgj.pk],
            locality_unit_ids=[self.county.town_a_gov.pk],
        )
        return self._fresh(case)

    def in_progress(self):
        case = self.assigned()
        handling.case_accept(actor=self.county.gxj_handler, case_id=case.pk)
        return self._fresh(case)

    def waiting(self):
        case = self.in_progress()
        handling.case_wait(actor=self.county.gxj_handler, case_id=case.pk, request="请补充近三月财务报表")
        return self._fresh(case)

    def with_extension(self):
        case = self.in_progress()
        handling.extension_request(actor=self.county.gxj_handler, case_id=case.pk, days=3, reason="需协调银行")
        return self._fresh(case)

    def extension_decided(self):
        case = self.with_extension()
        extension = ExtensionRequest.objects.get(case=case)
        handling.extension_decide(actor=self.county.office_user, extension_id=extension.pk, approve=True)
        return self._fresh(case)

    def with_reply(self):
        case = self.in_progress()
        handling.reply_draft(actor=self.county.gxj_handler, case_id=case.pk, outcome="solved", text="已协调续贷")
        return self._fresh(case)

    def reply_decided(self):
        case = self.with_reply()
        reply = CaseReply.objects.get(case=case)
        handling.reply_decide(actor=self.county.gxj_head, reply_id=reply.pk, approve=False, note="补充材料")
        return self._fresh(case)

    def resolved(self):
        case = self.in_progress()
        handling.reply_draft(actor=self.county.gxj_head, case_id=case.pk, outcome="solved", text="已协调续贷")
        return self._fresh(case)

    def closed(self):
        case = self.resolved()
        review.case_rate(actor=self.county.ent_a_user, case_id=case.pk, rating="satisfied")
        return self._fresh(case)

    def merged(self):
        case = self.submitted()
        other = self.file_case(enterprise=self.county.ent_b, actor=self.county.ent_b_user)
        dispatch.case_merge(actor=self.county.office_user, case_ids=[case.pk, other.pk], title="续贷难")
        return self._fresh(case)

    def supervised(self):
        case = self.in_progress()
        supervision.case_supervise(actor=self.county.office_user, case_id=case.pk, text="请加快办理")
        return self._fresh(case)

    def supervision_replied(self):
        case = self.supervised()
        notice = case.supervisions.get()
        supervision.supervision_reply(actor=self.county.gxj_handler, supervision_id=notice.pk, reply="已加快")
        return self._fresh(case)

    def listed(self):
        case = self.in_progress()
        supervision.case_list(actor=self.county.office_user, case_id=case.pk, note="重大诉求")
        return self._fresh(case)


@pytest.fixture
def states(county, heads, file_case):
    return States(county, file_case)


def state_of(case: Case) -> str:
    return Case.objects.values_list("state", flat=True).get(pk=case.pk)
