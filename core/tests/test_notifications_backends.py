"""Each channel's backend: what it sends, and how it fails (clearly, and permanently when retrying cannot help)."""

import logging

import pytest
from django.test import override_settings

from core import notification_backends as backends
from core.models import Notification
from core.notification_backends import DeliveryError, NotConfigured, PermanentDeliveryError, backend_for
from core.notifications import deliver_pending
from core.tests.test_notifications_support import make_message

pytest_plugins = ["core.tests.test_notifications_support"]

Channel = Notification.Channel
SITE = "https://zhuqi.example.gov.cn"


@pytest.fixture
def person(county):
    user = county.gxj_handler
    user.email, user.phone = "handler@gxj.example.gov.cn", "13800001111"
    user.save()
    return user


def message(person, channel, subject="[XS2026-0001] 新交办诉求", **fields):
    fields.setdefault("body", "请于1个工作日内签收")
    fields.setdefault("link", "/cases/42/")
    return make_message(person, subject, channel=channel, **fields)


def test_every_channel_of_the_model_has_a_backend():
    assert set(backends.BACKENDS) == set(Channel.values)
    for channel in Channel.values:
        assert backend_for(channel).channel == channel


def test_in_app_needs_nothing(person):
    assert backend_for(Channel.IN_APP).send(message(person, Channel.IN_APP)) is None


def test_log_writes_to_the_notifications_logger(person, caplog):
    row = message(person, Channel.LOG)
    with caplog.at_level(logging.INFO, logger="zhuqi.notifications"):
        backend_for(Channel.LOG).send(row)
    [record] = [r for r in caplog.records if r.name == "zhuqi.notifications"]
    text = record.getMessage()
    assert f"#{row.pk}" in text and "gxj_handler" in text and "新交办诉求" in text and "/cases/42/" in text


# E-mail ------------------------------------------------------------------------------------------------------


@override_settings(NOTIFICATION_SITE_URL=SITE + "/", NOTIFICATION_EMAIL_FROM="zhuqi@example.gov.cn")
def test_email_goes_to_the_recipients_address_with_a_full_link(person, mailoutbox):
    backend_for(Channel.EMAIL).send(message(person, Channel.EMAIL))
    [mail] = mailoutbox
    assert mail.to == ["handler@gxj.example.gov.cn"]
    assert mail.from_email == "zhuqi@example.gov.cn"
    assert mail.subject == "[XS2026-0001] 新交办诉求"
    assert mail.body == f"[XS2026-0001] 新交办诉求\n请于1个工作日内签收\n{SITE}/cases/42/"


def test_email_leaves_out_a_bare_path_and_keeps_the_subject_on_one_line(person, mailoutbox, settings):
    settings.DEFAULT_FROM_EMAIL = "noreply@example.gov.cn"
    backend_for(Channel.EMAIL).send(message(person, Channel.EMAIL, subject="第一行\n第二行"))
    [mail] = mailoutbox
    assert mail.subject == "第一行 第二行" and "/cases/42/" not in mail.body
    assert mail.from_email == "noreply@example.gov.cn"


def test_email_without_an_address_fails_permanently(person, mailoutbox):
    person.email = ""
    person.save()
    row = message(person, Channel.EMAIL)
    with pytest.raises(PermanentDeliveryError, match="no e-mail address"):
        backend_for(Channel.EMAIL).send(row)
    assert deliver_pending() == 0
    row.refresh_from_db()
    assert (row.status, row.attempts, row.next_attempt_at) == ("failed", 1, None)
    assert "gxj_handler has no e-mail address" in row.last_error
    assert mailoutbox == []


