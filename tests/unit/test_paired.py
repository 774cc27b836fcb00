"""Paired statistics against hand-enumerated and analytic values."""

import math

import numpy as np
import pytest

from harness.analysis import paired
from harness.analysis.paired import (
    bootstrap_mean_ci,
    compare_paired,
    holm,
    metric_seed,
    permutation_p,
    win_tie_loss,
)


def rng():
    return np.random.default_rng(0)


# -- exact permutation p-values, enumerated by hand --------------------------------

def test_three_differences_exact_p_is_two_of_eight():
    # sign patterns of (1, 2, 3): sums 6, 4, 2, 0, 0, -2, -4, -6; |sum| >= 6 for 2 of 8
    p, exact = permutation_p([1.0, 2.0, 3.0], rng())
    assert exact and p == 0.25


def test_equal_sums_count_as_extreme_despite_float_rounding():
    # (0.1, 0.2, 0.3): the all-negative pattern sums to -0.6000000000000001; still 2 of 8
    assert permutation_p([0.1, 0.2, 0.3], rng())[0] == 0.25


def test_five_equal_differences():
    # only all-plus and all-minus reach |sum| = 5: 2 of 32
    assert permutation_p([1.0] * 5, rng())[0] == 2 / 32


def test_opposite_differences_give_p_one():
    # (1, -1): observed sum 0, every one of the 4 patterns is at least as extreme
    assert permutation_p([1.0, -1.0], rng())[0] == 1.0


def test_zero_differences_carry_no_evidence():
    assert permutation_p([0.0, 0.0, 1.0, 2.0, 3.0], rng())[0] == 0.25
    assert permutation_p([0.0, 0.0], rng()) == (1.0, True)
    assert permutation_p([], rng()) == (1.0, True)


def test_one_sided_mix_by_hand():
    # (3, 1, -1): observed sum 3; the 8 patterns sum to 5, 3, 3, 1, -1, -3, -3, -5; |s| >= 3 for 6
    assert permutation_p([3.0, 1.0, -1.0], rng())[0] == 6 / 8


def test_monte_carlo_agrees_with_exact_enumeration(monkeypatch):
    d = np.random.default_rng(7).normal(0.1, 1.0, 14)
    exact_p, exact = permutation_p(d, rng())
    assert exact
    monkeypatch.setattr(paired, "EXACT_MAX_N", 0)
    mc_p, was_exact = permutation_p(d, np.random.default_rng(1), permutations=20000)
    assert not was_exact
    assert abs(mc_p - exact_p) < 0.015  # binomial sd at p~0.5 and 20000 draws is 0.0035


def test_monte_carlo_p_is_never_zero():
    # 30 equal positive differences: exact p = 2 / 2**30; the estimate is (0 + 1) / (10000 + 1)
    p, exact = permutation_p([0.01] * 30, rng())
    assert not exact and p == 1 / 10001


# -- Holm --------------------------------------------------------------------------

def test_holm_on_known_p_values():
    # sorted 0.01, 0.03, 0.04 -> x3, x2, x1 = 0.03, 0.06, 0.04 -> running max 0.03, 0.06, 0.06
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])


def test_holm_caps_at_one_and_skips_missing():
    assert holm([0.5, 0.6]) == [1.0, 1.0]
    assert holm([0.02, None, 0.04]) == pytest.approx([0.04, None, 0.04])
    assert holm([]) == []


def test_holm_single_p_is_unchanged():
    assert holm([0.03]) == [0.03]


# -- win / tie / loss ----------------------------------------------------------------

def test_win_tie_loss_respects_direction():
    a = [0.1, 0.5, 0.3, 0.2]
    b = [0.2, 0.5, 0.1, 0.4]
    assert win_tie_loss(a, b) == (2, 1, 1)
    assert win_tie_loss(a, b, lower_is_better=True) == (1, 1, 2)


# -- bootstrap -----------------------------------------------------------------------

def test_bootstrap_two_values_by_hand():
    # resampled means of (0, 1) are 0, 0.5, 1 with probabilities 1/4, 1/2, 1/4:
    # the 2.5% and 97.5% quantiles are 0 and 1
    assert bootstrap_mean_ci([0.0, 1.0], rng()) == (0.0, 1.0)


def test_bootstrap_constant_and_single():
    assert bootstrap_mean_ci([0.2, 0.2, 0.2], rng()) == (0.2, 0.2)
    assert bootstrap_mean_ci([0.7], rng()) == (0.7, 0.7)
    assert all(math.isnan(v) for v in bootstrap_mean_ci([], rng()))


def test_bootstrap_matches_normal_theory_on_a_large_sample():
    d = np.random.default_rng(3).normal(0.05, 0.1, 400)
    lo, hi = bootstrap_mean_ci(d, rng())
    half = 1.96 * d.std(ddof=1) / math.sqrt(len(d))
    assert lo == pytest.approx(d.mean() - half, abs=0.15 * half)
    assert hi == pytest.approx(d.mean() + half, abs=0.15 * half)


# -- the combined comparison ---------------------------------------------------------

def test_compare_paired_hand_case():
    s = compare_paired([0.1, 0.2, 0.3], [0.2, 0.4, 0.6], seed=0, name="rougeLsum")
    assert s.n == 3 and s.exact
    assert s.mean_a == pytest.approx(0.2) and s.mean_b == pytest.approx(0.4) and s.diff == pytest.approx(0.2)
    assert s.p == 0.25
    assert (s.wins, s.ties, s.losses) == (3, 0, 0)
    assert 0.1 - 1e-12 <= s.ci_low <= s.diff <= s.ci_high <= 0.3 + 1e-12


def test_same_inputs_and_seed_give_identical_results_and_seed_matters():
    a = np.random.default_rng(5).uniform(0, 1, 60)
    b = a + np.random.default_rng(6).normal(0, 0.1, 60)
    first = compare_paired(a, b, seed=11, name="rouge1")
    assert compare_paired(a, b, seed=11, name="rouge1") == first
    other = compare_paired(a, b, seed=12, name="rouge1")
    assert (other.ci_low, other.p) != (first.ci_low, first.p)


def test_metric_streams_are_independent_of_each_other():
    x = metric_seed(0, "rouge1").random(3)
    metric_seed(0, "rouge2").random(100)
    assert (metric_seed(0, "rouge1").random(3) == x).all()
    assert not (metric_seed(0, "rouge2").random(3) == x).all()


def test_compare_paired_rejects_unaligned_and_handles_empty():
    with pytest.raises(ValueError):
        compare_paired([0.1], [0.1, 0.2], seed=0, name="m")
    empty = compare_paired([], [], seed=0, name="m")
    assert empty.n == 0 and empty.p is None and empty.diff is None
