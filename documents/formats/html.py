"""HTML: the page's main text (not menus, scripts or styles), headings kept as '#' lines."""

from __future__ import annotations

import re
from typing import Any

import lxml.etree  # type: ignore[import-untyped]
import lxml.html  # type: ignore[import-untyped]
from lxml_html_clean import Cleaner
from readability import Document as Readability  # type: ignore[import-untyped]

from documents.formats.base import ExtractionError, Page
from documents.formats.text import decode_text

_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_CHROME = "//nav | //header | //footer | //aside | //form | //*[@role='navigation'] | //*[@role='banner']"
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_BLOCKS = {"p", "li", "pre", "blockquote", "td", "th", "dt", "dd", "figcaption", "caption", *_HEADINGS}
_CONTAINERS = _BLOCKS | {"div", "section", "article", "main", "table", "ul", "ol", "dl", "br"}
_CLEANER = Cleaner(
    scripts=True, javascript=True, comments=True, style=True, inline_style=True, forms=True, embedded=True,
    frames=True, meta=True, page_structure=False, processing_instructions=True, remove_unknown_tags=False,
)  # fmt: skip
_MIN_MAIN_TEXT = 200  # readability may keep only a sliver of a short page; then the whole body is the text


def html_pages(data: bytes) -> list[Page]:
    """One page: the title as heading, the main content's blocks as paragraphs."""
    text = _XML_DECLARATION.sub("", decode_text(data))
    try:
        tree = lxml.html.document_fromstring(text)
        for element in tree.xpath(_CHROME):
            element.drop_tree()
        tree = _CLEANER.clean_html(tree)
        full = "\n\n".join(_blocks(tree.find("body") if tree.find("body") is not None else tree))
        readable = Readability(lxml.html.tostring(tree, encoding="unicode"))
        title = " ".join((readable.short_title() or "").split())
        main = "\n\n".join(_blocks(lxml.html.fragment_fromstring(readable.summary(html_partial=True))))
    except (lxml.etree.ParserError, ValueError) as exc:
        raise ExtractionError(f"The HTML could not be read: {exc}") from exc
    except Exception as exc:  # readability raises its own types on pages it cannot parse
        raise ExtractionError(f"The HTML could not be read: {exc or type(exc).__name__}") from exc
    body = main if len(main) >= min(_MIN_MAIN_TEXT, len(full)) else full
    return [Page(number=None, text=body, heading=title, marked_headings=True)]


def _blocks(element: Any) -> list[str]:
    """Text of block elements in document order; loose text in containers counts as its own block."""
    out: list[str] = []

    def visit(node: Any) -> None:
        if not isinstance(node.tag, str):
            return
        if node.tag in _BLOCKS or not any(
            isinstance(d.tag, str) and d.tag in _CONTAINERS for d in node.iterdescendants()
        ):
            text = " ".join(node.text_content().split())
            if text:
                level = _HEADINGS.get(node.tag)
                out.append(f"{'#' * level} {text}" if level else text)
            return
        if node.text and node.text.strip():
            out.append(" ".join(node.text.split()))
        for child in node:
            visit(child)
            if child.tail and child.tail.strip():
                out.append(" ".join(child.tail.split()))

    visit(element)
    return out
