"""On-disk response cache: one JSON file per request, keyed by what decides the output.

The key is the sha256 of a canonical JSON of the request fields that can
change a response (backend, model, base_url, rendered messages, sampling
parameters, structured-output schema, sample index) and nothing else:
timeouts, retries, concurrency, prices and keys are never part of it (and a
key is never stored). Entries are written atomically (temp file + rename);
an entry that does not parse or does not match its key is a miss, never an
error. Only successful, non-empty answers are stored (callers decide).

Location: ``--cache-dir``, else ``$SUMBENCH_CACHE_DIR``, else
``$XDG_CACHE_HOME/sumbench`` (``~/.cache/sumbench``).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from harness.core.files import write_atomic

CACHE_VERSION = 1


def default_cache_dir() -> Path:
    env = os.environ.get("SUMBENCH_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "sumbench"


def cache_key(fields: dict[str, Any]) -> str:
    """Stable hash of request fields (dict order and JSON spacing do not matter)."""
    canonical = json.dumps({"cache_version": CACHE_VERSION, **fields}, sort_keys=True,
                           ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class Cache:
    """A folder of ``<k[:2]>/<k>.json`` entries; safe for concurrent threads and processes."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        """The stored response for ``key``, or None (missing, unreadable or corrupt)."""
        try:
            entry = json.loads(self.path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(entry, dict) or entry.get("key") != key or entry.get("version") != CACHE_VERSION:
            return None
        response = entry.get("response")
        if not isinstance(response, dict) or not isinstance(response.get("text"), str) \
                or not response["text"].strip():
            return None
        return response

    def contains(self, key: str) -> bool:
        return self.get(key) is not None

    def put(self, key: str, response: dict[str, Any], request: dict[str, Any] | None = None) -> None:
        """Store atomically; a reader sees the old entry or the new one, never half."""
        path = self.path(key)
        entry = {"version": CACHE_VERSION, "key": key, "response": response, "request": request}
        write_atomic(path, json.dumps(entry, ensure_ascii=False), durable=False)
