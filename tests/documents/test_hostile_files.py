"""Every hostile or broken file is refused at upload or fails in ingestion with a reason a person can act on.

Each file is uploaded through the API and then ingested by the real service (extraction, OCR, the
package checks) as the worker would; the reason the API reports must say what is wrong in the user's
terms and carry nothing of Python or the parsing libraries (no reprs, class names or parser messages).
"""

import pytest

from documents import services
from documents.models import Document
from rag_app.index import service as index
from tests import files
from tests.documents import hostile, samples

pytestmark = [pytest.mark.django_db, pytest.mark.stack]

# Fragments of Python reprs, tracebacks, exception class names and library messages.
INTERNALS = [
    "<_io",
    "object at 0x",
    "BytesIO",
    "Traceback",
    "Error:",
    "Error(",
    "Exception",
    "lxml",
    "libxml",
    "xmlCtxt",
    "line 1, column",
    "<string>",
    "pypdf",
    "PIL",
    "zlib",
    "Errno",
    "site-packages",
    "rId",
    "schemas.openxmlformats.org",
    "No elements found",
    "not a zip file",
    "KeyError",
    "None",
]

REFUSED = "upload"
FAILS = "ingest"

CASES = [
    ("xxe.docx", hostile.xxe_docx, FAILS, "document type declarations (word/document.xml)"),
    ("xxe-types.docx", hostile.xxe_content_types_docx, FAILS, "document type declarations ([Content_Types].xml)"),
    ("laughs.docx", hostile.laughs_docx, FAILS, "document type declarations"),
    ("laughs-utf16.docx", hostile.laughs_utf16_docx, FAILS, "billion laughs"),
    ("xxe.pptx", hostile.xxe_pptx, FAILS, "document type declarations (ppt/slides/slide1.xml)"),
    ("macro.docx", hostile.macro_docx, FAILS, "not a plain Word file (.docx): it may be macro-enabled"),
    ("zip-bomb.docx", samples.zip_bomb_docx, FAILS, "looks like a zip bomb"),
    ("crowded.docx", hostile.many_entries_docx, FAILS, "holds 10,018 parts; at most 10,000 are accepted"),
    ("corrupt.docx", hostile.corrupt_deflate_docx, FAILS, "cannot be unpacked"),
    ("no-types.docx", lambda: hostile.drop_part(hostile.docx(), "[Content_Types].xml"), FAILS, "parts every .docx"),
    ("no-slide.pptx", lambda: hostile.drop_part(samples.pptx([("A", "B")]), "ppt/slides/slide1.xml"), FAILS, "missing"),
    ("zip-password.docx", hostile.password_zip_docx, FAILS, "password-protected"),
    ("cut.docx", lambda: hostile.truncated(hostile.docx()), REFUSED, "its end is missing"),
    ("cut.pptx", lambda: hostile.truncated(samples.pptx([("A", "B")])), REFUSED, "its end is missing"),
    ("locked.docx", hostile.encrypted_docx, REFUSED, "password-protected Office document"),
    ("old.doc", hostile.old_doc, REFUSED, "old Word 97-2003 file (.doc)"),
    ("old.ppt", lambda: hostile.ole(["PowerPoint Document"]), REFUSED, "save it as .pptx"),
    ("cut.pdf", lambda: hostile.truncated(files.pdf(["Some text."])), FAILS, "incomplete"),
    ("damaged.pdf", hostile.damaged_pdf, FAILS, "The PDF could not be read: it is damaged"),
    ("locked.pdf", lambda: files.encrypted_pdf("secret"), FAILS, "encrypted"),
    ("locked-aes.pdf", lambda: hostile.aes_pdf(user_password="secret"), FAILS, "encrypted"),
    ("bomb.pdf", hostile.pdf_bomb, FAILS, "decompression bomb"),
    ("nested.html", hostile.nested_html, FAILS, "more than 255 levels deep"),
    ("laughs.xhtml", hostile.laughs_xhtml, FAILS, "declares XML entities of its own"),
    ("scripts.html", hostile.script_only_html, FAILS, "No text was found"),
    ("drawing.svg", lambda: hostile.SVG, REFUSED, "SVG drawings are not accepted"),
    ("drawing.txt", lambda: hostile.SVG, REFUSED, "SVG drawings are not accepted"),
    ("drawing.html", lambda: hostile.SVG, REFUSED, "SVG drawings are not accepted"),
    ("cut.png", lambda: hostile.truncated(samples.text_image(["Hello"])), FAILS, "The image is incomplete"),
    ("cut.jpg", lambda: hostile.truncated(samples.text_image(["Hello"], fmt="JPEG")), FAILS, "incomplete"),
    ("broken.png", hostile.broken_png, FAILS, "The image is damaged"),
    ("bomb.png", samples.png_bomb, FAILS, "too large to process"),
    ("junk.bin", samples.junk, REFUSED, "not a supported format"),
]


