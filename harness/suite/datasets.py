"""Find and load suites and their items (TOML files or streamed JSONL).

Items are yielded one at a time so memory does not grow with the dataset;
``Suite.validate`` reads everything once up front so a bad line fails the
run before any result is written.
"""

from __future__ import annotations

import glob
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Container, Iterator

from pydantic import ValidationError

from harness.core.errors import UserError
from harness.core.files import line_of, load_toml, read_text, validation_error
from harness.core.models import Claim, Item
from harness.core.shipped import shipped
from harness.suite.config import FieldMap, SuiteConfig, TomlItem

PRESETS = {
    "cnndm": FieldMap(id="id", article="article", references="highlights"),
    "xsum": FieldMap(id="id", article="document", references="summary"),
}


def resolve_suite_path(arg: str | Path) -> Path:
    """A suite file from a path to it, to its folder, or a dataset name."""
    p = Path(arg)
    if p.is_dir():
        cand = p / "suite.toml"
        if not cand.is_file():
            raise UserError("no suite.toml in this folder", file=p,
                            fix="pass a dataset folder containing suite.toml, or the suite file itself")
        return cand
    if p.is_file():
        return p
    for named in (Path("datasets") / str(arg), shipped("datasets") / str(arg)):  # yours first, then bundled
        if p.name == str(arg) and named.is_dir() and (named / "suite.toml").is_file():
            return named / "suite.toml"
    raise UserError("suite not found", file=p,
                    fix="pass a folder with suite.toml, a .toml suite file, or a dataset name: one under "
                        "./datasets or a bundled one (see `sumbench list datasets`)")


def _hash_item(h: Any, item: Item) -> None:
    h.update(item.model_dump_json(exclude={"source"}).encode())
    h.update(b"\n")


@dataclass
class Suite:
    config: SuiteConfig
    path: Path
    text: str
    _hash: str | None = field(default=None, init=False, repr=False, compare=False)  # set by validate()
    item_ids: list[str] = field(default_factory=list, init=False, repr=False, compare=False)  # by validate(), in order

    @property
    def dir(self) -> Path:
        return self.path.parent

    def line_of(self, *loc: Any) -> int | None:
        return line_of(self.text, loc)

    def error(self, what: str, *loc: Any, fix: str | None = None) -> UserError:
        return UserError(what, file=self.path, line=self.line_of(*loc), fix=fix)

    # -- items ---------------------------------------------------------
    def item_files(self) -> list[Path]:
        pattern = self.config.items
        full = str(self.dir / pattern)
        files = sorted(Path(f) for f in glob.glob(full, recursive=True) if Path(f).is_file())
        # a pattern such as "*.toml" also matches the suite file itself, which is not an item
        files = [f for f in files if f.resolve() != self.path.resolve()]
        if not files:
            raise self.error(f"'items = {pattern!r}' matches no file", "items",
                             fix=f"check the pattern; it is resolved relative to {self.dir}")
        return files

    def iter_items(self, only: Container[str] | None = None) -> Iterator[Item]:
        """Every item in order; with ``only``, just those ids (JSONL lines of other items are
        not validated: a report that shows 500 of 100,000 items should not build the rest)."""
        for f in self.item_files():
            if f.suffix == ".jsonl":
                yield from iter_jsonl(f, self.field_map(f), only)
            elif f.suffix == ".toml":
                item = load_toml_item(f)
                if only is None or item.id in only:
                    yield item
            else:
                raise self.error(f"unsupported item file type '{f.suffix}' ({f.name})", "items",
                                 fix="items are .toml files (one item each) or .jsonl files (one item per line)")

    def field_map(self, jsonl: Path) -> FieldMap:
        if self.config.fields is not None:
            return self.config.fields
        fmt = self.config.format or "auto"
        fields = PRESETS[fmt] if fmt != "auto" else detect_field_map(jsonl)
        # presets name "id" only when the file has it; otherwise ids are line numbers
        return fields.model_copy(update={"id": "id" if _has_key(jsonl, "id") else None})

    def validate(self) -> int:
        """Load every item once (streaming); check ids are unique. Returns count.
        The same pass computes ``dataset_hash`` (one parse of the dataset instead of two)."""
        seen: dict[str, str] = {}
        n = 0
        h = hashlib.sha256()
        for item in self.iter_items():
            _hash_item(h, item)
            if item.id in seen:
                raise UserError(f"item id {item.id!r} also used at {seen[item.id]}", file=item.source,
                                fix="give every item a unique id")
            seen[item.id] = item.source
            if not item.article.strip():  # nothing to summarize: every score would be a silent 0
                raise UserError(f"item {item.id!r}: the article is empty", file=_source_file(item),
                                line=_article_line(item), fix="give the article text, or remove the item")
            n += 1
        if n == 0:
            raise self.error("the suite has no items", "items", fix="add item files or lines")
        self._hash = h.hexdigest()
        self.item_ids = list(seen)  # e.g. to count a shard's items without parsing the dataset again
        return n

    def dataset_hash(self) -> str:
        """sha256 over the resolved items, so a baseline can tell datasets apart."""
        if self._hash is None:
            h = hashlib.sha256()
            for item in self.iter_items():
                _hash_item(h, item)
            self._hash = h.hexdigest()
        return self._hash


