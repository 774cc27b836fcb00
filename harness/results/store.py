"""Run folders: manifest.json, records.jsonl (append-only), metrics.json.

Every whole-file write is atomic (temp file + rename), so a crash never
leaves half a manifest. records.jsonl is appended one flushed line per
record; a truncated last line (from a kill) is ignored when reading.

The seal: when an execution of ``sumbench run`` ends, the manifest records the
sha256 of records.jsonl (``records_sha256``), so a summary or score edited by
hand afterwards is noticed by whoever reads the folder. It is null while a run
is writing (a killed run stays null, never a stale hash) and absent in runs
written before it existed; both are read without a check. It makes edits
evident, not impossible: whoever edits records.jsonl can also edit the manifest.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

from harness.core.errors import UserError
from harness.core.files import write_atomic
from harness.core.models import Record

FORMAT_VERSION = 1
SEAL_KEY = "records_sha256"  # the one place this manifest key is spelled


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


def record_lines(path: Path, digest: Any = None) -> Iterator[tuple[int, bytes, bool]]:
    """(line number, bytes, is the last line) of records.jsonl, streamed (runs can hold 100k+
    records); every byte read also goes into ``digest`` when one is given (the seal's hash)."""
    with path.open("rb") as fh:
        prev, n = None, 0
        for line in fh:
            if digest is not None:
                digest.update(line)
            if prev is not None:
                yield n, prev, False
            prev, n = line, n + 1
        if prev is not None:
            yield n, prev, True


def parse_record(path: Path, n: int, line: bytes, last: bool) -> Record | None:
    """A record, or None for a blank line or a last line cut short by a kill; other bad lines are errors."""
    if not line.strip():
        return None
    try:
        return Record.model_validate_json(line)
    except ValueError:
        if last and not line.endswith(b"\n"):
            return None  # interrupted mid-write
        raise UserError("corrupt record", file=path, line=n,
                        fix="remove the line (or the run folder) and run again") from None


def read_records(path: Path) -> Iterator[Record]:
    """Records of a run; a truncated final line is skipped, other bad lines are errors."""
    if not path.exists():
        return
    for n, line, last in record_lines(path):
        record = parse_record(path, n, line, last)
        if record is not None:
            yield record


def read_manifest(run_dir: Path) -> dict[str, Any]:
    """manifest.json of a run folder, with clear errors for non-runs."""
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
    return manifest


def load_run(run_dir: Path) -> tuple[dict[str, Any], list[Record]]:
    """(manifest, records) of a run folder, with clear errors for non-runs."""
    return read_manifest(run_dir), list(read_records(run_dir / "records.jsonl"))


def records_sha256(run: Path) -> str | None:
    """sha256 (hex) of records.jsonl's bytes, read in chunks (runs can be large); None if there is no file.

    ``run`` is the run folder or the records file itself.
    """
    path = run / "records.jsonl" if run.is_dir() else run
    try:
        with path.open("rb") as fh:
            return hashlib.file_digest(fh, "sha256").hexdigest()
    except FileNotFoundError:
        return None


def unseal(manifest: dict[str, Any]) -> None:
    """Mark the run as being written: records.jsonl is about to change, so no hash holds yet."""
    manifest[SEAL_KEY] = None


def seal(manifest: dict[str, Any], run_dir: Path) -> None:
    """Record the hash of records.jsonl as the run leaves it (the writer must be closed)."""
    manifest[SEAL_KEY] = records_sha256(run_dir)


def seal_problem(run_dir: Path, manifest: dict[str, Any]) -> str | None:
    """What happened to records.jsonl since the run sealed it, or None when the seal holds or
    there is none to check: a missing key (older or hand-made runs) or null (a run still writing,
    or killed; sumbench never leaves null on a complete run, so it is read like a missing key)."""
    expected = manifest.get(SEAL_KEY)
    return None if expected is None else seal_mismatch(expected, records_sha256(run_dir))


def seal_mismatch(expected: str, actual: str | None) -> str | None:
    """What differs between the sealed hash and records.jsonl's (``actual``: None when it is gone)."""
    if actual == expected:
        return None
    if actual is None:
        return f"removed after the run (manifest.json's {SEAL_KEY} is the sha256 it had)"
    return f"changed after the run (its sha256 differs from manifest.json's {SEAL_KEY})"


def verify_seal(run_dir: Path, manifest: dict[str, Any]) -> None:
    """Refuse a run whose records were edited, removed or added to after sumbench wrote them."""
    problem = seal_problem(run_dir, manifest)
    if problem is not None:
        raise UserError(f"records {problem}", file=run_dir / "records.jsonl",
                        fix="re-run the suite, or restore the file as the run wrote it")
