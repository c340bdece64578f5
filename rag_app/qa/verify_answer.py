"""Verify a generated answer and decide what to show: the answer, the sources' own sentences, or a refusal.

Paths (recorded in Answer.checks["verification"]):
- "generated": most sentences are supported; unsupported ones stay, marked, and every supported one
  cites the passage that supports it;
- "quoted": the answer is mostly unsupported (or its supported sentences answer less of the question
  than a source sentence does), so the sources' best sentences are shown as quotes, the model's text
  kept aside;
- "refused": no passage mentions the question's names and numbers, or even the best sentence of the
  sources scores under VERIFY_QUOTE_MIN_SCORE;
- "unverified": VERIFY_ANSWERS is off (the answer as the model wrote it, its own marks checked only).
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings

from rag_app.qa.verification import quotes, words
from rag_app.qa.verification.passages import Embed, Given, Passage, Vectors
from rag_app.qa.verification.verifier import Sentence, Thresholds, verify

QUOTED_LABEL = "Your documents say:"
_RELEVANCE_RATIO = 0.8  # a generated answer must cover this share of what the best quote covers of the question


@dataclass
class Outcome:
    """What to show and why."""

    path: str
    reason: str
    text: str
    sentences: list[Sentence] = field(default_factory=list)
    cited: list[int] = field(default_factory=list)
    model_text: str = ""
    record: dict[str, object] = field(default_factory=dict)


def thresholds() -> Thresholds:
    """The verification settings in force (VERIFY_*)."""
    return Thresholds(min_score=settings.VERIFY_MIN_SCORE, min_overlap=settings.VERIFY_MIN_OVERLAP)


def decide(question: str, text: str, given: Sequence[Given], *, embed: Embed | None, refusal: str) -> Outcome:
    """Check text against the passages given and choose the path; refusal is the text of a refused answer."""
    started = time.perf_counter()
    limits = thresholds()
    checked = verify(text, given, embed=embed, thresholds=limits)
    verified_ms = (time.perf_counter() - started) * 1000
    share = checked.supported_share
    outcome = _choose(question, text, given, checked.sentences, share, embed=embed, refusal=refusal)
    outcome.record = {
        "enabled": True,
        "path": outcome.path,
        "reason": outcome.reason,
        "supported_share": round(share, 3),
        "sentences": len(checked.sentences),
        "unsupported_facts": checked.unsupported_facts,
        "wrong_marks": sorted({n for s in checked.sentences for n in s.wrong_marks}),
        "thresholds": {
            "min_score": limits.min_score,
            "min_overlap": limits.min_overlap,
            "fallback_below": settings.VERIFY_FALLBACK_BELOW,
            "quote_min_score": settings.VERIFY_QUOTE_MIN_SCORE,
        },
        "embeddings": embed is not None,
        "verify_ms": round(verified_ms, 2),
        "total_ms": round((time.perf_counter() - started) * 1000, 2),
    } | outcome.record
    return outcome


def _choose(
    question: str,
    text: str,
    given: Sequence[Given],
    checked: list[Sentence],
    share: float,
    *,
    embed: Embed | None,
    refusal: str,
) -> Outcome:
    asked = words.facts(question)
    relevant = [g for g in given if all(_about(g).has(_bare(f)) for f in asked)]
    if not relevant:
        missing = ", ".join(f.shown for f in asked)
        return Outcome("refused", f"no passage mentions {missing}", refusal, model_text=text)
    best = quotes.best(question, relevant, vectors=Vectors(embed), limit=settings.VERIFY_QUOTES)
    record: dict[str, object] = {"quotes": [q.as_dict() for q in best]}
    quote_score = best[0].score if best else 0.0
    coverage = _coverage(question, [s.text for s in checked if s.supported])
    best_coverage = _coverage(question, [best[0].text]) if best else 0.0
    supported = [s.text for s in checked if s.supported]
    # "Who ...?" wants a name and "How many ...?" a number the question does not already hold.
    answers_kind = any(quotes.Asked(question).held_by(s) > 0 for s in supported)
    if share >= settings.VERIFY_FALLBACK_BELOW and coverage >= _RELEVANCE_RATIO * best_coverage and answers_kind:
        cited = list(dict.fromkeys(n for s in checked for n in s.citations))
        return Outcome("generated", f"{share:.0%} of the sentences are supported", _text(checked), checked, cited)
    if quote_score < settings.VERIFY_QUOTE_MIN_SCORE:
        reason = f"the best sentence of the sources scores {quote_score:.2f} < {settings.VERIFY_QUOTE_MIN_SCORE}"
        return Outcome("refused", reason, refusal, model_text=text, record=record)
    if share < settings.VERIFY_FALLBACK_BELOW:
        why = f"only {share:.0%} of the sentences are supported"
    elif coverage < _RELEVANCE_RATIO * best_coverage:
        why = f"the supported sentences cover {coverage:.0%} of the question, a source sentence {best_coverage:.0%}"
    else:
        why = "no supported sentence holds the kind of answer asked for (a number, a name)"
    sentences = [Sentence(q.text, [q.n], supported=True, score=q.score) for q in best]
    quoted = f"{QUOTED_LABEL} " + " ".join(f"\u201c{q.text}\u201d [{q.n}]" for q in best)
    return Outcome("quoted", why, quoted, sentences, list(dict.fromkeys(q.n for q in best)), text, record)


def _about(given: Given) -> Passage:
    """The passage with its document's title and heading, for what it is about.

    A later passage of "hollow-mountain-tunnel.md" is about the Hollow Mountain tunnel though its text may
    not say so.
    """
    title = re.sub(r"[-_.]+", " ", str(getattr(given, "title", "")))
    return Passage(given.n, f"{title} {getattr(given, 'heading', '')} {given.text}")


def _bare(fact: words.Fact) -> words.Fact:
    """The fact without its unit: a question's "in 2023" or "how many farms" only needs the number."""
    return words.Fact(fact.kind, fact.value, "", fact.shown)


def _coverage(question: str, texts: list[str]) -> float:
    """The share of the question's words the texts hold together."""
    wanted = set(words.content_stems(question))
    have = {s for t in texts for s in words.content_stems(t)}
    return len(wanted & have) / len(wanted) if wanted else 0.0


def _text(checked: list[Sentence]) -> str:
    return " ".join(s.text + (f" [{', '.join(map(str, s.citations))}]" if s.citations else "") for s in checked)
