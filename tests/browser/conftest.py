"""The browser-test harness: headless Chromium, driven through Playwright, against pytest-django's live_server.

Every test in tests/browser is marked `browser` automatically; run only them with
`.venv/bin/python -m pytest -m browser`. docs/testing.md explains how to add a journey.

Fixtures (besides the root conftest's `county`):

    browser          session   one Chromium (Debian's /usr/bin/chromium) per test process / xdist worker
    new_page         function  new_page(**context_options) -> a Page in a fresh browser context (own cookies);
                               call it twice for two people at once. Defaults: 1280x800 desktop, locale zh-CN,
                               timezone Asia/Shanghai, base_url = the live server, so page.goto("/units/") works
    page             function  new_page() — a desktop page
    phone_page       function  new_page() with a 390x844 touch phone viewport
    login_as         function  login_as(page, user) logs in through the real login form, lands on home
    review_screenshot function review_screenshot(page, name) saves test-results/screenshots/<name>.png

Data the test creates through the ORM (the `county` fixture, factories) is visible to the live server: the
pages here depend on `transactional_db`, so nothing is hidden inside an uncommitted test transaction.

When a test fails, every page it opened is photographed into test-results/failures/<test id>[-n].png.
"""

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from conftest import PASSWORD

# Playwright's sync API keeps an asyncio event loop running in the test thread, and Django refuses ORM
# queries from a thread with a running loop (SynchronousOnlyOperation). The tests never share a
# connection between coroutines, so the check only gets in the way here.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
# Fail a stuck click or navigation within seconds rather than Playwright's default 30 s.
ACTION_TIMEOUT_MS = 10_000
NAVIGATION_TIMEOUT_MS = 15_000

HERE = Path(__file__).resolve().parent
REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()


# --- hooks ------------------------------------------------------------------------------------------------


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark everything under tests/browser `browser` (before `-m` deselects by marker)."""
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[pytest.TestReport]:
    """Keep each phase's report on the item, so fixtures can tell in teardown whether the test failed."""
    report = yield
    item.stash.setdefault(REPORTS, {})[report.when] = report
    return report


def _failed(item: pytest.Item) -> bool:
    reports = item.stash.get(REPORTS, {})
    return any(reports[when].failed for when in ("setup", "call") if when in reports)


# --- the browser ------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def results_dir(pytestconfig: pytest.Config) -> Path:
    """test-results/ at the project root (gitignored)."""
    return pytestconfig.rootpath / "test-results"


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"The browser tests need Debian's Chromium at {CHROMIUM}, which is missing: run `make browser` "
            "(Playwright's own browser download is not used).",
            pytrace=False,
        )
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def new_page(
    request: pytest.FixtureRequest, browser: Browser, live_server, transactional_db, results_dir: Path
) -> Iterator[Callable[..., Page]]:
    """A factory of pages, each in its own fresh context (no shared cookies). Keyword arguments go to
    Browser.new_context() and override the defaults (desktop viewport, zh-CN, Asia/Shanghai, live server)."""
    contexts: list[BrowserContext] = []
    pages: list[Page] = []
    failures = results_dir / "failures"
    stem = re.sub(r"[^\w.-]+", "_", request.node.nodeid).strip("_")
    for stale in [*failures.glob(f"{stem}.png"), *failures.glob(f"{stem}-*.png")]:
        stale.unlink(missing_ok=True)  # from an earlier run of this test

    def _new_page(**context_options) -> Page:
        options = {
            **DESKTOP,
            "locale": "zh-CN",
            "timezone_id": "Asia/Shanghai",
            "base_url": live_server.url,
            **context_options,
        }
        context = browser.new_context(**options)
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        pages.append(page)
        return page

    yield _new_page

    if _failed(request.node):
        failures.mkdir(parents=True, exist_ok=True)
        for n, page in enumerate(pages):
            if page.is_closed():
                continue
            suffix = f"-{n + 1}" if len(pages) > 1 else ""
            try:
                page.screenshot(path=failures / f"{stem}{suffix}.png", full_page=True)
            except Exception as exc:  # a crashed page must not hide the test's own failure
                print(f"could not take a failure screenshot of {page.url}: {exc}")
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: Callable[..., Page]) -> Page:
    """A desktop page (1280x800, zh-CN, Asia/Shanghai) in a fresh context; page.goto("/path/") hits the
    live server."""
    return new_page()


@pytest.fixture
def phone_page(new_page: Callable[..., Page]) -> Page:
    """Like `page`, on a 390x844 touch phone: use locator.tap(), the navigation is behind the ☰ toggle."""
    return new_page(**PHONE)


# --- helpers ----------------------------------------------------------------------------------------------


def _login_as(page: Page, user, *, password: str = PASSWORD, next_url: str | None = None) -> Page:
    """Log `user` in through the login form, as a person would, and wait until the landing page (home, or
    `next_url`) shows them logged in. Fails with the form's error message when the login is refused."""
    login_url = reverse("login")
    page.goto(f"{login_url}?{urlencode({'next': next_url})}" if next_url else login_url)
    form = page.get_by_test_id("login-form")
    form.locator('input[name="username"]').fill(user.username)
    form.locator('input[name="password"]').fill(password)
    form.locator('button[type="submit"]').click()
    landing = next_url or reverse("home")
    # The form either lets the user in (every logged-in page shows current-user) or comes back with an
    # error: wait for whichever happens, so a refused login fails at once and says why.
    current_user = page.get_by_test_id("current-user")
    error = page.get_by_test_id("login-error")
    try:
        expect(current_user.or_(error)).to_be_visible(timeout=NAVIGATION_TIMEOUT_MS)
    except AssertionError:
        raise AssertionError(
            f"logging in as {user.username!r}: neither a logged-in page nor a login error came (at {page.url})"
        ) from None
    if error.count():
        raise AssertionError(f"logging in as {user.username!r} was refused: {error.inner_text()}")
    try:
        page.wait_for_url(landing)
    except PlaywrightTimeoutError:
        raise AssertionError(f"logging in as {user.username!r} landed on {page.url}, not {landing}") from None
    return page


@pytest.fixture
def login_as() -> Callable[..., Page]:
    """login_as(page, user, *, password=PASSWORD, next_url=None): log in through the real form."""
    return _login_as


@pytest.fixture
def review_screenshot(results_dir: Path) -> Callable[..., Path]:
    """review_screenshot(page, name): a full-page screenshot for people to look at (never compared),
    saved as test-results/screenshots/<name>.png."""
    folder = results_dir / "screenshots"

    def _save(page: Page, name: str, *, full_page: bool = True) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.png"
        page.screenshot(path=path, full_page=full_page)
        return path

    return _save
