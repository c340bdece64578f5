"""Images get OCR text (real tesseract) and a caption from the vision role, end to end.

The vision role is Ollama's llava, reached through the Ollama protocol double (tests/doubles/ollama.py),
because no Ollama binary exists in any registry this machine reaches.
"""

import base64

import pytest

from tests.documents import samples
from tests.documents.test_ingest_service import ingested, make_document

pytestmark = [pytest.mark.django_db, pytest.mark.stack]


@pytest.fixture
def llava(ollama_double, settings):
    ollama_double.chat_fn = lambda call: "A scanned invoice with a total at the bottom."
    settings.VISION_PROVIDER = "ollama"
    settings.OLLAMA_URL = ollama_double.url
    settings.OLLAMA_VISION_MODEL = "llava:7b"
    settings.PROVIDER_RETRIES = 0
    return ollama_double


def test_image_with_text_gets_ocr_and_caption_chunks(alice, llava):
    document = ingested(make_document(alice, "invoice.png", samples.text_image(["Invoice 12345"]), "image"))
    assert document.status == "ready", document.error
    chunks = {c.generated_by.split(" ")[0]: c for c in document.chunks.all()}
    assert set(chunks) == {"tesseract", "ollama:llava:7b"}
    assert "Invoice 12345" in chunks["tesseract"].text
    assert chunks["ollama:llava:7b"].text == "A scanned invoice with a total at the bottom."
    (sent,) = llava.requests_to("/api/chat")
    image = sent.body["messages"][-1]["images"][0]
    assert base64.b64decode(image).startswith(b"\x89PNG")
    assert document.warnings == ""


def test_picture_without_text_still_gets_its_caption(alice, llava):
    document = ingested(make_document(alice, "photo.png", samples.picture(), "image"))
    assert document.status == "ready", document.error
    assert [c.generated_by for c in document.chunks.all()] == ["ollama:llava:7b"]


def test_failed_caption_keeps_the_ocr_text_and_says_what_is_missing(alice, llava):
    llava.stop()
    document = ingested(make_document(alice, "scan.png", samples.text_image(["Total due 99 EUR"]), "image"))
    assert document.status == "ready", document.error
    assert [c.generated_by.split(" ")[0] for c in document.chunks.all()] == ["tesseract"]
    assert "No image description" in document.warnings
    assert "cannot reach Ollama" in document.warnings


def test_blank_picture_with_the_vision_server_down_fails_at_once_naming_it(alice, llava):
    llava.stop()
    document = ingested(make_document(alice, "photo.png", samples.picture(), "image"))
    assert document.status == "failed"
    assert document.error.startswith("Nothing could be read from the image: OCR found no text in it, and the vision")
    assert "cannot reach Ollama" in document.error
    assert document.error.endswith("Try again once the vision model is back.")
