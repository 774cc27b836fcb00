"""How often does `sumbench check` fail on pure noise, and how often does it catch a real drop?

Each trial writes a synthetic pair of runs (harness.testing.synthetic_runs:
shared item difficulty + per-run noise), makes a baseline from run A with
`check --update-baseline`, and checks run B against it through the real
CLI (harness.cli.main). "Noise": B has the same distribution as A (fresh
draws). "Regression": B is truly worse by 0.05 on rougeLsum and rouge1.

Printed next to ours: a naive gate that fails whenever a mean drops by more
than max_drop (no significance test), on the very same runs.

    python benchmarks/gate_noise.py            # 100 trials per setting
    python benchmarks/gate_noise.py --trials 20
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness.cli import main  # noqa: E402
from harness.testing.synthetic_runs import make_pair  # noqa: E402

GATE_SIG_ONLY = """[gate]
alpha = 0.05
"rougeLsum" = { max_drop = 0.0 }
"rouge1" = { max_drop = 0.0 }
"""

SETTINGS = [
    # (label, n items, per-run noise sd, true shift, gate text or None for the default)
    ("acceptance: 200 items, B = A + noise", 200, 0.04, 0.0, None),
    ("acceptance: 200 items, B worse by 0.05", 200, 0.04, 0.05, None),
    ("26 items (demo size), noisy, B = A + noise", 26, 0.08, 0.0, None),
    ("26 items (demo size), noisy, B worse by 0.05", 26, 0.08, 0.05, None),
    ("200 items, max_drop = 0 (significance alone), B = A + noise", 200, 0.04, 0.0, GATE_SIG_ONLY),
]


def _quiet(argv: list[str]) -> int:
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        return main(argv)


def _means(run: Path) -> dict[str, float]:
    recs = [json.loads(line) for line in (run / "records.jsonl").read_text().splitlines()]
    return {m: sum(r["scores"][m] for r in recs) / len(recs) for m in recs[0]["scores"]}


def trial(root: Path, seed: int, n: int, noise: float, shift: float, gate: str | None) -> tuple[int, bool]:
    """(exit code of check, naive gate failed?) for one synthetic pair."""
    kwargs = {"gate": gate} if gate else {}
    pair = make_pair(root, n=n, shift=shift, seed=seed, noise=noise, **kwargs)
    base = root / "baseline.json"
    if _quiet(["check", str(pair.run_a), "--update-baseline", str(base)]) != 0:
        raise SystemExit("baseline could not be written")
    code = _quiet(["check", str(pair.run_b), "--baseline", str(base)])
    ma, mb = _means(pair.run_a), _means(pair.run_b)
    max_drop = 0.0 if gate == GATE_SIG_ONLY else 0.02
    naive_fail = any(ma[m] - mb[m] > max_drop for m in ("rougeLsum", "rouge1"))
    return code, naive_fail


def main_bench(trials: int) -> None:
    print(f"sumbench check on synthetic run pairs, {trials} seeded trials per setting (seeds 0..{trials - 1})")
    print("noise rows: how often the gate passes (want >= 95%); regression rows: how often it fails (detects)")
    print(f"{'setting':<62} {'sumbench check':>19} {'naive gate':>12}")
    t0 = time.perf_counter()
    acceptance = {}
    for label, n, noise, shift, gate in SETTINGS:
        passes = naive_passes = 0
        for seed in range(trials):
            with tempfile.TemporaryDirectory() as tmp:
                code, naive_fail = trial(Path(tmp), seed, n, noise, shift, gate)
            if code not in (0, 1):
                raise SystemExit(f"check exited {code} (usage error) in {label!r}, seed {seed}")
            passes += code == 0
            naive_passes += not naive_fail
        if shift:
            ours, naive, what = trials - passes, trials - naive_passes, "detected"
        else:
            ours, naive, what = passes, naive_passes, "passed"
        print(f"{label:<62} {what:>8} {ours:>3}/{trials:<3} {ours / trials:>4.0%}  {naive:>3}/{trials:<3} "
              f"{naive / trials:>4.0%}")
        if label.startswith("acceptance"):
            acceptance[shift] = ours
    print(f"({time.perf_counter() - t0:.1f} s)")
    print(f"acceptance (200 items, max_drop 0.02): noise pass rate {acceptance[0.0]}/{trials} "
          f"(ours) -- required >= 95%; true 0.05 regression detected {acceptance[0.05]}/{trials}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=100)
    main_bench(ap.parse_args().trials)
