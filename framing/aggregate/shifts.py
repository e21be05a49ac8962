"""Shift detection over time, group-versus-group comparisons, and consolidated findings.

For every group and every frame (and every stance target's favor/against share) the series of
shares over periods gets:

* ``adjacent`` tests: each period against the previous observed period;
* ``before_after`` tests at user-given split periods (``split_at``);
* ``changepoint``: the best single split (maximum binomial likelihood ratio) with a p-value that
  accounts for the search (Bonferroni over the candidate splits, or a permutation test);
* ``trend``: a Cochran-Armitage test for a linear trend (gradual shifts that no single split
  captures well).

Each row has the effect as a difference in share with Newcombe's interval and as a log odds
ratio, the raw p-value, and a false-discovery-rate q-value. A row is ``significant`` when
``q < alpha`` and ``|diff| >= min_effect``. Two-period comparisons use a two-proportion z-test,
or Fisher's exact test when an expected count is below 5.

Which tests share the error budget matters: with predicted labels every frame of every group is
a series, most of them noise, and one Benjamini-Hochberg pass over thousands of tests buries a
real shift. So the family is chosen first: a series is tested only if the group actually uses
the frame (its pooled share is between ``min_use`` and ``1 - min_use``; the pooled share does
not depend on when the documents fall, so this filter does not bias the tests), and two-period
tests that cannot reach ``alpha`` at their counts are left out (Tarone). With
``family="hierarchical"`` (the default) series are screened first (one Simes p-value per
series from its series-level tests, change point, trend and user splits, each a test of "no
change anywhere in the series"; Benjamini-Hochberg across series), and only the tests of
selected series are adjusted, within their series (Yekutieli's hierarchical procedure);
``family="all"`` is one Benjamini-Hochberg pass over every test in the family.

Naming the hypotheses before looking is the strongest protection: with ``confirm`` (frame ids
and/or stance target texts) the series of those items form the *confirmatory* family and every
other series an *exploratory* one, each adjusted on its own (column ``family``), so a handful of
pre-named series do not pay for hundreds of exploratory ones.

Example:
    >>> from framing.aggregate.load import load_labelled
    >>> docs = [{"id": f"{y}-{i}", "outlet": "X", "date": f"{y}-06-01",
    ...          "labels": ["enforcement"] if i < (8 if y < 2019 else 1) else []}
    ...         for y in range(2016, 2022) for i in range(10)]
    >>> s = detect_shifts(load_labelled(docs, by=["outlet"]))
    >>> cp = s[(s.test == "changepoint") & s.significant].iloc[0]
    >>> cp.period_before, cp.period_after, cp.direction
    ('2018', '2019', 'down')
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from framing.aggregate.correct import ErrorRates, acc_point
from framing.aggregate.load import LabelledData
from framing.aggregate.shares import Cells, count_cells
from framing.aggregate.stats import (
    benjamini_hochberg,
    changepoint,
    log_odds_ratio,
    newcombe_diff_interval,
    trend_test,
    two_proportion_test,
)

TESTS = ("adjacent", "before_after", "changepoint", "trend")
#: How the false-discovery family is formed (see :func:`detect_shifts`).
FAMILIES = ("hierarchical", "all")
#: With more groups than this, group comparisons are one-versus-rest instead of all pairs.
MAX_PAIR_GROUPS = 60
REST = "(all others)"


@dataclass
class ShiftSettings:
    """Checked settings of shift detection (see the module docstring)."""

    alpha: float = 0.05
    min_effect: float = 0.15
    conf: float = 0.95
    changepoint_p: str = "chi2"
    n_permutations: int = 999
    split_at: tuple[str, ...] = ()
    tests: tuple[str, ...] = TESTS
    family: str = "hierarchical"
    min_use: float = 0.05
    confirm: tuple[str, ...] = ()
    random_state: int = 0

    def __post_init__(self) -> None:
        from framing.errors import Errors, FramingError

        self.confirm = tuple([self.confirm] if isinstance(self.confirm, str) else self.confirm)
        if self.family not in FAMILIES:
            raise FramingError(Errors.E502.format(
                detail=f"family must be one of {', '.join(FAMILIES)}, got {self.family!r}"))
        if not 0 <= self.min_use < 0.5:
            raise FramingError(Errors.E502.format(
                detail=f"min_use must be in [0, 0.5), got {self.min_use}"))

        if not 0 < self.alpha < 1:
            raise FramingError(Errors.E502.format(detail=f"alpha must be in (0, 1), got "
                                                         f"{self.alpha}"))
        if not 0 <= self.min_effect < 1:
            raise FramingError(Errors.E502.format(
                detail=f"--min-effect must be in [0, 1), got {self.min_effect}"))
        if not 0 < self.conf < 1:
            raise FramingError(Errors.E502.format(detail=f"conf must be in (0, 1), got "
                                                         f"{self.conf}"))
        if self.changepoint_p not in ("chi2", "permutation"):
            raise FramingError(Errors.E502.format(
                detail=f"changepoint p-value must be 'chi2' or 'permutation', got "
                       f"{self.changepoint_p!r}"))
        if self.n_permutations < 99:
            raise FramingError(Errors.E502.format(detail="use at least 99 permutations"))
        bad = [t for t in self.tests if t not in TESTS]
        if bad:
            raise FramingError(Errors.E502.format(
                detail=f"unknown test(s) {bad}; choose from {', '.join(TESTS)}"))


@dataclass
class _Series:
    """One group's series for one item (frame or stance label), over its observed periods."""

    group: int
    measure: str
    frame: str | None
    target: str | None
    label: str | None
    periods: NDArray[np.int64]
    n: NDArray[np.float64]
    k: NDArray[np.float64]
    n_eff: NDArray[np.float64]
    k_eff: NDArray[np.float64]
    rates: tuple[float, float] | None = None
    #: estimated by PCC: ``k`` and ``k_eff`` are sums of calibrated probabilities
    pcc: bool = False


