"""Chunking keeps passages bounded, overlapping, ordered and on their pages."""

import itertools

from documents.chunking import chunk_pages
from documents.extract import Page


def test_short_page_is_one_passage_on_its_page():
    passages = chunk_pages([Page(3, "Hello world.")], size=200, overlap=20)
    assert [(p.index, p.text, p.page) for p in passages] == [(0, "Hello world.", 3)]


def test_long_text_is_split_within_size_with_overlap():
    sentences = [f"Sentence number {i} talks about topic {i}." for i in range(60)]
    passages = chunk_pages([Page(None, " ".join(sentences))], size=200, overlap=60)
    assert len(passages) > 5
    assert all(len(p.text) <= 200 for p in passages)
    assert [p.index for p in passages] == list(range(len(passages)))
    # consecutive passages share text (the overlap)
    for first, second in itertools.pairwise(passages):
        assert first.text.split(". ")[-1].rstrip(".") in second.text
    # nothing lost
    joined = " ".join(p.text for p in passages)
    assert all(s in joined for s in sentences)


def test_pages_never_share_a_passage():
    passages = chunk_pages([Page(1, "First page."), Page(2, "Second page.")], size=500, overlap=50)
    assert [(p.text, p.page) for p in passages] == [("First page.", 1), ("Second page.", 2)]


def test_blank_pages_give_no_passages():
    assert chunk_pages([Page(1, "  \n\n  "), Page(2, "")], size=100, overlap=10) == []


def test_a_word_longer_than_size_is_cut():
    passages = chunk_pages([Page(None, "x" * 250)], size=100, overlap=10)
    assert [len(p.text) for p in passages] == [100, 100, 50]


def test_same_input_same_passages():
    pages = [Page(1, "Alpha beta. " * 100)]
    assert chunk_pages(pages, size=120, overlap=30) == chunk_pages(pages, size=120, overlap=30)
