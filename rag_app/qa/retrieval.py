"""Find the passages of a user's own material (documents and notes) that best match a question."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from django.contrib.auth.models import User
from django.urls import reverse

from documents import selectors
from notes import selectors as note_selectors
from rag_app import vectorstore
from rag_app.providers import registry


@dataclass(frozen=True)
class Source:
    """A retrieved passage as given to the model and shown as a citation.

    A document passage has document_id; a note passage has note_id and url instead (document_id None).
    """

    n: int
    document_id: int | None
    title: str
    chunk_id: str
    page: int | None
    text: str
    score: float
    note_id: int | None = None
    url: str | None = None

    def as_dict(self) -> dict[str, object]:
        """The citation's JSON form (documents keep their original keys)."""
        data = asdict(self)
        if self.note_id is None:
            del data["note_id"], data["url"]
        return data


def retrieve(*, owner: User, question: str, k: int) -> list[Source]:
    """The owner's k best passages for the question, numbered from 1.

    The index is filtered by owner, and every hit is checked against the database as well, so a
    stale or foreign vector can never reach the prompt.
    """
    embedding = registry.embedder().embed_one(question)
    hits = vectorstore.query(embedding, k=k, where={"owner_id": owner.pk})
    document_keys = [_key(h, "document_id") for h in hits if "note_id" not in h.metadata]
    note_keys = [_key(h, "note_id") for h in hits if "note_id" in h.metadata]
    chunks = selectors.chunk_list(owner=owner, chunk_keys=document_keys)
    note_chunks = note_selectors.note_chunk_map(owner=owner, chunk_keys=note_keys)
    sources: list[Source] = []
    for hit in hits:
        n = len(sources) + 1
        score = round(hit.score, 4)
        if "note_id" in hit.metadata:
            note_chunk = note_chunks.get(_key(hit, "note_id"))
            if note_chunk is None:
                continue
            sources.append(
                Source(
                    n=n,
                    document_id=None,
                    note_id=note_chunk.note_id,
                    title=f"Note: {note_chunk.note.title}",
                    chunk_id=note_chunk.chunk_id,
                    page=None,
                    text=note_chunk.text,
                    score=score,
                    url=f"{reverse('notes:detail', args=[note_chunk.note_id])}#chunk-{note_chunk.chunk_id}",
                )
            )
            continue
        chunk = chunks.get(_key(hit, "document_id"))
        if chunk is None:
            continue
        sources.append(
            Source(
                n=n,
                document_id=chunk.document_id,
                title=chunk.document.title,
                chunk_id=chunk.chunk_id,
                page=chunk.page,
                text=chunk.text,
                score=score,
            )
        )
    return sources


def _key(hit: vectorstore.Hit, field: str) -> tuple[int, int]:
    return int(hit.metadata[field]), int(hit.metadata["index"])
