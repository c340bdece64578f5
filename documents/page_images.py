"""A PDF's page as a PNG (pypdfium2), rendered on first request and kept beside the media files."""

from __future__ import annotations

import io
import math
from pathlib import Path

from django.conf import settings

from documents import pdfium
from documents.models import Document

SCALE = 1.5  # 108 dpi: a page reads well at about 900 px wide
MAX_PIXELS = 6_000_000  # a huge page is scaled down rather than rendered as a giant image


class PageImageError(Exception):
    """The page cannot be shown as an image (not a PDF, no such page, or the file is unreadable)."""


def _cache_path(document: Document, number: int) -> Path:
    return Path(settings.MEDIA_ROOT) / "page-images" / str(document.pk) / f"{document.sha256[:16]}-{number}.png"


def page_png(document: Document, number: int) -> bytes:
    """Page `number` (1-based) of a PDF document as PNG bytes; cached, so later views cost a file read."""
    if document.kind != Document.Kind.PDF or not document.file:
        raise PageImageError("Only PDF pages can be shown as images.")
    if number < 1 or (document.page_count and number > document.page_count):
        raise PageImageError(f"The document has no page {number}.")
    cached = _cache_path(document, number)
    if cached.exists():
        return cached.read_bytes()
    png = _render(document, number)
    cached.parent.mkdir(parents=True, exist_ok=True)
    partial = cached.with_suffix(".part")
    partial.write_bytes(png)
    partial.replace(cached)  # another request rendering the same page meanwhile is harmless
    return png


def _render(document: Document, number: int) -> bytes:
    with document.file.open("rb") as handle:
        data = handle.read()
    try:
        image = pdfium.render_page(data, number, lambda w, h: min(SCALE, math.sqrt(MAX_PIXELS / max(1.0, w * h))))
    except pdfium.PageMissing as exc:
        raise PageImageError(str(exc)) from exc
    except pdfium.RenderError as exc:
        raise PageImageError(f"Page {number} could not be rendered.") from exc
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
