"""The API tokens page in real Chromium without JavaScript: create (secret shown once), revoke; axe, phones."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from rag_app.accounts.models import ApiToken
from tests.browser.test_pages import assert_no_horizontal_scroll

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_token_is_created_shown_once_and_revoked_without_javascript(new_page, shot, alice):
    page = new_page(user=alice, javascript=False)
    page.goto("/")
    page.get_by_role("link", name="API tokens").click()
    expect(page.get_by_role("heading", name="API tokens", level=1)).to_be_visible()
    page.get_by_label("Name").fill("laptop script")
    page.get_by_role("button", name="Create token").click()
    secret = page.get_by_role("textbox", name="Token", exact=True).input_value()
    assert secret.startswith("rag_")
    expect(page.get_by_role("cell", name="laptop script", exact=True)).to_be_visible()
    shot(page, "created")
    page.reload()  # a plain GET again: the secret is gone, its prefix stays
    expect(page.get_by_role("textbox", name="Token", exact=True)).to_have_count(0)
    expect(page.get_by_text(secret[:12])).to_be_visible()
    page.get_by_role("button", name="Revoke laptop script").click()
    expect(page.get_by_text("revoked: it no longer works")).to_be_visible()
    assert not ApiToken.objects.filter(owner=alice).exists()


def test_the_tokens_page_fits_a_phone_screen(new_page, shot, alice):
    page = new_page(user=alice, phone=True)
    page.goto("/accounts/tokens/")
    page.get_by_label("Name").fill("a token with a rather long name for a phone screen")
    page.get_by_role("button", name="Create token").click()
    expect(page.get_by_role("textbox", name="Token", exact=True)).to_be_visible()
    assert_no_horizontal_scroll(page)
    shot(page, "phone-tokens")
