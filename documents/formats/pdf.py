"""PDF: text per page with pypdf; pages without a text layer are rendered (pypdfium2) and OCR'd."""

from __future__ import annotations

import io
import logging

from pypdf import PdfReader

from documents.formats.base import ExtractionError, Page, Progress, no_progress
from documents.formats.image import OcrError, ocr, ocr_label

log = logging.getLogger(__name__)

OCR_DPI = 200  # enough for body text; tesseract's time grows with the pixel count


def pdf_pages(data: bytes, *, progress: Progress = no_progress) -> tuple[list[Page], list[str]]:
    """Each page's text (numbered from 1), OCR for pages that have none; warnings for what failed."""
    texts = _text_layer(data)
    blank = [number for number, text in enumerate(texts, start=1) if not text.strip()]
    pages = {number: Page(number=number, text=text) for number, text in enumerate(texts, start=1)}
    warnings: list[str] = []
    if blank:
        label = ocr_label()
        failed: list[int] = []
        for done, number in enumerate(blank, start=1):
            try:
                pages[number] = Page(number=number, text=ocr(_render(data, number)), generated_by=label)
            except OcrError as exc:
                log.warning("OCR of page %s failed: %s", number, exc)
                failed.append(number)
            progress(done, len(blank))
        if failed:
            warnings.append(f"OCR failed on {_pages_phrase(failed)}; their text is missing.")
    return [pages[n] for n in sorted(pages)], warnings


def _text_layer(data: bytes) -> list[str]:
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise ExtractionError("The PDF is encrypted; upload a copy without a password.")
        return [page.extract_text() or "" for page in reader.pages]
    except ExtractionError:
        raise
    except Exception as exc:  # pypdf raises many types on malformed files; all mean "unreadable"
        raise ExtractionError(f"The PDF could not be read: {exc or type(exc).__name__}") from exc


def _render(data: bytes, number: int) -> bytes:
    """One page as a PNG, for OCR."""
    import pypdfium2  # type: ignore[import-untyped]

    try:
        document = pypdfium2.PdfDocument(data)
        try:
            image = document[number - 1].render(scale=OCR_DPI / 72).to_pil()
        finally:
            document.close()
    except pypdfium2.PdfiumError as exc:
        raise OcrError(f"page {number} could not be rendered: {exc}") from exc
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _pages_phrase(numbers: list[int]) -> str:
    if len(numbers) == 1:
        return f"page {numbers[0]}"
    return "pages " + ", ".join(str(n) for n in numbers)
