"""ROUGE scoring speed: sumbench's RougeCalc vs rouge-score's RougeScorer, same inputs, same run.

Scores every SummEval summary against each of its references (1600 summaries
x 11 references = 17,600 pairs of real CNN/DM text; speed only, nothing is
tuned on it) with ROUGE-1/2/L/Lsum and Porter stemming, once with
rouge-score as shipped and once with ``harness.scorers.rouge.RougeCalc``
(bit-parallel LCS, memoised stemming and tokens). Every number must be
bitwise identical, or the script fails. Without the data folder it uses 400
synthetic pairs instead.

    python benchmarks/rouge_speed.py                     # ../shared/data/summeval
    python benchmarks/rouge_speed.py --data DIR --limit 300
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from harness.scorers.rouge import ROUGE_TYPES, RougeCalc, _sentence_lines  # noqa: E402
from harness.testing.synthetic import synthetic_item  # noqa: E402


def load_pairs(data: Path, limit: int | None) -> tuple[list[tuple[str, str]], str]:
    path = data / "summeval_expert.jsonl"
    if not path.exists():
        rng = random.Random(0)
        items = [synthetic_item(i, rng) for i in range(400)]
        return [(it["reference"], it["article"]) for it in items], f"400 synthetic pairs ({path} not found)"
    pairs = []
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh):
            if limit is not None and n >= limit:
                break
            row = json.loads(line)
            pairs += [(ref, row["summary"]) for ref in row["references"]]
    return pairs, f"{len(pairs)} (reference, summary) pairs from {path}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "summeval")
    ap.add_argument("--limit", type=int, default=None, help="use only the first N summaries")
    args = ap.parse_args()
    pairs, what = load_pairs(args.data, args.limit)
    # Both sides get the same newline-separated sentences (what rougeLsum needs), prepared outside the timing.
    lined = [(_sentence_lines(t), _sentence_lines(p)) for t, p in pairs]

    from rouge_score import rouge_scorer

    stock = rouge_scorer.RougeScorer(list(ROUGE_TYPES), use_stemmer=True)
    ours = RougeCalc(ROUGE_TYPES, use_stemmer=True)
    ours.score("warm up", "warm up")  # both sides pay their imports before the clock starts
    stock.score("warm up", "warm up")

    t0 = time.perf_counter()
    want = [stock.score(t, p) for t, p in lined]
    t_stock = time.perf_counter() - t0
    t0 = time.perf_counter()
    got = [ours.score(t, p) for t, p in lined]
    t_ours = time.perf_counter() - t0

    mismatches = sum(g != {k: (s.precision, s.recall, s.fmeasure) for k, s in w.items()} for g, w in zip(got, want))
    n = len(pairs)
    print(f"{what}; ROUGE-1/2/L/Lsum with stemming\n")
    print(f"{'':<24}{'total s':>9}  {'ms / pair':>9}")
    print(f"{'rouge-score as shipped':<24}{t_stock:>9.3f}  {t_stock / n * 1000:>9.3f}")
    print(f"{'sumbench RougeCalc':<24}{t_ours:>9.3f}  {t_ours / n * 1000:>9.3f}")
    print(f"\nspeed-up: {t_stock / t_ours:.2f}x (rouge-score time / ours); "
          f"identical numbers: {n - mismatches}/{n} pairs")
    if mismatches:
        raise SystemExit(f"{mismatches} pairs differ from rouge-score")


if __name__ == "__main__":
    main()
