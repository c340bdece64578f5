"""Drive a running app as its API clients do: askers in a loop (streamed or waiting) and uploads spread over a run."""

from __future__ import annotations

import json
import random
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from rag_app.evals.bench.load import AskOutcome, UploadOutcome

# What the error event's code (streamed) or the error body's code (waiting) says the answer became.
_FINAL_BY_CODE = {
    "timeout": "cancelled",
    "cancelled": "cancelled",
    "busy": "refused",  # admission control: nothing was kept, try again after Retry-After
    "provider_unavailable": "failed",
    "queue_unavailable": "failed",
}
_READ_SLICE = 20.0  # a streamed read never blocks longer than this (the app sends a keep-alive every 15 s)


def _reason(message: object) -> str:
    return " ".join(str(message).split())[:90]


def ask_stream(client: httpx.Client, question: str, timeout: float) -> AskOutcome:
    """POST /api/ask/ with "stream": true and read events until a final one or the client's timeout."""
    outcome = AskOutcome(mode="stream", start=time.monotonic(), end=0.0)
    deadline = outcome.start + timeout
    try:
        with client.stream(
            "POST",
            "/api/ask/",
            json={"question": question, "stream": True},
            headers={"Accept": "text/event-stream"},
            timeout=httpx.Timeout(min(timeout, _READ_SLICE), connect=min(timeout, 10.0)),
        ) as response:
            outcome.status_code = response.status_code
            outcome.retry_after = response.headers.get("Retry-After", "")
            if response.status_code != 200:
                response.read()
                _read_error_body(outcome, response)
            else:
                _read_events(outcome, response, deadline)
    except httpx.TimeoutException as exc:
        outcome.timed_out = time.monotonic() >= deadline - 0.5 or outcome.status_code is not None
        outcome.error = f"{type(exc).__name__}: {exc}"
    except httpx.HTTPError as exc:
        outcome.error = f"{type(exc).__name__}: {exc}"
    outcome.end = time.monotonic()
    if outcome.end > deadline:  # the client would have given up by then, whatever came later
        outcome.timed_out, outcome.end = True, deadline
    if outcome.timed_out:
        outcome.final = outcome.reason = ""
    return outcome


def _read_events(outcome: AskOutcome, response: httpx.Response, deadline: float) -> None:
    kind = ""
    for line in response.iter_lines():
        if time.monotonic() > deadline:
            outcome.timed_out = True
            return
        if line.startswith("event: "):
            kind = line.removeprefix("event: ")
        elif line.startswith("data: "):
            data = json.loads(line.removeprefix("data: "))
            if kind == "meta":
                outcome.answer_id = data.get("answer_id")
            elif kind == "done":
                outcome.final = "done"
                return
            elif kind == "error":
                code = str(data.get("code", ""))
                outcome.final = _FINAL_BY_CODE.get(code, "failed")
                outcome.reason = _reason(f"{code}: {data.get('message', '')}")
                return
    outcome.error = "the stream ended without a done or error event"


def ask_wait(client: httpx.Client, question: str, timeout: float) -> AskOutcome:
    """POST /api/ask/ without streaming: the JSON answer, or the error, within the client's timeout."""
    outcome = AskOutcome(mode="wait", start=time.monotonic(), end=0.0)
    try:
        response = client.post(
            "/api/ask/",
            json={"question": question},
            headers={"Accept": "application/json"},
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
        )
    except httpx.TimeoutException as exc:
        outcome.timed_out, outcome.error = True, f"{type(exc).__name__}: {exc}"
    except httpx.HTTPError as exc:
        outcome.error = f"{type(exc).__name__}: {exc}"
    else:
        outcome.status_code = response.status_code
        outcome.retry_after = response.headers.get("Retry-After", "")
        if response.status_code == 200:
            body = response.json()
            outcome.answer_id, outcome.final = body.get("id"), str(body.get("status", ""))
            if outcome.final != "done":
                outcome.reason = _reason(body.get("error", ""))
        else:
            _read_error_body(outcome, response)
    outcome.end = time.monotonic()
    if outcome.end > outcome.start + timeout:
        outcome.timed_out, outcome.final, outcome.end = True, "", outcome.start + timeout
    return outcome


def _read_error_body(outcome: AskOutcome, response: httpx.Response) -> None:
    """A refusal or a failed answer: the one error format {"error": {"code", "message"}}."""
    try:
        error = response.json().get("error", {})
    except ValueError:
        outcome.error = f"HTTP {response.status_code}, not JSON: {response.text[:120]!r}"
        return
    code = str(error.get("code", ""))
    if code in _FINAL_BY_CODE:
        outcome.final = _FINAL_BY_CODE[code]
    outcome.reason = _reason(f"{code}: {error.get('message', '')}")


