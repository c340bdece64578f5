"""POST /api/ask/ refuses bad input before anything is queued."""

import pytest

from rag_app.qa.models import Answer

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"question": ""}, "question"),
        ({"question": "   "}, "question"),
        ({"question": "why " * 2000}, "question"),
        ({"question": "ok", "documents": ["x"]}, "documents"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(alice_api, body, field):
    response = alice_api.post("/api/ask/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not Answer.objects.exists()


@pytest.mark.stack
def test_documents_of_someone_else_are_refused(alice_api, bob):
    from tests.qa.conftest import ready_document

    bobs = ready_document(bob, "b.txt", "Bob's words.")
    response = alice_api.post("/api/ask/", {"question": "ok", "documents": [bobs.pk]}, format="json")
    assert response.status_code == 400
    assert "No such documents" in response.json()["error"]["message"]
    assert not Answer.objects.exists()


def test_a_streaming_client_gets_errors_as_json(alice_api):
    response = alice_api.post(
        "/api/ask/", {"question": "", "stream": True}, format="json", HTTP_ACCEPT="text/event-stream"
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["question"]
