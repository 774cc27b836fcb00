"""A local, OpenAI-compatible chat-completions server for tests, demos and benchmarks.

Its answers are FAKE and say so: a "summary" is the first sentences of the
article (the text between ``<article>`` and ``</article>`` in the prompt, or
the whole last user message), starting with ``[fake]``; the response's
``model`` echoes the request and ``system_fingerprint`` is ``sumbench-fake``;
every response carries the header ``X-Sumbench-Fake: 1``. Nothing here is a
model; use it to exercise the plumbing (retries, cache, resume, concurrency),
never to judge summary quality.

It binds 127.0.0.1 only and keeps HTTP/1.1 connections alive with a listen
backlog of 512 (the stdlib default of 5 refuses bursts of 64+ connections).

Features: configurable latency; token usage counts; a request counter;
structured output (``response_format={"type": "json_schema", ...}`` gets
deterministic JSON that conforms to the schema); token logprobs (``"logprobs": true``
with ``"top_logprobs": k``, see ``fake_content.fake_logprobs``); a ``responder`` hook for
custom answers; a ``raw`` hook that sends any status, content type and body
(other servers' shapes: no ``usage``, ``content: null``, an HTML 502 page);
fault injection, either scripted (``script("429", "ok")`` applies to the
next requests in order) or random at a rate with a seed:
``429`` (with ``Retry-After``), ``500``, ``503``, ``hang`` (answers only after
``hang_seconds``, past a client timeout), ``malformed`` (200 with a broken
JSON body), ``drop`` (closes the connection without answering), ``401``,
``garbage`` (200 characters of U+FFFD with ``finish_reason: length``).
``retry_after_header`` names the 429's wait header (a gateway's own name, e.g.
LiteLLM's ``llm_provider-retry-after``); ``strict_schema`` answers 400 to any
``response_format``, as servers without structured output do.

The Batch API (``/v1/files``, ``/v1/batches``) is in ``fake_batches``: ``batch_delay``
(seconds until a batch completes), ``batch_fail_rate`` (share of lines that fail, by
a hash of seed and ``custom_id``), ``batch_expire`` (batches end ``expired``). Those
routes get the ``require_key`` check but no latency, injected faults or ``requests``
count; ``stats()`` counts them apart (``files_uploaded``, ``batches_created``,
``batch_lines``, ``batch_lines_failed``) from ``chat_completions``.

Run it standalone: ``python -m harness.testing.fake_server --port 8000``.
"""

from __future__ import annotations

import argparse
import json
import random
import socket
import threading
import time
from collections import Counter, deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable

from harness.testing.fake_batches import BatchApiError, BatchStore
from harness.testing.fake_content import (  # noqa: F401
    count_tokens,
    fake_json,
    fake_logprobs,
    fake_summary,
    message_text,
)

