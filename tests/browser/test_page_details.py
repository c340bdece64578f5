"""Details of each page in real Chromium: passages and note excerpts without raw Markdown, the login form
keeping the username, upload results that clear, table columns that hold still, a filter label that stays
with its control, the favicon, phone layouts that keep controls reachable, and non-text contrast."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from playwright.sync_api import Page, expect

from documents import services as document_services
from documents.models import Chunk, Document
from notes import services as note_services
from rag_app.providers.config import role_config
from rag_app.providers.models import ProviderHealth
from rag_app.qa.models import Answer, Conversation
from tests.browser.conftest import PHONE, SLOW_MS, log_in, make_document
from tests.documents import samples

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_word_documents_passages_show_its_headings_without_hash_marks(new_page, shot, alice):
    blocks = [("h1", "Budget"), ("p", "The budget is 4.2 million euros."), ("h2", "Risks"), ("p", "Floods.")]
    data = samples.docx(blocks)
    document, _ = document_services.document_create(
        owner=alice, upload=SimpleUploadedFile("plan.docx", data), enqueue=False
    )
    document_services.document_ingest(document_id=document.pk)
    assert "# Budget" in Chunk.objects.get(document=document, index=0).text  # how extraction marks headings
    page = new_page(user=alice)
    page.goto(f"/documents/{document.pk}/")
    passages = page.locator(".passage")
    expect(passages.first.locator(".passage-heading")).to_have_text(["Budget", "Risks"])
    expect(passages.first).to_contain_text("The budget is 4.2 million euros.")
    for text in passages.all_inner_texts():
        assert not re.search(r"^#+ ", text, re.M), text
    shot(page, "docx-passages")


def test_note_excerpts_are_plain_text_without_markdown_or_markup(new_page, shot, alice):
    note_services.note_create(
        owner=alice,
        title="Plan",
        body="# Plan\n\n**Dig** the *pond* and `fill` it. <script>alert('x')</script><img src=x onerror=alert(1)>",
    )
    page = new_page(user=alice)
    page.goto("/notes/")
    expect(page.locator(".excerpt")).to_have_text("Plan Dig the pond and fill it.")
    expect(page.locator(".note-list img, .note-list script")).to_have_count(0)
    shot(page, "notes-list")


def test_login_keeps_the_username_after_a_wrong_password(new_page, shot, alice):
    page = new_page()
    page.goto("/accounts/login/")
    log_in(page, "alice", "wrong-password")
    expect(page.get_by_role("alert")).to_contain_text("didn't match")
    expect(page.get_by_label("Username")).to_have_value("alice")
    expect(page.get_by_label("Password")).to_be_focused()  # the field to fix
    expect(page.get_by_label("Password")).to_have_value("")
    shot(page, "login-error")


def test_the_favicon_is_served_at_its_usual_address(new_page):
    page = new_page()
    response = page.goto("/favicon.ico")
    assert response is not None
    assert response.status == 200, response.status
    assert response.headers["content-type"].startswith("image/svg+xml")


def test_the_notes_filter_keeps_each_label_with_its_control_on_a_phone(new_page, shot, alice):
    note_services.note_create(owner=alice, title="Trip", body="Herons.", tags=["birds", "lake-district-walks"])
    page = new_page(user=alice, phone=True)
    page.goto("/notes/")
    for label in ("Tag", "Search"):
        text = page.locator(".notes-search label", has_text=label).bounding_box()
        control = page.get_by_label(label, exact=True).bounding_box()
        middle = text["y"] + text["height"] / 2
        assert abs(middle - (control["y"] + control["height"] / 2)) < 4, (label, text, control)
    shot(page, "notes-filter")


def _column_widths(page: Page) -> list[float]:
    headers = page.locator("table.documents th")
    widths: list[float] = headers.evaluate_all("ths => ths.map(th => th.getBoundingClientRect().width)")
    return widths


def test_document_table_columns_keep_their_widths_as_rows_change(new_page, shot, alice):
    make_document(alice, "a-ready-one.txt", status="ready", chunk_count=3, page_count=1)
    busy = make_document(
        alice,
        "one-being-embedded.txt",
        b"Other text.",
        status="processing",
        stage="embedding",
        progress_done=3,
        progress_total=40,
        stage_started_at=timezone.now(),
    )
    page = new_page(user=alice)
    page.goto("/documents/")
    expect(page.locator(f'tr[data-document-id="{busy.pk}"] progress')).to_be_visible()
    before = _column_widths(page)
    shot(page, "processing")
    Document.objects.filter(pk=busy.pk).update(
        status="failed", stage="", error="The file could not be read: " + "a long reason " * 12
    )
    expect(page.locator(f'tr[data-document-id="{busy.pk}"]')).to_have_attribute("data-status", "failed")
    after = _column_widths(page)
    shot(page, "failed")
    assert after == pytest.approx(before, abs=1), (before, after)


@pytest.mark.stack
def test_upload_results_can_be_dismissed_and_clear_once_the_document_is_ready(worker, new_page, shot, alice):
    page = new_page(user=alice)
    page.goto("/documents/")
    page.locator("#id_file").set_input_files(
        [
            {"name": "empty.txt", "mimeType": "text/plain", "buffer": b""},
            {"name": "herons.txt", "mimeType": "text/plain", "buffer": b"Herons fish in the shallow water."},
        ]
    )
    results = page.locator("#upload-results li")
    refused = results.filter(has_text="empty.txt")
    expect(refused).to_contain_text("is empty")
    expect(results.filter(has_text="herons.txt")).to_contain_text("uploaded")
    shot(page, "results")
    refused.get_by_role("button", name="Dismiss: empty.txt").click()
    expect(refused).to_have_count(0)
    expect(page.locator("#id_file")).to_be_focused()  # the keyboard user keeps a place on the page
    expect(page.locator('#documents tr[data-status="ready"]')).to_have_count(1, timeout=SLOW_MS)
    expect(results).to_have_count(0)  # the row says it is ready: its upload result has gone by itself


def _health(role: str, *, ok: bool, error: str = "") -> None:
    endpoint = role_config(role).primary  # type: ignore[arg-type]
    ProviderHealth.objects.create(
        role=role, slot="primary", kind=endpoint.kind, model=endpoint.model, base_url=endpoint.base_url,
        ok=ok, error=error, checked_at=timezone.now(),
    )  # fmt: skip


def _boxes_overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and (b["y"] < a["y"] + a["height"])
    )


def test_on_a_phone_the_health_panel_leaves_its_toggle_free(new_page, shot, django_user_model):
    staff = django_user_model.objects.create_user("olga", password="olga-pass-123", is_staff=True)
    _health("chat", ok=True)
    _health("embeddings", ok=False, error="connection refused")
    page = new_page(user=staff, phone=True)
    page.goto("/")
    toggle = page.locator("#provider-health summary")
    toggle.click()
    panel = page.locator("#provider-health .health-panel")
    expect(panel).to_be_visible()
    assert not _boxes_overlap(toggle.bounding_box(), panel.bounding_box())
    assert panel.bounding_box()["x"] >= 0
    assert panel.bounding_box()["x"] + panel.bounding_box()["width"] <= PHONE["width"]
    shot(page, "health-panel-open")
    toggle.click(timeout=3000)  # nothing lies over it
    expect(panel).to_be_hidden()


def test_on_a_phone_the_conversations_and_new_conversation_come_first(new_page, shot, alice):
    conversation = Conversation.objects.create(owner=alice, title="Where do herons nest?")
    for n in range(3):
        Answer.objects.create(
            owner=alice,
            conversation=conversation,
            question=f"Question {n} about herons?",
            status=Answer.Status.DONE,
            text="Herons nest in colonies high in the trees near water. " * 12,
        )
    Conversation.objects.create(owner=alice, title="Another conversation")
    page = new_page(user=alice, phone=True)
    page.goto(f"/ask/c/{conversation.pk}/")
    new = page.get_by_role("link", name="+ New conversation")
    expect(new).to_be_in_viewport()
    conversations = page.get_by_role("navigation", name="Conversations")
    expect(conversations.get_by_role("link", name="Another conversation")).to_be_in_viewport()
    assert new.bounding_box()["y"] < page.locator("#turns").bounding_box()["y"]
    shot(page, "ask")


CONTRAST = (Path(__file__).parent / "contrast.js").read_text()
CONTROLS = [
    ["input border", "input[type=text], input[type=search], input[type=password], select, textarea", "border"],
    ["citation chip border", "a.citation", "border"],
]


def _low_contrast(page: Page, selectors: list[list[str]]) -> list[list[object]]:
    measured = page.evaluate(CONTRAST, selectors)
    assert measured, f"nothing measured on {page.url}"
    return [m for m in measured if m[2] < 3]


def test_focus_rings_input_borders_and_chip_borders_reach_3_to_1(new_page, alice):
    make_document(alice, "heron.txt", status="ready", chunk_count=1)
    note_services.note_create(owner=alice, title="Trip", body="Herons.", tags=["birds"])
    conversation = Conversation.objects.create(owner=alice, title="Herons")
    citation = {"n": 1, "document_id": 1, "title": "heron.txt", "chunk_id": "1:0", "page": 1, "text": "Herons."}
    Answer.objects.create(
        owner=alice,
        conversation=conversation,
        question="Herons?",
        status=Answer.Status.DONE,
        text="Herons [1].",
        citations=[{**citation, "score": 0.5, "cited": True}, {**citation, "n": 2, "score": 0.4, "cited": False}],
    )
    login = new_page()
    login.goto("/accounts/login/")
    assert _low_contrast(login, CONTROLS[:1]) == []
    page = new_page(user=alice)
    for url in ("/documents/", "/notes/", "/notes/new/", f"/ask/c/{conversation.pk}/"):
        page.goto(url)
        assert _low_contrast(page, CONTROLS if "/ask/" in url else CONTROLS[:1]) == [], url
        # Every stop of the keyboard's first dozen shows a focus ring that stands out from what is behind it.
        for _ in range(12):
            page.keyboard.press("Tab")
            low = _low_contrast(page, [["focus ring", ":focus-visible", "outline"]])
            assert low == [], (url, low)
