"""The side-by-side check: questions from real rows (golden, batch, recent), scores from hand-made searches."""

import pytest

from documents.models import Document
from rag_app.evals import evaluation
from rag_app.evals.side_by_side import (
    GOLDEN_FILE,
    CheckQuestion,
    GenerationScore,
    SideBySide,
    check_questions,
    compare,
)
from rag_app.index.items import ItemKey
from rag_app.qa.models import Answer, BatchQuestion, Conversation, QuestionBatch

pytestmark = pytest.mark.django_db


def doc(n, position=0):
    return ItemKey("document", n, position)


def search_from(table):
    """A Search answering each question's text from a table (what a generation's index would return)."""

    def search(question, k):
        return [(key, 1.0 - i / 100) for i, key in enumerate(table.get(question.text, []))]

    return search


def document(owner, title, original_name=None):
    return Document.objects.create(
        owner=owner,
        title=title,
        original_name=original_name or title,
        kind="text",
        size=1,
        sha256=title,
        file=f"documents/{title}",
        status="ready",
    )


def answer(owner, question, cited=(), shown=()):
    conversation = Conversation.objects.create(owner=owner, title=question[:200])
    citations = [{"n": i, "document_id": d, "title": "t", "cited": True} for i, d in enumerate(cited, start=1)]
    citations += [{"n": 9, "document_id": d, "title": "t", "cited": False} for d in shown]
    citations.append({"n": 10, "document_id": None, "note_id": 77, "title": "Note: n", "cited": True})
    return Answer.objects.create(owner=owner, conversation=conversation, question=question, citations=citations)


# compare and its figures


def test_recall_mrr_and_hits_per_generation_and_the_mean_jaccard_of_the_top_k():
    q1 = CheckQuestion("ferry", 1, frozenset({10}))
    q2 = CheckQuestion("pears", 1, frozenset({20, 21}))
    q3 = CheckQuestion("unknown", 1, frozenset())  # counts for overlap only
    old = search_from(
        {
            "ferry": [doc(10), doc(11), doc(12)],
            "pears": [doc(30), doc(31), doc(21, 4)],
            "unknown": [doc(1), doc(2)],
        }
    )
    new = search_from(
        {
            "ferry": [doc(11), doc(10), doc(12)],
            "pears": [doc(30), doc(31), doc(32)],
            "unknown": [doc(3), doc(4)],
        }
    )
    result = compare([q1, q2, q3], old, new, k=3)
    assert (result.k, result.n) == (3, 3)
    assert (result.old.recall_at_k, result.old.mrr, result.old.hits) == (1.0, pytest.approx((1 + 1 / 3) / 2), 2)
    assert (result.new.recall_at_k, result.new.mrr, result.new.hits) == (0.5, pytest.approx((1 / 2) / 2), 1)
    # ferry: same three; pears: {30, 31} of four; unknown: nothing shared
    assert result.overlap_at_k == pytest.approx((1 + 2 / 4 + 0) / 3)
    assert result.worse_by(0.1)
    assert not result.worse_by(0.6)


def test_only_the_top_k_count_and_a_note_with_the_same_id_is_not_the_document():
    question = CheckQuestion("q", 1, frozenset({5}))
    old = search_from({"q": [ItemKey("note", 5, 0), doc(1), doc(5)]})  # the document is 3rd, k is 2
    new = search_from({"q": [doc(1), doc(5)]})
    result = compare([question], old, new, k=2)
    assert (result.old.recall_at_k, result.old.mrr, result.old.hits) == (0.0, 0.0, 0)
    assert (result.new.recall_at_k, result.new.mrr, result.new.hits) == (1.0, 0.5, 1)
    assert result.overlap_at_k == pytest.approx(1 / 3)  # {note 5, doc 1} against {doc 1, doc 5}
    assert not result.worse_by(0.0)  # better is never worse


def test_without_expected_documents_only_the_overlap_is_compared():
    questions = [CheckQuestion("a", 1, frozenset()), CheckQuestion("b", 1, frozenset())]
    same = search_from({"a": [doc(1), doc(2)], "b": []})
    result = compare(questions, same, same, k=5)
    assert result.old == result.new == GenerationScore(recall_at_k=None, mrr=None, hits=0)
    assert result.overlap_at_k == 1.0  # identical results, including two empty ones
    assert not result.worse_by(0.0)
    assert "only the overlap" in result.lines()[-1]


def test_each_search_is_asked_with_k_and_every_question_once():
    asked = []

    def old(question, k):
        asked.append(("old", question.text, k))
        return []

    def new(question, k):
        asked.append(("new", question.text, k))
        return []

    compare([CheckQuestion("a", 1, frozenset({1})), CheckQuestion("b", 1, frozenset())], old, new, k=4)
    assert asked == [("old", "a", 4), ("new", "a", 4), ("old", "b", 4), ("new", "b", 4)]
    with pytest.raises(ValueError, match="k must be"):
        compare([], old, new, k=0)


