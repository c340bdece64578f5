"""Files the document tests make themselves: DOCX, PPTX, HTML, images with text, bombs, junk."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont


def docx(blocks: list[tuple[str, str]]) -> bytes:
    """A Word file from (style, text) pairs: style is 'h1'..'h3', 'p', or 'break' (a page break)."""
    import docx as python_docx

    document = python_docx.Document()
    for style, text in blocks:
        if style == "break":
            document.add_page_break()
        elif style.startswith("h"):
            document.add_heading(text, level=int(style[1:]))
        else:
            document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def pptx(slides: list[tuple[str, str]], notes: dict[int, str] | None = None) -> bytes:
    """A PowerPoint deck: one (title, body) per slide; notes by slide number."""
    import pptx as python_pptx

    deck = python_pptx.Presentation()
    layout = deck.slide_layouts[1]  # title and content
    for number, (title, body) in enumerate(slides, start=1):
        slide = deck.slides.add_slide(layout)
        slide.shapes.title.text = title
        slide.placeholders[1].text = body
        if notes and number in notes:
            slide.notes_slide.notes_text_frame.text = notes[number]
    out = io.BytesIO()
    deck.save(out)
    return out.getvalue()


def text_image(lines: list[str], fmt: str = "PNG", size: tuple[int, int] = (1000, 400)) -> bytes:
    """Black text on white, large enough for OCR."""
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=48)
    for i, line in enumerate(lines):
        draw.text((40, 40 + i * 80), line, fill="black", font=font)
    out = io.BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()


def picture(fmt: str = "PNG") -> bytes:
    """An image with shapes and no text."""
    image = Image.new("RGB", (400, 300), (30, 120, 200))
    draw = ImageDraw.Draw(image)
    draw.ellipse((100, 60, 300, 240), fill=(250, 200, 0))
    out = io.BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()


def scanned_pdf(pages: list[list[str]]) -> bytes:
    """A PDF whose pages are images of text (no text layer), as a scanner makes them."""
    doc = FPDF()
    for lines in pages:
        doc.add_page()
        doc.image(io.BytesIO(text_image(lines, size=(1400, 500))), x=10, y=10, w=190)
    return bytes(doc.output())


def mixed_pdf(text_page: str, scanned_lines: list[str]) -> bytes:
    """Page 1 has a text layer, page 2 is a scanned image."""
    doc = FPDF()
    doc.set_font("Helvetica", size=12)
    doc.add_page()
    doc.multi_cell(0, 8, text_page)
    doc.add_page()
    doc.image(io.BytesIO(text_image(scanned_lines, size=(1400, 500))), x=10, y=10, w=190)
    return bytes(doc.output())


def html(title: str, body: str, menu: list[str], script: str = "") -> bytes:
    """A web page with a navigation menu, a footer, a script and a style around its article."""
    links = "".join(f'<li><a href="/{m.lower()}">{m}</a></li>' for m in menu)
    return f"""<!DOCTYPE html>
<html><head><title>{title}</title><style>body {{ color: red; }}</style>
<script>{script}</script></head>
<body>
<nav><ul>{links}</ul></nav>
<header><p>Site banner with a slogan that is not content.</p></header>
<main><article>{body}</article></main>
<footer><p>Copyright footer, privacy policy and cookie settings.</p></footer>
<script>document.write("{script}")</script>
</body></html>""".encode()


def zip_bomb_docx(unpacked_mb: int = 64) -> bytes:
    """A real DOCX plus one part that inflates from a few kB to unpacked_mb of zeros."""
    base = docx([("p", "Innocent looking document.")])
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        for item in source.infolist():
            bomb.writestr(item, source.read(item.filename))
        with bomb.open("word/media/bomb.bin", "w", force_zip64=True) as part:
            block = b"\0" * (1024 * 1024)
            for _ in range(unpacked_mb):
                part.write(block)
    return out.getvalue()


def png_bomb(width: int = 60000, height: int = 60000) -> bytes:
    """A tiny PNG whose header claims width x height pixels (a decompression bomb)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    rows = zlib.compress(b"\0" * (1 + (width + 7) // 8) * 64)  # only a few rows: the header is the lie
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")


def junk(size: int = 4096) -> bytes:
    """Deterministic binary junk with no recognisable format."""
    state = 12345
    out = bytearray()
    for _ in range(size):
        state = (1103515245 * state + 12345) & 0x7FFFFFFF
        out.append(state >> 16 & 0xFF)
    return bytes(out)