def test_email_server_failure_is_retried(person, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 1  # nothing listens
    row = message(person, Channel.EMAIL)
    assert deliver_pending() == 0
    row.refresh_from_db()
    assert row.status == "pending" and row.attempts == 1 and row.last_error.startswith("ConnectionRefusedError")


# SMS ---------------------------------------------------------------------------------------------------------


def test_sms_posts_json_with_the_token(person, endpoint, settings):
    settings.NOTIFICATION_SMS_URL = endpoint.url + "/sms/send"
    settings.NOTIFICATION_SMS_TOKEN = "s3cret"
    settings.NOTIFICATION_SITE_URL = SITE
    endpoint.answer = {"ok": True}
    row = message(person, Channel.SMS)
    backend_for(Channel.SMS).send(row)
    [request] = endpoint.requests
    assert request["path"] == "/sms/send"
    assert request["headers"]["Authorization"] == "Bearer s3cret"
    assert request["headers"]["Content-Type"].startswith("application/json")
    assert request["json"] == {
        "phone": "13800001111",
        "content": f"[XS2026-0001] 新交办诉求\n{SITE}/cases/42/",
        "subject": "[XS2026-0001] 新交办诉求",
        "body": "请于1个工作日内签收",
        "link": f"{SITE}/cases/42/",
        "id": row.pk,
    }


def test_sms_without_a_token_sends_no_authorization(person, endpoint, settings):
    settings.NOTIFICATION_SMS_URL = endpoint.url
    endpoint.answer = None  # an empty 200 is an acceptance too
    backend_for(Channel.SMS).send(message(person, Channel.SMS))
    assert "Authorization" not in endpoint.requests[0]["headers"]


@pytest.mark.parametrize(
    ("status", "answer", "error"),
    [
        (500, {"error": "gateway busy"}, r"127\.0\.0\.1 answered HTTP 500: \{\"error\": \"gateway busy\"\}"),
        (401, None, r"answered HTTP 401$"),
        (200, {"ok": False, "error": "余额不足"}, "refused the message: 余额不足"),
    ],
)
def test_sms_gateway_refusals_raise(person, endpoint, settings, status, answer, error):
    settings.NOTIFICATION_SMS_URL = endpoint.url
    endpoint.status, endpoint.answer = status, answer
    with pytest.raises(DeliveryError, match=error) as raised:
        backend_for(Channel.SMS).send(message(person, Channel.SMS))
    assert not isinstance(raised.value, PermanentDeliveryError)


def test_sms_unreachable_or_slow_gateway_raises(person, endpoint, settings):
    settings.NOTIFICATION_HTTP_TIMEOUT = 0.2
    endpoint.delay = 1
    settings.NOTIFICATION_SMS_URL = endpoint.url
    with pytest.raises(DeliveryError, match="127.0.0.1 (did not answer|is unreachable)"):
        backend_for(Channel.SMS).send(message(person, Channel.SMS))
    endpoint.close()  # nothing listens any more
    with pytest.raises(DeliveryError, match="is unreachable"):
        backend_for(Channel.SMS).send(message(person, Channel.SMS))


def test_sms_not_configured_or_without_a_phone_fails_permanently(person, settings):
    with pytest.raises(NotConfigured, match="set NOTIFICATION_SMS_URL"):
        backend_for(Channel.SMS).send(message(person, Channel.SMS))
    settings.NOTIFICATION_SMS_URL = "file:///etc/passwd"
    with pytest.raises(NotConfigured, match="http:// or https://"):
        backend_for(Channel.SMS).send(message(person, Channel.SMS))
    settings.NOTIFICATION_SMS_URL = "http://127.0.0.1:9/"
    person.phone = ""
    person.save()
    with pytest.raises(PermanentDeliveryError, match="no mobile number"):
        backend_for(Channel.SMS).send(message(person, Channel.SMS))


# WeCom group robot -------------------------------------------------------------------------------------------


def test_wecom_text_mentions_the_recipients_mobile(person, endpoint, settings):
    settings.NOTIFICATION_WECOM_WEBHOOK = endpoint.url + "/cgi-bin/webhook/send?key=KEY-123"
    settings.NOTIFICATION_SITE_URL = SITE
    backend_for(Channel.WECOM).send(message(person, Channel.WECOM))
    [request] = endpoint.requests
    assert request["path"] == "/cgi-bin/webhook/send?key=KEY-123"
    assert request["json"] == {
        "msgtype": "text",
        "text": {
            "content": f"[XS2026-0001] 新交办诉求\n请于1个工作日内签收\n{SITE}/cases/42/",
            "mentioned_mobile_list": ["13800001111"],
        },
    }


def test_wecom_text_names_a_recipient_without_a_mobile(person, endpoint, settings):
    settings.NOTIFICATION_WECOM_WEBHOOK = endpoint.url
    person.phone = ""
    person.save()
    backend_for(Channel.WECOM).send(message(person, Channel.WECOM, body=""))
    text = endpoint.requests[0]["json"]["text"]
    assert text == {"content": "@工信经办 [XS2026-0001] 新交办诉求", "mentioned_mobile_list": []}


def test_wecom_markdown(person, endpoint, settings):
    settings.NOTIFICATION_WECOM_WEBHOOK = endpoint.url
    settings.NOTIFICATION_WECOM_MSGTYPE = "markdown"
    settings.NOTIFICATION_SITE_URL = SITE
    backend_for(Channel.WECOM).send(message(person, Channel.WECOM))
    assert endpoint.requests[0]["json"] == {
        "msgtype": "markdown",
        "markdown": {
            "content": f"**[XS2026-0001] 新交办诉求**\n> 工信经办\n请于1个工作日内签收\n[{SITE}/cases/42/]({SITE}/cases/42/)"
        },
    }


def test_wecom_long_text_is_cut_to_its_byte_limit(person, endpoint, settings):
    settings.NOTIFICATION_WECOM_WEBHOOK = endpoint.url
    backend_for(Channel.WECOM).send(message(person, Channel.WECOM, body="很长" * 2000))
    content = endpoint.requests[0]["json"]["text"]["content"]
    assert len(content.encode("utf-8")) <= 2048 and content.endswith("…")


def test_wecom_refusal_raises_without_revealing_the_key(person, endpoint, settings):
    settings.NOTIFICATION_WECOM_WEBHOOK = endpoint.url + "/send?key=KEY-123"
    endpoint.answer = {"errcode": 45009, "errmsg": "api freq out of limit"}
    with pytest.raises(DeliveryError, match="45009 api freq out of limit") as raised:
        backend_for(Channel.WECOM).send(message(person, Channel.WECOM))
    endpoint.status, endpoint.answer = 404, {"errcode": 93000}
    with pytest.raises(DeliveryError) as raised_404:
        backend_for(Channel.WECOM).send(message(person, Channel.WECOM))
    for error in (raised.value, raised_404.value):
        assert "KEY-123" not in str(error)


def test_wecom_not_configured_or_misconfigured_fails_permanently(person, settings):
    with pytest.raises(NotConfigured, match="set NOTIFICATION_WECOM_WEBHOOK"):
        backend_for(Channel.WECOM).send(message(person, Channel.WECOM))
    settings.NOTIFICATION_WECOM_WEBHOOK = "http://127.0.0.1:9/"
    settings.NOTIFICATION_WECOM_MSGTYPE = "news"
    with pytest.raises(NotConfigured, match="text or markdown"):
        backend_for(Channel.WECOM).send(message(person, Channel.WECOM))


# Replacing a backend -----------------------------------------------------------------------------------------


class RecordingSms(backends.Backend):
    channel = "sms"
    sent: list = []

    def send(self, notification):
        self.sent.append(notification.pk)


def test_a_setting_replaces_a_channels_backend(person, settings):
    settings.NOTIFICATION_BACKENDS = {"sms": f"{__name__}.RecordingSms"}
    RecordingSms.sent = []
    row = message(person, Channel.SMS)
    assert deliver_pending() == 1
    assert RecordingSms.sent == [row.pk]
    settings.NOTIFICATION_BACKENDS = {"sms": "nowhere.Missing"}
    with pytest.raises(NotConfigured, match=r"NOTIFICATION_BACKENDS\['sms'\] cannot be loaded"):
        backend_for("sms")
    with pytest.raises(NotConfigured, match="no backend for the channel 'fax'"):
        backend_for("fax")