def _frame_series(data: LabelledData, cells: Cells, rates: ErrorRates | None
                  ) -> list[_Series]:
    out = []
    for g in np.unique(cells.group):
        idx = np.flatnonzero(cells.group == g)
        idx = idx[np.argsort(cells.period[idx])]
        for j, fr in enumerate(data.frames):
            # PCC: the series counts are the calibrated-probability sums (Cells.k_eff)
            pcc = cells.pcc is not None and bool(cells.pcc[j])
            k = cells.k_eff[idx, j] if pcc else cells.k[idx, j]
            n = cells.n[idx]
            if k.sum() == 0 or np.all(k == n):
                continue
            r = None
            if rates is not None and not pcc and rates.method(fr)[0] == "acc":
                r = (rates.tpr(fr), rates.fpr(fr))
            out.append(_Series(int(g), "frame", fr, None, None, cells.period[idx], n, k,
                               cells.n_eff[idx, j], cells.k_eff[idx, j], r, pcc))
    return out


def _stance_series(data: LabelledData, stance: pd.DataFrame) -> list[_Series]:
    out: list[_Series] = []
    if stance.empty:
        return out
    p_index = {p: i for i, p in enumerate(data.periods)}
    keys = list(data.by)
    g_index = {tuple(str(v) for v in row): i
               for i, row in enumerate(data.groups.itertuples(index=False))}
    sub = stance[stance["label"].isin(["favor", "against"])]
    for key, df in sub.groupby([*keys, "target", "label"], sort=True):
        key_t = key if isinstance(key, tuple) else (key,)
        g = g_index[tuple(str(v) for v in key_t[:len(keys)])]
        df = df.sort_values("period")
        k = df["k"].to_numpy(float)
        n = df["n"].to_numpy(float)
        if k.sum() == 0 or np.all(k == n):
            continue
        per = np.array([p_index[p] for p in df["period"]], dtype=np.int64)
        out.append(_Series(g, "stance", None, str(key_t[-2]), str(key_t[-1]), per, n, k, n, k))
    return out


