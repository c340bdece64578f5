"""The ask page in real Chromium: an answer's actions appear only when it is done, a reload or a dropped
connection picks the stream up again, Markdown renders (sanitised) while it streams, the first answer names
the conversation, citation chips open their passage beside the answer, and provenance names every candidate.

Where a test needs an answer in a precise state, it writes the answer's events itself, exactly as the worker
does (rag_app.qa.stream.Publisher on the real Redis), and the page reads them through the real web process.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from documents.models import Chunk
from rag_app.markdown import render_markdown
from rag_app.qa import sse, stream
from rag_app.qa.models import Answer, Conversation
from tests.browser.conftest import SLOW_MS, make_document
from tests.qa.conftest import ready_document

pytestmark = pytest.mark.django_db(transaction=True)


def _citation(chunk: Chunk, n: int = 1, *, cited: bool = True) -> dict[str, object]:
    return {
        "n": n,
        "document_id": chunk.document_id,
        "title": chunk.document.title,
        "chunk_id": chunk.chunk_id,
        "page": chunk.page,
        "heading": chunk.heading,
        "text": chunk.text,
        "score": 0.61,
        "cited": cited,
    }


def stored_answer(*, owner, question: str, **fields: object) -> Answer:
    """An answer row in a conversation of its own, as the pipeline leaves it (done unless told)."""
    conversation = Conversation.objects.create(owner=owner, title=question)
    fields.setdefault("status", Answer.Status.DONE)
    return Answer.objects.create(owner=owner, conversation=conversation, question=question, **fields)


def _answer_being_written(owner, question: str) -> tuple[Answer, stream.Publisher]:
    answer = stored_answer(owner=owner, question=question, status=Answer.Status.STREAMING)
    stream.reset(answer.pk)
    return answer, stream.Publisher(answer.pk)


def _finish(answer: Answer, events: stream.Publisher, text: str, citations: list[dict[str, object]], **done: object):
    """What the worker does at the end: store the answer, then send citations and done."""
    Answer.objects.filter(pk=answer.pk).update(status=Answer.Status.DONE, text=text, citations=citations)
    events.send("citations", {"citations": citations, "text": text, "html": str(render_markdown(text))})
    events.send("done", {"answer_id": answer.pk, "status": "done", "duration_ms": 1200, **done})


def _plan(owner) -> Chunk:
    text = "The plan has two parts: dig the pond, then build the hide."
    document = make_document(owner, "plan.txt", text.encode(), status="ready", chunk_count=1)
    return Chunk.objects.create(document=document, index=0, text=text, page=3)


def test_a_reloaded_answer_resumes_from_its_events_with_markdown_rendered_safely_as_it_streams(new_page, shot, alice):
    chunk = _plan(alice)
    answer, events = _answer_being_written(alice, "What is the plan?")
    events.send("token", {"text": "The plan has **two** parts [1]:\n\n- dig"})
    page = new_page(user=alice)
    page.goto(f"/ask/c/{answer.conversation_id}/")
    box = page.locator("#answer")
    turn = page.locator(f"#answer-{answer.pk}")

    # Streaming: formatted as it comes (not "**two**" until the end), and no actions on a half answer.
    expect(box.locator("strong")).to_have_text("two")
    expect(box.locator("li")).to_have_text(["dig"])
    expect(box).not_to_contain_text("**")
    expect(page.locator("#ask-status")).to_have_text("Answering…")
    expect(turn.locator(".turn-actions")).to_be_hidden()
    expect(page.locator("#save-as-note")).to_be_hidden()
    shot(page, "01-streaming")

    # Whatever the model writes is sanitised while it streams, as the server sanitises the final text.
    events.send(
        "token", {"text": "\n- build <img src=x onerror=alert(1)><script>alert(2)</script> [why](javascript:alert(3))"}
    )
    expect(box.locator("li")).to_have_count(2)
    expect(box.locator("li").nth(1)).to_contain_text("build")
    expect(box.locator("img, script, [onerror], a[href^='javascript']")).to_have_count(0)
    # A reload in the middle follows the answer again from its first event (the page had nothing stored).
    with page.expect_request(re.compile(rf"/api/answers/{answer.pk}/events/")):
        page.reload()
    expect(box.locator("li")).to_have_count(2)
    expect(box.locator("strong")).to_have_text("two")
    expect(turn.locator(".turn-actions")).to_be_hidden()

    # The end: the server's HTML, the chips, the actions; a cut answer says so.
    text = "The plan has **two** parts [1]:\n\n- dig\n- build"
    _finish(answer, events, text, [_citation(chunk)], truncated=True, completion_tokens=256)
    expect(turn).to_have_attribute("data-status", "done")
    expect(turn.locator("a.citation")).to_have_count(1)
    expect(turn.locator(".truncated")).to_have_text(re.compile(r"^Cut at 256 tokens"))
    expect(turn.locator(".turn-actions")).to_be_visible()
    expect(page.locator("#ask-status")).to_have_text("")
    expect(box.locator("li")).to_have_text(["dig", "build"])
    shot(page, "02-done-truncated")
    # Chromium reports the event handler met by DOMPurify's inert parse of the hostile token (sent on
    # purpose above, and replayed by the reload) as blocked by the CSP: a second line of defence.
    # Any other violation still fails the test.
    page.problems[:] = [p for p in page.problems if not ("script-src-attr" in p and "/vendor/dompurify/" in p)]


def test_a_dropped_connection_picks_up_after_the_last_event_it_saw(new_page, alice):
    answer, events = _answer_being_written(alice, "What is the plan?")
    events.send("token", {"text": "First part."})
    events.send("token", {"text": " Second part."})
    first, second = stream.read(answer.pk, "0", timeout=1)
    page = new_page(user=alice)
    requests: list[tuple[str, str | None]] = []

    # The first connection breaks after the first token (Chromium's offline mode keeps open streams open,
    # so the break is made here: the same bytes the server sent, then the end); later ones reach the server.
    def relay(route):
        requests.append((route.request.url, route.request.headers.get("last-event-id")))
        if len(requests) > 1:
            route.continue_()
            return
        meta = f'{{"answer_id": {answer.pk}, "conversation_id": {answer.conversation_id}}}'
        body = f"event: meta\ndata: {meta}\n\n" + sse.format_event(first.kind, first.data, first.id)
        route.fulfill(status=200, headers={"Content-Type": "text/event-stream"}, body=body)

    page.route(re.compile(r"/api/answers/\d+/events/"), relay)
    page.goto(f"/ask/c/{answer.conversation_id}/")
    box = page.locator("#answer")
    expect(box).to_have_text("First part. Second part.")  # nothing lost, nothing twice
    assert len(requests) == 2, requests
    assert requests[0][1] is None
    assert requests[1] == (f"{requests[0][0]}?after={first.id}", first.id)
    assert second.id != first.id
    _finish(answer, events, "First part. Second part.", [])
    expect(page.locator(f"#answer-{answer.pk}")).to_have_attribute("data-status", "done")
    expect(box).to_have_text("First part. Second part.")


def test_a_failed_answer_says_why_and_offers_no_actions(new_page, shot, alice):
    answer = stored_answer(
        owner=alice, question="What is the plan?", status=Answer.Status.FAILED, error="The chat model is down."
    )
    page = new_page(user=alice)
    page.goto(f"/ask/c/{answer.conversation_id}/")
    turn = page.locator(f"#answer-{answer.pk}")
    # a user sees the plain message and a support id, as the API gives them; the detail is for staff
    expect(turn.get_by_role("alert")).to_contain_text("could not be generated right now")
    expect(turn.get_by_role("alert")).to_contain_text(f"answer-{answer.pk}")
    expect(turn.get_by_role("alert")).not_to_contain_text("The chat model is down.")
    expect(turn.locator(".turn-actions")).to_be_hidden()
    expect(turn.get_by_role("button", name="Save as note")).to_be_hidden()
    expect(turn.get_by_text("How was this answered?")).to_be_hidden()
    shot(page, "failed-answer")


def test_a_citation_opens_its_passage_beside_the_answer_by_mouse_and_keyboard(new_page, shot, alice):
    chunk = _plan(alice)
    other = make_document(alice, "budget.txt", b"The budget is 300 euros.", status="ready", chunk_count=1)
    second = Chunk.objects.create(document=other, index=0, text="# Costs\n\nThe budget is 300 euros.", page=None)
    text = "Dig the pond first [1]."
    answer = stored_answer(
        owner=alice,
        question="What is the plan?",
        text=text,
        citations=[_citation(chunk), _citation(second, 2, cited=False)],
    )
    page = new_page(user=alice)
    url = f"/ask/c/{answer.conversation_id}/"
    page.goto(url)
    chip = page.locator("a.citation").first
    expect(chip).to_have_attribute("href", re.compile(rf"/documents/{chunk.document_id}/#chunk-{chunk.chunk_id}$"))
    expect(chip).not_to_have_attribute("title", re.compile("."))  # no native tooltip: the page's own preview

    # Hover: a preview with the passage, its page and score; it stays while the pointer moves onto it.
    chip.hover()
    preview = page.get_by_role("tooltip")
    expect(preview).to_be_visible()
    expect(preview).to_contain_text("dig the pond, then build the hide")
    expect(preview).to_contain_text("Page 3")
    expect(preview).to_contain_text("similarity 0.61")
    expect(chip).to_have_attribute("aria-describedby", "citation-preview")
    preview.hover()
    expect(preview).to_be_visible()
    shot(page, "01-preview")

    # Click: the sources panel beside the answer, the conversation still on screen.
    chip.click()
    panel = page.get_by_role("region", name="Sources")
    expect(panel).to_be_visible()
    expect(page).to_have_url(re.compile(rf"{url}$"))
    current = panel.locator(".source[aria-current]")
    expect(current).to_contain_text("[1] plan.txt")
    expect(current).to_contain_text("Page 3 · similarity 0.61 · cited in the answer")
    expect(current).to_contain_text("dig the pond, then build the hide")
    expect(current.get_by_role("link", name=re.compile("Open the document at page 3"))).to_have_attribute(
        "href", re.compile(rf"/documents/{chunk.document_id}/#chunk-{chunk.chunk_id}$")
    )
    expect(panel.locator(".source")).to_have_count(2)  # every source of the answer, the chosen one marked
    expect(page.locator("#turns")).to_be_in_viewport()
    assert page.locator("#turns").bounding_box()["x"] < panel.bounding_box()["x"]  # beside, not over
    shot(page, "02-sources-panel")

    # Keyboard: Escape closes and gives focus back; Tab reaches a chip (its preview shows), Enter opens it.
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    expect(chip).to_be_focused()
    page.keyboard.press("Tab")
    second_chip = page.locator("a.citation").nth(1)
    expect(second_chip).to_be_focused()
    expect(preview).to_contain_text("[2] budget.txt")
    expect(preview).to_contain_text("not cited in the answer")
    page.keyboard.press("Enter")
    current = panel.locator(".source[aria-current]")
    expect(current).to_contain_text("[2] budget.txt")
    expect(current.locator("h3")).to_be_focused()
    expect(current.locator(".passage-heading")).to_have_text("Costs")  # a marked heading, not "# Costs"
    expect(current).not_to_contain_text("# Costs")
    page.keyboard.press("Escape")
    expect(second_chip).to_be_focused()

    # On a phone the panel is a sheet over the bottom of the screen, closed by its button.
    page.set_viewport_size({"width": 390, "height": 844})
    chip.click()
    expect(panel).to_be_in_viewport()
    page.get_by_role("button", name="Close the sources").click()
    expect(panel).to_be_hidden()


def _record_actions_while_streaming(page: Page) -> None:
    """Note, on every change of the newest answer, whether its actions could be seen before it was done."""
    page.evaluate(
        """() => {
            window.streamingChanges = 0;
            window.actionsSeenEarly = [];
            new MutationObserver(() => {
                const turn = document.querySelector("#turns > .turn:last-child");
                if (!turn || !turn.dataset.answerId || turn.dataset.status === "done") return;
                if (!turn.querySelector(".answer-text").textContent.trim()) return;
                window.streamingChanges += 1;
                const actions = turn.querySelector(".turn-actions");
                if (actions.offsetParent !== null) window.actionsSeenEarly.push(turn.dataset.status);
            }).observe(document.getElementById("turns"), {subtree: true, childList: true, characterData: true});
        }"""
    )


@pytest.mark.stack
def test_first_answer_names_the_conversation_and_its_provenance_names_every_candidate(worker, new_page, shot, alice):
    ready_document(alice, "heron.txt", "Project Heron starts in March and ends in November.")
    ready_document(alice, "bread.txt", "Knead the dough for ten minutes, then let it rise overnight.")
    page = new_page(user=alice)
    page.goto("/ask/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ask your documents and notes")
    page.evaluate("window.__same_page = true")
    _record_actions_while_streaming(page)
    question = "When does Project Heron start?"
    page.locator("#id_question").fill(question)
    page.locator("#ask-button").click()
    turn = page.locator("#turns > .turn").last
    expect(turn.locator("a.citation").first).to_be_visible(timeout=SLOW_MS)  # sources come just before the end
    expect(page.locator("#ask-status")).to_have_text("")  # ...and the status line empties at the end
    answer = Answer.objects.get(owner=alice)

    # Save as note and provenance were never offered while the answer was being written.
    assert page.evaluate("window.streamingChanges") >= 1
    assert page.evaluate("window.actionsSeenEarly") == []
    expect(page.locator("#save-as-note")).to_be_visible()

    # The new conversation's title, list entry and follow-up form, without reloading the page.
    expect(page).to_have_url(re.compile(rf"/ask/c/{answer.conversation_id}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(question)
    current = page.get_by_role("navigation", name="Conversations").locator("li[aria-current=page]")
    expect(current).to_have_text(question)
    expect(page.get_by_label("Ask a follow-up question")).to_be_visible()
    expect(page.locator("summary", has_text="Rename or delete")).to_be_visible()
    expect(page).to_have_title(question)
    assert page.evaluate("window.__same_page") is True

    # Provenance names each candidate by its title, the ones left out too. The pointer leaves the Ask
    # button first: a chip may now lie under it (a quoted answer is taller) and its preview would cover the toggle.
    page.mouse.move(0, 0)
    page.locator("#provenance-toggle").click()
    table = turn.locator(".provenance table")
    expect(table.locator('tr[data-status="given"]').first).to_contain_text("heron.txt")
    expect(table.locator('tr[data-status="below threshold"]').first).to_contain_text("bread.txt")
    expect(table.locator("td:first-child", has_text=re.compile(r"^(document|note) \d+", re.I))).to_have_count(0)
    shot(page, "answer-with-provenance")


def test_without_javascript_a_busy_answer_refreshes_until_done_and_chips_open_the_passage(new_page, shot, alice):
    chunk = _plan(alice)
    answer, _ = _answer_being_written(alice, "What is the plan?")
    page = new_page(user=alice, javascript=False)
    page.goto(f"/ask/c/{answer.conversation_id}/")
    turn = page.locator(f"#answer-{answer.pk}")
    expect(turn).to_contain_text("Answering…")
    expect(turn.locator(".turn-actions")).to_be_hidden()
    expect(page.get_by_role("region", name="Sources")).to_be_hidden()
    shot(page, "01-busy")
    Answer.objects.filter(pk=answer.pk).update(
        status=Answer.Status.DONE, text="Dig the pond first [1].", citations=[_citation(chunk)]
    )
    chip = turn.locator("a.citation")
    expect(chip).to_be_visible()  # the page refreshed itself (every 3 s while an answer is busy)
    expect(turn.locator(".turn-actions")).to_be_visible()
    expect(chip).to_have_attribute("title", re.compile("dig the pond"))  # the browser's own tooltip stays
    shot(page, "02-done")
    chip.click()
    expect(page).to_have_url(re.compile(rf"/documents/{chunk.document_id}/#chunk-{chunk.chunk_id}$"))
    expect(page.locator(".passage:target")).to_contain_text("dig the pond")
