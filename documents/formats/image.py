"""Images: text read by OCR (the tesseract CLI) and a description from the vision model.

Either one is enough: a failed description does not fail an image whose text was read, and an image
without text still gets its description. What was missing is reported as a warning.
"""

from __future__ import annotations

import functools
import io
import logging
import subprocess
import warnings

from django.conf import settings
from PIL import Image, UnidentifiedImageError

from documents.formats.base import Extracted, ExtractionError, Page
from rag_app.providers import registry
from rag_app.providers.base import ProviderError
from rag_app.providers.config import role_config

log = logging.getLogger(__name__)
CAPTION_PROMPT_NAME = "image-caption-v1"
CAPTION_PROMPT = (
    "Describe this image for a search index in a few plain sentences: what it shows, any text, "
    "numbers, charts or diagrams in it, and what it is about. Do not guess beyond what is visible."
)
NO_VISION = "no vision model is configured to describe pictures (an administrator can set VISION_PROVIDER)"
VISION_MAX_SIDE = 1344  # larger images are scaled down before captioning: the model sees no more


class OcrError(Exception):
    """OCR could not run on an image (tesseract missing, timed out or refused the input)."""


def open_image(data: bytes) -> Image.Image:
    """Open an image after checking its size from the header, so a decompression bomb is never decoded."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _too_big() from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise _unreadable(exc) from exc
    width, height = image.size
    if width * height > settings.IMAGE_MAX_PIXELS:
        raise _too_big(width, height)
    try:
        image.load()
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise _unreadable(exc) from exc
    return image


def _unreadable(exc: Exception) -> ExtractionError:
    """Pillow's messages name its internals (and the Python object it read from): say what it means instead."""
    log.info("image could not be read: %s: %s", type(exc).__name__, exc)
    if "truncated" in str(exc):
        return ExtractionError(
            "The image is incomplete (its end is missing, as when a download or copy is cut short); "
            "upload a complete copy."
        )
    return ExtractionError("The image is damaged and could not be read; open it, save it again and upload that copy.")


def _too_big(width: int = 0, height: int = 0) -> ExtractionError:
    size = f" ({width} x {height} pixels)" if width else ""
    return ExtractionError(
        f"The image is too large to process{size}; the limit is {settings.IMAGE_MAX_PIXELS:,} pixels."
    )


@functools.cache
def ocr_label() -> str:
    """Names the OCR engine and version for chunks it produced, e.g. 'tesseract 5.3.0'."""
    try:
        out = subprocess.run(["tesseract", "--version"], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "tesseract"
    first = (out.stdout or out.stderr).splitlines()[:1]
    return first[0].strip() if first else "tesseract"


def ocr(png_or_image: bytes) -> str:
    """The text tesseract reads in an image (any format Leptonica reads; PNG is safest)."""
    try:
        out = subprocess.run(
            ["tesseract", "stdin", "stdout", "-l", settings.OCR_LANGUAGES],
            input=png_or_image,
            capture_output=True,
            timeout=settings.OCR_TIMEOUT,
            check=False,
        )
    except FileNotFoundError as exc:
        raise OcrError("tesseract is not installed (Debian package tesseract-ocr)") from exc
    except subprocess.TimeoutExpired as exc:
        raise OcrError(f"tesseract took longer than {settings.OCR_TIMEOUT} s") from exc
    if out.returncode != 0:
        raise OcrError(f"tesseract failed: {out.stderr.decode(errors='replace').strip()[-300:]}")
    return _tidy(out.stdout.decode("utf-8", errors="replace"))


def _tidy(text: str) -> str:
    """Tesseract separates blocks with blank lines and ends with a form feed; keep blocks, drop noise."""
    lines = [line.strip() for line in text.replace("\f", "\n").splitlines()]
    return "\n".join(lines).strip()


def _png(image: Image.Image, max_side: int | None = None) -> bytes:
    if max_side and max(image.size) > max_side:
        image = image.copy()
        image.thumbnail((max_side, max_side))
    if image.mode not in ("RGB", "L", "RGBA", "LA"):
        image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def caption(image: Image.Image) -> tuple[str, str]:
    """A description of the image from the vision role, and 'provider:model' that made it."""
    result = registry.vision_model().describe(
        _png(image, VISION_MAX_SIDE),
        mime_type="image/png",
        prompt=CAPTION_PROMPT,
        max_tokens=settings.CAPTION_MAX_TOKENS,
    )
    text = result.text.strip()
    if not text:
        raise ProviderError("the vision model returned an empty description", permanent=True, provider=result.provider)
    return text, f"{result.provider}:{result.model}"


def image_pages(data: bytes) -> Extracted:
    """OCR text and a caption as separate machine-generated pages; fail only when both are missing.

    An image with neither fails at once, saying why, and is not retried: no vision model configured
    is a configuration fact, and one that is down is named so the user can try again once it is back
    (retrying by itself would keep the document queued for minutes to end with the same reason).
    """
    image = open_image(data)
    pages: list[Page] = []
    warnings_: list[str] = []
    ocr_problem = caption_problem = ""
    transient = False
    try:
        text = ocr(_png(image))
        if text:
            pages.append(Page(number=None, text=text, generated_by=ocr_label()))
    except OcrError as exc:
        ocr_problem = str(exc)
    config = role_config("vision")
    if config.primary is None and config.fallback is None:
        caption_problem = NO_VISION
    else:
        try:
            description, made_by = caption(image)
            pages.append(Page(number=None, text=description, generated_by=made_by))
        except ProviderError as exc:
            transient = not exc.permanent
            caption_problem = (
                f"the vision model is unavailable right now ({exc})"
                if transient
                else f"the vision model could not describe it ({exc})"
            )
    if not pages:
        ocr_said = f"OCR could not run ({ocr_problem})" if ocr_problem else "OCR found no text in it"
        retry = " Try again once the vision model is back." if transient else ""
        raise ExtractionError(f"Nothing could be read from the image: {ocr_said}, and {caption_problem}.{retry}")
    if ocr_problem:
        warnings_.append(f"No OCR text: {ocr_problem}.")
    if caption_problem:
        warnings_.append(f"No image description: {caption_problem}.")
    return Extracted(pages=pages, warnings=warnings_)
