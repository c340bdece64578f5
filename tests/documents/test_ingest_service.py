"""document_ingest with the real local embedder, real OCR and the real Chroma server.

The vision model is replaced here by a tiny VisionModel to steer each case; the end-to-end caption
path through the Ollama protocol double is in test_images.py.
"""

import pytest
from django.core.files.base import ContentFile

from documents import ingest, services
from documents.formats.image import NO_VISION
from documents.models import Document
from rag_app import vectorstore
from rag_app.index import service as index
from rag_app.providers import registry
from rag_app.providers.base import ChatResult, Endpoint, ProviderError, VisionModel
from tests import files
from tests.documents import samples

pytestmark = [pytest.mark.django_db, pytest.mark.stack]


def make_document(owner, name, data, kind, mime_type=""):
    document = Document(
        owner=owner, title=name, original_name=name, kind=kind, mime_type=mime_type, size=len(data), sha256=name
    )
    document.file.save(name, ContentFile(data), save=False)
    document.save()
    return document


def ingested(document):
    services.document_ingest(document_id=document.pk)
    document.refresh_from_db()
    return document


class FakeVision(VisionModel):
    """Describes every image the same way, or fails as told."""

    kind = "fake"
    calls = 0

    def __init__(self, fail=None):
        super().__init__(Endpoint(kind="ollama", model="llava:test"))
        self.fail = fail

    def describe(self, image, *, mime_type, prompt, max_tokens):
        FakeVision.calls += 1
        assert image.startswith(b"\x89PNG")
        assert mime_type == "image/png"
        assert prompt
        assert max_tokens > 0
        if self.fail:
            raise self.fail
        return ChatResult(text="A yellow circle on a blue background.", provider="ollama", model="llava:test")


@pytest.fixture
def vision(monkeypatch, settings):
    def use(model):
        settings.VISION_PROVIDER = "ollama"  # vision is off by default: these tests configure one
        monkeypatch.setattr(registry, "vision_model", lambda: model, raising=False)

    return use


def test_pdf_becomes_ready_with_page_numbered_chunks_in_the_index(alice):
    document = ingested(make_document(alice, "fruit.pdf", files.pdf(["Apples are red.", "Pears are green."]), "pdf"))
    assert document.status == "ready", document.error
    assert document.page_count == 2
    assert [(c.index, c.page) for c in document.chunks.all()] == [(0, 1), (1, 2)]
    stored = index.live(alice.pk).stored_ids(where={"document_id": document.pk})
    assert stored == {f"{document.pk}:0", f"{document.pk}:1"}
    assert (document.stage, document.progress_done, document.progress_total) == ("done", 1, 1)


def test_every_format_keeps_its_page_or_slide_and_heading(alice):
    docx = samples.docx([("h1", "Budget"), ("p", "Budget is 4M."), ("break", ""), ("h1", "Plan"), ("p", "Build.")])
    document = ingested(make_document(alice, "plan.docx", docx, "docx"))
    assert [(c.page, c.heading) for c in document.chunks.all()] == [(1, "Budget"), (2, "Plan")]
    deck = samples.pptx([("Intro", "Hello"), ("Results", "Revenue grew 20%")])
    document = ingested(make_document(alice, "deck.pptx", deck, "pptx"))
    assert document.page_count == 2
    assert [(c.page, c.heading) for c in document.chunks.all()] == [(1, "Intro"), (2, "Results")]
    vector = registry.embedder().embed_one("revenue growth")
    hit = index.live(alice.pk).query(vector, k=1, where={"document_id": document.pk})
    assert hit[0].metadata["page"] == 2
    assert hit[0].metadata["heading"] == "Results"


def test_image_gets_ocr_and_caption_chunks_marked_with_their_models(alice, vision):
    vision(FakeVision())
    document = ingested(make_document(alice, "sign.png", samples.text_image(["Opening hours 9 to 5"]), "image"))
    assert document.status == "ready", document.error
    assert document.warnings == ""
    chunks = list(document.chunks.all())
    assert [c.generated_by for c in chunks] == ["tesseract 5.3.0", "ollama:llava:test"]
    assert "Opening hours" in chunks[0].text
    assert chunks[1].text == "A yellow circle on a blue background."
    vector = registry.embedder().embed_one("yellow circle")
    stored = index.live(alice.pk).query(vector, k=1, where={"document_id": document.pk})
    assert stored[0].metadata["generated_by"] == "ollama:llava:test"


