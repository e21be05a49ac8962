"""Statistics against known values: Wilson, BH, Newcombe, Fisher, change points, log-odds."""

from __future__ import annotations

import doctest
import math

import numpy as np
import pytest
from scipy.stats import fisher_exact

import framing.aggregate.correct
import framing.aggregate.describe
import framing.aggregate.load
import framing.aggregate.shares
import framing.aggregate.shifts
import framing.aggregate.stats
import framing.aggregate.vocab
from framing.aggregate.stats import (
    benjamini_hochberg,
    changepoint,
    fisher_exact_p,
    newcombe_diff_interval,
    trend_test,
    two_proportion_test,
    weighted_log_odds,
    wilson_interval,
)


def _score_test_inversion(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """The Wilson interval by definition: all p with |k/n - p| <= z sqrt(p (1 - p) / n),
    found numerically on a fine grid (independent of the closed form)."""
    grid = np.linspace(0, 1, 2_000_001)
    ok = np.abs(k / n - grid) <= z * np.sqrt(grid * (1 - grid) / n)
    return float(grid[ok].min()), float(grid[ok].max())


def test_wilson_textbook_value() -> None:
    lo, hi = wilson_interval(5, 10)  # the classic example: 0.2366 to 0.7634
    assert (float(lo), float(hi)) == pytest.approx((0.236593, 0.763407), abs=1e-6)


@pytest.mark.parametrize(("k", "n"), [(0, 10), (10, 10), (1, 20), (81, 263), (3, 7),
                                      (500, 1000)])
def test_wilson_equals_inverted_score_test(k: int, n: int) -> None:
    lo, hi = wilson_interval(k, n)
    ref_lo, ref_hi = _score_test_inversion(k, n)
    assert float(lo) == pytest.approx(ref_lo, abs=2e-6)
    assert float(hi) == pytest.approx(ref_hi, abs=2e-6)


def test_wilson_empty_cell_is_nan_and_90pct_is_narrower() -> None:
    lo, hi = wilson_interval([0, 30], [0, 100])
    assert math.isnan(lo[0]) and math.isnan(hi[0])
    lo90, hi90 = wilson_interval(30, 100, conf=0.90)
    assert lo[1] < lo90 < 0.3 < hi90 < hi[1]


def test_benjamini_hochberg_known_values() -> None:
    # R: p.adjust(c(0.01, 0.04, 0.03, 0.005), "BH") -> 0.02 0.04 0.04 0.02
    assert benjamini_hochberg([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.02, 0.04, 0.04,
                                                                            0.02])
    # R: p.adjust(c(0.01, 0.02, 0.03, 0.04, 0.05), "BH") -> all 0.05
    assert benjamini_hochberg([0.01, 0.02, 0.03, 0.04, 0.05]) == pytest.approx([0.05] * 5)
    # R: p.adjust(c(0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205), "BH")
    q = benjamini_hochberg([0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205])
    assert q == pytest.approx([0.008, 0.032, 0.0672, 0.0672, 0.0672, 0.08, 0.08457143, 0.205],
                              abs=1e-6)
    q = benjamini_hochberg([0.5, float("nan"), 0.01])
    assert math.isnan(q[1]) and q[2] == pytest.approx(0.02) and q[0] == pytest.approx(0.5)


def test_newcombe_published_example() -> None:
    # Newcombe (1998), Stat Med 17:873, example (a): 56/70 - 48/80, method 10: 0.0524 to 0.3339
    lo, hi = newcombe_diff_interval(48, 80, 56, 70)
    assert float(lo) == pytest.approx(0.0524, abs=1e-4)
    assert float(hi) == pytest.approx(0.3339, abs=1e-4)


def test_fisher_matches_scipy() -> None:
    rng = np.random.default_rng(0)
    for _ in range(300):
        n1, n2 = rng.integers(1, 40, 2)
        a, c = int(rng.integers(0, n1 + 1)), int(rng.integers(0, n2 + 1))
        table = [[a, int(n1 - a)], [c, int(n2 - c)]]
        assert fisher_exact_p(a, int(n1 - a), c, int(n2 - c)) == pytest.approx(
            fisher_exact(table)[1], abs=1e-9)


def test_two_proportion_test_z_and_fisher() -> None:
    p, how = two_proportion_test([300, 3], [1000, 10], [360, 8], [1000, 10])
    assert [str(h) for h in how] == ["z", "fisher"]
    # pooled z by hand: p = 0.33, se = sqrt(.33*.67*(2/1000)) = 0.021029, z = 2.853
    assert p[0] == pytest.approx(0.004330, abs=2e-5)
    assert p[1] == pytest.approx(fisher_exact([[3, 7], [8, 2]])[1])


def test_changepoint_finds_step_and_not_noise() -> None:
    rng = np.random.default_rng(3)
    n = np.full(10, 50)
    k = rng.binomial(n, np.where(np.arange(10) < 6, 0.6, 0.25))
    cp = changepoint(k, n)
    assert cp is not None and cp.split == 6 and cp.p_value < 1e-4
    perm = changepoint(k, n, pvalue="permutation", n_permutations=199, rng=rng)
    assert perm is not None and perm.split == 6 and perm.p_value == pytest.approx(1 / 200)
    flat = changepoint(rng.binomial(n, 0.4), n)
    assert flat is not None and flat.p_value > 0.05
    flat_perm = changepoint(rng.binomial(n, 0.4), n, pvalue="permutation", n_permutations=199,
                            rng=rng)
    assert flat_perm is not None and flat_perm.p_value > 0.05
    assert changepoint([1], [4]) is None


def test_changepoint_chi2_is_calibrated_under_the_null() -> None:
    rng = np.random.default_rng(11)
    n = np.full(8, 30)
    ps = [changepoint(rng.binomial(n, 0.3), n).p_value for _ in range(400)]  # type: ignore[union-attr]
    assert np.mean(np.array(ps) < 0.05) <= 0.06  # Bonferroni over splits: conservative


def test_trend_test_on_a_ramp() -> None:
    tr = trend_test([1, 2, 3, 4, 5, 6, 7, 8], [11] * 8)
    assert tr is not None and tr.p_value < 1e-3
    assert tr.start == pytest.approx(1 / 11, abs=0.01) and tr.end == pytest.approx(8 / 11,
                                                                                    abs=0.01)
    assert trend_test([5, 5], [10, 10]) is None


def test_weighted_log_odds_tiny_example() -> None:
    # corpus i: a=10, b=1; corpus j: a=1, b=10; prior 1 each (a0 = 2)
    # delta_a = log(11 / 2) - log(2 / 11) = 2 log 5.5; var = 1/11 + 1/2
    delta, z = weighted_log_odds([10, 1], [1, 10], [1.0, 1.0])
    assert delta[0] == pytest.approx(2 * math.log(5.5))
    assert z[0] == pytest.approx(2 * math.log(5.5) / math.sqrt(1 / 11 + 1 / 2))
    assert z[1] == pytest.approx(-z[0])
    # a stronger prior shrinks the same evidence toward zero
    _, z_strong = weighted_log_odds([10, 1], [1, 10], [50.0, 50.0])
    assert 0 < z_strong[0] < z[0]


@pytest.mark.parametrize("module", [
    framing.aggregate.stats, framing.aggregate.load, framing.aggregate.shares,
    framing.aggregate.shifts, framing.aggregate.correct, framing.aggregate.describe,
    framing.aggregate.vocab])
def test_docstring_examples(module: object) -> None:
    res = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)  # type: ignore[arg-type]
    assert res.failed == 0


