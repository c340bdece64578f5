"""The sweep: every provider, role and mode at every concurrency, after a warm-up, with a progress bar."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from tqdm import tqdm

from rag_app.evals.bench.calls import endpoint_for, model_for, timed_chat, timed_embed
from rag_app.evals.bench.metrics import RequestResult, summarize
from rag_app.evals.bench.questions import Question
from rag_app.evals.bench.runner import run_concurrently
from rag_app.providers.base import ProviderError, Role


@dataclass(frozen=True)
class Plan:
    """What to run: providers, roles, concurrency levels and the inputs, the same for every provider."""

    providers: Sequence[str]
    roles: Sequence[Role]
    concurrency: Sequence[int]
    questions: Callable[[int], Sequence[Question]]  # the set for a concurrency level (0: the warm-up's)
    embed_texts: Sequence[str]
    max_tokens: int
    warmup: int
    batch_size: int
    progress: bool = True
    layer: bool = False  # through the whole provider layer instead of the bare adapter


def _modes(
    plan: Plan, role: Role, model: Any, level: int
) -> list[tuple[str, Callable[[Any], RequestResult], list[Any]]]:
    if role == "chat":
        return [("stream", partial(timed_chat, model, max_tokens=plan.max_tokens), list(plan.questions(level)))]
    texts = list(plan.embed_texts)
    batches = [texts[i : i + plan.batch_size] for i in range(0, len(texts), plan.batch_size)]
    call = partial(timed_embed, model)
    return [("unbatched", call, [[t] for t in texts]), ("batched", call, batches)]


def _warm_up(plan: Plan, kind: str, role: Role, model: Any) -> None:
    """Load models and fill caches before timing; a provider that fails here is not benchmarked at all."""
    for i in range(plan.warmup):
        try:
            if role == "chat":
                asked = plan.questions(0)
                timed_chat(model, asked[i % len(asked)], max_tokens=plan.max_tokens)
            else:
                timed_embed(model, list(plan.embed_texts[: plan.batch_size]))
        except ProviderError as exc:
            raise ProviderError(f"{kind} {role} warm-up failed: {exc}", permanent=True) from exc


def _timed_level(
    desc: str, call: Callable[[Any], RequestResult], items: list[Any], concurrency: int, show: bool
) -> tuple[list[RequestResult], float]:
    lock = threading.Lock()
    with tqdm(total=len(items), desc=desc, unit="req", file=sys.stderr, disable=not show, leave=True) as bar:

        def tick() -> None:
            with lock:
                bar.update(1)

        return run_concurrently(call, items, concurrency, tick)


def run(plan: Plan) -> list[dict[str, Any]]:
    """One row of metrics per provider, role, mode and concurrency.

    Each concurrency level asks its own seeded draw (other passages, other order), so a level does not
    find the whole prompts of the level before it in vLLM's prefix cache; the shared instructions and a
    first passage it may, as in the app.
    """
    rows: list[dict[str, Any]] = []
    for kind in plan.providers:
        for role in plan.roles:
            model = model_for(kind, role, layer=plan.layer)
            _warm_up(plan, kind, role, model)
            for concurrency in plan.concurrency:
                for mode, call, items in _modes(plan, role, model, concurrency):
                    desc = f"{kind} {role} {mode} c={concurrency}"
                    results, wall = _timed_level(desc, call, items, concurrency, plan.progress)
                    row: dict[str, Any] = {
                        "provider": kind,
                        "model": model.model,
                        "base_url": endpoint_for(kind, role).base_url,
                        "role": role,
                        "mode": mode,
                        "concurrency": concurrency,
                        **summarize(results, wall),
                        "error_samples": sorted({r.error for r in results if r.error})[:3],
                    }
                    if role == "embeddings":
                        inputs = sum(len(batch) for batch, r in zip(items, results, strict=True) if r.ok)
                        row.update(batch_size=len(items[0]), inputs=inputs, inputs_per_s=inputs / wall)
                    rows.append(row)
    return rows
