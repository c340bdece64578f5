"""`{% load markdown %}{{ text|markdown }}`: sanitised Markdown for note bodies and model output alike."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from notes.rendering import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: object) -> SafeString:
    """Render Markdown to HTML with only allow-listed tags (no raw HTML, script, styles or event handlers)."""
    return render_markdown("" if text is None else str(text))
