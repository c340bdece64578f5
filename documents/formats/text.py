"""Plain text and Markdown: decode any common encoding, refuse binary content."""

from __future__ import annotations

import codecs
import unicodedata

import charset_normalizer

from documents.formats.base import ExtractionError, Page

_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_ALLOWED_CONTROLS = {"\t", "\n", "\r", "\f", "\v"}
_COMMON = ("cp1252", "latin_1", "iso8859_15")
_MAX_CONTROL_SHARE = 0.01  # real text has almost no control characters; binary junk decodes to many


def decode_text(data: bytes) -> str:
    """Decode text as UTF-8 (with or without BOM), else by BOM or detected encoding; refuse binary."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = _decode_other(data)
    if _control_share(text) > _MAX_CONTROL_SHARE:
        raise ExtractionError("The file's content is binary, not text.")
    return text


def _decode_other(data: bytes) -> str:
    if b"\x00" in data[:4096] and not data.startswith(_BOMS):
        raise ExtractionError("The file's content is binary, not text.")
    matches = list(charset_normalizer.from_bytes(data))
    if not matches:
        raise ExtractionError("The text's encoding could not be detected.")
    best = matches[0]
    # Short Western texts fit several code pages equally well; Windows-1252 is by far the most common.
    for match in matches:
        if match.encoding in _COMMON and match.chaos <= best.chaos + 0.01 and match.coherence >= best.coherence - 0.01:
            best = match
            break
    return str(best).lstrip("\ufeff")


def _control_share(text: str) -> float:
    sample = text[:20000]
    if not sample:
        return 0.0
    controls = sum(1 for c in sample if c not in _ALLOWED_CONTROLS and unicodedata.category(c) in ("Cc", "Cs", "Co"))
    return controls / len(sample)


def looks_like_text(head: bytes) -> bool:
    """Whether the start of a file decodes as text (the last bytes may be a cut character)."""
    try:
        decode_text(head)
    except ExtractionError:
        try:
            decode_text(head[:-3])  # the sample may end in the middle of a multi-byte character
        except ExtractionError:
            return False
    return True


def text_pages(data: bytes, *, markdown: bool) -> list[Page]:
    """A text file is one page without a number; Markdown headings are marked for the chunker."""
    return [Page(number=None, text=decode_text(data), marked_headings=markdown)]
