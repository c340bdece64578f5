"""The OpenAI-compatible API's checks before any answer is queued: models, auth, errors, message parsing."""

import pytest
from rest_framework.test import APIClient

from notes import services as note_services
from rag_app.accounts.services import token_create
from rag_app.errors import ApplicationError
from rag_app.openai_api.services import turns
from rag_app.qa.models import Answer

pytestmark = pytest.mark.django_db


def bearer(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_create(owner=user, name='openai')[1]}")
    return client


def test_models_are_rag_and_one_per_own_note_tag(alice, bob):
    note_services.note_create(owner=alice, title="Roses", body="Prune in March.", tags=["garden", "Home"])
    note_services.note_create(owner=bob, title="Bob's", body="Private.", tags=["bobs-secret"])
    body = bearer(alice).get("/v1/models").json()
    assert body["object"] == "list"
    assert [m["id"] for m in body["data"]] == ["rag", "rag:garden", "rag:home"]
    assert all(m["object"] == "model" for m in body["data"])
    assert [m["id"] for m in bearer(bob).get("/v1/models").json()["data"]] == ["rag", "rag:bobs-secret"]


@pytest.mark.parametrize("header", [None, "Bearer rag_wrong", "Basic YWxpY2U6eA=="])
def test_missing_or_bad_credentials_are_401_in_openais_shape(db, header):
    client = APIClient()
    if header:
        client.credentials(HTTP_AUTHORIZATION=header)
    response = client.post("/v1/chat/completions", {"model": "rag", "messages": []}, format="json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert error["code"] == "invalid_api_key"
    assert error["message"]


def test_a_session_login_is_not_an_api_key(alice_client):
    assert alice_client.get("/v1/models").status_code == 401


def test_an_unknown_model_is_404_naming_the_models_there_are(alice):
    response = bearer(alice).post(
        "/v1/chat/completions", {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}, format="json"
    )
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "model_not_found"
    assert "rag" in error["message"]
    assert not Answer.objects.exists()  # nothing was queued


def test_another_users_tag_is_not_a_model(alice, bob):
    note_services.note_create(owner=bob, title="Bob's", body="Private.", tags=["bobs-secret"])
    response = bearer(alice).post(
        "/v1/chat/completions",
        {"model": "rag:bobs-secret", "messages": [{"role": "user", "content": "secret?"}]},
        format="json",
    )
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("messages", "words"),
    [
        ([], "messages"),
        ([{"role": "assistant", "content": "Hello"}], "last message"),
        ([{"role": "user", "content": "   "}], "last message"),
        ([{"role": "wizard", "content": "hi"}], "role"),
        ([{"role": "user", "content": 42}], "content"),
    ],
)
def test_bad_messages_are_400_with_a_reason(alice, messages, words):
    response = bearer(alice).post("/v1/chat/completions", {"model": "rag", "messages": messages}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert words in error["message"]
    assert not Answer.objects.exists()


def test_turns_pair_questions_with_answers_and_read_text_parts():
    history, question = turns(
        [
            {"role": "system", "content": "You are a pirate."},
            {"role": "user", "content": "When does Heron start?"},
            {"role": "assistant", "content": "In March [1]."},
            {"role": "user", "content": "unanswered"},
            {"role": "user", "content": [{"type": "text", "text": "And when"}, {"type": "text", "text": "it ends?"}]},
        ]
    )
    assert history == [("When does Heron start?", "In March [1].")]
    assert question == "And when\nit ends?"


def test_turns_refuse_an_empty_list():
    with pytest.raises(ApplicationError):
        turns([])
