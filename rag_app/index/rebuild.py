"""Rebuild the whole index from the database with the embeddings provider configured now."""

from __future__ import annotations

from rag_app.index import fingerprint, service, sources
from rag_app.index.items import Source


def rebuild() -> dict[Source, tuple[int, int]]:
    """Drop every owner's collection (and a legacy shared one) and write every indexed document and note again.

    Returns, per kind, how many parents and passages were written. Each empty owner collection adopts the
    configured embedder's fingerprint on first write.
    """
    service.drop_all()
    fingerprint.forget()
    written: dict[Source, tuple[int, int]] = {}
    for kind in sources.all_sources():
        parents = sorted(kind.indexed())
        written[kind.source] = (len(parents), sum(kind.reindex(parent_id) for parent_id in parents))
    return written
