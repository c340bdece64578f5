"""DOCX (headings kept, page breaks counted) and PPTX (one page per slide), after the package checks."""

from __future__ import annotations

import io
import logging
import zipfile
import zlib
from collections.abc import Iterator
from typing import Any

import lxml.etree  # type: ignore[import-untyped]

from documents.formats.base import ExtractionError, Page
from documents.formats.package import check_package

log = logging.getLogger(__name__)
_SUFFIX = {"Word": ".docx", "PowerPoint": ".pptx"}


def _unreadable(what: str, exc: BaseException) -> ExtractionError:
    """A reason for a file the reader failed on, in the user's terms; the library's own words go to the log."""
    log.info("%s file could not be read: %s: %s", what, type(exc).__name__, exc)
    text = str(exc)
    again = f"Open it in {what}, save it again and upload that copy."
    if isinstance(exc, lxml.etree.XMLSyntaxError):
        if "amplification" in text or "entit" in text.lower():
            return ExtractionError(
                f"The {what} file was not read: its XML defines entities that expand far beyond the file's size "
                "(an entity-expansion or 'billion laughs' attack)."
            )
        return ExtractionError(f"The {what} file could not be read: part of its content is damaged. {again}")
    if isinstance(exc, zlib.error | zipfile.BadZipFile | EOFError):
        return ExtractionError(f"The {what} file could not be read: its compressed content is corrupt. {again}")
    if isinstance(exc, KeyError):
        return ExtractionError(
            f"The {what} file could not be read: parts every {_SUFFIX[what]} file has are missing. {again}"
        )
    if isinstance(exc, ValueError) and "content type is" in text:  # a macro file, template or another format
        return ExtractionError(
            f"The file is not a plain {what} file ({_SUFFIX[what]}): it may be macro-enabled or a template. "
            f"Open it in {what}, save it as {_SUFFIX[what]} and upload that copy."
        )
    return ExtractionError(f"The {what} file could not be read; it may be damaged. {again}")


def docx_pages(data: bytes) -> list[Page]:
    """Paragraphs and tables in order; Word headings become '#' lines; explicit page breaks number pages."""
    import docx

    check_package(data, "Word")
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
        raise _unreadable("Word", exc) from exc
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

    check_package(data, "PowerPoint")
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
        raise _unreadable("PowerPoint", exc) from exc
    return pages


def _shape_texts(shapes: Any) -> Iterator[str]:
    for shape in shapes:
        if shape.shape_type is not None and shape.shape_type == 6:  # MSO_SHAPE_TYPE.GROUP
            yield from _shape_texts(shape.shapes)
        elif getattr(shape, "has_text_frame", False) and shape.has_text_frame:
            yield shape.text_frame.text.strip()
        elif getattr(shape, "has_table", False) and shape.has_table:
            yield _table_text(shape.table)
