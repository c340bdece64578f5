"""API tokens through the REST API: create (secret once, stored hashed), use, list, revoke, expire."""

import hashlib
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from rag_app.accounts.models import ApiToken

pytestmark = pytest.mark.django_db


def bearer(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def test_a_created_token_is_shown_once_stored_hashed_and_works_with_either_keyword(alice_api, alice):
    created = alice_api.post("/api/tokens/", {"name": "laptop script"}, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    secret = body["token"]
    assert secret.startswith("rag_")
    assert body["prefix"] == secret[:12]
    assert body["name"] == "laptop script"
    row = ApiToken.objects.get(pk=body["id"])
    assert row.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(ApiToken.objects.filter(pk=row.pk).values().get())  # no column holds the secret

    assert bearer(secret).get("/api/documents/").status_code == 200
    token_client = APIClient()
    token_client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    assert token_client.get("/api/documents/").status_code == 200
    row.refresh_from_db()
    assert row.last_used_at is not None

    listed = alice_api.get("/api/tokens/").json()["results"]
    assert "laptop script" in [t["name"] for t in listed]
    assert all("token" not in t and "digest" not in t for t in listed)


def test_a_revoked_token_stops_working_at_once(alice_api):
    body = alice_api.post("/api/tokens/", {"name": "ci"}, format="json").json()
    assert bearer(body["token"]).get("/api/documents/").status_code == 200
    assert alice_api.delete(f"/api/tokens/{body['id']}/").status_code == 204
    refused = bearer(body["token"]).get("/api/documents/")
    assert refused.status_code in (401, 403)
    assert "revoked" in refused.content.decode()


def test_users_see_and_revoke_only_their_own_tokens_and_staff_revoke_any(alice_api, bob_api, staff_api):
    alices = alice_api.post("/api/tokens/", {"name": "alice's"}, format="json").json()
    assert "alice's" not in [t["name"] for t in bob_api.get("/api/tokens/").json()["results"]]
    assert bob_api.delete(f"/api/tokens/{alices['id']}/").status_code == 404
    assert bearer(alices["token"]).get("/api/documents/").status_code == 200
    assert staff_api.delete(f"/api/tokens/{alices['id']}/").status_code == 204
    assert bearer(alices["token"]).get("/api/documents/").status_code in (401, 403)


def test_an_expired_token_is_refused_and_the_ttl_setting_sets_expiry(alice_api, settings):
    settings.API_TOKEN_TTL_DAYS = 30
    body = alice_api.post("/api/tokens/", {"name": "short-lived"}, format="json").json()
    row = ApiToken.objects.get(pk=body["id"])
    assert row.expires_at is not None
    assert abs(row.expires_at - (timezone.now() + timedelta(days=30))) < timedelta(minutes=1)
    assert bearer(body["token"]).get("/api/documents/").status_code == 200
    ApiToken.objects.filter(pk=row.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert bearer(body["token"]).get("/api/documents/").status_code in (401, 403)


def test_an_unknown_token_is_refused_not_ignored(db):
    refused = bearer("rag_not-a-real-token").get("/api/documents/")
    assert refused.status_code in (401, 403)
    assert "Unknown" in refused.content.decode()


def test_a_nameless_token_gets_a_clear_error(alice_api):
    response = alice_api.post("/api/tokens/", {"name": "  "}, format="json")
    assert response.status_code == 400
    assert "error" in response.json()


def test_the_password_endpoint_gives_a_new_named_token_each_time(client, alice):
    first = client.post("/api/auth/token/", {"username": "alice", "password": "alice-pass-123", "name": "cron"})
    second = client.post("/api/auth/token/", {"username": "alice", "password": "alice-pass-123"})
    assert first.status_code == second.status_code == 200
    assert first.json()["token"] != second.json()["token"]
    assert first.json()["name"] == "cron"
    assert set(ApiToken.objects.filter(owner=alice).values_list("name", flat=True)) >= {"cron"}
    assert bearer(second.json()["token"]).get("/api/documents/").status_code == 200
    wrong = client.post("/api/auth/token/", {"username": "alice", "password": "wrong"})
    assert wrong.status_code == 400
    assert wrong.json()["error"]["code"] == "invalid_credentials"
