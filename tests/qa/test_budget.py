"""Sources are packed into the context whole, best first; what does not fit is left out, never cut."""

from rag_app.qa.budget import estimate_tokens, pack
from rag_app.qa.retrieval import Source


def source(n, chars):
    return Source(n=n, document_id=1, title="t", chunk_id=f"1:{n}", page=None, text="x" * chars, score=0.5)


def test_everything_fits_in_a_large_context():
    packing = pack([source(1, 400), source(2, 400)], context=8192, fixed_text="question", answer_tokens=256)
    assert [s.n for s in packing.kept] == [1, 2]
    assert packing.dropped == []


def test_sources_that_do_not_fit_are_dropped_whole_and_smaller_later_ones_may_fit():
    sources = [source(1, 1200), source(2, 4000), source(3, 300)]
    packing = pack(sources, context=1100, fixed_text="q" * 320, answer_tokens=256)
    assert [s.n for s in packing.kept] == [1, 3]
    assert [s.n for s in packing.dropped] == [2]
    used = sum(estimate_tokens(s.text) for s in packing.kept)
    assert used <= packing.available


def test_the_answer_and_fixed_prompt_are_reserved_first():
    packing = pack([source(1, 100)], context=300, fixed_text="q" * 640, answer_tokens=256)
    assert packing.kept == []
    assert packing.available < 0
