"""SmolLM2-135M-mean, the second real vector space (the real model, in this process): what a migration moves to."""

import math

import pytest

from rag_app.evals.bench import calls
from rag_app.index import fingerprint
from rag_app.providers import config, kinds, registry
from rag_app.providers.base import ProviderError
from rag_app.providers.local import (
    EMBED_ENDPOINT,
    SMOL_EMBED_ENDPOINT,
    SMOL_EMBED_MODEL_NAME,
    LocalEmbedder,
)
from rag_app.providers.models import ProviderSetting

pytestmark = pytest.mark.django_db

TEXTS = [
    "The cat sat on the mat.",
    "A kitten was sitting on the rug.",
    "Quarterly tax filings are due in April.",
    "How long does the ferry crossing take?",
    "The ferry crossing to the island takes 35 minutes.",
]


def cosine(a, b):
    return sum(x * y for x, y in zip(a, b, strict=True))


@pytest.fixture(scope="module")
def vectors():
    return LocalEmbedder(SMOL_EMBED_ENDPOINT).embed_batch(TEXTS)


def test_vectors_are_576_dimensional_and_unit_norm(vectors):
    assert len(vectors) == len(TEXTS)
    for vector in vectors:
        assert len(vector) == 576  # SmolLM2-135M's hidden size
        assert math.sqrt(sum(x * x for x in vector)) == pytest.approx(1.0, abs=1e-5)


def test_the_same_text_gets_the_same_vector_alone_again_or_in_a_batch(vectors):
    embedder = LocalEmbedder(SMOL_EMBED_ENDPOINT)
    again = embedder.embed_batch(TEXTS[:2])
    alone = embedder.embed_one(TEXTS[1])  # shorter than its batch's longest text: padding must not count
    assert again[0] == pytest.approx(vectors[0], abs=1e-5)
    assert alone == pytest.approx(vectors[1], abs=1e-5)
    assert again[0] != pytest.approx(again[1], abs=1e-3)


def test_similar_sentences_are_closer_than_unrelated_ones(vectors):
    cat, kitten, tax, question, answer = vectors
    assert cosine(cat, kitten) > cosine(cat, tax)
    assert cosine(cat, kitten) > cosine(kitten, tax)
    assert cosine(question, answer) > cosine(question, tax)
    assert cosine(question, answer) > cosine(question, cat)


def test_it_is_another_vector_space_than_minilm_so_the_fingerprint_guard_tells_them_apart():
    smol = fingerprint.fingerprint(LocalEmbedder(SMOL_EMBED_ENDPOINT))
    minilm = fingerprint.fingerprint(LocalEmbedder(EMBED_ENDPOINT))
    assert (smol.model, smol.dimension, minilm.dimension) == (SMOL_EMBED_MODEL_NAME, 576, 384)
    assert smol.describe() == "local:SmolLM2-135M-mean (576-d)"
    assert not smol.matches(minilm)
    assert not minilm.matches(smol)
    assert smol.matches(fingerprint.fingerprint(LocalEmbedder(SMOL_EMBED_ENDPOINT)))
    assert SMOL_EMBED_ENDPOINT != EMBED_ENDPOINT  # the probe cache is kept by endpoint


def test_an_unknown_local_embeddings_model_is_a_permanent_error_naming_the_known_ones():
    with pytest.raises(ProviderError, match="all-MiniLM-L6-v2, SmolLM2-135M-mean") as caught:
        LocalEmbedder(EMBED_ENDPOINT.__class__(kind="local", model="nomic-embed-text")).embed_batch(["x"])
    assert caught.value.permanent


def test_the_connection_test_reports_its_dimension():
    health = kinds.get("local").check(SMOL_EMBED_ENDPOINT, "embeddings")
    assert health.ok, health.error
    assert (health.models, health.embedding_dimension) == ([SMOL_EMBED_MODEL_NAME], 576)


def test_an_admin_row_selects_it_for_the_embeddings_role(settings):
    settings.LLM_PROVIDER = "local"
    ProviderSetting.objects.create(role="embeddings", slot="primary", kind="local", model=SMOL_EMBED_MODEL_NAME)
    config.invalidate()
    try:
        embedder = registry.embedder()
        assert embedder.endpoint.model == SMOL_EMBED_MODEL_NAME
        assert len(embedder.embed_one("through the guarded path")) == 576
    finally:
        config.invalidate()


def test_the_environment_selects_it_and_benchmark_providers_measures_it(settings):
    settings.LOCAL_EMBED_MODEL = SMOL_EMBED_MODEL_NAME
    endpoint = kinds.env_endpoint("local", "embeddings")
    assert endpoint == SMOL_EMBED_ENDPOINT
    assert kinds.env_endpoint("local", "chat").model == "SmolLM2-135M-Instruct"
    result = calls.timed_embed(calls.model_for("local", "embeddings", layer=True), TEXTS[:3])
    assert result.ok, result.error
    assert result.end > result.start
    settings.LOCAL_EMBED_MODEL = "all-MiniLM-L6-v2"
    assert kinds.env_endpoint("local", "embeddings") == EMBED_ENDPOINT
