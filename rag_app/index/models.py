"""Index generations: each a set of per-owner collections made by one embedding model, one of them live."""

from __future__ import annotations

from django.db import models

from rag_app.leases import Leased


class Generation(Leased):
    """One generation of an index: the embeddings endpoint that writes it, its fingerprint, state and build progress.

    Generation 1 is the index as it was before generations existed (collections `<name>_u<owner>`);
    generation N > 1 lives in `<name>_g<N>_u<owner>`. Exactly one generation of an index is live.
    """

    class State(models.TextChoices):
        BUILDING = "building"  # being filled by the build job; receives every write
        READY = "ready"  # built, not yet live; receives every write
        LIVE = "live"  # answers questions; receives every write
        KEPT = "kept"  # was live; kept in sync so that rollback is one action
        DROPPED = "dropped"  # its collections are deleted
        FAILED = "failed"  # the build met a permanent error (the reason in `error`); receives no writes; drop it

    index_name = models.CharField(max_length=200, help_text="The index (CHROMA_COLLECTION) it belongs to.")
    number = models.PositiveIntegerField()
    kind = models.CharField(max_length=16, blank=True, help_text="Embeddings provider kind; blank: the configured one.")
    model = models.CharField(max_length=200, blank=True)
    base_url = models.CharField(max_length=500, blank=True)
    fingerprint = models.TextField(blank=True, help_text="The embedder's fingerprint (JSON) when the build started.")
    state = models.CharField(max_length=16, choices=State.choices, default=State.BUILDING)
    created_at = models.DateTimeField(auto_now_add=True)
    switched_at = models.DateTimeField(null=True, blank=True, help_text="When it last became live.")
    total = models.PositiveIntegerField(default=0, help_text="Passages to embed (counted when the build starts).")
    done = models.PositiveIntegerField(default=0, help_text="Passages embedded so far (written or found stored).")
    build_started_at = models.DateTimeField(null=True, blank=True)
    build_finished_at = models.DateTimeField(null=True, blank=True)
    build_seconds = models.FloatField(default=0.0, help_text="Time spent building, over every run of the job.")
    error = models.TextField(blank=True, help_text="Why the build stopped, if it did.")
    check_output = models.TextField(blank=True, help_text="The last side-by-side check against the live generation.")
    check_worse = models.BooleanField(null=True, help_text="Whether that check found it worse by more than the margin.")

    class Meta:
        ordering = ["index_name", "number"]
        constraints = [
            models.UniqueConstraint(fields=["index_name", "number"], name="one_generation_number_per_index"),
            models.UniqueConstraint(
                fields=["index_name"], condition=models.Q(state="live"), name="one_live_generation_per_index"
            ),
        ]

    def __str__(self) -> str:
        endpoint = f"{self.kind}:{self.model}" if self.kind else "configured embedder"
        return f"{self.index_name} generation {self.number} ({endpoint}, {self.state})"
