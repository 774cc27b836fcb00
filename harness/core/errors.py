"""The one exception type for mistakes a user can fix.

The CLI catches it once and prints ``error: <file>:<line>: <what> — <fix>``
with exit code 2 and no traceback. Code that detects bad input raises it with
as much location as it knows; nothing else should print errors.
"""

from __future__ import annotations

from pathlib import Path


class UserError(Exception):
    """Bad input or configuration: reported on one line, exit code 2."""

    def __init__(self, what: str, *, file: str | Path | None = None,
                 line: int | None = None, fix: str | None = None):
        self.what = " ".join(str(what).split())  # always one line
        self.file = str(file) if file is not None else None
        self.line = line
        self.fix = " ".join(fix.split()) if fix else None
        super().__init__(self.one_line())

    def one_line(self) -> str:
        where = ""
        if self.file:
            where = f"{self.file}:{self.line}: " if self.line else f"{self.file}: "
        text = f"{where}{self.what}"
        if self.fix:
            text += f" — {self.fix}"
        return text

    def located(self, file: str | Path, line: int | None = None) -> "UserError":
        """Return a copy that names ``file`` (keeps an existing location)."""
        if self.file:
            return self
        return UserError(self.what, file=file, line=line or self.line, fix=self.fix)


ERROR_CHARS = 800  # a record's error at most: what failed, the server's own words, what to check


class BackendError(Exception):
    """A failure of one model call or summary (a refusal, an HTTP error after retries, a missing
    field): recorded on that record, never cached, never the run's end.

    ``reason`` says what a caller may do about it without reading the message:
    ``"schema_rejected"`` (the server refused the structured-output request: ask again
    without a schema) or ``"invalid_json"`` (a structured answer did not parse).
    """

    def __init__(self, message: str, *, reason: str | None = None):
        super().__init__(message)
        self.reason = reason
