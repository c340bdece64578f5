"""PDF pages rendered with PDFium (pypdfium2), one at a time per process: PDFium is not thread-safe."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

# The web server and the Celery worker both run threads; two renders at once crash the whole process
# (a segfault in PDFium, seen when a browser asked for two page images together).
_lock = threading.Lock()


class PageMissing(Exception):
    """The PDF has no page of that number."""


class RenderError(Exception):
    """PDFium could not read the PDF or render the page; the message is PDFium's."""


def render_page(data: bytes, number: int, scale: Callable[[float, float], float]) -> Any:
    """Page `number` (1-based) of the PDF in `data` as a PIL image, at `scale(width, height)` of 72 dpi."""
    import pypdfium2  # type: ignore[import-untyped]

    with _lock:
        try:
            pdf = pypdfium2.PdfDocument(data)
            try:
                if not 1 <= number <= len(pdf):
                    raise PageMissing(f"The document has no page {number}.")
                page = pdf[number - 1]
                width, height = page.get_size()
                return page.render(scale=scale(width, height)).to_pil()
            finally:
                pdf.close()
        except pypdfium2.PdfiumError as exc:
            raise RenderError(str(exc)) from exc
