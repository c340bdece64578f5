"""The evaluation metrics on known inputs, and the golden-file reader."""

import pytest

from rag_app.evals import evaluation
from rag_app.evals.evaluation import GoldenQuestion


def test_recall_at_k_counts_expected_sources_within_the_first_k():
    ranks = [1, 3, None, 5]
    assert evaluation.recall_at_k(ranks, 4) == 0.5
    assert evaluation.recall_at_k(ranks, 5) == 0.75
    assert evaluation.recall_at_k(ranks, 1) == 0.25
    assert evaluation.recall_at_k([], 4) == 0.0


def test_mrr_is_the_mean_of_reciprocal_ranks_with_misses_as_zero():
    assert evaluation.mean_reciprocal_rank([1, 2, None, 4]) == pytest.approx((1 + 0.5 + 0 + 0.25) / 4)
    assert evaluation.mean_reciprocal_rank([None]) == 0.0
    assert evaluation.mean_reciprocal_rank([]) == 0.0


def test_rank_of_finds_the_first_passage_of_the_expected_document_or_note():
    titles = ["a.txt", "b.md", "b.md", "Note: c"]
    assert evaluation.rank_of("b.md", titles) == 2
    assert evaluation.rank_of("c", titles) == 4
    assert evaluation.rank_of("z.txt", titles) is None


def test_a_citation_is_correct_only_when_a_cited_passage_contains_the_support():
    citations = [
        {"n": 1, "text": "The crossing takes\n35   Minutes in calm weather.", "cited": False},
        {"n": 2, "text": "Fares are 4 crowns.", "cited": True},
    ]
    assert not evaluation.citation_correct(citations, "35 minutes")  # given, but not cited
    assert evaluation.support_given(citations, "35 minutes")  # whitespace and case do not matter
    citations[0]["cited"] = True
    assert evaluation.citation_correct(citations, "35 minutes")
    assert not evaluation.citation_correct(citations, "55 knots")


def test_refusal_is_no_passages_or_the_not_found_reply():
    assert evaluation.refused("I could not find anything about this in your documents and notes.", [])
    assert evaluation.refused("Anything at all", [])
    assert evaluation.refused("I could not find it in the sources.", [{"text": "x"}])
    assert not evaluation.refused("It takes 35 minutes [1].", [{"text": "x"}])


class Seen:
    def __init__(self, name, vector_score, keyword_coverage):
        self.name, self.vector_score, self.keyword_coverage = name, vector_score, keyword_coverage


def test_threshold_simulation_keeps_keyword_hits_with_enough_of_the_words_unless_told_not_to():
    candidates = [Seen("a", 0.6, None), Seen("b", 0.1, 1.0), Seen("c", 0.25, 0.3), Seen("d", None, 0.5)]

    def names(threshold, k=4, coverage=0.5):
        return [
            c.name for c in evaluation.sources_at_threshold(candidates, threshold, k, keyword_min_coverage=coverage)
        ]

    assert names(0.3) == ["a", "b", "d"]
    assert names(0.2) == ["a", "b", "c", "d"]
    assert names(0.2, k=2) == ["a", "b"]
    assert names(0.3, coverage=None) == ["a"]
    assert names(0.7, coverage=None) == []


def test_golden_lines_are_read_and_bad_ones_named():
    lines = [
        '{"question": " How long? ", "expected_source": "ferry.txt", "support": "35 minutes"}',
        "",
        '{"question": "Capital of Peru?", "expected_source": null, "support": null}',
    ]
    assert evaluation.parse_golden(lines) == [
        GoldenQuestion("How long?", "ferry.txt", "35 minutes"),
        GoldenQuestion("Capital of Peru?", None, None),
    ]
    assert evaluation.parse_golden(lines)[1].off_topic
    with pytest.raises(ValueError, match="line 2: not JSON"):
        evaluation.parse_golden(['{"question": "a"}', "{oops"])
    with pytest.raises(ValueError, match='line 1: needs an object with a non-empty "question"'):
        evaluation.parse_golden(['{"question": "  "}'])
    with pytest.raises(ValueError, match="expected_source"):
        evaluation.parse_golden(['{"question": "a", "expected_source": 3}'])
    with pytest.raises(ValueError, match="no questions"):
        evaluation.parse_golden(["", "  "])
