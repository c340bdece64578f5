"""Reads for documents, always scoped to an owner."""

from django.contrib.auth.models import User
from django.db.models import QuerySet

from documents.models import Chunk, Document


def document_list(*, owner: User) -> QuerySet[Document]:
    """The owner's documents, newest first."""
    return Document.objects.filter(owner=owner)


def chunk_list(*, owner: User, chunk_keys: list[tuple[int, int]]) -> dict[tuple[int, int], Chunk]:
    """The owner's chunks of ready documents, by (document_id, index), with their documents."""
    if not chunk_keys:
        return {}
    document_ids = {document_id for document_id, _ in chunk_keys}
    chunks = Chunk.objects.filter(
        document__owner=owner,
        document__status=Document.Status.READY,
        document_id__in=document_ids,
        index__in={index for _, index in chunk_keys},
    ).select_related("document")
    wanted = set(chunk_keys)
    return {(c.document_id, c.index): c for c in chunks if (c.document_id, c.index) in wanted}
