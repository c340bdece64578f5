"""Score-aware fusion, pure: strong vector hits stay in the first k, several documents, the refusal floor."""

from rag_app.index.items import ItemKey
from rag_app.qa import fusion
from rag_app.qa.retrieval import Candidate

SCORE = fusion.Knobs()
RRF = fusion.Knobs(method="rrf")


def candidate(document: int, index: int, *, vector=None, keyword=None, coverage=None) -> Candidate:
    rank, score = vector if vector else (None, None)
    kw_rank, kw_score = keyword if keyword else (None, None)
    return Candidate(
        ItemKey("document", document, index),
        vector_rank=rank,
        vector_score=score,
        keyword_rank=kw_rank,
        keyword_score=kw_score,
        keyword_coverage=coverage,
    )


def del_case() -> list[Candidate]:
    """'What does deleting a name do?': the del document holds vector ranks 1 and 2, keyword search missed
    them and found five weak passages of other documents (issue 13)."""
    found = [candidate(1, 0, vector=(1, 0.51)), candidate(1, 1, vector=(2, 0.49))]
    found += [
        candidate(10 + i, 0, vector=(3 + i, 0.40 - i * 0.01), keyword=(1 + i, 0.2), coverage=0.5) for i in range(5)
    ]
    return found


def test_rrf_buries_strong_vector_hits_that_keyword_search_missed():
    found = del_case()
    fusion.score(found, RRF)
    first = fusion.arrange(found, 4, RRF)[:4]
    assert (1, 0) not in [(c.key[1], c.key[2]) for c in first]


def test_score_fusion_keeps_the_top_vector_hits_in_the_first_k():
    found = del_case()
    fusion.score(found, SCORE)
    first = fusion.arrange(found, 4, SCORE)[:4]
    keys = [(c.key[1], c.key[2]) for c in first]
    assert (1, 0) in keys
    assert (1, 1) in keys


def test_kept_vector_hits_win_even_against_high_keyword_scores():
    found = del_case()
    knobs = fusion.Knobs(keyword_weight=1.0)  # keyword coverage outweighs every cosine here
    fusion.score(found, knobs)
    first = fusion.arrange(found, 4, knobs)[:4]
    assert {(1, 0), (1, 1)} <= {(c.key[1], c.key[2]) for c in first}


def test_the_first_k_come_from_three_documents_when_three_qualify():
    found = [candidate(1, i, vector=(i + 1, 0.8 - i * 0.01)) for i in range(3)]
    found += [candidate(2, i, vector=(4 + i, 0.7 - i * 0.01)) for i in range(3)]
    found += [candidate(3, 0, vector=(7, 0.5))]
    fusion.score(found, SCORE)
    first = fusion.arrange(found, 4, SCORE)[:4]
    assert {c.key[1] for c in first} == {1, 2, 3}
    assert first[0].key == ItemKey("document", 1, 0)  # still best first


def test_one_document_fills_the_first_k_when_no_other_qualifies():
    found = [candidate(1, i, vector=(i + 1, 0.8 - i * 0.01)) for i in range(5)]
    fusion.score(found, SCORE)
    assert [c.key[2] for c in fusion.arrange(found, 4, SCORE)[:4]] == [0, 1, 2, 3]


def test_a_keyword_only_hit_is_scored_as_at_most_the_farthest_vector_hit_plus_its_coverage():
    found = [
        candidate(1, 0, vector=(1, 0.6)),
        candidate(2, 0, vector=(2, 0.35)),
        candidate(3, 0, keyword=(1, 0.9), coverage=1.0),
    ]
    fusion.score(found, SCORE)
    assert found[2].fused_score == 0.35 + 0.25


def test_the_cello_question_does_not_pass_the_refusal_floor():
    # "How many strings does a cello have?" reached 0.316 with the old floor of 0.3 (issue 13).
    found = [candidate(1, 0, vector=(1, 0.316)), candidate(2, 0, vector=(2, 0.30), keyword=(1, 0.1), coverage=0.5)]
    assert not fusion.answerable(found, SCORE)


def test_a_strong_hit_or_a_passage_holding_every_word_passes_the_floor():
    assert fusion.answerable([candidate(1, 0, vector=(1, 0.45))], SCORE)
    assert fusion.answerable([candidate(1, 0, vector=(1, 0.2)), candidate(2, 0, keyword=(1, 0.5), coverage=1.0)], SCORE)