def test_image_without_text_still_gets_its_caption(alice, vision):
    vision(FakeVision())
    document = ingested(make_document(alice, "circle.png", samples.picture(), "image"))
    assert document.status == "ready", document.error
    assert [c.generated_by for c in document.chunks.all()] == ["ollama:llava:test"]


def test_failed_caption_does_not_fail_an_image_whose_text_was_read(alice, vision):
    vision(FakeVision(fail=ProviderError("Ollama is unreachable", permanent=False, provider="ollama")))
    document = ingested(make_document(alice, "sign.png", samples.text_image(["Closed on Sundays"]), "image"))
    assert document.status == "ready", document.error
    unavailable = "No image description: the vision model is unavailable right now (Ollama is unreachable)"
    assert unavailable in document.warnings
    assert [c.generated_by for c in document.chunks.all()] == ["tesseract 5.3.0"]


def test_failed_ocr_does_not_fail_an_image_with_a_caption(alice, vision, settings):
    vision(FakeVision())
    settings.OCR_LANGUAGES = "no-such-language"
    document = ingested(make_document(alice, "sign.png", samples.text_image(["Closed on Sundays"]), "image"))
    assert document.status == "ready", document.error
    assert document.warnings.startswith("No OCR text: tesseract failed")
    assert [c.generated_by for c in document.chunks.all()] == ["ollama:llava:test"]


def test_image_with_nothing_readable_fails_saying_why(alice, vision):
    vision(FakeVision(fail=ProviderError("model llava:test not found", permanent=True, provider="ollama")))
    document = ingested(make_document(alice, "circle.png", samples.picture(), "image"))
    assert document.status == "failed"
    assert "OCR found no text" in document.error
    assert "model llava:test not found" in document.error
    assert index.live(alice.pk).stored_ids(where={"document_id": document.pk}) == set()


def test_blank_image_with_the_vision_model_down_fails_at_once_saying_so(alice, vision):
    """Retrying alone would keep it queued for minutes and end with the same reason: the user retries instead."""
    from documents.tasks import document_ingest_task

    FakeVision.calls = 0
    vision(FakeVision(fail=ProviderError("cannot reach Ollama at http://127.0.0.1:9", permanent=False)))
    document = make_document(alice, "circle.png", samples.picture(), "image")
    result = document_ingest_task.apply(args=(document.pk,))
    assert result.state == "SUCCESS"  # not RETRY
    document.refresh_from_db()
    assert document.status == "failed"
    assert document.error == (
        "Nothing could be read from the image: OCR found no text in it, and the vision model is unavailable right "
        "now (cannot reach Ollama at http://127.0.0.1:9). Try again once the vision model is back."
    )
    assert FakeVision.calls == 1


def test_blank_image_without_a_vision_model_fails_at_once_saying_none_is_configured(alice, vision, settings):
    from documents.tasks import document_ingest_task

    FakeVision.calls = 0
    vision(FakeVision())
    settings.VISION_PROVIDER = "none"
    document = make_document(alice, "circle.png", samples.picture(), "image")
    assert document_ingest_task.apply(args=(document.pk,)).state == "SUCCESS"
    document.refresh_from_db()
    assert document.status == "failed"
    assert document.error == f"Nothing could be read from the image: OCR found no text in it, and {NO_VISION}."
    assert FakeVision.calls == 0  # nothing asked of a provider that is not there


