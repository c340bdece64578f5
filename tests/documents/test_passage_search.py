"""The documents page searches the passages' text, not only titles: ?q=sediment finds what contains it."""

import pytest

from documents.models import Chunk
from documents.search import snippet
from tests.browser.conftest import make_document

pytestmark = pytest.mark.django_db


@pytest.fixture
def lake(alice):
    document = make_document(alice, "survey.txt", status="ready", chunk_count=2)
    Chunk.objects.create(document=document, index=0, text="Herons fished by the reeds.", page=1)
    Chunk.objects.create(
        document=document, index=1, text="The cores show fine sediments <b>layered</b> over clay.", page=2
    )
    return document


def test_a_word_inside_a_passage_finds_its_document_with_the_passage_marked(alice_client, lake, bob):
    make_document(bob, "other.txt", status="ready")  # bob's passages are never searched for alice
    other = Chunk.objects.create(document=make_document(bob, "bob.txt"), index=0, text="sediment everywhere")
    page = alice_client.get("/documents/?q=sediment").content.decode()
    assert "survey.txt" in page
    assert "bob.txt" not in page
    assert f'href="/documents/{lake.pk}/#chunk-{lake.pk}:1">Page 2' in page
    assert "fine <mark>sediments</mark> &lt;b&gt;layered&lt;/b&gt; over clay." in page  # stemmed, escaped
    assert other.text not in page


def test_titles_still_match_and_words_found_nowhere_find_nothing(alice_client, lake):
    assert "survey.txt" in alice_client.get("/documents/?q=surv").content.decode()
    page = alice_client.get("/documents/?q=volcano").content.decode()
    assert "survey.txt" not in page
    assert "No documents match" in page


def test_snippet_centres_on_the_first_word_and_escapes():
    text = "x " * 200 + "the sediment <script> here" + " y" * 200
    said = snippet(text, "sediment")
    assert said.startswith("…")
    assert said.endswith("…")
    assert "<mark>sediment</mark> &lt;script&gt; here" in said
