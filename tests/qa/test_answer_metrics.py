"""rag_answers_total's path label is the path the answer's checks record: one source for the row and /metrics."""

import pytest

from rag_app.metrics import answer_path
from rag_app.qa.models import Answer
from tests.qa.conftest import ready_document
from tests.qa.helpers import answer_now
from tests.scrape import scrape, value

# Not transactional: a committed question would also reach the stack tier's worker, which may take it first.
pytestmark = pytest.mark.django_db

VERIFICATION_PATHS = {"generated", "quoted", "refused", "unverified", "no sources"}


def _answered(staff_client, alice, question: str) -> tuple[Answer, float, float]:
    """Answer the question in place; the answer, and how far its series and the old 'model' one moved."""
    before = scrape(staff_client)
    answer = Answer.objects.get(pk=answer_now(alice, question)["id"])
    after = scrape(staff_client)
    path = answer_path(answer.checks)

    def moved(**labels: str) -> float:
        return value(after, "rag_answers_total", **labels) - value(before, "rag_answers_total", **labels)

    return answer, moved(status=answer.status, path=path), moved(status=answer.status, path="model")


@pytest.mark.stack
def test_a_done_answer_is_counted_under_the_verification_path_its_checks_record(staff_client, alice):
    ready_document(alice, "tower.txt", "The Eiffel Tower is 330 metres tall and stands in Paris.")
    answer, counted, as_model = _answered(staff_client, alice, "How tall is the Eiffel Tower?")
    assert answer.status == Answer.Status.DONE, answer.error
    assert answer.checks["verification"]["path"] in VERIFICATION_PATHS
    assert answer_path(answer.checks) == answer.checks["verification"]["path"]
    assert counted == 1
    assert as_model == 0  # a done answer is no longer counted as "model"


def test_a_failed_retrieval_is_counted_as_retrieval_from_checks_without_a_retrieval_record(staff_client, alice):
    # Real failure: outside the stack tier Chroma's address leads nowhere (tests/conftest.py).
    answer, counted, _ = _answered(staff_client, alice, "How tall is it?")
    assert answer.status == Answer.Status.FAILED
    assert "retrieval" not in answer.checks
    assert answer_path(answer.checks) == "retrieval"
    assert counted == 1


def test_the_path_is_the_verification_one_else_where_the_answer_stopped():
    assert answer_path({"retrieval": {}, "verification": {"enabled": True, "path": "quoted"}}) == "quoted"
    assert answer_path({"retrieval": {}, "generation": {}}) == "model"  # fitted, then the chat model failed
    assert answer_path({}) == "retrieval"
