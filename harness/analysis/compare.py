"""``sumbench compare``: is system B better or worse than A, item by item?

Records are paired by item id: two systems of one run, or the same system
(or two named systems) across two runs. For each metric: both means, the
mean difference B−A, a seeded paired-bootstrap 95% CI, a two-sided paired
permutation p-value, Holm-adjusted p across the metrics compared, and
win/tie/loss counts. Items on one side only are listed, never dropped
silently. With more than two systems and no --a/--b, a ranking table.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field
from typing import Any

from harness.analysis.paired import Paired, compare_paired, holm
from harness.analysis.pairwise import pairwise_stats
from harness.core.errors import UserError
from harness.core.metrics import Catalog, installed_metrics
from harness.results.pairwise import read_pairwise
from harness.results.rundata import RunData, SystemScores


@dataclass
class Side:
    run: RunData
    system: SystemScores


@dataclass
class MetricRow:
    metric: str
    better: str | None  # "higher", "lower", or None (no direction: W/T/L count B higher/equal/lower)
    stats: Paired
    p_holm: float | None = None


@dataclass
class PairResult:
    a: Side
    b: Side
    rows: list[MetricRow]
    only_a: list[str]  # items with a record for A and none for B
    only_b: list[str]
    seed: int
    alpha: float
    notes: list[str] = field(default_factory=list)
    pairwise: dict[str, Any] | None = None  # the [pairwise] judge's verdicts on A vs B, when the run has them


@dataclass
class RankRow:
    system: str
    mean: float | None
    vs_leader: Paired | None  # None for the leader itself
    p_holm: float | None = None


@dataclass
class RankResult:
    run: RunData
    tables: dict[str, list[RankRow]]  # metric -> rows, best first
    n_items: int  # items every system scored (per metric the n may be lower)
    seed: int
    alpha: float
    notes: list[str] = field(default_factory=list)


def choose_metrics(known: list[str], wanted: list[str] | None, where: str, catalog: Catalog,
                   notes: list[str] | None = None) -> list[str]:
    """The requested metrics (validated), or by default those with a declared better direction."""
    if not wanted:
        chosen = [m for m in known if catalog.direction(m) is not None]
        if not chosen:
            raise UserError("no scores to compare (every record failed or has no scores)", file=where,
                            fix="check the 'error' field in records.jsonl, or name metrics with --metric")
        skipped = [m for m in known if m not in chosen]
        if skipped and notes is not None:
            notes.append(f"not shown (no better direction): {', '.join(skipped)}; name them with --metric")
        return chosen
    for m in wanted:
        if m not in known:
            close = difflib.get_close_matches(m, known, n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            raise UserError(f"unknown metric {m!r}", file=where,
                            fix=f"{hint}known metrics: {', '.join(known)}")
    return list(dict.fromkeys(wanted))


def pair(a: Side, b: Side, metrics: list[str] | None, seed: int, alpha: float = 0.05) -> PairResult:
    known = [m for m in a.run.metrics if m in a.system.metrics | b.system.metrics]
    known += [m for m in b.run.metrics if m in b.system.metrics and m not in known]
    notes: list[str] = []
    catalog = Catalog(a.run.catalog.declared + b.run.catalog.declared, fallback=installed_metrics)
    chosen = choose_metrics(known, metrics, str(a.run.path), catalog, notes)
    rows = []
    for m in chosen:
        va, vb = a.system.values(m), b.system.values(m)
        common = [i for i in a.system.items if i in va and i in vb]
        better = catalog.direction(m)
        rows.append(MetricRow(m, better, compare_paired(
            [va[i] for i in common], [vb[i] for i in common], seed=seed, name=m,
            lower_is_better=better == "lower")))
    for row, p in zip(rows, holm([r.stats.p for r in rows])):
        row.p_holm = p
    b_items, a_items = set(b.system.items), set(a.system.items)
    result = PairResult(a=a, b=b, rows=rows, seed=seed, alpha=alpha, notes=notes,
                        only_a=[i for i in a.system.items if i not in b_items],
                        only_b=[i for i in b.system.items if i not in a_items])
    if a.run is b.run:
        result.pairwise = pairwise_stats(read_pairwise(a.run.path), a.system.name, b.system.name, seed)
    if a.run is not b.run:
        ha, hb = a.run.suite.get("dataset_sha256"), b.run.suite.get("dataset_sha256")
        if ha and hb and ha != hb:
            result.notes.append("the runs are on different datasets (dataset sha256 differs); "
                                "items are paired by id")
    return result


def rank(run: RunData, metrics: list[str] | None, seed: int, alpha: float = 0.05) -> RankResult:
    """Order systems by mean on the items all of them scored; test each against the leader."""
    systems = list(run.systems.values())
    notes: list[str] = []
    chosen = choose_metrics(run.metrics, metrics, str(run.path), run.catalog, notes)
    tables: dict[str, list[RankRow]] = {}
    everywhere = [i for i in systems[0].items if all(i in s.scores for s in systems)]
    for m in chosen:
        vals = {s.name: s.values(m) for s in systems}
        common = [i for i in systems[0].items if all(i in v for v in vals.values())]
        low = run.catalog.direction(m) == "lower"
        means = {n: (math.fsum(v[i] for i in common) / len(common) if common else None) for n, v in vals.items()}
        order = sorted(means, key=lambda n: (means[n] is None, (means[n] or 0.0) * (1 if low else -1), n))
        leader = order[0]
        rows = [RankRow(leader, means[leader], None)]
        for n in order[1:]:
            stats = compare_paired([vals[leader][i] for i in common], [vals[n][i] for i in common],
                                   seed=seed, name=f"{m}\0{leader}\0{n}", lower_is_better=low)
            rows.append(RankRow(n, means[n], stats))
        tables[m] = rows
    flat = [r for rows in tables.values() for r in rows if r.vs_leader is not None]
    for r, p in zip(flat, holm([r.vs_leader.p for r in flat])):
        r.p_holm = p
    result = RankResult(run=run, tables=tables, n_items=len(everywhere), seed=seed, alpha=alpha, notes=notes)
    partial = sorted({i for s in systems for i in s.items} - set(everywhere))
    if partial:
        result.notes.append(f"{len(partial)} item(s) not scored by every system are left out of the ranking: "
                            + ", ".join(partial[:10]) + (" ..." if len(partial) > 10 else ""))
    return result


def resolve_sides(run_a: RunData, run_b: RunData | None, a: str | None, b: str | None) -> tuple[Side, Side] | None:
    """The two sides to pair, or None for a ranking of all systems of one run."""
    if b and not a and run_b is not None:
        raise UserError("--b needs --a when comparing two runs", file=run_b.path,
                        fix="pass --a SYS (the system in RUN) and --b SYS (its name in RUN_B)")
    if run_b is None:
        names = list(run_a.systems)
        if a and b:
            if a == b:
                raise UserError(f"--a and --b are both {a!r}", file=run_a.path,
                                fix="name two different systems, or pass a second run to compare across runs")
            return Side(run_a, run_a.system(a)), Side(run_a, run_a.system(b))
        if a or b:
            given = run_a.system(a or b).name
            others = [n for n in names if n != given]
            if len(others) != 1:
                raise UserError(f"the run has {len(names)} systems; say which to compare with {given!r}",
                                file=run_a.path, fix=f"add --{'b' if a else 'a'} with one of: {', '.join(others)}")
            pair_ = (given, others[0]) if a else (others[0], given)
            return Side(run_a, run_a.system(pair_[0])), Side(run_a, run_a.system(pair_[1]))
        if len(names) < 2:
            raise UserError(f"the run has only {len(names)} system(s): nothing to compare", file=run_a.path,
                            fix="pass a second run folder to compare the same system across runs")
        if len(names) == 2:
            return Side(run_a, run_a.system(names[0])), Side(run_a, run_a.system(names[1]))
        return None
    if a:
        return Side(run_a, run_a.system(a)), Side(run_b, run_b.system(b or a))
    common = [n for n in run_a.systems if n in run_b.systems]
    if len(common) == 1:
        return Side(run_a, run_a.system(common[0])), Side(run_b, run_b.system(common[0]))
    if len(run_a.systems) == 1 and len(run_b.systems) == 1 and not common:
        return Side(run_a, next(iter(run_a.systems.values()))), Side(run_b, next(iter(run_b.systems.values())))
    if common:
        raise UserError(f"ambiguous: both runs have systems {', '.join(common)}", file=run_b.path,
                        fix="choose one with --a SYS (and --b SYS if RUN_B names it differently)")
    raise UserError("the runs share no system name", file=run_b.path,
                    fix=f"name them: --a one of {', '.join(run_a.systems)} and --b one of {', '.join(run_b.systems)}")
