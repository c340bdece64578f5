"""Prompts for note actions, named and versioned; every action records which one it used."""

from __future__ import annotations

import re

from rag_app.providers.base import Message
from rag_app.qa.prompts import Prompt

SUMMARISE = Prompt(
    name="note_summary",
    version=1,
    system="You summarise notes. Write a short summary of the note in two or three sentences. Write only the summary.",
    user="Title: {title}\n\n{body}",
)

SUGGEST = Prompt(
    name="note_title_tags",
    version=1,
    system=(
        "You suggest a title and tags for a note. Answer in exactly two lines:\n"
        "Title: <a short title>\n"
        "Tags: <two to five lowercase keywords, separated by commas>"
    ),
    user="{body}",
)

KEY_POINTS = Prompt(
    name="note_key_points",
    version=1,
    system=(
        "You write the key points of the documents below as a Markdown bullet list, one point per line, "
        "starting each line with '- '. Use only facts from the documents.\n\nDocuments:\n{sources}"
    ),
    user="List the key points.",
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
    return [Message("system", prompt.system.format(sources=block)), Message("user", prompt.user)]


def parse_suggestion(text: str) -> tuple[str, list[str]]:
    """The title and tags in a model's reply; tolerant of a small model's loose format."""
    title_match = _TITLE_LINE.search(text)
    tags_match = _TAGS_LINE.search(text)
    if title_match:
        title = title_match.group(1)
    else:
        lines = [line for line in text.splitlines() if line.strip() and not _TAGS_LINE.match(line)]
        title = lines[0] if lines else ""
    title = title.strip().strip("*#\"'“”` ").strip()
    tags: list[str] = []
    if tags_match:
        for raw in re.split(r"[,;#]", tags_match.group(1)):
            tag = " ".join(_TAG_CHARS.sub("", raw.lower()).split()).replace(" ", "-")[:40]
            if tag and tag not in tags:
                tags.append(tag)
    return title, tags[:5]
