"""Frame and stance shares per group and period, with intervals.

Document unit: the share of documents that use a frame, with a Wilson score interval.
Sentence unit: the share of sentences that carry a frame. Sentences of one document are not
independent, so the interval comes from a cluster bootstrap over documents (documents resampled
with replacement, ``B`` replicates, percentile interval); very large cells (over
``LINEARIZE_ABOVE`` documents) use the cluster-linearised normal interval, which the bootstrap
converges to. Tests on sentence shares use *effective* counts ``n / deff`` with the design
effect ``deff`` measured from the same between-document variance.

Example:
    >>> from framing.aggregate.load import load_labelled
    >>> docs = [{"id": str(i), "outlet": "X", "date": "2020-01-01", "labels": lab}
    ...         for i, lab in enumerate([["economic"], [], ["economic"], []])]
    >>> t = frame_shares(load_labelled(docs, by=["outlet"]))
    >>> t[["outlet", "period", "frame", "n", "k", "share"]].to_dict("records")
    [{'outlet': 'X', 'period': '2020', 'frame': 'economic', 'n': 4, 'k': 2, 'share': 0.5}]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from framing.aggregate.correct import ErrorRates, acc_replicates, shrunk_acc
from framing.aggregate.load import LabelledData
from framing.aggregate.pcc import pcc_replicates
from framing.aggregate.stats import wilson_interval, z_value

#: Sentence-unit cells with more documents than this use the linearised interval.
LINEARIZE_ABOVE = 5000
#: Period label of tables pooled over all periods.
ALL = "all"


@dataclass
class Cells:
    """Counts per cell: one cell per (group, period), or per group when pooled over time.

    ``n``/``k`` are raw unit counts (documents or sentences); ``n_eff``/``k_eff`` the effective
    counts for tests (equal to ``n``/``k`` for documents; divided by the design effect for
    sentences). ``doc_cell`` maps each document to its cell (-1: not in any cell). Frames
    estimated by probabilistic classify-and-count (``pcc[j]``) have as effective counts
    ``k_eff`` the sum of their documents' calibrated probabilities (``n_eff = n``), so that the
    shift tests work on the corrected shares; ``k`` stays the count of labelled documents.
    """

    group: NDArray[np.int64]
    period: NDArray[np.int64]
    n_docs: NDArray[np.int64]
    n: NDArray[np.float64]
    k: NDArray[np.float64]
    n_eff: NDArray[np.float64]
    k_eff: NDArray[np.float64]
    doc_cell: NDArray[np.int64]
    pcc: NDArray[np.bool_] | None = None

    def __len__(self) -> int:
        return len(self.group)


def count_cells(data: LabelledData, pooled: bool = False,
                error_rates: ErrorRates | None = None) -> Cells:
    """Sum the per-document arrays into cells (vectorised ``bincount``; no per-document Python).

    With ``error_rates`` whose :meth:`~framing.aggregate.correct.ErrorRates.method` picks PCC
    for a frame, that frame's ``k_eff`` is the cell's sum of calibrated probabilities."""
    n_p = max(len(data.periods), 1)
    if pooled:
        key = data.group.astype(np.int64)
        mask = np.ones(len(key), bool)
    else:
        key = data.group.astype(np.int64) * n_p + data.period
        mask = data.period >= 0
    uniq, inv = np.unique(key[mask], return_inverse=True)
    c = len(uniq)
    doc_cell = np.full(len(key), -1, np.int64)
    doc_cell[mask] = inv
    n_docs = np.bincount(inv, minlength=c)
    units = data.units[mask].astype(np.float64)
    n = np.asarray(np.bincount(inv, weights=units, minlength=c), dtype=np.float64)
    f = len(data.frames)
    k = np.zeros((c, f))
    km = data.k[mask]
    for j in range(f):
        k[:, j] = np.bincount(inv, weights=km[:, j], minlength=c)
    group = uniq if pooled else uniq // n_p
    period = np.full(c, -1, np.int64) if pooled else uniq % n_p
    if data.unit == "document":
        n_eff = np.repeat(n[:, None], f, axis=1)
        k_eff = k.copy()
    else:
        n_eff, k_eff = _effective(inv, units, km, n, k, n_docs)
    cells = Cells(group=group, period=period, n_docs=n_docs, n=n, k=k, n_eff=n_eff,
                  k_eff=k_eff, doc_cell=doc_cell)
    if error_rates is not None and data.unit == "document":
        _pcc_counts(data, cells, error_rates)
    return cells


def _pcc_counts(data: LabelledData, cells: Cells, rates: ErrorRates) -> None:
    """Calibrated-probability sums as ``k_eff`` of the frames estimated by PCC."""
    c = len(cells)
    mask = cells.doc_cell >= 0
    for j, fr in enumerate(data.frames):
        if rates.method(fr)[0] != "pcc":
            continue
        assert rates.calibration is not None
        p = data.probs_of(fr)
        if p is None or not np.isfinite(p[mask]).all():
            continue  # ErrorRates.for_data says why PCC is not used for this frame
        cal = rates.calibration.calibrated(fr, p[mask])
        if cells.pcc is None:
            cells.pcc = np.zeros(len(data.frames), bool)
        cells.pcc[j] = True
        cells.k_eff[:, j] = np.bincount(cells.doc_cell[mask], weights=cal, minlength=c)


def _effective(inv: NDArray[np.int64], units: NDArray[np.float64], km: NDArray[Any],
               n: NDArray[np.float64], k: NDArray[np.float64], n_docs: NDArray[np.int64]
               ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Effective counts ``n / deff`` from the cluster-linearised variance of each cell's share."""
    c, f = k.shape
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(n[:, None] > 0, k / n[:, None], 0.0)
    n_eff = np.repeat(n[:, None], f, axis=1)
    for j in range(f):
        r = km[:, j].astype(np.float64) - p[inv, j] * units
        ss = np.bincount(inv, weights=r * r, minlength=c)
        with np.errstate(divide="ignore", invalid="ignore"):
            var_lin = np.where(n_docs > 1, n_docs / (n_docs - 1.0) * ss, 0.0) / n ** 2
            var_bin = p[:, j] * (1 - p[:, j]) / n
            deff = np.where((var_bin > 0) & (n_docs > 1), var_lin / var_bin, 1.0)
        n_eff[:, j] = n / np.maximum(deff, 1.0)
    return n_eff, p * n_eff


