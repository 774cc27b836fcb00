"""``sumbench run SUITE --cassette FILE [--record]``: a run's HTTP recorded into, or replayed from, one file.

``use_run_cassette`` records when asked to or when the file is absent (vcrpy ``record_mode="all"``,
the file rewritten from scratch, atomically), and replays otherwise (``"none"``: no key, no network).

* Matching: method, path and a digest of the normalised body, never the host (any base URL replays):
  JSON re-dumped with sorted keys, multipart by part name and content (the boundary is random, the
  file name holds the run folder's name), ``POST .../batches`` without ``metadata``. The key is
  looked up in a dict: O(1) per request, where vcrpy tries every interaction (O(N)). Identical
  requests get their answers in recorded order, then the last one again (a polled batch).
* Nothing secret is written: request headers other than content-type, accept and user-agent are
  dropped, key-like strings (``sk-...``, ``Bearer ...``) redacted, and every key value seen redacted
  by value. The cassette keeps the *names* of the variables that held keys: a replay sets a
  placeholder in each unset one, or the planner would skip those systems.
* The first line says what was recorded against which endpoints, and whether it was the local
  FAKE server (its ``x-sumbench-fake`` header): fake output must never pass for a model's.
* A request not in the cassette raises vcrpy's ``CannotOverwriteExistingCassetteException`` at once
  (no socket opened); ``harness.backends.openai_errors`` does not retry it and explains it with the
  cassette's ``miss_explanation``. The session counts misses.
"""

from __future__ import annotations

import contextlib
import email.parser
import email.policy
import hashlib
import json
import os
import re
import shlex
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from harness.core.errors import UserError
from harness.core.version import __version__
from harness.testing.cassettes import SECRET_HEADERS, SECRET_RESPONSE_HEADERS

PLACEHOLDER_KEY = "sk-sumbench-cassette-replay"  # what a replay puts in an unset key variable; never sent anywhere
FAKE_MARKER = "x-sumbench-fake"
KEPT_REQUEST_HEADERS = frozenset({"content-type", "accept", "user-agent"}) - set(SECRET_HEADERS)  # the rest: dropped
REDACTED = "[redacted]"
_KEY_HEADER_WORDS = ("auth", "key", "token", "secret")  # Authorization, api-key, x-goog-api-key, ...
_SECRET_QUERY = frozenset({"key", "api_key", "api-key", "apikey", "token", "access_token", "sig", "signature"})
_KEYLIKE = re.compile(r"\b(?:sk|rk)-[A-Za-z0-9_\-]{16,}|\bBearer\s+[A-Za-z0-9._~+/\-]{12,}=*|\bAIza[0-9A-Za-z_\-]{30,}"
                      r"|\bgh[pousr]_[A-Za-z0-9]{30,}|\bxox[abprs]-[A-Za-z0-9\-]{10,}")
_API_SUFFIX = re.compile(r"/(?:chat/completions|completions|embeddings|responses|files|batches|models)(?:/.*)?$")
_MODEL_FIELD = re.compile(rb'"model"\s*:\s*"([^"\\]{1,200})"')
MIN_SECRET = 8  # shorter "keys" are not looked up in the environment nor redacted by value (too many false hits)


redact_text = partial(_KEYLIKE.sub, REDACTED)  # key-like strings -> [redacted]


def _redact_bytes(body: Any) -> Any:
    """``body`` with key-like strings redacted; the very same object when there were none."""
    if not isinstance(body, (bytes, str)):
        return body
    text = body if isinstance(body, str) else body.decode("utf-8", "surrogateescape")
    new = redact_text(text)
    return body if new == text else new if isinstance(body, str) else new.encode("utf-8", "surrogateescape")


def _scrub_uri(uri: str) -> str:
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
        response["body"]["string"] = _redact_bytes(response["body"]["string"])
    return response


def _as_bytes(body: Any) -> bytes:
    if hasattr(body, "read"):  # a vcr Request made from a file-like body hands out a BytesIO
        return body.read()
    if body is not None and not isinstance(body, (bytes, str)):  # an iterator body
        body = b"".join(c.encode() if isinstance(c, str) else bytes(c) for c in body)
    return body.encode("utf-8") if isinstance(body, str) else bytes(body or b"")


def normalised_body(method: str, path: str, content_type: str, body: Any) -> bytes:
    """The body as matching sees it: multipart by (name, content) of its parts, JSON re-dumped with
    sorted keys (minus ``metadata`` on ``POST .../batches``), anything else byte for byte."""
    raw = _as_bytes(body)
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

    def __init__(self, *args: Any, session: CassetteSession, **kwargs: Any):
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


def _cassette_class() -> type:
    """vcrpy's Cassette with the index: built here, as vcrpy is imported only when --cassette is given."""
    from vcr.cassette import Cassette

    return type("IndexedCassette", (IndexedCassetteMixin, Cassette), {})