def _source_file(item: Item) -> str:
    """The file of an item's ``source`` ("file" or "file:line")."""
    file, _, line = item.source.rpartition(":")
    return file if line.isdigit() else item.source


def _article_line(item: Item) -> int | None:
    """Line of a JSONL item, or of ``article``/``article_file`` in a TOML item."""
    _, _, line = item.source.rpartition(":")
    if line.isdigit():
        return int(line)
    try:
        text = Path(item.source).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None
    return line_of(text, ("article_file",)) or line_of(text, ("article",))


def load_suite(arg: str | Path) -> Suite:
    path = resolve_suite_path(arg)
    data, text = load_toml(path, "suite file")
    try:
        config = SuiteConfig(**data)
    except ValidationError as exc:
        raise validation_error(exc, path, text, what="suite") from None
    return Suite(config=config, path=path, text=text)


def load_toml_item(path: Path) -> Item:
    data, text = load_toml(path, "item file")
    try:
        raw = TomlItem(**data)
    except ValidationError as exc:
        raise validation_error(exc, path, text, what="item") from None
    if raw.article_file is not None:
        art_path = (path.parent / raw.article_file)
        try:
            article = read_text(art_path, "article file")
        except UserError as exc:
            raise UserError(f"article_file {raw.article_file!r}: {exc.what} ({art_path})", file=path,
                            line=line_of(text, ("article_file",)),
                            fix=("the path is resolved relative to the item file" if "not found" in exc.what
                                 else exc.fix)) from None
    else:
        article = raw.article or ""
    refs = [raw.references] if isinstance(raw.references, str) else raw.references
    if not refs:
        raise UserError("item has no reference summary", file=path, line=line_of(text, ("references",)),
                        fix='add references = ["""One hand-written summary."""]')
    checklist = []
    for i, c in enumerate(raw.checklist):
        try:
            checklist.append(Claim(**c))
        except ValidationError as exc:
            err = validation_error(exc, path, None, what=f"checklist[{i}]")
            sub = exc.errors()[0].get("loc", ())
            line = line_of(text, ("checklist", i, *sub)) or line_of(text, ("checklist", i))
            raise UserError(err.what, file=path, line=line, fix=err.fix) from None
    try:
        return Item(id=raw.id, article=article, references=refs, checklist=checklist,
                    meta=raw.meta, source=str(path))
    except ValidationError as exc:
        raise validation_error(exc, path, text, what="item") from None


def detect_field_map(path: Path) -> FieldMap:
    """Pick the CNN/DM or XSum field names from the first line's keys."""
    row = _first_row(path)
    keys = set(row) if isinstance(row, dict) else set()
    if {"article", "highlights"} <= keys:
        return PRESETS["cnndm"]
    if {"document", "summary"} <= keys:
        return PRESETS["xsum"]
    return FieldMap()


