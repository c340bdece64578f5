"""Keyword search over the owner's passages: PostgreSQL full-text search, or BM25 in Python on SQLite."""

from __future__ import annotations

import functools
import math
import operator
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db import connection
from django.db.models import Q, QuerySet

from documents.models import Chunk, Document
from notes.models import NoteChunk
from rag_app.index.items import ItemKey

_WORD = re.compile(r"[^\W_]+")
_MAX_TERMS = 32
_PYTHON_CANDIDATES = 2000
_STOPWORDS_TEXT = (
    "a about above after again against all am an and any are as at be because been before being below "
    "between both but by can could did do does doing down during each few for from further had has have "
    "having he her here hers herself him himself his how i if in into is it its itself just me more most "
    "my myself no nor not of off on once only or other our ours ourselves out over own same she should so "
    "some such than that the their theirs them themselves then there these they this those through to too "
    "under until up very was we were what when where which while who whom why will with would you your "
    "yours yourself yourselves tell please know "
)
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())

Key = ItemKey


@dataclass(frozen=True)
class KeywordHit:
    """A passage that shares words with the question: its score and the share of the words it has."""

    key: Key
    score: float
    coverage: float


def coverage(words: list[str], text: str) -> float:
    """The share of the question's words that appear in the text."""
    present = set(_WORD.findall(text.lower()))
    return sum(1 for w in words if w in present) / len(words) if words else 0.0


def terms(text: str) -> list[str]:
    """The question's searchable words: lower case, no stopwords, no repeats."""
    seen: dict[str, None] = {}
    for word in _WORD.findall(text.lower()):
        if word not in STOPWORDS and len(word) > 1:
            seen.setdefault(word, None)
    return list(seen)[:_MAX_TERMS]


def _chunks(owner: User, document_ids: list[int] | None) -> QuerySet[Chunk]:
    chunks = Chunk.objects.filter(document__owner=owner, document__status=Document.Status.READY)
    return chunks if document_ids is None else chunks.filter(document_id__in=document_ids)


def _note_chunks(owner: User, note_ids: list[int] | None) -> QuerySet[NoteChunk]:
    chunks = NoteChunk.objects.filter(note__owner=owner)
    return chunks if note_ids is None else chunks.filter(note_id__in=note_ids)


def search(
    *, owner: User, question: str, limit: int, document_ids: list[int] | None, note_ids: list[int] | None
) -> list[KeywordHit]:
    """The owner's passages that best match the question's words, best first.

    document_ids / note_ids narrow the search (None: all of them; an empty list: none).
    """
    words = terms(question)
    if not words or limit < 1:
        return []
    if connection.vendor == "postgresql":
        hits = _postgres(owner, words, limit, document_ids, note_ids)
    else:
        hits = _bm25(owner, words, document_ids, note_ids)
    return sorted(hits, key=lambda h: -h.score)[:limit]


# The expression of the GIN indexes (documents/notes migrations, as Django's SearchVector("text", config="english")
# writes it), so the index is used. Written out rather than built by the ORM: compiling that union of ranked
# searches took longer in Python than PostgreSQL took to run it, on every question.
_VECTOR = "to_tsvector('english'::regconfig, COALESCE(c.\"text\", ''))"
_PART = (
    'SELECT \'{kind}\' AS kind, c."{parent}" AS parent, c."index" AS index, '
    "ts_rank(" + _VECTOR + ', q.query, 1) AS rank, c."text" AS text '
    'FROM "{table}" c JOIN "{parents}" p ON c."{parent}" = p."id", q '
    'WHERE p."owner_id" = %s AND ' + _VECTOR + " @@ q.query{where}"
)


def _part(
    chunks: type[Any],
    parent: str,
    owner: User,
    ids: list[int] | None,
    extra: str = "",
    extra_params: tuple[Any, ...] = (),
) -> tuple[str, list[Any]]:
    """One side of the union: the owner's passages of one kind matching the query, ranked; (SQL, its parameters)."""
    parents = chunks._meta.get_field(parent).related_model._meta.db_table
    where = extra + ("" if ids is None else f' AND c."{parent}_id" = ANY(%s)')
    sql = _PART.format(kind=parent, table=chunks._meta.db_table, parent=f"{parent}_id", parents=parents, where=where)
    return sql, [owner.pk, *extra_params, *([] if ids is None else [ids])]


def _postgres(
    owner: User, words: list[str], limit: int, document_ids: list[int] | None, note_ids: list[int] | None
) -> list[KeywordHit]:
    """Documents' and notes' passages ranked in one statement (UNION ALL): one round trip per question."""
    query = " || ".join(["plainto_tsquery('english'::regconfig, %s)"] * len(words))
    parts: list[tuple[str, list[Any]]] = []
    if document_ids != []:  # an empty scope of a kind: that side is left out, not searched
        parts.append(_part(Chunk, "document", owner, document_ids, ' AND p."status" = %s', (Document.Status.READY,)))
    if note_ids != []:
        parts.append(_part(NoteChunk, "note", owner, note_ids))
    if not parts:
        return []
    union = " UNION ALL ".join(f"({sql})" for sql, _ in parts)
    sql = f"WITH q AS (SELECT {query} AS query) {union} ORDER BY rank DESC LIMIT %s"
    params = [*words, *(value for _, values in parts for value in values), limit]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [
        KeywordHit(ItemKey(kind, parent_id, index), float(rank), coverage(words, text))
        for kind, parent_id, index, rank, text in rows
    ]


def _bm25(
    owner: User, words: list[str], document_ids: list[int] | None, note_ids: list[int] | None
) -> list[KeywordHit]:
    """Okapi BM25 over the passages containing any of the words (SQLite has no ranked full-text search)."""
    any_word = functools.reduce(operator.or_, (Q(text__icontains=w) for w in words))
    texts: list[tuple[Key, str]] = [
        (ItemKey("document", d, i), t)
        for d, i, t in _chunks(owner, document_ids)
        .filter(any_word)
        .values_list("document_id", "index", "text")[:_PYTHON_CANDIDATES]
    ]
    texts += [
        (ItemKey("note", n, i), t)
        for n, i, t in _note_chunks(owner, note_ids)
        .filter(any_word)
        .values_list("note_id", "index", "text")[:_PYTHON_CANDIDATES]
    ]
    if not texts:
        return []
    tokenised = [Counter(_WORD.findall(t.lower())) for _, t in texts]
    average = sum(sum(c.values()) for c in tokenised) / len(tokenised)
    k1, b = 1.5, 0.75
    idf = {
        w: math.log(1 + (len(texts) - df + 0.5) / (df + 0.5))
        for w in words
        if (df := sum(1 for c in tokenised if w in c))
    }
    hits = []
    for (key, text), counts in zip(texts, tokenised, strict=True):
        length = sum(counts.values())
        score = sum(
            idf[w] * counts[w] * (k1 + 1) / (counts[w] + k1 * (1 - b + b * length / average)) for w in idf if counts[w]
        )
        if score > 0:
            hits.append(KeywordHit(key, score, coverage(words, text)))
    return hits
