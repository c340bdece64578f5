"""Text extraction: file bytes in, pages of text out (page numbers kept for citations)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import charset_normalizer
from pypdf import PdfReader
from pypdf.errors import PdfReadError

PDF_MAGIC = b"%PDF-"


class ExtractionError(Exception):
    """The file's content cannot be turned into text; retrying will not help."""


@dataclass(frozen=True)
class Page:
    """Text of one page (number is None for formats without pages)."""

    number: int | None
    text: str


def kind_for(name: str, head: bytes) -> str:
    """Decide the document kind from the extension and check the content agrees with it."""
    suffix = Path(name).suffix.lower()
    if suffix == ".pdf":
        if not head.startswith(PDF_MAGIC):
            raise ExtractionError("The file is named .pdf but is not a PDF (it does not start with %PDF-).")
        return "pdf"
    if suffix in {".txt", ".text"}:
        kind = "text"
    elif suffix in {".md", ".markdown"}:
        kind = "markdown"
    else:
        raise ExtractionError(f"Unsupported file type {suffix or '(no extension)'!r}: upload .pdf, .txt or .md.")
    if head.startswith(PDF_MAGIC) or b"\x00" in head:
        raise ExtractionError(f"The file is named {suffix} but its content is binary, not text.")
    return kind


def decode_text(data: bytes) -> str:
    """Decode text as UTF-8 (with or without BOM), else by detected encoding."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        best = charset_normalizer.from_bytes(data).best()
        if best is None:
            raise ExtractionError("The text's encoding could not be detected.") from None
        return str(best)


def extract(data: bytes, kind: str) -> list[Page]:
    """Return the pages of text in a file's content."""
    if kind == "pdf":
        return _pdf_pages(data)
    return [Page(number=None, text=decode_text(data))]


def _pdf_pages(data: bytes) -> list[Page]:
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise ExtractionError("The PDF is encrypted; upload a copy without a password.")
        return [Page(number=i, text=page.extract_text() or "") for i, page in enumerate(reader.pages, start=1)]
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise ExtractionError(f"The PDF could not be read: {exc}") from exc
