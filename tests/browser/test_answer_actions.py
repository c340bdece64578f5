"""Answer actions and the scope picker in real Chromium (issue 17 item 12): copy, thumbs up/down with a
reason (htmx, in place), edit and resend, regenerate, a question narrowed to chosen documents; the same
actions without JavaScript; staff see the rating in the admin.

The page's POST /api/ask/ is answered here with the events the worker would send (the request body is
what is checked), so no model runs; the real web process serves everything else.
"""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Route, expect

from documents.models import Chunk
from notes import services as note_services
from rag_app.qa import sse
from rag_app.qa.models import Answer, Conversation
from tests.browser.conftest import make_document

pytestmark = pytest.mark.django_db(transaction=True)

TEXT = "Dig the pond first, then build the hide [1]."


def _setup(alice) -> tuple[Answer, Chunk]:
    document = make_document(alice, "plan.txt", b"Dig the pond, then build the hide.", status="ready", chunk_count=1)
    chunk = Chunk.objects.create(document=document, index=0, text="Dig the pond, then build the hide.", page=1)
    note_services.note_create(owner=alice, title="Birds seen", body="Herons.", tags=["birds"])
    conversation = Conversation.objects.create(owner=alice, title="The plan")
    citation = {
        "n": 1,
        "document_id": document.pk,
        "title": "plan.txt",
        "chunk_id": chunk.chunk_id,
        "page": 1,
        "heading": "",
        "text": chunk.text,
        "score": 0.7,
        "cited": True,
    }
    answer = Answer.objects.create(
        owner=alice,
        conversation=conversation,
        question="What comes first?",
        status="done",
        text=TEXT,
        citations=[citation],
        scope={"document_ids": [], "tags": ["birds"]},
    )
    return answer, chunk


def _answer_from_the_worker(route: Route, answer: Answer) -> None:
    meta: dict[str, object] = {"answer_id": answer.pk, "conversation_id": answer.conversation_id}
    body = (
        sse.format_event("meta", meta, "1-0")
        + sse.format_event("token", {"text": "Again: dig first."}, "2-0")
        + sse.format_event(
            "citations", {"citations": [], "text": "Again: dig first.", "html": "<p>Again: dig first.</p>"}, "3-0"
        )
        + sse.format_event("done", {"answer_id": answer.pk, "status": "done"}, "4-0")
    )
    route.fulfill(status=200, headers={"Content-Type": "text/event-stream"}, body=body)


def test_copy_rate_edit_regenerate_and_scope_with_javascript(new_page, shot, alice, staff):
    answer, chunk = _setup(alice)
    asked: list[dict[str, object]] = []

    def ask(route: Route) -> None:
        asked.append(json.loads(route.request.post_data or "{}"))
        again = Answer.objects.create(
            owner=alice,
            conversation=answer.conversation,
            question=str(asked[-1]["question"]),
            status="done",
            text="Again: dig first.",
        )
        _answer_from_the_worker(route, again)

    page = new_page(user=alice)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.route(re.compile(r"/api/ask/$"), ask)
    page.goto(f"/ask/c/{answer.conversation_id}/")
    page.evaluate("window.__same_page = true")
    turn = page.locator(f"#answer-{answer.pk}")

    # Copy: the answer's text on the clipboard.
    turn.get_by_role("button", name="Copy the answer").click()
    expect(page.locator("#ask-status")).to_have_text("Copied the answer.")
    assert page.evaluate("navigator.clipboard.readText()") == "Dig the pond first, then build the hide [1]."

    # Thumbs up with a reason, saved in place (htmx) and stored with the answer.
    turn.get_by_label("Why? (optional, saved with your rating)").fill("clear, and the source is right")
    turn.get_by_role("button", name="Helpful", exact=True).click()
    expect(turn.locator(".feedback-saved")).to_have_text("Thank you: saved with your reason.")
    expect(turn.get_by_role("button", name="Helpful", exact=True)).to_have_attribute("aria-pressed", "true")
    answer.refresh_from_db()
    assert (answer.rating, answer.feedback_reason) == ("up", "clear, and the source is right")
    shot(page, "answer-rated")

    # Edit and resend: the question comes back into the box, ready to change.
    turn.get_by_role("link", name="Edit and resend").click()
    expect(page.locator("#id_question")).to_have_value("What comes first?")
    expect(page.locator("#id_question")).to_be_focused()

    # The scope picker: a follow-up starts from the last answer's scope; ticking a document narrows it.
    scope = page.locator("#scope")
    expect(scope.locator("summary")).to_have_text("Search in: notes tagged birds")
    scope.get_by_role("button", name="Search everything").click()
    expect(scope.locator("summary")).to_have_text("Search in: everything")
    scope.get_by_label("plan.txt").check()
    expect(scope.locator("summary")).to_have_text("Search in: 1 document")
    shot(page, "scope-picker")
    page.locator("#id_question").fill("What comes first, in the plan only?")
    page.get_by_role("button", name="Ask", exact=True).click()
    expect(page.locator(".turn")).to_have_count(2)
    expect(page.locator(".turn").last).to_have_attribute("data-status", "done")
    assert asked[-1]["documents"] == [chunk.document_id]
    assert asked[-1]["tags"] == []

    # Regenerate: the same question again, in the answer's own scope, as a new turn.
    turn.get_by_role("button", name="Regenerate").click()
    expect(page.locator(".turn")).to_have_count(3)
    assert (asked[-1]["question"], asked[-1]["documents"], asked[-1]["tags"]) == ("What comes first?", [], ["birds"])
    assert page.evaluate("window.__same_page") is True

    # Staff see the rating and its reason in the admin.
    admin = new_page(user=staff)
    admin.goto("/admin/qa/answer/?rating__exact=up")
    expect(admin.locator("#result_list")).to_contain_text("clear, and the source is right")


def test_rate_edit_and_scope_without_javascript(new_page, shot, alice):
    answer, _ = _setup(alice)
    page = new_page(user=alice, javascript=False)
    page.goto(f"/ask/c/{answer.conversation_id}/")
    turn = page.locator(f"#answer-{answer.pk}")
    expect(turn.get_by_role("button", name="Copy the answer")).to_be_hidden()  # copying needs a script
    turn.get_by_label("Why? (optional, saved with your rating)").fill("missed the hide")
    turn.get_by_role("button", name="Not helpful").click()
    expect(page.locator(".messages")).to_contain_text("your feedback is saved with the answer")
    expect(page.locator(f"#answer-{answer.pk}").get_by_role("button", name="Not helpful")).to_have_attribute(
        "aria-pressed", "true"
    )
    answer.refresh_from_db()
    assert (answer.rating, answer.feedback_reason) == ("down", "missed the hide")
    page.locator(f"#answer-{answer.pk}").get_by_role("link", name="Edit and resend").click()
    expect(page.locator("#id_question")).to_have_value("What comes first?")
    # The last answer's scope (notes tagged birds) is ticked for the follow-up, and shown in the summary.
    expect(page.locator("#scope summary")).to_have_text("Search in: notes tagged birds")
    expect(page.locator("#scope").get_by_label("birds")).to_be_checked()
    shot(page, "no-javascript-rated")
