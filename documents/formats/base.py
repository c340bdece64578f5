"""What every format module returns (pages of text) and raises (ExtractionError)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


class ExtractionError(Exception):
    """The file's content cannot be turned into text; retrying will not help."""


@dataclass(frozen=True)
class Page:
    """Text of one page or slide (number is None for formats without pages).

    `heading` is the heading in force where the page starts (a slide's title); `marked_headings`
    says that lines starting with '#' inside the text are headings (Markdown, and what the DOCX and
    HTML readers write). `generated_by` names the model or tool that made the text when a person
    did not write it (OCR, an image description), so citations can say so.
    """

    number: int | None
    text: str
    heading: str = ""
    marked_headings: bool = False
    generated_by: str = ""


@dataclass
class Extracted:
    """A file's pages, plus what could not be read without failing the whole file."""

    pages: list[Page]
    warnings: list[str] = field(default_factory=list)


Progress = Callable[[int, int], None]
"""Called with (done, total) as a long extraction moves on."""


def no_progress(done: int, total: int) -> None:
    """A progress callback that ignores its calls."""