def detect_shifts(data: LabelledData, settings: ShiftSettings | None = None,
                  error_rates: ErrorRates | None = None, stance: pd.DataFrame | None = None,
                  cells: Cells | None = None) -> pd.DataFrame:
    """All shift tests for every group x frame (and stance favor/against), BH-adjusted.

    ``stance`` is the per-period stance table of :func:`~framing.aggregate.shares.stance_shares`
    (computed here when None). Two-period tests whose smallest attainable p-value (the most
    extreme split of the same counts) is above ``alpha`` can never be significant; they are kept
    in the table with ``testable == False`` and left out of the Benjamini-Hochberg family
    (Tarone's criterion for discrete tests), which keeps sparse periods from diluting the power
    of the tests that can find something.
    """
    from framing.aggregate.shares import stance_shares

    st = settings or ShiftSettings()
    cells = cells if cells is not None else count_cells(data, error_rates=error_rates)
    stance = stance if stance is not None else stance_shares(data, conf=st.conf)
    rng = np.random.default_rng(st.random_state)
    series = _frame_series(data, cells, error_rates) + _stance_series(data, stance)
    split_codes = _split_codes(data, st.split_at)
    comps: list[dict[str, Any]] = []
    trends: list[dict[str, Any]] = []
    for i, s in enumerate(series):
        c, t = _test_series(s, data, st, split_codes, rng, i)
        comps += c
        trends += t
    cols = _shift_columns(data)
    df = pd.concat([_finish_comparisons(comps, st), pd.DataFrame(trends)], ignore_index=True)
    if df.empty:
        return pd.DataFrame(columns=cols)
    df["testable"] = df["testable"].fillna(True).astype(bool)
    sid = df["series"].to_numpy(np.int64)
    pooled = np.array([s.k.sum() / s.n.sum() if s.n.sum() > 0 else np.nan for s in series])
    used = (pooled >= st.min_use) & (pooled <= 1 - st.min_use)
    df["pooled_share"] = pooled[sid]
    df["in_family"] = df["testable"].to_numpy() & used[sid]
    if st.confirm:
        named = set(st.confirm)
        known = set(data.frames) | (set(stance["target"]) if "target" in stance else set())
        if named - known:
            from framing.errors import Errors, FramingError

            raise FramingError(Errors.E502.format(
                detail=f"--confirm names no frame id or stance target of these data: "
                       f"{sorted(named - known)}"))
        conf = np.array([(s.frame if s.measure == "frame" else s.target) in named
                         for s in series], bool)[sid]
        df["family"] = np.where(conf, "confirmatory", "exploratory")
        for mask in (conf, ~conf):  # each family adjusted on its own
            part = df[mask].copy()
            _adjust(part, sid[mask], len(series), st)
            df.loc[mask, "q_series"] = part["q_series"].to_numpy()
            df.loc[mask, "q_value"] = part["q_value"].to_numpy()
    else:
        df["family"] = "all"
        _adjust(df, sid, len(series), st)
    df["significant"] = (df["q_value"] < st.alpha) & (df["diff"].abs() >= st.min_effect)
    return df.reindex(columns=cols)


def _adjust(df: pd.DataFrame, sid: NDArray[np.int64], n_series: int, st: ShiftSettings) -> None:
    """Fill ``q_value`` (and ``q_series``) for the tests in the family (``in_family``).

    ``all``: Benjamini-Hochberg across every test in the family. ``hierarchical``: each series
    (group x frame, or group x stance label) first gets one p-value, the Simes combination of
    its series-level tests, and the series are screened with Benjamini-Hochberg (``q_series``); then
    the tests of each selected series are adjusted with Benjamini-Hochberg within that series
    (the hierarchical procedure of Yekutieli 2008, whose error over the whole tree stays close
    to ``alpha``), so the number of series, not the number of tests, sets the bar. The series
    p-value combines only the series-level tests (change point, trend, user splits);
    adjacent-period tests are parts of the same hypothesis and are adjusted in the second
    stage. Tests outside the family get NaN.
    """
    p = np.where(df["in_family"].to_numpy(), df["p_value"].to_numpy(float), np.nan)
    if st.family == "all":
        df["q_series"] = np.nan
        df["q_value"] = benjamini_hochberg(p)
        return
    # the series-level tests test "no change anywhere in this series" (the adjacent tests are
    # its parts), so they screen the series; a series without one is screened by what it has
    series_test = df["test"].isin(["changepoint", "trend", "before_after"]).to_numpy()
    ok = np.isfinite(p)
    has_series_test = np.zeros(n_series, bool)
    has_series_test[sid[ok & series_test]] = True
    screen = ok & (series_test | ~has_series_test[sid])
    simes = _grouped_simes(p, sid, screen, n_series)
    within = _grouped_bh(p, sid)
    q_series = benjamini_hochberg(simes)
    qs = q_series[sid]
    q = np.where(qs < st.alpha, within, np.fmax(within, qs))
    df["q_series"] = qs
    df["q_value"] = np.where(np.isfinite(p), q, np.nan)


