"""The OpenAI Batch API wire: files and batches endpoints of an OpenAI-compatible server.

Only the wire: input lines, upload, create, look up, retrieve, download, and
turning one output or error line into an answer. Submitting, waiting, the journal in
the run folder and resubmission are the batch mode's (``harness.run.batches``);
parsing an answer is the chat wire's (``OpenAICompat.parse``), so a batch answer is
checked exactly as an interactive one. Each call goes through ``call_with_retry``
with the system's ``max_attempts``; 404, 405 and 501 on these routes mean the
server has no Batch API (vLLM, Ollama, most gateways): ``NoBatchApi``, never retried.
"""

from __future__ import annotations

import json
from typing import Any

from harness.backends.base import BackendError
from harness.backends.openai_errors import error_message, redact
from harness.backends.retry import call_with_retry

ENDPOINT = "/v1/chat/completions"
WINDOW = "24h"
UNSUPPORTED = frozenset({404, 405, 501})
RETRYABLE_LINE = frozenset({408, 409, 429})  # plus every 5xx: a line failing these may pass in a new batch


class NoBatchApi(BackendError):
    """The server answers the files or batches route with 404/405/501."""


class OpenAIBatchWire:
    """The Batch API of one ``OpenAICompat`` system (its client, key and limits)."""

    def __init__(self, backend: Any):
        self.backend = backend

    # -- input -----------------------------------------------------------
    @staticmethod
    def line(custom_id: str, body: dict[str, Any]) -> bytes:
        """One input line: the body the interactive path would send to /chat/completions."""
        row = {"custom_id": custom_id, "method": "POST", "url": ENDPOINT, "body": body}
        return (json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n").encode()

    # -- calls -----------------------------------------------------------
    def _call(self, what: str, fn: Any) -> Any:
        backend = self.backend

        def retryable(exc: BaseException) -> bool:
            return getattr(exc, "status_code", None) not in UNSUPPORTED and backend.is_retryable(exc)
        try:
            return call_with_retry(fn, retryable=retryable, max_attempts=backend.options.max_attempts,
                                   max_wait=backend.options.max_wait)
        except BackendError:
            raise
        except Exception as exc:
            status = getattr(exc, "status_code", None)
            if status in UNSUPPORTED:
                said = redact(error_message(exc) or "", backend.key_env)[:160]
                raise NoBatchApi(f"{backend.base_url} has no Batch API: {what} answered HTTP {status}"
                                 + (f" ({said})" if said else "")) from None
            raise BackendError(f"Batch API {what} failed: {backend.explain(exc)}") from None

    def probe(self) -> None:
        """Raise ``NoBatchApi`` if the server has no files route (one read, nothing spent)."""
        client = self.backend.client()
        self._call("GET /files", lambda: client.files.list(purpose="batch", limit=1))

    def upload(self, name: str, data: bytes) -> str:
        client = self.backend.client()
        obj = self._call("POST /files", lambda: client.files.create(file=(name, data, "application/jsonl"),
                                                                    purpose="batch"))
        return str(obj.id)

    def find_upload(self, name: str) -> str | None:
        """The id of an earlier upload named ``name`` (a run killed before it noted the id)."""
        client = self.backend.client()
        page = self._call("GET /files", lambda: client.files.list(purpose="batch"))
        return next((str(f.id) for f in page if getattr(f, "filename", None) == name), None)

    def create(self, file_id: str, metadata: dict[str, str]) -> dict[str, Any]:
        client = self.backend.client()
        return self._dump(self._call("POST /batches", lambda: client.batches.create(
            input_file_id=file_id, endpoint=ENDPOINT, completion_window=WINDOW, metadata=metadata)))

    def find_batch(self, file_id: str) -> dict[str, Any] | None:
        """A batch already made from ``file_id`` (a run killed before it noted the batch id)."""
        client = self.backend.client()
        page = self._call("GET /batches", lambda: client.batches.list(limit=100))
        for n, obj in enumerate(page):
            if getattr(obj, "input_file_id", None) == file_id:
                return self._dump(obj)
            if n >= 1000:  # the newest thousand batches: ours was made moments before the crash
                break
        return None

    def retrieve(self, batch_id: str) -> dict[str, Any]:
        client = self.backend.client()
        return self._dump(self._call(f"GET /batches/{batch_id}", lambda: client.batches.retrieve(batch_id)))

    def content(self, file_id: str) -> bytes:
        client = self.backend.client()
        return bytes(self._call(f"GET /files/{file_id}/content", lambda: client.files.content(file_id)).content)

    @staticmethod
    def _dump(obj: Any) -> dict[str, Any]:
        return obj.model_dump(mode="json") if hasattr(obj, "model_dump") else dict(obj)

    # -- output ----------------------------------------------------------
    def parse_line(self, row: dict[str, Any]) -> tuple[dict[str, Any] | None, str | None, bool]:
        """(answer, error, worth resubmitting) for one output- or error-file line."""
        response = row.get("response") or {}
        status = response.get("status_code")
        if row.get("error") is None and status == 200 and isinstance(response.get("body"), dict):
            try:
                return self.backend.parse_body(response["body"]), None, False
            except BackendError as exc:
                return None, str(exc), False
        error = row.get("error") or {}
        body = response.get("body") if isinstance(response.get("body"), dict) else {}
        said = error.get("message") or (body.get("error") or {}).get("message") or "no reason given"
        code = error.get("code") or (f"HTTP {status}" if status else "error")
        retry = code == "batch_expired" or (status is not None and (status in RETRYABLE_LINE or status >= 500))
        return None, redact(f"{code}: {' '.join(str(said).split())}"[:300], self.backend.key_env), retry
