"""Documents a user uploaded and the text chunks cut from them (the source of truth for the index)."""

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.utils.text import get_valid_filename

from rag_app.index.items import ItemKey, item_id
from rag_app.leases import Leased

MAX_STORED_NAME_BYTES = 200  # file systems allow 255 bytes per name; storage may add a suffix to make it unique
MAX_SUFFIX = 16  # a longer "extension" is part of the name, not a file type


def shorten_name(name: str, limit: int, *, encoding: str | None = None) -> str:
    """The name cut to `limit` characters (or bytes in `encoding`), keeping its extension."""

    def size(text: str) -> int:
        return len(text.encode(encoding)) if encoding else len(text)

    if size(name) <= limit:
        return name
    suffix = PurePath(name).suffix
    if len(suffix) > MAX_SUFFIX or size(suffix) >= limit:
        suffix = ""
    stem = name[: len(name) - len(suffix)][:limit]
    while stem and size(stem + suffix) > limit:
        stem = stem[:-1]
    return (stem.rstrip(" .") or "upload") + suffix


def upload_path(document: "Document", filename: str) -> str:
    """Store under the owner's folder with a random part, keeping only a safe base name and its extension."""
    safe = get_valid_filename(PurePath(filename).name) or "upload"
    safe = shorten_name(safe, MAX_STORED_NAME_BYTES, encoding="utf-8")
    return f"documents/{document.owner_id}/{uuid.uuid4().hex}/{safe}"


class Document(Leased):
    """One uploaded file and its ingestion state."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        PROCESSING = "processing"
        READY = "ready"
        FAILED = "failed"

    class Kind(models.TextChoices):
        PDF = "pdf", "PDF"
        DOCX = "docx", "Word"
        PPTX = "pptx", "PowerPoint"
        HTML = "html", "HTML"
        MARKDOWN = "markdown", "Markdown"
        TEXT = "text", "Text"
        IMAGE = "image", "Image"

    class Stage(models.TextChoices):
        NONE = "", "-"
        EXTRACTING = "extracting"
        CHUNKING = "chunking"
        EMBEDDING = "embedding"
        STORING = "storing"
        DONE = "done"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(max_length=255)
    file = models.FileField(upload_to=upload_path, max_length=500)
    original_name = models.CharField(max_length=255)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    mime_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True)
    error = models.TextField(blank=True)
    warnings = models.TextField(blank=True, help_text="Parts that could not be read, though the document is usable.")
    stage = models.CharField(max_length=16, choices=Stage.choices, blank=True, default=Stage.NONE)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    stage_started_at = models.DateTimeField(null=True, blank=True)
    page_count = models.PositiveIntegerField(null=True, blank=True)
    chunk_count = models.PositiveIntegerField(default=0)
    worker_losses = models.PositiveSmallIntegerField(default=0, help_text="Times its worker died while ingesting it.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class Chunk(models.Model):
    """A passage of a document; its index id is `<document_id>:<index>`."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    text = models.TextField()
    page = models.PositiveIntegerField(null=True, blank=True)
    heading = models.CharField(max_length=255, blank=True)
    generated_by = models.CharField(
        max_length=100, blank=True, help_text="The model or OCR engine that wrote this text; blank when a person did."
    )

    class Meta:
        ordering = ["document_id", "index"]
        constraints = [models.UniqueConstraint(fields=["document", "index"], name="unique_chunk_index")]

    def __str__(self) -> str:
        return self.chunk_id

    @property
    def chunk_id(self) -> str:
        """The deterministic id used in the vector index."""
        return chunk_id(self.document_id, self.index)


def chunk_id(document_id: int, index: int) -> str:
    """The vector index id of a document's index-th chunk."""
    return item_id(ItemKey("document", document_id, index))
