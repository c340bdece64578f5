"""Notes, their tags, indexed chunks, earlier versions and the LLM actions run on them."""

from django.conf import settings
from django.db import models

from rag_app.index.items import ItemKey, item_id
from rag_app.leases import Leased

TITLE_MAX_CHARS = 200
TAG_MAX_CHARS = 40


class Note(models.Model):
    """A user's Markdown note; `version` goes up by one on every change (optimistic concurrency)."""

    class IndexStatus(models.TextChoices):
        QUEUED = "queued"
        INDEXING = "indexing"
        READY = "ready"
        FAILED = "failed"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notes")
    title = models.CharField(max_length=TITLE_MAX_CHARS)
    body = models.TextField(blank=True)
    summary = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    # The version that "undo" goes back to from this state (None: nothing to undo).
    undo_version = models.PositiveIntegerField(null=True, blank=True)
    change = models.CharField(max_length=200, default="Created")
    index_status = models.CharField(
        max_length=16, choices=IndexStatus.choices, default=IndexStatus.QUEUED, db_index=True
    )
    index_error = models.TextField(blank=True)
    chunk_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def tag_names(self) -> list[str]:
        """The note's tags, sorted (uses prefetched tags when present)."""
        return sorted(t.name for t in self.tags.all())

    def index_text(self) -> str:
        """What is chunked and embedded: the title helps a passage match questions about it."""
        return f"{self.title}\n\n{self.body}"


class NoteTag(models.Model):
    """One tag on one note (a row, not a JSON list, so filtering works on SQLite and PostgreSQL)."""

    note = models.ForeignKey(Note, on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(max_length=TAG_MAX_CHARS, db_index=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["note", "name"], name="unique_note_tag")]

    def __str__(self) -> str:
        return self.name


class NoteChunk(models.Model):
    """A passage of a note as indexed; its vector id is `note-<note_id>:<index>`."""

    note = models.ForeignKey(Note, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    text = models.TextField()

    class Meta:
        ordering = ["note_id", "index"]
        constraints = [models.UniqueConstraint(fields=["note", "index"], name="unique_note_chunk_index")]

    def __str__(self) -> str:
        return self.chunk_id

    @property
    def chunk_id(self) -> str:
        """The deterministic id used in the vector index."""
        return note_chunk_id(self.note_id, self.index)


def note_chunk_id(note_id: int, index: int) -> str:
    """The vector index id of a note's index-th chunk (never equal to a document's `<id>:<index>`)."""
    return item_id(ItemKey("note", note_id, index))


class NoteVersion(models.Model):
    """An earlier state of a note, kept so any change can be undone or restored."""

    note = models.ForeignKey(Note, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=TITLE_MAX_CHARS)
    body = models.TextField(blank=True)
    summary = models.TextField(blank=True)
    tags = models.JSONField(default=list)
    undo_version = models.PositiveIntegerField(null=True, blank=True)
    change = models.CharField(max_length=200)
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["-version"]
        constraints = [models.UniqueConstraint(fields=["note", "version"], name="unique_note_version")]

    def __str__(self) -> str:
        return f"{self.note_id} v{self.version}"


class NoteAction(Leased):
    """One LLM action (or save-from-answer) on a note, with its progress and the model that did it."""

    class Kind(models.TextChoices):
        SUMMARISE = "summarise", "Summarise"
        SUGGEST = "suggest", "Suggest title and tags"
        FROM_ANSWER = "from_answer", "Saved from an answer"
        FROM_DOCUMENTS = "from_documents", "Key points from documents"

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="note_actions")
    # Null until a "from documents" action has created its note.
    note = models.ForeignKey(Note, on_delete=models.CASCADE, related_name="actions", null=True, blank=True)
    kind = models.CharField(max_length=32, choices=Kind.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True)
    error = models.TextField(blank=True)
    params = models.JSONField(default=dict)
    result = models.JSONField(default=dict)
    provider = models.CharField(max_length=32, blank=True)
    model = models.CharField(max_length=200, blank=True)
    prompt_name = models.CharField(max_length=64, blank=True)
    prompt_version = models.PositiveIntegerField(null=True, blank=True)
    version_before = models.PositiveIntegerField(null=True, blank=True)
    version_after = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"

    @property
    def in_progress(self) -> bool:
        """Whether the worker still has it to do."""
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)
