"""The channels of the notification outbox, each behind one interface: `send(notification) -> None`, raising on
failure. core.notifications.deliver_pending calls them and records what happened on the row.

A backend raises PermanentDeliveryError when trying again cannot help (the channel is not configured, the
recipient has no address on it): the row fails at once with that message. Any other exception is treated as
passing (a gateway down, a timeout) and the row is tried again later.

Settings are read when a message is sent, not at import, so a change of configuration needs no code reload.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from abc import ABC, abstractmethod
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

logger = logging.getLogger("zhuqi.notifications")

DEFAULT_HTTP_TIMEOUT = 5
# WeCom group-bot limits, in UTF-8 bytes.
WECOM_TEXT_MAX_BYTES = 2048
WECOM_MARKDOWN_MAX_BYTES = 4096


class DeliveryError(Exception):
    """A delivery failed; it may work later."""


class PermanentDeliveryError(DeliveryError):
    """A delivery that cannot work until someone changes the configuration or the recipient's details."""


class NotConfigured(PermanentDeliveryError):
    pass


def setting(name: str, default: Any = None) -> Any:
    return getattr(settings, name, default)


def absolute_link(link: str) -> str:
    """The message's link as a full URL when NOTIFICATION_SITE_URL is set; outside the platform (an e-mail,
    a phone) a bare path is useless, so it is then left out."""
    if not link:
        return ""
    if link.startswith(("http://", "https://")):
        return link
    site = (setting("NOTIFICATION_SITE_URL") or "").rstrip("/")
    return f"{site}/{link.lstrip('/')}" if site else ""


def message_text(notification, *, with_body: bool = True) -> str:
    parts = [notification.subject]
    if with_body and notification.body and notification.body != notification.subject:
        parts.append(notification.body)
    link = absolute_link(notification.link)
    if link:
        parts.append(link)
    return "\n".join(parts)


def truncate_bytes(text: str, limit: int) -> str:
    encoded = text.encode("utf-8")
    if len(encoded) <= limit:
        return text
    # Cut on a character boundary and say that something was cut.
    return encoded[: limit - 3].decode("utf-8", errors="ignore") + "…"


def post_json(url: str, payload: dict, *, headers: dict[str, str] | None = None) -> Any:
    """POST `payload` as JSON; the answer's JSON (or None when it is not JSON). A non-2xx answer or an
    unreachable host raises DeliveryError. The URL is never put in a message: a webhook URL holds its key."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise NotConfigured("The endpoint must be an http:// or https:// URL.")
    host = parts.hostname or "?"
    request = urllib.request.Request(
        url,
        data=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
        method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})},
    )
    timeout = setting("NOTIFICATION_HTTP_TIMEOUT", DEFAULT_HTTP_TIMEOUT)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, body = response.status, response.read(65536)
    except urllib.error.HTTPError as error:
        snippet = error.read(200).decode("utf-8", errors="replace").strip()
        raise DeliveryError(f"{host} answered HTTP {error.code}{': ' + snippet if snippet else ''}") from None
    except urllib.error.URLError as error:
        raise DeliveryError(f"{host} is unreachable: {error.reason}") from None
    except (TimeoutError, OSError) as error:
        raise DeliveryError(f"{host} did not answer: {error or type(error).__name__}") from None
    if not 200 <= status < 300:
        raise DeliveryError(f"{host} answered HTTP {status}")
    try:
        return json.loads(body.decode("utf-8")) if body else None
    except (UnicodeDecodeError, ValueError):
        return None


class Backend(ABC):
    """One channel. `send` returns when the message was handed over and raises when it was not. Each
    channel's class below implements it; NOTIFICATION_BACKENDS may name others of the same shape."""

    channel = ""

    @abstractmethod
    def send(self, notification) -> None: ...


class InAppBackend(Backend):
    """The inbox: the row is the message, so writing it was the delivery."""

    channel = "in_app"

    def send(self, notification) -> None:
        return None


class LogBackend(Backend):
    """For trying the platform out and for tests: the message goes to the `zhuqi.notifications` logger."""

    channel = "log"

    def send(self, notification) -> None:
        recipient = notification.recipient
        logger.info(
            "Notification #%s to %s (%s): %s | %s | %s",
            notification.pk,
            recipient.get_full_name(),
            recipient.username,
            notification.subject,
            notification.body,
            notification.link,
        )


