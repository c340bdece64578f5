"""manage.py eval_qa FILE.jsonl: recall@k, MRR, citation correctness and refusal accuracy of the real pipeline."""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from documents.models import Document
from notes.models import Note
from rag_app.evals import corpus, evaluation
from rag_app.evals.evaluation import GoldenQuestion
from rag_app.qa import pipeline, stream
from rag_app.qa.models import Answer, Conversation
from rag_app.qa.retrieval import Candidate, retrieve

DEFAULT_THRESHOLDS = "0.1,0.15,0.2,0.25,0.3,0.35,0.4,0.45,0.5"


class Command(BaseCommand):
    """Run every golden question through retrieval and through the answer pipeline, in this process."""

    help = (
        "Evaluate Q&A on a golden file (JSON lines of question, expected_source, support): recall@k and MRR "
        "from retrieval, citation correctness and refusal accuracy from the answers. --corpus DIR ingests DIR "
        "for a throwaway user in a throwaway Chroma collection, removed afterwards; --owner USER uses that "
        "user's material (the evaluation's answers are deleted afterwards)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", metavar="FILE.jsonl")
        parser.add_argument(
            "--k", type=int, default=settings.RETRIEVAL_TOP_K, help="passages retrieved and given to the model"
        )
        material = parser.add_mutually_exclusive_group(required=True)
        material.add_argument("--owner", help="evaluate against this user's documents and notes")
        material.add_argument("--corpus", help="ingest the files of this folder for a throwaway user")
        parser.add_argument("--json", dest="json_out", help="also write every figure and question here")
        parser.add_argument("--retrieval-only", action="store_true", help="skip the answers (no chat model)")
        parser.add_argument(
            "--thresholds", default=DEFAULT_THRESHOLDS, help="RETRIEVAL_MIN_SCORE values to simulate (comma-separated)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        k = options["k"]
        if k < 1:
            raise CommandError("--k must be at least 1.")
        try:
            questions = evaluation.parse_golden(Path(options["file"]).read_text(encoding="utf-8").splitlines())
            thresholds = [float(t) for t in options["thresholds"].split(",") if t.strip()]
        except (OSError, ValueError) as exc:
            raise CommandError(f"{options['file']}: {exc}") from exc
        started = time.monotonic()
        self.created: list[int] = []  # conversations this run made
        saved = settings.RETRIEVAL_TOP_K
        settings.RETRIEVAL_TOP_K = k  # the pipeline gives the model the same k passages that are scored
        try:
            with self._material(options) as (owner, titles):
                missing = sorted({q.expected_source for q in questions if q.expected_source} - set(titles.values()))
                if missing:
                    raise CommandError(f"No document or note is named {', '.join(missing)}.")
                rows = [self._question(owner, q, k, titles, answer=not options["retrieval_only"]) for q in questions]
        finally:
            settings.RETRIEVAL_TOP_K = saved
        report = {
            "command": {"file": options["file"], "k": k, "retrieval_min_score": settings.RETRIEVAL_MIN_SCORE},
            "knobs": _knobs(),
            "summary": _summary(rows, k, answered=not options["retrieval_only"]),
            "sweep": _sweep(rows, k, thresholds),
            "seconds": round(time.monotonic() - started, 1),
            "questions": rows,
        }
        self._print(report)
        if options["json_out"]:
            Path(options["json_out"]).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")

    @contextlib.contextmanager
    def _material(self, options: dict[str, Any]) -> Iterator[tuple[User, dict[tuple[str, int], str]]]:
        """The owner to ask as, and the titles of its documents and notes by (kind, id)."""
        if options["owner"]:
            owner = User.objects.filter(username=options["owner"]).first()
            if owner is None:
                raise CommandError(f"No user named {options['owner']!r}.")
            try:
                yield owner, _titles(owner)
            finally:
                # Only the conversations this run made: the user may be asking questions meanwhile.
                Conversation.objects.filter(owner=owner, pk__in=self.created).delete()
            return
        self.stderr.write(f"ingesting {options['corpus']} ...")
        with corpus.throwaway_owner(Path(options["corpus"]), prefix="eval", own_collection=True) as owner:
            yield owner, _titles(owner)

    def _question(
        self, owner: User, q: GoldenQuestion, k: int, titles: dict[tuple[str, int], str], *, answer: bool
    ) -> dict[str, Any]:
        retrieval = retrieve(owner=owner, question=q.question, k=k)
        retrieved = [s.title for s in retrieval.sources]
        scores = [c.vector_score for c in retrieval.candidates if c.vector_score is not None]
        expected_scores = [
            c.vector_score
            for c in retrieval.candidates
            if c.vector_score is not None and _title(c, titles) in (q.expected_source, f"Note: {q.expected_source}")
        ]
        row: dict[str, Any] = {
            "question": q.question,
            "split": q.split,
            "expected_source": q.expected_source,
            "support": q.support,
            "retrieved": retrieved,
            "rank": evaluation.rank_of(q.expected_source, retrieved) if q.expected_source else None,
            "top_vector_score": max(scores, default=None),
            "expected_vector_score": max(expected_scores, default=None),
            "keyword_hits": sum(1 for c in retrieval.candidates if c.keyword_rank is not None),
            "candidates": [(_title(c, titles), c.vector_score, c.keyword_coverage) for c in retrieval.candidates],
        }
        if answer:
            row.update(self._answer(owner, q))
        self.stderr.write(f"  {q.question[:70]}: rank {row['rank']}, refused {row.get('refused')}")
        return row

    def _answer(self, owner: User, q: GoldenQuestion) -> dict[str, Any]:
        """The pipeline's answer, run here (answer_create would queue it for a worker instead)."""
        conversation = Conversation.objects.create(owner=owner, title=q.question[:200])
        self.created.append(conversation.pk)
        created = Answer.objects.create(owner=owner, conversation=conversation, question=q.question)
        stream.reset(created.pk)
        done = pipeline.answer_generate(answer_id=created.pk)
        result: dict[str, Any] = {
            "status": done.status,
            "error": done.error,
            "answer": done.text,
            "cited": [c["title"] for c in done.citations if c.get("cited")],
            "refused": evaluation.refused(done.text, done.citations),
            "provider": f"{done.provider}:{done.model}" if done.provider else "",
            "first_token_ms": done.first_token_ms,
            "total_ms": done.duration_ms,
            "path": (done.checks.get("verification") or {}).get("path", ""),
            "reason": (done.checks.get("verification") or {}).get("reason", ""),
            "model_supported_share": (done.checks.get("verification") or {}).get("supported_share"),
            "sentences": len([s for s in done.sentences if s.get("claim", True)]),
            "supported_sentences": len([s for s in done.sentences if s.get("claim", True) and s.get("supported")]),
            "repeats": evaluation.repeats_a_sentence(done.text),
            "truncated": done.truncated,
            "cut_unmarked": done.completion_tokens >= settings.ANSWER_MAX_TOKENS and not done.truncated,
            "model_text": done.model_text,
        }
        result["numbers_unsupported"], result["numbers"] = evaluation.numbers_unsupported(done.text, done.citations)
        if q.support:
            result["citation_correct"] = evaluation.citation_correct(done.citations, q.support)
            result["support_given"] = evaluation.support_given(done.citations, q.support)
            result["support_in_answer"] = evaluation.contains_support(done.text, q.support)
        return result

    def _print(self, report: dict[str, Any]) -> None:
        out = self.stdout.write
        out(
            f"{'#':>3}  {'rank':>4}  {'vec':>5}  {'kw':>3}  {'refused':>7}  {'cited ok':>8}  {'in answer':>9}  "
            f"{'path':>10}  question"
        )
        for n, r in enumerate(report["questions"], start=1):
            vec = f"{r['top_vector_score']:.2f}" if r["top_vector_score"] is not None else "-"
            cited, refused, in_answer = (
                {True: "yes", False: "no", None: "-"}[r.get(key)]
                for key in ("citation_correct", "refused", "support_in_answer")
            )
            out(
                f"{n:>3}  {r['rank'] or '-':>4}  {vec:>5}  {r['keyword_hits']:>3}  {refused:>7}  {cited:>8}  "
                f"{in_answer:>9}  {r.get('path', ''):>10}  {r['question'][:60]} -> "
                f"{r['expected_source'] or '(off-topic)'}"
            )
        s = report["summary"]
        out("")
        out(
            f"questions {s['questions']} ({s['on_topic']} on-topic, {s['off_topic']} off-topic), k={s['k']}, "
            f"RETRIEVAL_MIN_SCORE={report['command']['retrieval_min_score']}, {report['seconds']} s, "
            f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
        )
        out("knobs: " + ", ".join(f"{k}={v}" for k, v in report["knobs"].items()))
        out(f"recall@{s['k']:<13} {s['recall_at_k']:.3f}")
        out(f"{'MRR':<20} {s['mrr']:.3f}")
        if "citation_correctness" in s:
            out(f"{'citation correctness':<20} {s['citation_correctness']:.3f}  (a cited passage contains the support)")
            out(f"{'support given':<20} {s['support_given']:.3f}  (a passage given to the model contains it)")
            out(f"{'support in answer':<20} {s['support_in_answer']:.3f}  (the answer's text contains it)")
            out(f"{'refusal accuracy':<20} {s['refusal_accuracy']:.3f}  (off-topic questions declined)")
            out(f"{'false refusals':<20} {s['false_refusals']:.3f}  (on-topic questions declined)")
            out(f"{'failed answers':<20} {s['failed']}")
            out("")
            out("Answer checks (issue 13), on-topic answers unless said:")
            for key, label in _CHECKS:
                out(f"  {label:<44} {s[key]}")
            for split, figures in s["splits"].items():
                out(
                    f"  {split:<9} states the fact {figures['states_fact']:.3f}, cited answers {figures['cited']:.3f}, "
                    f"off-topic refused {figures['refused']:.3f}, false refusals {figures['false_refusals']:.3f} "
                    f"({figures['on_topic']} on, {figures['off_topic']} off)"
                )
        out(f"{'no-source refusals':<20} {s['off_topic_without_sources']:.3f}  (off-topic questions given no passage)")
        for keyword_bypass, title in (
            (True, f"as retrieve() works: hits holding >= {settings.KEYWORD_MIN_COVERAGE:g} of the words pass"),
            (False, "what-if: every hit needs the threshold"),
        ):
            out("")
            out(f"RETRIEVAL_MIN_SCORE simulated on the same candidates, {title}:")
            out(f"{'threshold':>9}  {'recall@k':>8}  {'MRR':>5}  {'off-topic, no sources':>21}  on-topic, no sources")
            for row in report["sweep"]:
                if row["keyword_hits_pass"] != keyword_bypass:
                    continue
                mark = "  <- current" if row["threshold"] == report["command"]["retrieval_min_score"] else ""
                out(
                    f"{row['threshold']:>9.2f}  {row['recall_at_k']:>8.3f}  {row['mrr']:>5.3f}  "
                    f"{row['off_topic_without_sources']:>21.3f}  {row['on_topic_without_sources']:>20.3f}{mark}"
                )


def _titles(owner: User) -> dict[tuple[str, int], str]:
    titles = {("document", pk): title for pk, title in Document.objects.filter(owner=owner).values_list("pk", "title")}
    titles.update({("note", pk): f"Note: {t}" for pk, t in Note.objects.filter(owner=owner).values_list("pk", "title")})
    return titles


def _title(candidate: Candidate, titles: dict[tuple[str, int], str]) -> str:
    kind, parent_id, _ = candidate.key
    return titles.get((kind, parent_id), "")


def _summary(rows: list[dict[str, Any]], k: int, *, answered: bool) -> dict[str, Any]:
    on = [r for r in rows if r["expected_source"]]
    off = [r for r in rows if not r["expected_source"]]
    summary: dict[str, Any] = {
        "questions": len(rows),
        "on_topic": len(on),
        "off_topic": len(off),
        "k": k,
        "recall_at_k": round(evaluation.recall_at_k([r["rank"] for r in on], k), 3),
        "mrr": round(evaluation.mean_reciprocal_rank([r["rank"] for r in on]), 3),
        "off_topic_without_sources": round(evaluation.ratio([not r["retrieved"] for r in off]), 3),
    }
    if answered:
        supported = [r for r in on if "citation_correct" in r]
        summary.update(
            citation_correctness=round(evaluation.ratio([r["citation_correct"] for r in supported]), 3),
            support_given=round(evaluation.ratio([r["support_given"] for r in supported]), 3),
            support_in_answer=round(evaluation.ratio([r["support_in_answer"] for r in supported]), 3),
            refusal_accuracy=round(evaluation.ratio([r["refused"] for r in off]), 3),
            false_refusals=round(evaluation.ratio([r["refused"] for r in on]), 3),
            failed=sum(1 for r in rows if r["status"] == Answer.Status.FAILED),
            providers=sorted({r["provider"] for r in rows if r["provider"]}),
        )
        summary.update(_checks(on, rows))
        summary["splits"] = {
            split: _split(
                [r for r in on if r.get("split") == split and "citation_correct" in r],
                [r for r in off if r.get("split") == split],
            )
            for split in ("tune", "held_out")
        }
    return summary


_CHECKS = (
    ("states_fact", "answer states the fact (support in final text)"),
    ("cited_answers", "cited answers (cited passage holds the support)"),
    ("supported_sentences", "supported sentences (final text)"),
    ("model_supported", "supported sentences (the model's own text)"),
    ("unsupported_numbers", "unsupported numbers (of numbers stated)"),
    ("fallback_rate", "fallback rate (sources quoted)"),
    ("refused_after_sources", "refused after verification (all questions)"),
    ("repeating", "answers repeating a sentence (all)"),
    ("truncated", "answers marked truncated (all)"),
    ("cut_unmarked", "answers cut at max tokens, not marked (all)"),
)


def _checks(on: list[dict[str, Any]], rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The issue-13 figures: what the final answer says and how it was checked."""
    answered = [r for r in on if "citation_correct" in r]
    claims = sum(r["sentences"] for r in answered)
    shares = [r["model_supported_share"] for r in answered if r.get("model_supported_share") is not None]
    numbers = sum(r["numbers"] for r in answered)
    return {
        "states_fact": round(evaluation.ratio([r["support_in_answer"] for r in answered]), 3),
        "cited_answers": round(evaluation.ratio([r["citation_correct"] for r in answered]), 3),
        "supported_sentences": round(sum(r["supported_sentences"] for r in answered) / claims, 3) if claims else 0.0,
        "model_supported": round(sum(shares) / len(shares), 3) if shares else None,
        "unsupported_numbers": round(sum(r["numbers_unsupported"] for r in answered) / numbers, 3) if numbers else 0.0,
        "fallback_rate": round(evaluation.ratio([r["path"] == "quoted" for r in answered]), 3),
        "refused_after_sources": sum(1 for r in rows if r.get("path") == "refused"),
        "repeating": sum(1 for r in rows if r.get("repeats")),
        "truncated": sum(1 for r in rows if r.get("truncated")),
        "cut_unmarked": sum(1 for r in rows if r.get("cut_unmarked")),
    }


def _split(on: list[dict[str, Any]], off: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "on_topic": len(on),
        "off_topic": len(off),
        "states_fact": round(evaluation.ratio([r["support_in_answer"] for r in on]), 3),
        "cited": round(evaluation.ratio([r["citation_correct"] for r in on]), 3),
        "refused": round(evaluation.ratio([r["refused"] for r in off]), 3),
        "false_refusals": round(evaluation.ratio([r["refused"] for r in on]), 3),
    }


def _knobs() -> dict[str, Any]:
    """The settings that shape ranking, generation and verification, as this run used them."""
    names = (
        "RETRIEVAL_FUSION RETRIEVAL_KEYWORD_WEIGHT RETRIEVAL_KEEP_VECTOR RETRIEVAL_MIN_DOCUMENTS "
        "RETRIEVAL_REFUSAL_FLOOR ANSWER_MAX_TOKENS ANSWER_REPETITION_PENALTY ANSWER_FREQUENCY_PENALTY "
        "ANSWER_NO_REPEAT_NGRAM ANSWER_LOOP_GUARD VERIFY_ANSWERS VERIFY_EMBEDDINGS VERIFY_MIN_SCORE "
        "VERIFY_MIN_OVERLAP VERIFY_FALLBACK_BELOW VERIFY_QUOTE_MIN_SCORE VERIFY_QUOTES LLM_PROVIDER"
    )
    return {name: getattr(settings, name) for name in names.split()}


class _Seen(NamedTuple):
    """A candidate as recorded: its title and the two scores the threshold looks at."""

    title: str
    vector_score: float | None
    keyword_coverage: float | None


def _sweep(rows: list[dict[str, Any]], k: int, thresholds: list[float]) -> list[dict[str, Any]]:
    """Recall, MRR and the questions left with no passage at each threshold, from the recorded candidates.

    Twice: as retrieve() works (hits holding KEYWORD_MIN_COVERAGE of the question's words pass
    whatever their vector score), and with the threshold applied to every hit (a what-if).
    """
    table = []
    for keyword_bypass in (True, False):
        for threshold in sorted(set(thresholds) | {settings.RETRIEVAL_MIN_SCORE}):
            on_ranks, on_empty, off_empty = [], [], []
            for r in rows:
                seen = [_Seen(*c) for c in r["candidates"]]
                coverage = settings.KEYWORD_MIN_COVERAGE if keyword_bypass else None
                kept = evaluation.sources_at_threshold(seen, threshold, k, keyword_min_coverage=coverage)
                titles = [c.title for c in kept]
                if r["expected_source"]:
                    on_ranks.append(evaluation.rank_of(r["expected_source"], titles))
                    on_empty.append(not titles)
                else:
                    off_empty.append(not titles)
            table.append(
                {
                    "keyword_hits_pass": keyword_bypass,
                    "threshold": threshold,
                    "recall_at_k": round(evaluation.recall_at_k(on_ranks, k), 3),
                    "mrr": round(evaluation.mean_reciprocal_rank(on_ranks), 3),
                    "off_topic_without_sources": round(evaluation.ratio(off_empty), 3),
                    "on_topic_without_sources": round(evaluation.ratio(on_empty), 3),
                }
            )
    return table
