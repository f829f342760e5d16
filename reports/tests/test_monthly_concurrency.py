"""Two writers on one monthly report at the same moment: the row lock serialises them, so nothing is lost and
nothing lands on a submitted report. Real concurrency needs real connections and row locks, so this runs on
PostgreSQL (CI's second pass); SQLite serialises writers by itself."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from reports.models import MonthlyReport
from reports.services import monthly as services
from reports.tests.test_monthly_support import NOV, TEXTS, save

pytest_plugins = ["reports.tests.test_monthly_support"]
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
def test_two_first_saves_at_once_make_one_report(monthly):
    c = monthly
    errors = run_at_once(
        lambda: save(c.gxj_handler, c.gxj, **{**TEXTS, "next_steps": "经办人"}),
        lambda: save(c.gxj_head, c.gxj, **{**TEXTS, "next_steps": "局长"}),
    )
    assert errors == []
    report = MonthlyReport.objects.get(unit=c.gxj, month=NOV)
    assert report.next_steps in {"经办人", "局长"}


@pytest.mark.django_db(transaction=True)
def test_a_save_racing_a_submission_never_changes_the_submitted_report(monthly):
    c = monthly
    report = save(c.gxj_handler, c.gxj)
    errors = run_at_once(
        lambda: services.monthly_report_submit(actor=c.gxj_head, report_id=report.pk),
        lambda: save(c.gxj_handler, c.gxj, **{**TEXTS, "next_steps": "迟到的修改"}),
    )
    report.refresh_from_db()
    assert report.status == MonthlyReport.Status.SUBMITTED
    if errors:  # the submission went first: the save was refused, the text is the submitted one
        [error] = errors
        assert isinstance(error, ValidationError) and error.code == "submitted"
        assert report.next_steps == TEXTS["next_steps"]
    else:  # the save went first, then the submission took its text
        assert report.next_steps == "迟到的修改"
