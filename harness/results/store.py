"""Run folders: manifest.json, records.jsonl (append-only), metrics.json.

Every whole-file write is atomic (temp file + rename), so a crash never
leaves half a manifest. records.jsonl is appended one flushed line per
record; a truncated last line (from a kill) is ignored when reading.
"""

from __future__ import annotations

import json
import secrets
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

from harness.core.errors import UserError
from harness.core.files import write_atomic
from harness.core.models import Record

FORMAT_VERSION = 1


def utc_now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_run_dir(results: Path, suite_name: str) -> Path:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return results / f"{stamp}_{suite_name}_{secrets.token_hex(3)}"


def write_json(path: Path, data: Any) -> None:
    write_atomic(path, json.dumps(data, indent=2, sort_keys=False, ensure_ascii=False, allow_nan=False) + "\n")


def _busy(run_dir: Path) -> UserError:
    return UserError("another sumbench process is still writing this run", file=run_dir,
                     fix="wait for it to finish (or stop it with Ctrl-C), then resume")


def _try_lock(fh: Any) -> bool:
    """Exclusive advisory lock on records.jsonl; the OS drops it when the process dies (even kill -9)."""
    try:
        import fcntl
    except ImportError:  # no flock (Windows): single-writer is then the user's job
        return True
    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def ensure_not_running(run_dir: Path) -> None:
    """Refuse to touch a run another process is still writing (resuming it would duplicate records)."""
    path = run_dir / "records.jsonl"
    if not path.exists():
        return
    with path.open("a", encoding="utf-8") as fh:
        if not _try_lock(fh):
            raise _busy(run_dir)


class RecordWriter:
    """Appends records to records.jsonl, one flushed line each (single writer, held by a lock)."""

    def __init__(self, path: Path):
        self.path = path
        self._fh = path.open("a", encoding="utf-8")
        if not _try_lock(self._fh):
            self._fh.close()
            raise _busy(path.parent)

    def append(self, record: Record) -> None:
        self._fh.write(record.model_dump_json() + "\n")
        self._fh.flush()

    def close(self) -> None:
        self._fh.close()


def read_records(path: Path) -> Iterator[Record]:
    """Records of a run; a truncated final line is skipped, other bad lines are errors."""
    if not path.exists():
        return
    with path.open(encoding="utf-8") as fh:
        lines = fh.readlines()
    for i, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            yield Record.model_validate_json(line)
        except ValueError:
            if i == len(lines) and not line.endswith("\n"):
                return  # interrupted mid-write
            raise UserError("corrupt record", file=path, line=i,
                            fix="remove the line (or the run folder) and run again") from None


def load_run(run_dir: Path) -> tuple[dict[str, Any], list[Record]]:
    """(manifest, records) of a run folder, with clear errors for non-runs."""
    manifest_path = run_dir / "manifest.json"
    if not manifest_path.is_file():
        raise UserError("not a run folder (no manifest.json)", file=run_dir,
                        fix="pass a folder created by `sumbench run` (see results/)")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise UserError(f"manifest is not valid JSON: {exc}", file=manifest_path,
                        fix="the run folder is damaged; run the suite again") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("suite", {}), dict) \
            or not isinstance(manifest.get("status"), str):
        raise UserError("manifest.json is not a sumbench run manifest (no status)", file=manifest_path,
                        fix="pass a folder created by `sumbench run` (see results/)")
    return manifest, list(read_records(run_dir / "records.jsonl"))
