"""Every API error has one shape, {"error": {"code", "message", "fields"?}}; missing credentials get 401."""

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def _error(response, status: int, code: str):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return body["error"]


def test_no_credentials_is_401_with_www_authenticate():
    response = APIClient().get("/api/documents/")
    _error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_a_bad_token_is_401_with_www_authenticate(alice):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = client.get("/api/notes/")
    _error(response, 401, "authentication_failed")
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_a_session_without_its_csrf_token_is_403(alice):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(alice)
    _error(client.post("/api/notes/", {"title": "x"}, format="json"), 403, "permission_denied")


def test_someone_elses_document_is_404_in_the_same_shape(alice_api, bob_api):
    note = alice_api.post("/api/notes/", {"title": "mine"}, format="json").json()
    _error(bob_api.get(f"/api/notes/{note['id']}/"), 404, "not_found")


def test_a_path_with_no_endpoint_is_404_in_the_same_shape(alice_api):
    error = _error(alice_api.get("/api/no-such-thing/"), 404, "not_found")
    assert "/api/no-such-thing/" in error["message"]


def test_a_method_not_allowed_is_405_in_the_same_shape(alice_api):
    response = alice_api.put("/api/answers/", {}, format="json")
    _error(response, 405, "method_not_allowed")
    assert "GET" in response["Allow"]


def test_invalid_input_is_400_with_fields(alice_api):
    error = _error(alice_api.post("/api/notes/", {"tags": "not a list"}, format="json"), 400, "invalid")
    assert set(error["fields"]) == {"title", "tags"}


def test_malformed_json_is_400_parse_error(alice_api):
    response = alice_api.generic("POST", "/api/notes/", "{not json", content_type="application/json")
    _error(response, 400, "parse_error")


def test_an_unsupported_body_type_is_415(alice_api):
    response = alice_api.generic("POST", "/api/notes/", "title=x", content_type="text/plain")
    _error(response, 415, "unsupported_media_type")


def test_an_application_error_keeps_its_code(alice_api):
    note = alice_api.post("/api/notes/", {"title": "v1"}, format="json").json()
    alice_api.patch(f"/api/notes/{note['id']}/", {"version": 1, "title": "v2"}, format="json")
    _error(
        alice_api.patch(f"/api/notes/{note['id']}/", {"version": 1, "title": "v3"}, format="json"),
        409,
        "version_conflict",
    )
