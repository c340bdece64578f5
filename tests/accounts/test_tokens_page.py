"""The /accounts/tokens/ page without JavaScript: create (secret shown once), list, revoke."""

import re

import pytest
from rest_framework.test import APIClient

from rag_app.accounts.models import ApiToken
from rag_app.accounts.services import token_create

pytestmark = pytest.mark.django_db


def test_creating_a_token_shows_its_secret_once_and_lists_it(alice_client):
    page = alice_client.post("/accounts/tokens/", {"name": "notebook"}, follow=True)
    assert page.redirect_chain == [("/accounts/tokens/", 302)]  # a reload does not make a second token
    html = page.content.decode()
    secret = re.search(r'id="new-token-secret" value="(rag_[^"]+)"', html).group(1)
    assert page["Cache-Control"] == "no-store"
    assert "notebook" in html
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.get("/api/documents/").status_code == 200
    again = alice_client.get("/accounts/tokens/").content.decode()
    assert "notebook" in again
    assert secret not in again
    assert secret[:12] in again


def test_revoking_from_the_page_removes_the_token(alice_client, alice):
    token, _ = token_create(owner=alice, name="old laptop")
    response = alice_client.post(f"/accounts/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    assert not ApiToken.objects.filter(pk=token.pk).exists()
    assert "revoked" in alice_client.get("/accounts/tokens/").content.decode()


def test_the_page_lists_only_your_own_tokens_and_you_cannot_revoke_anothers(alice_client, bob):
    bobs, _ = token_create(owner=bob, name="bob's secret machine")
    assert "bob's secret machine" not in alice_client.get("/accounts/tokens/").content.decode()
    assert alice_client.post(f"/accounts/tokens/{bobs.pk}/revoke/").status_code == 404
    assert ApiToken.objects.filter(pk=bobs.pk).exists()


def test_a_nameless_token_comes_back_with_the_reason(alice_client, alice):
    page = alice_client.post("/accounts/tokens/", {"name": ""})
    assert page.status_code == 400
    assert "required" in page.content.decode()
    assert not ApiToken.objects.filter(owner=alice).exists()


def test_the_page_needs_a_login(client):
    assert client.get("/accounts/tokens/").status_code == 302


def test_staff_revoke_any_token_in_the_admin(staff_client, bob):
    bobs, _ = token_create(owner=bob, name="leaked")
    listed = staff_client.get("/admin/accounts/apitoken/")
    assert "leaked" in listed.content.decode()
    response = staff_client.post(f"/admin/accounts/apitoken/{bobs.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not ApiToken.objects.filter(pk=bobs.pk).exists()