def upload_text(client: httpx.Client, n: int) -> tuple[UploadOutcome, float]:
    """Upload a new small text document (unique, so never a duplicate of an earlier one) and when it was sent."""
    tag = uuid.uuid4().hex[:10]
    body = "\n\n".join(
        f"Load report {tag}, section {i}: the relay station {tag}-{i} logged {100 + i * 7} readings "
        f"at {i + 1} sites during the {n}th survey, with a median delay of {i * 3 + 2} minutes."
        for i in range(12)
    )
    sent = time.monotonic()
    try:
        response = client.post(
            "/api/documents/",
            files={"file": (f"load-{n}-{tag}.txt", body.encode(), "text/plain")},
            headers={"Accept": "application/json"},
            timeout=30,
        )
    except httpx.HTTPError as exc:
        return UploadOutcome(status_code=None, error=f"{type(exc).__name__}: {exc}"), sent
    outcome = UploadOutcome(status_code=response.status_code)
    if response.status_code in (200, 201):
        data = response.json()
        outcome.document_id, outcome.status = data.get("id"), str(data.get("status", ""))
    else:
        outcome.error = response.text[:200]
    return outcome, sent


def poll_upload(client: httpx.Client, outcome: UploadOutcome, sent: float) -> bool:
    """Refresh one upload's status; True once it is ready or failed."""
    if outcome.document_id is None:
        return True
    if outcome.status in ("ready", "failed"):
        return True
    try:
        response = client.get(f"/api/documents/{outcome.document_id}/", headers={"Accept": "application/json"})
    except httpx.HTTPError:
        return False
    if response.status_code == 200:
        outcome.status = str(response.json().get("status", ""))
        if outcome.status in ("ready", "failed"):
            outcome.seconds_to_final = time.monotonic() - sent
            return True
    return False


@dataclass
class Plan:
    """A load run: how many askers, for how long, which questions, and how they ask."""

    askers: int
    seconds: float
    uploads: int
    questions: list[str]
    client_timeout: float
    modes: list[str]  # one per asker: "stream" or "wait"
    drain: float = 120.0  # after the run, how long uploads may still take to reach ready
    seed: int = 1
    asks: list[AskOutcome] = field(default_factory=list)
    upload_outcomes: list[UploadOutcome] = field(default_factory=list)


def run(plan: Plan, clients: list[httpx.Client], uploader: httpx.Client, tick: Callable[[], None]) -> None:
    """Askers ask until the run's time is up (a question already sent runs to its end); uploads spread over it."""
    stop = time.monotonic() + plan.seconds
    lock = threading.Lock()

    def asker(i: int) -> None:
        rng = random.Random(plan.seed * 1000 + i)
        ask = ask_stream if plan.modes[i] == "stream" else ask_wait
        while time.monotonic() < stop:
            outcome = ask(clients[i], rng.choice(plan.questions), plan.client_timeout)
            with lock:
                plan.asks.append(outcome)
            tick()
            if outcome.retry_after or (outcome.error and outcome.status_code is None and not outcome.timed_out):
                time.sleep(_retry_after(outcome.retry_after))  # as a polite client: not a hot loop

    threads = [threading.Thread(target=asker, args=(i,), name=f"asker-{i}", daemon=True) for i in range(plan.askers)]
    uploads = threading.Thread(target=_uploads, args=(plan, uploader, stop), name="uploads", daemon=True)
    for thread in [*threads, uploads]:
        thread.start()
    for thread in [*threads, uploads]:
        thread.join()


def _retry_after(header: str) -> float:
    try:
        return min(max(float(header), 0.5), 30.0)
    except ValueError:
        return 1.0


def _uploads(plan: Plan, client: httpx.Client, stop: float) -> None:
    """Upload at even intervals over the run, polling the pending ones between; then until final or the drain."""
    start = stop - plan.seconds
    pending: list[tuple[UploadOutcome, float]] = []
    for n in range(plan.uploads):
        at = start + (n + 0.5) * plan.seconds / plan.uploads
        while time.monotonic() < at:
            pending = [(u, s) for u, s in pending if not poll_upload(client, u, s)]
            time.sleep(min(1.0, max(0.0, at - time.monotonic())))
        outcome, sent = upload_text(client, n)
        plan.upload_outcomes.append(outcome)
        pending.append((outcome, sent))
    give_up = stop + plan.drain
    while pending and time.monotonic() < give_up:
        pending = [(u, s) for u, s in pending if not poll_upload(client, u, s)]
        time.sleep(1.0)
