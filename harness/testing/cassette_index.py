"""What a user's cassette matches on and what it must never hold: the index and the scrubbing.

``IndexedCassetteMixin`` (mixed into vcrpy's ``Cassette`` by ``harness.testing.user_cassette``)
finds a recorded answer by (method, path, digest of the normalised body) in a dict: O(1) per
request where vcrpy's own matching tries every interaction. The helpers around it normalise
bodies (JSON with sorted keys, multipart by part, batch metadata left out) and redact keys.
"""

from __future__ import annotations

import contextlib
import email.parser
import email.policy
import hashlib
import json
import re
import threading
from collections.abc import Iterator
from functools import partial
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from harness.testing.cassettes import SECRET_HEADERS, SECRET_RESPONSE_HEADERS

PLACEHOLDER_KEY = "sumbench-cassette-replay-placeholder"  # what a replay puts in an unset key variable; never sent anywhere
FAKE_MARKER = "x-sumbench-fake"
KEPT_REQUEST_HEADERS = frozenset({"content-type", "accept", "user-agent"}) - set(SECRET_HEADERS)  # the rest: dropped
REDACTED = "[redacted]"
KEY_HEADER_WORDS = ("auth", "key", "token", "secret")  # Authorization, api-key, x-goog-api-key, ...
_SECRET_QUERY = frozenset({"key", "api_key", "api-key", "apikey", "token", "access_token", "sig", "signature"})
_KEYLIKE = re.compile(r"\b(?:sk|rk)-[A-Za-z0-9_\-]{16,}|\bBearer\s+[A-Za-z0-9._~+/\-]{12,}=*|\bAIza[0-9A-Za-z_\-]{30,}"
                      r"|\bgh[pousr]_[A-Za-z0-9]{30,}|\bxox[abprs]-[A-Za-z0-9\-]{10,}")
API_SUFFIX = re.compile(r"/(?:chat/completions|completions|embeddings|responses|files|batches|models)(?:/.*)?$")
MODEL_FIELD = re.compile(rb'"model"\s*:\s*"([^"\\]{1,200})"')
MIN_SECRET = 8  # shorter "keys" are not looked up in the environment nor redacted by value (too many false hits)


redact_text = partial(_KEYLIKE.sub, REDACTED)  # key-like strings -> [redacted]


def redact_bytes(body: Any) -> Any:
    """``body`` with key-like strings redacted; the very same object when there were none."""
    if not isinstance(body, (bytes, str)):
        return body
    text = body if isinstance(body, str) else body.decode("utf-8", "surrogateescape")
    new = redact_text(text)
    return body if new == text else new if isinstance(body, str) else new.encode("utf-8", "surrogateescape")


def scrub_uri(uri: str) -> str:
    parts = urlsplit(uri)
    query = [(k, REDACTED if k.lower() in _SECRET_QUERY else v) for k, v in parse_qsl(parts.query, True)]
    return redact_text(urlunsplit(parts._replace(query=urlencode(query))) if query else uri)


def scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    headers = response.get("headers") or {}
    for name in list(headers):
        if name.lower() in SECRET_RESPONSE_HEADERS or "cookie" in name.lower():
            del headers[name]
        else:
            headers[name] = [redact_text(str(v)) for v in headers[name]]
    if "string" in (response.get("body") or {}):
        response["body"]["string"] = redact_bytes(response["body"]["string"])
    return response


def as_bytes(body: Any) -> bytes:
    if hasattr(body, "read"):  # a vcr Request made from a file-like body hands out a BytesIO
        return body.read()
    if body is not None and not isinstance(body, (bytes, str)):  # an iterator body
        body = b"".join(c.encode() if isinstance(c, str) else bytes(c) for c in body)
    return body.encode("utf-8") if isinstance(body, str) else bytes(body or b"")


def normalised_body(method: str, path: str, content_type: str, body: Any) -> bytes:
    """The body as matching sees it: multipart by (name, content) of its parts, JSON re-dumped with
    sorted keys (minus ``metadata`` on ``POST .../batches``), anything else byte for byte."""
    raw = as_bytes(body)
    ctype = content_type.lower()
    if ctype.startswith("multipart/form-data"):
        head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
        msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + raw)
        if msg.is_multipart():
            parts = [[str(p.get_param("name", header="content-disposition")),
                      hashlib.sha256(p.get_payload(decode=True) or b"").hexdigest()] for p in msg.iter_parts()]
            return json.dumps(["multipart", parts]).encode()
    if raw[:1] in (b"{", b"[") or "json" in ctype:
        try:
            data = json.loads(raw)
        except ValueError:
            return raw
        if method == "POST" and path.rstrip("/").endswith("/batches") and isinstance(data, dict):
            data.pop("metadata", None)
        return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    return raw


