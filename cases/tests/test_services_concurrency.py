"""Two units acting on one case at the same moment lose no update: the case row is locked, so the second
waits for the first and writes the next event of the chain. Real concurrency needs real connections and
row locks, so this runs on PostgreSQL (CI's second pass); SQLite serialises writers by itself."""

import threading

import pytest
from django.db import connection, connections

from cases.models import Assignment, Case
from cases.services import dispatch, handling, intake
from cases.services.trail import verify_trail

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")


def run_at_once(*calls):
    barrier = threading.Barrier(len(calls))
    errors = []

    def worker(call):
        try:
            barrier.wait()
            call()
        except Exception as error:  # reported to the test below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


@pytest.mark.django_db(transaction=True)
def test_two_units_accept_and_note_progress_at_once(county, category):
    (case,) = intake.case_submit(
        actor=county.ent_a_user,
        enterprise_ids=[county.ent_a.pk],
        title="用电增容审批慢",
        description="新增生产线需增容。",
        category_id=category.pk,
        channel=Case.Channel.SELF_SERVICE,
    )
    dispatch.case_assign(
        actor=county.office_user,
        case_id=case.pk,
        lead_unit_id=county.gxj.pk,
        co_unit_ids=[county.fgj.pk],
        locality_unit_ids=[county.town_a_gov.pk],
    )
    errors = run_at_once(
        lambda: handling.case_accept(actor=county.gxj_handler, case_id=case.pk),
        lambda: handling.case_accept(actor=county.fgj_handler, case_id=case.pk),
        lambda: handling.case_accept(actor=county.town_a_handler, case_id=case.pk),
    )
    assert errors == []
    errors = run_at_once(
        lambda: handling.case_progress(actor=county.gxj_handler, case_id=case.pk, note="工信局已对接供电公司"),
        lambda: handling.case_progress(actor=county.fgj_handler, case_id=case.pk, note="发改局已核准项目"),
    )
    assert errors == []
    case.refresh_from_db()
    assert case.state == Case.State.IN_PROGRESS
    assert set(case.assignments.values_list("state", flat=True)) == {Assignment.State.ACCEPTED}
    assert list(case.events.order_by("seq").values_list("seq", flat=True)) == list(range(1, 8))
    assert case.events.filter(kind="progress").count() == 2
    assert list(verify_trail()) == []


@pytest.mark.django_db(transaction=True)
def test_the_same_reply_approved_twice_at_once_resolves_once(county, category, make_user):
    from accounts.models import Role

    second_head = make_user("gxj_head2", Role.UNIT_HEAD, unit=county.gxj)
    (case,) = intake.case_submit(
        actor=county.ent_a_user,
        enterprise_ids=[county.ent_a.pk],
        title="招工难",
        description="缺少熟练焊工。",
        category_id=category.pk,
        channel=Case.Channel.SELF_SERVICE,
    )
    dispatch.case_assign(actor=county.office_user, case_id=case.pk, lead_unit_id=county.gxj.pk)
    handling.case_accept(actor=county.gxj_handler, case_id=case.pk)
    handling.reply_draft(actor=county.gxj_handler, case_id=case.pk, outcome="solved", text="已组织专场招聘会")
    reply = case.replies.get()
    errors = run_at_once(
        lambda: handling.reply_decide(actor=county.gxj_head, reply_id=reply.pk, approve=True),
        lambda: handling.reply_decide(actor=second_head, reply_id=reply.pk, approve=True),
    )
    # One approval wins; the other is told the reply was already decided (or the case already resolved).
    assert len(errors) == 1
    case.refresh_from_db()
    assert case.state == Case.State.RESOLVED
    assert case.events.filter(kind="resolved").count() == 1
    assert list(verify_trail()) == []
