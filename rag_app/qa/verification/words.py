"""Words, stems and the facts of a sentence: numbers with their units, dates, codes and proper names."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag_app.qa.keyword import STOPWORDS

# A number keeps its inner separators (1,240 / 11.6 / 22:10 / 7731-alpha); a word is letters or digits.
_TOKEN = re.compile(r"\d+(?:[.,:/-]\d+)*(?:-[^\W\d_]+)?%?|[^\W\d_]+(?:['\u2019-][^\W\d_]+)*")
_MARK = re.compile(r"\s*\[\d{1,3}(?:\s*,\s*\d{1,3})*\]")
_NUMBERS_TEXT = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty"
)
NUMBER_WORDS = {w: str(n) for n, w in enumerate(_NUMBERS_TEXT.split())}
NUMBER_WORDS |= {"thirty": "30", "forty": "40", "fifty": "50", "sixty": "60", "hundred": "100", "thousand": "1000"}
# Words that open sentences about the sources or the answer itself: not names when capitalised.
_OPENERS_TEXT = (
    "according based sources source yes sorry however also therefore answer document documents passage "
    "passages note notes unfortunately overall thus hence"
)
_OPENERS = frozenset(_OPENERS_TEXT.split())
EXTRA_STOPWORDS = STOPWORDS | _OPENERS | {"also", "may", "might", "must", "shall", "one", "per", "within"}


@dataclass(frozen=True)
class Fact:
    """Something a supporting passage must contain: a number (with the unit after it), a code or a name."""

    kind: str  # number, name
    value: str  # normalised: digits without separators, or the lower-case stem of a name
    unit: str = ""  # the stem of the word after a number ("minute"), "" when there is none
    shown: str = ""  # as written in the sentence, for the reader


def strip_marks(text: str) -> str:
    """The text without citation marks."""
    return _MARK.sub("", text)


def tokens(text: str) -> list[str]:
    """The words and numbers of text as written."""
    return _TOKEN.findall(strip_marks(text))


def stem(word: str) -> str:
    """A crude English stem: 'ferries' matches 'ferry', 'sailings' 'sailing', 'cancelled' 'cancels'."""
    w = word.lower().replace("\u2019", "'")
    if w in NUMBER_WORDS:
        return NUMBER_WORDS[w]
    if w.endswith("'s"):
        w = w[:-2]
    if w.endswith("ies") and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith("s") and not w.endswith("ss") and len(w) > 3:
        w = w[:-1]
    for suffix in ("ing", "ed", "ly"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            w = w[: -len(suffix)]
            if suffix != "ly" and w[-1] == w[-2] and w[-1] not in "aeious":
                w = w[:-1]  # stopped -> stop, cancelled -> cancel (but not: dressed)
            break
    return w[:-1] if w.endswith("e") and len(w) > 3 else w


def number_value(token: str) -> str | None:
    """The digits of a number token ('1,240' -> '1240', '22:10' -> '22:10', 'six' -> '6'), else None."""
    low = token.lower()
    if low in NUMBER_WORDS:
        return NUMBER_WORDS[low]
    if not token[:1].isdigit():
        return None
    value = token.rstrip("%")
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", value):
        value = value.replace(",", "")
    return value.lower()


def content_stems(text: str) -> list[str]:
    """The stems of the words that carry meaning (no stopwords), in order, repeats kept."""
    return [stem(t) for t in tokens(text) if t.lower() not in EXTRA_STOPWORDS and (len(t) > 1 or t.isdigit())]


def facts(sentence: str) -> list[Fact]:
    """The numbers (with the unit word after them), codes and proper names a sentence states."""
    words = tokens(sentence)
    found: list[Fact] = []
    for i, word in enumerate(words):
        number = number_value(word)
        if number is not None and not (word.lower() == "one" and i + 1 < len(words) and words[i + 1] == "of"):
            unit = unit_of(words, i)
            shown = f"{word} {words[i + 1]}" if unit and not word.endswith("%") else word
            found.append(Fact("number", number, unit, shown))
        elif is_name(word):
            found.append(Fact("name", stem(word), shown=word))
    return found


def unit_of(words: list[str], i: int) -> str:
    """The stem of the unit word after the number at i ('percent' for '96%'), "" when none."""
    if words[i].endswith("%"):
        return "percent"
    nxt = words[i + 1] if i + 1 < len(words) else ""
    return stem(nxt) if nxt.isalpha() and nxt.lower() not in EXTRA_STOPWORDS else ""


def is_name(word: str) -> bool:
    """A capitalised word that is no stopword: a name, a place, a month.

    The sentence's first word counts too, so an invented name opening a sentence is caught; an
    ordinary word there is found in the passage anyway.
    """
    if word == "May":  # the month, not the verb, when capitalised inside a sentence
        return True
    return word[:1].isupper() and word.lower() not in EXTRA_STOPWORDS and len(word) > 1
