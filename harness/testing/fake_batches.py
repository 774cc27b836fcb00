"""The OpenAI Batch API, faked, for the fake server (``harness.testing.fake_server``).

Routes: ``POST /v1/files`` (multipart: ``purpose`` and ``file``), ``GET /v1/files``, ``GET /v1/files/{id}``,
``GET /v1/files/{id}/content``, ``POST /v1/batches``, ``GET /v1/batches``,
``GET /v1/batches/{id}``, ``POST /v1/batches/{id}/cancel``. Everything lives in memory.

A batch moves on when it is retrieved, never in the background: the first retrieve
after creation takes it from ``validating`` to ``in_progress`` (or to ``failed``, with
``errors.data`` naming the bad input lines), and a retrieve ``delay`` seconds after
creation (``0``: that same first retrieve) finishes it as ``completed``, or as
``expired`` with only the first half of the lines done when ``expire`` is set (the
rest go to the error file as ``batch_expired``). A cancel makes it ``cancelling``; the
next retrieve makes it ``cancelled`` with the share of lines done that ``delay`` had
allowed by the cancel (none when ``delay`` is 0); lines not done are in neither file.

Each successful line's ``response.body`` is exactly what ``/v1/chat/completions``
answers for its ``body`` (the same ``[fake]`` text). A line fails (status 500) when a
hash of the seed and its ``custom_id`` falls under ``fail_rate``, so runs repeat;
bodies without ``model``/``messages`` fail with 400. Output and error files list
their lines in reverse input order: the real API promises no order.
"""

from __future__ import annotations

import email.parser
import email.policy
import hashlib
import json
import re
import threading
import time
import urllib.parse
import uuid
from collections.abc import Callable
from typing import Any

ROUTE = re.compile(r"^(?:/v1)?/(files|batches)(?:/([^/]+))?(?:/(content|cancel))?/?$")
ENDPOINT = "/v1/chat/completions"
WINDOW = "24h"


class BatchApiError(Exception):
    """An error answer: the fake server sends it in OpenAI's error shape."""

    def __init__(self, status: int, message: str, kind: str = "invalid_request_error"):
        super().__init__(message)
        self.status, self.message, self.kind = status, message, kind


def _new_id(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:24]}"


def parse_multipart(content_type: str, raw: bytes) -> dict[str, tuple[str | None, bytes]]:
    """Form fields of a multipart/form-data body: name -> (filename or None, bytes)."""
    if not content_type.lower().startswith("multipart/form-data"):
        raise BatchApiError(400, "POST /v1/files expects multipart/form-data")
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + raw)
    fields: dict[str, tuple[str | None, bytes]] = {}
    for part in msg.iter_parts() if msg.is_multipart() else ():
        name = part.get_param("name", header="content-disposition")
        if name:
            fields[str(name)] = (part.get_filename(), part.get_payload(decode=True) or b"")
    return fields


def _problem(item: Any, seen: set[str]) -> tuple[str, str] | None:
    """Why one input line is unusable (code, message), or None."""
    if not isinstance(item, dict):
        return "invalid_json_line", "each line must be a JSON object"
    for key in ("custom_id", "method", "url", "body"):
        if key not in item:
            return "missing_required_parameter", f"the line has no '{key}'"
    if not isinstance(item["custom_id"], str) or not item["custom_id"]:
        return "invalid_custom_id", "custom_id must be a non-empty string"
    if item["custom_id"] in seen:
        return "duplicate_custom_id", f"custom_id {item['custom_id']!r} is used more than once in this file"
    if item["method"] != "POST":
        return "invalid_method", f"method must be POST, not {item['method']!r}"
    if item["url"] != ENDPOINT:
        return "invalid_url", f"url must be {ENDPOINT}, the batch's endpoint, not {item['url']!r}"
    if not isinstance(item["body"], dict):
        return "invalid_body", "body must be a JSON object"
    return None


