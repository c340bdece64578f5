"""Prepare the local models once (convert SmolLM2's GGUF, load both) so the first request is fast."""

import time
from typing import Any

from django.core.management.base import BaseCommand

from rag_app.providers import registry
from rag_app.providers.base import Message


class Command(BaseCommand):
    help = "Convert and load the configured local models, then run one tiny request through each."

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        # Only the model is warmed, not the index: scripts/run calls this before the Chroma server is up.
        embedder = registry.embedder()
        vector = embedder.embed_one("warm-up")
        self.stdout.write(f"embeddings: {embedder.model}, {len(vector)} dimensions")
        result = registry.chat_model().complete([Message("user", "Say OK.")], max_tokens=4, temperature=0)
        self.stdout.write(f"chat: {result.model} answered {result.text!r}")
        self.stdout.write(self.style.SUCCESS(f"Models ready in {time.monotonic() - started:.1f} s"))
