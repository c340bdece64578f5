"""Rebuild the whole index from the database with the embeddings provider configured now, without downtime."""

from __future__ import annotations

from rag_app.index import build, lifecycle
from rag_app.index.items import Source
from rag_app.index.models import Generation
from rag_app.providers import config


def rebuild() -> tuple[Generation, dict[Source, tuple[int, int]]]:
    """Build a new generation with the configured embedder, switch to it, drop the one it replaced.

    Questions are answered from the old generation until the switch (if its vectors still fit the
    configured embedder), never from an empty one. Returns the new generation and, per kind, how
    many parents and passages it holds.
    """
    endpoint = config.role_config("embeddings").primary
    if endpoint is None:
        raise lifecycle.GenerationError("No provider is configured for the embeddings role")
    row = lifecycle.generation_start(kind=endpoint.kind, model=endpoint.model, base_url=endpoint.base_url, queue=False)
    counts = {source: (len(parents), sum(parents.values())) for source, parents in build.plan().items()}
    build.build(row.pk)
    previous = Generation.objects.get(index_name=row.index_name, state="live")
    lifecycle.generation_switch(number=row.number, force=True)
    lifecycle.generation_drop(number=previous.number)
    row.refresh_from_db()
    return row, counts
