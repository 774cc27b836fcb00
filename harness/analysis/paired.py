"""Paired statistics for comparing two systems on the same items.

Why paired: items differ far more from each other than systems do, so the
per-item difference B−A cancels item difficulty and a small real change
becomes visible. Everything here is a pure function of its inputs and a
seed (numpy ``Generator``), so the same inputs give byte-identical output.
No harness imports: this is a leaf module.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass
from typing import Sequence

import numpy as np

BOOTSTRAP_RESAMPLES = 2000
PERMUTATIONS = 10000
EXACT_MAX_N = 16  # up to 2**16 sign patterns are enumerated exactly
TIE_TOL = 1e-12  # differences this small are ties (float noise, not a change)
_CHUNK = 1 << 21  # resample matrices are built in chunks of at most this many cells


def metric_seed(seed: int, name: str) -> np.random.Generator:
    """A generator per (seed, metric): a metric's numbers do not depend on which others are compared."""
    return np.random.default_rng([int(seed) & 0xFFFFFFFF, zlib.crc32(name.encode("utf-8"))])


def bootstrap_mean_ci(diffs: Sequence[float], rng: np.random.Generator, level: float = 0.95,
                      resamples: int = BOOTSTRAP_RESAMPLES) -> tuple[float, float]:
    """Percentile bootstrap CI of the mean of paired differences (items resampled with replacement)."""
    d = np.asarray(diffs, dtype=float)
    n = len(d)
    if n == 0:
        return (math.nan, math.nan)
    if n == 1 or np.all(d == d[0]):
        return (float(d[0]), float(d[0]))
    means = np.empty(resamples)
    step = max(1, _CHUNK // n)
    for start in range(0, resamples, step):
        stop = min(resamples, start + step)
        idx = rng.integers(0, n, size=(stop - start, n))
        means[start:stop] = d[idx].mean(axis=1)
    alpha = (1 - level) / 2
    lo, hi = np.quantile(means, [alpha, 1 - alpha])
    return (float(lo), float(hi))


def permutation_p(diffs: Sequence[float], rng: np.random.Generator,
                  permutations: int = PERMUTATIONS) -> tuple[float, bool]:
    """Two-sided paired permutation (sign-flip) test of mean difference = 0.

    Under the null hypothesis each item's difference is as likely to have
    either sign. Returns (p, exact): up to EXACT_MAX_N non-zero differences
    every sign pattern is enumerated; beyond that a seeded Monte Carlo
    estimate (1 + hits) / (1 + permutations), which is never 0.
    """
    d = np.asarray(diffs, dtype=float)
    d = d[np.abs(d) > TIE_TOL]  # zero differences flip to themselves: they carry no evidence
    n = len(d)
    if n == 0:
        return (1.0, True)
    observed = abs(d.sum())
    eps = 1e-9 * max(1.0, float(np.abs(d).sum()))  # equal sums must count as "as extreme"
    if n <= EXACT_MAX_N:
        patterns = ((np.arange(1 << n)[:, None] >> np.arange(n)) & 1) * 2 - 1
        sums = np.abs(patterns @ d)
        return (float(np.count_nonzero(sums >= observed - eps)) / (1 << n), True)
    hits = 0
    step = max(1, _CHUNK // n)
    for start in range(0, permutations, step):
        rows = min(permutations, start + step) - start
        signs = rng.integers(0, 2, size=(rows, n), dtype=np.int8) * 2 - 1
        hits += int(np.count_nonzero(np.abs(signs @ d) >= observed - eps))
    return ((hits + 1) / (permutations + 1), False)


def win_tie_loss(a: Sequence[float], b: Sequence[float], lower_is_better: bool = False) -> tuple[int, int, int]:
    """Items where B is better / equal / worse than A (direction-aware)."""
    d = np.asarray(b, dtype=float) - np.asarray(a, dtype=float)
    if lower_is_better:
        d = -d
    return (int(np.count_nonzero(d > TIE_TOL)), int(np.count_nonzero(np.abs(d) <= TIE_TOL)),
            int(np.count_nonzero(d < -TIE_TOL)))


def holm(pvalues: Sequence[float | None]) -> list[float | None]:
    """Holm step-down adjusted p-values (family-wise error control); None stays None.

    Sorted ascending, the k-th smallest (0-based) is multiplied by (m − k),
    then a running maximum keeps the order, and values are capped at 1.
    """
    present = [(p, i) for i, p in enumerate(pvalues) if p is not None and not math.isnan(p)]
    m = len(present)
    out: list[float | None] = [None] * len(pvalues)
    running = 0.0
    for k, (p, i) in enumerate(sorted(present)):
        running = max(running, min(1.0, (m - k) * p))
        out[i] = running
    return out


@dataclass(frozen=True)
class Paired:
    """The comparison of one metric between A and B over the items both have."""

    n: int
    mean_a: float | None
    mean_b: float | None
    diff: float | None  # mean of B − A
    ci_low: float | None
    ci_high: float | None
    p: float | None
    exact: bool
    wins: int  # B better
    ties: int
    losses: int  # B worse


def compare_paired(a: Sequence[float], b: Sequence[float], *, seed: int, name: str,
                   lower_is_better: bool = False, level: float = 0.95) -> Paired:
    """Means, mean difference, bootstrap CI, permutation p and W/T/L for aligned vectors."""
    if len(a) != len(b):
        raise ValueError("paired vectors must have the same length")
    if not len(a):
        return Paired(0, None, None, None, None, None, None, True, 0, 0, 0)
    xa, xb = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    d = xb - xa
    rng = metric_seed(seed, name)
    lo, hi = bootstrap_mean_ci(d, rng, level)
    p, exact = permutation_p(d, rng)
    w, t, l = win_tie_loss(xa, xb, lower_is_better)
    return Paired(n=len(d), mean_a=float(xa.mean()), mean_b=float(xb.mean()), diff=float(d.mean()),
                  ci_low=lo, ci_high=hi, p=p, exact=exact, wins=w, ties=t, losses=l)