def _group_columns(data: LabelledData, group: NDArray[np.int64]) -> dict[str, Any]:
    return {c: data.groups[c].to_numpy()[group] for c in data.by}


def frame_shares(data: LabelledData, pooled: bool = False, conf: float = 0.95,
                 n_bootstrap: int = 999, error_rates: ErrorRates | None = None,
                 random_state: int = 0, cells: Cells | None = None,
                 correction: str = "auto") -> pd.DataFrame:
    """One row per group x period x frame, every one of them (zeros included): n, k, share,
    interval, method, corrected.

    With ``pooled=True`` the period column is ``"all"`` and undated documents count too. With
    ``error_rates`` the shares of labels that have usable rates are corrected (see
    :mod:`framing.aggregate.correct`: shrunk adjusted counts, or with ``correction="acc"``
    plain ones); ``share_raw`` keeps the labelled share, ``correction_weight`` the weight of
    the adjusted count and ``reliable`` whether the rates rest on enough labelled data. Labels
    for which ``error_rates`` picks PCC (:meth:`~framing.aggregate.correct.ErrorRates.method`)
    get the mean calibrated probability (:mod:`framing.aggregate.pcc`; no weight).
    """
    if error_rates is not None:
        error_rates = error_rates.for_data(correction, data.probs_of, data.frames)
    cells = cells if cells is not None else count_cells(data, pooled=pooled,
                                                        error_rates=error_rates)
    rng = np.random.default_rng(random_state)
    c, f = cells.k.shape
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(cells.n[:, None] > 0, cells.k / cells.n[:, None], np.nan)
    lo = np.full((c, f), np.nan)
    hi = np.full((c, f), np.nan)
    method = np.empty((c, f), dtype=object)
    reps: dict[int, NDArray[np.float64]] = {}
    if data.unit == "document":
        lo, hi = wilson_interval(cells.k, cells.n[:, None], conf)
        method[:] = "wilson"
    else:
        lo, hi, method, reps = _cluster_intervals(data, cells, share, conf, n_bootstrap, rng,
                                                  keep=error_rates is not None)
    corrected = np.zeros((c, f), bool)
    weight = np.full((c, f), np.nan)
    reliable = np.ones((c, f), bool)
    share_raw = share.copy()
    if error_rates is not None:
        for j, fr in enumerate(data.frames):
            how_fr = error_rates.method(fr)[0]
            if how_fr == "raw":
                continue
            if how_fr == "pcc":
                _pcc_shares(data, cells, j, error_rates, share, lo, hi, method, conf,
                            n_bootstrap, rng)
                corrected[:, j] = cells.n > 0
                reliable[:, j] = error_rates.reliable_by(fr, "pcc")[0]
                continue
            if data.unit == "document":
                q_b = rng.binomial(cells.n.astype(np.int64)[None, :].repeat(n_bootstrap, 0),
                                   np.nan_to_num(share[:, j])[None, :]) / np.maximum(cells.n, 1)
                var_q = None
                n_eff = cells.n
            else:
                q_b = np.stack([reps[i][:, j] for i in range(c)], axis=1)
                with np.errstate(all="ignore"):
                    var_q = np.nanvar(q_b, axis=0)
                n_eff = cells.n_eff[:, j]
            share[:, j], w = shrunk_acc(share_raw[:, j], n_eff, error_rates, fr, var_q=var_q,
                                        plain=correction == "acc")
            # the interval is the adjusted count's (replicates redraw both the sample and the
            # labelled data behind the rates), so it covers the truth under the error model;
            # the shrunk point trades a little bias for less variance and is kept inside it
            acc_b = acc_replicates(q_b, error_rates.counts[fr], rng)
            alpha = (1 - conf) / 2
            with np.errstate(all="ignore"):
                lo[:, j] = np.fmin(np.nanquantile(acc_b, alpha, axis=0), share[:, j])
                hi[:, j] = np.fmax(np.nanquantile(acc_b, 1 - alpha, axis=0), share[:, j])
            corrected[:, j] = cells.n > 0
            weight[:, j] = w
            reliable[:, j] = error_rates.reliable(fr)[0]
            kind = "binomial" if data.unit == "document" else "cluster"
            how = "acc" if correction == "acc" else "acc shrunk toward the labelled share"
            method[:, j] = (f"{how} + parametric bootstrap ({kind} sample x labelled-data "
                            f"counts, B={n_bootstrap})")
    rows = np.repeat(np.arange(c), f)
    cols = np.tile(np.arange(f), c)
    out: dict[str, Any] = _group_columns(data, cells.group[rows])
    out["period"] = (np.array([ALL] * len(rows), dtype=object) if pooled
                     else np.asarray(data.periods, dtype=object)[cells.period[rows]])
    out["frame"] = np.asarray(data.frames, dtype=object)[cols]
    out["unit"] = data.unit
    out["n_docs"] = cells.n_docs[rows]
    out["n"] = cells.n[rows].astype(np.int64)
    out["k"] = cells.k[rows, cols].astype(np.int64)
    out["share"] = share[rows, cols]
    out["ci_low"] = lo[rows, cols]
    out["ci_high"] = hi[rows, cols]
    out["method"] = method[rows, cols]
    out["corrected"] = corrected[rows, cols]
    out["share_raw"] = share_raw[rows, cols]
    if error_rates is not None:
        out["correction_weight"] = weight[rows, cols]
        out["reliable"] = reliable[rows, cols]
    df = _complete(pd.DataFrame(out), data, pooled)
    if data.unit == "document":
        df = df.drop(columns=["n_docs"])
    return df


