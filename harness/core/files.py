"""Read TOML/JSON files (errors become one-line, located UserErrors) and write files atomically.

pydantic reports *where* in the data a problem is (``systems.0.sentences``);
users need *where in the file*. ``line_of`` maps such a location back to a
line of TOML text well enough for hand-written files.
"""

from __future__ import annotations

import difflib
import os
import re
import stat
import tempfile
import tomllib
from pathlib import Path
from typing import Any

from harness.core.errors import UserError

MAX_TEXT_BYTES = 256 * 1024 * 1024  # far beyond any article or config; guards against a disk image


def read_text(path: Path, what: str = "file") -> str:
    try:
        st = path.stat()
        if stat.S_ISREG(st.st_mode) and st.st_size > MAX_TEXT_BYTES:
            raise UserError(f"{what} is {st.st_size / 2**20:.0f} MB, over the {MAX_TEXT_BYTES // 2**20} MB limit",
                            file=path, fix="name the text file itself; split bulk data into a JSONL dataset")
        if not stat.S_ISREG(st.st_mode) and not stat.S_ISDIR(st.st_mode):  # /dev/zero, a FIFO: would never end
            raise UserError(f"{what} is not a regular file", file=path, fix="name a text file")
        return path.read_text(encoding="utf-8-sig")  # tolerate a byte-order mark (Windows editors)
    except FileNotFoundError:
        raise UserError(f"{what} not found", file=path,
                        fix="check the path (relative paths are resolved from the file that names them)") from None
    except IsADirectoryError:
        raise UserError(f"expected a {what}, found a directory", file=path,
                        fix="name a file") from None
    except UnicodeDecodeError as exc:
        line = exc.object[:exc.start].count(b"\n") + 1  # where an editor shows the bad byte
        raise UserError(f"not valid UTF-8 text (byte {exc.start})", file=path, line=line,
                        fix="save the file as UTF-8") from None
    except OSError as exc:
        raise UserError(f"cannot read {what}: {exc.strerror}", file=path,
                        fix="check the path and its permissions") from None


def load_toml(path: Path, what: str = "TOML file") -> tuple[dict[str, Any], str]:
    """Parse a TOML file; return (data, text). Syntax errors name the line."""
    text = read_text(path, what)
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = re.search(r"\(at line (\d+), column \d+\)", msg)
        line = int(m.group(1)) if m else None
        msg = re.sub(r"\s*\(at line \d+, column \d+\)", "", msg) or "invalid TOML"
        raise UserError(f"invalid TOML: {msg}", file=path, line=line,
                        fix="fix the TOML syntax (strings need quotes, tables [name], arrays of tables [[name]])") from None


def line_of(text: str, loc: tuple[Any, ...]) -> int | None:
    """Best-effort line number of a pydantic ``loc`` inside TOML ``text``."""
    lines = text.splitlines()
    start = 0  # index of the line where the current table begins
    prev_key: str | None = None
    found: int | None = None
    for part in loc:
        if isinstance(part, int):
            if prev_key is None:
                continue
            header = re.compile(r"^\s*\[\[\s*" + re.escape(prev_key) + r"\s*\]\]")
            hits = [i for i, ln in enumerate(lines) if header.match(ln)]
            if len(hits) > part:
                start = found = hits[part]
            continue
        key = str(part)
        header = re.compile(r"^\s*\[\[?\s*(?:[\w.\"-]+\.)?\"?" + re.escape(key) + r"\"?\s*\]\]?")
        assign = re.compile(r"^\s*\"?" + re.escape(key) + r"\"?\s*=")
        for i in range(start, len(lines)):
            if assign.match(lines[i]) or header.match(lines[i]):
                found = start = i
                break
        prev_key = key
    return found + 1 if found is not None else None


def _loc_text(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def validation_error(exc: Any, path: Path, text: str | None, *, line: int | None = None,
                     what: str = "") -> UserError:
    """Convert a pydantic ValidationError to a UserError about its most useful error.

    Unknown keys come first: ``refs = ...`` is more likely a typo of the
    missing ``references`` than a second mistake, so we suggest the name.
    """
    errors = exc.errors()
    missing = [str(e["loc"][-1]) for e in errors if e.get("type") == "missing" and e.get("loc")]
    err = next((e for e in errors if e.get("type") == "extra_forbidden"), errors[0])
    loc = tuple(p for p in err.get("loc", ()) if not (isinstance(p, str) and p.startswith("function-")))
    field = _loc_text(loc)
    kind = err.get("type", "")
    if line is None and text is not None:
        line = line_of(text, loc)
    prefix = f"{what}: " if what else ""
    if kind == "extra_forbidden":
        close = difflib.get_close_matches(str(loc[-1]), missing, n=1) if loc else []
        fix = (f"did you mean '{close[0]}'?" if close
               else "remove it or check its spelling against the README's format section")
        return UserError(f"{prefix}unknown key '{field}'", file=path, line=line, fix=fix)
    if kind == "missing":
        return UserError(f"{prefix}missing required key '{field}'", file=path, line=line,
                         fix=f"add '{loc[-1]} = ...'")
    msg = err.get("msg", "invalid value")
    msg = re.sub(r"^Value error, ", "", msg)
    where = f"'{field}': " if field else ""
    return UserError(f"{prefix}{where}{msg}", file=path, line=line,
                     fix="see the README's format section for the allowed values")


def _file_mode() -> int:
    """0666 minus the process umask: what a plain open() would have created."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


_MODE = _file_mode()


def write_atomic(path: Path, text: str, *, durable: bool = True) -> None:
    """Replace ``path`` with ``text`` all at once; ``durable`` also fsyncs
    (run files: yes; cache entries, which can always be re-fetched: no)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, _MODE)  # mkstemp makes 0600; reports must be readable like any file
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
