"""A throwaway user owning the files of a folder, ingested for an evaluation or a benchmark and removed after."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from pathlib import Path

from django.contrib.auth.models import User
from django.core.files import File
from django.core.management.base import CommandError

from documents import services as document_services
from documents.models import Document
from rag_app.errors import ApplicationError
from rag_app.index import service as index


@contextlib.contextmanager
def throwaway_owner(folder: Path, *, prefix: str, own_collection: bool) -> Iterator[User]:
    """A new user owning the folder's files, ingested in this process; the user and the vectors go afterwards.

    own_collection puts the vectors in a new Chroma collection, invisible to the running app; without it
    they go where the app looks (a benchmark asks through the app).
    """
    files = sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))
    if not files:
        raise CommandError(f"{folder}: no files to ingest.")
    name = f"{prefix}-{uuid.uuid4().hex[:12]}" if own_collection else index.name()
    owner = User.objects.create_user(f"{prefix}-{uuid.uuid4().hex[:12]}")
    with index.using(name):
        try:
            for path in files:
                _ingest(owner, path)
            yield owner
        finally:
            for document in Document.objects.filter(owner=owner):
                with contextlib.suppress(ApplicationError):
                    document_services.document_delete(document=document)
            owner.delete()
            if own_collection:
                index.drop_all()


def _ingest(owner: User, path: Path) -> None:
    try:
        with path.open("rb") as handle:
            document, _ = document_services.document_create(
                owner=owner, upload=File(handle, name=path.name), enqueue=False
            )
    except ApplicationError as exc:
        raise CommandError(f"{path}: {exc.message}") from exc
    document = document_services.document_ingest(document_id=document.pk)
    if document.status != Document.Status.READY:
        raise CommandError(f"{path}: ingestion failed: {document.error}")