def _pcc_shares(data: LabelledData, cells: Cells, j: int, rates: ErrorRates,
                share: NDArray[np.float64], lo: NDArray[np.float64], hi: NDArray[np.float64],
                method: NDArray[Any], conf: float, b: int, rng: np.random.Generator) -> None:
    """Column ``j`` of ``share``/``lo``/``hi``/``method`` by PCC (in place)."""
    fr = data.frames[j]
    if cells.pcc is None or not cells.pcc[j]:
        _pcc_counts(data, cells, rates)
    assert rates.calibration is not None and cells.pcc is not None and cells.pcc[j]
    p = data.probs_of(fr)
    assert p is not None
    with np.errstate(divide="ignore", invalid="ignore"):
        share[:, j] = np.where(cells.n > 0, cells.k_eff[:, j] / cells.n, np.nan)
    reps = pcc_replicates(rates.calibration.maps[fr], p, cells.doc_cell, share[:, j], cells.n,
                          b, rng)
    alpha = (1 - conf) / 2
    with np.errstate(all="ignore"):
        lo[:, j] = np.fmin(np.nanquantile(reps, alpha, axis=0), share[:, j])
        hi[:, j] = np.fmax(np.nanquantile(reps, 1 - alpha, axis=0), share[:, j])
    method[:, j] = (f"pcc (mean Platt-recalibrated document probability) + parametric "
                    f"bootstrap (binomial sample x calibration map, B={b})")


