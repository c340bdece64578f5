"""Write a run's results: JSON for machines, a Markdown table for docs, PNG plots against concurrency."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import NullFormatter, ScalarFormatter

from rag_app.evals.bench.compare import describe

CHAT_COLUMNS = [
    ("provider", "provider"),
    ("concurrency", "c"),
    ("requests", "requests"),
    ("errors", "errors"),
    ("wall_s", "wall s"),
    ("requests_per_s", "req/s"),
    ("output_tokens_per_s", "out tok/s"),
    ("ttft_p50_ms", "TTFT p50 ms"),
    ("ttft_p95_ms", "TTFT p95"),
    ("ttft_p99_ms", "TTFT p99"),
    ("itl_p50_ms", "ITL p50 ms"),
    ("itl_p95_ms", "ITL p95"),
    ("tpot_p50_ms", "TPOT p50 ms"),
    ("e2e_p50_ms", "E2E p50 ms"),
    ("e2e_p95_ms", "E2E p95"),
    ("e2e_p99_ms", "E2E p99"),
]
EMBED_COLUMNS = [
    ("provider", "provider"),
    ("mode", "mode"),
    ("batch_size", "batch"),
    ("concurrency", "c"),
    ("inputs", "inputs"),
    ("errors", "errors"),
    ("wall_s", "wall s"),
    ("inputs_per_s", "inputs/s"),
    ("requests_per_s", "req/s"),
    ("e2e_p50_ms", "E2E p50 ms"),
    ("e2e_p95_ms", "E2E p95"),
    ("e2e_p99_ms", "E2E p99"),
]


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.1f}" if abs(value) >= 10 else f"{value:.2f}"
    return str(value)


def table(rows: Sequence[dict[str, Any]], columns: list[tuple[str, str]]) -> list[str]:
    """A Markdown table: one row per dict, one column per (key, title)."""
    lines = ["| " + " | ".join(title for _, title in columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_cell(row.get(key)) for key, _ in columns) + " |" for row in rows]
    return lines


def markdown(report: dict[str, Any]) -> str:
    """The chat and embedding tables, then one line per comparison."""
    rows = report["results"]
    chat = [r for r in rows if r["role"] == "chat"]
    embed = [r for r in rows if r["role"] == "embeddings"]
    lines: list[str] = []
    if chat:
        lines += [f"Chat, streamed, max {report['meta']['max_tokens']} output tokens, temperature 0:", ""]
        lines += [*table(chat, CHAT_COLUMNS), ""]
    if embed:
        lines += ["Embeddings (unbatched: one text a request; batched: up to `batch` texts a request):", ""]
        lines += [*table(embed, EMBED_COLUMNS), ""]
    if report.get("comparisons"):
        lines += [f"- {describe(c)}" for c in report["comparisons"]] + [""]
    return "\n".join(lines)


def _plot(path: Path, rows: Sequence[dict[str, Any]], panels: list[tuple[str, str]], title: str) -> Path:
    """One panel per metric, one line per provider (and mode), concurrency on a log2 axis."""
    fig = Figure(figsize=(5 * len(panels), 3.6))
    FigureCanvasAgg(fig)  # the Agg backend, without pyplot's global state: files only, never a display
    axes = fig.subplots(1, len(panels), squeeze=False)
    series: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        label = row["provider"] if row["mode"] == "stream" else f"{row['provider']} {row['mode']}"
        series.setdefault(label, []).append(row)
    for ax, (key, ylabel) in zip(axes[0], panels, strict=True):
        for label, points in series.items():
            points = sorted((p for p in points if p.get(key) is not None), key=lambda p: p["concurrency"])
            ax.plot([p["concurrency"] for p in points], [p[key] for p in points], marker="o", label=label)
        ax.set_xscale("log", base=2)
        ax.set_xticks(sorted({row["concurrency"] for row in rows}))
        ax.xaxis.set_major_formatter(ScalarFormatter())  # 1, 4, 16 rather than 2^0, 2^2, 2^4
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel("concurrency (requests in flight)")
        ax.set_ylabel(ylabel)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize="small")
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    return path


PLOTS = [
    (
        "chat",
        "chat_throughput.png",
        "Chat throughput",
        [("output_tokens_per_s", "output tokens/s"), ("requests_per_s", "requests/s")],
    ),
    (
        "chat",
        "chat_latency.png",
        "Chat latency",
        [
            ("ttft_p50_ms", "TTFT p50 (ms)"),
            ("e2e_p50_ms", "end-to-end p50 (ms)"),
            ("e2e_p95_ms", "end-to-end p95 (ms)"),
        ],
    ),
    ("embeddings", "embeddings.png", "Embeddings", [("inputs_per_s", "inputs/s"), ("e2e_p50_ms", "request p50 (ms)")]),
]


def plots(out: Path, report: dict[str, Any]) -> list[Path]:
    """chat_throughput.png, chat_latency.png and embeddings.png, for whichever roles ran."""
    written = []
    for role, name, title, panels in PLOTS:
        rows = [r for r in report["results"] if r["role"] == role]
        if rows:
            written.append(_plot(out / name, rows, panels, f"{title} vs concurrency"))
    return written


def write(out: Path, report: dict[str, Any]) -> list[Path]:
    """results.json, results.md and the plots in out (created if missing); the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(report, indent=2) + "\n")
    (out / "results.md").write_text(markdown(report))
    return [out / "results.json", out / "results.md", *plots(out, report)]
