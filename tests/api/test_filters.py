"""Filtering, search and ordering on the lists: documents, notes, conversations, answers (django-filter)."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from documents import services as document_services
from documents.models import Chunk, Document
from notes import services as note_services
from rag_app.qa.models import Answer, Conversation

pytestmark = pytest.mark.django_db


def _document(owner, name: str, *, text: str = "", days_ago: int = 0, **fields) -> Document:
    document, _ = document_services.document_create(
        owner=owner, upload=SimpleUploadedFile(name, f"{name} {text}".encode()), enqueue=False
    )
    fields["created_at"] = timezone.now() - timedelta(days=days_ago)
    Document.objects.filter(pk=document.pk).update(**fields)
    if text:
        Chunk.objects.create(document=document, index=0, text=text)
    return document


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_documents_filter_by_status_kind_text_and_created_range(alice, bob, alice_api):
    failed = _document(alice, "broken.txt", status="failed", kind="pdf", days_ago=10)
    heron = _document(
        alice, "birds.txt", text="The grey heron fishes at dawn.", status="ready", kind="text", days_ago=2
    )
    titled = _document(alice, "heron-notes.txt", status="ready", kind="markdown")
    _document(bob, "bob-heron.txt", text="heron", status="failed", kind="text")

    assert _ids(alice_api.get("/api/documents/?status=failed")) == [failed.pk]
    assert set(_ids(alice_api.get("/api/documents/?status=failed&status=ready"))) == {failed.pk, heron.pk, titled.pk}
    assert _ids(alice_api.get("/api/documents/?kind=markdown")) == [titled.pk]
    # q finds a word in the title or in the extracted text, never someone else's
    assert set(_ids(alice_api.get("/api/documents/?q=HERON"))) == {heron.pk, titled.pk}
    assert _ids(alice_api.get("/api/documents/?q=dawn")) == [heron.pk]
    since = (timezone.now() - timedelta(days=5)).isoformat()
    until = (timezone.now() - timedelta(days=1)).isoformat()
    assert _ids(alice_api.get("/api/documents/", {"created_after": since, "created_before": until})) == [heron.pk]


@pytest.mark.parametrize(
    ("query", "found"),
    [("otters sleeping", {"otters"}), ("sleeps", {"otters"}), ("ands", set()), ("river", {"river", "otters"})],
)
def test_documents_q_finds_what_the_documents_page_finds(alice, alice_api, alice_client, query, found):
    # One search (documents.search.matching_documents): stemmed words anywhere in a passage, not a substring.
    documents = {
        "otters": _document(alice, "otters.txt", text="Otters sleep holding hands by the river."),
        "river": _document(alice, "river-notes.txt"),
        "heron": _document(alice, "heron.txt", text="A heron waits."),
    }
    api = set(_ids(alice_api.get("/api/documents/", {"q": query})))
    page = alice_client.get("/documents/", {"q": query}).content.decode()
    on_page = {name for name, document in documents.items() if f"/documents/{document.pk}/" in page}
    assert api == {documents[name].pk for name in found}
    assert on_page == found


def test_documents_order_by_a_listed_field_either_way(alice, alice_api):
    b = _document(alice, "b.txt", days_ago=1)
    a = _document(alice, "a.txt", days_ago=2)
    c = _document(alice, "c.txt")
    assert _ids(alice_api.get("/api/documents/")) == [c.pk, b.pk, a.pk]  # newest first by default
    assert _ids(alice_api.get("/api/documents/?ordering=title")) == [a.pk, b.pk, c.pk]
    assert _ids(alice_api.get("/api/documents/?ordering=-created_at")) == [c.pk, b.pk, a.pk]
    assert _ids(alice_api.get("/api/documents/?ordering=sha256")) == [c.pk, b.pk, a.pk]  # unlisted: ignored


def test_a_bad_filter_value_is_400_naming_the_parameter(alice, alice_api):
    response = alice_api.get("/api/documents/?status=exploded&created_after=yesterday")
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"status", "created"}


def test_notes_filter_by_text_tag_and_range_and_order(alice, alice_api):
    herons = note_services.note_create(owner=alice, title="Herons", body="They fish.", tags=["birds"])
    otters = note_services.note_create(owner=alice, title="Otters", body="They also fish.", tags=["mammals"])
    assert set(_ids(alice_api.get("/api/notes/?q=fish"))) == {herons.pk, otters.pk}
    assert _ids(alice_api.get("/api/notes/?tag=Birds")) == [herons.pk]
    assert _ids(alice_api.get("/api/notes/?ordering=title")) == [herons.pk, otters.pk]
    assert _ids(alice_api.get("/api/notes/?ordering=-title")) == [otters.pk, herons.pk]
    later = (timezone.now() + timedelta(minutes=1)).isoformat()
    assert _ids(alice_api.get("/api/notes/", {"created_after": later})) == []


def test_conversations_and_answers_filter_and_order(alice, bob, alice_api):
    trip = Conversation.objects.create(owner=alice, title="Trip to Lisbon")
    budget = Conversation.objects.create(owner=alice, title="Budget 2027")
    Conversation.objects.create(owner=bob, title="Lisbon too")
    done = Answer.objects.create(
        owner=alice, conversation=trip, question="Where to stay?", text="Alfama.", status="done"
    )
    failed = Answer.objects.create(owner=alice, conversation=budget, question="How much?", status="failed")

    assert _ids(alice_api.get("/api/conversations/?q=lisbon")) == [trip.pk]
    assert _ids(alice_api.get("/api/conversations/?ordering=title")) == [budget.pk, trip.pk]
    assert _ids(alice_api.get("/api/answers/")) == [failed.pk, done.pk]
    assert _ids(alice_api.get("/api/answers/?status=failed")) == [failed.pk]
    assert _ids(alice_api.get(f"/api/answers/?conversation={trip.pk}")) == [done.pk]
    assert _ids(alice_api.get("/api/answers/?q=alfama")) == [done.pk]
    assert _ids(alice_api.get("/api/answers/?ordering=created_at")) == [done.pk, failed.pk]
    body = alice_api.get("/api/answers/?limit=1").json()
    assert (body["count"], len(body["results"])) == (2, 1)


@pytest.mark.parametrize(
    ("value", "status"),
    [("0075-12-19T17:28:54+21:28", 200), ("0001-01-01T00:00:00+23:00", 400), ("2026-01-01T00:00:00Z", 200)],
)
def test_a_date_in_any_offset_is_asked_in_utc_or_refused_never_a_server_error(alice_api, value, status):
    # Found by tests/api/test_fuzz.py: PostgreSQL refuses offsets past 16 hours.
    response = alice_api.get("/api/conversations/", {"updated_after": value})
    assert response.status_code == status, response.content
