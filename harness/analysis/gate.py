"""``sumbench check``: apply the suite's ``[gate]`` rules to a run.

Rules: ``min``/``max`` bound each system's mean; ``max_drop`` pairs the run
with a baseline item by item and fails only when the worsening is larger
than ``max_drop`` AND significant (two-sided paired permutation test,
Holm-adjusted across every max_drop test of the check, at ``alpha``), so a
noise-only change fails at most about alpha/2 of the time. Failed records
beyond ``[run] error_budget`` fail too. Exit 0 pass, 1 regression, 2
usage/config error.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from harness.analysis.paired import Paired, compare_paired, holm
from harness.core.errors import UserError
from harness.core.files import line_of, validation_error
from harness.core.text import sha256_text
from harness.results.baseline import Baseline, check_same_dataset
from harness.results.rundata import RunData
from harness.suite.gate_config import GateConfig, GateRule

ALL_SYSTEMS = "(all)"  # the system column of rules that are not per system (error budget)


@dataclass
class Outcome:
    """One rule applied to one system: a JUnit testcase, a Markdown row."""

    system: str
    metric: str
    kind: str  # min | max | max_drop | error_budget
    name: str
    passed: bool
    message: str
    value: float | None = None
    threshold: float | None = None
    baseline: float | None = None
    stats: Paired | None = None
    p_holm: float | None = None


@dataclass
class Rules:
    gate: GateConfig
    error_budget: int
    judge_error_budget: int
    source: Path  # the file the rules came from (suite.toml, or manifest.json as a fallback)
    text: str | None  # that file's TOML text, for line numbers
    note: str | None = None  # why the fallback was used
    suite_systems: list[str] = field(default_factory=list)  # every system the suite defines

    def error(self, what: str, *loc: Any, fix: str) -> UserError:
        line = line_of(self.text, loc) if self.text else None
        return UserError(what, file=self.source, line=line, fix=fix)


@dataclass
class GateResult:
    suite: str
    outcomes: list[Outcome]
    alpha: float
    notes: list[str] = field(default_factory=list)

    @property
    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.passed]


def load_rules(run: RunData) -> Rules:
    """The suite file's current ``[gate]`` (validated, file:line errors); the manifest's copy if the file is gone."""
    from harness.suite.datasets import load_suite

    suite_path = Path(str(run.suite.get("path", "")))
    if run.suite.get("path") and suite_path.is_file():
        suite = load_suite(suite_path)
        run_cfg = suite.config.run
        return Rules(suite.config.gate, run_cfg.error_budget, run_cfg.judge_error_budget, suite.path, suite.text,
                     suite_systems=[s.name for s in suite.config.systems])
    config = run.suite.get("config") or {}
    mpath = run.path / "manifest.json"
    try:
        gate = GateConfig.model_validate(config.get("gate") or {})
    except ValidationError as exc:
        raise validation_error(exc, mpath, None, what="suite.config.gate") from None
    run_cfg = config.get("run") or {}
    why = (f"suite file {suite_path} not found (run check from the folder `run` ran in?); "
           "using the [gate] rules recorded in the manifest")
    names = [str(s.get("name")) for s in config.get("systems") or [] if isinstance(s, dict)]
    return Rules(gate, int(run_cfg.get("error_budget", 0)), int(run_cfg.get("judge_error_budget", 0)), mpath,
                 None, note=why, suite_systems=names)


def _validate(rules: Rules, run: RunData, systems: list[str]) -> None:
    known = run.metrics
    defined = set(run.systems) | set(run.manifest.get("skipped") or {}) | set(rules.suite_systems)
    for metric, rule in rules.gate.rules.items():
        if metric not in known:
            close = difflib.get_close_matches(metric, known, n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            raise rules.error(f"[gate] rule for unknown metric {metric!r}", "gate", metric,
                              fix=f"{hint}metrics in this run: {', '.join(known) or '(none)'}")
        if rule.max_drop is not None and rule.direction(run.catalog.direction(metric)) is None:
            raise rules.error(f"[gate] {metric!r} has no better direction, so max_drop is ambiguous", "gate", metric,
                              fix='add better = "higher" or better = "lower" to the rule')
        for name in rule.systems or []:
            if name not in defined:
                raise rules.error(f"[gate] rule {metric!r} names unknown system {name!r}", "gate", metric,
                                  fix=f"use one of: {', '.join(sorted(defined))}")
    if any(s not in run.systems for s in systems):
        bad = next(s for s in systems if s not in run.systems)
        raise UserError(f"--system {bad!r} is not in this run", file=run.path,
                        fix=f"use one of: {', '.join(run.systems)}")


def _bound(system: str, metric: str, kind: str, rule_value: float, mean: float | None, n: int) -> Outcome:
    op = ">=" if kind == "min" else "<="
    name = f"{metric} {op} {rule_value:g}"
    if mean is None:
        return Outcome(system, metric, kind, name, False, f"no {metric} scores (n=0)", None, rule_value)
    ok = mean >= rule_value if kind == "min" else mean <= rule_value
    msg = f"mean {mean:.4f} {op if ok else ('<' if kind == 'min' else '>')} {rule_value:g} (n={n})"
    return Outcome(system, metric, kind, name, ok, msg, mean, rule_value)


def _drop(system: str, metric: str, rule: GateRule, run: RunData, baseline: Baseline, seed: int) -> Outcome:
    low = rule.direction(run.catalog.direction(metric)) == "lower"
    cur = run.systems[system].values(metric)
    base = baseline.systems[system].scores
    common = [i for i in run.systems[system].items if i in cur and metric in base.get(i, {})]
    stats = compare_paired([base[i][metric] for i in common], [cur[i] for i in common], seed=seed,
                           name=f"{system}\0{metric}", lower_is_better=low)
    name = f"{metric} drop <= {rule.max_drop:g} vs baseline"
    return Outcome(system, metric, "max_drop", name, True, "", stats.mean_b, rule.max_drop,
                   baseline=stats.mean_a, stats=stats)


def _decide_drop(o: Outcome, alpha: float, low: bool) -> None:
    s = o.stats
    if s is None or s.n == 0 or s.diff is None:
        o.passed, o.message = False, "no items scored in both the run and the baseline"
        return
    drop = s.diff if low else -s.diff  # positive = worse than the baseline
    significant = o.p_holm is not None and o.p_holm < alpha
    o.passed = not (drop > o.threshold and significant)
    what = f"drop {drop:+.4f} (baseline {s.mean_a:.4f} -> {s.mean_b:.4f}, 95% CI of change " \
           f"[{s.ci_low:+.4f}, {s.ci_high:+.4f}], p Holm {o.p_holm:.4g}, n={s.n})"
    if o.passed:
        why = "within max_drop" if drop <= o.threshold else f"not significant at alpha {alpha:g}"
        o.message = f"{what}: {why}"
    else:
        o.message = f"{what} > max_drop {o.threshold:g} and significant at alpha {alpha:g}"


def evaluate(run: RunData, rules: Rules, baseline: Baseline | None, baseline_path: Path | None,
             systems: list[str] | None = None, seed: int | None = None) -> GateResult:
    """Every rule for every gated system, then the error budget."""
    run.require_complete()
    wanted = list(systems or [])
    _validate(rules, run, wanted)
    gated = wanted or list(run.systems)
    seed = run.seed if seed is None else seed
    result = GateResult(suite=str(run.suite.get("name", "")), outcomes=[], alpha=rules.gate.alpha,
                        notes=_context_notes(run, rules))
    needs_base = {s for s in gated for m, r in rules.gate.rules.items()
                  if r.max_drop is not None and (r.systems is None or s in r.systems)}
    if needs_base and baseline is None:
        raise UserError("[gate] has max_drop rules but no baseline was given", file=rules.source,
                        line=line_of(rules.text, ("gate",)) if rules.text else None,
                        fix="pass --baseline FILE (create one with --update-baseline FILE)")
    if baseline is not None:
        _check_baseline(baseline, baseline_path, run, rules, needs_base, result)
    drops: list[Outcome] = []
    for s in gated:
        for metric, rule in rules.gate.rules.items():
            if rule.systems is not None and s not in rule.systems:
                continue
            vals = run.systems[s].values(metric)
            mean = math.fsum(vals.values()) / len(vals) if vals else None
            for kind in ("min", "max"):
                if getattr(rule, kind) is not None:
                    result.outcomes.append(_bound(s, metric, kind, getattr(rule, kind), mean, len(vals)))
            if rule.max_drop is not None:
                o = _drop(s, metric, rule, run, baseline, seed)
                drops.append(o)
                result.outcomes.append(o)
    for o, p in zip(drops, holm([o.stats.p for o in drops])):
        o.p_holm = p
        low = rules.gate.rules[o.metric].direction(run.catalog.direction(o.metric)) == "lower"
        _decide_drop(o, rules.gate.alpha, low)
    result.outcomes += _budgets(run, rules, gated)
    if not rules.gate.rules:
        result.notes.append(f"{rules.source} has no [gate] rules: only the error budget was checked")
    return result


def _budgets(run: RunData, rules: Rules, gated: list[str]) -> list[Outcome]:
    """Failed records, and judgements a judge could not make: a recall computed from fewer claims
    must not pass the gate silently."""
    failed = sum(len(run.systems[s].failed) for s in gated)
    out = [Outcome(ALL_SYSTEMS, "records", "error_budget", f"failed records <= {rules.error_budget}",
                   failed <= rules.error_budget, f"{failed} failed record(s); error budget {rules.error_budget}",
                   failed, rules.error_budget)]
    undecided = sum(run.systems[s].undecided for s in gated)
    if undecided or rules.judge_error_budget:  # a run with no judge (or no trouble) keeps its table
        out.append(Outcome(ALL_SYSTEMS, "judgements", "judge_error_budget",
                           f"undecided judgements <= {rules.judge_error_budget}", undecided <= rules.judge_error_budget,
                           f"{undecided} judgement(s) left undecided; judge error budget {rules.judge_error_budget}",
                           undecided, rules.judge_error_budget))
    return out


def _context_notes(run: RunData, rules: Rules) -> list[str]:
    notes = [rules.note] if rules.note else []
    for name, why in (run.manifest.get("skipped") or {}).items():
        notes.append(f"system {name!r} was skipped by the run ({why}): not gated")
    if run.suite.get("sha256") and rules.text is not None:
        if sha256_text(rules.text) != run.suite.get("sha256"):
            notes.append(f"{rules.source} changed since this run; its current [gate] rules are applied")
    return notes


def _check_baseline(baseline: Baseline, path: Path | None, run: RunData, rules: Rules, needs: set[str],
                    result: GateResult) -> None:
    """Usage errors (exit 2) when the baseline cannot answer the max_drop rules for this run."""
    check_same_dataset(baseline, run, path or Path("baseline"))
    for s in sorted(needs):
        if s not in baseline.systems:
            raise UserError(f"system {s!r} is not in the baseline (it has: {', '.join(baseline.systems)})",
                            file=path, fix="update the baseline (check RUN --update-baseline FILE) or "
                                           "limit the check with --system")
        for metric, rule in rules.gate.rules.items():
            if rule.max_drop is not None and (rule.systems is None or s in rule.systems) \
                    and metric not in baseline.systems[s].means:
                raise UserError(f"the baseline has no {metric!r} scores for {s!r}", file=path,
                                fix="refresh it with --update-baseline from a run that scores this metric")
        have = set(run.systems[s].items)
        missing = [i for i in baseline.systems[s].scores if i not in have]
        if missing:
            raise UserError(f"the run has no record for {len(missing)} of the baseline's items for {s!r} "
                            f"(e.g. {missing[0]!r})", file=run.path,
                            fix="run the whole suite (no --limit) before checking against this baseline")
        new = [i for i in have if i not in baseline.systems[s].scores and i not in baseline.systems[s].failed]
        if new:
            result.notes.append(f"{s}: {len(new)} item(s) not in the baseline are not part of max_drop tests")
