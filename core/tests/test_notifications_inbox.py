"""The in-app inbox, as a page and over the API: each user's own messages only (anyone else's: 404), unread
marks and counts, opening and marking read, pinned query counts."""

import pytest
from django.db import connection
from django.template import Context, Template
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.services import api_token_create
from core.context_processors import shell
from core.models import Notification
from core.tests.test_notifications_support import API, URLCONF, make_message

pytest_plugins = ["core.tests.test_notifications_support"]

pytestmark = pytest.mark.urls(URLCONF)

Channel = Notification.Channel
INBOX = "/notifications/"


@pytest.fixture
def messages(county):
    """Two in-app messages of 工信经办 (one read), an SMS of theirs, and one of 发改经办's."""
    older = make_message(county.gxj_handler, "旧消息", read=True, link="/cases/1/")
    newer = make_message(county.gxj_handler, "新交办诉求", body="请签收", link="/cases/2/")
    sms = make_message(county.gxj_handler, "短信", channel=Channel.SMS)
    other = make_message(county.fgj_handler, "发改局的消息", link="/cases/3/")
    return {"older": older, "newer": newer, "sms": sms, "other": other}


def items(response) -> list[tuple[int, bool]]:
    """(id, unread) of each listed message, in order, from the data-testid markup."""
    html = response.content.decode()
    rows = []
    for chunk in html.split('data-testid="notification" ')[1:]:
        pk = int(chunk.split('data-id="', 1)[1].split('"', 1)[0])
        rows.append((pk, chunk.split(">", 1)[0].rstrip().endswith("data-unread")))
    return rows


# The page ----------------------------------------------------------------------------------------------------


def test_url_name():
    assert reverse("notification_list") == INBOX


def test_anonymous_is_sent_to_log_in(client):
    response = client.get(INBOX)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_inbox_lists_own_in_app_messages_newest_first_with_unread_marked(county, messages, login):
    response = login(county.gxj_handler).get(INBOX)
    assert response.status_code == 200
    assert items(response) == [(messages["newer"].pk, True), (messages["older"].pk, False)]
    html = response.content.decode()
    assert 'data-testid="unread-count">1 unread<' in html
    assert "发改局的消息" not in html and "短信" not in html
    unread = login(county.gxj_handler).get(INBOX, {"unread": "1"})
    assert items(unread) == [(messages["newer"].pk, True)]


@pytest.mark.parametrize("user", ["office_user", "fgj_handler", "town_a_handler", "ent_a_user", "ent_b_user"])
def test_every_role_has_an_inbox_of_its_own(county, messages, login, user):
    person = getattr(county, user)
    own = make_message(person, "自己的消息")
    response = login(person).get(INBOX)
    listed = [pk for pk, _ in items(response)]
    assert own.pk in listed
    assert messages["newer"].pk not in listed and messages["older"].pk not in listed


def test_empty_inbox(county, login):
    response = login(county.ent_a_user).get(INBOX)
    html = response.content.decode()
    assert 'data-testid="no-notifications"' in html
    assert 'data-testid="unread-count"' not in html and 'data-testid="mark-all-read"' not in html


def test_opening_marks_read_and_goes_to_the_object(county, messages, login):
    client = login(county.gxj_handler)
    response = client.post(reverse("notification_open", args=[messages["newer"].pk]), {"next": INBOX})
    assert response.status_code == 302 and response.url == "/cases/2/"
    messages["newer"].refresh_from_db()
    first_read = messages["newer"].read_at
    assert first_read is not None
    # Opening it again keeps the first reading time.
    client.post(reverse("notification_open", args=[messages["newer"].pk]))
    messages["newer"].refresh_from_db()
    assert messages["newer"].read_at == first_read


def test_opening_without_a_safe_link_returns_to_the_inbox(county, login):
    plain = make_message(county.gxj_handler, "无链接")
    outside = make_message(county.gxj_handler, "外部链接", link="https://evil.example/phish")
    client = login(county.gxj_handler)
    response = client.post(reverse("notification_open", args=[plain.pk]), {"next": f"{INBOX}?page=2"})
    assert response.url == f"{INBOX}?page=2"
    response = client.post(reverse("notification_open", args=[outside.pk]), {"next": "https://evil.example/"})
    assert response.url == INBOX
    assert Notification.objects.filter(pk__in=[plain.pk, outside.pk], read_at__isnull=True).count() == 0


def test_nobody_opens_anothers_message(county, messages, login):
    client = login(county.gxj_handler)
    assert client.post(reverse("notification_open", args=[messages["other"].pk])).status_code == 404
    # Their own SMS row is not an inbox message either.
    assert client.post(reverse("notification_open", args=[messages["sms"].pk])).status_code == 404
    assert client.get(reverse("notification_open", args=[messages["newer"].pk])).status_code == 405
    messages["other"].refresh_from_db()
    messages["newer"].refresh_from_db()
    assert messages["other"].read_at is None and messages["newer"].read_at is None


def test_mark_all_read_touches_only_own_messages(county, messages, login):
    make_message(county.gxj_handler, "第二条未读")
    client = login(county.gxj_handler)
    response = client.post(reverse("notification_read_all"), {"next": f"{INBOX}?unread=1"})
    assert response.status_code == 302 and response.url == f"{INBOX}?unread=1"
    assert not Notification.objects.filter(recipient=county.gxj_handler, channel="in_app", read_at=None).exists()
    messages["other"].refresh_from_db()
    assert messages["other"].read_at is None
    page = client.get(response.url)
    assert items(page) == [] and 'data-testid="unread-count"' not in page.content.decode()


