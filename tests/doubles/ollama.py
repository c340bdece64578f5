"""A test double of Ollama's HTTP API, because no Ollama binary exists in any registry this machine reaches.

Everything else in this project is tested against the real thing; Ollama cannot run here, so the
Ollama adapter is tested against this small server, written from Ollama's API reference
(github.com/ollama/ollama docs/api.md) and its request handlers (server/routes.go), and checked
against the official `ollama` Python SDK, which parses every answer it gives.

Faithful to the protocol:
- `GET /` ("Ollama is running"), `GET /api/version`, `GET /api/tags`, `POST /api/show`,
  `POST /api/chat`, `POST /api/embed`; an unknown path is Go's text/plain "404 page not found",
  a wrong method "405 method not allowed".
- `/api/chat` streams by default: NDJSON (`application/x-ndjson`, chunked), one object per piece with
  `done: false`, then a final object with `done: true`, `done_reason` ("stop", or "length" when
  `options.num_predict` cut the answer), `prompt_eval_count`, `eval_count` and durations in ns.
  `"stream": false` gives one JSON object. An empty `messages` list loads the model (`done_reason: "load"`).
  `images` must be base64 (Go's strict decoding): otherwise 400 "illegal base64 data at input byte N".
- `/api/embed` takes `input` as a string or a list of strings and answers `embeddings` (normalised,
  like Ollama), in input order, optionally cut to `dimensions`.
- Errors are `{"error": "..."}` with Ollama's status and words: 400 "model is required",
  "missing request body", "invalid input type", `"<model>" does not support chat`; 404
  "model '<model>' not found". Model names match like Ollama's: case-insensitive, no tag means ":latest".
- Connections are HTTP/1.1 keep-alive, so a client's connection pool is exercised.

The answers (routes, validation, models, default answer and embedding functions) live in
ollama_api.py; this module serves them over HTTP and adds fault injection and request recording.

Not modelled: tokenisation (a "token" is a whitespace-separated word), prompt truncation beyond
capping `prompt_eval_count` at the effective context, thinking, tools, /api/generate, pulls.

Configuration (constructor arguments or attributes, changeable while running):
- `models`: which models exist (`OllamaModel.chat/.vision/.embedding(name, ...)`).
- `embed_fn(texts) -> vectors`: default `None` is deterministic hashed bag-of-words vectors of each
  model's dimension; plug in a real model (e.g. `LocalEmbedder(...).embed_batch`).
- `chat_fn(call) -> text`: default `cite_sources_answer` cites `[n]` when the system message holds
  numbered sources, and describes images by their format and size.
- Faults: `fail_next(n, status=500)`, `break_stream_after(n)`, `delay` (seconds before each answer),
  `chunk_delay` (seconds between streamed pieces), `stop()` / `start()` on the same port.
- `requests` records every request (method, path, JSON body) so tests can assert what was sent;
  `errors` collects the double's own bugs (the fixture fails a test that caused any).
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.doubles.ollama_api import (
    DEFAULT_MODELS,
    ROUTES,
    ApiError,
    ChatCall,
    ChatFn,
    EmbedFn,
    OllamaApi,
    OllamaModel,
    cite_sources_answer,
    hash_embedding,
)
from tests.processes import free_port

__all__ = ["ChatCall", "OllamaDouble", "OllamaModel", "RecordedRequest", "cite_sources_answer", "hash_embedding"]


@dataclass(frozen=True)
class RecordedRequest:
    """One request the double received."""

    method: str
    path: str
    body: Any  # the parsed JSON body, or None


class OllamaDouble(OllamaApi):
    """A running Ollama look-alike on 127.0.0.1; see the module docstring."""

    def __init__(
        self,
        models: Sequence[OllamaModel] = DEFAULT_MODELS,
        *,
        embed_fn: EmbedFn | None = None,
        chat_fn: ChatFn = cite_sources_answer,
        port: int | None = None,
        version: str = "0.12.6",
    ) -> None:
        super().__init__(models, embed_fn=embed_fn, chat_fn=chat_fn, version=version)
        self.port = port or free_port()
        self.delay = 0.0
        self.chunk_delay = 0.0
        self.errors: list[str] = []
        self._requests: list[RecordedRequest] = []
        self._faults: list[tuple[str | None, int, str]] = []
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    # --- lifecycle
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self) -> OllamaDouble:
        """Listen on the double's port (the same one after a stop)."""
        if self._server is None:
            self._stopping = threading.Event()
            self._server = _Server(("127.0.0.1", self.port), self)
            self._thread = threading.Thread(
                target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="ollama-double", daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop like a killed server: refuse new connections and cut open ones, mid-answer included."""
        server, self._server = self._server, None
        if server is None:
            return
        server.stopped = True  # handlers write nothing more
        self._stopping.set()  # wakes handlers sleeping in a delay
        server.drop_connections()
        server.shutdown()
        server.server_close()
        server.drop_connections()  # any accepted while the listener was closing
        if self._thread is not None:
            self._thread.join(timeout=5)

    def restart(self) -> None:
        self.stop()
        self.start()

    def __enter__(self) -> OllamaDouble:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- faults
    def fail_next(
        self,
        count: int = 1,
        *,
        status: int = 500,
        error: str = "llama runner process has terminated: exit status 2",
        path: str | None = None,
    ) -> None:
        """Answer the next `count` requests (to `path`, or any) with `status` and {"error": error}."""
        with self._lock:
            self._faults.extend([(path, status, error)] * count)

    def _take_fault(self, path: str) -> tuple[int, str] | None:
        with self._lock:
            for i, (only, status, error) in enumerate(self._faults):
                if only is None or only == path:
                    del self._faults[i]
                    return status, error
        return None

    def pause(self, seconds: float) -> None:
        """Sleep, but wake at once when the server stops."""
        if seconds > 0:
            self._stopping.wait(seconds)

    # --- what was received
    def record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def requests_to(self, path: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path == path]

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True  # restart on the same port at once

    def __init__(self, address: tuple[str, int], double: OllamaDouble) -> None:
        self.double = double
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        self.stopped = False
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # like Go: each streamed piece leaves at once
        with self.connections_lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def drop_connections(self) -> None:
        with self.connections_lock:
            connections, self.connections = list(self.connections), set()
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up, or a stop() mid-answer: nothing to report."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like Go's server
    server: _Server

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_HEAD(self) -> None:
        self._dispatch("HEAD")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: pytest shows failures, not access logs."""

    def _dispatch(self, method: str) -> None:
        double = self.server.double
        path = self.path.split("?", 1)[0]
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode(errors="replace")
        double.record(RecordedRequest(method, path, body))
        try:
            double.pause(double.delay)
            if self.server.stopped:
                return  # stopped while waiting: the connection is gone
            fault = double._take_fault(path)
            if fault:
                self._json(fault[0], {"error": fault[1]})
            elif path not in ROUTES:
                self._text(404, "404 page not found")
            elif method not in ROUTES[path]:
                self._text(405, "405 method not allowed")
            elif path == "/":
                self._text(200, "Ollama is running")
            else:
                self._answer(getattr(double, ROUTES[path][method]), method, raw, body)
        except OSError:
            pass  # the client or stop() closed the connection
        except Exception as exc:  # noqa: BLE001 - a bug in the double: answer 500, the fixture fails the test
            double.errors.append(f"{method} {path}: {type(exc).__name__}: {exc}")
            self._json(500, {"error": f"Ollama test double bug: {exc}"})

    def _answer(self, endpoint: Callable[[Any], Any], method: str, raw: bytes, body: Any) -> None:
        if method == "POST" and not raw:
            return self._json(400, {"error": "missing request body"})
        if method == "POST" and not isinstance(body, dict):
            return self._json(400, {"error": "invalid character looking for beginning of value"})
        try:
            result = endpoint(body)
        except ApiError as exc:
            return self._json(exc.status, {"error": exc.message})
        if isinstance(result, dict):
            return self._json(200, result)
        self._stream(result)

    def _json(self, status: int, payload: Any) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _text(self, status: int, text: str) -> None:
        data = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _stream(self, objects: Iterator[dict[str, Any]]) -> None:
        double = self.server.double
        self.send_response(200)
        self.send_header("Content-Type", "application/x-ndjson")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for i, obj in enumerate(objects):
            if i:
                double.pause(double.chunk_delay)
            if self.server.stopped:
                return  # cut mid-answer, like a killed server
            line = json.dumps(obj).encode() + b"\n"
            self.wfile.write(b"%x\r\n%s\r\n" % (len(line), line))
        self.wfile.write(b"0\r\n\r\n")
