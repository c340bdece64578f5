"""The dark theme in real Chromium: it follows prefers-color-scheme, the header's toggle overrides and is
remembered (localStorage) and applied before the page paints, pages without JavaScript follow the system,
and focus rings, control and chip borders keep 3:1 in the dark too."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from rag_app.qa.models import Answer, Conversation
from tests.browser.conftest import make_document
from tests.browser.test_page_details import CONTROLS, _low_contrast

pytestmark = pytest.mark.django_db(transaction=True)

DARK_BG = "rgb(20, 24, 29)"
LIGHT_BG = "rgb(255, 255, 255)"


def background(page: Page) -> str:
    return str(page.evaluate("getComputedStyle(document.body).backgroundColor"))


def test_dark_from_the_system_then_the_toggle_is_remembered_and_applied_before_paint(new_page, shot, alice):
    make_document(alice, "heron.txt", status="ready", chunk_count=1)
    page = new_page(user=alice)
    page.emulate_media(color_scheme="dark")
    page.goto("/documents/")
    toggle = page.get_by_role("button", name="Dark theme")
    expect(toggle).to_have_attribute("aria-pressed", "true")
    assert background(page) == DARK_BG
    toggle.click()  # the person prefers light here, whatever the system says
    expect(toggle).to_have_attribute("aria-pressed", "false")
    assert background(page) == LIGHT_BG
    assert page.evaluate("localStorage.getItem('theme')") == "light"
    # The stored choice comes from the head's own line, before any file script: with theme.js blocked
    # the next page still starts light (no dark flash), and the toggle's state is still right once it loads.
    page.route("**/static/js/theme.js", lambda route: route.abort())
    page.goto("/notes/")
    assert page.evaluate("document.documentElement.dataset.theme") == "light"
    assert background(page) == LIGHT_BG
    page.unroute("**/static/js/theme.js")
    page.goto("/ask/")
    toggle = page.get_by_role("button", name="Dark theme")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    page.emulate_media(color_scheme="light")  # a stored dark stays dark on a light system
    page.reload()
    assert background(page) == DARK_BG
    page.problems[:] = [p for p in page.problems if "theme.js" not in p]  # the blocked load above


def test_without_javascript_the_system_theme_applies_and_the_toggle_is_hidden(new_page, shot, alice):
    page = new_page(user=alice, javascript=False)
    page.emulate_media(color_scheme="dark")
    page.goto("/documents/")
    assert background(page) == DARK_BG
    expect(page.locator("#theme-toggle")).to_be_hidden()
    shot(page, "documents-no-javascript")


def test_focus_rings_and_borders_reach_3_to_1_in_the_dark(new_page, alice):
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
    page = new_page(user=alice)
    page.emulate_media(color_scheme="dark")
    for url in ("/documents/", "/notes/new/", f"/ask/c/{conversation.pk}/"):
        page.goto(url)
        assert background(page) == DARK_BG
        assert _low_contrast(page, CONTROLS if "/ask/" in url else CONTROLS[:1]) == [], url
        for _ in range(12):
            page.keyboard.press("Tab")
            low = _low_contrast(page, [["focus ring", ":focus-visible", "outline"]])
            assert low == [], (url, low)