def _complete(df: pd.DataFrame, data: LabelledData, pooled: bool) -> pd.DataFrame:
    """Every group x period x frame cell, in that order: a frame no document of a cell uses is
    a row with ``k = 0`` and share 0, and a period in which a group has no documents is a row
    with ``n = 0`` and no share (NaN), so a missing row never stands for a zero."""
    keys = [*data.by, "period", "frame"]
    periods = [ALL] if pooled else list(data.periods)
    g, p, f = np.meshgrid(np.arange(len(data.groups)), np.arange(len(periods)),
                          np.arange(len(data.frames)), indexing="ij")
    grid: dict[str, Any] = _group_columns(data, g.ravel())
    grid["period"] = np.asarray(periods, dtype=object)[p.ravel()]
    grid["frame"] = np.asarray(data.frames, dtype=object)[f.ravel()]
    full = pd.DataFrame(grid)
    if len(full) == len(df):
        return df
    out = full.merge(df, on=keys, how="left", sort=False)
    empty = out["n"].isna()
    out["unit"] = data.unit
    for c in ("n", "k") + (("n_docs",) if "n_docs" in out else ()):
        out[c] = out[c].fillna(0).astype(np.int64)
    out["corrected"] = out["corrected"].fillna(False).astype(bool)
    if "reliable" in out:
        out["reliable"] = out["reliable"].fillna(True).astype(bool)
    out.loc[empty, "method"] = "no documents"
    return out[df.columns]