def upload(client, name, data):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post("/api/documents/", {"file": SimpleUploadedFile(name, data)}, format="multipart")


@pytest.fixture(autouse=True)
def _no_vision_provider(settings):
    """Images here must fail on their own damage, before any description is asked for."""
    settings.VISION_PROVIDER = "none"


@pytest.mark.parametrize(("name", "make", "stage", "reason"), CASES, ids=[c[0] for c in CASES])
def test_hostile_file_gets_a_reason_a_person_can_act_on(alice_api, name, make, stage, reason, alice):
    response = upload(alice_api, name, make())
    if stage == REFUSED:
        assert response.status_code == 400, response.content
        message = response.json()["error"]["message"]
        assert not Document.objects.exists()
    else:
        assert response.status_code == 201, response.content
        document_id = response.json()["id"]
        services.document_ingest(document_id=document_id)
        body = alice_api.get(f"/api/documents/{document_id}/").json()
        assert body["status"] == "failed"
        assert body["chunk_count"] == 0
        assert index.live(alice.pk).stored_ids(where={"document_id": document_id}) == set()
        message = body["error"]
    assert reason in message
    leaked = [fragment for fragment in INTERNALS if fragment in message]
    assert not leaked, f"{message!r} shows {leaked}"


def test_xxe_never_reads_the_file_it_names(alice_api):
    """Even if the DOCTYPE scan were gone, the reader resolves no entities: /etc/passwd never gets in."""
    from documents.formats import package

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(package, "_declares_dtd", lambda archive, entry: False)
        response = upload(alice_api, "xxe.docx", hostile.xxe_docx())
        document_id = response.json()["id"]
        services.document_ingest(document_id=document_id)
    document = Document.objects.get(pk=document_id)
    assert "root:" not in " ".join(c.text for c in document.chunks.all())
    assert "root:" not in document.error


def test_pdf_that_anyone_may_open_is_read_despite_its_encryption(alice_api):
    """AES with an empty user password only restricts permissions: the text is there for every reader."""
    response = upload(alice_api, "permissions.pdf", hostile.aes_pdf(user_password=""))
    document = services.document_ingest(document_id=response.json()["id"])
    assert document.status == "ready", document.error
    assert "forty pear trees" in document.chunks.get().text


@pytest.mark.parametrize(
    ("name", "kept"),
    [
        ("a" * 300 + ".txt", ".txt"),
        ("é" * 300 + ".md", ".md"),
        ("report." + "x" * 300, "x"),  # an "extension" that long is part of the name
    ],
)
def test_a_long_name_keeps_its_extension(alice_api, name, kept):
    response = upload(alice_api, name, b"# Heading\n\nWords worth keeping.")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["title"].endswith(kept)
    assert len(body["title"]) <= 255
    document = Document.objects.get(pk=body["id"])
    stored = document.file.name.rsplit("/", 1)[-1]
    assert stored.endswith(kept)
    assert len(stored.encode()) <= 200
    assert document.original_name == body["title"]
    assert services.document_ingest(document_id=document.pk).status == "ready"