class _LabelledSerializer:
    """vcrpy's YAML with the comment lines saying what the cassette holds."""

    def __init__(self, yaml: Any):  # vcr.serializers.yamlserializer
        self.yaml, self.deserialize = yaml, yaml.deserialize

    def serialize(self, data: dict[str, Any]) -> str:
        meta = (data.get("metadata") or {}).get("sumbench") or {}
        fake = {"all": " (the sumbench local FAKE server: responses are NOT model output)",
                "some": " (partly the sumbench local FAKE server: those responses are NOT model output)"}
        against = ", ".join(meta.get("endpoints") or []) or "nothing (the run sent no HTTP request)"
        head = [(f"# sumbench cassette: recorded by sumbench {meta.get('sumbench', '?')} on "
                 f"{meta.get('recorded_on', '?')} against {against}{fake.get(meta.get('fake'), '')}, "
                 f"models {', '.join(meta.get('models') or []) or '(none)'}"),
                "# Authorization and other credential headers were dropped; key-like strings are [redacted].",
                f"# Replay: {meta.get('replay', '')}",
                f"# Re-record: {meta.get('rerecord', '')}"]
        return "\n".join(head) + "\n" + self.yaml.serialize(data)


def _save_atomically(cassette_path: Any, cassette_dict: Any, serializer: Any) -> None:
    """A temporary file, then renamed: an interrupted save leaves the old cassette whole."""
    from vcr.serialize import serialize

    target = Path(cassette_path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.write_text(serialize(cassette_dict, serializer), encoding="utf-8")
    os.replace(tmp, target)


@dataclass
class CassetteSession:
    """One run under a cassette: what it does, and (replay) what it could not answer."""

    path: Path
    recording: bool
    suite: str | None = None
    label_info: dict[str, Any] = field(default_factory=dict)
    cassette: Any = None  # the vcrpy cassette (an IndexedCassette)
    misses: int = 0
    missed: list[str] = field(default_factory=list)  # "POST /v1/chat/completions", the first MAX_MISSED
    placeholders: list[str] = field(default_factory=list)  # key variables set to PLACEHOLDER_KEY for the replay
    key_envs: set[str] = field(default_factory=set)  # recording: variables whose values were sent as keys
    secrets: set[str] = field(default_factory=set)  # recording: key values seen (redacted on save, never written)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    MAX_MISSED = 20

    mode = property(lambda self: "record" if self.recording else "replay")

    @property
    def rerecord_command(self) -> str:
        suite = shlex.quote(str(self.suite)) if self.suite else "SUITE"
        return f"sumbench run {suite} --cassette {shlex.quote(str(self.path))} --record"

    @property
    def miss_explanation(self) -> str:
        return f"request not in cassette {self.path} — re-record with: {self.rerecord_command}"

    recorded = property(lambda self: len(self.cassette.data) if self.recording and self.cassette else 0)
    played = property(lambda self: self.cassette.play_count if self.cassette is not None else 0)

    def summary(self) -> str:
        """One line for the end of a run."""
        if self.recording:
            return f"cassette {self.path}: recorded {self.recorded} HTTP exchange(s)"
        return f"cassette {self.path}: replayed {self.played} response(s)" + (
            f"; {self.misses} request(s) not in the cassette ({', '.join(sorted(set(self.missed)))}) — re-record "
            f"with: {self.rerecord_command}" if self.misses else "")

    def discard(self) -> None:
        """Recording: do not write the file at the end (e.g. the run failed before any answer)."""
        self.cassette.discarded = True

    def _note_miss(self, request: Any) -> None:
        with self._lock:
            self.misses += 1
            if len(self.missed) < self.MAX_MISSED:
                self.missed.append(f"{request.method} {request.path}")

    def scrub_request(self, request: Any) -> Any:
        """before_record_request: runs on what is saved and on what is matched alike."""
        for name in list(request.headers):
            low = name.lower()
            if self.recording and any(w in low for w in _KEY_HEADER_WORDS):  # its value is redacted everywhere
                self._learn_key(str(request.headers[name]))
            if low in KEPT_REQUEST_HEADERS:  # the rest is noise (x-stainless-*, host) or a credential
                request.headers[name] = redact_text(str(request.headers[name]))
            else:
                del request.headers[name]
        request.uri, body = _scrub_uri(request.uri), request.body
        if _redact_bytes(body) is not body:  # a file-like or iterator body is left alone (the SDKs send bytes)
            request.body = _redact_bytes(body)
        return request

    def _learn_key(self, value: str) -> None:
        token = value.split(None, 1)[-1].strip() if value.lower().startswith(("bearer ", "basic ")) else value.strip()
        if len(token) < MIN_SECRET or token in self.secrets:
            return
        with self._lock:
            self.secrets.add(token)
            self.key_envs.update(n for n, v in os.environ.items() if v == token)

    def hide_secrets(self, request: Any, response: Any) -> tuple[Any, Any]:
        """before_save_interaction: every key value seen, wherever it is, becomes [redacted]."""
        from vcr.filters import replace_text

        for secret in sorted(self.secrets, key=len, reverse=True):
            request = type(request)._from_dict(replace_text(request._to_dict(), secret, REDACTED))
            response = replace_text(response, secret, REDACTED)
        return request, response

    def _label(self, responses: list[Any], requests: list[Any]) -> dict[str, Any]:
        fakes = sum(any(h.lower() == FAKE_MARKER for h in (r.get("headers") or {})) for r in responses)
        endpoints = set(self.label_info.get("endpoints") or ())
        endpoints |= {_API_SUFFIX.sub("", urlunsplit(urlsplit(q.uri)._replace(query=""))) for q in requests}
        models = set(self.label_info.get("models") or ())
        for q in requests:  # JSON bodies, and the lines of a Batch API upload
            models.update(m.decode("utf-8", "replace") for m in _MODEL_FIELD.findall(_as_bytes(q.body)))
        return {"sumbench": __version__, "recorded_on": datetime.now(UTC).strftime("%Y-%m-%d"),
                "endpoints": sorted(endpoints), "models": sorted(models), "interactions": len(responses),
                "fake": "all" if responses and fakes == len(responses) else "some" if fakes else "none",
                "key_envs": sorted(self.key_envs), "suite": self.suite,
                "replay": self.rerecord_command.removesuffix(" --record"), "rerecord": self.rerecord_command}


def _vcr_config(session: CassetteSession) -> dict[str, Any]:
    try:
        import vcr
    except ImportError:
        raise UserError("--cassette needs vcrpy, which is not installed", fix="pip install 'vcrpy>=9.4'") from None
    v = vcr.VCR(record_mode="all" if session.recording else "none", match_on=("method", "path", "body"),
                before_record_request=session.scrub_request, before_record_response=scrub_response,
                decode_compressed_response=True, serializer="sumbench-run",
                drop_unused_requests=session.recording, record_on_exception=False)
    v.register_serializer("sumbench-run", _LabelledSerializer(vcr.serializers.yamlserializer))
    persister = type("AtomicPersister", (vcr.persisters.filesystem.FilesystemPersister,),
                     {"save_cassette": staticmethod(_save_atomically)})
    return v.get_merged_config(path=str(session.path), allow_playback_repeats=True, persister=persister,
                               before_save_interaction=session.hide_secrets)


@contextlib.contextmanager
def use_run_cassette(path: str | Path, *, record: bool = False, suite: str | Path | None = None,
                     plan: Any = None, label_info: Mapping[str, Any] | None = None) -> Iterator[CassetteSession]:
    """Record (``record`` or no file at ``path``) or replay every HTTP exchange made inside the block.

    Enter it *before* ``plan_run``: a replay sets ``PLACEHOLDER_KEY`` in each key variable the
    cassette names that is unset (the planner skips a system whose key is missing), and removes it
    on exit. ``suite`` (as the user typed it) or ``plan`` names the suite in the re-record command;
    ``label_info`` may add ``endpoints`` and ``models`` to the label (never keys).
    """
    path = Path(path)
    if path.is_dir():
        raise UserError("--cassette names a folder, not a file", file=path, fix="give a file, e.g. run.yaml")
    recording = record or not path.is_file() or path.stat().st_size == 0
    suite = suite or getattr(getattr(plan, "suite", None), "path", None)  # a harness.run.plan.Plan
    session = CassetteSession(path=path, recording=recording, suite=str(suite) if suite else None,
                              label_info=dict(label_info or {}))
    context = _cassette_class().use(**_vcr_config(session), session=session)
    try:
        cassette = context.__enter__()
    except Exception as exc:  # noqa: BLE001 - a cassette that does not parse (YAML, format, vcrpy version)
        raise UserError(f"cannot read the cassette: {type(exc).__name__}: {' '.join(str(exc).split())[:300]}",
                        file=path, fix=f"re-record it: {session.rerecord_command}") from None
    session.cassette = cassette
    if not recording:
        meta = cassette._metadata.get("sumbench") or {}
        session.suite = session.suite or meta.get("suite")
        session.placeholders = [n for n in meta.get("key_envs") or () if not os.environ.get(n)]
        for name in session.placeholders:
            os.environ[name] = PLACEHOLDER_KEY
    try:
        with contextlib.ExitStack() as stack:
            stack.push(context.__exit__)  # as a `with` would: saved (recording) unless the block raised
            yield session
    finally:
        for name in session.placeholders:
            if os.environ.get(name) == PLACEHOLDER_KEY:
                del os.environ[name]
