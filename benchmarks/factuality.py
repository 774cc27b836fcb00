"""How well does sumbench's faithfulness score agree with human factuality labels?

    python benchmarks/factuality.py --frank ../shared/data/frank --split valid
    python benchmarks/factuality.py --frank ../shared/data/frank --split test

Scores every FRANK summary of the split through sumbench's own path (the
``precomputed`` backend + the registered scorers, via ``runner.run_one``)
and prints the FRANK partial correlation with the human ``Factuality``
label (each system's mean removed from metric and label; Pearson and
Spearman of the residuals) for ``faithfulness.score``, each sub-signal and
sumbench's ROUGE-L, next to FRANK's own metric outputs recomputed on the
same rows and the published figures.

Defaults of the faithfulness scorer were chosen on ``valid`` only. With
``--split test`` the held-out SummEval (consistency; mean over articles of
per-article Spearman), Maynez et al. XSum (``Faithful``) and QAGS numbers
are printed too, for the record. Missing data folders are skipped cleanly.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any, Iterable

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from harness.backends.precomputed import Precomputed, PrecomputedOptions  # noqa: E402
from harness.core.models import Item  # noqa: E402
from harness.suite.config import SystemConfig  # noqa: E402
from harness.core.registry import scorers  # noqa: E402
from harness.run.pair import run_pair  # noqa: E402
from harness.core.text import remove_duplicate_paragraphs  # noqa: E402

SIGNALS = ["faithfulness.score", "faithfulness.numbers", "faithfulness.entities", "faithfulness.quotes",
           "faithfulness.negation", "faithfulness.content", "faithfulness.pairs", "faithfulness.ngrams"]
# FRANK's own metric outputs (baseline_metrics), recomputed on the same rows
FRANK_BASELINES = {"Rouge L": "ROUGE-L (FRANK)", "BertScore P Art": "BERTScore-P vs article",
                   "FactCC": "FactCC", "Dep Entail": "DAE", "QAGS": "QAGS"}
PUBLISHED = {  # ../shared/data/README.md (Pearson, Spearman)
    "test": [("ROUGE-L", 0.133, 0.092), ("FactCC", 0.201, 0.300), ("BERTScore-P vs article", 0.295, 0.252)],
    "all": [("ROUGE-L", 0.131, 0.089), ("FactCC", 0.204, 0.304), ("BERTScore-P vs article", 0.271, 0.243),
            ("QAGS", 0.065, 0.081)],
}


def rankdata(x: np.ndarray) -> np.ndarray:
    """Average ranks (ties share their mean rank), as Spearman needs."""
    order = np.argsort(x, kind="mergesort")
    ranks = np.empty(len(x), dtype=float)
    xs = x[order]
    i = 0
    while i < len(x):
        j = i
        while j + 1 < len(x) and xs[j + 1] == xs[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def pearson(a: np.ndarray, b: np.ndarray) -> float:
    if len(a) < 3 or a.std() == 0 or b.std() == 0:
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    return pearson(rankdata(a), rankdata(b))


def partial_corr(metric: Iterable[float], human: Iterable[float], groups: list[str]) -> tuple[float, float, int]:
    """FRANK protocol: remove each group's (system's) mean from both, correlate residuals."""
    m, h = np.asarray(list(metric), float), np.asarray(list(human), float)
    keep = ~np.isnan(m) & ~np.isnan(h)
    m, h, g = m[keep], h[keep], np.asarray(groups)[keep]
    for sys_name in set(g.tolist()):
        sel = g == sys_name
        m[sel] -= m[sel].mean()
        h[sel] -= h[sel].mean()
    return pearson(m, h), spearman(m, h), int(keep.sum())


class Scorer:
    """Scores (article, summary, references) through sumbench's runner with the precomputed backend."""

    def __init__(self) -> None:
        self.system = SystemConfig(name="given", backend="precomputed", field="summary")
        self.backend = Precomputed(PrecomputedOptions(field="summary"))
        self.scorers = [("faithfulness", scorers.create("faithfulness", {})),
                        ("rouge", scorers.create("rouge", {"types": ["rougeL"]}))]

    def __call__(self, item_id: str, article: str, summary: str, references: list[str]) -> dict[str, float]:
        item = Item(id=item_id, article=article, references=references, meta={"summary": summary})
        art, dups = remove_duplicate_paragraphs(article)  # as `sumbench run` does
        rec = run_pair(item, art, [d.index for d in dups], self.system, self.backend, self.scorers)
        if rec.error:
            raise SystemExit(f"error: scoring {item_id} failed: {rec.error}")
        return {k: (float("nan") if v is None else v) for k, v in rec.scores.items()}


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def fmt(x: float) -> str:
    return "   n/a" if x != x else f"{x:6.3f}"


