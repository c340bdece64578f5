"""PDFium is not thread-safe: renders from many threads at once (web and worker threads) take turns, and succeed."""

from concurrent.futures import ThreadPoolExecutor

import pytest

from documents import pdfium
from tests import files

PDF = files.pdf([f"Page number {n}." for n in range(1, 9)])


def _size(number: int) -> tuple[int, int]:
    width, height = pdfium.render_page(PDF, number, lambda w, h: 1.0).size
    return int(width), int(height)


def test_pages_rendered_from_eight_threads_at_once_all_come_back():
    # Without the lock this crashes the interpreter (a segfault in PDFium), as it did under live_server.
    with ThreadPoolExecutor(max_workers=8) as pool:
        sizes = list(pool.map(_size, [n for n in range(1, 9) for _ in range(4)]))
    assert len(sizes) == 32
    assert set(sizes) == {_size(1)}
    assert sizes[0][0] > 100


def test_a_missing_page_and_an_unreadable_file_are_told_apart():
    with pytest.raises(pdfium.PageMissing, match="no page 9"):
        pdfium.render_page(PDF, 9, lambda w, h: 1.0)
    with pytest.raises(pdfium.RenderError):
        pdfium.render_page(b"%PDF-1.4 not really", 1, lambda w, h: 1.0)