def test_reingest_is_harmless_and_removes_stale_vectors(alice, settings):
    text = " ".join(f"Fact {i} is about the number {i}." for i in range(80))
    document = make_document(alice, "facts.txt", text.encode(), "text")
    settings.CHUNK_TOKENS, settings.CHUNK_OVERLAP_TOKENS = 40, 5
    services.document_ingest(document_id=document.pk)
    many = index.live(alice.pk).stored_ids(where={"document_id": document.pk})
    services.document_ingest(document_id=document.pk)
    assert index.live(alice.pk).stored_ids(where={"document_id": document.pk}) == many
    settings.CHUNK_TOKENS = 400
    services.document_ingest(document_id=document.pk)
    fewer = index.live(alice.pk).stored_ids(where={"document_id": document.pk})
    document.refresh_from_db()
    assert len(fewer) == document.chunk_count == document.chunks.count() < len(many)


def test_corrupt_pdf_fails_with_a_reason_and_indexes_nothing(alice):
    document = ingested(make_document(alice, "broken.pdf", b"%PDF-1.7\n" + b"junk" * 100, "pdf"))
    assert document.status == "failed"
    assert "PDF could not be read" in document.error
    assert index.live(alice.pk).stored_ids(where={"document_id": document.pk}) == set()


def test_pdf_without_text_fails_saying_so(alice):
    document = ingested(make_document(alice, "blank.pdf", files.pdf([""]), "pdf"))
    assert document.status == "failed"
    assert "No text" in document.error


def test_failure_on_reingest_leaves_no_chunks_or_vectors(alice):
    document = ingested(make_document(alice, "notes.txt", b"Some words worth indexing.", "text"))
    assert document.chunk_count == 1
    document.file.save("notes.txt", ContentFile(b"\x00\x01\x02" * 100), save=True)
    document = ingested(document)
    assert document.status == "failed"
    assert document.chunks.count() == 0
    assert index.live(alice.pk).stored_ids(where={"document_id": document.pk}) == set()


def test_deleted_while_ingesting_leaves_nothing_in_the_index(alice, monkeypatch, settings):
    settings.EMBED_BATCH_SIZE = 2
    document = make_document(alice, "long.txt", ("Paragraph of words.\n\n" * 200).encode(), "text")
    real_upsert = vectorstore.Collection.upsert

    def upsert_then_delete(self, items):
        real_upsert(self, items)
        Document.objects.filter(pk=document.pk).delete()

    monkeypatch.setattr(vectorstore.Collection, "upsert", upsert_then_delete)
    # Writes in line: an overlapped write runs in a thread whose connection cannot see this test's rows.
    monkeypatch.setattr(index, "OVERLAP_WRITES", False)
    with pytest.raises(Document.DoesNotExist):
        services.document_ingest(document_id=document.pk)
    assert index.live(alice.pk).stored_ids(where={"document_id": document.pk}) == set()


def test_past_the_time_budget_the_document_fails_instead_of_hanging(alice):
    document = make_document(alice, "slow.txt", b"Words.", "text")
    services.document_ingest(document_id=document.pk, deadline=0.0)
    document.refresh_from_db()
    assert document.status == "failed"
    assert "took longer than" in document.error


def test_reindex_writes_database_chunks_back_into_the_index(alice):
    document = ingested(make_document(alice, "a.txt", b"Alpha.\n\n" + b"Beta. " * 300, "text"))
    index.live(alice.pk).delete(where={"document_id": document.pk})
    assert services.document_reindex(document=document) == document.chunk_count
    assert len(index.live(alice.pk).stored_ids(where={"document_id": document.pk})) == document.chunk_count


def test_progress_goes_through_every_stage_and_counts_embedded_chunks(alice, monkeypatch, settings):
    settings.EMBED_BATCH_SIZE = 4
    monkeypatch.setattr(ingest, "PROGRESS_EVERY", 0)
    writes = []
    real_write = ingest.Progress._write

    def record(self, **fields):
        writes.append(fields)
        real_write(self, **fields)

    monkeypatch.setattr(ingest.Progress, "_write", record)
    document = ingested(make_document(alice, "long.txt", ("A paragraph of words.\n\n" * 300).encode(), "text"))
    stages = [w["stage"] for w in writes if "stage" in w]
    assert stages == ["extracting", "chunking", "embedding", "storing"]
    embedded = [w["progress_done"] for w in writes if "stage" not in w]
    assert embedded == sorted(embedded)
    assert embedded[-1] == document.chunk_count > 4
