"""Fixtures the notification tests share (imported by the other test_notifications_* modules; no tests here),
and a URL configuration for the API tests.

The API router is mounted by zhuqi/api.py at /api/v1/notifications. Until it is, `urlpatterns` below mounts it
at the same address on an API of its own with the same authentication, so the tests run either way."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.urls import Resolver404, path, resolve

from conftest import PASSWORD
from core.models import Notification
from zhuqi import urls as project_urls

API = "/api/v1/notifications"


def _project_mounts_the_router() -> bool:
    try:
        resolve(f"{API}/unread-count", urlconf=project_urls)
    except Resolver404:
        return False
    return True


if _project_mounts_the_router():
    urlpatterns = project_urls.urlpatterns
else:
    from ninja import NinjaAPI

    from core.api_notifications import router
    from zhuqi.api import api as project_api

    _api = NinjaAPI(auth=project_api.auth, urls_namespace="notifications-test-api")
    _api.add_router("/notifications", router)
    urlpatterns = [path("api/v1/", _api.urls), *project_urls.urlpatterns]

URLCONF = __name__


def make_message(recipient, subject="消息", *, channel=Notification.Channel.IN_APP, read=False, **fields):
    from django.utils import timezone

    in_app = channel == Notification.Channel.IN_APP
    defaults = {
        "status": Notification.Status.SENT if in_app else Notification.Status.PENDING,
        "sent_at": timezone.now() if in_app else None,
        "next_attempt_at": None if in_app else timezone.now(),
        "read_at": timezone.now() if read else None,
    }
    defaults.update(fields)
    return Notification.objects.create(recipient=recipient, channel=channel, subject=subject, **defaults)


@pytest.fixture
def login(client):
    """Sign a user in, in English."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

    def _login(user):
        client.logout()
        assert client.login(username=user.username, password=PASSWORD)
        return client

    return _login


class Endpoint:
    """A local HTTP server standing in for an SMS gateway or a WeCom robot: it records each request and
    answers with `status` and `answer` (JSON), after `delay` seconds."""

    def __init__(self):
        self.requests: list[dict] = []
        self.status = 200
        self.answer: object = {"errcode": 0, "errmsg": "ok"}
        self.delay = 0.0
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                endpoint.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "json": json.loads(raw.decode("utf-8"))}
                )
                if endpoint.delay:
                    threading.Event().wait(endpoint.delay)
                body = json.dumps(endpoint.answer).encode() if endpoint.answer is not None else b""
                try:
                    self.send_response(endpoint.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (the timeout test)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def endpoint(monkeypatch):
    # A proxy from the environment must not carry requests meant for the local server.
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    server = Endpoint()
    yield server
    server.close()
