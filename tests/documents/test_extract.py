"""Extraction: every format by content, page/slide numbers and headings kept, bad files refused clearly."""

import io

import pytest

from documents.extract import ExtractionError, decode_text, detect, extract
from documents.formats.image import NO_VISION
from tests import files
from tests.documents import samples


def kind_of(name, data):
    return detect(name, io.BytesIO(data)).kind


def test_pdf_text_is_extracted_per_page():
    pages = extract(files.pdf(["The first page mentions apples.", "The second page mentions pears."]), "pdf").pages
    assert [p.number for p in pages] == [1, 2]
    assert "apples" in pages[0].text
    assert "pears" in pages[1].text
    assert not any(p.generated_by for p in pages)


def test_pdf_pages_without_text_are_read_by_ocr():
    pages = extract(samples.mixed_pdf("Typed text on page one.", ["Scanned words on page two"]), "pdf").pages
    assert [p.number for p in pages] == [1, 2]
    assert pages[0].generated_by == ""
    assert pages[1].generated_by.startswith("tesseract")
    assert "Scanned words" in pages[1].text


def test_encrypted_pdf_is_refused_clearly():
    with pytest.raises(ExtractionError, match="encrypted"):
        extract(files.encrypted_pdf("secret"), "pdf")


def test_corrupt_pdf_is_refused_clearly():
    with pytest.raises(ExtractionError, match="PDF could not be read"):
        extract(b"%PDF-1.7\n" + b"\x00garbage" * 50, "pdf")


def test_docx_keeps_headings_and_numbers_pages_at_page_breaks():
    data = samples.docx([("h1", "Budget"), ("p", "The budget is 4 million."), ("break", ""), ("h2", "Timeline")])
    pages = extract(data, "docx").pages
    assert [p.number for p in pages] == [1, 2]
    assert pages[0].text.startswith("# Budget")
    assert "## Timeline" in pages[1].text
    assert all(p.marked_headings for p in pages)


def test_docx_without_page_breaks_has_no_page_numbers():
    pages = extract(samples.docx([("p", "Just one paragraph.")]), "docx").pages
    assert [(p.number, p.text) for p in pages] == [(None, "Just one paragraph.")]


def test_pptx_gives_one_page_per_slide_titled_with_notes():
    data = samples.pptx([("Intro", "Hello there"), ("Results", "Revenue grew 20%")], notes={2: "Mention the drop"})
    pages = extract(data, "pptx").pages
    assert [(p.number, p.heading) for p in pages] == [(1, "Intro"), (2, "Results")]
    assert "Revenue grew 20%" in pages[1].text
    assert "Mention the drop" in pages[1].text


def test_html_keeps_the_article_and_drops_menus_scripts_and_styles():
    body = (
        "<h1>Heron bridge</h1><p>The heron bridge crosses the river and opens in 2027; it cost four million "
        "euros and took a team of thirty people three years to build.</p><p>Herons fish under it.</p>"
    )
    data = samples.html("Heron news", body, ["Home", "Pricing", "Contact"], script="alert('pwned')")
    (page,) = extract(data, "html").pages
    assert page.heading == "Heron news"
    assert "# Heron bridge" in page.text
    assert "Herons fish under it." in page.text
    for absent in ("Pricing", "Contact", "pwned", "alert", "color", "Site banner", "cookie"):
        assert absent not in page.text


@pytest.fixture(autouse=True)
def _no_vision_provider(settings):
    """Extraction alone: captions through a real vision role are tested in test_images.py."""
    settings.VISION_PROVIDER = "none"


@pytest.mark.django_db  # the vision role's configuration lives in the database
def test_image_gets_ocr_text_marked_as_machine_generated():
    extracted = extract(samples.text_image(["Invoice 12345", "Total due 99 EUR"]), "image")
    (page,) = extracted.pages  # no vision model configured here: OCR alone is enough
    assert "Invoice 12345" in page.text
    assert page.generated_by.startswith("tesseract")
    assert extracted.warnings == [f"No image description: {NO_VISION}."]


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["JPEG", "WEBP"])
def test_jpeg_and_webp_are_read(fmt):
    (page,) = extract(samples.text_image(["Hello images"], fmt=fmt), "image").pages
    assert "Hello" in page.text


