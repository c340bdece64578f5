"""Find the passages of a user's own material that best match a question.

Vector and keyword search are fused by score (rag_app/qa/fusion.py), always scoped to the owner, and
every passage is checked against the database before it can reach a prompt. The question's embedding
and vector search run in a pool thread while keyword search runs in the caller's (it needs the caller's
database connection); each stage's time is recorded (Retrieval.spans_ms).
"""

from __future__ import annotations

import collections
import contextvars
import threading
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.urls import reverse

from documents import selectors
from notes import selectors as note_selectors
from notes.models import Note
from rag_app.index import service as index
from rag_app.index.generations import Gen
from rag_app.index.items import ItemKey
from rag_app.providers import registry
from rag_app.providers.base import Embedder
from rag_app.qa import fusion, keyword
from rag_app.qa.keyword import Key
from rag_app.qa.spans import Spans

# Threads that embed questions and query Chroma while keyword search runs: one per answer in flight
# (the worker runs up to WORKER_CONCURRENCY answers; a busy pool only queues, it never fails).
_POOL_THREADS = 64
_pool = ThreadPoolExecutor(max_workers=_POOL_THREADS, thread_name_prefix="retrieval")


class QueryVectors:
    """The question vectors this process computed, by (embedder endpoint, text): a small LRU.

    The endpoint (provider kind, model, server) is the embedder's identity: another embedder misses, so
    vectors of two models are never mixed. Safe to share between threads.
    """

    def __init__(self) -> None:
        self._vectors: collections.OrderedDict[tuple[object, str], tuple[float, ...]] = collections.OrderedDict()
        self._lock = threading.Lock()

    def vector(self, embedder: Embedder, text: str, calls: list[Any]) -> tuple[tuple[float, ...], bool]:
        """(the text's vector, whether it was cached); a computed one's call-log rows go into calls."""
        key = (embedder.endpoint, text)
        size = settings.QUERY_VECTOR_CACHE
        with self._lock:
            cached = self._vectors.get(key)
            if cached is not None:
                self._vectors.move_to_end(key)
                return cached, True
        if isinstance(embedder, registry.GuardedEmbedder):  # no database write in a pool thread
            computed = tuple(embedder.embed_unlogged([text], calls)[0])
        else:
            computed = tuple(embedder.embed_one(text))
        if size:
            with self._lock:
                self._vectors[key] = computed
                while len(self._vectors) > size:
                    self._vectors.popitem(last=False)
        return computed, False

    def clear(self) -> None:
        """Forget every vector."""
        with self._lock:
            self._vectors.clear()


query_vectors = QueryVectors()


def fusion_knobs() -> fusion.Knobs:
    """The ranking settings in force (RETRIEVAL_*)."""
    return fusion.Knobs(
        method=settings.RETRIEVAL_FUSION,
        keyword_weight=settings.RETRIEVAL_KEYWORD_WEIGHT,
        keep_vector=settings.RETRIEVAL_KEEP_VECTOR,
        min_documents=settings.RETRIEVAL_MIN_DOCUMENTS,
        refusal_floor=settings.RETRIEVAL_REFUSAL_FLOOR,
    )


@dataclass(frozen=True)
class Scope:
    """Optionally narrow retrieval to chosen documents and to notes carrying chosen tags."""

    document_ids: tuple[int, ...] = ()
    tags: tuple[str, ...] = ()

    @property
    def everything(self) -> bool:
        """No narrowing: all the owner's documents and notes."""
        return not self.document_ids and not self.tags

    def as_dict(self) -> dict[str, list[int] | list[str]]:
        """The stored form."""
        return {"document_ids": list(self.document_ids), "tags": list(self.tags)}


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
    heading: str = ""

    def as_dict(self) -> dict[str, object]:
        """The citation's JSON form (documents keep their original keys)."""
        data = asdict(self)
        if self.note_id is None:
            del data["note_id"], data["url"]
        return data