def frank(path: Path, split: str, score: Scorer) -> None:
    rows = [r for r in read_jsonl(path / "frank_benchmark.jsonl") if r["split"] == split]
    t0 = time.perf_counter()
    scored = [score(r["id"], r["article"], r["summary"], [r["reference"]]) for r in rows]
    elapsed = time.perf_counter() - t0
    human = [r["human"]["Factuality"] for r in rows]
    groups = [r["model_name"] for r in rows]
    n_art = len({r["hash"] for r in rows})
    print(f"FRANK {split}: {len(rows)} summaries, {n_art} articles, 9 systems; scored in {elapsed:.1f}s")
    print("partial correlation with human Factuality (system means removed)")
    print(f"  {'metric':42s} {'Pearson':>7s} {'Spearman':>8s}")
    for name in SIGNALS + ["rougeL"]:
        p, s, _ = partial_corr([x.get(name, float("nan")) for x in scored], human, groups)
        label = name + (" (sumbench, vs reference)" if name == "rougeL" else "")
        print(f"  {label:42s} {fmt(p)}  {fmt(s)}")
    print("  FRANK's metric outputs, recomputed on these rows:")
    for key, label in FRANK_BASELINES.items():
        vals = [r["baseline_metrics"].get(key) for r in rows]
        p, s, n = partial_corr([float("nan") if v is None else v for v in vals], human, groups)
        print(f"  {label:42s} {fmt(p)}  {fmt(s)}   (n={n})")
    published = PUBLISHED["test"] if split == "test" else PUBLISHED["all"]
    where = "test split" if split == "test" else "all 2246 summaries"
    print(f"  published ({where}): " + ", ".join(f"{n} {p:.3f}/{s:.3f}" for n, p, s in published))


def summeval(path: Path, score: Scorer) -> None:
    rows = read_jsonl(path / "summeval_expert.jsonl")
    by_doc: dict[str, list[tuple[float, float, float]]] = defaultdict(list)
    t0 = time.perf_counter()
    for r in rows:
        m = score(r["id"], r["article"], r["summary"], r["references"][:1])
        by_doc[r["doc_id"]].append((m["faithfulness.score"], m.get("rougeL", float("nan")),
                                    r["expert"]["consistency"]))
    per_doc: dict[str, list[float]] = {"faithfulness.score": [], "rougeL": []}
    for vals in by_doc.values():
        arr = np.asarray(vals, float)
        for i, name in enumerate(per_doc):
            rho = spearman(arr[:, i], arr[:, 2])
            if rho == rho:
                per_doc[name].append(rho)
    print(f"SummEval (held out): {len(rows)} summaries, {len(by_doc)} articles; scored in "
          f"{time.perf_counter() - t0:.1f}s")
    print("  expert consistency, mean over articles of per-article Spearman "
          "(articles where all summaries tie are skipped):")
    for name, vals in per_doc.items():
        print(f"  {name:42s} {fmt(float(np.mean(vals)))}   ({len(vals)} articles)")