# ----------------------------------------------------------------------------------------------
# the library versions compute what the hand-written formulas they replaced computed
# ----------------------------------------------------------------------------------------------
# The functions below are the hand-written implementations that aggregate/stats.py had before
# it called statsmodels and scipy (kept here only as references): the library results must
# match them to 1e-9 on random counts, including empty cells, 0/n, n/n and non-integer
# (effective) counts.


def _ref_wilson(k: np.ndarray, n: np.ndarray, conf: float = 0.95) -> tuple[np.ndarray, ...]:
    from statistics import NormalDist

    k_a, n_a = np.asarray(k, float), np.asarray(n, float)
    z = NormalDist().inv_cdf(0.5 + conf / 2.0)
    z2 = z * z
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k_a / n_a
        denom = 1.0 + z2 / n_a
        centre = (p + z2 / (2.0 * n_a)) / denom
        half = z * np.sqrt(np.clip(p * (1.0 - p), 0.0, None) / n_a + z2 / (4.0 * n_a * n_a)) / denom
        lo = np.clip(centre - half, 0.0, 1.0)
        hi = np.clip(centre + half, 0.0, 1.0)
    lo = np.where(k_a <= 0, 0.0, lo)
    hi = np.where(k_a >= n_a, 1.0, hi)
    bad = ~(n_a > 0)
    return np.where(bad, np.nan, lo), np.where(bad, np.nan, hi)


