"""Admission control: a question the answer workers could not answer in time is refused at once (429 busy)."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from rag_app.errors import ApplicationError
from rag_app.qa import admission
from rag_app.qa.models import Answer, Conversation

pytestmark = pytest.mark.django_db


@pytest.fixture
def admitting(settings):
    settings.ANSWER_ADMISSION = True
    settings.ANSWER_WORKERS = 2
    settings.ANSWER_TIMEOUT = 100.0
    settings.ANSWER_MAX_IN_FLIGHT = 100
    return settings


def _asked(owner, n, status=Answer.Status.PENDING):
    conversation = Conversation.objects.create(owner=owner, title="load")
    return Answer.objects.bulk_create(
        [Answer(owner=owner, conversation=conversation, question=f"q{i}", status=status) for i in range(n)]
    )


def _finished(owner, n, *, seconds, queued=0.0, ago=timedelta(seconds=30)):
    answers = _asked(owner, n, Answer.Status.DONE)
    Answer.objects.filter(pk__in=[a.pk for a in answers]).update(
        duration_ms=int((seconds + queued) * 1000), queue_ms=int(queued * 1000), finished_at=timezone.now() - ago
    )


def _admit():
    with transaction.atomic():
        admission.answer_admit()


def test_without_a_known_pace_no_more_than_the_workers_are_admitted(admitting, alice):
    _asked(alice, 1)
    _admit()  # 1 in flight, 2 workers: room
    _asked(alice, 1)
    with pytest.raises(ApplicationError) as caught:
        _admit()
    assert (caught.value.status, caught.value.code, caught.value.retry_after) == (429, "busy", 5)
    assert caught.value.headers() == {"Retry-After": "5"}


def test_at_the_recent_pace_a_question_is_admitted_only_if_answered_well_within_the_timeout(admitting, alice):
    # 10 s a worker per answer (queue wait excluded), 2 workers, 100 s timeout: within 60 s means 6 rounds,
    # so up to 11 ahead of it.
    _finished(alice, 5, seconds=10.0, queued=40.0)
    assert admission.service_seconds() == 10.0
    _asked(alice, 11)
    _admit()
    _asked(alice, 1)
    with pytest.raises(ApplicationError) as caught:
        _admit()
    assert caught.value.retry_after == 5  # a worker frees about every 10 / 2 s


def test_a_free_worker_takes_a_question_whatever_the_pace_but_nothing_queues_behind_a_slow_one(admitting, alice):
    _finished(alice, 3, seconds=500.0)  # slower than the whole timeout, measured with the workers busy
    _asked(alice, 1)
    _admit()  # the second worker is free
    _asked(alice, 1)
    with pytest.raises(ApplicationError) as caught:
        _admit()
    assert caught.value.retry_after == 60  # 500 / 2, at most a minute


def test_a_few_fast_first_answers_or_slow_ones_under_way_do_not_make_a_fast_pace(admitting, alice):
    _finished(alice, 2, seconds=5.0)
    assert admission.service_seconds() is None  # two are too few to trust
    _finished(alice, 1, seconds=5.0)
    assert admission.service_seconds() == 5.0
    running = _asked(alice, 1, Answer.Status.STREAMING)
    Answer.objects.filter(pk=running[0].pk).update(created_at=timezone.now() - timedelta(seconds=40))
    assert admission.service_seconds() == pytest.approx(40.0, abs=2)  # the one under way is slower


def test_old_history_and_abandoned_rows_do_not_count(admitting, alice):
    _finished(alice, 5, seconds=50.0, ago=timedelta(minutes=30))  # a slow spell long ago says nothing now
    assert admission.service_seconds() is None
    stale = _asked(alice, 5)  # left by a dead worker, older than ANSWER_TIMEOUT: the reaper's
    Answer.objects.filter(pk__in=[a.pk for a in stale]).update(created_at=timezone.now() - timedelta(seconds=500))
    assert admission.in_flight() == 0
    _admit()


def test_the_hard_cap_and_the_off_switch(admitting, alice):
    admitting.ANSWER_MAX_IN_FLIGHT = 3
    _finished(alice, 3, seconds=1.0)
    _asked(alice, 3)
    with pytest.raises(ApplicationError, match="try again in 1 s"):
        _admit()
    admitting.ANSWER_ADMISSION = False
    _admit()


def test_the_api_answers_busy_with_retry_after_and_keeps_nothing(admitting, alice, alice_api):
    _asked(alice, 2)
    before = Answer.objects.count()
    for stream in (False, True):
        response = alice_api.post("/api/ask/", {"question": "Anything?", "stream": stream}, format="json")
        assert response.status_code == 429
        assert response["Retry-After"] == "5"
        assert response.json()["error"]["code"] == "busy"
    assert Answer.objects.count() == before
    assert Conversation.objects.filter(owner=alice).count() == 1  # only the fixture's: the new one rolled back


def test_expected_seconds_counts_rounds_of_workers():
    assert admission.expected_seconds(ahead=0, workers=8, service=10.0) == 10.0
    assert admission.expected_seconds(ahead=7, workers=8, service=10.0) == 10.0
    assert admission.expected_seconds(ahead=8, workers=8, service=10.0) == 20.0


def test_a_question_that_finds_a_worker_free_costs_the_lock_and_one_count(alice, admitting, django_assert_num_queries):
    _finished(alice, 5, seconds=80.0)  # a slow pace, which would refuse a queued question
    _asked(alice, 1)
    expected = 2 if transaction.get_connection().vendor == "postgresql" else 1
    with django_assert_num_queries(expected):
        admission.answer_admit()  # 1 in flight, 2 workers: admitted without reading the pace


def test_recording_a_new_question_is_a_handful_of_statements(alice, admitting, django_assert_num_queries):
    from rag_app.qa import services

    # the lock and the count (admission), the conversation, the answer, and the test transaction's savepoint
    # and its release; no pace read, no second save of the conversation just made (the task is sent when the
    # transaction commits, which a test's never does)
    expected = 6 if transaction.get_connection().vendor == "postgresql" else 5
    with django_assert_num_queries(expected):
        services.answer_create(owner=alice, question="How tall is the tower?")
