"""Know a file's format from its content (magic bytes), and check its extension does not say otherwise."""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import IO

from documents.formats.base import ExtractionError
from documents.formats.package import damaged_zip
from documents.formats.text import looks_like_text

HEAD_BYTES = 8192
SUPPORTED = "PDF, Word (.docx), PowerPoint (.pptx), HTML, Markdown, text, PNG, JPEG or WebP"

EXTENSIONS: dict[str, str] = {
    ".pdf": "pdf",
    ".docx": "docx",
    ".pptx": "pptx",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "text",
    ".text": "text",
    ".png": "image",
    ".jpg": "image",
    ".jpeg": "image",
    ".webp": "image",
}
TEXT_KINDS = {"html", "markdown", "text"}
DESCRIPTIONS = {
    "pdf": "a PDF",
    "docx": "a Word document",
    "pptx": "a PowerPoint deck",
    "image": "an image",
    "html": "an HTML page",
    "markdown": "Markdown",
    "text": "text",
}
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an OLE compound file: Office 97-2003, and encrypted Office files
_HTML_START = re.compile(rb"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body)[\s>]", re.I | re.S)
_COMMENT = re.compile(rb"<!--.*?-->", re.S)
_FIRST_ELEMENT = re.compile(rb"<([A-Za-z_][\w:.-]*)")
# Refused rather than read: as text its markup would be indexed, and rendering it means running a
# document that can carry scripts and external references just to get at its text.
SVG_REFUSED = (
    "SVG drawings are not accepted (they are code that draws a picture, not text or a photo this app reads): "
    "export it as PNG and upload that."
)
_MARKDOWN_HEADING = re.compile(r"^#{1,6} \S", re.M)


@dataclass(frozen=True)
class Detected:
    """A file's kind (Document.Kind) and media type."""

    kind: str
    mime_type: str


def detect(name: str, file: IO[bytes]) -> Detected:
    """The file's kind by content; a known extension that names another kind is refused."""
    file.seek(0)
    head = file.read(HEAD_BYTES)
    file.seek(0)
    found = _by_content(head, file)
    suffix = PurePosixPath(name.replace("\\", "/")).suffix.lower()
    if suffix in (".svg", ".svgz"):
        raise ExtractionError(SVG_REFUSED)
    claimed = EXTENSIONS.get(suffix)
    if found is None:
        raise ExtractionError(f"The content of this file is not a supported format: upload {SUPPORTED}.")
    if claimed is None:
        return found
    if claimed == found.kind or (claimed in TEXT_KINDS and found.kind in TEXT_KINDS):
        return Detected(claimed, _text_mime(claimed)) if claimed in TEXT_KINDS else found
    what = DESCRIPTIONS.get(found.kind if found.kind not in TEXT_KINDS else "text", found.kind)
    raise ExtractionError(
        f"The file is named {suffix} but it is not {DESCRIPTIONS[claimed]}: its content is {what}. "
        "Rename it or upload the right file."
    )


def _by_content(head: bytes, file: IO[bytes]) -> Detected | None:
    if b"%PDF-" in head[:1024]:
        return Detected("pdf", "application/pdf")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Detected("image", "image/png")
    if head.startswith(b"\xff\xd8\xff"):
        return Detected("image", "image/jpeg")
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return Detected("image", "image/webp")
    if head.startswith(b"PK\x03\x04"):
        return _office(file)
    if head.startswith(_OLE):
        raise _old_office(file)
    if looks_like_text(head):
        if _HTML_START.match(head.removeprefix(b"\xef\xbb\xbf")):
            return Detected("html", "text/html")
        if _is_svg(head):
            raise ExtractionError(SVG_REFUSED)
        if _MARKDOWN_HEADING.search(head.decode("utf-8", errors="ignore")):
            return Detected("markdown", "text/markdown")
        return Detected("text", "text/plain")
    return None


def _office(file: IO[bytes]) -> Detected:
    try:
        with zipfile.ZipFile(file) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise damaged_zip(exc) from exc
    finally:
        file.seek(0)
    if "word/document.xml" in names:
        return Detected("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    if "ppt/presentation.xml" in names:
        return Detected("pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation")
    raise ExtractionError(f"The file is a ZIP archive, not a Word or PowerPoint file: upload {SUPPORTED}.")


def _is_svg(head: bytes) -> bool:
    """Whether the first element (past the XML declaration, comments and any DOCTYPE) is <svg>."""
    root = _FIRST_ELEMENT.search(_COMMENT.sub(b"", head))
    return root is not None and root.group(1).lower().rsplit(b":", 1)[-1] == b"svg"


def _old_office(file: IO[bytes]) -> ExtractionError:
    """Why an OLE compound file (encrypted Office files, and Office 97-2003's .doc and .ppt) is refused."""
    file.seek(0)
    content = file.read()  # the directory may be anywhere; uploads are already capped in size
    file.seek(0)
    if "EncryptedPackage".encode("utf-16-le") in content:
        return ExtractionError(
            "The file is a password-protected Office document; open it, remove the password, save it again "
            "and upload that copy."
        )
    for stream, app, old, new in (
        ("WordDocument", "Word", ".doc", ".docx"),
        ("PowerPoint Document", "PowerPoint", ".ppt", ".pptx"),
    ):
        if stream.encode("utf-16-le") in content:
            return ExtractionError(
                f"The file is an old {app} 97-2003 file ({old}), which is not supported; open it in {app}, "
                f"save it as {new} and upload that."
            )
    return ExtractionError(f"The file is an old Microsoft Office file, which is not supported: upload {SUPPORTED}.")


def _text_mime(kind: str) -> str:
    return {"html": "text/html", "markdown": "text/markdown"}.get(kind, "text/plain")