@dataclass
class Candidate:
    """A passage either search found, with its ranks: the provenance of retrieval."""

    key: Key
    vector_rank: int | None = None
    vector_score: float | None = None
    keyword_rank: int | None = None
    keyword_score: float | None = None
    keyword_coverage: float | None = None
    fused_score: float = 0.0
    chunk_id: str = ""
    title: str = ""  # every candidate's, not only the sources': provenance names the ones left out too
    # candidate, given (to the model), not found (in the database), below threshold, below refusal floor
    status: str = "candidate"

    def as_dict(self) -> dict[str, object]:
        """The stored form."""
        data = asdict(self)
        data["source"], data["parent_id"], data["index"] = data.pop("key")
        return data


@dataclass
class Retrieval:
    """The sources to give the model (best first) and every candidate considered."""

    sources: list[Source] = field(default_factory=list)
    candidates: list[Candidate] = field(default_factory=list)
    embedding_provider: str = ""
    embedding_model: str = ""
    index_generation: int | None = None  # the generation searched (provenance across a migration)
    knobs: fusion.Knobs = field(default_factory=fusion.Knobs)
    # ms by stage: check (embedder fits the index), scope, embed + vector (one thread) alongside keyword
    # (the other), fuse, verify (the database's word on the passages)
    spans_ms: dict[str, float] = field(default_factory=dict)
    vector_cached: bool = False


def retrieve(*, owner: User, question: str, k: int, scope: Scope = Scope()) -> Retrieval:
    """The owner's best passages for the question, numbered from 1; none when nothing is relevant.

    Vector hits below RETRIEVAL_MIN_SCORE count only if they hold at least KEYWORD_MIN_COVERAGE of
    the question's words (an exact name or code), so an off-topic question gets no sources (and the
    answer says so) instead of the nearest noise or a passage sharing one common word.
    """
    spans = Spans()
    generation = index.live_generation()  # embed and search in the same one, even if a switch lands between
    depth = max(k * 4, 20)
    with spans.span("scope"):
        document_ids, note_ids = _scope_ids(owner, scope)
    calls: list[Any] = []
    checked: Future[Embedder] = Future()
    nearest = _pool.submit(
        contextvars.copy_context().run,  # the thread sees this one's index name and deadline
        _nearest,
        question,
        checked,
        owner_id=owner.pk,
        depth=depth,
        document_ids=document_ids,
        note_ids=note_ids,
        spans=spans,
        calls=calls,
        generation=generation,
        configured=generation.embedder(),  # here: reading the configuration may need the database
    )
    try:
        with spans.span("check"):  # while the question is embedded
            try:
                embedder = index.embedder(owner.pk, generation)
            except BaseException as exc:
                checked.set_exception(exc)
                raise
            checked.set_result(embedder)
        with spans.span("keyword"):
            keyword_hits = keyword.search(
                owner=owner, question=question, limit=depth, document_ids=document_ids, note_ids=note_ids
            )
    finally:
        wait([nearest])
        if calls:
            registry.save_calls(calls)  # the embedding's call-log row, from this thread's connection
    hits, vector_cached = nearest.result()
    with spans.span("fuse"):
        candidates: dict[Key, Candidate] = {}
        for rank, (key, score) in enumerate(hits, start=1):
            candidates[key] = Candidate(key, vector_rank=rank, vector_score=round(score, 4))
        for rank, kw in enumerate(keyword_hits, start=1):
            candidate = candidates.setdefault(kw.key, Candidate(kw.key))
            candidate.keyword_rank, candidate.keyword_score = rank, round(kw.score, 4)
            candidate.keyword_coverage = round(kw.coverage, 2)
        knobs = fusion_knobs()
        fusion.score(list(candidates.values()), knobs)
        answerable = fusion.answerable(list(candidates.values()), knobs)
        for c in candidates.values():
            keywords_agree = (c.keyword_coverage or 0) >= settings.KEYWORD_MIN_COVERAGE
            if not answerable:
                c.status = "below refusal floor"
            elif not keywords_agree and (c.vector_score or 0) < settings.RETRIEVAL_MIN_SCORE:
                c.status = "below threshold"
        passing = fusion.arrange([c for c in candidates.values() if c.status == "candidate"], k, knobs)
        rest = sorted((c for c in candidates.values() if c.status != "candidate"), key=lambda c: -c.fused_score)
    result = Retrieval(
        candidates=passing + rest,
        embedding_provider=embedder.endpoint.kind,
        embedding_model=embedder.endpoint.model,
        index_generation=generation.number,
        knobs=knobs,
        vector_cached=vector_cached,
    )
    with spans.span("verify"):
        result.sources = _verified_sources(owner, passing, k)
        _name(owner, [c for c in result.candidates if not c.title])
    result.spans_ms = spans.as_dict()
    return result


