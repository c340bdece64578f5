"""Provider choices the operators make in the admin, the last health check, and a log of calls."""

from django.db import models
from django.utils import timezone

from rag_app.providers.base import ROLES


class Slot(models.TextChoices):
    """Which position a provider takes for its role."""

    PRIMARY = "primary"
    FALLBACK = "fallback"


ROLE_CHOICES = [(r, r) for r in ROLES]


def kind_choices() -> list[tuple[str, str]]:
    """The registered provider kinds (a callable: adding a kind needs no migration)."""
    from rag_app.providers.kinds import choices

    return choices()


class ProviderSetting(models.Model):
    """Serve a role (primary or fallback) with a provider, overriding the environment at run time.

    Blank fields take the environment's value for that provider kind and role.
    """

    role = models.CharField(max_length=16, choices=ROLE_CHOICES)
    slot = models.CharField(max_length=16, choices=Slot.choices, default=Slot.PRIMARY)
    kind = models.CharField(max_length=16, choices=kind_choices)
    enabled = models.BooleanField(default=True, help_text="Untick to go back to the environment's choice.")
    model = models.CharField(max_length=200, blank=True, help_text="Blank: the environment's model for this kind.")
    base_url = models.CharField(max_length=500, blank=True, help_text="Blank: the environment's URL for this kind.")
    api_key = models.CharField(max_length=500, blank=True)
    timeout_seconds = models.FloatField(null=True, blank=True)
    max_in_flight = models.PositiveIntegerField(null=True, blank=True, help_text="Cap on concurrent requests.")
    batch_size = models.PositiveIntegerField(null=True, blank=True, help_text="Embedding inputs per request.")
    num_ctx = models.PositiveIntegerField(null=True, blank=True, help_text="Ollama context window (tokens).")
    keep_alive = models.CharField(max_length=32, blank=True, help_text="Ollama keep_alive, e.g. 5m or -1.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["role", "slot"], name="one_provider_per_role_slot")]
        ordering = ["role", "slot"]

    def __str__(self) -> str:
        return f"{self.role} {self.slot}: {self.kind}{':' + self.model if self.model else ''}"


class ProviderHealth(models.Model):
    """The latest connection test of the provider serving a role's slot."""

    role = models.CharField(max_length=16, choices=ROLE_CHOICES)
    slot = models.CharField(max_length=16, choices=Slot.choices)
    kind = models.CharField(max_length=16)
    model = models.CharField(max_length=200)
    base_url = models.CharField(max_length=500, blank=True)
    ok = models.BooleanField()
    latency_ms = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    details = models.JSONField(default=dict)
    checked_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["role", "slot"], name="one_health_per_role_slot")]
        verbose_name_plural = "provider health"

    def __str__(self) -> str:
        return f"{self.role} {self.slot}: {'ok' if self.ok else 'down'}"


class ProviderCall(models.Model):
    """One call to a provider: who served it, how long it took, how many tokens."""

    role = models.CharField(max_length=16, choices=ROLE_CHOICES)
    kind = models.CharField(max_length=16)
    model = models.CharField(max_length=200)
    ok = models.BooleanField()
    error = models.TextField(blank=True)
    latency_ms = models.PositiveIntegerField()
    first_token_ms = models.PositiveIntegerField(null=True, blank=True)
    prompt_tokens = models.PositiveIntegerField(default=0)
    completion_tokens = models.PositiveIntegerField(default=0)
    inputs = models.PositiveIntegerField(default=0, help_text="Texts embedded in this call.")
    # when the call ended: set by the caller, as the row may be saved later (registry.calls_saved_later)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.role} {self.kind}:{self.model} {self.latency_ms} ms"
