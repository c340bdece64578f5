"""Real Chromium (Debian's /usr/bin/chromium) driven by Playwright against the app on live_server.

live_server serves the test database in a thread of this process; the real Celery worker (tests/conftest.py)
uses the same database, Chroma server and media folder. Screenshots of each page a test visits go to
test-output/screenshots/<test>/<page>.png.

Playwright is used directly rather than through pytest-playwright: that plugin keeps one Playwright (and
so an asyncio loop marked as running on the main thread) for the whole session, which makes Django refuse
database calls in every later test. Here the browser lives for this package only.
"""

from __future__ import annotations

import base64
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect, sync_playwright

from tests.processes import ROOT

CHROMIUM = Path("/usr/bin/chromium")
# The flags that work on this machine kind (shared services.md); never `playwright install`.
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
SCREENSHOTS = ROOT / "test-output" / "screenshots"
DESKTOP = ViewportSize(width=1280, height=900)
PHONE = ViewportSize(width=390, height=844)
TIMEOUT_MS = 20_000
# Ingestion by the real worker and answers from the real local model take their time on two cores.
SLOW_MS = 240_000

NewPage = Callable[..., Page]
expect.set_options(timeout=TIMEOUT_MS)
# Injected by Playwright before any page script (CSP does not apply to it): every violation of the
# page's Content-Security-Policy is logged, and the teardown of new_page fails the test on it.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) => {
  const where = `${e.sourceFile}:${e.lineNumber}`;
  console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${where}`);
});
"""


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the browser tests; missing Chromium is a failure, never a skip."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/system-packages (installs Debian's chromium)")
    # Playwright's sync API runs an event loop on this thread while it is started; the test's own
    # database calls are synchronous and safe, so tell Django not to refuse them (for this package only).
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def new_page(browser: Browser, live_server: object) -> Iterator[NewPage]:
    """Open a page in a fresh browser context: `new_page(user=alice, phone=True, javascript=False)`.

    With a user, the context carries that user's session cookie (the journey test logs in by the form).
    Every page records script dialogs, page errors and Content-Security-Policy violations; the test's
    teardown fails if any occurred (a test that provokes one on purpose removes it from `page.problems`).
    """
    contexts: list[BrowserContext] = []
    problems: list[str] = []

    def make(*, user: User | None = None, phone: bool = False, javascript: bool = True) -> Page:
        context = browser.new_context(
            base_url=str(live_server),
            viewport=PHONE if phone else DESKTOP,
            java_script_enabled=javascript,
            accept_downloads=False,
        )
        contexts.append(context)
        context.set_default_timeout(TIMEOUT_MS)
        if user is not None:
            client = Client()
            client.force_login(user)
            cookie = client.cookies[settings.SESSION_COOKIE_NAME]
            context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": str(live_server)}])
        context.add_init_script(REPORT_CSP_VIOLATIONS)
        page = context.new_page()
        page.problems = problems  # type: ignore[attr-defined]

        def on_dialog(dialog: object) -> None:
            problems.append(f"script dialog: {dialog.message}")  # type: ignore[attr-defined]
            dialog.dismiss()  # type: ignore[attr-defined]

        page.on("dialog", on_dialog)
        page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        page.on("console", lambda message: problems.append(message.text) if "CSP violation" in message.text else None)
        return page

    yield make
    for context in contexts:
        context.close()
    assert not problems, problems


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Callable[[Page, str], Path]:
    """Save a full-page screenshot as test-output/screenshots/<test>/<name>.png."""
    folder = SCREENSHOTS / re.sub(r"[^\w.-]+", "_", request.node.name)
    folder.mkdir(parents=True, exist_ok=True)

    def take(page: Page, name: str) -> Path:
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def drop_files(page: Page, selector: str, files: list[tuple[str, bytes, str]]) -> None:
    """Drop files onto an element the way a person drags them from the desktop (a real DataTransfer)."""
    payload = [{"name": n, "data": base64.b64encode(d).decode(), "type": t} for n, d, t in files]
    transfer = page.evaluate_handle(
        """files => {
            const dt = new DataTransfer();
            for (const f of files) {
                const bytes = Uint8Array.from(atob(f.data), c => c.charCodeAt(0));
                dt.items.add(new File([bytes], f.name, { type: f.type }));
            }
            return dt;
        }""",
        payload,
    )
    target = page.locator(selector)
    target.dispatch_event("dragenter", {"dataTransfer": transfer})
    target.dispatch_event("dragover", {"dataTransfer": transfer})
    target.dispatch_event("drop", {"dataTransfer": transfer})


def log_in(page: Page, username: str, password: str) -> None:
    """Log in through the login form, as a person does."""
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
