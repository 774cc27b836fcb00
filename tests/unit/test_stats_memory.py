"""The bootstrap CI must not need a (resamples x items) matrix: 5,000 items cost 160 MB that way."""

import tracemalloc

import numpy as np
import pytest

from harness.core.stats import BOOTSTRAP_RESAMPLES, bootstrap_ci


def one_matrix_ci(values, seed):
    """The textbook form, all resamples at once (the reference the chunked version must equal)."""
    x = np.asarray(values, dtype=float)
    rng = np.random.default_rng(seed)
    means = x[rng.integers(0, len(x), size=(BOOTSTRAP_RESAMPLES, len(x)))].mean(axis=1)
    lo, hi = np.quantile(means, [0.025, 0.975])
    return float(lo), float(hi)


@pytest.mark.parametrize("n, seed", [(2, 0), (7, 3), (523, 1), (1201, 0)])
def test_chunked_bootstrap_gives_the_same_numbers(n, seed):
    values = np.random.default_rng(99).random(n).tolist()
    assert bootstrap_ci(values, seed) == one_matrix_ci(values, seed)


def test_bootstrap_memory_does_not_grow_with_resamples_times_items():
    values = np.random.default_rng(1).random(5000).tolist()
    tracemalloc.start()
    try:
        bootstrap_ci(values, 0)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 40e6  # the one-matrix form peaks at ~160 MB here