def _nearest(
    question: str,
    checked: Future[Embedder],
    *,
    owner_id: int,
    depth: int,
    document_ids: list[int] | None,
    note_ids: list[int] | None,
    spans: Spans,
    calls: list[Any],
    generation: Gen,
    configured: Embedder,
) -> tuple[list[tuple[ItemKey, float]], bool]:
    """(the owner's nearest passages to the question, whether its vector was cached); no database use.

    The question is embedded at once; the index is searched only once `checked` holds the embedder the
    index's check passed (it also migrates a legacy index first).
    """
    with spans.span("embed"):
        vector, cached = query_vectors.vector(configured, question, calls)
    embedder = checked.result()
    if embedder.endpoint != configured.endpoint:  # the configuration changed in between
        with spans.span("embed"):
            vector, cached = query_vectors.vector(embedder, question, calls)
    with spans.span("vector"):
        hits = index.search(
            vector, owner_id=owner_id, k=depth, document_ids=document_ids, note_ids=note_ids, generation=generation
        )
    return hits, cached


def _name(owner: User, candidates: Sequence[Candidate]) -> None:
    """Give candidates that did not become sources the title of their document or note (owner's only)."""
    document_ids = {p for (kind, p, _) in (c.key for c in candidates) if kind == "document"}
    note_ids = {p for (kind, p, _) in (c.key for c in candidates) if kind == "note"}
    titles = {
        ("document", pk): title
        for pk, title in selectors.document_list(owner=owner).filter(pk__in=document_ids).values_list("pk", "title")
    }
    notes = Note.objects.filter(owner=owner, pk__in=note_ids).values_list("pk", "title")
    titles.update({("note", pk): f"Note: {title}" for pk, title in notes})
    for c in candidates:
        c.title = titles.get((c.key[0], c.key[1]), "")


def _scope_ids(owner: User, scope: Scope) -> tuple[list[int] | None, list[int] | None]:
    """(document ids, note ids) to search, None meaning all of them."""
    if scope.everything:
        return None, None
    notes = Note.objects.filter(owner=owner, tags__name__in=scope.tags).values_list("id", flat=True).distinct()
    documents = selectors.document_list(owner=owner).filter(pk__in=scope.document_ids).values_list("id", flat=True)
    return list(documents), list(notes)


def _verified_sources(owner: User, candidates: Sequence[Candidate], k: int) -> list[Source]:
    """The first k candidates the database confirms are the owner's, as numbered sources."""
    document_keys = [(p, i) for (kind, p, i) in (c.key for c in candidates) if kind == "document"]
    note_keys = [(p, i) for (kind, p, i) in (c.key for c in candidates) if kind == "note"]
    chunks = selectors.chunk_list(owner=owner, chunk_keys=document_keys)
    note_chunks = note_selectors.note_chunk_map(owner=owner, chunk_keys=note_keys)
    sources: list[Source] = []
    for c in candidates:
        if len(sources) == k:
            break
        kind, parent_id, index = c.key
        score = c.vector_score if c.vector_score is not None else 0.0
        if kind == "note" and (note_chunk := note_chunks.get((parent_id, index))):
            url = reverse("notes:detail", args=[parent_id])
            source = Source(
                n=len(sources) + 1,
                document_id=None,
                note_id=parent_id,
                title=f"Note: {note_chunk.note.title}",
                chunk_id=note_chunk.chunk_id,
                page=None,
                text=note_chunk.text,
                score=score,
                url=f"{url}#chunk-{note_chunk.chunk_id}",
            )
        elif kind == "document" and (chunk := chunks.get((parent_id, index))):
            source = Source(
                n=len(sources) + 1,
                document_id=parent_id,
                title=chunk.document.title,
                chunk_id=chunk.chunk_id,
                page=chunk.page,
                text=chunk.text,
                score=score,
                heading=chunk.heading,
            )
        else:
            c.status = "not found"  # a stale or foreign vector: never reaches the prompt
            continue
        c.status, c.chunk_id, c.title = "given", source.chunk_id, source.title
        sources.append(source)
    return sources
