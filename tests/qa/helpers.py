"""Answer a question in the test process: the worker's pipeline, run in place, as the API would show it.

Tests of the HTTP path (which queues the question for the real worker) are in tests/qa/test_ask_api.py.
"""

from typing import Any

from django.contrib.auth.models import User

from rag_app.qa import pipeline, services
from rag_app.qa.api import AnswerOutputSerializer
from rag_app.qa.models import Answer, Conversation


def answer_now(owner: User, question: str, **options: Any) -> dict[str, Any]:
    """Create the question and answer it at once; the API's JSON for the answer, with the stored error.

    (The API shows a non-staff user a plain message instead: tests/qa/test_answer_failures.py.)
    """
    answer = pipeline.answer_generate(answer_id=services.answer_create(owner=owner, question=question, **options).pk)
    return {**AnswerOutputSerializer(answer).data, "error": answer.error}


def stored_answer(*, owner: User, **fields: Any) -> Answer:
    """An answer row as the pipeline would leave it, in a conversation of its own."""
    conversation = Conversation.objects.create(owner=owner, title=str(fields.get("question", "q"))[:200])
    return Answer.objects.create(owner=owner, conversation=conversation, status=Answer.Status.DONE, **fields)
