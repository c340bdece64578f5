"""An answer's HTML: unsupported sentences marked in words, supported ones linked to their passage, quotes labelled."""

from rag_app.qa import answer_html
from rag_app.qa.models import Answer

CITATION = {"n": 1, "document_id": 7, "chunk_id": "7:0", "text": "The crossing takes 35 minutes.", "cited": True}


def answer(path: str, sentences: list[dict[str, object]], **fields: str) -> Answer:
    return Answer(text="", sentences=sentences, citations=[CITATION], checks={"verification": {"path": path}}, **fields)


def test_checked_sentences_are_linked_or_flagged_and_escaped():
    html = answer_html.render(
        answer(
            "generated",
            [
                {"text": "The crossing takes 35 minutes.", "citations": [1], "supported": True, "score": 1.0},
                {"text": "It costs <b>9</b> euros.", "citations": [], "supported": False, "score": 0.2},
            ],
        )
    )
    assert (
        '<span class="sentence supported">The crossing takes 35 minutes. '
        '<a class="sentence-cite" href="/documents/7/#chunk-7:0" aria-label="source 1">[1]</a></span>'
    ) in html
    assert (
        '<span class="sentence unsupported">It costs &lt;b&gt;9&lt;/b&gt; euros.'
        '<span class="unsupported-flag"> (not found in your sources)</span></span>'
    ) in html


def test_a_quoted_answer_is_labelled_and_keeps_the_models_text_behind_a_disclosure():
    html = answer_html.render(
        answer(
            "quoted",
            [{"text": "The crossing takes 35 minutes.", "citations": [1], "supported": True, "score": 0.8}],
            model_text="It takes **3 hours**.",
        )
    )
    assert html.startswith(
        '<p class="quoted-label"><strong>Your documents say:</strong></p><blockquote class="quoted">'
    )
    assert "\u201cThe crossing takes 35 minutes.\u201d" in html
    assert '<details class="model-text"><summary>' in html
    assert "<strong>3 hours</strong>" in html  # the model's text is Markdown, rendered and sanitised


def test_an_unverified_answer_is_rendered_as_markdown():
    html = answer_html.render(Answer(text="It is **big** [1].", citations=[CITATION], checks={}))
    assert "<strong>big</strong>" in html
    assert "sentence" not in html
