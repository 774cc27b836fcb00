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


def test_metrics_json_does_not_depend_on_the_order_records_finished_in():
    """Concurrency writes records in completion order; metrics.json must not change with it."""
    import random

    from harness.core.metrics import catalog_of
    from harness.core.models import Record
    from harness.results.metrics import compute_metrics

    rng = random.Random(5)
    records = [Record(item_id=f"i{k:03d}", system="s", summary="x", scores={"rouge1": rng.random()})
               for k in range(60)]
    shuffled = records[:]
    rng.shuffle(shuffled)
    a = compute_metrics(records, ["s"], seed=0, catalog=catalog_of())
    b = compute_metrics(shuffled, ["s"], seed=0, catalog=catalog_of())
    assert a == b and a["systems"]["s"]["metrics"]["rouge1"]["ci_low"] < a["systems"]["s"]["metrics"]["rouge1"]["mean"]