def test_the_inbox_is_paginated(county, login):
    for n in range(25):
        make_message(county.gxj_handler, f"第{n}条")
    client = login(county.gxj_handler)
    assert len(items(client.get(INBOX))) == 20
    assert len(items(client.get(INBOX, {"page": 2}))) == 5


def _fill(person, n):
    for i in range(n):
        make_message(person, f"消息{i}", read=i % 2 == 0, link=f"/cases/{i}/")


@pytest.mark.parametrize("user", ["gxj_handler", "ent_a_user"])
def test_inbox_query_count_is_pinned(county, login, django_assert_num_queries, user):
    person = getattr(county, user)
    _fill(person, 2)
    client = login(person)
    client.get(INBOX)  # warm the session and per-process caches
    # session, user, paginator count, roles (navigation), the header's unit or enterprise, unread count, page;
    # staff also the calendar's missing years
    expected = 8 if user == "gxj_handler" else 7
    with django_assert_num_queries(expected):
        assert len(items(client.get(INBOX))) == 2
    _fill(person, 4)
    with django_assert_num_queries(expected):
        assert len(items(client.get(INBOX))) == 6


# The unread count of the layout ------------------------------------------------------------------------------


def test_the_shell_counts_unread_messages_lazily_in_one_query(county, messages, django_assert_num_queries):
    make_message(county.gxj_handler, "第二条未读")
    request = RequestFactory().get("/")
    request.user = county.gxj_handler
    context = shell(request)
    assert context["nav_items"]
    with django_assert_num_queries(1):
        html = Template("{% if n %}{{ n }}{% endif %}|{{ n }}").render(Context({"n": context["unread_notifications"]}))
    assert html == "2|2"
    # A page that does not show the count pays nothing for it.
    request.user = county.ent_b_user
    with CaptureQueriesContext(connection) as queries:
        assert "unread_notifications" in shell(request)
    assert not [q for q in queries.captured_queries if "core_notification" in q["sql"]]


def test_the_shell_adds_nothing_for_anonymous_users(db, django_assert_num_queries):
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    with django_assert_num_queries(0):
        assert shell(request) == {}


# The API -----------------------------------------------------------------------------------------------------


def test_api_needs_a_signed_in_user(client):
    assert client.get(API).status_code == 401
    assert client.get(f"{API}/unread-count").status_code == 401


def test_api_lists_own_messages_with_an_unread_filter(county, messages, login):
    client = login(county.gxj_handler)
    body = client.get(API).json()
    assert body["count"] == 2
    assert [(i["id"], i["unread"]) for i in body["items"]] == [
        (messages["newer"].pk, True),
        (messages["older"].pk, False),
    ]
    first = body["items"][0]
    assert (first["subject"], first["body"], first["link"], first["read_at"]) == (
        "新交办诉求",
        "请签收",
        "/cases/2/",
        None,
    )
    unread = client.get(API, {"unread": "true"}).json()
    assert [i["id"] for i in unread["items"]] == [messages["newer"].pk]
    assert client.get(f"{API}/unread-count").json() == {"unread": 1}
    other = login(county.fgj_handler).get(API).json()
    assert [i["id"] for i in other["items"]] == [messages["other"].pk]


def test_api_marks_one_read_and_hides_anothers(county, messages, login):
    client = login(county.gxj_handler)
    response = client.post(f"{API}/{messages['newer'].pk}/read")
    assert response.status_code == 200
    assert response.json()["unread"] is False and response.json()["read_at"]
    assert client.get(f"{API}/unread-count").json() == {"unread": 0}
    for pk in (messages["other"].pk, messages["sms"].pk, 999999):
        assert client.post(f"{API}/{pk}/read").status_code == 404
    messages["other"].refresh_from_db()
    assert messages["other"].read_at is None


def test_api_marks_all_read(county, messages, login):
    make_message(county.gxj_handler, "第二条未读")
    client = login(county.gxj_handler)
    assert client.post(f"{API}/read-all").json() == {"marked": 2}
    assert client.post(f"{API}/read-all").json() == {"marked": 0}
    assert login(county.fgj_handler).get(f"{API}/unread-count").json() == {"unread": 1}


def test_api_with_a_token(county, messages, client):
    _, raw = api_token_create(actor=county.office_user, name="移动端", user=county.gxj_handler)
    body = client.get(API, HTTP_AUTHORIZATION=f"Bearer {raw}").json()
    assert body["count"] == 2


def test_api_list_query_count_is_pinned(county, login, django_assert_num_queries):
    _fill(county.gxj_handler, 2)
    client = login(county.gxj_handler)
    client.get(API)
    with django_assert_num_queries(4):  # session, user, count, page
        assert client.get(API).json()["count"] == 2
    _fill(county.gxj_handler, 4)
    with django_assert_num_queries(4):
        assert len(client.get(API).json()["items"]) == 6


def test_read_times_are_kept(county, login):
    row = make_message(county.gxj_handler, "已读", read=True)
    before = row.read_at
    login(county.gxj_handler).post(f"{API}/read-all")
    row.refresh_from_db()
    assert row.read_at == before <= timezone.now()
