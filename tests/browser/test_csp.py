"""The Content-Security-Policy in real Chromium: every page loads without a violation and htmx still works.

new_page (conftest.py) fails any test whose pages report a CSP violation; these tests visit every kind
of page under it, drive htmx's polling and posting, and show the policy does block injected script.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from documents.models import Document
from notes import services as note_services
from tests.browser.conftest import make_document

pytestmark = pytest.mark.django_db(transaction=True)


def test_every_page_sends_the_policy_and_loads_without_a_violation(new_page, shot, alice):
    document = make_document(alice, "herons.txt", status="ready", chunk_count=1)
    note = note_services.note_create(owner=alice, title="Herons", body="# Herons\n\nThey *fish*.", tags=["birds"])
    root = User.objects.create_superuser("root", password="root-pass-123")
    pages = {
        "home": (alice, "/"),
        "documents": (alice, "/documents/"),
        "document": (alice, f"/documents/{document.pk}/"),
        "ask": (alice, "/ask/"),
        "notes": (alice, "/notes/"),
        "note": (alice, f"/notes/{note.pk}/"),
        "note-form": (alice, "/notes/new/"),
        "login": (None, "/accounts/login/"),
        "admin": (root, "/admin/"),
        "admin-documents": (root, "/admin/documents/document/"),
        "admin-document": (root, f"/admin/documents/document/{document.pk}/change/"),
        "admin-provider": (root, "/admin/providers/providersetting/add/"),
    }
    for name, (user, url) in pages.items():
        page = new_page(user=user)
        response = page.goto(url)
        assert response is not None, url
        assert response.ok, f"{url}: {response.status}"
        policy = response.headers["content-security-policy"]
        # our pages nonce their one inline script; the admin's templates have none, so get no nonce
        assert re.search(r"script-src 'self'( 'nonce-[A-Za-z0-9+/=]+')?(;|$)", policy), (url, policy)
        assert "style-src 'self'" in policy
        assert "unsafe" not in policy
        page.wait_for_load_state("networkidle")
        if not url.startswith("/admin/"):  # the nonced inline script ran: the page knows JavaScript is on
            assert "nonce-" in policy
            assert "js" in (page.locator("html").get_attribute("class") or ""), url
        shot(page, name)


def test_htmx_polling_updates_a_busy_document_in_place(new_page, alice):
    document = make_document(alice, "slow.txt", status=Document.Status.PROCESSING, stage="embedding")
    page = new_page(user=alice)
    page.goto("/documents/")
    row = page.locator(f'#documents tr[data-document-id="{document.pk}"]')
    expect(row).to_have_attribute("data-status", "processing")
    assert page.evaluate("htmx.config.allowEval") is False  # the page's htmx-config was read
    url_before = page.url
    Document.objects.filter(pk=document.pk).update(status=Document.Status.READY, stage="done", chunk_count=3)
    expect(row).to_have_attribute("data-status", "ready")  # swapped in by the 1 s poll, no reload
    expect(page.locator("#documents")).to_have_attribute("data-busy", "false")
    assert page.url == url_before


def test_htmx_posts_the_note_preview_with_its_csrf_header(new_page, alice):
    page = new_page(user=alice)
    page.goto("/notes/new/")
    page.locator("#id_body").fill("# Preview heading\n\nSome **bold** words.")
    preview = page.locator("#preview-body")
    expect(preview.locator("h1")).to_have_text("Preview heading")
    expect(preview.locator("strong")).to_have_text("bold")


def test_injected_inline_script_is_blocked_and_reported(new_page, alice):
    page = new_page(user=alice)
    page.goto("/")
    with page.expect_console_message(lambda m: "CSP violation" in m.text) as message:
        page.evaluate(
            """() => {
                const s = document.createElement("script");
                s.textContent = "window.injected = true";
                document.head.append(s);
            }"""
        )
    assert "script-src" in message.value.text
    assert page.evaluate("window.injected === undefined")
    page.problems.remove(message.value.text)  # provoked on purpose
