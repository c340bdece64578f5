"""`{% load passages %}{{ chunk.text|passage:document.kind }}`: a passage's text as HTML, headings shown as such."""

from __future__ import annotations

import re

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from documents.models import Document

register = template.Library()

# Extraction marks Word, HTML and Markdown headings as "# Title" lines (documents/formats/); elsewhere a
# leading "#" is the document's own text.
MARKED_HEADINGS = {Document.Kind.DOCX, Document.Kind.HTML, Document.Kind.MARKDOWN}
_HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t#]*$")


@register.filter(name="passage")
def passage_filter(text: object, kind: str) -> SafeString:
    """Escaped text with its line breaks; in formats with marked headings, "# Title" lines become headings."""
    lines = []
    for line in str(text).split("\n"):
        match = _HEADING.match(line) if kind in MARKED_HEADINGS else None
        lines.append(format_html('<strong class="passage-heading">{}</strong>', match[1]) if match else escape(line))
    # Every piece was escaped above; only the <strong> and <br> tags are ours.
    return mark_safe("<br>".join(lines))
