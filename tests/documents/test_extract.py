"""Extraction: PDFs per page, text in any common encoding, clear errors for bad files."""

import pytest

from documents.extract import ExtractionError, decode_text, extract, kind_for
from tests import files


def test_pdf_text_is_extracted_per_page():
    pages = extract(files.pdf(["The first page mentions apples.", "The second page mentions pears."]), "pdf")
    assert [p.number for p in pages] == [1, 2]
    assert "apples" in pages[0].text
    assert "pears" in pages[1].text


def test_encrypted_pdf_is_refused_clearly():
    with pytest.raises(ExtractionError, match="encrypted"):
        extract(files.encrypted_pdf("secret"), "pdf")


def test_corrupt_pdf_is_refused_clearly():
    with pytest.raises(ExtractionError, match="PDF could not be read"):
        extract(b"%PDF-1.7\n" + b"\x00garbage" * 50, "pdf")


def test_text_in_latin1_is_decoded():
    assert "café" in decode_text("Un café très chaud, s'il vous plaît.".encode("latin-1"))


def test_utf8_bom_is_dropped():
    assert decode_text("\ufeffhello".encode()) == "hello"


@pytest.mark.parametrize(
    ("name", "head", "kind"),
    [("a.pdf", b"%PDF-1.4", "pdf"), ("notes.TXT", b"hello", "text"), ("readme.md", b"# Title", "markdown")],
)
def test_kind_is_known_from_name_and_content(name, head, kind):
    assert kind_for(name, head) == kind


@pytest.mark.parametrize(
    ("name", "head", "message"),
    [
        ("fake.pdf", b"hello, I am text", "not a PDF"),
        ("image.png", b"\x89PNG", "Unsupported file type"),
        ("noext", b"hello", "no extension"),
        ("binary.txt", b"\x00\x01\x02", "binary"),
        ("pdf.txt", b"%PDF-1.4", "binary"),
    ],
)
def test_mismatched_or_unsupported_files_are_refused(name, head, message):
    with pytest.raises(ExtractionError, match=message):
        kind_for(name, head)