def test_the_table_is_aligned_and_shows_each_figure_and_its_change():
    result = SideBySide(
        k=10,
        n=40,
        old=GenerationScore(recall_at_k=0.9, mrr=0.75, hits=36),
        new=GenerationScore(recall_at_k=0.85, mrr=0.8, hits=34),
        overlap_at_k=0.4321,
    )
    lines = result.lines()
    assert lines[0].split() == ["old", "new", "change"]
    assert lines[1].split() == ["recall@10", "0.900", "0.850", "-0.050"]
    assert lines[2].split() == ["MRR", "0.750", "0.800", "+0.050"]
    assert lines[3].split() == ["hits", "36", "34", "-2"]
    assert len({len(line) for line in lines[:4]}) == 1  # the columns line up
    assert "0.432" in lines[4]
    assert "40 questions" in lines[4]
    assert result.worse_by(0.04)
    assert not result.worse_by(0.05)


# where the questions come from


def test_golden_questions_map_to_the_owners_documents_by_title_or_file_name(alice, bob):
    ferry = document(alice, "brackwater-ferry.txt")
    orchard = document(alice, "Lumen Orchard", original_name="lumen-orchard.md")
    document(bob, "saltglass-kiln.txt")  # another user's: never mapped for alice
    golden = evaluation.parse_golden(GOLDEN_FILE.read_text().splitlines())
    expected = {"brackwater-ferry.txt": ferry.pk, "lumen-orchard.md": orchard.pk}
    questions = check_questions("golden", owner_id=alice.pk)
    assert [(q.text, set(q.expected_document_ids)) for q in questions] == [
        (g.question, {expected[g.expected_source]}) for g in golden if g.expected_source in expected
    ]
    assert len(questions) >= 6
    assert all(q.owner_id == alice.pk for q in questions)
    assert len(check_questions("golden", owner_id=alice.pk, limit=2)) == 2
    assert check_questions("golden", owner_id=bob.pk)  # bob's kiln questions
    with pytest.raises(ValueError, match="need an owner"):
        check_questions("golden")


def test_batch_questions_in_order_expecting_what_their_answer_cited(alice, bob):
    batch = QuestionBatch.objects.create(owner=alice, name="audit", total=3)
    second = answer(alice, "second?", cited=[4], shown=[5])
    first = answer(alice, "first?", cited=[1, 2])
    third = answer(alice, "third?", shown=[6])
    for position, row in ((1, second), (0, first), (2, third)):
        BatchQuestion.objects.create(batch=batch, position=position, answer=row)
    questions = check_questions("batch", batch_id=batch.pk)
    assert questions == [
        CheckQuestion("first?", alice.pk, frozenset({1, 2})),
        CheckQuestion("second?", alice.pk, frozenset({4})),
        CheckQuestion("third?", alice.pk, frozenset()),
    ]
    assert check_questions("batch", batch_id=batch.pk, owner_id=alice.pk, limit=1) == questions[:1]
    with pytest.raises(ValueError, match="no question batch"):
        check_questions("batch", batch_id=batch.pk, owner_id=bob.pk)
    with pytest.raises(ValueError, match="batch id"):
        check_questions("batch")


def test_recent_questions_are_the_last_distinct_ones_with_their_latest_citations(alice, bob):
    answer(alice, "ferry?", cited=[1])
    answer(alice, "old question?")
    answer(bob, "bob's?", cited=[9])
    answer(alice, "ferry?", cited=[2, 3])  # asked again later: this answer's citations stand
    answer(alice, "pears?")
    recent = check_questions("recent", owner_id=alice.pk)
    assert recent == [
        CheckQuestion("pears?", alice.pk, frozenset()),
        CheckQuestion("ferry?", alice.pk, frozenset({2, 3})),
        CheckQuestion("old question?", alice.pk, frozenset()),
    ]
    assert check_questions("recent", owner_id=alice.pk, limit=2) == recent[:2]
    everyone = check_questions("recent", limit=3)
    assert [(q.text, q.owner_id) for q in everyone] == [
        ("pears?", alice.pk),
        ("ferry?", alice.pk),
        ("bob's?", bob.pk),
    ]
    assert everyone[2].expected_document_ids == frozenset({9})


def test_an_unknown_source_or_limit_is_refused():
    with pytest.raises(ValueError, match="golden, batch, recent"):
        check_questions("yesterday")
    with pytest.raises(ValueError, match="limit"):
        check_questions("recent", limit=0)
