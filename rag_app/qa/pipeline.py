"""Answer one question: condense, retrieve, fit the context, stream, verify, keep the record.

It runs in a Celery worker; its events reach the asker as they happen (rag_app/qa/stream.py).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import replace

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from rag_app import db, leases, metrics
from rag_app.errors import ApplicationError, ServiceError
from rag_app.index import service as index
from rag_app.providers import base, registry
from rag_app.providers.base import Prompt, Repetition
from rag_app.qa import answer_html, budget, citations, ending, failures, prompts, stream, verify_answer
from rag_app.qa.models import Answer
from rag_app.qa.retrieval import Retrieval, Scope, Source, retrieve
from rag_app.qa.verification.loop_guard import LoopGuard

log = logging.getLogger(__name__)

FLUSH_SECONDS = 0.5  # tokens go in groups: the first at once, then two events a second (each costs ~0.8 ms CPU)
HISTORY_TURNS = 4
WATCH_SECONDS = 1.0  # how often generation asks Redis if the answer is still wanted (0.25 s: 25% of worker CPU)
ABANDON_GRACE_SECONDS = 10.0  # a closed stream may reconnect (a reload) within this before the answer stops
DEADLINE_MARGIN_SECONDS = 5.0  # the worker ends an answer this long before the asker's wait is over
ABANDONED = "Nobody was waiting for this answer any more (the page or connection closed); ask again."


class _Tokens:
    """Collects streamed text and sends it in small groups."""

    def __init__(self, publisher: stream.Publisher) -> None:
        self.publisher = publisher
        self.pending: list[str] = []
        self.parts: list[str] = []
        self.last = 0.0

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.pending.append(text)
        if len(self.parts) == 1 or time.monotonic() - self.last >= FLUSH_SECONDS:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            self.publisher.send("token", {"text": "".join(self.pending)})
            self.pending = []
            self.last = time.monotonic()

    @property
    def text(self) -> str:
        return "".join(self.parts).strip()


class _Stopped(Exception):
    """Generation stopped early; status, code and reason say how the answer ends."""

    def __init__(self, status: Answer.Status, code: str, reason: str) -> None:
        super().__init__(reason)
        self.status, self.code, self.reason = status, code, reason


class _Watch:
    """Checked between steps and stream chunks: is the answer cancelled, abandoned, or out of time."""

    def __init__(self, answer: Answer, lost: threading.Event, deadline: float) -> None:
        self.answer_id, self.lost, self.deadline = answer.pk, lost, deadline
        self.last = 0.0

    def check(self) -> None:
        now = time.monotonic()
        if self.lost.is_set():  # ended elsewhere (cancelled by the web, failed by the reaper)
            raise _Stopped(Answer.Status.CANCELLED, "cancelled", "")
        if now > self.deadline:
            raise _Stopped(
                Answer.Status.FAILED,
                "timeout",
                f"The answer could not be generated within {settings.ANSWER_TIMEOUT:g} s (ANSWER_TIMEOUT); "
                "the model server may be overloaded. Ask again later.",
            )
        if now - self.last < WATCH_SECONDS:
            return
        self.last = now
        reason = stream.stop_reason(self.answer_id, grace=ABANDON_GRACE_SECONDS)
        if reason == "cancelled":
            raise _Stopped(Answer.Status.CANCELLED, "cancelled", "")
        if reason == "abandoned":
            raise _Stopped(Answer.Status.CANCELLED, "cancelled", ABANDONED)


def answer_deadline(answer: Answer, *, batch: bool = False) -> float:
    """The monotonic time by which the worker ends this answer: before the asker's wait (ANSWER_TIMEOUT) is over.

    A batch question has nobody waiting: its time starts when a worker takes it.
    """
    if batch:
        return time.monotonic() + settings.ANSWER_TIMEOUT
    waited = (timezone.now() - answer.created_at).total_seconds()
    return time.monotonic() + settings.ANSWER_TIMEOUT - DEADLINE_MARGIN_SECONDS - waited


def answer_generate(*, answer_id: int, batch: bool = False) -> Answer:
    """Produce the answer under its lease, sending token, citations and done events (or one error event).

    Only a pending answer is taken (compare-and-set): a second delivery of the same question does nothing.
    The provider calls' log rows are saved once the final event is out (off the asker's wait). batch: a
    question of a batch (nobody waits for it).
    """
    try:
        with registry.calls_saved_later() as calls:
            return _answer(answer_id, batch)
    finally:
        registry.save_calls(calls)


def _answer(answer_id: int, batch: bool) -> Answer:
    answer = Answer.objects.select_related("owner", "conversation").get(pk=answer_id)
    holder = leases.acquire(
        Answer.objects.filter(status=Answer.Status.PENDING), answer.pk, status=Answer.Status.STREAMING
    )
    if holder is None:
        log.info("Answer %s is taken or finished; not generating it again", answer_id)
        answer.refresh_from_db()
        return answer
    publisher = stream.Publisher(answer.pk)
    deadline = answer_deadline(answer, batch=batch)
    error_code = ""
    try:
        with leases.heartbeat(Answer, answer.pk, holder) as lost, base.deadline(deadline):
            watch = _Watch(answer, lost, deadline)
            watch.check()
            _generate(answer, publisher, watch)
    except _Stopped as stop:
        if stop.reason:
            ending.answer_end(
                answer_id=answer.pk, status=stop.status, reason=stop.reason, code=stop.code, only=Q(worker=holder)
            )
        leases.release(Answer, answer.pk, holder)
        answer.refresh_from_db()
        return answer
    except (ServiceError, ApplicationError) as exc:
        error_code = getattr(exc, "code", "provider_unavailable")
        answer.status = Answer.Status.FAILED
        answer.error = f"The answer could not be generated: {exc}"
        log.warning("Answer %s failed (support id %s): %s", answer.pk, failures.support_id(answer.pk), exc)
    answer.finished_at = timezone.now()
    path = metrics.answer_finished(status=answer.status, checks=answer.checks)
    log.info("Answer %s %s (%s)", answer.pk, answer.status, path)
    answer.duration_ms = int((answer.finished_at - answer.created_at).total_seconds() * 1000)
    answer.lease_expires_at, answer.worker, answer.resend_at = None, "", None
    if not leases.release(Answer, answer.pk, holder, **_fields(answer)):  # one UPDATE, only while it is ours
        answer.refresh_from_db()  # ended elsewhere meanwhile (cancelled, reaped): that stays
        return answer
    # the final event only once the row says so: a waiting client reads the row when it hears it
    if answer.status == Answer.Status.DONE:
        publisher.send(
            "done",
            {
                "answer_id": answer.pk,
                "status": answer.status,
                "duration_ms": answer.duration_ms,
                "truncated": answer.truncated,
                "completion_tokens": answer.completion_tokens,
                "path": (answer.checks.get("verification") or {}).get("path", ""),
            },
        )
    else:
        publisher.send("error", failures.error_event(answer, error_code))
    return answer


def _generate(answer: Answer, publisher: stream.Publisher, watch: _Watch) -> None:
    marks = _Marks(answer)
    answer.queue_ms = int(marks.stage("queue"))
    answer.standalone_question, history_turns = _standalone(answer)
    marks.stage("condense")
    watch.check()
    retrieval = retrieve(
        owner=answer.owner,
        question=answer.standalone_question,
        k=settings.RETRIEVAL_TOP_K,
        scope=Scope(tuple(answer.scope.get("document_ids", ())), tuple(answer.scope.get("tags", ()))),
    )
    answer.retrieval_ms = int(marks.stage("retrieve"))
    answer.embedding_provider, answer.embedding_model = retrieval.embedding_provider, retrieval.embedding_model
    answer.index_generation = retrieval.index_generation
    prompt = prompts.ANSWER
    answer.prompt_name, answer.prompt_version = prompt.name, prompt.version
    try:
        sources = _fit(answer, retrieval, prompt)
    finally:
        answer.retrieval = [c.as_dict() for c in retrieval.candidates]  # kept even when nothing fits
    answer.checks = {
        "retrieval": retrieval.knobs.as_dict(),
        "condense": {"history_turns": history_turns, "skipped": history_turns == 0},
        "retrieval_spans_ms": {**retrieval.spans_ms, "vector_cached": retrieval.vector_cached},
    }
    marks.stage("prompt")
    tokens = _Tokens(publisher)
    if not sources:
        tokens.add(prompts.NOT_FOUND)
        text = tokens.text
    else:
        text = _stream(answer, sources, prompt, tokens, watch)
    tokens.flush()
    if answer.first_token_ms is None:
        answer.first_token_ms = _ms_since(answer)
    marks.split_at("first_token", "generate", at=answer.first_token_ms)
    _finalise(answer, text, sources)
    answer.status = Answer.Status.DONE
    publisher.send(
        "citations",
        {
            "citations": answer.citations,
            "text": answer.text,
            "html": str(answer_html.render(answer)),
            "sentences": answer.sentences,
            "truncated": answer.truncated,
        },
    )
    marks.stage("finish")
    answer.checks["spans_ms"] = marks.spans_ms


class _Marks:
    """The worker's stages, back to back from the question's arrival: their sum is the time so far."""

    def __init__(self, answer: Answer) -> None:
        self.answer, self.last = answer, 0.0
        self.spans_ms: dict[str, float] = {}

    def stage(self, name: str) -> float:
        """End the stage called name now; its ms (rounded down to 0.1)."""
        now = (timezone.now() - self.answer.created_at).total_seconds() * 1000
        ms = self.spans_ms[name] = math.floor(max(now - self.last, 0.0) * 10) / 10
        self.last = max(now, self.last)
        return ms

    def split_at(self, first: str, second: str, *, at: float) -> None:
        """End two stages now, the first ending at `at` ms (e.g. the first token), the second now."""
        at = min(max(at, self.last), (timezone.now() - self.answer.created_at).total_seconds() * 1000)
        self.spans_ms[first] = math.floor((at - self.last) * 10) / 10
        self.last = at
        self.stage(second)


def repetition() -> Repetition:
    """The repetition controls in force (ANSWER_REPETITION_PENALTY, ..._FREQUENCY_PENALTY, ..._NO_REPEAT_NGRAM)."""
    return Repetition(
        penalty=settings.ANSWER_REPETITION_PENALTY,
        frequency_penalty=settings.ANSWER_FREQUENCY_PENALTY,
        no_repeat_ngram=settings.ANSWER_NO_REPEAT_NGRAM,
    )


def _stream(answer: Answer, sources: list[Source], prompt: Prompt, tokens: _Tokens, watch: _Watch) -> str:
    """Generate the answer, sending tokens as they come; stop early when it starts repeating itself."""
    chat = registry.chat_model()
    messages = prompts.answer_messages(answer.standalone_question, sources, prompt)
    controls = repetition()
    guard = LoopGuard() if settings.ANSWER_LOOP_GUARD else None
    finish_reason = ""
    pieces = 0  # streamed deltas with text: one token each on vLLM and Ollama
    db.release_connection()  # generation takes seconds: do not hold a connection per answer meanwhile
    watch.check()
    generation_started = time.monotonic()
    deltas = chat.stream(
        messages, max_tokens=settings.ANSWER_MAX_TOKENS, temperature=settings.ANSWER_TEMPERATURE, repetition=controls
    )
    try:
        for delta in deltas:
            watch.check()
            if delta.text:
                if answer.first_token_ms is None:
                    answer.first_token_ms = _ms_since(answer)
                tokens.add(delta.text)
                pieces += 1
                if guard is not None and guard.feed(delta.text):
                    break
            if delta.usage:
                answer.prompt_tokens, answer.completion_tokens = (
                    delta.usage.prompt_tokens,
                    delta.usage.completion_tokens,
                )
                answer.provider, answer.model = delta.provider, delta.model
            finish_reason = delta.finish_reason or finish_reason
    finally:
        close = getattr(deltas, "close", None)  # closing stops the model generating (the loop guard breaks out)
        if close is not None:
            close()
    answer.generation_ms = int((time.monotonic() - generation_started) * 1000)
    looped = guard is not None and guard.looped
    if looped and not answer.provider:  # stopped before the final delta: who was asked
        answer.provider, answer.model = chat.endpoint.kind, chat.endpoint.model
    counted = "server"
    if not answer.completion_tokens:  # no usage reported (stopped before the final delta): what it streamed
        answer.completion_tokens, counted = pieces, "stream"
    answer.truncated = finish_reason == "length" and not looped
    answer.checks["generation"] = {
        "repetition": controls.as_dict(),
        "max_tokens": settings.ANSWER_MAX_TOKENS,
        "temperature": settings.ANSWER_TEMPERATURE,
        "finish_reason": "repeating" if looped else finish_reason,
        "loop_guard": {"enabled": guard is not None, "stopped": looped},
        "completion_tokens_from": counted,
    }
    return guard.result.strip() if guard is not None and looped else tokens.text


def _finalise(answer: Answer, text: str, sources: list[Source]) -> None:
    """The text to show, its sentences and which citations it uses: verified, or as the model wrote it."""
    valid = {s.n for s in sources}
    if not sources or not settings.VERIFY_ANSWERS:
        cited = set(citations.cited(text, valid))
        answer.text = citations.strip_unknown(text, valid)
        answer.citations = [dict(s.as_dict(), cited=s.n in cited) for s in sources]
        path = "unverified" if sources else "no sources"
        answer.checks["verification"] = {"enabled": settings.VERIFY_ANSWERS, "path": path}
        return
    embed = index.embedder(answer.owner_id).embed if settings.VERIFY_EMBEDDINGS else None
    checked_text = citations.strip_unknown(text, valid)
    outcome = verify_answer.decide(
        answer.standalone_question, checked_text, sources, embed=embed, refusal=prompts.NOT_FOUND
    )
    answer.text, answer.model_text = outcome.text, outcome.model_text
    answer.sentences = [s.as_dict() for s in outcome.sentences]
    answer.citations = [dict(s.as_dict(), cited=s.n in outcome.cited) for s in sources]
    answer.checks["verification"] = outcome.record


def _fit(answer: Answer, retrieval: Retrieval, prompt: Prompt) -> list[Source]:
    """The sources that fit the chat model's context (renumbered 1..n); the rest marked dropped."""
    if not retrieval.sources:
        return []
    answer.context_tokens = registry.chat_model().context_length() or registry.DEFAULT_CONTEXT
    packing = budget.pack(
        retrieval.sources,
        context=answer.context_tokens,
        fixed_text=prompt.system + answer.standalone_question,
        answer_tokens=settings.ANSWER_MAX_TOKENS,
    )
    dropped = {s.chunk_id for s in packing.dropped}
    for candidate in retrieval.candidates:
        if candidate.chunk_id in dropped:
            candidate.status = "dropped: context full"
    if not packing.kept:
        raise ApplicationError(
            f"The best passages do not fit the chat model's context of {answer.context_tokens} tokens with "
            f"{settings.ANSWER_MAX_TOKENS} left for the answer: use a model with a longer context, lower "
            "ANSWER_MAX_TOKENS or CHUNK_TOKENS.",
            status=503,
            code="context_too_small",
        )
    return [replace(s, n=i) for i, s in enumerate(packing.kept, start=1)]


