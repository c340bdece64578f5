"""PDF: text per page with pypdf; pages without a text layer are rendered (pypdfium2) and OCR'd."""

from __future__ import annotations

import io
import logging

from pypdf import PdfReader
from pypdf.errors import FileNotDecryptedError, LimitReachedError, WrongPasswordError

from documents import pdfium
from documents.formats.base import ExtractionError, Page, Progress, no_progress
from documents.formats.image import OcrError, ocr, ocr_label

log = logging.getLogger(__name__)

ENCRYPTED = "The PDF is encrypted; upload a copy without a password."
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
            raise ExtractionError(ENCRYPTED)
        return [page.extract_text() or "" for page in reader.pages]
    except ExtractionError:
        raise
    except (FileNotDecryptedError, WrongPasswordError) as exc:
        raise ExtractionError(ENCRYPTED) from exc
    except LimitReachedError as exc:
        raise ExtractionError(
            "The PDF could not be read: part of it would unpack to far more than the file's size "
            "(it looks like a decompression bomb)."
        ) from exc
    except Exception as exc:  # pypdf raises many types on malformed files; all mean "unreadable"
        log.info("PDF could not be read: %s: %s", type(exc).__name__, exc)
        if b"%%EOF" not in data[-2048:]:
            raise ExtractionError(
                "The PDF could not be read: it is incomplete (its end is missing, as when a download or copy is "
                "cut short). Upload a complete copy."
            ) from exc
        raise ExtractionError(
            "The PDF could not be read: it is damaged. Open it in a PDF viewer, save or print it as a new PDF "
            "and upload that."
        ) from exc


def _render(data: bytes, number: int) -> bytes:
    """One page as a PNG, for OCR."""
    try:
        image = pdfium.render_page(data, number, lambda w, h: OCR_DPI / 72)
    except (pdfium.PageMissing, pdfium.RenderError) as exc:
        raise OcrError(f"page {number} could not be rendered: {exc}") from exc
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _pages_phrase(numbers: list[int]) -> str:
    if len(numbers) == 1:
        return f"page {numbers[0]}"
    return "pages " + ", ".join(str(n) for n in numbers)
