"""Conversations, their answers with full provenance, and the events an answer streams."""

from django.conf import settings
from django.db import models

from rag_app.leases import Leased


class Conversation(models.Model):
    """A thread of questions; follow-ups are read in the light of the earlier turns."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conversations")
    title = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]

    def __str__(self) -> str:
        return self.title


class Answer(Leased):
    """One question and its answer, with everything needed to say how it was produced."""

    class Status(models.TextChoices):
        PENDING = "pending"
        STREAMING = "streaming"
        DONE = "done"
        FAILED = "failed"
        CANCELLED = "cancelled"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="answers")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="answers")
    question = models.TextField()
    standalone_question = models.TextField(blank=True, help_text="The question rewritten without the history.")
    scope = models.JSONField(default=dict, help_text="Chosen documents and note tags, if any.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True)
    error = models.TextField(blank=True)
    text = models.TextField(blank=True)
    model_text = models.TextField(
        blank=True, help_text="The model's own text when the answer shows the sources' sentences instead."
    )
    truncated = models.BooleanField(default=False, help_text="The model stopped at ANSWER_MAX_TOKENS.")
    sentences = models.JSONField(default=list, help_text="Each sentence with its citations, supported or not.")
    checks = models.JSONField(
        default=dict, help_text="Ranking, generation and verification settings used, and the path taken and why."
    )
    citations = models.JSONField(default=list)
    retrieval = models.JSONField(default=list, help_text="Every candidate passage with its ranks and scores.")
    prompt_name = models.CharField(max_length=64, blank=True)
    prompt_version = models.PositiveIntegerField(null=True, blank=True)
    provider = models.CharField(max_length=32, blank=True, help_text="Chat provider that answered.")
    model = models.CharField(max_length=200, blank=True, help_text="Chat model that answered.")
    embedding_provider = models.CharField(max_length=32, blank=True)
    embedding_model = models.CharField(max_length=200, blank=True)
    index_generation = models.PositiveIntegerField(
        null=True, blank=True, help_text="The index generation the passages were retrieved from."
    )
    prompt_tokens = models.PositiveIntegerField(default=0)
    completion_tokens = models.PositiveIntegerField(default=0)
    context_tokens = models.PositiveIntegerField(default=0, help_text="The model's context length used.")
    first_token_ms = models.PositiveIntegerField(
        null=True, blank=True, help_text="From the question to the first token."
    )
    duration_ms = models.PositiveIntegerField(default=0, help_text="From the question to the finished answer.")
    generation_ms = models.PositiveIntegerField(
        null=True, blank=True, help_text="The chat model's part: from the request to its last token."
    )
    queue_ms = models.PositiveIntegerField(null=True, blank=True, help_text="From the question to a worker taking it.")
    retrieval_ms = models.PositiveIntegerField(
        null=True, blank=True, help_text="Search, the question's embedding included."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The asker's verdict (thumbs up/down and why), for staff and evaluation (rag_app/qa/feedback.py).
    rating = models.CharField(max_length=4, choices=[("up", "Helpful"), ("down", "Not helpful")], blank=True)
    feedback_reason = models.TextField(blank=True)
    feedback_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.question[:80]


class AnswerEvent(models.Model):
    """One streamed event of an answer, for deployments without Redis (Redis Streams otherwise)."""

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveIntegerField()
    kind = models.CharField(max_length=16)
    data = models.JSONField()

    class Meta:
        ordering = ["answer_id", "seq"]
        constraints = [models.UniqueConstraint(fields=["answer", "seq"], name="unique_answer_event_seq")]

    def __str__(self) -> str:
        return f"{self.answer_id}#{self.seq} {self.kind}"


class QuestionBatch(models.Model):
    """A list of questions answered by the workers, a few at a time; its results can be downloaded."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"  # every question failed (a partly failed batch is done, with failed > 0)

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="question_batches")
    name = models.CharField(max_length=200)
    scope = models.JSONField(default=dict, help_text="Documents and note tags every question is limited to.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0, help_text="Questions finished, answered or failed.")
    failed = models.PositiveIntegerField(default=0, help_text="Questions finished that failed.")
    next_position = models.PositiveIntegerField(default=0, help_text="The first question not yet sent to a worker.")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "question batches"

    def __str__(self) -> str:
        return self.name


class BatchQuestion(models.Model):
    """One question of a batch: its place in the list and the ordinary Answer that answers it.

    A separate row, so Answer stays as it is and batch-only facts (order, when a worker began) live here.
    """

    batch = models.ForeignKey(QuestionBatch, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveIntegerField()
    answer = models.OneToOneField(Answer, on_delete=models.CASCADE, related_name="batch_question")
    started_at = models.DateTimeField(null=True, blank=True, help_text="When a worker began answering it.")

    class Meta:
        ordering = ["batch_id", "position"]
        constraints = [models.UniqueConstraint(fields=["batch", "position"], name="unique_batch_position")]

    def __str__(self) -> str:
        return f"{self.batch_id}#{self.position}"
