"""An answered question with its citations and what produced it."""

from django.conf import settings
from django.db import models


class Answer(models.Model):
    """One question, the answer given and the sources cited."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="answers")
    question = models.TextField()
    text = models.TextField()
    citations = models.JSONField(default=list)
    prompt_name = models.CharField(max_length=64)
    prompt_version = models.PositiveIntegerField()
    provider = models.CharField(max_length=32, blank=True)
    model = models.CharField(max_length=200, blank=True)
    prompt_tokens = models.PositiveIntegerField(default=0)
    completion_tokens = models.PositiveIntegerField(default=0)
    duration_ms = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.question[:80]