def _standalone(answer: Answer) -> tuple[str, int]:
    """(the question rewritten to stand alone when it follows earlier turns, how many turns it read).

    Without history the question stands alone already: no model call (checks["condense"] says so).
    """
    earlier = list(
        Answer.objects.filter(conversation=answer.conversation, status=Answer.Status.DONE, pk__lt=answer.pk)
        .order_by("-pk")
        .values_list("question", "text")[:HISTORY_TURNS]
    )
    if not earlier:
        return answer.question, 0
    history = [(q, a[:600]) for q, a in reversed(earlier)]
    result = registry.chat_model().complete(
        prompts.condense_messages(history, answer.question), max_tokens=64, temperature=0
    )
    rewritten = result.text.strip().splitlines()[0].strip(" \"'") if result.text.strip() else ""
    # A small model may ramble or echo: then fall back to the last question plus this one.
    if not rewritten or len(rewritten) > 3 * len(answer.question) + 200:
        return f"{history[-1][0]} {answer.question}", len(earlier)
    return rewritten, len(earlier)


def _fields(answer: Answer) -> dict[str, object]:
    """Every stored field of the answer but its id and lease (what save() would write)."""
    skip = {"id", "lease_expires_at", "worker"}
    return {f.attname: getattr(answer, f.attname) for f in Answer._meta.concrete_fields if f.attname not in skip}


def _ms_since(answer: Answer) -> int:
    return int((timezone.now() - answer.created_at).total_seconds() * 1000)
