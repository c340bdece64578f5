"""Text extraction: file bytes in, pages of text out (page and slide numbers kept for citations).

The format is known from the content (documents.formats.detect); each format has its own module.
"""

from __future__ import annotations

from documents.formats.base import Extracted, ExtractionError, Page, Progress, no_progress
from documents.formats.detect import Detected, detect
from documents.formats.text import decode_text, text_pages

__all__ = ["Detected", "Extracted", "ExtractionError", "Page", "decode_text", "detect", "extract"]


def extract(data: bytes, kind: str, *, progress: Progress = no_progress) -> Extracted:
    """Return the pages of text in a file's content, with warnings about parts that could not be read."""
    if kind == "pdf":
        from documents.formats.pdf import pdf_pages

        pages, warnings = pdf_pages(data, progress=progress)
        return Extracted(pages, warnings)
    if kind == "docx":
        from documents.formats.office import docx_pages

        return Extracted(docx_pages(data))
    if kind == "pptx":
        from documents.formats.office import pptx_pages

        return Extracted(pptx_pages(data))
    if kind == "html":
        from documents.formats.html import html_pages

        return Extracted(html_pages(data))
    if kind == "image":
        from documents.formats.image import image_pages

        return image_pages(data)
    if kind in ("text", "markdown"):
        return Extracted(text_pages(data, markdown=kind == "markdown"))
    raise ExtractionError(f"Unknown document kind {kind!r}.")
