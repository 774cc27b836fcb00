"""Synthetic run folders with a known truth, to measure the gate's error rates.

Each item has a difficulty shared by every run (that is what makes pairing
work); each run adds its own per-item noise. Run B is run A's distribution
shifted by ``shift`` (0 = B differs only by noise). Folders look like real
runs to ``compare``/``check``: manifest.json (suite path and hashes, status
complete) and records.jsonl, plus the suite.toml whose ``[gate]`` applies.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

GATE = """[gate]
alpha = 0.05
"rougeLsum" = { min = 0.15, max_drop = 0.02 }
"rouge1" = { max_drop = 0.02 }
"""


@dataclass
class SyntheticPair:
    suite: Path
    run_a: Path
    run_b: Path


def _suite_text(gate: str) -> str:
    return ("# synthetic suite written by harness.testing.synthetic_runs (no real items)\n"
            'name = "synthetic"\nitems = "items.jsonl"\n\n[[systems]]\nname = "model"\n'
            'backend = "precomputed"\n\n' + gate)


def write_run(run_dir: Path, records: list[dict], *, suite: Path | None = None, suite_text: str = "",
              dataset_sha: str = "0" * 64, status: str = "complete", seed: int = 0) -> Path:
    """A run folder from record dicts ({item_id, system, scores, [error]}); systems in first-seen order."""
    run_dir.mkdir(parents=True)
    systems = list(dict.fromkeys(r["system"] for r in records))
    manifest = {
        "format_version": 1, "status": status, "started": "2026-01-01T00:00:00Z",
        "finished": "2026-01-01T00:00:01Z", "run_dir": str(run_dir), "command": ["synthetic"],
        "suite": {"name": "synthetic", "path": str(suite) if suite else "", "n_items": None,
                  "sha256": hashlib.sha256(suite_text.encode("utf-8")).hexdigest(),
                  "dataset_sha256": dataset_sha, "config": {}},
        "systems": {name: {"backend": "precomputed"} for name in systems}, "seed": seed,
    }
    (run_dir / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    with (run_dir / "records.jsonl").open("w", encoding="utf-8") as fh:
        for r in records:
            failed = r.get("error") is not None
            rec = {"item_id": r["item_id"], "system": r["system"], "summary": None if failed else "(synthetic)",
                   "error": r.get("error"), "scores": {} if failed else r.get("scores", {})}
            fh.write(json.dumps(rec) + "\n")
    return run_dir


def _write_run(run_dir: Path, suite: Path, suite_text: str, dataset_sha: str,
               scores: dict[str, np.ndarray], ids: list[str]) -> None:
    records = [{"item_id": item, "system": "model", "scores": {m: float(v[k]) for m, v in scores.items()}}
               for k, item in enumerate(ids)]
    write_run(run_dir, records, suite=suite, suite_text=suite_text, dataset_sha=dataset_sha)


def make_pair(root: Path, *, n: int = 200, shift: float = 0.0, seed: int = 0, noise: float = 0.04,
              gate: str = GATE) -> SyntheticPair:
    """Write suite.toml, run_a/ and run_b/ under ``root``; B's true mean is A's minus ``shift``."""
    rng = np.random.default_rng(seed)
    ids = [f"item-{k:04d}" for k in range(n)]
    difficulty = rng.normal(0.35, 0.08, n)  # shared by both runs
    def draw(delta: float) -> dict[str, np.ndarray]:
        lsum = np.clip(difficulty + rng.normal(0, noise, n) - delta, 0.0, 1.0)
        r1 = np.clip(lsum + 0.08 + rng.normal(0, noise / 2, n), 0.0, 1.0)
        return {"rouge1": r1, "rougeLsum": lsum}
    root.mkdir(parents=True, exist_ok=True)
    suite_text = _suite_text(gate)
    suite = root / "suite.toml"
    suite.write_text(suite_text, encoding="utf-8")
    dataset_sha = hashlib.sha256("\n".join(ids).encode()).hexdigest()
    pair = SyntheticPair(suite, root / "run_a", root / "run_b")
    _write_run(pair.run_a, suite, suite_text, dataset_sha, draw(0.0), ids)
    _write_run(pair.run_b, suite, suite_text, dataset_sha, draw(shift), ids)
    return pair