FAULT_KINDS = ("429", "500", "503", "hang", "malformed", "drop", "401", "garbage")
GARBAGE = "\ufffd" * 200  # what a model past its context window sent back, with finish_reason "length"
Responder = Callable[[dict[str, Any]], "str | None"]
RawResponder = Callable[[dict[str, Any]], "tuple[int, str, bytes] | None"]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 512  # listen backlog: 64+ simultaneous connects must not be refused
    fake: "FakeServer"

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that gave up (timeouts, drops) are expected; stay quiet about them."""
        import sys

        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like real endpoints
    disable_nagle_algorithm = True  # headers and body go out as separate writes: no 40 ms delayed-ACK stall
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _send(self, status: int, payload: bytes, headers: dict[str, str] | None = None,
              content_type: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("X-Sumbench-Fake", "1")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(payload)

    def _error(self, status: int, message: str, kind: str, headers: dict[str, str] | None = None) -> None:
        body = {"error": {"message": f"{message} (sumbench fake server)", "type": kind, "code": None}}
        self._send(status, json.dumps(body).encode(), headers)

    def _batch_api(self, method: str, raw: bytes = b"") -> bool:
        """Answer a files/batches route (see fake_batches); False when the path is not one."""
        fake = self.server.fake
        if not fake.batch_api or not fake.batches.owns(self.path):
            return False  # no Batch API: a 404 like vLLM's or Ollama's
        try:
            if not fake._authorized(self.headers.get("Authorization")):
                raise BatchApiError(401, "incorrect API key provided")
            status, payload, content_type = fake.batches.route(method, self.path,
                                                               self.headers.get("Content-Type", ""), raw)
        except BatchApiError as e:
            self._error(e.status, e.message, e.kind)
        else:
            self._send(status, payload, content_type=content_type)
        return True

    def do_GET(self) -> None:
        if self._batch_api("GET"):
            return
        if self.path.startswith("/_sumbench/"):  # for benchmarks driving a server in another process
            fake = self.server.fake
            if self.path.rstrip("/") == "/_sumbench/reset":
                fake.reset()
            return self._send(200, json.dumps(fake.stats()).encode())
        if self.path.rstrip("/").endswith("/models"):
            self._send(200, json.dumps({"object": "list", "data": [
                {"id": "sumbench-fake", "object": "model", "owned_by": "sumbench"}]}).encode())
        else:
            self._error(404, f"no route GET {self.path}", "invalid_request_error")

    def do_POST(self) -> None:
        fake = self.server.fake
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        if self._batch_api("POST", raw):
            return
        if self.path.rstrip("/").endswith("/chat/completions"):
            fake._count("chat_completions")
        fault = fake._next_fault(self.headers.get("Authorization"))
        if fault == "drop":
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        if fault == "hang":
            fake._stopping.wait(fake.hang_seconds)
        elif fake.latency:
            fake._stopping.wait(fake.latency)
        if fault == "429":
            return self._error(429, "rate limit reached", "rate_limit_exceeded",
                               {fake.retry_after_header: f"{fake.retry_after:g}"})
        if fault in ("500", "503"):
            return self._error(int(fault), "injected server error", "server_error")
        if fault == "401":
            return self._error(401, "incorrect API key provided", "invalid_request_error")
        if not self.path.rstrip("/").endswith("/chat/completions"):
            return self._error(404, f"no route POST {self.path}", "invalid_request_error")
        try:
            body = json.loads(raw)
            if not isinstance(body, dict) or not body.get("model") or not isinstance(body.get("messages"), list):
                raise ValueError
        except ValueError:
            return self._error(400, "body must be JSON with 'model' and 'messages'", "invalid_request_error")
        if fake.strict_schema and body.get("response_format"):  # e.g. a model without structured output
            return self._error(400, f"response_format {body['response_format'].get('type')} is not supported by "
                                    "this model", "invalid_request_error")
        canned = fake.raw(body) if fake.raw else None
        if canned is not None:  # a response shaped like another server's (no usage, an HTML 502 page, ...)
            status, content_type, data = canned
            return self._send(status, data, content_type=content_type)
        answer = fake.completion(body)
        if fault == "garbage":
            answer["choices"][0]["finish_reason"] = "length"
            answer["choices"][0]["message"]["content"] = GARBAGE
        payload = json.dumps(answer).encode()
        if fault == "malformed":
            payload = payload[: len(payload) // 2]
        self._send(200, payload)
        fake._answered()


class FakeServer:
    """Start with ``with FakeServer(latency=0.2) as srv:``; point clients at ``srv.base_url``."""

    def __init__(self, *, port: int = 0, latency: float = 0.0, fault_rate: float = 0.0,
                 fault_kinds: tuple[str, ...] = ("429", "500", "503", "malformed", "drop"),
                 seed: int = 0, retry_after: float = 1.0, hang_seconds: float = 30.0,
                 require_key: str | None = None, responder: Responder | None = None,
                 raw: RawResponder | None = None, retry_after_header: str = "Retry-After",
                 strict_schema: bool = False, batch_delay: float = 0.0, batch_fail_rate: float = 0.0,
                 batch_expire: bool = False, batch_api: bool = True):
        unknown = set(fault_kinds) - set(FAULT_KINDS)
        if unknown:
            raise ValueError(f"unknown fault kinds {sorted(unknown)}; known: {FAULT_KINDS}")
        self.latency = latency
        self.fault_rate = fault_rate
        self.fault_kinds = tuple(fault_kinds)
        self.retry_after = retry_after
        self.retry_after_header = retry_after_header  # a gateway's name, e.g. "llm_provider-retry-after"
        self.strict_schema = strict_schema  # answer 400 to any response_format, as strict servers do
        self.hang_seconds = hang_seconds
        self.require_key = require_key
        self.responder = responder
        self.raw = raw  # body -> (status, content type, bytes) sent verbatim, or None for a normal answer
        self.requests = 0  # POSTs received, whatever their outcome
        self.outcomes: Counter[str] = Counter()
        self.auth_seen: set[str] = set()  # Authorization headers received (tests check key routing)
        self.first_request_at: float | None = None  # time.monotonic() of the first POST since reset
        self.last_response_at: float | None = None  # ... and of the last completed answer
        self.counts: Counter[str] = Counter()  # chat_completions, files_uploaded, batches_created, batch_lines...
        self.batch_api = batch_api
        self.batches = BatchStore(self, delay=batch_delay, fail_rate=batch_fail_rate, expire=batch_expire, seed=seed)
        self._rng = random.Random(seed)
        self._script: deque[str] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd = _Server(("127.0.0.1", port), _Handler)
        self._httpd.fake = self
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def script(self, *kinds: str) -> None:
        """Apply these outcomes to the next requests, in order ("ok" = a normal answer)."""
        for k in kinds:
            if k != "ok" and k not in FAULT_KINDS:
                raise ValueError(f"unknown fault {k!r}; known: ok, {', '.join(FAULT_KINDS)}")
        with self._lock:
            self._script.extend(kinds)

    def stats(self) -> dict[str, Any]:
        with self._lock:
            span = (self.last_response_at - self.first_request_at
                    if self.first_request_at is not None and self.last_response_at is not None else None)
            counts = {k: self.counts[k] for k in ("chat_completions", "files_uploaded", "batches_created",
                                                  "batch_lines", "batch_lines_failed")}
            return {"requests": self.requests, "outcomes": dict(self.outcomes), "span_seconds": span, **counts,
                    # time.monotonic() is one system-wide clock on Linux: a benchmark in another
                    # process can place the request phase inside its own timeline
                    "first_request_monotonic": self.first_request_at, "last_response_monotonic": self.last_response_at}

    def reset(self) -> None:
        """Zero the counters and the request-phase clock."""
        with self._lock:
            self.requests, self.outcomes, self.counts = 0, Counter(), Counter()
            self.first_request_at = self.last_response_at = None

    def _count(self, key: str, n: int = 1) -> None:
        with self._lock:
            self.counts[key] += n

    def _authorized(self, auth: str | None) -> bool:
        """The ``require_key`` check, for routes outside the fault script (files, batches)."""
        with self._lock:
            if auth:
                self.auth_seen.add(auth)
        return self.require_key is None or auth == f"Bearer {self.require_key}"

    def _answered(self) -> None:
        with self._lock:
            self.last_response_at = time.monotonic()

    def _next_fault(self, auth: str | None) -> str | None:
        with self._lock:
            if self.first_request_at is None:
                self.first_request_at = time.monotonic()
            self.requests += 1
            if auth:
                self.auth_seen.add(auth)
            if self._script:
                kind: str | None = self._script.popleft()
            elif self.require_key is not None and auth != f"Bearer {self.require_key}":
                kind = "401"
            elif self.fault_rate and self._rng.random() < self.fault_rate:
                kind = self._rng.choice(self.fault_kinds)
            else:
                kind = None
            kind = None if kind == "ok" else kind
            self.outcomes[kind or "ok"] += 1
            return kind

    def completion(self, body: dict[str, Any]) -> dict[str, Any]:
        """The chat.completion object answering ``body``."""
        text = self.responder(body) if self.responder else None
        finish = "stop"
        fmt = body.get("response_format") or {}
        if text is None and fmt.get("type") == "json_schema":
            schema = (fmt.get("json_schema") or {}).get("schema") or {}
            text = json.dumps(fake_json(schema), sort_keys=True)
        elif text is None and fmt.get("type") == "json_object":
            text = json.dumps({"fake": True})
        elif text is None:
            text, finish = fake_summary(body)
        prompt = "\n".join(message_text(m.get("content")) for m in body["messages"] if isinstance(m, dict))
        usage = {"prompt_tokens": count_tokens(prompt), "completion_tokens": count_tokens(text)}
        usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
        with self._lock:
            n = self.outcomes["ok"]
        logprobs = {"content": fake_logprobs(text, body.get("top_logprobs") or 0), "refusal": None} \
            if body.get("logprobs") else None  # OpenAI's shape; digits get deterministic neighbours
        return {"id": f"chatcmpl-fake-{n}", "object": "chat.completion", "created": 0,
                "model": body["model"], "system_fingerprint": "sumbench-fake",
                "choices": [{"index": 0, "finish_reason": finish, "logprobs": logprobs,
                             "message": {"role": "assistant", "content": text, "refusal": None}}],
                "usage": usage}

    def start(self) -> "FakeServer":
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="fake-openai", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # releases hanging/latency waits
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self) -> "FakeServer":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m harness.testing.fake_server",
                                description="Local FAKE OpenAI-compatible server (127.0.0.1 only).")
    p.add_argument("--port", type=int, default=8000, help="0 picks a free port (printed on start)")
    p.add_argument("--latency", type=float, default=0.0, help="seconds before each answer")
    p.add_argument("--fault-rate", type=float, default=0.0, help="share of requests that get a random fault")
    p.add_argument("--faults", default="429,500,503,malformed,drop", help=f"comma list of {','.join(FAULT_KINDS)}")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--retry-after", type=float, default=1.0, help="Retry-After seconds on injected 429s")
    p.add_argument("--retry-after-header", default="Retry-After", help="its header name (a gateway's own)")
    p.add_argument("--strict-schema", action="store_true", help="answer 400 to any response_format")
    p.add_argument("--hang-seconds", type=float, default=30.0)
    p.add_argument("--require-key", help="answer 401 unless 'Authorization: Bearer <this>'")
    p.add_argument("--batch-delay", type=float, default=0.0, help="seconds until a batch completes")
    p.add_argument("--batch-fail-rate", type=float, default=0.0, help="share of batch lines that fail")
    p.add_argument("--batch-expire", action="store_true", help="batches end 'expired', half done")
    p.add_argument("--no-batch-api", action="store_true", help="answer 404 on /files and /batches (as vLLM)")
    a = p.parse_args(argv)
    srv = FakeServer(port=a.port, latency=a.latency, fault_rate=a.fault_rate,
                     fault_kinds=tuple(k for k in a.faults.split(",") if k), seed=a.seed,
                     retry_after=a.retry_after, hang_seconds=a.hang_seconds, require_key=a.require_key,
                     retry_after_header=a.retry_after_header, strict_schema=a.strict_schema,
                     batch_delay=a.batch_delay, batch_fail_rate=a.batch_fail_rate, batch_expire=a.batch_expire,
                     batch_api=not a.no_batch_api)
    print(f"FAKE OpenAI-compatible server on {srv.base_url} (Ctrl-C stops)", flush=True)
    try:
        srv._httpd.serve_forever(poll_interval=0.05)
    except KeyboardInterrupt:
        pass
    finally:
        srv._stopping.set()
        srv._httpd.server_close()


if __name__ == "__main__":
    main()