def match_key(request: Any) -> tuple[str, str, str]:
    """(method, path, sha256 of the normalised body) of a vcrpy Request: the index key."""
    method, path = str(request.method).upper(), request.path or "/"
    body = normalised_body(method, path, str((request.headers or {}).get("content-type") or ""), request.body)
    return method, path, hashlib.sha256(body).hexdigest()


class IndexedCassetteMixin:
    """vcrpy's ``Cassette`` with its lookup (``_responses``, ``play_response``, ``__contains__``,
    ``can_play_response_for``) served from a dict; the rest (patching, saving, errors) is vcrpy's."""

    def __init__(self, *args: Any, session: Any,  # harness.testing.user_cassette.CassetteSession
                 **kwargs: Any):
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        self.session, self.discarded, self._lock = session, False, threading.RLock()
        self._index: dict[tuple[str, str, str], list[int]] = {}  # match key -> indices into self.data
        self._routes: dict[tuple[str, str], list[int]] = {}  # (method, path) -> indices, for miss messages
        self._cursor: dict[tuple[str, str, str], int] = {}  # match key -> how often it was played

    miss_explanation = property(lambda self: self.session.miss_explanation)  # read by openai_errors

    def _key(self, request: Any) -> tuple[str, str, str] | None:
        key = getattr(request, "_sumbench_key", False)
        if key is False:  # once per request object: vcrpy asks "can play?", then plays
            filtered = self._before_record_request(request)
            key = match_key(filtered) if filtered else None
            with contextlib.suppress(AttributeError):
                request._sumbench_key = key
        return key

    def append(self, request: Any, response: Any) -> None:
        with self._lock:
            n = len(self.data)
            super().append(request, response)
            if len(self.data) > n:
                key = match_key(self.data[n][0])
                self._index.setdefault(key, []).append(n)
                self._routes.setdefault(key[:2], []).append(n)

    def _responses(self, request: Any) -> Iterator[tuple[int, Any]]:
        key = self._key(request)
        for i in self._index.get(key, ()) if key else ():
            yield i, self.data[i][1]

    def __contains__(self, request: Any) -> bool:
        key = self._key(request)
        hits = self._index.get(key, ()) if key else ()
        return bool(hits) and (self.allow_playback_repeats or self._cursor.get(key, 0) < len(hits))

    def can_play_response_for(self, request: Any) -> bool:
        if self.record_mode == "all" or self._key(request) is None:  # RecordMode is a str enum
            return False
        if request in self and (self.rewound or self.allow_playback_repeats):
            return True
        if self.write_protected:  # vcrpy raises a miss in this mode
            self.session._note_miss(request)
        return False

    def play_response(self, request: Any) -> Any:
        from vcr.errors import UnhandledHTTPRequestError

        key = self._key(request)
        with self._lock:
            hits = self._index.get(key, ()) if key else ()
            at = self._cursor.get(key, 0)
            if not hits or (at >= len(hits) and not self.allow_playback_repeats):
                raise UnhandledHTTPRequestError(f"The cassette ({self._path!r}) doesn't contain {request!r}")
            i = hits[min(at, len(hits) - 1)]  # in recorded order, then the last one again
            self._cursor[key] = at + 1
            if self.play_counts[i] == 0 and i < self._loaded_count:
                self._played_interactions.append(self.data[i])
            self.play_counts[i] += 1
            return self.data[i][1]

    def find_requests_with_most_matches(self, request: Any) -> list[Any]:
        """For vcrpy's miss message, without its O(N) scan: a few recorded requests on the same route."""
        key = self._key(request)
        same_route = self._routes.get(key[:2], []) if key else []
        return [(self.data[i][0], ["method", "path"], [("body", "the normalised bodies differ")])
                for i in same_route[:3]]

    def _load(self) -> None:
        if not self.session.recording:  # a recording replaces the file: what it held is neither loaded nor kept
            super()._load()

    def _save(self, force: bool = False) -> None:
        if self.discarded:
            return
        if self.session.recording:
            self._metadata["sumbench"] = self.session._label([r for _, r in self.data], self.requests)
            force = True  # even a run that sent nothing rewrites the file: "recorded" must mean now
        super()._save(force=force)