def _ref_bh(p: np.ndarray) -> np.ndarray:
    p_a = np.asarray(p, dtype=float)
    q = np.full(p_a.shape, np.nan)
    ok = np.isfinite(p_a)
    m = int(ok.sum())
    if m == 0:
        return q
    pv = p_a[ok]
    order = np.argsort(pv, kind="mergesort")
    ranked = pv[order] * m / np.arange(1, m + 1)
    ranked = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.clip(ranked, 0.0, 1.0)
    q[ok] = out
    return q


def _ref_newcombe(k1: np.ndarray, n1: np.ndarray, k2: np.ndarray, n2: np.ndarray,
                  conf: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    with np.errstate(divide="ignore", invalid="ignore"):
        p1, p2 = k1 / n1, k2 / n2
    l1, u1 = _ref_wilson(k1, n1, conf)
    l2, u2 = _ref_wilson(k2, n2, conf)
    d = p2 - p1
    return (d - np.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2),
            d + np.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2))


def _ref_z_p(k1: np.ndarray, n1: np.ndarray, k2: np.ndarray, n2: np.ndarray) -> np.ndarray:
    from scipy import stats as st

    with np.errstate(divide="ignore", invalid="ignore"):
        pool = (k1 + k2) / (n1 + n2)
        se = np.sqrt(pool * (1 - pool) * (1 / n1 + 1 / n2))
        p = 2.0 * st.norm.sf(np.abs((k2 / n2 - k1 / n1) / se))
    return np.where(se > 0, p, 1.0)


def _ref_fisher(a: int, b: int, c: int, d: int) -> float:
    from scipy import special

    n1, n2, k = a + b, c + d, a + c
    lo, hi = max(0, k - n2), min(k, n1)
    x = np.arange(lo, hi + 1)
    logp = (special.gammaln(n1 + 1) - special.gammaln(x + 1) - special.gammaln(n1 - x + 1)
            + special.gammaln(n2 + 1) - special.gammaln(k - x + 1)
            - special.gammaln(n2 - k + x + 1)
            - special.gammaln(n1 + n2 + 1) + special.gammaln(k + 1)
            + special.gammaln(n1 + n2 - k + 1))
    pmf = np.exp(logp - logp.max())
    pmf /= pmf.sum()
    return float(min(1.0, pmf[pmf <= pmf[a - lo] * (1 + 1e-7)].sum()))


