"""Each page in real Chromium: logging in, upload results and errors, filters, delete without JavaScript,
sanitised notes, note actions updating in place, model health, keyboard use and phone-sized screens."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from documents.models import Chunk, Document
from notes import services as note_services
from notes.models import Note
from rag_app.providers.config import role_config
from rag_app.providers.models import ProviderHealth
from tests import files
from tests.browser.conftest import SLOW_MS, log_in, make_document

pytestmark = pytest.mark.django_db(transaction=True)

XSS = "<img src=x onerror=alert(1)><script>alert('x')</script>"
HOSTILE_NAME = "<img src=x onerror=alert(1)>.txt"  # no "/": the server keeps only a path's last part


def assert_no_horizontal_scroll(page: Page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} is {overflow}px wider than the screen"


def test_login_refuses_a_wrong_password_and_logout_locks_the_pages(new_page, shot, alice):
    page = new_page()
    page.goto("/notes/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/notes/$"))
    log_in(page, "alice", "wrong-password")
    expect(page.get_by_role("alert")).to_contain_text("didn't match")
    shot(page, "login-error")
    log_in(page, "alice", "alice-pass-123")
    expect(page).to_have_url(re.compile(r"/notes/$"))  # back where she was going
    expect(page.get_by_role("link", name="Notes")).to_have_attribute("aria-current", "page")
    page.locator("#logout").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    for url in ("/", "/documents/", "/notes/new/", "/ask/"):
        page.goto(url)
        expect(page.get_by_role("heading", name="Log in")).to_be_visible()


@pytest.mark.stack
def test_upload_shows_a_result_per_file_with_the_reason_for_each_refusal(worker, new_page, shot, alice):
    page = new_page(user=alice)
    page.goto("/documents/")
    broken_pdf = b"%PDF-1.7\n" + b"\x00junk" * 200
    page.locator("#id_file").set_input_files(
        [
            {"name": "empty.txt", "mimeType": "text/plain", "buffer": b""},
            {"name": "fake.pdf", "mimeType": "application/pdf", "buffer": b"just text, not a PDF"},
            {"name": "broken.pdf", "mimeType": "application/pdf", "buffer": broken_pdf},
            {"name": HOSTILE_NAME, "mimeType": "text/plain", "buffer": b"A file with a hostile name."},
        ]
    )
    results = page.locator("#upload-results li")
    expect(results).to_have_count(4)
    expect(results.filter(has_text="empty.txt")).to_contain_text("'empty.txt' is empty.")
    expect(results.filter(has_text="fake.pdf")).to_contain_text("not a PDF")
    expect(results.filter(has_text="broken.pdf")).to_contain_text("uploaded; its progress is shown")
    expect(results.filter(has_text="onerror")).to_contain_text("uploaded; its progress is shown")
    # The same file again is recognised, and the name is shown as text, never as markup.
    page.locator("#id_file").set_input_files(
        [{"name": "again.txt", "mimeType": "text/plain", "buffer": b"A file with a hostile name."}]
    )
    expect(results.first).to_contain_text("was uploaded before, as")
    expect(page.locator("#upload-results img, #documents img, #upload-results script")).to_have_count(0)

    # The broken PDF fails in the worker; its row says why and offers to try again.
    failed = page.locator('#documents tr[data-status="failed"]')
    expect(failed).to_have_count(1, timeout=SLOW_MS)
    expect(failed).to_contain_text("broken.pdf")
    expect(failed.locator(".error")).to_contain_text("The PDF could not be read")
    expect(page.locator('#documents tr[data-status="ready"]')).to_have_count(1, timeout=SLOW_MS)
    expect(page.locator("#documents")).to_contain_text(HOSTILE_NAME)
    shot(page, "documents-with-errors")
    failed.get_by_role("button", name=re.compile("Try again")).click()
    expect(page.locator(".messages")).to_contain_text("broken.pdf queued to be processed again.")
    expect(page).to_have_url(re.compile(r"/documents/$"))
    expect(page.locator('#documents tr[data-status="failed"]')).to_have_count(1, timeout=SLOW_MS)


def test_search_and_status_filter(new_page, shot, alice):
    make_document(alice, "heron-budget.txt", b"budget", status="ready", chunk_count=1)
    make_document(alice, "heron-timeline.txt", b"timeline", status="ready", chunk_count=1)
    make_document(alice, "scan.pdf", files.pdf(["x"]), status="failed", error="The PDF could not be read: no pages.")
    page = new_page(user=alice)
    page.goto("/documents/")
    rows = page.locator("#documents tr[data-document-id]")
    expect(rows).to_have_count(3)
    page.get_by_label("Status").select_option("failed")
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("The PDF could not be read: no pages.")
    shot(page, "filtered-failed")
    page.get_by_role("link", name="Clear").click()
    page.get_by_label("Search titles").fill("timeline")
    page.get_by_label("Search titles").press("Enter")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("heron-timeline.txt")
    page.get_by_label("Search titles").fill("nothing like this")
    page.get_by_label("Search titles").press("Enter")
    expect(page.get_by_text("No documents match.")).to_be_visible()


@pytest.mark.stack
def test_upload_and_delete_work_without_javascript_and_delete_asks_first(worker, new_page, shot, alice):
    page = new_page(user=alice, javascript=False)
    page.goto("/documents/")
    page.locator("#id_file").set_input_files(
        [{"name": "plain.txt", "mimeType": "text/plain", "buffer": b"Uploaded by a plain form post."}]
    )
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("plain.txt uploaded; it is being processed.")
    document = Document.objects.get(owner=alice)

    row = page.locator(f'tr[data-document-id="{document.pk}"]')
    row.get_by_role("link", name="Delete plain.txt").click()
    expect(page.get_by_role("heading", name="Delete this document?")).to_be_visible()
    shot(page, "confirm-delete")
    page.get_by_role("link", name="Keep it").click()
    expect(page.get_by_role("heading", name="plain.txt")).to_be_visible()
    assert Document.objects.filter(pk=document.pk).exists()
    page.locator("#delete-link").click()
    page.get_by_role("button", name="Delete it").click()
    expect(page.locator(".messages")).to_contain_text("plain.txt deleted.")
    expect(page.locator("#documents-empty")).to_be_visible()
    assert not Document.objects.filter(pk=document.pk).exists()


@pytest.mark.stack
def test_note_markdown_is_sanitised_on_the_page_and_in_the_live_preview(worker, new_page, shot, alice):
    note = note_services.note_create(owner=alice, title=XSS, body=f"# Plan\n\n**bold** {XSS} [x](javascript:alert(1))")
    page = new_page(user=alice)
    page.goto(f"/notes/{note.pk}/")
    expect(page.locator("h1.note-heading")).to_have_text(XSS)  # the title is text
    body = page.locator(".note-body")
    expect(body.locator("h1")).to_have_text("Plan")
    expect(body.locator("strong")).to_have_text("bold")
    expect(body.locator("img, script, [onerror]")).to_have_count(0)
    expect(body.locator("a[href^='javascript']")).to_have_count(0)
    shot(page, "note-sanitised")
    page.locator("#edit-note").click()
    text = page.get_by_label("Text")
    text.fill("")
    text.press_sequentially("*typed* <img src=x onerror=alert(2)> <b onclick=alert(3)>b</b>")
    expect(page.locator("#preview-body em")).to_have_text("typed")
    expect(page.locator("#preview-body img, #preview-body [onclick], #preview-body script")).to_have_count(0)
    shot(page, "note-preview-sanitised")
    # the new_page fixture fails the test if any alert() ran


@pytest.mark.stack
def test_note_action_progress_updates_in_place(worker, new_page, shot, alice):
    note = note_services.note_create(
        owner=alice,
        title="Heron trip",
        body="We watched herons at the lake in the morning. They fished in the shallow water near the reeds.",
    )
    page = new_page(user=alice)
    page.goto(f"/notes/{note.pk}/")
    page.get_by_role("button", name="Summarise").click()
    row = page.locator("table.actions tr[data-action-id]").first
    expect(row).to_contain_text("Summarise")
    page.evaluate("window.__same_page = true")
    expect(row).to_have_attribute("data-status", re.compile("done|failed"), timeout=SLOW_MS)
    expect(row).to_have_attribute("data-status", "done")
    expect(page.get_by_role("heading", name="Summary")).to_be_visible()
    assert page.evaluate("window.__same_page") is True  # htmx updated it; the page did not reload
    assert Note.objects.get(pk=note.pk).summary
    shot(page, "note-summarised")


def _health(role: str, *, ok: bool, error: str = "") -> None:
    endpoint = role_config(role).primary  # type: ignore[arg-type]
    ProviderHealth.objects.create(
        role=role,
        slot="primary",
        kind=endpoint.kind,
        model=endpoint.model,
        base_url=endpoint.base_url,
        ok=ok,
        error=error,
        checked_at=timezone.now(),
    )


def test_staff_see_which_model_is_down_and_users_are_told_when_answers_cannot_work(
    new_page, shot, alice, django_user_model, settings
):
    settings.VISION_PROVIDER = "ollama"
    admin = django_user_model.objects.create_user("olga", password="olga-pass-123", is_staff=True, is_superuser=True)
    _health("chat", ok=True)
    _health("embeddings", ok=True)
    _health("vision", ok=False, error="cannot reach Ollama at http://127.0.0.1:11434")
    page = new_page(user=admin)
    page.goto("/")
    badge = page.locator("#provider-health")
    expect(badge.locator("summary")).to_have_text("Models: vision down")
    badge.locator("summary").press("Enter")  # opens with the keyboard
    panel = badge.locator(".health-panel")
    expect(panel).to_contain_text("Vision: ollama:llava:7b is down")
    expect(panel).to_contain_text("cannot reach Ollama")
    expect(panel).to_contain_text("ollama pull llava:7b")
    shot(page, "staff-health-badge")
    panel.get_by_role("link", name="Provider health").click()
    expect(page.get_by_role("heading", name=re.compile("provider health", re.I))).to_be_visible()

    users = new_page(user=alice)
    users.goto("/")
    expect(users.locator("#provider-health")).to_have_count(0)
    expect(users.get_by_role("link", name="Admin")).to_have_count(0)
    expect(users.locator(".outage")).to_have_count(0)  # vision down: answers still work
    ProviderHealth.objects.filter(role="chat").update(ok=False, error="connection refused")
    users.goto("/documents/")
    expect(users.locator(".outage")).to_contain_text("Answering is unavailable right now")
    shot(users, "user-outage-notice")


def test_keyboard_skip_link_and_labelled_controls(new_page, alice):
    note = note_services.note_create(owner=alice, title="Labelled", body="text")
    make_document(alice, "a.txt", status="ready")
    page = new_page(user=alice)
    for url in ("/", "/documents/", "/notes/", "/notes/new/", f"/notes/{note.pk}/edit/"):
        page.goto(url)
        unlabelled = page.evaluate(
            """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
                .filter(el => el.offsetParent !== null)
                .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
                .map(el => el.outerHTML)"""
        )
        assert unlabelled == [], (url, unlabelled)
    page.goto("/documents/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("#content")).to_be_focused()
    for _ in range(10):  # the file chooser is reachable by keyboard, right after the main content starts
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "id_file":
            break
    expect(page.locator("#id_file")).to_be_focused()


def test_pages_fit_a_phone_screen(new_page, shot, alice):
    long_name = "quarterly-report-of-the-regional-heron-conservation-programme-final-version-2.txt"
    document = make_document(alice, long_name, status="ready", page_count=1, chunk_count=1)
    Chunk.objects.create(document=document, index=0, text="Herons " * 80, page=1)
    make_document(
        alice, "broken.pdf", files.pdf(["y"]), status="failed", error="The PDF could not be read: " + "x" * 120
    )
    note = note_services.note_create(
        owner=alice, title="A note with a long title " * 3, body="- one\n- two", tags=["a"]
    )
    page = new_page(user=alice, phone=True)
    pages = {
        "home": "/",
        "documents": "/documents/",
        "document": f"/documents/{document.pk}/",
        "notes": "/notes/",
        "note": f"/notes/{note.pk}/",
        "note-editor": f"/notes/{note.pk}/edit/",
        "ask": "/ask/",
    }
    for name, url in pages.items():
        page.goto(url)
        expect(page.locator("h1")).to_be_visible()
        assert_no_horizontal_scroll(page)
        shot(page, f"phone-{name}")
