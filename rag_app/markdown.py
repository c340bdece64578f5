"""Markdown to safe HTML (Python-Markdown, then an nh3 allow-list), and its `{{ text|markdown }}` filter."""

from __future__ import annotations

import markdown
import nh3
from django import template
from django.utils.safestring import SafeString, mark_safe

# No img (tracking pixels, huge images), no style/class/id (layout tricks, clobbering our anchors).
ALLOWED_TAGS = {
    "a",
    "abbr",
    "blockquote",
    "br",
    "code",
    "del",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}
_EXTENSIONS = ["fenced_code", "tables", "sane_lists"]


def render_markdown(text: str) -> SafeString:
    """Sanitised HTML for a note body; raw HTML in the Markdown survives only as allowed tags."""
    html = markdown.markdown(text, extensions=_EXTENSIONS, output_format="html")
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    # nh3 has just removed everything outside the allow-list, so this HTML is safe to mark as such.
    return mark_safe(clean)


def link_text(text: str) -> str:
    """Text safe inside a Markdown link's brackets."""
    return text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]").replace("\n", " ")


# Registered as the template library "markdown" in settings (TEMPLATES OPTIONS "libraries"), so every
# app's templates can `{% load markdown %}` without the library living in one app.
register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: object) -> SafeString:
    """Render Markdown to HTML with only allow-listed tags (no raw HTML, script, styles or event handlers)."""
    return render_markdown("" if text is None else str(text))
