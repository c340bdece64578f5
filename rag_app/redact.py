"""What a user who is not staff may see of an error: never an internal address (template library "redact").

The one policy: staff read the details; anyone else reads the plain message written for them when there is one
(a failed answer's, with its support id: rag_app.qa.failures), else the details, in both cases without a URL
or host:port.
"""

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


def sees_details(user: object) -> bool:
    """Whether the user may read an error's details (addresses, the SDK's own words): staff only."""
    return bool(user is not None and getattr(user, "is_staff", False))


def shown(detail: str, user: object, *, plain: str | None = None) -> str:
    """The error as this user may read it: staff the detail; anyone else plain (if given) or the detail, no address."""
    if sees_details(user):
        return detail
    return without_addresses(detail if plain is None else plain)


@register.filter
def for_viewer(text: str, user: object) -> str:
    """`{{ error|for_viewer:user }}`: the error as the user may read it (shown, with no plain message)."""
    return shown(text or "", user)
