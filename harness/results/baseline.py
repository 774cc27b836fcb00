"""Baselines: the per-item scores of a known-good run, committed to git.

``sumbench check RUN --update-baseline FILE`` writes one; ``check --baseline``
pairs a new run with it item by item. Suite and dataset hashes are kept so a
baseline from another dataset is refused instead of compared.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from harness.core.errors import UserError
from harness.core.files import read_text, write_atomic
from harness.results.rundata import RunData

BASELINE_FORMAT = 1


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class BaselineSuite(Strict):
    name: str
    sha256: str
    dataset_sha256: str
    n_items: int | None = None


class BaselineSystem(Strict):
    records: int
    failed: list[str] = Field(default_factory=list)
    means: dict[str, float]  # mean over the items scored on that metric
    n: dict[str, int]
    scores: dict[str, dict[str, float]]  # item id -> metric -> value


class Baseline(Strict):
    kind: str = Field(default="sumbench-baseline", pattern="^sumbench-baseline$")
    format_version: int = BASELINE_FORMAT
    suite: BaselineSuite
    source: dict[str, str | None]  # where it came from: run folder, start time, git commit
    systems: dict[str, BaselineSystem]


def build_baseline(run: RunData) -> Baseline:
    suite = run.suite
    if not suite.get("dataset_sha256") or not suite.get("sha256"):
        raise UserError("the run's manifest has no suite/dataset sha256", file=run.path / "manifest.json",
                        fix="make baselines from run folders written by `sumbench run`")
    systems = {}
    for name, s in run.systems.items():
        metrics = run.catalog.order(s.metrics)
        means, ns = {}, {}
        for m in metrics:
            vals = s.values(m)
            ns[m] = len(vals)
            means[m] = math.fsum(vals.values()) / len(vals)  # exact sum: independent of record order
        scores = {i: {m: s.scores[i][m] for m in metrics if m in s.scores[i]} for i in sorted(s.scores)}
        systems[name] = BaselineSystem(records=len(s.items), failed=sorted(s.failed), means=means, n=ns,
                                       scores=scores)
    git = run.manifest.get("git") or {}
    source = {"run": run.path.name, "started": run.manifest.get("started"),
              "git_commit": git.get("commit") if isinstance(git, dict) else None}
    return Baseline(suite=BaselineSuite(name=suite.get("name", ""), sha256=suite["sha256"],
                                        dataset_sha256=suite["dataset_sha256"], n_items=suite.get("n_items")),
                    source=source, systems=systems)


def baseline_json(baseline: Baseline) -> str:
    """Stable text (insertion-ordered keys, one value per line) so baseline diffs read well in review."""
    return json.dumps(baseline.model_dump(mode="json"), indent=1, ensure_ascii=False, allow_nan=False) + "\n"


def write_baseline(baseline: Baseline, path: Path) -> None:
    write_atomic(path, baseline_json(baseline))


def load_baseline(path: Path) -> Baseline:
    text = read_text(path, "baseline file")
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise UserError(f"baseline is not valid JSON: {getattr(exc, 'msg', exc)}", file=path,
                        line=getattr(exc, "lineno", None),
                        fix="restore it from git, or write a new one with --update-baseline") from None
    try:
        return Baseline.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err.get("loc", ()))
        raise UserError(f"not a sumbench baseline: {where + ': ' if where else ''}{err.get('msg')}", file=path,
                        fix="write baselines with `sumbench check RUN --update-baseline FILE`") from None


def check_same_dataset(baseline: Baseline, run: RunData, path: Path) -> None:
    """A baseline from a different dataset cannot be compared: refuse (exit 2)."""
    have = run.suite.get("dataset_sha256")
    if have != baseline.suite.dataset_sha256:
        raise UserError(f"baseline is from a different dataset (suite {baseline.suite.name!r}, dataset sha256 "
                        f"{baseline.suite.dataset_sha256[:12]}…; this run: suite {run.suite.get('name')!r}, "
                        f"{str(have)[:12]}…)", file=path,
                        fix="pass the baseline made for this dataset, or refresh it with --update-baseline "
                            "after checking the change is intended")
