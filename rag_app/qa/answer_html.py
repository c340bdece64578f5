"""An answer as HTML: verified sentences marked and linked to their passage, quotes labelled, text as Markdown.

No script is needed: supported sentences link to their passage, unsupported ones say so in words
(not only by colour), and the model's own text behind a quoted answer sits in a <details>.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from rag_app.markdown import render_markdown
from rag_app.qa.models import Answer
from rag_app.qa.verify_answer import QUOTED_LABEL


def citation_url(citation: Mapping[str, Any]) -> str:
    """Where a citation's passage is shown: its note, or its document at the chunk."""
    if citation.get("url"):
        return str(citation["url"])
    return f"{reverse('documents:detail', args=[citation['document_id']])}#chunk-{citation['chunk_id']}"


def render(answer: Answer) -> SafeString:
    """The answer's HTML for the page and the SSE citations event."""
    path = (answer.checks.get("verification") or {}).get("path")
    if not answer.sentences or path not in ("generated", "quoted"):
        return render_markdown(answer.text)
    urls = {int(c["n"]): citation_url(c) for c in answer.citations}
    quoted = path == "quoted"
    body = format_html_join(" ", "{}", ((_sentence(s, urls, quoted=quoted),) for s in answer.sentences))
    if not quoted:
        return format_html('<p class="verified">{}</p>', body)
    parts = [
        format_html(
            '<p class="quoted-label"><strong>{}</strong></p><blockquote class="quoted"><p>{}</p></blockquote>',
            QUOTED_LABEL,
            body,
        )
    ]
    if answer.model_text:
        model_text = answer.model_text
        parts.append(
            format_html(
                '<details class="model-text"><summary>The model\'s own answer (not supported by your sources)'
                "</summary>{}</details>",
                render_markdown(model_text),
            )
        )
    return mark_safe("".join(parts))  # each part was built by format_html


def _sentence(sentence: Mapping[str, Any], urls: Mapping[int, str], *, quoted: bool) -> SafeString:
    text = f"\u201c{sentence['text']}\u201d" if quoted else str(sentence["text"])
    if not sentence.get("claim", True):
        return format_html('<span class="sentence">{}</span>', text)
    if not sentence.get("supported"):
        return format_html(
            '<span class="sentence unsupported">{}<span class="unsupported-flag"> (not found in your sources)'
            "</span></span>",
            text,
        )
    links = format_html_join(
        " ",
        '<a class="sentence-cite" href="{}" aria-label="source {}">[{}]</a>',
        ((urls.get(int(n), "#"), n, n) for n in sentence.get("citations", ())),
    )
    return format_html('<span class="sentence supported">{} {}</span>', text, links)