def test_decompression_bomb_image_is_refused_before_decoding():
    with pytest.raises(ExtractionError, match="too large"):
        extract(samples.png_bomb(), "image")


def test_image_over_the_pixel_limit_is_refused(settings):
    settings.IMAGE_MAX_PIXELS = 1000
    with pytest.raises(ExtractionError, match=r"1000 x 400 pixels"):
        extract(samples.text_image(["x"]), "image")


def test_docx_zip_bomb_is_refused():
    with pytest.raises(ExtractionError, match="zip bomb"):
        extract(samples.zip_bomb_docx(), "docx")


def test_archive_unpacking_past_the_limit_is_refused(settings):
    settings.MAX_UNPACKED_MB = 1
    with pytest.raises(ExtractionError, match="limit 1 MB"):
        extract(samples.zip_bomb_docx(unpacked_mb=2), "docx")


@pytest.mark.parametrize(
    "text", ["Un café très chaud, s'il vous plaît.", "Crème brûlée, café au lait.", "Grüße aus Köln, schöne Straße"]
)
def test_text_in_latin1_is_decoded(text):
    assert decode_text(text.encode("latin-1")) == text


def test_text_in_utf16_is_decoded():
    assert decode_text("Grüße aus Köln".encode("utf-16")) == "Grüße aus Köln"


def test_utf8_bom_is_dropped():
    assert decode_text("\ufeffhello".encode()) == "hello"


def test_markdown_marks_headings():
    (page,) = extract(b"# Title\n\nBody", "markdown").pages
    assert page.marked_headings


@pytest.mark.parametrize(
    ("name", "data", "kind"),
    [
        ("a.pdf", files.pdf(["x"]), "pdf"),
        ("report", files.pdf(["x"]), "pdf"),  # content decides, not the name
        ("notes.TXT", b"hello", "text"),
        ("readme.md", b"# Title", "markdown"),
        ("page.htm", b"<!doctype html><html><body>x</body></html>", "html"),
        ("saved-page", b"  <html><body>x</body></html>", "html"),
        ("letter.docx", samples.docx([("p", "x")]), "docx"),
        ("deck.pptx", samples.pptx([("t", "b")]), "pptx"),
        ("photo.jpg", samples.picture("JPEG"), "image"),
        ("photo.jpeg", samples.picture("PNG"), "image"),  # any image name for any image format
        ("scan.webp", samples.picture("WEBP"), "image"),
        ("latin.txt", "café".encode("latin-1"), "text"),
    ],
)
def test_kind_is_known_from_content(name, data, kind):
    assert kind_of(name, data) == kind


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("fake.pdf", b"hello, I am text", "named .pdf but it is not a PDF: its content is text"),
        ("image.png", b"plain words", "named .png but it is not an image: its content is text"),
        ("report.docx", files.pdf(["x"]), "named .docx but it is not a Word document: its content is a PDF"),
        ("pdf.txt", files.pdf(["x"]), "named .txt but it is not text: its content is a PDF"),
        ("binary.txt", b"\x00\x01\x02" * 100, "not a supported format"),
        ("junk.bin", samples.junk(), "not a supported format"),
        ("archive.docx", b"PK\x03\x04" + b"\x00" * 100, "its end is missing"),
    ],
)
def test_mismatched_or_unsupported_files_are_refused(name, data, message):
    with pytest.raises(ExtractionError, match=message):
        kind_of(name, data)


def test_plain_zip_is_not_taken_for_an_office_file():
    out = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(ExtractionError, match="not a Word or PowerPoint"):
        kind_of("files.zip", out.getvalue())
