"""Read the index's generations: each one's progress, rate and time left, for the command and the admin."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from rag_app.index import service
from rag_app.index.models import Generation


@dataclass(frozen=True)
class BuildProgress:
    """How far a generation's build has got and how long the rest should take at its rate so far."""

    done: int
    total: int
    per_second: float | None
    eta_seconds: float | None

    def line(self) -> str:
        """e.g. '1200/5000 passages (24.0%), 41.3/s, about 92 s left'."""
        share = f" ({100 * self.done / self.total:.1f}%)" if self.total else ""
        rate = f", {self.per_second:.1f}/s" if self.per_second else ""
        eta = f", about {self.eta_seconds:.0f} s left" if self.eta_seconds is not None else ""
        return f"{self.done}/{self.total} passages{share}{rate}{eta}"


def generation_progress(row: Generation) -> BuildProgress:
    """The build's progress from the counters its job checkpoints after every batch."""
    rate = row.done / row.build_seconds if row.build_seconds > 0 and row.done else None
    left = max(row.total - row.done, 0)
    eta = left / rate if rate and row.state == Generation.State.BUILDING else None
    return BuildProgress(row.done, row.total, rate, eta)


def generation_list(index_name: str | None = None) -> QuerySet[Generation]:
    """The generations of an index (default: the current one), oldest first, dropped ones included."""
    return Generation.objects.filter(index_name=index_name or service.name()).order_by("number")


def generation_line(row: Generation) -> str:
    """One generation in words, for `index_migrate status`."""
    endpoint = f"{row.kind}:{row.model}" + (f" at {row.base_url}" if row.base_url else "")
    parts = [f"generation {row.number}", row.state, endpoint]
    if row.total or row.state == Generation.State.BUILDING:
        parts.append(generation_progress(row).line())
    if row.check_worse is not None:
        parts.append("check: worse" if row.check_worse else "check: not worse")
    if row.error:
        parts.append(f"error: {row.error}")
    return "  ".join(parts)
