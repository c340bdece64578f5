"""Batches in the test process: checks on the questions, progress, the concurrency window, failures, deletion.

The workers' side (batch_question_answer) runs here in place with the real local models; tasks are
not sent (on_commit callbacks are captured, not run). The real-worker path is in test_batch_api.py.
"""

import pytest

from rag_app.errors import ApplicationError
from rag_app.providers import registry
from rag_app.qa import batch, pipeline
from rag_app.qa.models import Answer, BatchQuestion, Conversation, QuestionBatch
from tests.qa.conftest import ready_document

pytestmark = pytest.mark.django_db


def create(owner, questions, **options):
    return batch.question_batch_create(owner=owner, questions=questions, **options)


def test_each_question_is_an_answer_in_its_own_conversation(alice, settings, django_capture_on_commit_callbacks):
    settings.BATCH_CONCURRENCY = 2
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        created = create(alice, ["  One?  ", "Two?", "Three?"], tags=["Work"])
    assert len(callbacks) == 2  # one send per question of the first BATCH_CONCURRENCY
    assert (created.status, created.total, created.done, created.next_position) == ("queued", 3, 0, 2)
    assert created.name == "3 questions"
    items = list(BatchQuestion.objects.filter(batch=created).select_related("answer"))
    assert [i.answer.question for i in items] == ["One?", "Two?", "Three?"]
    assert len({i.answer.conversation_id for i in items}) == 3
    assert all(i.answer.status == "pending" and i.answer.scope == {"document_ids": [], "tags": ["work"]} for i in items)
    # the outbox: the questions sent have a resend time, written with the rows; the one waiting its turn has none
    assert [i.answer.resend_at is not None for i in items] == [True, True, False]


@pytest.mark.parametrize(
    ("questions", "code", "message"),
    [
        ([], "empty_batch", "no questions"),
        (["Fine?", "   "], "empty_question", "Question 2 is empty"),
        (["x" * 4001], "too_long", "Question 1 is longer than 4000 characters"),
        (["q?"] * 4, "too_many_questions", "at most 3 questions; this one has 4"),
    ],
)
def test_bad_batches_are_refused_and_nothing_is_stored(alice, settings, questions, code, message):
    settings.BATCH_MAX_QUESTIONS = 3
    with pytest.raises(ApplicationError, match=message) as raised:
        create(alice, questions)
    assert raised.value.code == code
    assert not QuestionBatch.objects.exists()
    assert not Conversation.objects.exists()


@pytest.mark.stack
def test_another_users_documents_cannot_scope_a_batch(alice, bob):
    document = ready_document(alice, "tower.txt", "The Eiffel Tower is 330 metres tall and stands in Paris.")
    with pytest.raises(ApplicationError, match=f"No such documents: \\[{document.pk}\\]"):
        create(bob, ["How tall?"], document_ids=[document.pk])


@pytest.mark.stack
def test_progress_counts_answers_and_each_finished_question_starts_the_next(
    alice, settings, django_capture_on_commit_callbacks
):
    settings.BATCH_CONCURRENCY = 1
    created = create(alice, ["Anything about bread?", "Anything about cars?", "Anything about tea?"])
    answers = list(Answer.objects.filter(batch_question__batch=created).order_by("batch_question__position"))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        batch.batch_question_answer(batch_id=created.pk, answer_id=answers[0].pk)
    created.refresh_from_db()
    assert (created.status, created.done, created.failed, created.next_position) == ("running", 1, 0, 2)
    assert len(callbacks) == 1  # the next question was sent
    answers[0].refresh_from_db()
    assert answers[0].status == "done"
    assert "could not find" in answers[0].text  # alice has no material: refused without the chat model

    for answer in answers[1:]:
        batch.batch_question_answer(batch_id=created.pk, answer_id=answer.pk)
    created.refresh_from_db()
    assert (created.status, created.done, created.total, created.next_position) == ("done", 3, 3, 3)
    assert created.finished_at is not None
    started = BatchQuestion.objects.get(answer=answers[2]).started_at
    assert started is not None

    # A task delivered twice (acks_late) does not answer again.
    before = Answer.objects.get(pk=answers[0].pk).finished_at
    batch.batch_question_answer(batch_id=created.pk, answer_id=answers[0].pk)
    assert Answer.objects.get(pk=answers[0].pk).finished_at == before


