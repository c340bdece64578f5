"""The event transport between the worker and the web: Redis Streams, or database rows without Redis."""

import pytest

from rag_app.qa import stream
from rag_app.qa.models import Answer, Conversation

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["redis", "database"])
def transport(request, settings):
    if request.param == "database":
        settings.REDIS_URL = ""
    return request.param


@pytest.fixture
def answer(alice):
    conversation = Conversation.objects.create(owner=alice, title="t")
    return Answer.objects.create(owner=alice, conversation=conversation, question="q")


def test_events_are_read_in_order_and_resumed_after_an_id(transport, answer):
    publisher = stream.Publisher(answer.pk)
    publisher.send("token", {"text": "Hel"})
    publisher.send("token", {"text": "lo"})
    publisher.send("done", {"answer_id": answer.pk})
    events = stream.read(answer.pk, "0", timeout=1)
    assert [(e.kind, e.data) for e in events] == [
        ("token", {"text": "Hel"}),
        ("token", {"text": "lo"}),
        ("done", {"answer_id": answer.pk}),
    ]
    assert [e.kind for e in stream.read(answer.pk, events[0].id, timeout=1)] == ["token", "done"]


def test_reading_waits_for_events_and_returns_empty_after_the_timeout(transport, answer):
    assert stream.read(answer.pk, "0", timeout=0.2) == []
