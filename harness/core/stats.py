"""Summary statistics with seeded resampling (same inputs + seed → same numbers)."""

from __future__ import annotations

import math
from typing import Iterable

BOOTSTRAP_RESAMPLES = 2000
_CHUNK = 1 << 20  # cells of the resample matrix built at once (8 MB of indices)
_last_draw: tuple[tuple[int, int, int], object] | None = None  # ((seed, n, resamples), index matrix)


def _resample_indices(seed: int, n: int, resamples: int):  # -> numpy array (resamples x n)
    """The index matrix of one seeded draw that fits in one chunk, kept for the next call: every
    metric of a system has the same n and seed, so they share it (drawing it is most of the cost)."""
    global _last_draw
    import numpy as np

    key = (seed, n, resamples)
    if _last_draw is None or _last_draw[0] != key:
        _last_draw = (key, np.random.default_rng(seed).integers(0, n, size=(resamples, n)))
    return _last_draw[1]


def finite(values: Iterable[float | None]) -> tuple[list[float], int]:
    """Finite values, and how many were None/NaN (excluded, but counted)."""
    keep: list[float] = []
    dropped = 0
    for v in values:
        if v is None or (isinstance(v, float) and math.isnan(v)):
            dropped += 1
        else:
            keep.append(float(v))
    return keep, dropped


def bootstrap_ci(values: list[float], seed: int, level: float = 0.95,
                 resamples: int = BOOTSTRAP_RESAMPLES) -> tuple[float, float]:
    """Percentile bootstrap CI of the mean. One value → a zero-width interval."""
    if not values:
        return (math.nan, math.nan)
    if len(values) == 1:
        return (values[0], values[0])
    import numpy as np

    x = np.asarray(values, dtype=float)
    n = len(x)
    if resamples * n <= _CHUNK:  # one chunk: the same draw as below, shared with the other metrics
        means = x[_resample_indices(seed, n, resamples)].mean(axis=1)
        alpha = (1 - level) / 2
        lo, hi = np.quantile(means, [alpha, 1 - alpha])
        return (float(lo), float(hi))
    rng = np.random.default_rng(seed)
    # In chunks: one (resamples x n) index matrix is 2000 x 8 bytes per item (160 MB with its gather at
    # 5,000 items). Successive draws continue the same stream, so the numbers do not change.
    means = np.empty(resamples)
    step = max(1, _CHUNK // n)
    for start in range(0, resamples, step):
        stop = min(resamples, start + step)
        means[start:stop] = x[rng.integers(0, n, size=(stop - start, n))].mean(axis=1)
    alpha = (1 - level) / 2
    lo, hi = np.quantile(means, [alpha, 1 - alpha])
    return (float(lo), float(hi))


def describe(values: Iterable[float | None], seed: int) -> dict[str, float | int | None]:
    """mean, n, 95% bootstrap CI and the count of excluded NaN values."""
    keep, dropped = finite(values)
    if not keep:
        return {"mean": None, "n": 0, "ci_low": None, "ci_high": None, "nan": dropped}
    lo, hi = bootstrap_ci(keep, seed)
    return {"mean": sum(keep) / len(keep), "n": len(keep), "ci_low": lo, "ci_high": hi, "nan": dropped}