@pytest.mark.stack
def test_a_batch_whose_every_question_fails_is_failed_with_the_reasons(alice, monkeypatch):
    ready_document(alice, "tower.txt", "The Eiffel Tower is 330 metres tall and stands in Paris.")
    monkeypatch.setattr(registry.RoutedChatModel, "context_length", lambda self: 200)  # too small for any passage
    created = create(alice, ["How tall is the Eiffel Tower?", "Where is the Eiffel Tower?"])
    for item in BatchQuestion.objects.filter(batch=created):
        batch.batch_question_answer(batch_id=created.pk, answer_id=item.answer_id)
    created.refresh_from_db()
    assert (created.status, created.done, created.failed) == ("failed", 2, 2)
    errors = set(Answer.objects.filter(batch_question__batch=created).values_list("error", flat=True))
    assert len(errors) == 1
    assert "do not fit the chat model's context of 200 tokens" in errors.pop()


def test_an_unexpected_error_fails_the_question_and_the_batch_still_finishes(alice, monkeypatch):
    created = create(alice, ["Anything?"])
    answer = Answer.objects.get(batch_question__batch=created)

    def broken(*, answer_id, batch):
        Answer.objects.filter(pk=answer_id).update(status=Answer.Status.STREAMING)
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(pipeline, "answer_generate", broken)
    with pytest.raises(RuntimeError):
        batch.batch_question_answer(batch_id=created.pk, answer_id=answer.pk)
    answer.refresh_from_db()
    assert answer.status == "failed"
    assert "disk on fire" in answer.error
    created.refresh_from_db()
    assert (created.status, created.failed) == ("failed", 1)


@pytest.mark.stack
def test_a_deleted_question_is_skipped_and_deleting_the_batch_removes_its_conversations(alice):
    created = create(alice, ["First?", "Second?"])
    first, second = BatchQuestion.objects.filter(batch=created).select_related("answer")
    first.answer.conversation.delete()  # the asker deleted one conversation before the worker came
    batch.batch_question_answer(batch_id=created.pk, answer_id=first.answer_id)
    batch.batch_question_answer(batch_id=created.pk, answer_id=second.answer_id)
    created.refresh_from_db()
    assert (created.status, created.total, created.done) == ("done", 1, 1)

    Conversation.objects.create(owner=alice, title="mine, not the batch's")
    batch.question_batch_delete(batch=created)
    assert not QuestionBatch.objects.exists()
    assert list(Conversation.objects.values_list("title", flat=True)) == ["mine, not the batch's"]


def test_conversation_lists_leave_out_batch_questions_which_stay_reachable_by_id(alice, alice_api):
    own = Conversation.objects.create(owner=alice, title="asked by hand")
    created = create(alice, ["From the batch?"])
    in_batch = Conversation.objects.get(answers__batch_question__batch=created)
    assert [c["id"] for c in alice_api.get("/api/conversations/").json()["results"]] == [own.pk]
    assert alice_api.get(f"/api/conversations/{in_batch.pk}/").json()["answers"][0]["question"] == "From the batch?"


def test_a_redelivered_question_never_takes_the_batch_past_its_concurrency(
    alice, settings, django_capture_on_commit_callbacks
):
    settings.BATCH_CONCURRENCY = 2
    created = create(alice, ["One?", "Two?", "Three?", "Four?"])
    first, second, *_ = Answer.objects.filter(batch_question__batch=created).order_by("batch_question__position")
    Answer.objects.filter(pk=first.pk).update(status=Answer.Status.DONE)  # answered: its turn passes on
    with django_capture_on_commit_callbacks(execute=False) as handed_on:
        batch.batch_question_answer(batch_id=created.pk, answer_id=first.pk)
    assert len(handed_on) == 1
    created.refresh_from_db()
    assert created.next_position == 3

    # The same message again (acks_late redelivery): two questions are still in flight, so nothing more is sent.
    with django_capture_on_commit_callbacks(execute=False) as redelivered:
        batch.batch_question_answer(batch_id=created.pk, answer_id=first.pk)
    assert redelivered == []
    created.refresh_from_db()
    assert created.next_position == 3
    in_flight = Answer.objects.filter(
        batch_question__batch=created, batch_question__position__lt=created.next_position, status__in=batch._BUSY
    )
    assert in_flight.count() == settings.BATCH_CONCURRENCY

    # A hand-off lost with a dead worker is made up by the next progress count, up to the concurrency.
    Answer.objects.filter(pk=second.pk).update(status=Answer.Status.FAILED)
    with django_capture_on_commit_callbacks(execute=False) as made_up:
        batch.question_batch_progress(batch_id=created.pk)
    assert len(made_up) == 1
    created.refresh_from_db()
    assert created.next_position == 4
