"""manage.py eval_qa end to end on a slice of the golden set: real ingestion, retrieval and answers."""

import json
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from documents.models import Document
from rag_app.evals.golden import generate
from rag_app.qa.models import Conversation
from tests.qa.conftest import ready_document

pytestmark = [pytest.mark.django_db, pytest.mark.stack]

FERRY = "How long does the Brackwater ferry crossing take?"


@pytest.fixture
def corpus(tmp_path):
    """The golden corpus, generated for this test."""
    generate.write(tmp_path)
    return tmp_path / "corpus"


def golden(tmp_path, *rows):
    path = tmp_path / "slice.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def run(*args):
    out = StringIO()
    call_command("eval_qa", *[str(a) for a in args], stdout=out, stderr=StringIO())
    return out.getvalue()


def test_figures_come_from_real_retrieval_and_answers_and_everything_is_removed(tmp_path, corpus, settings):
    collection = settings.CHROMA_COLLECTION
    questions = golden(
        tmp_path,
        {"question": FERRY, "expected_source": "brackwater-ferry.txt", "support": "35 minutes"},
        {"question": "Who painted the Mona Lisa?", "expected_source": None, "support": None},
    )
    out = run(questions, "--corpus", corpus, "--json", tmp_path / "report.json")
    report = json.loads((tmp_path / "report.json").read_text())
    summary = report["summary"]
    assert (summary["on_topic"], summary["off_topic"], summary["k"]) == (1, 1, 4)
    assert (summary["recall_at_k"], summary["mrr"]) == (1.0, 1.0)
    assert summary["refusal_accuracy"] == 1.0
    assert summary["false_refusals"] == 0.0
    assert summary["support_given"] == 1.0
    assert summary["support_in_answer"] in (0.0, 1.0)
    assert summary["citation_correctness"] in (0.0, 1.0)
    assert summary["providers"] == ["local:SmolLM2-135M-Instruct"]
    ferry, mona_lisa = report["questions"]
    assert ferry["retrieved"][0] == "brackwater-ferry.txt"
    assert ferry["rank"] == 1
    assert ferry["status"] == "done"
    assert ferry["expected_vector_score"] > settings.RETRIEVAL_MIN_SCORE
    assert mona_lisa["retrieved"] == []
    assert mona_lisa["refused"] is True
    assert "could not find" in mona_lisa["answer"]
    # the simulation at the current threshold reproduces what retrieval did
    current = next(r for r in report["sweep"] if r["keyword_hits_pass"] and r["threshold"] == 0.3)
    assert current["off_topic_without_sources"] == summary["off_topic_without_sources"] == 1.0
    assert "recall@4             1.000" in out
    assert "refusal accuracy     1.000" in out

    assert not User.objects.filter(username__startswith="eval-").exists()
    assert not Document.objects.exists()
    assert collection == settings.CHROMA_COLLECTION
    assert settings.RETRIEVAL_TOP_K == 4


def test_a_wrong_expected_source_scores_zero(tmp_path, corpus):
    questions = golden(
        tmp_path,
        {"question": FERRY, "expected_source": "brackwater-ferry.txt", "support": "35 minutes"},
        {"question": FERRY, "expected_source": "saltglass-kiln.txt", "support": "35 minutes"},
    )
    run(questions, "--corpus", corpus, "--k", "1", "--retrieval-only", "--json", tmp_path / "report.json")
    report = json.loads((tmp_path / "report.json").read_text())
    assert [q["rank"] for q in report["questions"]] == [1, None]
    assert (report["summary"]["recall_at_k"], report["summary"]["mrr"]) == (0.5, 0.5)
    assert "refusal_accuracy" not in report["summary"]  # no answers were asked for


def test_owner_mode_uses_the_users_material_and_removes_its_answers(tmp_path, alice):
    ready_document(alice, "tower.txt", "The Eiffel Tower is 330 metres tall and stands in Paris.")
    mine = Conversation.objects.create(owner=alice, title="kept")
    questions = golden(
        tmp_path,
        {"question": "How tall is the Eiffel Tower?", "expected_source": "tower.txt", "support": "330 metres"},
        {"question": "How do I bake sourdough bread?", "expected_source": None, "support": None},
    )
    out = run(questions, "--owner", "alice")
    assert "recall@4             1.000" in out
    assert "refusal accuracy     1.000" in out
    assert list(Conversation.objects.filter(owner=alice)) == [mine]
    assert Document.objects.filter(owner=alice).count() == 1


def test_mistakes_are_reported_before_anything_runs(tmp_path, corpus, alice):
    typo = golden(tmp_path, {"question": FERRY, "expected_source": "brackwater-ferri.txt", "support": "35"})
    with pytest.raises(CommandError, match=r"No document or note is named brackwater-ferri\.txt"):
        run(typo, "--corpus", corpus)
    assert not User.objects.filter(username__startswith="eval-").exists()
    with pytest.raises(CommandError, match="No user named 'nobody'"):
        run(typo, "--owner", "nobody")
    (tmp_path / "bad.jsonl").write_text("{nope\n")
    with pytest.raises(CommandError, match="line 1: not JSON"):
        run(tmp_path / "bad.jsonl", "--owner", "alice")
