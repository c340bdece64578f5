"""A PDF cited by page shows that page as printed beside the answer, and on a page of its own (pypdfium2)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from documents.models import Chunk
from rag_app.qa.models import Answer, Conversation
from tests import files
from tests.browser.conftest import make_document

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_cited_pdf_page_is_shown_as_printed(new_page, shot, alice):
    pdf = files.pdf(["Project Heron budget: 4.2 million euros.", "Project Heron timeline: March to November."])
    document = make_document(alice, "heron.pdf", pdf, status="ready", page_count=2, chunk_count=1)
    chunk = Chunk.objects.create(document=document, index=0, text="Project Heron timeline: March to November.", page=2)
    conversation = Conversation.objects.create(owner=alice, title="Heron timeline")
    citation = {
        "n": 1,
        "document_id": document.pk,
        "title": "heron.pdf",
        "chunk_id": chunk.chunk_id,
        "page": 2,
        "heading": "",
        "text": chunk.text,
        "score": 0.8,
        "cited": True,
    }
    Answer.objects.create(
        owner=alice,
        conversation=conversation,
        question="When does it run?",
        status="done",
        text="From March to November [1].",
        citations=[citation],
    )
    page = new_page(user=alice)
    page.goto(f"/ask/c/{conversation.pk}/")
    page.locator("a.citation").click()
    printed = page.locator("#sources-panel .page-image img")
    expect(printed).to_have_attribute("alt", "Page 2 of heron.pdf, as printed")
    expect(printed).to_have_js_property("complete", True)
    assert printed.evaluate("img => img.naturalWidth") > 500
    shot(page, "sources-printed-page")
    page.locator("#sources-panel").get_by_role("link", name="See page 2 on its own").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("heron.pdf: page 2 of 2")
    expect(page.locator(".page-view")).to_contain_text("Project Heron timeline")
    assert page.locator(".page-image img").evaluate("img => img.naturalWidth") > 500
    shot(page, "pdf-page-view")

    plain = new_page(user=alice, javascript=False)
    plain.goto(f"/documents/{document.pk}/")
    plain.get_by_role("link", name="Page 2 as printed").click()
    expect(plain.get_by_role("heading", level=1)).to_have_text("heron.pdf: page 2 of 2")
    expect(plain.get_by_role("link", name="← Page 1")).to_be_visible()
