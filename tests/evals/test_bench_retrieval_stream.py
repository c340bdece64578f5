"""bench_retrieval's streamed exact top-k equals exhaustive search over the whole dataset held in memory."""

import numpy as np

from rag_app.evals.bench import retrieval


def test_streamed_exact_top_k_matches_search_over_everything():
    stream = retrieval.Synthetic(2_500, 4, queries=24, uneven=True, seed=3, block=300)  # blocks end mid-owner
    exact = retrieval.ExactTop(stream.queries, stream.askers, 10)
    for block in stream.blocks():
        exact.add(block)
    whole = retrieval.dataset(2_500, 4, queries=24, uneven=True, seed=3, block=300)  # all in memory

    assert len(whole.vectors) == 2_500
    for number, (query, owner) in enumerate(zip(whole.queries, whole.askers, strict=True)):
        assert exact.truth(number) == retrieval.exact_top(whole, query, int(owner), 10)
        assert {int(i) for i in exact.truth(number)} <= set(np.flatnonzero(whole.owners == owner))


def test_the_stream_replays_the_same_vectors_and_splits_owners_as_asked():
    stream = retrieval.Synthetic(4_000, 5, queries=5, uneven=True, seed=1, block=1_000)
    first = np.concatenate([b.vectors for b in stream.blocks()])
    again = np.concatenate([b.vectors for b in stream.blocks()])
    owners = np.concatenate([b.owners for b in stream.blocks()])

    assert np.array_equal(first, again)
    assert np.allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-5)
    counts = np.bincount(owners, minlength=6)[1:]
    assert counts[0] > 2 * counts[4] > 0  # Zipf-like: owner 1 holds about 5x owner 5


def test_an_owner_with_fewer_than_k_vectors_has_only_those_as_truth():
    stream = retrieval.Synthetic(30, 2, queries=2, uneven=False, block=7)
    exact = retrieval.ExactTop(stream.queries, stream.askers, 25)
    owners = np.concatenate([b.owners for b in stream.blocks()])
    for block in stream.blocks():
        exact.add(block)

    for number, owner in enumerate(stream.askers):
        assert exact.truth(number) == {str(i) for i in np.flatnonzero(owners == owner)}