def _grouped_simes(p: NDArray[np.float64], group: NDArray[np.int64], use: NDArray[np.bool_],
                   n_groups: int) -> NDArray[np.float64]:
    """Simes' combined p-value ``min_i p_(i) m / i`` of each group's p-values where ``use``
    (NaN for a group with none), for all groups at once."""
    out = np.full(n_groups, np.nan)
    idx = np.flatnonzero(use)
    if not len(idx):
        return out
    g, pv = group[idx], p[idx]
    order = np.lexsort((pv, g))
    g, pv = g[order], pv[order]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    m = np.diff(np.r_[starts, len(g)])
    rank = np.arange(len(g)) - np.repeat(starts, m) + 1
    out[g[starts]] = np.minimum.reduceat(pv * np.repeat(m, m) / rank, starts)
    return out


def _grouped_bh(p: NDArray[np.float64], group: NDArray[np.int64]) -> NDArray[np.float64]:
    """Benjamini-Hochberg q-values within each group (finite p-values only; NaN elsewhere),
    for all groups at once: the same numbers as :func:`benjamini_hochberg` per group."""
    out = np.full(len(p), np.nan)
    idx = np.flatnonzero(np.isfinite(p))
    if not len(idx):
        return out
    g, pv = group[idx], p[idx]
    order = np.lexsort((pv, g))
    g, pv, idx = g[order], pv[order], idx[order]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    m = np.diff(np.r_[starts, len(g)])
    rank = np.arange(len(g)) - np.repeat(starts, m) + 1
    raw = pv * np.repeat(m, m) / rank
    # step-up: the running minimum from the largest p down, within each group
    rev = pd.Series(raw[::-1]).groupby(g[::-1]).cummin().to_numpy()[::-1]
    out[idx] = np.clip(rev, 0.0, 1.0)
    return out


def _shift_columns(data: LabelledData) -> list[str]:
    return [*data.by, "measure", "frame", "target", "label", "test", "period_before",
            "period_after", "before_start", "after_end", "n_before", "k_before", "share_before",
            "n_after", "k_after", "share_after", "diff", "diff_low", "diff_high", "log_or",
            "direction", "statistic", "p_value", "p_min", "testable", "pooled_share",
            "in_family", "family", "method", "corrected", "q_series", "q_value", "significant"]


def _split_codes(data: LabelledData, split_at: Sequence[str]) -> list[int]:
    from framing.aggregate.load import period_of
    from framing.errors import Errors, FramingError

    out = []
    for sp in split_at:
        label = sp if sp in data.periods else period_of(sp, data.freq)
        if label is None:
            raise FramingError(Errors.E502.format(detail=f"--split-at {sp!r} is not a date or "
                                                         "a period label"))
        # the first period at or after the split
        later = [i for i, p in enumerate(data.periods) if p >= label]
        if later:
            out.append(later[0])
    return out