class EmailBackend(Backend):
    """Django's mail (EMAIL_BACKEND, EMAIL_HOST …) to the recipient's address."""

    channel = "email"

    def send(self, notification) -> None:
        address = (notification.recipient.email or "").strip()
        if not address:
            raise PermanentDeliveryError(
                f"The recipient {notification.recipient.username} has no e-mail address on their account."
            )
        sender = setting("NOTIFICATION_EMAIL_FROM") or settings.DEFAULT_FROM_EMAIL
        # A header may not hold a line break; the subject is one line.
        subject = " ".join(notification.subject.split())
        send_mail(subject, message_text(notification), sender, [address], fail_silently=False)


class SmsBackend(Backend):
    """An SMS gateway that takes one JSON POST per message (see docs/notifications.md for its contract)."""

    channel = "sms"

    def send(self, notification) -> None:
        url = setting("NOTIFICATION_SMS_URL")
        if not url:
            raise NotConfigured("SMS is not configured: set NOTIFICATION_SMS_URL (and NOTIFICATION_SMS_TOKEN).")
        phone = (notification.recipient.phone or "").strip()
        if not phone:
            raise PermanentDeliveryError(
                f"The recipient {notification.recipient.username} has no mobile number on their account."
            )
        headers = {}
        token = setting("NOTIFICATION_SMS_TOKEN")
        if token:
            headers["Authorization"] = f"Bearer {token}"
        payload = {
            "phone": phone,
            # Short on purpose: an SMS is paid by 70-character segment, the details are behind the link.
            "content": message_text(notification, with_body=False),
            "subject": notification.subject,
            "body": notification.body,
            "link": absolute_link(notification.link),
            "id": notification.pk,
        }
        answer = post_json(url, payload, headers=headers)
        if isinstance(answer, dict) and answer.get("ok") is False:
            raise DeliveryError(f"The SMS gateway refused the message: {answer.get('error') or answer}")


class WeComBackend(Backend):
    """A WeCom (企业微信) group robot: the message is posted to the group, mentioning the recipient by mobile."""

    channel = "wecom"

    def send(self, notification) -> None:
        url = setting("NOTIFICATION_WECOM_WEBHOOK")
        if not url:
            raise NotConfigured("WeCom is not configured: set NOTIFICATION_WECOM_WEBHOOK to the group robot's URL.")
        msgtype = setting("NOTIFICATION_WECOM_MSGTYPE", "text")
        recipient = notification.recipient
        phone = (recipient.phone or "").strip()
        if msgtype == "markdown":
            # Markdown messages cannot mention by mobile number: name the person instead.
            lines = [f"**{notification.subject}**", f"> {recipient.get_full_name()}"]
            if notification.body and notification.body != notification.subject:
                lines.append(notification.body)
            link = absolute_link(notification.link)
            if link:
                lines.append(f"[{link}]({link})")
            payload = {
                "msgtype": "markdown",
                "markdown": {"content": truncate_bytes("\n".join(lines), WECOM_MARKDOWN_MAX_BYTES)},
            }
        elif msgtype == "text":
            text = message_text(notification)
            if not phone:
                text = f"@{recipient.get_full_name()} {text}"
            payload = {
                "msgtype": "text",
                "text": {
                    "content": truncate_bytes(text, WECOM_TEXT_MAX_BYTES),
                    "mentioned_mobile_list": [phone] if phone else [],
                },
            }
        else:
            raise NotConfigured(f"NOTIFICATION_WECOM_MSGTYPE must be text or markdown, not {msgtype!r}.")
        answer = post_json(url, payload)
        # WeCom answers HTTP 200 even when it refuses (bad key 93000, too many messages 45009).
        if not isinstance(answer, dict) or answer.get("errcode") != 0:
            detail = answer if not isinstance(answer, dict) else f"{answer.get('errcode')} {answer.get('errmsg', '')}"
            raise DeliveryError(f"WeCom refused the message: {detail}")


BACKENDS: dict[str, type[Backend]] = {
    backend.channel: backend for backend in (InAppBackend, LogBackend, EmailBackend, SmsBackend, WeComBackend)
}


def backend_for(channel: str) -> Backend:
    """The backend of a channel. NOTIFICATION_BACKENDS ({"sms": "dotted.path.Class"}) replaces or adds one,
    e.g. a county's own SMS provider."""
    overrides = setting("NOTIFICATION_BACKENDS") or {}
    if channel in overrides:
        try:
            return import_string(overrides[channel])()
        except ImportError as error:
            raise NotConfigured(f"NOTIFICATION_BACKENDS[{channel!r}] cannot be loaded: {error}") from None
    if channel not in BACKENDS:
        raise NotConfigured(f"There is no backend for the channel {channel!r}.")
    return BACKENDS[channel]()
