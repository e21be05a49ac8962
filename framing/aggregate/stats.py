"""Small, vectorised statistics for prevalence estimates: intervals, tests, change points.

Everything here works on counts (``k`` successes out of ``n``), so it is cheap no matter how
many documents produced the counts. Sentence-level shares reuse the same functions with
*effective* counts (``n / design effect``, see :mod:`framing.aggregate.shares`).

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
from functools import lru_cache
from statistics import NormalDist

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special
from scipy import stats as _st

FloatArray = NDArray[np.float64]

#: Below this expected cell count a 2x2 comparison uses Fisher's exact test instead of a z-test.
FISHER_BELOW = 5.0


def z_value(conf: float = 0.95) -> float:
    """Two-sided normal quantile for a confidence level (1.96 for 0.95)."""
    return NormalDist().inv_cdf(0.5 + conf / 2.0)


def wilson_interval(k: ArrayLike, n: ArrayLike, conf: float = 0.95
                    ) -> tuple[FloatArray, FloatArray]:
    """Wilson score interval for ``k`` successes out of ``n`` (NaN where ``n == 0``).

    Example:
        >>> lo, hi = wilson_interval([0, 10], [10, 10])
        >>> [round(float(x), 4) for x in lo], [round(float(x), 4) for x in hi]
        ([0.0, 0.7225], [0.2775, 1.0])
    """
    k_a = np.asarray(k, dtype=float)
    n_a = np.asarray(n, dtype=float)
    z = z_value(conf)
    z2 = z * z
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k_a / n_a
        denom = 1.0 + z2 / n_a
        centre = (p + z2 / (2.0 * n_a)) / denom
        half = z * np.sqrt(np.clip(p * (1.0 - p), 0.0, None) / n_a + z2 / (4.0 * n_a * n_a)) / denom
        lo = np.clip(centre - half, 0.0, 1.0)
        hi = np.clip(centre + half, 0.0, 1.0)
    # exact ends: the interval of 0/n starts at 0, of n/n ends at 1 (rounding noise otherwise)
    lo = np.where(k_a <= 0, 0.0, lo)
    hi = np.where(k_a >= n_a, 1.0, hi)
    bad = ~(n_a > 0)
    return np.where(bad, np.nan, lo), np.where(bad, np.nan, hi)


def benjamini_hochberg(p: ArrayLike) -> FloatArray:
    """Benjamini-Hochberg adjusted p-values (q-values); NaN p-values stay NaN and do not count.

    Example:
        >>> [round(float(q), 4) for q in benjamini_hochberg([0.02, float("nan"), 0.04])]
        [0.04, nan, 0.04]
    """
    p_a = np.asarray(p, dtype=float)
    q = np.full(p_a.shape, np.nan)
    ok = np.isfinite(p_a)
    m = int(ok.sum())
    if m == 0:
        return q
    pv = p_a[ok]
    order = np.argsort(pv, kind="mergesort")
    ranked = pv[order] * m / np.arange(1, m + 1)
    # step-up: q_(i) = min_{j >= i} p_(j) m / j
    ranked = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.clip(ranked, 0.0, 1.0)
    q[ok] = out
    return q


def newcombe_diff_interval(k1: ArrayLike, n1: ArrayLike, k2: ArrayLike, n2: ArrayLike,
                           conf: float = 0.95) -> tuple[FloatArray, FloatArray]:
    """Newcombe's hybrid score interval for ``p2 - p1`` (method 10; built from Wilson intervals).

    Example:
        Newcombe (1998), example (a): 56/70 versus 48/80 gives 0.0524 to 0.3339 for p1 - p2.

        >>> lo, hi = newcombe_diff_interval(56, 70, 48, 80)
        >>> round(float(lo), 4), round(float(hi), 4)
        (-0.3339, -0.0524)
    """
    k1a, n1a = np.asarray(k1, float), np.asarray(n1, float)
    k2a, n2a = np.asarray(k2, float), np.asarray(n2, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p1, p2 = k1a / n1a, k2a / n2a
    l1, u1 = wilson_interval(k1a, n1a, conf)
    l2, u2 = wilson_interval(k2a, n2a, conf)
    d = p2 - p1
    lo = d - np.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2)
    hi = d + np.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)
    return lo, hi


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

    A pooled two-proportion z-test, or Fisher's exact test when any expected cell count is below
    ``fisher_below`` (non-integer effective counts are rounded for Fisher).

    Example:
        >>> p, how = two_proportion_test([7, 300], [10, 1000], [2, 200], [10, 1000])
        >>> [round(float(x), 4) for x in p], [str(h) for h in how]
        ([0.0698, 0.0], ['fisher', 'z'])
    """
    k1a, n1a = np.atleast_1d(np.asarray(k1, float)), np.atleast_1d(np.asarray(n1, float))
    k2a, n2a = np.atleast_1d(np.asarray(k2, float)), np.atleast_1d(np.asarray(n2, float))
    n = n1a + n2a
    k = k1a + k2a
    with np.errstate(divide="ignore", invalid="ignore"):
        pool = k / n
        se = np.sqrt(pool * (1 - pool) * (1 / n1a + 1 / n2a))
        z = (k2a / n2a - k1a / n1a) / se
        p = 2.0 * _st.norm.sf(np.abs(z))
        exp_min = np.minimum.reduce([n1a * pool, n1a * (1 - pool), n2a * pool, n2a * (1 - pool)])
    p = np.where(se > 0, p, 1.0)
    how = np.where(exp_min < fisher_below, "fisher", "z").astype(str)
    idx = np.flatnonzero(how == "fisher")
    if len(idx):
        # integer tables once, vectorised; the exact test itself is cached per table
        a_ = np.rint(k1a[idx]).astype(np.int64)
        n1_ = np.rint(n1a[idx]).astype(np.int64)
        c_ = np.rint(k2a[idx]).astype(np.int64)
        n2_ = np.rint(n2a[idx]).astype(np.int64)
        p[idx] = [fisher_exact_p(a, n1 - a, c, n2 - c) if min(n1, n2) > 0 else 1.0
                  for a, n1, c, n2 in zip(a_.tolist(), n1_.tolist(), c_.tolist(),
                                          n2_.tolist(), strict=True)]
    bad = ~((n1a > 0) & (n2a > 0))
    p = np.where(bad, np.nan, np.clip(p, 0.0, 1.0))
    return p, how


@lru_cache(maxsize=65_536)
def fisher_exact_p(a: int, b: int, c: int, d: int) -> float:
    """Two-sided Fisher exact p-value of the 2x2 table ``[[a, b], [c, d]]``.

    Same convention as ``scipy.stats.fisher_exact``: the probability of all tables with the same
    margins that are at most as likely as the observed one; cached, since sparse series repeat
    the same small tables.

    Example:
        >>> round(fisher_exact_p(7, 3, 2, 8), 4)
        0.0698
    """
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
    obs = pmf[a - lo]
    return float(min(1.0, pmf[pmf <= obs * (1 + 1e-7)].sum()))


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
