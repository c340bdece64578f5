"""Chunking keeps passages within a token budget, overlapping, ordered, on their pages, under their headings."""

import itertools

from documents.chunking import chunk_pages, count_tokens
from documents.extract import Page


def test_short_page_is_one_passage_on_its_page():
    passages = chunk_pages([Page(3, "Hello world.")], size=50, overlap=5)
    assert [(p.index, p.text, p.page) for p in passages] == [(0, "Hello world.", 3)]


def test_tokens_are_words_and_punctuation_with_long_words_counting_more():
    assert count_tokens("Hello, world.") == 4
    assert count_tokens("internationalisation") > 1


def test_long_text_is_split_within_size_with_overlap():
    sentences = [f"Sentence number {i} talks about topic {i}." for i in range(60)]
    passages = chunk_pages([Page(None, " ".join(sentences))], size=40, overlap=12)
    assert len(passages) > 5
    assert all(count_tokens(p.text) <= 40 for p in passages)
    assert [p.index for p in passages] == list(range(len(passages)))
    for first, second in itertools.pairwise(passages):  # consecutive passages share a sentence
        assert first.text.split(". ")[-1].rstrip(".") in second.text
    joined = " ".join(p.text for p in passages)
    assert all(s in joined for s in sentences)


def test_overlap_zero_repeats_nothing():
    sentences = [f"Sentence {i} is here." for i in range(30)]
    passages = chunk_pages([Page(None, " ".join(sentences))], size=20, overlap=0)
    assert sum(p.text.count("Sentence") for p in passages) == 30


def test_pages_never_share_a_passage():
    passages = chunk_pages([Page(1, "First page."), Page(2, "Second page.")], size=100, overlap=10)
    assert [(p.text, p.page) for p in passages] == [("First page.", 1), ("Second page.", 2)]


def test_blank_pages_give_no_passages():
    assert chunk_pages([Page(1, "  \n\n  "), Page(2, "")], size=100, overlap=10) == []


def test_a_word_longer_than_size_is_cut():
    passages = chunk_pages([Page(None, "x" * 800)], size=20, overlap=2)
    assert "".join(p.text for p in passages) == "x" * 800
    assert all(count_tokens(p.text) <= 20 for p in passages)


def test_nearest_heading_is_kept_and_carried_across_pages():
    pages = [
        Page(1, "# Budget\n\nThe budget is large.\n\n## Risks\nFloods may delay it.", marked_headings=True),
        Page(2, "More about floods.", marked_headings=True),
        Page(3, "Slide text.", heading="Slide title"),
    ]
    passages = chunk_pages(pages, size=8, overlap=0)
    by_text = {p.text: (p.page, p.heading) for p in passages}
    assert by_text["# Budget\nThe budget is large."] == (1, "Budget")
    assert by_text["## Risks\nFloods may delay it."] == (1, "Risks")
    assert by_text["More about floods."] == (2, "Risks")
    assert by_text["Slide text."] == (3, "Slide title")


def test_hash_lines_are_not_headings_in_plain_text():
    (passage,) = chunk_pages([Page(None, "# not a heading\n\nbody")], size=50, overlap=0)
    assert passage.heading == ""


def test_machine_generated_pages_keep_their_maker():
    (passage,) = chunk_pages([Page(None, "Invoice 42", generated_by="tesseract 5.3.0")], size=50, overlap=0)
    assert passage.generated_by == "tesseract 5.3.0"


def test_same_input_same_passages():
    pages = [Page(1, "Alpha beta. " * 100)]
    assert chunk_pages(pages, size=30, overlap=8) == chunk_pages(pages, size=30, overlap=8)