def _cluster_intervals(data: LabelledData, cells: Cells, share: NDArray[np.float64],
                       conf: float, b: int, rng: np.random.Generator, keep: bool
                       ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[Any],
                                  dict[int, NDArray[np.float64]]]:
    c, f = share.shape
    lo = np.full((c, f), np.nan)
    hi = np.full((c, f), np.nan)
    method = np.empty((c, f), dtype=object)
    reps: dict[int, NDArray[np.float64]] = {}
    order = np.argsort(cells.doc_cell, kind="stable")
    sorted_cells = cells.doc_cell[order]
    starts = np.searchsorted(sorted_cells, np.arange(c), side="left")
    ends = np.searchsorted(sorted_cells, np.arange(c), side="right")
    alpha = (1 - conf) / 2
    z = z_value(conf)
    for i in range(c):
        docs = order[starts[i]:ends[i]]
        m = len(docs)
        kd = data.k[docs].astype(np.float64)
        nd = data.units[docs].astype(np.float64)
        if m == 0 or nd.sum() == 0:
            continue
        if m == 1:
            lo[i], hi[i] = wilson_interval(kd[0], nd[0], conf)
            method[i] = "wilson (one document)"
            if keep:
                reps[i] = np.repeat(share[i][None, :], b, axis=0)
            continue
        if m > LINEARIZE_ABOVE and not keep:
            r = kd - share[i][None, :] * nd[:, None]
            se = np.sqrt(m / (m - 1.0) * (r * r).sum(axis=0)) / nd.sum()
            lo[i] = np.clip(share[i] - z * se, 0, 1)
            hi[i] = np.clip(share[i] + z * se, 0, 1)
            method[i] = "cluster linearization (normal)"
            continue
        w = rng.multinomial(m, np.full(m, 1.0 / m), size=b).astype(np.float64)
        den = w @ nd
        with np.errstate(divide="ignore", invalid="ignore"):
            sb = (w @ kd) / den[:, None]
        lo[i] = np.nanquantile(sb, alpha, axis=0)
        hi[i] = np.nanquantile(sb, 1 - alpha, axis=0)
        method[i] = f"cluster bootstrap over documents (B={b})"
        if keep:
            reps[i] = sb
    return lo, hi, method, reps


def stance_shares(data: LabelledData, pooled: bool = False, conf: float = 0.95) -> pd.DataFrame:
    """One row per group x period x target x label: documents with that stance toward the target
    among documents that have a stance result for the target (Wilson intervals)."""
    cols = [*data.by, "period", "target", "label", "n", "k", "share", "ci_low", "ci_high",
            "method"]
    if len(data.stance_doc) == 0:
        return pd.DataFrame(columns=cols)
    n_p = max(len(data.periods), 1)
    d = data.stance_doc
    g = data.group[d].astype(np.int64)
    p = data.period[d].astype(np.int64)
    if pooled:
        cell = g
        mask = np.ones(len(d), bool)
    else:
        cell = g * n_p + p
        mask = p >= 0
    n_t, n_l = len(data.targets), len(data.stance_labels)
    key = (cell * n_t + data.stance_target) * n_l + data.stance_label
    uniq_cells, cinv = np.unique((cell * n_t + data.stance_target)[mask], return_inverse=True)
    counts = np.zeros((len(uniq_cells), n_l))
    np.add.at(counts, (cinv, (key[mask] % n_l)), 1)
    n = counts.sum(axis=1)
    rows = np.repeat(np.arange(len(uniq_cells)), n_l)
    labs = np.tile(np.arange(n_l), len(uniq_cells))
    cell_of = uniq_cells[rows] // n_t
    tgt = uniq_cells[rows] % n_t
    grp = cell_of if pooled else cell_of // n_p
    lo, hi = wilson_interval(counts[rows, labs], n[rows], conf)
    out: dict[str, Any] = _group_columns(data, grp)
    out["period"] = (np.array([ALL] * len(rows), dtype=object) if pooled
                     else np.asarray(data.periods, dtype=object)[cell_of % n_p])
    out["target"] = np.asarray(data.targets, dtype=object)[tgt]
    out["label"] = np.asarray(data.stance_labels, dtype=object)[labs]
    out["n"] = n[rows].astype(np.int64)
    out["k"] = counts[rows, labs].astype(np.int64)
    out["share"] = counts[rows, labs] / n[rows]
    out["ci_low"], out["ci_high"] = lo, hi
    out["method"] = "wilson"
    return pd.DataFrame(out)[cols]