def validate_lines(data: bytes) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(usable lines, errors in the shape of a Batch's ``errors.data``) of a JSONL input file."""
    lines: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    seen: set[str] = set()

    def error(code: str, message: str, line: int | None) -> None:
        errors.append({"code": code, "message": message, "param": None, "line": line})
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        error("invalid_file", "the input file is not UTF-8", None)
        return [], errors
    for no, row in enumerate(text.splitlines(), 1):
        if not row.strip():
            continue
        try:
            item = json.loads(row)
        except ValueError:
            error("invalid_json_line", "this line is not valid JSON", no)
            continue
        problem = _problem(item, seen)
        if problem:
            error(*problem, no)
            continue
        seen.add(item["custom_id"])
        lines.append(item)
    if not lines and not errors:
        error("empty_file", "the input file has no requests", None)
    return lines, errors


class BatchStore:
    """Files and batches of one fake server (``fake``: its ``completion``, ``strict_schema``, ``_count``)."""

    def __init__(self, fake: Any, *, delay: float = 0.0, fail_rate: float = 0.0, expire: bool = False,
                 seed: int = 0, clock: Callable[[], float] = time.monotonic):
        self.fake, self.delay, self.fail_rate, self.expire, self.seed = fake, delay, fail_rate, expire, seed
        self.clock = clock  # tests may swap it to move time without sleeping
        self.files: dict[str, dict[str, Any]] = {}
        self.contents: dict[str, bytes] = {}
        self.batches: dict[str, dict[str, Any]] = {}
        self._private: dict[str, dict[str, Any]] = {}  # batch id -> lines, validation errors, start, progress
        self._lock = threading.Lock()

    @staticmethod
    def owns(path: str) -> bool:
        return ROUTE.match(path.split("?", 1)[0]) is not None

    def route(self, method: str, path: str, content_type: str, raw: bytes) -> tuple[int, bytes, str]:
        """(status, payload, content type) answering one request; raises BatchApiError."""
        match = ROUTE.match(path.split("?", 1)[0])
        if match is None:
            raise BatchApiError(404, f"no route {method} {path}")
        kind, ident, action = match.groups()
        with self._lock:
            if kind == "files" and method == "POST" and not ident:
                result: Any = self._upload(content_type, raw)
            elif kind == "files" and method == "GET" and not ident:
                result = self._list_files(path)
            elif kind == "files" and method == "GET" and ident:
                result = self._file(ident, content=action == "content")
            elif kind == "batches" and method == "POST" and not ident:
                result = self._create(raw)
            elif kind == "batches" and method == "GET" and not ident:
                result = {"object": "list", "data": [self._advance(b) for b in reversed(self.batches.values())],
                          "has_more": False}
            elif kind == "batches" and method == "GET" and not action:
                result = self._advance(self._batch(ident))
            elif kind == "batches" and method == "POST" and action == "cancel":
                result = self._cancel(self._batch(ident))
            else:
                raise BatchApiError(404, f"no route {method} {path}")
        if isinstance(result, bytes):
            return 200, result, "application/octet-stream"
        return 200, json.dumps(result).encode(), "application/json"

    def _store(self, data: bytes, filename: str, purpose: str) -> dict[str, Any]:
        obj = {"id": _new_id("file-"), "object": "file", "bytes": len(data), "created_at": int(time.time()),
               "filename": filename, "purpose": purpose, "status": "processed", "status_details": None}
        self.files[obj["id"]], self.contents[obj["id"]] = obj, data
        return obj

    def _upload(self, content_type: str, raw: bytes) -> dict[str, Any]:
        fields = parse_multipart(content_type, raw)
        purpose = fields.get("purpose", (None, b""))[1].decode("utf-8", "replace").strip()
        if "file" not in fields or not purpose:
            raise BatchApiError(400, "multipart fields 'file' and 'purpose' are required")
        obj = self._store(fields["file"][1], fields["file"][0] or "upload.jsonl", purpose)
        self.fake._count("files_uploaded")
        return obj

    def _list_files(self, path: str) -> dict[str, Any]:
        """``GET /v1/files[?purpose=...&limit=...]``: newest first, as OpenAI lists them."""
        query = urllib.parse.parse_qs(path.partition("?")[2])
        purpose = query.get("purpose", [None])[0]
        files = [f for f in reversed(self.files.values()) if purpose is None or f["purpose"] == purpose]
        limit = int(query.get("limit", ["10000"])[0] or 10000)
        return {"object": "list", "data": files[:limit], "has_more": len(files) > limit}

    def _file(self, ident: str, *, content: bool) -> Any:
        if ident not in self.files:
            raise BatchApiError(404, f"No such File object: {ident}")
        return self.contents[ident] if content else self.files[ident]

    def _batch(self, ident: str) -> dict[str, Any]:
        if ident not in self.batches:
            raise BatchApiError(404, f"No such Batch object: {ident}")
        return self.batches[ident]

    def _create(self, raw: bytes) -> dict[str, Any]:
        try:
            req = json.loads(raw)
        except ValueError:
            req = None
        if not isinstance(req, dict) or not isinstance(req.get("input_file_id"), str):
            raise BatchApiError(400, "body must be JSON with 'input_file_id', 'endpoint', 'completion_window'")
        if req.get("endpoint") != ENDPOINT:
            raise BatchApiError(400, f"endpoint must be {ENDPOINT} on this server, not {req.get('endpoint')!r}")
        if req.get("completion_window") != WINDOW:
            raise BatchApiError(400, f"completion_window must be {WINDOW!r}")
        file = self.files.get(req["input_file_id"])
        if file is None:
            raise BatchApiError(404, f"No such File object: {req['input_file_id']}")
        if file["purpose"] != "batch":
            raise BatchApiError(400, f"the input file's purpose is {file['purpose']!r}, not 'batch'")
        lines, errors = validate_lines(self.contents[file["id"]])
        now = int(time.time())
        obj: dict[str, Any] = {
            "id": _new_id("batch_"), "object": "batch", "endpoint": ENDPOINT, "errors": None,
            "input_file_id": file["id"], "completion_window": WINDOW, "status": "validating",
            "output_file_id": None, "error_file_id": None, "created_at": now, "in_progress_at": None,
            "expires_at": now + 24 * 3600, "finalizing_at": None, "completed_at": None, "failed_at": None,
            "expired_at": None, "cancelling_at": None, "cancelled_at": None,
            "request_counts": {"total": 0, "completed": 0, "failed": 0}, "metadata": req.get("metadata")}
        self.batches[obj["id"]] = obj
        self._private[obj["id"]] = {"lines": lines, "errors": errors, "t0": self.clock(), "done": 0}
        self.fake._count("batches_created")
        return obj

    def _progress(self, ident: str) -> float:
        """Share of the batch's time that has passed (1.0 once ``delay`` is over)."""
        if self.delay <= 0:
            return 1.0
        return min(1.0, (self.clock() - self._private[ident]["t0"]) / self.delay)

    def _advance(self, obj: dict[str, Any]) -> dict[str, Any]:
        """Move the batch on as a retrieve does, and return it."""
        private, now = self._private[obj["id"]], int(time.time())
        if obj["status"] == "validating" and private["errors"]:
            obj.update(status="failed", failed_at=now, errors={"object": "list", "data": private["errors"]})
            return obj
        if obj["status"] == "validating":
            obj.update(status="in_progress", in_progress_at=now,
                       request_counts={"total": len(private["lines"]), "completed": 0, "failed": 0})
        if obj["status"] == "cancelling":
            self._finish(obj, "cancelled", private["done"])
        elif obj["status"] == "in_progress" and self._progress(obj["id"]) >= 1.0:
            total = len(private["lines"])
            self._finish(obj, "expired" if self.expire else "completed", total // 2 if self.expire else total)
        return obj

    def _cancel(self, obj: dict[str, Any]) -> dict[str, Any]:
        if obj["status"] not in ("validating", "in_progress"):
            raise BatchApiError(409, f"Cannot cancel a batch with status {obj['status']!r}")
        private = self._private[obj["id"]]
        done = 0 if obj["status"] == "validating" or self.delay <= 0 else self._progress(obj["id"])
        private["done"] = int(len(private["lines"]) * done)
        obj.update(status="cancelling", cancelling_at=int(time.time()),
                   request_counts={"total": len(private["lines"]), "completed": 0, "failed": 0})
        return obj

    def _finish(self, obj: dict[str, Any], status: str, done: int) -> None:
        """Answer the first ``done`` lines, write the output and error files, end as ``status``."""
        lines = self._private[obj["id"]]["lines"]
        out: list[dict[str, Any]] = []
        err: list[dict[str, Any]] = []
        for line in lines[:done]:
            ok, row = self._answer(line)
            (out if ok else err).append(row)
        if status == "expired":
            err += [{"id": _new_id("batch_req_"), "custom_id": line["custom_id"], "response": None,
                     "error": {"code": "batch_expired", "message": "This request could not be executed "
                               "before the completion window expired."}} for line in lines[done:]]
        now = int(time.time())
        obj["output_file_id"] = self._write(obj["id"], "output", out)
        obj["error_file_id"] = self._write(obj["id"], "error", err)
        obj["request_counts"] = {"total": len(lines), "completed": len(out), "failed": len(err)}
        obj.update({"status": status, f"{status}_at": now})
        if status != "cancelled":
            obj["finalizing_at"] = now
        self.fake._count("batch_lines", len(out))
        self.fake._count("batch_lines_failed", len(err))

    def _write(self, batch_id: str, which: str, rows: list[dict[str, Any]]) -> str | None:
        if not rows:
            return None
        data = "".join(json.dumps(r) + "\n" for r in reversed(rows)).encode()  # no order promised
        return str(self._store(data, f"{batch_id}_{which}.jsonl", "batch_output")["id"])

    def _fails(self, custom_id: str) -> bool:
        digest = hashlib.sha256(f"{self.seed}\0{custom_id}".encode()).digest()
        return int.from_bytes(digest[:8], "big") / 2**64 < self.fail_rate

    def _answer(self, line: dict[str, Any]) -> tuple[bool, dict[str, Any]]:
        """(succeeded, output or error file row) for one input line."""
        body, head = line["body"], {"id": _new_id("batch_req_"), "custom_id": line["custom_id"]}
        if not body.get("model") or not isinstance(body.get("messages"), list):
            code, status, message = "invalid_request_error", 400, "body must be JSON with 'model' and 'messages'"
        elif self.fake.strict_schema and body.get("response_format"):
            code, status, message = "invalid_request_error", 400, "response_format is not supported by this model"
        elif self._fails(line["custom_id"]):
            code, status, message = "server_error", 500, "injected batch line failure"
        else:
            response = {"status_code": 200, "request_id": _new_id("req_"), "body": self.fake.completion(body)}
            return True, {**head, "response": response, "error": None}
        message += " (sumbench fake server)"
        error_body = {"error": {"message": message, "type": code, "code": None}}
        response = {"status_code": status, "request_id": _new_id("req_"), "body": error_body}
        return False, {**head, "response": response, "error": {"code": code, "message": message}}
