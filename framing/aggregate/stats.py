"""Small, vectorised statistics for prevalence estimates: intervals, tests, change points.

Everything here works on counts (``k`` successes out of ``n``), so it is cheap no matter how
many documents produced the counts. Sentence-level shares reuse the same functions with
*effective* counts (``n / design effect``, see :mod:`framing.aggregate.shares`).

Where a maintained library computes the same thing, it does: the Wilson and Newcombe intervals
and the two-proportion score test come from statsmodels, Benjamini-Hochberg and the
hypergeometric probabilities of Fisher's exact test from scipy
(``tests/aggregate/test_stats.py`` checks them against the hand-written formulas they
replaced, to 1e-9; Fisher's p-values also against ``scipy.stats.fisher_exact``, which is not
called itself because it costs milliseconds per table). The change-point statistic, the
Cochran-Armitage trend test (statsmodels' ``test_ordinal_association`` is the linear-by-linear
test, which differs from it by a factor ``(N - 1) / N``; the published trend numbers are
Cochran-Armitage's) and the weighted log-odds have no library equivalent and stay here.

Example:
    >>> from framing.aggregate.stats import wilson_interval, benjamini_hochberg
    >>> lo, hi = wilson_interval(5, 10)
    >>> round(float(lo), 4), round(float(hi), 4)
    (0.2366, 0.7634)
    >>> [round(float(q), 3) for q in benjamini_hochberg([0.01, 0.04, 0.03, 0.005])]
    [0.02, 0.04, 0.04, 0.02]
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special
from scipy import stats as _st
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportion_confint,
)
from statsmodels.stats.proportion import (
    test_proportions_2indep as _score_test_2indep,
)

FloatArray = NDArray[np.float64]

#: Below this expected cell count a 2x2 comparison uses Fisher's exact test instead of a z-test.
FISHER_BELOW = 5.0


def z_value(conf: float = 0.95) -> float:
    """Two-sided normal quantile for a confidence level (1.96 for 0.95)."""
    return NormalDist().inv_cdf(0.5 + conf / 2.0)


def wilson_interval(k: ArrayLike, n: ArrayLike, conf: float = 0.95
                    ) -> tuple[FloatArray, FloatArray]:
    """Wilson score interval for ``k`` successes out of ``n`` (NaN where ``n == 0``).

    statsmodels' ``proportion_confint(method="wilson")``; the ends of ``0/n`` and ``n/n`` are
    set to exactly 0 and 1 (the closed form leaves rounding noise there).

    Example:
        >>> lo, hi = wilson_interval([0, 10], [10, 10])
        >>> [round(float(x), 4) for x in lo], [round(float(x), 4) for x in hi]
        ([0.0, 0.7225], [0.2775, 1.0])
    """
    k_a, n_a = np.broadcast_arrays(np.asarray(k, dtype=float), np.asarray(n, dtype=float))
    bad = ~(n_a > 0)
    safe_n = np.where(bad, 1.0, n_a)
    lo, hi = proportion_confint(np.where(bad, 0.0, k_a), safe_n, alpha=1.0 - conf,
                                method="wilson")
    lo = np.where(k_a <= 0, 0.0, np.clip(lo, 0.0, 1.0))
    hi = np.where(k_a >= n_a, 1.0, np.clip(hi, 0.0, 1.0))
    return np.where(bad, np.nan, lo), np.where(bad, np.nan, hi)


def benjamini_hochberg(p: ArrayLike) -> FloatArray:
    """Benjamini-Hochberg adjusted p-values (q-values); NaN p-values stay NaN and do not count.

    ``scipy.stats.false_discovery_control(method="bh")`` on the finite p-values.

    Example:
        >>> [round(float(q), 4) for q in benjamini_hochberg([0.02, float("nan"), 0.04])]
        [0.04, nan, 0.04]
    """
    p_a = np.asarray(p, dtype=float)
    q = np.full(p_a.shape, np.nan)
    ok = np.isfinite(p_a)
    if ok.any():
        q[ok] = _st.false_discovery_control(np.clip(p_a[ok], 0.0, 1.0), method="bh")
    return q


def newcombe_diff_interval(k1: ArrayLike, n1: ArrayLike, k2: ArrayLike, n2: ArrayLike,
                           conf: float = 0.95) -> tuple[FloatArray, FloatArray]:
    """Newcombe's hybrid score interval for ``p2 - p1`` (method 10; built from Wilson intervals).

    statsmodels' ``confint_proportions_2indep(method="newcomb", compare="diff")``, which is
    for ``p1 - p2``: it is called with the two samples swapped. NaN where a sample is empty.

    Example:
        Newcombe (1998), example (a): 56/70 versus 48/80 gives 0.0524 to 0.3339 for p1 - p2.

        >>> lo, hi = newcombe_diff_interval(56, 70, 48, 80)
        >>> round(float(lo), 4), round(float(hi), 4)
        (-0.3339, -0.0524)
    """
    k1a, n1a, k2a, n2a = np.broadcast_arrays(*(np.asarray(x, float) for x in (k1, n1, k2, n2)))
    bad = ~((n1a > 0) & (n2a > 0))
    with np.errstate(divide="ignore", invalid="ignore"):
        lo, hi = confint_proportions_2indep(
            np.where(bad, 0.0, k2a), np.where(bad, 1.0, n2a), np.where(bad, 0.0, k1a),
            np.where(bad, 1.0, n1a), method="newcomb", compare="diff", alpha=1.0 - conf)
    return (np.where(bad, np.nan, np.asarray(lo, float)),
            np.where(bad, np.nan, np.asarray(hi, float)))


def log_odds_ratio(k1: ArrayLike, n1: ArrayLike, k2: ArrayLike, n2: ArrayLike) -> FloatArray:
    """Log odds ratio of 2 versus 1 with the Haldane-Anscombe +0.5 correction (finite at 0/n)."""
    k1a, n1a = np.asarray(k1, float), np.asarray(n1, float)
    k2a, n2a = np.asarray(k2, float), np.asarray(n2, float)
    return np.asarray(np.log((k2a + 0.5) / (n2a - k2a + 0.5))
                      - np.log((k1a + 0.5) / (n1a - k1a + 0.5)))


def two_proportion_test(k1: ArrayLike, n1: ArrayLike, k2: ArrayLike, n2: ArrayLike,
                        fisher_below: float = FISHER_BELOW
                        ) -> tuple[FloatArray, NDArray[np.str_]]:
    """Two-sided p-values for ``p1 == p2`` and the test used per row.

    The pooled two-proportion z-test (statsmodels' score test
    ``test_proportions_2indep(method="score", correction=False)``, which at a difference of 0
    is the pooled z-test, vectorised over rows), or Fisher's exact test
    (``scipy.stats.fisher_exact``) when any expected cell count is below ``fisher_below``
    (non-integer effective counts are rounded for Fisher; see :func:`fisher_exact_many`).

    Example:
        >>> p, how = two_proportion_test([7, 300], [10, 1000], [2, 200], [10, 1000])
        >>> [round(float(x), 4) for x in p], [str(h) for h in how]
        ([0.0698, 0.0], ['fisher', 'z'])
    """
    k1a, n1a = np.atleast_1d(np.asarray(k1, float)), np.atleast_1d(np.asarray(n1, float))
    k2a, n2a = np.atleast_1d(np.asarray(k2, float)), np.atleast_1d(np.asarray(n2, float))
    k1a, n1a, k2a, n2a = np.broadcast_arrays(k1a, n1a, k2a, n2a)
    n = n1a + n2a
    k = k1a + k2a
    bad = ~((n1a > 0) & (n2a > 0))
    with np.errstate(divide="ignore", invalid="ignore"):
        pool = k / n
        se = np.sqrt(pool * (1 - pool) * (1 / n1a + 1 / n2a))
        exp_min = np.minimum.reduce([n1a * pool, n1a * (1 - pool), n2a * pool, n2a * (1 - pool)])
    p = np.ones(len(k1a))
    ok = ~bad & (se > 0)
    if ok.any():
        with np.errstate(divide="ignore", invalid="ignore"):
            res = _score_test_2indep(k2a[ok], n2a[ok], k1a[ok], n1a[ok], value=0,
                                     method="score", compare="diff",
                                     alternative="two-sided", correction=False,
                                     return_results=True)
        p[ok] = np.asarray(res.pvalue, float)
    how = np.where(exp_min < fisher_below, "fisher", "z").astype(str)
    idx = np.flatnonzero((how == "fisher") & ~bad)
    if len(idx):
        # integer tables, all in one vectorised call
        a_ = np.rint(k1a[idx]).astype(np.int64)
        n1_ = np.rint(n1a[idx]).astype(np.int64)
        c_ = np.rint(k2a[idx]).astype(np.int64)
        n2_ = np.rint(n2a[idx]).astype(np.int64)
        p[idx] = fisher_exact_many(a_, n1_ - a_, c_, n2_ - c_)
    p = np.where(bad, np.nan, np.clip(p, 0.0, 1.0))
    return p, how


def fisher_exact_many(a: ArrayLike, b: ArrayLike, c: ArrayLike, d: ArrayLike) -> FloatArray:
    """Two-sided Fisher exact p-values of many 2x2 tables ``[[a, b], [c, d]]`` at once.

    The same convention and numbers as ``scipy.stats.fisher_exact`` (the probability of all
    tables with the same margins that are at most as likely as the observed one, with its
    relative tolerance 1e-7), from one call of scipy's hypergeometric ``logpmf`` over the
    support of every table: ``fisher_exact`` itself costs milliseconds per table, and a
    shift analysis has tens of thousands of small tables.

    Example:
        >>> [round(float(x), 4) for x in fisher_exact_many([7, 1], [3, 9], [2, 9], [8, 1])]
        [0.0698, 0.0011]
    """
    a_, b_, c_, d_ = (np.atleast_1d(np.asarray(x, np.int64)) for x in (a, b, c, d))
    n1, n2, k = a_ + b_, c_ + d_, a_ + c_
    lo, hi = np.maximum(0, k - n2), np.minimum(k, n1)
    size = hi - lo + 1
    start = np.concatenate([[0], np.cumsum(size)[:-1]])
    table = np.repeat(np.arange(len(a_)), size)
    x = lo[table] + np.arange(int(size.sum())) - start[table]
    logp = _st.hypergeom.logpmf(x, (n1 + n2)[table], k[table], n1[table])
    obs = _st.hypergeom.logpmf(a_, n1 + n2, k, n1)
    keep = logp <= obs[table] + np.log1p(1e-7)
    p = np.bincount(table, weights=np.where(keep, np.exp(logp), 0.0), minlength=len(a_))
    return np.asarray(np.minimum(p, 1.0))


def fisher_exact_p(a: int, b: int, c: int, d: int) -> float:
    """Two-sided Fisher exact p-value of the 2x2 table ``[[a, b], [c, d]]`` (one table of
    :func:`fisher_exact_many`).

    Example:
        >>> round(fisher_exact_p(7, 3, 2, 8), 4)
        0.0698
    """
    return float(fisher_exact_many([a], [b], [c], [d])[0])


def _loglik(k: FloatArray, n: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(n > 0, k / np.where(n > 0, n, 1), 0.0)
    return np.asarray(special.xlogy(k, p) + special.xlogy(n - k, 1.0 - p))


@dataclass
class ChangePoint:
    """Best single split of a series: periods ``[0, split)`` versus ``[split, T)``."""

    split: int
    lr: float
    p_value: float
    method: str


def changepoint(k: ArrayLike, n: ArrayLike, pvalue: str = "chi2", n_permutations: int = 999,
                rng: np.random.Generator | None = None) -> ChangePoint | None:
    """Best single change point of a binomial series by the likelihood ratio (binomial deviance).

    The statistic is ``2 * (loglik(before) + loglik(after) - loglik(all))`` maximised over the
    ``T - 1`` splits. Its p-value is either ``chi2``: the chi-square(1) tail times ``T - 1``
    (a Bonferroni bound over the candidate splits, conservative, no floor) or ``permutation``:
    documents shuffled across periods (exact hypergeometric draws), floored at ``1 / (B + 1)``.
    Returns None for fewer than two periods.

    Example:
        >>> cp = changepoint([7, 7, 7, 2, 2, 2, 2, 2], [10] * 8)
        >>> cp.split, cp.p_value < 1e-4
        (3, True)
    """
    k_a = np.asarray(k, float)
    n_a = np.asarray(n, float)
    t = len(k_a)
    if t < 2 or n_a.sum() <= 0:
        return None
    lr = _split_lr(k_a[None, :], n_a)[0]
    s = int(np.argmax(lr))
    stat = float(lr[s])
    if pvalue == "permutation":
        gen = rng if rng is not None else np.random.default_rng(0)
        sims = _hypergeom_series(gen, round(k_a.sum()), np.round(n_a).astype(np.int64),
                                 n_permutations)
        null = _split_lr(sims.astype(float), np.round(n_a)).max(axis=1)
        p = (1.0 + float(np.sum(null >= stat - 1e-9))) / (n_permutations + 1.0)
        method = f"permutation (B={n_permutations})"
    else:
        p = min(1.0, (t - 1) * float(_st.chi2.sf(max(stat, 0.0), 1)))
        method = "LR chi2(1) x (T-1) splits"
    return ChangePoint(split=s + 1, lr=stat, p_value=p, method=method)


def _split_lr(k: FloatArray, n: FloatArray) -> FloatArray:
    """LR statistic of every split for each row of ``k`` (rows: series; columns: periods)."""
    ck = np.cumsum(k, axis=1)[:, :-1]
    cn = np.cumsum(n)[:-1]
    kt, nt = k.sum(axis=1, keepdims=True), n.sum()
    ll_all = _loglik(kt, np.array(nt))
    ll = _loglik(ck, cn[None, :]) + _loglik(kt - ck, (nt - cn)[None, :])
    return np.maximum(2.0 * (ll - ll_all), 0.0)


def _hypergeom_series(rng: np.random.Generator, k_total: int, n: NDArray[np.int64],
                      b: int) -> NDArray[np.int64]:
    """``b`` random allocations of ``k_total`` successes to periods of sizes ``n``."""
    out = np.zeros((b, len(n)), dtype=np.int64)
    good = np.full(b, k_total, dtype=np.int64)
    total = int(n.sum())
    for i, ni in enumerate(n):
        if ni == 0:
            continue
        bad = total - good
        draw = rng.hypergeometric(good, bad, ni) if i < len(n) - 1 else good
        out[:, i] = draw
        good = good - draw
        total -= int(ni)
    return out


@dataclass
class Trend:
    """Linear trend in a binomial series (Cochran-Armitage test on period scores)."""

    slope: float
    slope_se: float
    z: float
    p_value: float
    start: float
    end: float


def trend_test(k: ArrayLike, n: ArrayLike, scores: ArrayLike | None = None) -> Trend | None:
    """Cochran-Armitage test for a linear trend in proportions, with the fitted line.

    ``start``/``end`` are the fitted shares at the first and last score (a weighted least-squares
    line, clipped to [0, 1]); ``slope_se`` is the robust (sandwich) standard error used for the
    interval of the change. Returns None for fewer than three periods or no variation.

    Example:
        >>> tr = trend_test([1, 2, 3, 4, 5, 6, 7, 8], [11] * 8)
        >>> round(tr.end - tr.start, 2), tr.p_value < 1e-3
        (0.64, True)
    """
    k_a, n_a = np.asarray(k, float), np.asarray(n, float)
    s = np.arange(len(k_a), dtype=float) if scores is None else np.asarray(scores, float)
    keep = n_a > 0
    k_a, n_a, s = k_a[keep], n_a[keep], s[keep]
    if len(k_a) < 3:
        return None
    big_n = n_a.sum()
    pbar = k_a.sum() / big_n
    sbar = float((n_a * s).sum() / big_n)
    sxx = float((n_a * (s - sbar) ** 2).sum())
    if sxx <= 0 or pbar <= 0 or pbar >= 1:
        return None
    t_stat = float((s * (k_a - n_a * pbar)).sum())
    var0 = pbar * (1 - pbar) * sxx
    z = t_stat / math.sqrt(var0)
    p = float(2.0 * _st.norm.sf(abs(z)))
    slope = t_stat / sxx
    pt = k_a / n_a
    resid_var = float((n_a * (s - sbar) ** 2 * pt * (1 - pt)).sum())
    # the sandwich variance is 0 when every period is 0% or 100%; fall back to the null variance
    se = math.sqrt(resid_var) / sxx if resid_var > 0 else math.sqrt(var0) / sxx
    start = float(np.clip(pbar + slope * (s[0] - sbar), 0, 1))
    end = float(np.clip(pbar + slope * (s[-1] - sbar), 0, 1))
    return Trend(slope=slope, slope_se=se, z=z, p_value=p, start=start, end=end)


def weighted_log_odds(y_i: ArrayLike, y_j: ArrayLike, prior: ArrayLike
                      ) -> tuple[FloatArray, FloatArray]:
    """Weighted log-odds ratios with an informative Dirichlet prior (Monroe et al. 2008).

    ``y_i`` and ``y_j`` are term counts of the two corpora being compared, ``prior`` the Dirichlet
    pseudo-counts (for the informative prior: background frequencies times a prior size). Returns
    ``(delta, z)``: the log-odds difference of each term and its z-score
    ``delta / sqrt(1 / (y_i + a) + 1 / (y_j + a))``.

    Example:
        >>> d, z = weighted_log_odds([10, 1], [1, 10], [1.0, 1.0])
        >>> round(float(z[0]), 3), round(float(z[1]), 3)
        (4.435, -4.435)
    """
    yi, yj, a = np.asarray(y_i, float), np.asarray(y_j, float), np.asarray(prior, float)
    ni, nj, a0 = yi.sum(), yj.sum(), a.sum()
    delta = (np.log((yi + a) / (ni + a0 - yi - a)) - np.log((yj + a) / (nj + a0 - yj - a)))
    var = 1.0 / (yi + a) + 1.0 / (yj + a)
    return delta, delta / np.sqrt(var)
