"""Hostile and broken files, made in code: XXE, entity bombs, zip bombs, truncation, encryption, SVG, nesting."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject, StreamObject

from tests import files
from tests.documents import samples

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
# Nine levels of ten references each: 10^9 "ha"s from a few hundred bytes.
LAUGHS_DTD = '<!ENTITY a "ha">' + "".join(
    f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9)
)
XXE_DTD = '<!ENTITY x SYSTEM "file:///etc/passwd">'


def replace_part(package: bytes, name: str, content: bytes) -> bytes:
    """The same ZIP package with one part's bytes replaced."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item, content if item.filename == name else src.read(item.filename))
    return out.getvalue()


def drop_part(package: bytes, name: str) -> bytes:
    """The same ZIP package without one part."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            if item.filename != name:
                dst.writestr(item, src.read(item.filename))
    return out.getvalue()


def _word_xml(dtd: str, text: str, encoding: str = "utf-8") -> bytes:
    xml = (
        f'<?xml version="1.0" encoding="{encoding.upper()}"?><!DOCTYPE d [{dtd}]><w:document xmlns:w="{W_NS}">'
        f"<w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>"
    )
    return xml.encode(encoding)


def docx() -> bytes:
    return samples.docx([("p", "An ordinary paragraph.")])


def xxe_docx() -> bytes:
    """word/document.xml declares an external entity that names /etc/passwd."""
    return replace_part(docx(), "word/document.xml", _word_xml(XXE_DTD, "&x;"))


def xxe_content_types_docx() -> bytes:
    """The external entity sits in [Content_Types].xml, where it sets the main part's content type."""
    with zipfile.ZipFile(io.BytesIO(docx())) as package:
        types = package.read("[Content_Types].xml").decode()
    prolog, body = types.split("?>", 1)
    body = body.replace("application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml", "&x;")
    return replace_part(docx(), "[Content_Types].xml", f"{prolog}?><!DOCTYPE Types [{XXE_DTD}]>{body}".encode())


def laughs_docx() -> bytes:
    """The billion laughs in word/document.xml."""
    return replace_part(docx(), "word/document.xml", _word_xml(LAUGHS_DTD, "&j;"))


def laughs_utf16_docx() -> bytes:
    """The billion laughs in UTF-16, past the byte scan for a DOCTYPE: the parser's own limit must stop it."""
    return replace_part(docx(), "word/document.xml", _word_xml(LAUGHS_DTD, "&j;", encoding="utf-16"))


def xxe_pptx() -> bytes:
    deck = samples.pptx([("Title", "Body")])
    with zipfile.ZipFile(io.BytesIO(deck)) as package:
        slide = package.read("ppt/slides/slide1.xml").decode()
    prolog, body = slide.split("?>", 1)
    return replace_part(deck, "ppt/slides/slide1.xml", f"{prolog}?><!DOCTYPE s [{XXE_DTD}]>{body}".encode())


def macro_docx() -> bytes:
    """A macro-enabled Word file (.docm) named .docx."""
    with zipfile.ZipFile(io.BytesIO(docx())) as package:
        types = package.read("[Content_Types].xml").decode()
    types = types.replace(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        "application/vnd.ms-word.document.macroEnabled.main+xml",
    )
    return replace_part(docx(), "[Content_Types].xml", types.encode())


def corrupt_deflate_docx() -> bytes:
    """The compressed bytes of word/document.xml flipped: the archive opens, the part does not inflate."""
    data = bytearray(docx())
    start = data.find(b"word/document.xml") + len("word/document.xml")
    for i in range(start + 10, start + 200):
        data[i] ^= 0x55
    return bytes(data)


def password_zip_docx() -> bytes:
    """A DOCX whose parts are marked encrypted (ZIP's own password protection)."""
    data = bytearray(docx())
    for signature, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(signature)
        while at != -1:
            data[at + flag_at] |= 0x1
            at = data.find(signature, at + 4)
    return bytes(data)


def many_entries_docx(entries: int = 10_001) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx())) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item.filename))
        for i in range(entries):
            dst.writestr(f"customXml/item{i}.bin", b"")
    return out.getvalue()


