"""HTML: the page's main text (not menus, scripts or styles), headings kept as '#' lines."""

from __future__ import annotations

import logging
import re
from typing import Any

import lxml.etree  # type: ignore[import-untyped]
import lxml.html  # type: ignore[import-untyped]
from lxml_html_clean import Cleaner
from readability import Document as Readability  # type: ignore[import-untyped]

from documents.formats.base import ExtractionError, Page
from documents.formats.text import decode_text

log = logging.getLogger(__name__)
MAX_DEPTH = 255  # libxml2's limit for HTML without XML_PARSE_HUGE
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_INTERNAL_DTD = re.compile(r"<!DOCTYPE[^>\[]*\[", re.I)
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
    if _INTERNAL_DTD.search(text[:65536]):
        raise ExtractionError(
            "The page declares XML entities of its own (a DOCTYPE with an internal subset), which web pages never "
            "need: such files are made to attack document readers, so it was not read."
        )
    parser = lxml.html.HTMLParser()
    try:
        tree = lxml.html.document_fromstring(text, parser=parser)
    except (lxml.etree.ParserError, ValueError):  # nothing but whitespace and comments: no text to find
        return [Page(number=None, text="")]
    if any(e.type_name == "ERR_RESOURCE_LIMIT" for e in parser.error_log):
        # libxml2 stops at this depth and drops everything below it: what is left is not the page.
        raise ExtractionError(
            f"The HTML page nests its elements more than {MAX_DEPTH} levels deep, far deeper than any real page "
            "(it looks made to break readers), so its text could not be read."
        )
    for element in tree.xpath(_CHROME):
        element.drop_tree()
    tree = _CLEANER.clean_html(tree)
    full = "\n\n".join(_blocks(tree.find("body") if tree.find("body") is not None else tree))
    title, main = _readable(tree)
    body = main if len(main) >= min(_MIN_MAIN_TEXT, len(full)) else full
    return [Page(number=None, text=body, heading=title, marked_headings=True)]


def _readable(tree: Any) -> tuple[str, str]:
    """The title and main content readability finds, or nothing where it finds none or fails."""
    try:
        readable = Readability(lxml.html.tostring(tree, encoding="unicode"))
        title = " ".join((readable.short_title() or "").split())
        summary = readable.summary(html_partial=True)
    except Exception as exc:  # noqa: BLE001 - readability raises its own types; its failure only loses the focus
        log.info("readability found no main content: %s: %s", type(exc).__name__, exc)
        return "", ""
    try:
        return title, "\n\n".join(_blocks(lxml.html.fragment_fromstring(summary)))
    except (lxml.etree.ParserError, ValueError):  # an empty summary: no main content, the whole body counts
        return title, ""


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
