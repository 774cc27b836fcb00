"""Warnings said once per process: a problem shared by several systems (one cache folder, one
pattern in many items) is one line, not one per system or item."""

from __future__ import annotations

import sys
import threading

_said: set[str] = set()
_lock = threading.Lock()


def warn_once(key: str, message: str) -> bool:
    """Print ``warning: message`` on stderr unless ``key`` was warned about already; True if printed."""
    with _lock:
        if key in _said:
            return False
        _said.add(key)
    print(f"warning: {message}", file=sys.stderr)
    return True
