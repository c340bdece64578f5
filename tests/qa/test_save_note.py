"""Saving an answer as a note (POST /api/notes/from-answer/, and the page's button): sources become links."""

import pytest

from notes.models import Note, NoteAction
from rag_app.markdown import render_markdown
from rag_app.qa.save_note import answer_save_as_note
from tests.notes.conftest import indexed_note
from tests.qa.conftest import ready_document
from tests.qa.helpers import answer_now, stored_answer

pytestmark = [pytest.mark.django_db, pytest.mark.stack]


def test_an_answer_is_saved_with_its_citations_as_links(alice, alice_api):
    document = ready_document(alice, "tower.txt", "The Eiffel Tower is 330 metres tall and stands in Paris.")
    note = indexed_note(alice, "Trip", "We climbed the Eiffel Tower, which is tall.")
    answer = answer_now(alice, "How tall is the Eiffel Tower?")
    assert {c["document_id"] for c in answer["citations"]} >= {document.pk}

    response = alice_api.post("/api/notes/from-answer/", {"answer_id": answer["id"]}, format="json")
    assert response.status_code == 201, response.content
    saved = response.json()
    assert saved["title"] == "How tall is the Eiffel Tower?"
    assert saved["tags"] == ["answer"]
    assert answer["answer"] in saved["body"]
    assert "## Sources" in saved["body"]
    assert f"(/documents/{document.pk}/#chunk-{document.pk}:0)" in saved["body"]
    html = saved["body_html"]
    assert f'href="/documents/{document.pk}/#chunk-{document.pk}:0"' in html
    if any(c.get("note_id") == note.pk for c in answer["citations"]):
        assert f'href="/notes/{note.pk}/#chunk-note-{note.pk}:0"' in html

    action = NoteAction.objects.get(note_id=saved["id"])
    assert (action.kind, action.status) == ("from_answer", "done")
    assert action.model == answer["model"] == "SmolLM2-135M-Instruct"
    assert action.provider == "local"
    assert action.params == {"answer_id": answer["id"]}


def test_brackets_in_source_titles_do_not_break_the_links(alice):
    answer = stored_answer(
        owner=alice,
        question="q?",
        text="See [1].",
        citations=[
            {"n": 1, "document_id": 7, "title": "odd ](javascript:alert(1)) [name].txt", "chunk_id": "7:0", "page": 2}
        ],
        prompt_name="answer",
        prompt_version=1,
    )
    note = answer_save_as_note(owner=alice, answer=answer)
    html = render_markdown(note.body)
    assert html.count("href=") == 1
    link = '<a href="/documents/7/#chunk-7:0" rel="noopener noreferrer nofollow">'
    assert f"{link}odd ](javascript:alert(1)) [name].txt, page 2</a>" in html


def test_another_users_answer_cannot_be_saved(alice, bob_api):
    answer = stored_answer(
        owner=alice, question="secret?", text="yes", citations=[], prompt_name="answer", prompt_version=1
    )
    response = bob_api.post("/api/notes/from-answer/", {"answer_id": answer.pk}, format="json")
    assert response.status_code == 404
    assert not NoteAction.objects.exists()


def test_answer_page_saves_the_answer_as_a_note(alice_client, alice):
    answer = stored_answer(
        owner=alice,
        question="What is Heron?",
        text="A project [1].",
        citations=[{"n": 1, "document_id": 5, "title": "heron.txt", "chunk_id": "5:0", "page": None, "cited": True}],
        prompt_name="answer",
        prompt_version=1,
        provider="local",
        model="SmolLM2-135M-Instruct",
    )
    page = alice_client.get(f"/ask/answers/{answer.pk}/", follow=True).content.decode()
    assert f'action="/ask/answers/{answer.pk}/save-note/"' in page
    response = alice_client.post(f"/ask/answers/{answer.pk}/save-note/", follow=True)
    note = Note.objects.get(owner=alice)
    assert note.title == "What is Heron?"
    assert 'href="/documents/5/#chunk-5:0"' in response.content.decode()


def test_another_users_answer_cannot_be_saved_from_the_page(client, alice, bob):
    answer = stored_answer(owner=alice, question="q", text="a", prompt_name="answer", prompt_version=1)
    client.force_login(bob)
    assert client.post(f"/ask/answers/{answer.pk}/save-note/").status_code == 404
    assert not Note.objects.exists()
    assert not NoteAction.objects.exists()
