"""The outbox: notify() writes rows, deliver_pending() sends the due ones, retries with backoff, gives up after
the last attempt, and never loses a row or raises."""

import logging
import threading
from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from core import notifications
from core.models import Notification
from core.notification_backends import Backend
from core.notifications import deliver_pending, notify, retry_delay
from core.tasks import deliver_notifications
from core.tests.test_notifications_support import make_message

pytest_plugins = ["core.tests.test_notifications_support"]

Channel, Status = Notification.Channel, Notification.Status
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


class FlakyBackend(Backend):
    """Fails while `failures` is above zero, and always for a subject that contains "坏"."""

    channel = "sms"
    failures = 0
    sent: list = []

    def send(self, notification):
        if "坏" in notification.subject:
            raise RuntimeError(f"cannot send #{notification.pk}")
        if FlakyBackend.failures > 0:
            FlakyBackend.failures -= 1
            raise ConnectionError("gateway down")
        FlakyBackend.sent.append(notification.pk)


@pytest.fixture
def flaky(settings):
    settings.NOTIFICATION_BACKENDS = {"sms": f"{__name__}.FlakyBackend"}
    FlakyBackend.failures, FlakyBackend.sent = 0, []
    return FlakyBackend


def state(row):
    row.refresh_from_db()
    return row.status, row.attempts


# notify() ----------------------------------------------------------------------------------------------------