def maynez(path: Path, frank_path: Path, score: Scorer) -> None:
    arts = {a["bbcid"]: a["article"] for a in read_jsonl(path / "articles_from_frank.jsonl")}
    valid_docs = {r["hash"] for r in read_jsonl(frank_path / "frank_benchmark.jsonl")
                  if r["split"] == "valid"} if (frank_path / "frank_benchmark.jsonl").exists() else set()
    rows = [r for r in read_jsonl(path / "summaries.jsonl")
            if r["bbcid"] in arts and r["bbcid"] not in valid_docs and r.get("eval_scores")]
    ours = [score(r["id"], arts[r["bbcid"]], r["summary"], [r["reference"]])["faithfulness.score"] for r in rows]
    faithful = np.asarray([r["eval_scores"]["Faithful"] for r in rows], float)
    print(f"Maynez et al. XSum (held out): {len(rows)} system summaries with an article here "
          f"(FRANK-valid documents excluded)")
    print("  Spearman with 'Faithful' (share of words outside hallucinated spans), pooled over systems:")
    print(f"  {'faithfulness.score (sumbench)':42s} {fmt(spearman(np.asarray(ours), faithful))}")
    for key in ("Entailment", "BERTScore", "RL"):
        vals = np.asarray([float(r["eval_scores"][key]) for r in rows], float)
        print(f"  {key + ' (Maynez et al. outputs, same rows)':42s} {fmt(spearman(vals, faithful))}")


def qags(path: Path, score: Scorer) -> None:
    from harness.scorers.rouge import RougeCalc

    calc = RougeCalc(("rouge2",))
    print("QAGS (held out): summary-level consistency (mean over sentences of the crowd majority vote)")
    for name in ("cnndm", "xsum"):
        rows = json.loads((path / f"ctc_qags_{name}.json").read_text(encoding="utf-8"))
        ours = [score(f"qags-{name}-{i}", r["document"], r["summary"], [])["faithfulness.score"]
                for i, r in enumerate(rows)]
        r2 = [calc.fmeasures(r["document"], r["summary"])["rouge2"] for r in rows]
        human = np.asarray([r["consistency"] for r in rows], float)
        for label, vals in (("faithfulness.score (sumbench)", ours), ("ROUGE-2 vs article (sumbench)", r2)):
            v = np.asarray(vals, float)
            print(f"  QAGS-{name:5s} {label:34s} Pearson {fmt(pearson(v, human))}  "
                  f"Spearman {fmt(spearman(v, human))}   (n={len(rows)})")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--frank", type=Path, default=ROOT.parent / "shared" / "data" / "frank")
    ap.add_argument("--split", choices=["valid", "test"], default="valid")
    ap.add_argument("--summeval", type=Path, default=None, help="default: <frank>/../summeval")
    ap.add_argument("--maynez", type=Path, default=None,
                    help="default: <frank>/../xsum_hallucination_maynez2020")
    ap.add_argument("--qags", type=Path, default=None, help="default: <frank>/../qags_mturk")
    args = ap.parse_args(argv)
    data = args.frank.parent
    score = Scorer()
    t0 = time.perf_counter()
    if (args.frank / "frank_benchmark.jsonl").exists():
        frank(args.frank, args.split, score)
    else:
        print(f"skipped FRANK: {args.frank / 'frank_benchmark.jsonl'} not found")
    if args.split == "test":
        held_out = [  # (name, folder, file that must exist, how to report it)
            ("SummEval", args.summeval or data / "summeval", "summeval_expert.jsonl", summeval),
            ("Maynez", args.maynez or data / "xsum_hallucination_maynez2020", "summaries.jsonl",
             lambda folder, sc: maynez(folder, args.frank, sc)),
            ("QAGS", args.qags or data / "qags_mturk", "ctc_qags_cnndm.json", qags),
        ]
        for name, folder, needed, report in held_out:
            print()
            if (folder / needed).exists():
                report(folder, score)
            else:
                print(f"skipped {name}: {folder / needed} not found")
    print(f"\ntotal {time.perf_counter() - t0:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
