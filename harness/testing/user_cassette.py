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
import os
import shlex
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from harness.core.errors import UserError
from harness.core.version import __version__
from harness.testing.cassette_index import (
    API_SUFFIX,
    FAKE_MARKER,
    KEPT_REQUEST_HEADERS,
    KEY_HEADER_WORDS,
    MIN_SECRET,
    MODEL_FIELD,
    PLACEHOLDER_KEY,
    REDACTED,
    IndexedCassetteMixin,
    as_bytes,
    redact_bytes,
    redact_text,
    scrub_response,
    scrub_uri,
)


def _cassette_class() -> type:
    """vcrpy's Cassette with the index: built here, as vcrpy is imported only when --cassette is given."""
    try:
        from vcr.cassette import Cassette
    except ImportError:  # vcrpy comes with the test extra, not with a plain install
        raise UserError("--cassette needs vcrpy, which is not installed",
                        fix='pip install "sumbench[test]" (or: pip install vcrpy)') from None

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
            if self.recording and any(w in low for w in KEY_HEADER_WORDS):  # its value is redacted everywhere
                self._learn_key(str(request.headers[name]))
            if low in KEPT_REQUEST_HEADERS:  # the rest is noise (x-stainless-*, host) or a credential
                request.headers[name] = redact_text(str(request.headers[name]))
            else:
                del request.headers[name]
        request.uri, body = scrub_uri(request.uri), request.body
        if redact_bytes(body) is not body:  # a file-like or iterator body is left alone (the SDKs send bytes)
            request.body = redact_bytes(body)
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
        endpoints |= {API_SUFFIX.sub("", urlunsplit(urlsplit(q.uri)._replace(query=""))) for q in requests}
        models = set(self.label_info.get("models") or ())
        for q in requests:  # JSON bodies, and the lines of a Batch API upload
            models.update(m.decode("utf-8", "replace") for m in MODEL_FIELD.findall(as_bytes(q.body)))
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
