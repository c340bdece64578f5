"""`{% document_progress document as p %}`: a document's stage as words, step n of 4, done/total and ETA."""

from __future__ import annotations

import re
from typing import Any

from django import template
from django.utils import timezone

from documents import selectors
from documents.models import Document

register = template.Library()
# The note rag_app/tasks.py leaves on a row while a retry is scheduled (documents/tasks.py `_retrying`).
RETRY_NOTE = re.compile(r"^Retry (?P<n>\d+) of (?P<of>\d+) in (?P<seconds>\d+) s: ")

STEPS: dict[str, str] = {
    Document.Stage.EXTRACTING.value: "Reading the file",
    Document.Stage.CHUNKING.value: "Cutting it into passages",
    Document.Stage.EMBEDDING.value: "Embedding passages",
    Document.Stage.STORING.value: "Storing in the search index",
}


@register.simple_tag
def document_progress(document: Document) -> dict[str, Any]:
    """What the progress bar shows; `percent` is None when the stage's size is not known yet."""
    progress = selectors.document_progress(document)
    stage = str(progress["stage"] or "")
    done, total = document.progress_done, document.progress_total
    steps = list(STEPS)
    label = STEPS.get(stage, "Waiting for a worker" if document.status == Document.Status.QUEUED else "Starting")
    retry = _retry_label(document)
    return {
        **progress,
        "retrying": bool(retry),
        "label": retry or label,
        "step": steps.index(stage) + 1 if stage in STEPS else 0,
        "steps": len(steps),
        "percent": round(100 * done / total) if total > 1 else None,
        "eta_text": _eta_text(progress["eta_seconds"]),
    }


def _eta_text(seconds: object) -> str:
    if not isinstance(seconds, int) or seconds <= 0:
        return ""
    if seconds < 90:
        return f"about {seconds} s left"
    return f"about {round(seconds / 60)} min left"


def _retry_label(document: Document) -> str:
    """'Retry 2 of 5 in about 40 s' while a retry is scheduled after a temporary failure, else ''."""
    match = RETRY_NOTE.match(document.warnings) if document.status == Document.Status.QUEUED else None
    if match is None:
        return ""
    elapsed = (timezone.now() - document.updated_at).total_seconds()
    left = int(match["seconds"]) - int(elapsed)
    when = f"in about {left} s" if left > 0 else "starting now"
    return f"Temporary problem: retry {match['n']} of {match['of']} {when}"
