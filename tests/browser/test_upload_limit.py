"""An upload over the limit in real Chromium without JavaScript: the form comes back with the reason."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from documents.models import Document

pytestmark = pytest.mark.django_db(transaction=True)


def test_no_javascript_upload_over_the_limit_comes_back_with_the_reason(new_page, shot, alice, settings):
    settings.MAX_UPLOAD_MB = 1
    page = new_page(user=alice, javascript=False)
    page.goto("/documents/")
    page.locator("#id_file").set_input_files(
        [{"name": "big.txt", "mimeType": "text/plain", "buffer": b"word " * (700 * 1024)}]  # 3.4 MB
    )
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(page.locator(".messages")).to_contain_text(
        "The upload is 3.4 MB; files of at most 1 MB are accepted (one at a time without JavaScript)."
    )
    expect(page.get_by_role("heading", name="Documents", exact=True)).to_be_visible()
    shot(page, "refused-upload")
    assert not Document.objects.exists()
