"""Real Chromium (Debian's /usr/bin/chromium) driven by Playwright against the app on live_server.

live_server serves the test database in a thread of this process; the real Celery worker (tests/conftest.py)
uses the same database, Chroma server and media folder. Screenshots of each page a test visits go to
test-output/screenshots/<test>/<page>-desktop.png (1280x900) and <page>-phone.png (390x844), the same in the
dark theme as <page>-dark-desktop.png and <page>-dark-phone.png, and axe-core
(vendored in tests/browser/vendor/axe/) checks the page at both sizes: any violation fails the test.

Playwright is used directly rather than through pytest-playwright: that plugin keeps one Playwright (and
so an asyncio loop marked as running on the main thread) for the whole session, which makes Django refuse
database calls in every later test. Here the browser lives for this package only.
"""

from __future__ import annotations

import base64
import os
import re
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from documents import services as document_services
from documents.models import Document
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
AXE = Path(__file__).parent / "vendor" / "axe" / "axe-4.14.1.min.js"
WITHOUT_JAVASCRIPT: weakref.WeakSet[Page] = weakref.WeakSet()  # pages opened with JavaScript off
COLOR_SCHEME: weakref.WeakKeyDictionary[Page, str] = weakref.WeakKeyDictionary()  # what shot() emulates now
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
        if not javascript:
            WITHOUT_JAVASCRIPT.add(page)

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
    """Screenshot the page at desktop and phone size (<test>/<name>-desktop.png, -phone.png), checking it with axe.

    The page goes back to its own size afterwards.
    """
    folder = SCREENSHOTS / re.sub(r"[^\w.-]+", "_", request.node.name)
    folder.mkdir(parents=True, exist_ok=True)

    def take(page: Page, name: str) -> Path:
        own = page.viewport_size
        paths = {}
        # Both themes (the system's prefers-color-scheme; the dark files are <name>-dark-desktop.png ...).
        for scheme, suffix in (("light", ""), ("dark", "-dark")):
            page.emulate_media(color_scheme=scheme)  # type: ignore[arg-type]
            COLOR_SCHEME[page] = scheme
            for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
                page.set_viewport_size(size)
                paths[label + suffix] = folder / f"{name}{suffix}-{label}.png"
                page.screenshot(path=str(paths[label + suffix]), full_page=True)
                violations = axe_violations(page)
                assert violations == [], f"axe on {page.url} ({name}, {scheme}, {label}): {violations}"
        page.emulate_media(color_scheme="light")
        COLOR_SCHEME[page] = "light"
        if own is not None:
            page.set_viewport_size(own)
        return paths["desktop"]

    return take


def axe_violations(page: Page) -> list[str]:
    """What axe-core (every rule it runs by default: WCAG 2.x A/AA and best practices) finds wrong on the page."""
    if page in WITHOUT_JAVASCRIPT:
        return _axe_without_javascript(page)
    if not page.evaluate("typeof window.axe === 'object'"):
        # Evaluated through the DevTools protocol: a <script> tag would be an inline script the page's CSP
        # (rightly) blocks, and the test would report a violation of its own making.
        page.evaluate(AXE.read_text())
    problems: list[str] = getattr(page, "problems", [])
    before = len(problems)
    found: list[str] = page.evaluate(
        """async () => (await axe.run(document, { resultTypes: ["violations"] })).violations.map(
            v => `${v.id} (${v.impact}): ${v.help}: ` + v.nodes.map(n => n.target.join(" ")).join(", "))"""
    )
    # axe adds <style> elements of its own while it checks; the page's CSP rightly blocks them. Those
    # reports are axe's, not the page's: any other violation during the run still counts.
    page.wait_for_timeout(50)  # the reports arrive as console messages, just after
    problems[before:] = [p for p in problems[before:] if "style-src-elem blocked inline" not in p]
    return found


def _settled_content(page: Page) -> str:
    """The page's HTML; a page that refreshes itself (meta refresh while busy) may be mid-navigation."""
    for _ in range(5):
        try:
            return page.content()
        except PlaywrightError:
            page.wait_for_load_state("load")
    return page.content()


def _axe_without_javascript(page: Page) -> list[str]:
    """axe on a page shown without JavaScript (where axe itself cannot run: no timers fire).

    Its DOM is loaded, scripts removed, into a page that runs scripts, at the same address and size.
    """
    html = re.sub(r"<(script|noscript)\b.*?</\1>", "", _settled_content(page), flags=re.S | re.I)
    html = html.replace("<head>", f'<head><base href="{page.url}">', 1)
    browser = page.context.browser
    assert browser is not None
    scheme = COLOR_SCHEME.get(page, "light")
    checker = browser.new_context(viewport=page.viewport_size, color_scheme=scheme)  # type: ignore[arg-type]
    try:
        twin = checker.new_page()
        twin.set_content(html, wait_until="load")
        assert twin.evaluate("getComputedStyle(document.body).marginTop") == "0px", "app.css did not load"
        return axe_violations(twin)
    finally:
        checker.close()


def make_document(owner: User, name: str, data: bytes = b"Some text about herons.", **fields: object) -> Document:
    """A document row without the worker (its state set by the test)."""
    document, _ = document_services.document_create(owner=owner, upload=SimpleUploadedFile(name, data), enqueue=False)
    Document.objects.filter(pk=document.pk).update(**fields)
    document.refresh_from_db()
    return document


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
