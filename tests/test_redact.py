"""Errors shown to people who are not staff leave out internal addresses; staff see them whole."""

from types import SimpleNamespace

from rag_app.redact import for_viewer, without_addresses


def test_urls_and_host_ports_are_left_out_for_users():
    text = "cannot reach Ollama at http://10.0.0.5:11434 (connect to 127.0.0.1:11434 refused); see https://x.example/y"
    said = without_addresses(text)
    assert said == "cannot reach Ollama (connect to the server refused); see the server"
    assert "11434" not in said


def test_staff_see_the_address():
    text = "model 'llava' not found on http://o:11434: run `ollama pull llava`"
    assert for_viewer(text, SimpleNamespace(is_staff=True)) == text
    assert for_viewer(text, SimpleNamespace(is_staff=False)) == "model 'llava' not found: run `ollama pull llava`"


def test_a_users_document_page_hides_the_address(alice, alice_client, db):
    from tests.browser.conftest import make_document

    error = "the vision model is unavailable right now (cannot reach Ollama at http://10.9.8.7:11434)"
    document = make_document(alice, "photo.txt", status="failed", error=error)
    page = alice_client.get(f"/documents/{document.pk}/").content.decode()
    assert "cannot reach Ollama)" in page
    assert "10.9.8.7" not in page
    assert "10.9.8.7" not in alice_client.get("/documents/").content.decode()


def test_an_answers_error_event_reaches_a_user_without_the_address(alice, staff, db):
    from rag_app.qa import sse, stream
    from tests.qa.helpers import stored_answer

    answer = stored_answer(owner=alice, question="q")
    stream.reset(answer.pk)
    stream.Publisher(answer.pk).send(
        "error", {"code": "provider", "message": "vllm:x at http://10.0.0.9:8001/v1 is down"}
    )
    public = "".join(sse.events(answer, user=alice))
    assert '"message": "vllm:x is down"' in public
    assert "10.0.0.9" in "".join(sse.events(answer, user=staff))  # staff's stream keeps it
