"""Full-text search over the passages of a user's documents (PostgreSQL's English text search; words on SQLite)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from documents.models import Chunk, Document

SNIPPET_CHARS = 90  # on each side of the first word found


@dataclass(frozen=True)
class PassageMatch:
    """A document's first passage that matches the search, with an excerpt around the words found."""

    chunk: Chunk
    snippet: SafeString


def matching_chunks(*, owner: User, query: str) -> QuerySet[Chunk]:
    """The owner's passages containing the query's words (stemmed on PostgreSQL: 'sediments' finds 'sediment')."""
    chunks = Chunk.objects.filter(document__owner=owner)
    if connection.vendor == "postgresql":
        vector = SearchVector("text", config="english")
        return chunks.annotate(found=vector).filter(found=SearchQuery(query, config="english", search_type="websearch"))
    words = _words(query)
    condition = Q()
    for word in words:
        condition &= Q(text__icontains=word)
    return chunks.filter(condition) if words else chunks.none()


def matching_documents(documents: QuerySet[Document], *, owner: User, query: str) -> QuerySet[Document]:
    """Those of the owner's documents whose title contains the query or a passage of which matches it.

    The one search behind ?q= on the documents page and on GET /api/documents/ (both find the same).
    """
    query = query.strip()
    if not query:
        return documents
    in_passages = matching_chunks(owner=owner, query=query).values("document_id")
    return documents.filter(Q(title__icontains=query) | Q(pk__in=in_passages))


def passage_matches(*, owner: User, query: str, document_ids: list[int]) -> dict[int, PassageMatch]:
    """For each of the documents that has one, its first matching passage and an excerpt, words marked."""
    found: dict[int, PassageMatch] = {}
    chunks = matching_chunks(owner=owner, query=query).filter(document_id__in=document_ids)
    for chunk in chunks.order_by("document_id", "index").only("document_id", "index", "text", "page"):
        if chunk.document_id not in found:
            found[chunk.document_id] = PassageMatch(chunk=chunk, snippet=snippet(chunk.text, query))
    return found


def _words(query: str) -> list[str]:
    return [w for w in re.findall(r"\w+", query.lower()) if len(w) > 1][:10]


def snippet(text: str, query: str) -> SafeString:
    """An escaped excerpt of text around the first query word (its stem) found, each such word in <mark>."""
    words = _words(query)
    stems = [re.escape(w[: max(4, len(w) - 2)]) for w in words]  # 'sediments' marks 'sediment' too
    pattern = re.compile(r"\b(?:" + "|".join(stems) + r")\w*", re.IGNORECASE) if stems else None
    first = pattern.search(text) if pattern else None
    start = max(0, first.start() - SNIPPET_CHARS) if first else 0
    end = min(len(text), (first.end() if first else 0) + SNIPPET_CHARS)
    piece = " ".join(text[start:end].split())
    out, last = [], 0
    for match in pattern.finditer(piece) if pattern else ():
        out += [escape(piece[last : match.start()]), f"<mark>{escape(match.group())}</mark>"]
        last = match.end()
    out.append(escape(piece[last:]))
    return mark_safe(("…" if start else "") + "".join(out) + ("…" if end < len(text) else ""))
