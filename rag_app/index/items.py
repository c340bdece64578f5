"""What a vector item is: its key, its id in the index, its metadata, and how a hit maps back to a passage.

Every writer (ingestion, note indexing, re-index, rebuild) and every reader (retrieval, reconcile) goes
through these functions, so the contract has one author.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, NamedTuple, cast

from rag_app.vectorstore import Filter, Metadata

Source = Literal["document", "note"]
SOURCES: tuple[Source, ...] = ("document", "note")
_PARENT_FIELD: dict[Source, str] = {"document": "document_id", "note": "note_id"}


class ItemKey(NamedTuple):
    """A passage: its source kind, the id of the document or note it belongs to, its place in it."""

    source: Source
    parent_id: int
    position: int  # the passage's index within its parent (stored as metadata "index")


@dataclass(frozen=True)
class IndexPassage:
    """A passage to write: its place, its text and the extra metadata of its source (page, heading...)."""

    index: int
    text: str
    extra: Metadata = field(default_factory=dict)


def parent_field(source: Source) -> str:
    """The metadata key holding the parent's id ("document_id" or "note_id")."""
    return _PARENT_FIELD[source]


def item_id(key: ItemKey) -> str:
    """The deterministic id in the index: `<document_id>:<index>` or `note-<note_id>:<index>`."""
    prefix = "" if key.source == "document" else f"{key.source}-"
    return f"{prefix}{key.parent_id}:{key.position}"


def metadata(key: ItemKey, *, owner_id: int, extra: Metadata | None = None) -> Metadata:
    """The metadata stored with an item: source, owner and parent (always), then the source's extras."""
    return {
        **(extra or {}),
        "source": key.source,
        "owner_id": owner_id,
        parent_field(key.source): key.parent_id,
        "index": key.position,
    }


def key_of(meta: Mapping[str, object]) -> ItemKey | None:
    """The passage a stored item stands for; None for metadata this app did not write.

    Notes indexed before items carried a `source` are recognised by their note_id.
    """
    source = meta.get("source")
    if source is None:
        source = "note" if "note_id" in meta else "document" if "document_id" in meta else None
    if source not in SOURCES or "index" not in meta:
        return None
    kind = cast(Source, source)
    parent = meta.get(parent_field(kind))
    if not isinstance(parent, int | str) or not isinstance(meta["index"], int | str):
        return None
    return ItemKey(kind, int(parent), int(meta["index"]))


def parent_filter(source: Source, parent_ids: int | list[int]) -> Filter:
    """A where-filter for the items of one parent (or any of several)."""
    return {parent_field(source): parent_ids}
