"""DOCX (headings kept, page breaks counted) and PPTX (one page per slide), after a zip-bomb check."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from typing import Any

from django.conf import settings

from documents.formats.base import ExtractionError, Page

MAX_ENTRIES = 10_000
MAX_RATIO = 200  # deflate of real office XML stays well under this; a bomb is thousands to one
RATIO_FLOOR = 10 * 1024 * 1024  # small entries may compress well without being a bomb


def check_zip(data: bytes) -> None:
    """Refuse archives that would unpack into far more than they weigh (declared sizes bound reads)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ExtractionError(f"The file is a damaged ZIP archive: {exc}") from exc
    limit = settings.MAX_UNPACKED_MB * 1024 * 1024
    if len(entries) > MAX_ENTRIES:
        raise ExtractionError(f"The archive holds {len(entries):,} files; at most {MAX_ENTRIES:,} are accepted.")
    total = sum(e.file_size for e in entries)
    if total > limit:
        raise ExtractionError(
            f"The file would unpack to {total / 1048576:,.0f} MB (limit {settings.MAX_UNPACKED_MB} MB): "
            "it looks like a zip bomb."
        )
    for entry in entries:
        if entry.file_size > RATIO_FLOOR and entry.file_size > MAX_RATIO * max(entry.compress_size, 1):
            raise ExtractionError(
                f"{entry.filename} inside the file is compressed {entry.file_size // max(entry.compress_size, 1):,} "
                "to 1: it looks like a zip bomb."
            )


def _office_error(what: str, exc: Exception) -> ExtractionError:
    return ExtractionError(f"The {what} file could not be read: {exc or type(exc).__name__}")


def docx_pages(data: bytes) -> list[Page]:
    """Paragraphs and tables in order; Word headings become '#' lines; explicit page breaks number pages."""
    import docx

    check_zip(data)
    try:
        document = docx.Document(io.BytesIO(data))
        pages: list[list[str]] = [[]]
        broke = False
        for block in document.iter_inner_content():
            if isinstance(block, docx.table.Table):
                pages[-1].append(_table_text(block))
                continue
            line = _paragraph_line(block)
            if _starts_new_page(block):
                broke = True
                pages.append([])
            if line:
                pages[-1].append(line)
    except ExtractionError:
        raise
    except Exception as exc:  # python-docx and lxml raise many types on malformed files
        raise _office_error("Word", exc) from exc
    texts = ["\n\n".join(lines) for lines in pages]
    if not broke:
        return [Page(number=None, text=texts[0], marked_headings=True)]
    return [Page(number=n, text=t, marked_headings=True) for n, t in enumerate(texts, start=1)]


def _paragraph_line(paragraph: Any) -> str:
    text = str(paragraph.text).strip()
    if not text:
        return ""
    style = str((paragraph.style.name if paragraph.style is not None else "") or "")
    if style == "Title":
        return f"# {text}"
    if style.startswith("Heading"):
        level = style.removeprefix("Heading").strip()
        return "#" * (int(level) if level.isdigit() and 0 < int(level) < 7 else 1) + f" {text}"
    return str(text)


def _starts_new_page(paragraph: Any) -> bool:
    """A page break before this paragraph's text: Word's rendered break or an explicit one."""
    if paragraph.contains_page_break:
        return True
    return any('w:type="page"' in run._r.xml for run in paragraph.runs if "w:br" in run._r.xml)


def _table_text(table: Any) -> str:
    rows = []
    for row in table.rows:
        cells = [" ".join(cell.text.split()) for cell in row.cells]
        rows.append(" | ".join(cells))
    return "\n".join(rows)


def pptx_pages(data: bytes) -> list[Page]:
    """One page per slide, numbered as in the deck, titled by the slide's title; notes included."""
    import pptx

    check_zip(data)
    try:
        deck = pptx.Presentation(io.BytesIO(data))
        pages = []
        for number, slide in enumerate(deck.slides, start=1):
            title_shape = slide.shapes.title
            title = " ".join(title_shape.text_frame.text.split()) if title_shape is not None else ""
            parts = [t for t in _shape_texts(slide.shapes) if t]
            if slide.has_notes_slide and slide.notes_slide.notes_text_frame is not None:
                notes = slide.notes_slide.notes_text_frame.text.strip()
                if notes:
                    parts.append(f"Notes: {notes}")
            pages.append(Page(number=number, text="\n\n".join(parts), heading=title))
    except ExtractionError:
        raise
    except Exception as exc:  # python-pptx and lxml raise many types on malformed files
        raise _office_error("PowerPoint", exc) from exc
    return pages


def _shape_texts(shapes: Any) -> Iterator[str]:
    for shape in shapes:
        if shape.shape_type is not None and shape.shape_type == 6:  # MSO_SHAPE_TYPE.GROUP
            yield from _shape_texts(shape.shapes)
        elif getattr(shape, "has_text_frame", False) and shape.has_text_frame:
            yield shape.text_frame.text.strip()
        elif getattr(shape, "has_table", False) and shape.has_table:
            yield _table_text(shape.table)
