"""Checks on a DOCX/PPTX package (a ZIP of XML parts) before any part is parsed: bombs, passwords, DTDs."""

from __future__ import annotations

import io
import re
import zipfile
import zlib

from django.conf import settings

from documents.formats.base import ExtractionError

MAX_ENTRIES = 10_000
MAX_RATIO = 200  # deflate of real office XML stays well under this; a bomb is thousands to one
RATIO_FLOOR = 10 * 1024 * 1024  # small entries may compress well without being a bomb
PROLOG_BYTES = 8192  # a DOCTYPE must come before the root element, which Office writes in the first line
_DTD = re.compile(rb"<!(DOCTYPE|ENTITY)", re.I)
_XML_PART = (".xml", ".rels")


def damaged_zip(exc: Exception) -> ExtractionError:
    """The reason for a package Python's zipfile cannot open (its own message means nothing to a person)."""
    if "not a zip file" in str(exc):  # no end-of-archive record: the end of the file is missing
        return ExtractionError(
            "The file is incomplete: it starts like a Word or PowerPoint file but its end is missing, as when "
            "a download or copy is cut short. Upload a complete copy."
        )
    return ExtractionError(
        "The file is damaged: it starts like a Word or PowerPoint file but its contents cannot be unpacked. "
        "Open it in Word or PowerPoint, save it again and upload that copy."
    )


def check_package(data: bytes, what: str) -> None:
    """Refuse what would hurt or fool the XML readers; `what` names the format ('Word', 'PowerPoint').

    python-docx and python-pptx parse without resolving entities and libxml2 caps entity expansion,
    so these checks are not the only defence: they turn each attack into a reason a person can read.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            _check_sizes(entries, what)
            if any(e.flag_bits & 0x1 for e in entries):
                raise ExtractionError(
                    f"The {what} file's contents are password-protected; remove the password, save it again "
                    "and upload that copy."
                )
            for entry in entries:
                if entry.filename.lower().endswith(_XML_PART) and _declares_dtd(archive, entry):
                    raise ExtractionError(
                        f"The {what} file contains XML document type declarations ({entry.filename}), which "
                        f"{what} never writes: such files are made to attack document readers (external entities, "
                        "entity expansion), so it was not read."
                    )
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError) as exc:
        raise damaged_zip(exc) from exc
    except (zipfile.LargeZipFile, NotImplementedError) as exc:  # zip64 off, or an unknown compression method
        raise ExtractionError(
            f"The {what} file is packed in a way Word and PowerPoint do not use (unknown compression); "
            "save it again in Office and upload that copy."
        ) from exc


def _check_sizes(entries: list[zipfile.ZipInfo], what: str) -> None:
    """Declared sizes bound what reading may inflate, so they are checked before anything is read."""
    limit = settings.MAX_UNPACKED_MB * 1024 * 1024
    if len(entries) > MAX_ENTRIES:
        raise ExtractionError(
            f"The {what} file holds {len(entries):,} parts; at most {MAX_ENTRIES:,} are accepted (real files have "
            "far fewer: it looks made to overwhelm readers)."
        )
    total = sum(e.file_size for e in entries)
    if total > limit:
        raise ExtractionError(
            f"The {what} file would unpack to {total / 1048576:,.0f} MB (limit {settings.MAX_UNPACKED_MB} MB): "
            "it looks like a zip bomb."
        )
    for entry in entries:
        if entry.file_size > RATIO_FLOOR and entry.file_size > MAX_RATIO * max(entry.compress_size, 1):
            raise ExtractionError(
                f"{entry.filename} inside the {what} file is compressed "
                f"{entry.file_size // max(entry.compress_size, 1):,} "
                "to 1: it looks like a zip bomb."
            )


def _declares_dtd(archive: zipfile.ZipFile, entry: zipfile.ZipInfo) -> bool:
    with archive.open(entry) as part:
        head = part.read(PROLOG_BYTES)
    root = re.search(rb"<[A-Za-z_]", head)  # the first element: anything after it is not the prolog
    return _DTD.search(head[: root.start()] if root else head) is not None
