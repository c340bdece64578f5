"""Error texts as people who are not staff see them: internal addresses left out (template library "redact")."""

from __future__ import annotations

import re

from django import template

register = template.Library()

# "at http://10.0.0.5:11434" / "on http://..." read as a place; any other address as "the server".
_ADDRESS = r"https?://[^\s)\"'<>,;]*[^\s)\"'<>,;:.]"  # a trailing ':' or '.' is the sentence's
_PLACE = re.compile(r"\s+(?:at|on)\s+" + _ADDRESS, re.IGNORECASE)
_URL = re.compile(_ADDRESS, re.IGNORECASE)
_HOST_PORT = re.compile(r"\b(?:localhost|\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-f:]+\]):\d{2,5}\b", re.IGNORECASE)


def without_addresses(text: str) -> str:
    """The text with every URL and host:port removed or replaced by 'the server'."""
    text = _PLACE.sub("", text)
    text = _URL.sub("the server", text)
    return _HOST_PORT.sub("the server", text)


@register.filter
def for_viewer(text: str, user: object) -> str:
    """`{{ error|for_viewer:user }}`: staff see the text as it is, everyone else without addresses."""
    if getattr(user, "is_staff", False):
        return text
    return without_addresses(text or "")
