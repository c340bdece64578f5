"""A first start looks healthy and outages are told as they are (issue 17 defects 7, 8 and 9), in real Chromium.

Staff: vision off by default reads "vision not configured", not down; the settings list shows what the
environment gives each role; saving a setting updates the badge at once; a failed connection test names
its endpoint once. Users: a chat outage says answering is unavailable (nothing about uploads), errors
carry no internal address, a row waiting for a retry says so, and a picture without text fails at once.
"""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from documents.models import Document
from rag_app.providers.config import role_config
from rag_app.providers.models import ProviderHealth
from tests.browser.conftest import SLOW_MS, make_document
from tests.documents import samples

pytestmark = pytest.mark.django_db(transaction=True)


def checked(role: str, *, ok: bool) -> None:
    endpoint = role_config(role).primary  # type: ignore[arg-type]
    assert endpoint is not None
    ProviderHealth.objects.update_or_create(
        role=role,
        slot="primary",
        defaults={
            "kind": endpoint.kind,
            "model": endpoint.model,
            "base_url": endpoint.base_url,
            "ok": ok,
            "error": "" if ok else "connection refused",
            "checked_at": timezone.now(),
        },
    )


def test_staff_see_vision_not_configured_and_a_saved_setting_checked_at_once(new_page, shot, staff):
    checked("chat", ok=True)
    checked("embeddings", ok=True)
    page = new_page(user=staff)
    page.goto("/")
    badge = page.locator("#provider-health")
    expect(badge.locator("summary")).to_have_text("Models: OK, vision not configured")
    expect(badge).to_have_class(re.compile(r"\bhealth-ok\b"))
    badge.locator("summary").click()
    expect(badge.locator(".health-panel")).to_contain_text("Vision: not configured")
    expect(badge.locator(".health-panel")).to_contain_text("OCR still reads the text in images")
    shot(page, "first-start-badge")

    page.goto("/admin/providers/providersetting/")
    environment = page.locator("#environment-defaults")
    expect(environment.locator("tr", has_text="VISION_PROVIDER").first).to_contain_text("Not configured")
    expect(environment.locator("tr", has_text="chat").first).to_contain_text("LLM_PROVIDER")

    page.goto("/admin/providers/providersetting/add/")
    page.get_by_label("Role").select_option("vision")
    page.get_by_label("Kind").select_option("ollama")
    page.get_by_label("Base url").fill("http://127.0.0.1:9")
    page.get_by_label("Timeout seconds").fill("1")
    page.get_by_role("button", name="Test connection (without saving)").click()
    said = page.locator(".messagelist")
    expect(said).to_contain_text("The connection test failed: cannot reach Ollama at http://127.0.0.1:9")
    assert said.inner_text().count("127.0.0.1:9") == 1
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    page.goto("/")  # no worker runs here: only the save's own check can have updated the badge
    expect(page.locator("#provider-health summary")).to_have_text("Models: vision down")


def test_users_are_told_only_what_is_down_without_addresses(new_page, shot, alice):
    checked("chat", ok=False)
    checked("embeddings", ok=True)
    make_document(
        alice,
        "scan.txt",
        status="failed",
        error="Gave up after 3 retries: cannot reach Ollama at http://10.20.30.40:11434 (connection refused)",
    )
    note = "Retry 1 of 3 in 300 s: vllm:minilm at http://10.2.3.4/v1 timed out"
    retrying = make_document(alice, "later.txt", status="queued", warnings=note)
    page = new_page(user=alice)
    page.goto("/documents/")
    outage = page.locator(".outage")
    expect(outage).to_contain_text("Answering is unavailable right now")
    expect(outage).not_to_contain_text("uploads")
    expect(page.locator("#documents")).to_contain_text("cannot reach Ollama (connection refused)")
    row = page.locator(f'tr[data-document-id="{retrying.pk}"]')
    expect(row.locator(".progress")).to_contain_text(re.compile(r"Temporary problem: retry 1 of 3 in about \d+ s"))
    expect(row).not_to_contain_text("Waiting for a worker")
    content = page.content()
    assert "10.20.30.40" not in content
    assert "10.2.3.4" not in content
    shot(page, "user-chat-outage")


@pytest.mark.stack
def test_a_picture_without_text_or_vision_fails_at_once_saying_so(worker, new_page, shot, alice):
    page = new_page(user=alice)
    page.goto("/documents/")
    picture = {"name": "sky.png", "mimeType": "image/png", "buffer": samples.picture()}
    page.locator("#id_file").set_input_files([picture])
    row = page.locator("#documents tr[data-document-id]")
    expect(row).to_have_attribute("data-status", "failed", timeout=SLOW_MS)
    expect(row).to_contain_text(
        "Nothing could be read from the image: OCR found no text in it, and no vision model is configured"
    )
    document = Document.objects.get(title="sky.png")
    assert "Retry" not in document.warnings  # failed on the first try, not after minutes of retries
    shot(page, "picture-without-vision")