def _test_series(s: _Series, data: LabelledData, st: ShiftSettings, split_codes: list[int],
                 rng: np.random.Generator, s_id: int = 0
                 ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Comparisons of one series as column arrays (p-values filled in later, vectorised over
    all series) and its trend row."""
    per = np.asarray(data.periods, dtype=object)
    t = len(s.periods)
    b0: list[int] = []
    b1: list[int] = []
    a0: list[int] = []
    a1: list[int] = []
    tests: list[str] = []
    pvals: list[float] = []
    stats: list[float] = []
    hows: list[str | None] = []
    nan = float("nan")
    if "adjacent" in st.tests and t > 1:
        idx = list(range(1, t))
        b0 += [i - 1 for i in idx]
        b1 += [i - 1 for i in idx]
        a0 += idx
        a1 += idx
        tests += ["adjacent"] * len(idx)
        pvals += [nan] * len(idx)
        stats += [nan] * len(idx)
        hows += [None] * len(idx)
    if "before_after" in st.tests:
        for code in split_codes:
            cut = int(np.searchsorted(s.periods, code))
            if 0 < cut < t:
                b0.append(0)
                b1.append(cut - 1)
                a0.append(cut)
                a1.append(t - 1)
                tests.append("before_after")
                pvals.append(nan)
                stats.append(nan)
                hows.append(None)
    if "changepoint" in st.tests and t >= 2:
        cp = changepoint(s.k_eff, s.n_eff, pvalue=st.changepoint_p,
                         n_permutations=st.n_permutations, rng=rng)
        if cp is not None:
            b0.append(0)
            b1.append(cp.split - 1)
            a0.append(cp.split)
            a1.append(t - 1)
            tests.append("changepoint")
            pvals.append(cp.p_value)
            stats.append(cp.lr)
            hows.append(cp.method)
    comps: list[dict[str, Any]] = []
    if tests:
        B0, B1, A0, A1 = (np.asarray(x) for x in (b0, b1, a0, a1))

        def span_sum(v: NDArray[np.float64], lo: NDArray[Any], hi: NDArray[Any]
                     ) -> NDArray[np.float64]:
            c = np.concatenate([[0.0], np.cumsum(v)])
            return np.asarray(c[hi + 1] - c[lo])

        m = len(tests)
        cols: dict[str, Any] = {c: [data.groups.iat[s.group, i]] * m
                                for i, c in enumerate(data.by)}
        cols.update(measure=[s.measure] * m, frame=[s.frame] * m, target=[s.target] * m,
                    label=[s.label] * m, test=tests, period_before=per[s.periods[B1]],
                    period_after=per[s.periods[A0]], before_start=per[s.periods[B0]],
                    after_end=per[s.periods[A1]],
                    nb=span_sum(s.n, B0, B1), kb=span_sum(s.k, B0, B1),
                    na=span_sum(s.n, A0, A1), ka=span_sum(s.k, A0, A1),
                    neb=span_sum(s.n_eff, B0, B1), keb=span_sum(s.k_eff, B0, B1),
                    nea=span_sum(s.n_eff, A0, A1), kea=span_sum(s.k_eff, A0, A1),
                    tpr=[s.rates[0] if s.rates else nan] * m,
                    fpr=[s.rates[1] if s.rates else nan] * m, pcc=[s.pcc] * m,
                    p_value=pvals, statistic=stats, method=hows, series=[s_id] * m)
        comps.append(cols)
    trends = []
    if "trend" in st.tests:
        tr = trend_test(s.k_eff, s.n_eff, s.periods.astype(float))
        if tr is not None:
            trends.append(_trend_row({**{c: data.groups.iat[s.group, i]
                                         for i, c in enumerate(data.by)},
                                      "measure": s.measure, "frame": s.frame,
                                      "target": s.target, "label": s.label}, s, tr, data, st)
                          | {"series": s_id})
    return comps, trends


def _corrected(share: NDArray[np.float64], tpr: NDArray[np.float64], fpr: NDArray[np.float64]
               ) -> NDArray[np.float64]:
    has = np.isfinite(tpr)
    with np.errstate(divide="ignore", invalid="ignore"):
        adj = np.clip((share - fpr) / (tpr - fpr), 0.0, 1.0)
    return np.where(has, adj, share)


def _finish_comparisons(comps: list[dict[str, Any]], st: ShiftSettings) -> pd.DataFrame:
    """Vectorised p-values, smallest attainable p-values, effects and intervals (``comps`` holds
    one dict of column arrays per series)."""
    if not comps:
        return pd.DataFrame()
    df = pd.DataFrame({k: np.concatenate([np.asarray(c[k], dtype=object if isinstance(
        c[k], list) else None) for c in comps]) for k in comps[0]})
    nb, kb, na, ka = (df[c].to_numpy(float) for c in ("nb", "kb", "na", "ka"))
    neb, keb, nea, kea = (df[c].to_numpy(float) for c in ("neb", "keb", "nea", "kea"))
    tpr, fpr = df["tpr"].to_numpy(float), df["fpr"].to_numpy(float)
    need = ~np.isfinite(df["p_value"].to_numpy(float))
    p = df["p_value"].to_numpy(float).copy()
    method = df["method"].to_numpy(object).copy()
    p_min = np.full(len(df), np.nan)
    if need.any():
        pv, used = two_proportion_test(keb[need], neb[need], kea[need], nea[need])
        p[need] = pv
        method[need] = np.char.add("two-proportion ", used.astype(str))
        p_min[need] = _min_attainable_p(keb[need], neb[need], kea[need], nea[need])
    lo, hi = newcombe_diff_interval(keb, neb, kea, nea, st.conf)
    with np.errstate(divide="ignore", invalid="ignore"):
        sb, sa = kb / nb, ka / na
        scale = np.where(np.isfinite(tpr), 1.0 / (tpr - fpr), 1.0)
    sb, sa = _corrected(sb, tpr, fpr), _corrected(sa, tpr, fpr)
    diff = sa - sb
    pcc = df["pcc"].to_numpy(bool)
    out = df.drop(columns=["nb", "kb", "na", "ka", "neb", "keb", "nea", "kea", "tpr", "fpr",
                           "pcc"])
    out["n_before"] = np.round(nb).astype(np.int64)
    out["k_before"] = np.round(kb).astype(np.int64)
    out["share_before"] = sb
    out["n_after"] = np.round(na).astype(np.int64)
    out["k_after"] = np.round(ka).astype(np.int64)
    out["share_after"] = sa
    out["diff"] = diff
    out["diff_low"] = lo * scale
    out["diff_high"] = hi * scale
    out["log_or"] = log_odds_ratio(keb, neb, kea, nea)
    out["direction"] = np.where(diff > 0, "up", np.where(diff < 0, "down", "none"))
    out["p_value"] = p
    out["p_min"] = p_min
    out["testable"] = ~(p_min > st.alpha)
    out["method"] = method
    out["corrected"] = np.isfinite(tpr) | pcc
    return out


def _min_attainable_p(k1: NDArray[np.float64], n1: NDArray[np.float64], k2: NDArray[np.float64],
                      n2: NDArray[np.float64]) -> NDArray[np.float64]:
    """Smallest p-value the two-period test can give with these margins (all successes moved to
    one side or the other)."""
    tot = np.round(k1 + k2)
    n1r, n2r = np.round(n1), np.round(n2)
    a = np.minimum(tot, n1r)
    p_a, _ = two_proportion_test(a, n1r, tot - a, n2r)
    b = np.minimum(tot, n2r)
    p_b, _ = two_proportion_test(tot - b, n1r, b, n2r)
    return np.asarray(np.fmin(p_a, p_b))


def _trend_row(base: dict[str, Any], s: _Series, tr: Any, data: LabelledData,
               st: ShiftSettings) -> dict[str, Any]:
    from framing.aggregate.stats import z_value

    span = float(s.periods[-1] - s.periods[0])
    diff = tr.end - tr.start
    half = z_value(st.conf) * tr.slope_se * span
    sb, sa = tr.start, tr.end
    lo, hi = diff - half, diff + half
    if s.rates is not None:
        tpr, fpr = s.rates
        sb, sa = float(acc_point(sb, tpr, fpr)), float(acc_point(sa, tpr, fpr))
        lo, hi = lo / (tpr - fpr), hi / (tpr - fpr)
        diff = sa - sb
    eps = 0.5 / max(float(s.n.mean()), 1.0)
    lor = float(np.log((tr.end + eps) / (1 - tr.end + eps))
                - np.log((tr.start + eps) / (1 - tr.start + eps)))
    per = data.periods
    return {**base, "test": "trend", "period_before": per[s.periods[0]],
            "period_after": per[s.periods[-1]], "before_start": per[s.periods[0]],
            "after_end": per[s.periods[-1]], "n_before": round(s.n[0]),
            "k_before": round(s.k[0]), "share_before": sb,
            "n_after": round(s.n[-1]), "k_after": round(s.k[-1]), "share_after": sa,
            "diff": diff, "diff_low": lo, "diff_high": hi, "log_or": lor,
            "direction": "up" if diff > 0 else ("down" if diff < 0 else "none"),
            "statistic": tr.z, "p_value": tr.p_value, "p_min": float("nan"), "testable": True,
            "method": "Cochran-Armitage trend (fitted shares at first and last period)",
            "corrected": s.rates is not None or s.pcc}


# ----------------------------------------------------------------------------------------------
# group comparisons
# ----------------------------------------------------------------------------------------------


def _pairs(data: LabelledData, groups: Sequence[int]) -> list[tuple[int, int | None]]:
    """Pairs of groups to compare: all pairs (differing in the first grouping key, equal in the
    others), or each group against the rest when there are too many groups."""
    if len(groups) > MAX_PAIR_GROUPS:
        return [(g, None) for g in groups]
    gv = data.groups
    out: list[tuple[int, int | None]] = []
    for a, b in combinations(groups, 2):
        ra, rb = gv.iloc[a].tolist(), gv.iloc[b].tolist()
        if ra[1:] == rb[1:] and ra[:1] != rb[:1]:
            out.append((a, b))
    return out


def group_differences(data: LabelledData, settings: ShiftSettings | None = None,
                      error_rates: ErrorRates | None = None,
                      stance_pooled: pd.DataFrame | None = None,
                      cells: Cells | None = None) -> pd.DataFrame:
    """Each pair of groups x frame (pooled over all periods): difference ``share_a - share_b``
    with Newcombe's interval, log odds ratio, p-value and BH q-value across the table.

    With several grouping keys, pairs differ in the first key and agree on the others (outlets
    compared within the same issue). Stance favor/against shares are compared the same way.
    With more than ``MAX_PAIR_GROUPS`` groups each group is compared with all the others.
    """
    from framing.aggregate.shares import stance_shares

    st = settings or ShiftSettings()
    cells = cells if cells is not None else count_cells(data, pooled=True,
                                                        error_rates=error_rates)
    pcc = cells.pcc if cells.pcc is not None else np.zeros(len(data.frames), bool)
    # PCC frames are compared on their calibrated-probability sums
    cells_k = np.where(pcc[None, :], cells.k_eff, cells.k) if pcc.any() else cells.k
    gpos = {int(g): i for i, g in enumerate(cells.group)}
    pairs = _pairs(data, sorted(gpos))
    gvals = {c: data.groups[c].tolist() for c in data.by}
    nan = float("nan")
    rows: list[dict[str, Any]] = []
    tot_n, tot_k = cells.n.sum(), cells_k.sum(axis=0)
    tot_ne, tot_ke = cells.n_eff.sum(axis=0), cells.k_eff.sum(axis=0)

    def gcols(g: int | None, suffix: str) -> dict[str, Any]:
        if g is None:
            return {f"{c}{suffix}": REST for c in data.by}
        return {f"{c}{suffix}": gvals[c][g] for c in data.by}

    rates = {fr: (error_rates.tpr(fr), error_rates.fpr(fr)) for j, fr in enumerate(data.frames)
             if error_rates is not None and not pcc[j]
             and error_rates.method(fr)[0] == "acc"}
    for a, b in pairs:
        ia = gpos[a]
        ib = gpos[b] if b is not None else -1
        ga, gb = gcols(a, "_a"), gcols(b, "_b")
        for j, fr in enumerate(data.frames):
            na, ka, nea, kea = cells.n[ia], cells_k[ia, j], cells.n_eff[ia, j], cells.k_eff[ia, j]
            if b is None:
                nb, kb = tot_n - na, tot_k[j] - ka
                neb, keb = tot_ne[j] - nea, tot_ke[j] - kea
            else:
                nb, kb, neb, keb = (cells.n[ib], cells_k[ib, j], cells.n_eff[ib, j],
                                    cells.k_eff[ib, j])
            if ka + kb == 0 or nb <= 0:
                continue
            tpr, fpr = rates.get(fr, (nan, nan))
            rows.append({**ga, **gb, "measure": "frame", "frame": fr, "target": None,
                         "label": None, "na": na, "ka": ka, "nea": nea, "kea": kea, "nb": nb,
                         "kb": kb, "neb": neb, "keb": keb, "tpr": tpr, "fpr": fpr,
                         "pcc": bool(pcc[j])})
    sp = stance_pooled if stance_pooled is not None else stance_shares(data, pooled=True)
    if not sp.empty:
        g_index = {tuple(str(v) for v in row): i
                   for i, row in enumerate(data.groups.itertuples(index=False))}
        sp = sp[sp["label"].isin(["favor", "against"])]
        gcode = [g_index[tuple(str(v) for v in r)]
                 for r in sp[list(data.by)].itertuples(index=False)]
        table: dict[tuple[str, str], dict[int, tuple[float, float]]] = {}
        for g, tgt, lab, n, k in zip(gcode, sp["target"], sp["label"], sp["n"], sp["k"],
                                     strict=True):
            table.setdefault((str(tgt), str(lab)), {})[g] = (float(n), float(k))
        for (tgt, lab), d in table.items():
            sum_n = sum(v[0] for v in d.values())
            sum_k = sum(v[1] for v in d.values())
            for a, b in pairs:
                if a not in d or (b is not None and b not in d):
                    continue
                na, ka = d[a]
                nb, kb = (sum_n - na, sum_k - ka) if b is None else d[b]
                if ka + kb == 0 or nb <= 0:
                    continue
                rows.append({**gcols(a, "_a"), **gcols(b, "_b"), "measure": "stance",
                             "frame": None, "target": tgt, "label": lab, "na": na, "ka": ka,
                             "nea": na, "kea": ka, "nb": nb, "kb": kb, "neb": nb, "keb": kb,
                             "tpr": nan, "fpr": nan, "pcc": False})
    cols = ([f"{c}_a" for c in data.by] + [f"{c}_b" for c in data.by]
            + ["measure", "frame", "target", "label", "n_a", "k_a", "share_a", "n_b", "k_b",
               "share_b", "diff", "diff_low", "diff_high", "log_or", "p_value", "method",
               "corrected", "q_value", "significant"])
    if not rows:
        return pd.DataFrame(columns=cols)
    df = pd.DataFrame(rows)
    na, ka, nea, kea = (df[c].to_numpy(float) for c in ("na", "ka", "nea", "kea"))
    nb, kb, neb, keb = (df[c].to_numpy(float) for c in ("nb", "kb", "neb", "keb"))
    tpr, fpr = df["tpr"].to_numpy(float), df["fpr"].to_numpy(float)
    pv, used = two_proportion_test(keb, neb, kea, nea)
    lo, hi = newcombe_diff_interval(keb, neb, kea, nea, st.conf)  # share_a - share_b
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(np.isfinite(tpr), 1.0 / (tpr - fpr), 1.0)
    sa, sb = _corrected(ka / na, tpr, fpr), _corrected(kb / nb, tpr, fpr)
    df["n_a"], df["k_a"], df["share_a"] = np.round(na).astype(np.int64), np.round(ka), sa
    df["n_b"], df["k_b"], df["share_b"] = np.round(nb).astype(np.int64), np.round(kb), sb
    df["k_a"] = df["k_a"].astype(np.int64)
    df["k_b"] = df["k_b"].astype(np.int64)
    df["diff"] = sa - sb
    df["diff_low"], df["diff_high"] = lo * scale, hi * scale
    df["log_or"] = log_odds_ratio(keb, neb, kea, nea)
    df["p_value"] = pv
    df["method"] = np.char.add("two-proportion ", used.astype(str))
    df["corrected"] = np.isfinite(tpr) | df["pcc"].to_numpy(bool)
    df["q_value"] = benjamini_hochberg(pv)
    df["significant"] = (df["q_value"] < st.alpha) & (df["diff"].abs() >= st.min_effect)
    return df[cols]


# ----------------------------------------------------------------------------------------------
# findings
# ----------------------------------------------------------------------------------------------


def summarize_findings(shifts: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """One row per group x item with a significant *sustained* shift, described by the test
    that fits it best.

    A finding needs a significant series-level test: a user split (``before_after``, pattern
    ``step``), or ``changepoint`` (pattern ``step``) / ``trend`` (pattern ``trend``), whichever
    explains more of the binomial deviance. Significant ``adjacent`` tests on their own are
    one-period jumps; they stay in the shifts table but do not make a finding (in a stable
    series they are the false discoveries an FDR procedure allows).
    """
    cols = [*shifts.columns, "pattern"]
    if shifts.empty or not shifts["significant"].any():
        return pd.DataFrame(columns=cols)
    sig = shifts[shifts["significant"] & shifts["test"].isin(
        ["before_after", "changepoint", "trend"])].copy()
    keys = [*by, "measure", "frame", "target", "label"]
    out = []
    for _, df in sig.groupby(keys, dropna=False, sort=False):
        ba = df[df["test"] == "before_after"]
        if not ba.empty:
            row = ba.sort_values("q_value").iloc[0].copy()
            row["pattern"] = "step"
            out.append(row)
            continue
        best = max((r for _, r in df.iterrows()), key=_explained)
        row = best.copy()
        row["pattern"] = "step" if best["test"] == "changepoint" else "trend"
        out.append(row)
    if not out:
        return pd.DataFrame(columns=cols)
    res = pd.DataFrame(out, columns=cols).reset_index(drop=True)
    res["_abs"] = res["diff"].abs()
    return res.sort_values(["q_value", "_abs"], ascending=[True, False]).drop(
        columns="_abs").reset_index(drop=True)


def _explained(row: pd.Series) -> float:
    """Deviance explained by a changepoint (its LR) or a trend (z^2, the score statistic)."""
    if row["test"] == "changepoint":
        return float(row["statistic"])
    return float(row["statistic"]) ** 2


__all__ = ["ShiftSettings", "detect_shifts", "group_differences", "summarize_findings"]