def test_notify_writes_one_row_per_recipient_and_channel(county, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        rows = notify(
            [county.gxj_handler, county.gxj_head, county.gxj_handler, None],
            "新交办",
            "正文",
            link="/cases/1/",
            topic="case:1:assigned",
            channels=["in_app", "sms"],
        )
    assert len(rows) == 4 and len(callbacks) == 1
    in_app = Notification.objects.filter(channel="in_app")
    assert {(r.recipient_id, r.status, r.next_attempt_at) for r in in_app} == {
        (county.gxj_handler.pk, "sent", None),
        (county.gxj_head.pk, "sent", None),
    }
    assert all(r.sent_at for r in in_app)
    assert set(Notification.objects.filter(channel="sms").values_list("status", flat=True)) == {"pending"}


def test_notify_in_app_only_schedules_nothing(county, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        notify([county.gxj_handler], "新交办")
    assert callbacks == []
    assert Notification.objects.get().channel == "in_app"


def test_notify_uses_the_configured_channels(county, settings):
    settings.NOTIFICATION_CHANNELS = ["in_app", "log"]
    notify([county.gxj_handler], "新交办")
    assert sorted(Notification.objects.values_list("channel", flat=True)) == ["in_app", "log"]


def test_the_eager_on_commit_path_delivers_this_changes_messages(
    county, settings, caplog, django_capture_on_commit_callbacks
):
    settings.NOTIFICATION_CHANNELS = ["in_app", "log"]
    older = make_message(county.fgj_handler, "旧消息", channel=Channel.LOG)
    with (
        caplog.at_level(logging.INFO, logger="zhuqi.notifications"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        notify([county.gxj_handler, county.gxj_head], "新交办", link="/cases/7/")
    logged = Notification.objects.filter(channel="log").exclude(pk=older.pk)
    assert [(r.status, r.attempts) for r in logged] == [("sent", 1), ("sent", 1)]
    assert all(r.sent_at for r in logged)
    assert sum("新交办" in r.getMessage() for r in caplog.records) == 2
    # The backlog is the periodic run's: a request does not wait on it.
    assert state(older) == ("pending", 0)


def test_a_rolled_back_change_sends_nothing(county, settings, django_capture_on_commit_callbacks):
    settings.NOTIFICATION_CHANNELS = ["log"]
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(ZeroDivisionError),
        transaction.atomic(),
    ):
        notify([county.gxj_handler], "新交办")
        1 / 0  # noqa: B018
    assert callbacks == [] and not Notification.objects.exists()


def test_a_broker_that_is_down_does_not_break_the_committed_change(
    county, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.NOTIFICATION_CHANNELS = ["log"]

    def broker_down(*args, **kwargs):
        raise ConnectionRefusedError("redis is down")

    monkeypatch.setattr(deliver_notifications, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        notify([county.gxj_handler], "新交办")
    assert Notification.objects.get().status == "pending"
    assert deliver_pending() == 1


def test_the_task_delivers_every_due_message(county, settings):
    settings.NOTIFICATION_CHANNELS = ["log"]
    make_message(county.gxj_handler, "一", channel=Channel.LOG)
    make_message(county.fgj_handler, "二", channel=Channel.LOG)
    assert deliver_notifications.delay().get() == 2
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}


# Retries -----------------------------------------------------------------------------------------------------


def test_backoff_doubles_from_a_minute_up_to_six_hours():
    assert [retry_delay(n) for n in range(1, 11)] == [
        timedelta(minutes=m) for m in (1, 2, 4, 8, 16, 32, 64, 128, 256, 360)
    ]
    assert retry_delay(60) == timedelta(hours=6)


def test_a_failing_channel_is_retried_on_the_backoff_schedule(county, flaky, settings):
    settings.NOTIFICATION_MAX_ATTEMPTS = 12
    flaky.failures = 10
    with time_machine.travel(T0, tick=False) as clock:
        row = make_message(county.gxj_handler, channel=Channel.SMS)
        waits = []
        for _ in range(10):
            assert deliver_pending() == 0
            row.refresh_from_db()
            assert row.status == "pending" and row.last_error == "ConnectionError: gateway down"
            wait = row.next_attempt_at - timezone.now()
            waits.append(wait)
            clock.shift(wait - timedelta(seconds=1))
            assert deliver_pending() == 0 and state(row) == ("pending", len(waits))  # not due yet
            clock.shift(timedelta(seconds=1))
        assert waits == [timedelta(minutes=m) for m in (1, 2, 4, 8, 16, 32, 64, 128, 256, 360)]
        assert deliver_pending() == 1
    row.refresh_from_db()
    assert (row.status, row.attempts, row.next_attempt_at) == ("sent", 11, None)
    assert row.sent_at == T0 + sum(waits, timedelta())
    assert flaky.sent == [row.pk]


def test_after_the_last_attempt_the_row_fails_and_is_kept(county, flaky, settings):
    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    flaky.failures = 99
    with time_machine.travel(T0, tick=False) as clock:
        row = make_message(county.gxj_handler, channel=Channel.SMS)
        for _ in range(3):
            deliver_pending()
            clock.shift(timedelta(hours=7))
        row.refresh_from_db()
        assert (row.status, row.attempts, row.next_attempt_at) == ("failed", 3, None)
        assert row.last_error == "ConnectionError: gateway down"
        assert deliver_pending() == 0 and state(row) == ("failed", 3)

        # Once the gateway is repaired the office queues the failed messages again.
        flaky.failures = 0
        out = StringIO()
        call_command("deliver_notifications", "--retry-failed", "--channel", "sms", stdout=out)
    assert out.getvalue().splitlines() == [
        "1 failed messages queued again.",
        "1 sent; 0 pending (0 due now); 0 failed.",
    ]
    assert state(row) == ("sent", 1)


def test_an_unconfigured_channel_fails_the_row_at_once(county, settings, django_capture_on_commit_callbacks):
    settings.NOTIFICATION_CHANNELS = ["in_app", "sms", "wecom"]
    with django_capture_on_commit_callbacks(execute=True):
        notify([county.gxj_handler], "新交办")
    sms = Notification.objects.get(channel="sms")
    wecom = Notification.objects.get(channel="wecom")
    assert (sms.status, sms.attempts, sms.next_attempt_at) == ("failed", 1, None)
    assert sms.last_error == "SMS is not configured: set NOTIFICATION_SMS_URL (and NOTIFICATION_SMS_TOKEN)."
    assert wecom.status == "failed" and "NOTIFICATION_WECOM_WEBHOOK" in wecom.last_error
    assert Notification.objects.get(channel="in_app").status == "sent"
    assert deliver_pending() == 0 and state(sms) == ("failed", 1)


def test_one_failing_row_does_not_stop_the_others(county, flaky):
    first = make_message(county.gxj_handler, "一", channel=Channel.SMS)
    broken = make_message(county.fgj_handler, "坏", channel=Channel.SMS)
    last = make_message(county.gxj_head, "三", channel=Channel.SMS)
    assert deliver_pending() == 2
    assert state(first) == ("sent", 1) and state(last) == ("sent", 1)
    assert state(broken) == ("pending", 1)
    broken.refresh_from_db()
    assert broken.last_error == f"RuntimeError: cannot send #{broken.pk}"


def test_an_inactive_recipient_fails_the_row(county, flaky):
    row = make_message(county.gxj_handler, channel=Channel.SMS)
    county.gxj_handler.is_active = False
    county.gxj_handler.save()
    assert deliver_pending() == 0
    row.refresh_from_db()
    assert row.status == "failed" and row.last_error == "The recipient's account is deactivated."


def test_a_pending_row_without_a_time_is_delivered(county, flaky):
    row = make_message(county.gxj_handler, channel=Channel.SMS, next_attempt_at=None)
    assert deliver_pending() == 1 and state(row) == ("sent", 1)


def test_the_limit_and_the_order(county, flaky):
    with time_machine.travel(T0, tick=False) as clock:
        rows = []
        for n in range(25):
            rows.append(make_message(county.gxj_handler, f"第{n}条", channel=Channel.SMS))
            clock.shift(timedelta(seconds=1))
        assert deliver_pending(limit=22) == 22
    assert flaky.sent == [r.pk for r in rows[:22]]
    assert deliver_pending() == 3


def test_a_claim_whose_worker_died_is_taken_again_after_the_lease(county, flaky):
    with time_machine.travel(T0, tick=False) as clock:
        row = make_message(county.gxj_handler, channel=Channel.SMS)
        [claimed] = notifications._claim(10, None)  # a worker took it, then died before sending
        assert claimed.pk == row.pk and state(row) == ("pending", 1)
        assert deliver_pending() == 0
        clock.shift(notifications.CLAIM_LEASE)
        assert deliver_pending() == 1
    assert state(row) == ("sent", 2)


def test_delivery_never_raises(county, flaky, monkeypatch, caplog):
    row = make_message(county.gxj_handler, channel=Channel.SMS)

    def database_gone(*args):
        raise DatabaseError("server closed the connection")

    monkeypatch.setattr(notifications, "_claim", database_gone)
    with caplog.at_level(logging.ERROR, logger="zhuqi.notifications"):
        assert deliver_pending() == 0
    assert "stays pending" in caplog.text
    assert state(row) == ("pending", 0)


def test_the_command_reports_what_is_left(county, flaky):
    make_message(county.gxj_handler, "一", channel=Channel.SMS)
    make_message(county.gxj_handler, "坏", channel=Channel.SMS)
    make_message(county.gxj_handler, "以后", channel=Channel.SMS, next_attempt_at=timezone.now() + timedelta(hours=1))
    out = StringIO()
    call_command("deliver_notifications", stdout=out)
    assert out.getvalue().strip() == "1 sent; 2 pending (0 due now); 0 failed."
    with pytest.raises(CommandError, match="--channel goes with --retry-failed"):
        call_command("deliver_notifications", "--channel", "sms")
    with pytest.raises(CommandError, match="at least 1"):
        call_command("deliver_notifications", "--limit", "0")


# Two workers on PostgreSQL -----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not connection.features.has_select_for_update_skip_locked, reason="row locks: PostgreSQL")
def test_a_row_another_worker_holds_is_skipped(county, flaky):
    held = make_message(county.gxj_handler, "另一进程", channel=Channel.SMS)
    free = make_message(county.fgj_handler, "本进程", channel=Channel.SMS)
    locked, release = threading.Event(), threading.Event()

    def other_worker():
        try:
            with transaction.atomic():
                list(Notification.objects.select_for_update().filter(pk=held.pk))
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    worker = threading.Thread(target=other_worker)
    worker.start()
    try:
        assert locked.wait(10)
        assert deliver_pending() == 1
    finally:
        release.set()
        worker.join()
    assert state(free) == ("sent", 1) and state(held) == ("pending", 0)
    assert deliver_pending() == 1 and state(held) == ("sent", 1)
