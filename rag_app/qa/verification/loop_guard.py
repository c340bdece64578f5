"""Stop a generation that has started repeating itself, keeping what came before the repeat."""

from __future__ import annotations

import re

from rag_app.qa.verification import sentences

_WORD = re.compile(r"[^\W_]+")
_MIN_WORDS = 3  # "Yes." twice is no loop
_NGRAM = 6  # a run of this many words seen _NGRAM_TIMES times is a loop even without full stops
_NGRAM_TIMES = 3
_CHECK_EVERY = 40  # characters


class LoopGuard:
    """Feed it the streamed text; it says when to stop and what to keep."""

    def __init__(self) -> None:
        self.text = ""
        self.looped = False
        self.kept = ""  # the text before the first repeat, once looped
        self.checked = 0  # the text's length when last checked
        self.pending = False  # the last piece may have ended a sentence

    def feed(self, piece: str) -> bool:
        """Add streamed text; True once the text repeats a sentence (or a run of words) and should stop."""
        if self.looped:
            return True
        self.text += piece
        # Checking costs a split of the whole text: do it when a sentence may have ended (in this piece or
        # the one before: a sentence counts once the next begins) or a few words came.
        ends = any(c in piece for c in ".!?\n,;")
        if not (ends or self.pending) and len(self.text) - self.checked < _CHECK_EVERY:
            return False
        self.checked, self.pending = len(self.text), ends
        cut = _repeat_at(self.text)
        if cut is not None:
            self.looped, self.kept = True, self.text[:cut].rstrip()
        return self.looped

    @property
    def result(self) -> str:
        """The text to keep: all of it, or the part before the repeat."""
        return self.kept if self.looped else self.text


def _repeat_at(text: str) -> int | None:
    """Where the first repeated sentence or word run starts in text, or None."""
    seen: set[str] = set()
    position = 0
    complete = sentences.split(text)[:-1]  # the last may still be growing
    for sentence in complete:
        start = text.find(sentence, position)
        position = start + len(sentence) if start >= 0 else position
        key = " ".join(_WORD.findall(sentence.lower()))
        if len(key.split()) >= _MIN_WORDS:
            if key in seen:
                return max(start, 0)
            seen.add(key)
    return _ngram_repeat(text)


def _ngram_repeat(text: str) -> int | None:
    """Once a run of _NGRAM words occurs _NGRAM_TIMES times, where its second occurrence begins."""
    matches = list(_WORD.finditer(text.lower()))
    starts: dict[tuple[str, ...], list[int]] = {}
    for i in range(len(matches) - _NGRAM + 1):
        gram = tuple(m.group(0) for m in matches[i : i + _NGRAM])
        starts.setdefault(gram, []).append(matches[i].start())
        if len(starts[gram]) == _NGRAM_TIMES:
            return starts[gram][1]
    return None
