"""Find the passages of a user's own material that best match a question."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from django.contrib.auth.models import User

from documents import selectors
from rag_app import vectorstore
from rag_app.providers import registry


@dataclass(frozen=True)
class Source:
    """A retrieved passage as given to the model and shown as a citation."""

    n: int
    document_id: int
    title: str
    chunk_id: str
    page: int | None
    text: str
    score: float

    def as_dict(self) -> dict[str, object]:
        """The citation's JSON form."""
        return asdict(self)


def retrieve(*, owner: User, question: str, k: int) -> list[Source]:
    """The owner's k best passages for the question, numbered from 1.

    The index is filtered by owner, and every hit is checked against the database as well, so a
    stale or foreign vector can never reach the prompt.
    """
    embedding = registry.embedder().embed_one(question)
    hits = vectorstore.query(embedding, k=k, where={"owner_id": owner.pk})
    keys = [(int(h.metadata["document_id"]), int(h.metadata["index"])) for h in hits]
    chunks = selectors.chunk_list(owner=owner, chunk_keys=keys)
    sources: list[Source] = []
    for hit, key in zip(hits, keys, strict=True):
        chunk = chunks.get(key)
        if chunk is None:
            continue
        sources.append(
            Source(
                n=len(sources) + 1,
                document_id=chunk.document_id,
                title=chunk.document.title,
                chunk_id=chunk.chunk_id,
                page=chunk.page,
                text=chunk.text,
                score=round(hit.score, 4),
            )
        )
    return sources
