"""The guarded embedder keeps several batches in flight on servers that batch, and returns them in order."""

import contextlib
import threading

import pytest

from rag_app.providers import registry
from rag_app.providers.base import Embedder, Endpoint, ProviderError
from rag_app.providers.models import ProviderCall

pytestmark = pytest.mark.django_db


class CountingEmbedder(Embedder):
    """Records how many batches run at once; `together` of them must meet before any answers."""

    kind = "vllm"

    def __init__(self, kind="vllm", together=3, vectors_per_text=1):
        super().__init__(Endpoint(kind=kind, model="counting", max_in_flight=8))
        self.lock = threading.Lock()
        self.running = self.most = 0
        self.release = threading.Barrier(together, timeout=10)
        self.vectors_per_text = vectors_per_text

    def embed_batch(self, texts):
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        with contextlib.suppress(threading.BrokenBarrierError):
            self.release.wait()
        with self.lock:
            self.running -= 1
        return [[float(len(t)), 1.0] for t in texts for _ in range(self.vectors_per_text)]


def guarded(monkeypatch, fake):
    monkeypatch.setattr(registry, "build", lambda role, endpoint: fake)
    return registry.GuardedEmbedder(fake.endpoint)


def test_served_embedders_keep_several_batches_in_flight_and_keep_order(settings, monkeypatch):
    settings.EMBED_IN_FLIGHT = 3
    fake = CountingEmbedder(together=3)
    batches = list(guarded(monkeypatch, fake).embed_iter(["x" * i for i in range(18)], batch_size=2))
    assert fake.most == 3
    assert [v for batch in batches for v in batch] == [[float(i), 1.0] for i in range(18)]
    # each request is logged, by the calling thread (inside this test's transaction)
    assert ProviderCall.objects.filter(role="embeddings", ok=True).count() == 9


def test_in_process_models_run_one_batch_at_a_time(settings, monkeypatch):
    settings.EMBED_IN_FLIGHT = 3
    fake = CountingEmbedder(kind="local", together=1)
    vectors = guarded(monkeypatch, fake).embed(["a", "bb", "ccc"], batch_size=1)
    assert fake.most == 1
    assert vectors == [[1.0, 1.0], [2.0, 1.0], [3.0, 1.0]]


def test_a_wrong_number_of_vectors_is_a_permanent_error(monkeypatch):
    fake = CountingEmbedder(together=1, vectors_per_text=2)
    with pytest.raises(ProviderError, match="returned 4 vectors for 2 texts") as caught:
        guarded(monkeypatch, fake).embed_batch(["a", "b"])
    assert caught.value.permanent