def _random_counts(rng: np.random.Generator, m: int, integer: bool = True
                   ) -> tuple[np.ndarray, np.ndarray]:
    n = rng.integers(0, 300, m).astype(float)
    n[rng.random(m) < 0.05] = 0  # empty cells
    k = np.floor(rng.random(m) * (n + 1))
    k[rng.random(m) < 0.1] = 0
    full = rng.random(m) < 0.1
    k[full] = n[full]
    if not integer:  # effective counts n / deff of sentence shares
        deff = 1 + 3 * rng.random(m)
        k, n = k / deff, n / deff
    return k, n


def _same(a: np.ndarray, b: np.ndarray) -> None:
    a, b = np.asarray(a, float), np.asarray(b, float)
    assert np.array_equal(np.isnan(a), np.isnan(b))
    ok = ~np.isnan(a)
    assert np.max(np.abs(a[ok] - b[ok]), initial=0.0) <= 1e-9


@pytest.mark.parametrize("integer", [True, False])
@pytest.mark.parametrize("conf", [0.95, 0.9, 0.99])
def test_wilson_and_newcombe_match_the_formulas_they_replaced(integer: bool, conf: float
                                                              ) -> None:
    rng = np.random.default_rng(int(conf * 100) + integer)
    k1, n1 = _random_counts(rng, 4000, integer)
    k2, n2 = _random_counts(rng, 4000, integer)
    for got, ref in zip(wilson_interval(k1, n1, conf), _ref_wilson(k1, n1, conf), strict=True):
        _same(got, ref)
    ref_lo, ref_hi = _ref_newcombe(k1, n1, k2, n2, conf)
    lo, hi = newcombe_diff_interval(k1, n1, k2, n2, conf)
    empty = (n1 == 0) | (n2 == 0)  # the old formula gave NaN there too (0/0 shares)
    _same(lo[~empty], ref_lo[~empty])
    _same(hi[~empty], ref_hi[~empty])
    assert np.isnan(lo[empty]).all() and np.isnan(hi[empty]).all()


def test_bh_matches_the_formula_it_replaced() -> None:
    rng = np.random.default_rng(7)
    for m in (1, 2, 10, 1000, 20000):
        p = rng.random(m) ** 3
        p[rng.random(m) < 0.1] = np.nan
        p[rng.random(m) < 0.05] = 1.0
        p[rng.random(m) < 0.05] = 0.0
        _same(benjamini_hochberg(p), _ref_bh(p))
    assert np.isnan(benjamini_hochberg([np.nan, np.nan])).all()


@pytest.mark.parametrize("integer", [True, False])
def test_two_proportion_test_matches_the_formulas_it_replaced(integer: bool) -> None:
    rng = np.random.default_rng(11 + integer)
    k1, n1 = _random_counts(rng, 3000, integer)
    k2, n2 = _random_counts(rng, 3000, integer)
    p, how = two_proportion_test(k1, n1, k2, n2)
    z = how == "z"
    ok = (n1 > 0) & (n2 > 0)
    assert z.sum() > 1000 and (~z & ok).sum() > 100
    _same(p[z & ok], _ref_z_p(k1, n1, k2, n2)[z & ok])
    fisher = np.flatnonzero(~z & ok)
    ref = [_ref_fisher(int(a), int(b - a), int(c), int(d - c)) for a, b, c, d in zip(
        np.rint(k1[fisher]), np.rint(n1[fisher]), np.rint(k2[fisher]), np.rint(n2[fisher]),
        strict=True)]
    _same(p[fisher], np.array(ref))
    assert np.isnan(p[~ok]).all()


def test_fisher_many_matches_scipy_table_by_table() -> None:
    from framing.aggregate.stats import fisher_exact_many

    rng = np.random.default_rng(5)
    t = rng.integers(0, 25, size=(400, 4))
    t[:40, 0] = 0
    t[40:60] = [0, 0, 3, 4]  # an empty row
    got = fisher_exact_many(*t.T)
    ref = [fisher_exact([[a, b], [c, d]])[1] for a, b, c, d in t.tolist()]
    _same(got, np.array(ref))
