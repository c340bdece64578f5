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


def test_the_events_expire_after_the_reconnect_window_counted_from_the_final_event(answer, settings):
    settings.ANSWER_TIMEOUT = 300
    client = stream._redis()
    key = stream._key(answer.pk)
    publisher = stream.Publisher(answer.pk)
    publisher.send("token", {"text": "Hel"})
    # The first event covers the whole answer: it cannot last longer than ANSWER_TIMEOUT.
    assert stream._KEEP_SECONDS < client.ttl(key) <= stream._KEEP_SECONDS + 300
    client.expire(key, 10_000)  # later tokens leave the expiry alone (one command per token)
    publisher.send("token", {"text": "lo"})
    assert client.ttl(key) > stream._KEEP_SECONDS + 300
    publisher.send("done", {"answer_id": answer.pk})
    assert 0 < client.ttl(key) <= stream._KEEP_SECONDS
    assert [e.kind for e in stream.read(answer.pk, "0", timeout=1)] == ["token", "token", "done"]


def test_an_error_sent_by_someone_else_restarts_the_expiry_too(answer):
    client = stream._redis()
    key = stream._key(answer.pk)
    stream.Publisher(answer.pk).send("token", {"text": "Hel"})
    client.expire(key, 10_000)
    stream.Publisher(answer.pk).send("error", {"code": "cancelled"})  # the reaper's or a cancel's publisher
    assert 0 < client.ttl(key) <= stream._KEEP_SECONDS