def _has_key(path: Path, key: str) -> bool:
    row = _first_row(path)
    return isinstance(row, dict) and key in row


def iter_jsonl(path: Path, fields: FieldMap, only: Container[str] | None = None) -> Iterator[Item]:
    """Items from a JSONL file, one per non-blank line; other keys → ``meta``.

    Lines are read as bytes and decoded one at a time, so invalid UTF-8 is
    reported at its own line (a text-mode reader decodes ahead in blocks and
    fails at whatever line it was on); a byte-order mark is tolerated.
    """
    try:
        fh = path.open("rb")
    except OSError as exc:
        raise UserError(f"cannot read items: {exc.strerror}", file=path, fix="check the path") from None
    with fh:
        for lineno, raw in enumerate(fh, start=1):
            try:
                line = raw.decode("utf-8-sig" if lineno == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                raise UserError(f"not valid UTF-8 text (column {exc.start + 1})", file=path, line=lineno,
                                fix="save the file as UTF-8") from None
            if not line.strip():
                continue
            item = _jsonl_item(path, lineno, line.rstrip("\r\n"), fields, only)
            if item is not None:
                yield item


def _first_row(path: Path) -> Any:
    """The first non-blank line's JSON value (None if unreadable): for format detection."""
    with path.open(encoding="utf-8-sig", errors="replace") as fh:
        for line in fh:
            if line.strip():
                try:
                    return json.loads(line)
                except (ValueError, TypeError):
                    return None  # iter_jsonl reports the bad line
    return None


def _jsonl_item(path: Path, lineno: int, line: str, fields: FieldMap, only: Container[str] | None = None
                ) -> Item | None:
    def fail(what: str, fix: str) -> UserError:
        return UserError(what, file=path, line=lineno, fix=fix)

    try:
        row = json.loads(line)
    except ValueError as exc:
        raise fail(f"invalid JSON: {exc.msg} (column {exc.colno})",
                   "each line must be one JSON object") from None
    if not isinstance(row, dict):
        raise fail("line is not a JSON object", "each line must be one JSON object like {\"article\": ...}")
    if fields.article not in row:
        raise fail(f"missing field '{fields.article}' (the article)",
                   "add it, or map the article's key in the suite's [fields] table (article = \"...\")")
    refs: Any = []
    if fields.references:
        if fields.references not in row:
            raise fail(f"missing field '{fields.references}' (the reference summary)",
                       "add it, or map the reference's key in [fields] (references = \"...\")")
        refs = row[fields.references]
        if isinstance(refs, str):
            refs = [refs]
        if not isinstance(refs, list) or not refs or not all(isinstance(r, str) and r.strip() for r in refs):
            raise fail(f"field '{fields.references}' must be a non-empty string or list of strings",
                       "give one or more hand-written reference summaries")
    if fields.id:
        if fields.id not in row:
            raise fail(f"missing field '{fields.id}' (the item id)", "add it, or remove 'id' from [fields]")
        item_id = row[fields.id]
    else:
        item_id = f"line-{lineno}"
    if only is not None and str(item_id) not in only:
        return None
    article = row[fields.article]
    if not isinstance(article, str):
        raise fail(f"field '{fields.article}' must be a string", "give the article text")
    used = {fields.id, fields.article, fields.references, fields.checklist}
    meta = {k: v for k, v in row.items() if k not in used}
    checklist_raw = row.get(fields.checklist, []) if fields.checklist else []
    try:
        checklist = [Claim(**c) for c in checklist_raw]
        return Item(id=item_id, article=article, references=refs, checklist=checklist, meta=meta,
                    source=f"{path}:{lineno}")
    except (ValidationError, TypeError) as exc:
        if isinstance(exc, TypeError):
            raise fail("checklist entries must be objects", "see the README's checklist format") from None
        err = validation_error(exc, path, None, line=lineno)
        raise err from None
