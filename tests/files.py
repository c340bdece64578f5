"""Files the tests make: real PDFs (fpdf2), text, and broken ones."""

from __future__ import annotations

from fpdf import FPDF


def pdf(pages: list[str]) -> bytes:
    """A real PDF with one page per string."""
    doc = FPDF()
    doc.set_font("Helvetica", size=12)
    for text in pages:
        doc.add_page()
        doc.multi_cell(0, 8, text)
    return bytes(doc.output())


def encrypted_pdf(text: str) -> bytes:
    """A PDF protected by a user password."""
    doc = FPDF()
    doc.set_encryption(owner_password="owner", user_password="secret")
    doc.set_font("Helvetica", size=12)
    doc.add_page()
    doc.multi_cell(0, 8, text)
    return bytes(doc.output())
