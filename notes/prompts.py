"""Prompts for note actions, named and versioned; every action records which one it used."""

from __future__ import annotations

import re

from rag_app.providers.base import Message, Prompt

# The small local model follows an instruction placed after the text far better than one placed in the
# system message before it (version 1 of these prompts mostly echoed the note back).
_ASSISTANT = "You are a helpful assistant."

SUMMARISE = Prompt(
    name="note_summary",
    version=2,
    system=_ASSISTANT,
    user="{title}\n\n{body}\n\nSummarise the text above in one or two sentences.",
)

SUGGEST = Prompt(
    name="note_title_tags",
    version=2,
    system=_ASSISTANT,
    user=(
        "{body}\n\nSuggest a short title and three keywords for the text above. Answer in two lines:\n"
        "Title: <title>\nTags: <keyword>, <keyword>, <keyword>"
    ),
)

KEY_POINTS = Prompt(
    name="note_key_points",
    version=2,
    system=_ASSISTANT,
    user="{sources}\n\nList the key points of the documents above as a short Markdown bullet list.",
)

# The small local model has a short attention span and a slow CPU: give it a bounded excerpt.
MAX_INPUT_CHARS = 6000
SUMMARY_MAX_TOKENS = 160
SUGGEST_MAX_TOKENS = 48
KEY_POINTS_MAX_TOKENS = 320
TEMPERATURE = 0.0

_TITLE_LINE = re.compile(r"^\s*\**\s*title\s*\**\s*:\s*(.+)$", re.I | re.M)
_TAGS_LINE = re.compile(r"^\s*\**\s*(?:tags|keywords)\s*\**\s*:\s*(.+)$", re.I | re.M)
_TAG_CHARS = re.compile(r"[^a-z0-9 _-]+")
_LIST_ITEM = re.compile(r"^\s*(?:\d+[.)]|[-*])\s+(.+?)\s*$")
SUGGESTED_TITLE_CHARS = 80


def summary_messages(title: str, body: str, prompt: Prompt = SUMMARISE) -> list[Message]:
    """Ask for a short summary of a note."""
    return [
        Message("system", prompt.system),
        Message("user", prompt.user.format(title=title, body=body[:MAX_INPUT_CHARS])),
    ]


def suggest_messages(title: str, body: str, prompt: Prompt = SUGGEST) -> list[Message]:
    """Ask for a title and tags; the current title is included since the body may be short."""
    return [
        Message("system", prompt.system),
        Message("user", prompt.user.format(body=f"{title}\n\n{body}"[:MAX_INPUT_CHARS])),
    ]


def key_points_messages(sources: list[tuple[str, str]], prompt: Prompt = KEY_POINTS) -> list[Message]:
    """Ask for the key points of (title, text) excerpts, sharing the input budget between them."""
    share = MAX_INPUT_CHARS // max(len(sources), 1)
    block = "\n\n".join(f"[{title}]\n{text[:share]}" for title, text in sources)
    return [Message("system", prompt.system), Message("user", prompt.user.format(sources=block))]


def parse_suggestion(text: str) -> tuple[str, list[str]]:
    """The title and tags in a model's reply; tolerant of a small model's loose format.

    Without a "Title:" line the first line stands in; without a "Tags:" line, short list items do.
    A title is cut to SUGGESTED_TITLE_CHARS at a word boundary: a long sentence is no title.
    """
    title_match = _TITLE_LINE.search(text)
    lines = [line for line in text.splitlines() if line.strip()]
    title = title_match.group(1) if title_match else next((x for x in lines if not _TAGS_LINE.match(x)), "")
    title = _shorten(drop_repeats(title.strip().strip("*#\"'“”` ").strip()), SUGGESTED_TITLE_CHARS)
    tags_match = _TAGS_LINE.search(text)
    if tags_match:
        candidates = re.split(r"[,;#]", tags_match.group(1))
    else:
        candidates = [m.group(1) for x in lines if (m := _LIST_ITEM.match(x)) and len(m.group(1).split()) <= 3]
    tags: list[str] = []
    for raw in candidates:
        tag = "-".join(_TAG_CHARS.sub("", raw.lower()).split())[:40]
        if tag and tag not in tags:
            tags.append(tag)
    return title, tags[:5]


def drop_repeats(text: str) -> str:
    """Text with repeated sentences or colon-separated phrases removed (a small model loops on them)."""
    seen: set[str] = set()
    kept: list[str] = []
    for part in re.split(r"(?<=[.!?:])\s+", text.strip()):
        key = part.strip(" .!?:").lower()
        if key and key in seen:
            continue
        seen.add(key)
        kept.append(part)
    return " ".join(kept).rstrip(":").strip()


def tidy_points(text: str) -> str:
    """The model's key points without the repeated lines a small model tends to loop on."""
    seen: set[str] = set()
    kept: list[str] = []
    for line in text.splitlines():
        key = re.sub(r"^\s*(?:\d+[.)]|[-*])\s*", "", line).strip().lower()
        if key and key in seen:
            continue
        seen.add(key)
        kept.append(line)
    return "\n".join(kept).strip()


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(" ,;:-") + "…"
