"""Abandoned answers stop: a closed stream nobody reopens, a wait that runs out; the client hears the end."""

from __future__ import annotations

import time

import pytest

from rag_app.qa import pipeline, services, sse, stream
from rag_app.qa.models import Answer

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_stream_closed_before_the_end_stops_the_answer_after_the_grace(alice, monkeypatch):
    answer = services.answer_create(owner=alice, question="Where are the otters?")
    events = sse.events(answer)
    assert "event: meta" in next(events)
    events.close()  # the asker's connection closed (what the WSGI server does on a disconnect)
    assert stream.stop_reason(answer.pk, grace=60) == ""  # within the grace a reload may reconnect
    monkeypatch.setattr(pipeline, "ABANDON_GRACE_SECONDS", 0.0)
    done = pipeline.answer_generate(answer_id=answer.pk)
    assert done.status == "cancelled"
    assert done.error == pipeline.ABANDONED
    assert done.finished_at is not None
    final = stream.read(answer.pk, "0", timeout=1)[-1]
    assert (final.kind, final.data["code"]) == ("error", "cancelled")


def test_a_reconnect_within_the_grace_keeps_the_answer_going(alice):
    answer = services.answer_create(owner=alice, question="Where are the otters?")
    first = sse.events(answer)
    next(first)
    first.close()
    again = sse.events(answer)
    next(again)
    time.sleep(0.1)
    assert stream.stop_reason(answer.pk, grace=0) == ""  # someone listens again
    again.close()


def test_a_wait_that_runs_out_cancels_the_answer_and_answers_json_before_the_timeout(alice_api, settings):
    settings.ANSWER_TIMEOUT = 4.0  # nobody consumes the queue in the fast tier: the answer never comes
    started = time.monotonic()
    response = alice_api.post("/api/ask/", {"question": "Where are the otters?"}, format="json")
    took = time.monotonic() - started
    assert response.status_code == 504
    assert response.json()["error"]["code"] == "timeout"
    assert took < settings.ANSWER_TIMEOUT  # the client hears before its own timeout
    answer = Answer.objects.get()
    assert answer.status == "cancelled"
    assert "was stopped" in answer.error
    assert pipeline.answer_generate(answer_id=answer.pk).status == "cancelled"  # a late worker does nothing


def test_a_stream_that_runs_out_ends_with_a_final_event_before_the_timeout(alice, settings):
    settings.ANSWER_TIMEOUT = 4.0
    answer = services.answer_create(owner=alice, question="Where are the otters?")
    started = time.monotonic()
    messages = list(sse.events(answer))
    assert time.monotonic() - started < settings.ANSWER_TIMEOUT
    assert messages[-1].startswith("id: ") or messages[-1].startswith("event: error")
    assert "cancelled" in messages[-1]
    assert Answer.objects.get(pk=answer.pk).status == "cancelled"