def truncated(data: bytes) -> bytes:
    """The first half of a file, as a cut-short download leaves it."""
    return data[: len(data) // 2]


def ole(streams: list[str]) -> bytes:
    """A minimal OLE compound file (Office 97-2003 and encrypted Office files) holding empty streams."""
    end, free, fat_sector = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        b"\0" * 16,
        0x3E,  # minor version
        3,  # major version: 512-byte sectors
        0xFFFE,  # byte order
        9,  # sector shift
        6,  # mini sector shift
        b"\0" * 6,
        0,  # directory sectors (0 for version 3)
        1,  # FAT sectors
        1,  # first directory sector
        0,  # transaction signature
        4096,  # mini stream cutoff
        end,  # first mini FAT sector
        0,  # mini FAT sectors
        end,  # first DIFAT sector
        0,  # DIFAT sectors
    )
    header += struct.pack("<109I", 0, *([free] * 108))
    fat = struct.pack("<128I", fat_sector, end, *([free] * 126))

    def entry(name: str, kind: int, child: int = free, right: int = free) -> bytes:
        encoded = (name + "\0").encode("utf-16-le")
        return struct.pack(
            "<64sHBBIII16sIQQIQ", encoded, len(encoded), kind, 1, free, right, child, b"\0" * 16, 0, 0, 0, end, 0
        )

    names = ["Root Entry", *streams]
    directory = entry("Root Entry", 5, child=1 if streams else free)
    for i, name in enumerate(streams, start=1):
        directory += entry(name, 2, right=i + 1 if i < len(streams) else free)
    directory += b"\0" * (128 * (4 - len(names) % 4 if len(names) % 4 else 0))
    return header + fat + directory


def encrypted_docx() -> bytes:
    """What Word writes for a password-protected document: an OLE file with the encrypted package inside."""
    return ole(["EncryptionInfo", "EncryptedPackage"])


def old_doc() -> bytes:
    return ole(["WordDocument", "1Table"])


def damaged_pdf() -> bytes:
    """A PDF with its end intact (%%EOF) and garbage where its objects should be."""
    return b"%PDF-1.7\n" + samples.junk(3000) + b"\nstartxref\n12\n%%EOF\n"


def aes_pdf(*, user_password: str) -> bytes:
    """A PDF encrypted with AES-256; with an empty user password anyone may open it (permissions only)."""
    from pypdf import PdfReader

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(files.pdf(["The orchard has forty pear trees."]))))
    writer.encrypt(user_password=user_password, owner_password="owner-secret", algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_bomb(unpacked_mb: int = 200) -> bytes:
    """A page whose content stream inflates from a few hundred kB to unpacked_mb."""
    writer = PdfWriter()
    page = writer.add_blank_page(200, 200)
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    fonts = DictionaryObject({NameObject("/F1"): writer._add_object(font)})
    page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): fonts})
    packer = zlib.compressobj(9)
    parts = [packer.compress(b"BT /F1 12 Tf 10 10 Td (Hello) Tj ET\n")]
    block = b" " * 1024 * 1024
    parts += [packer.compress(block) for _ in range(unpacked_mb)]
    parts.append(packer.flush())
    stream = StreamObject()
    stream._data = b"".join(parts)
    stream[NameObject("/Filter")] = NameObject("/FlateDecode")
    page[NameObject("/Contents")] = writer._add_object(stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def nested_html(depth: int = 5000) -> bytes:
    return (
        b"<!DOCTYPE html><html><body>" + b"<div>" * depth + b"<p>Deep text.</p>" + b"</div>" * depth + b"</body></html>"
    )


def laughs_xhtml() -> bytes:
    return (
        f'<?xml version="1.0"?><!DOCTYPE html [{LAUGHS_DTD}]><html xmlns="http://www.w3.org/1999/xhtml">'
        "<head><title>Laughs</title></head><body><p>&j;</p></body></html>"
    ).encode()


def script_only_html() -> bytes:
    return b"<!DOCTYPE html><html><head><script>alert(1)</script></head><body><script>x()</script></body></html>"


SVG = (
    b'<?xml version="1.0"?>\n<!-- a drawing -->\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b'<script>alert("svg")</script><text x="0" y="5">Hello</text></svg>'
)


def broken_png() -> bytes:
    """A PNG signature and header with nothing a decoder can use after it."""
    return samples.text_image(["x"])[:40]
