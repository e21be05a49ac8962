"""A scikit-learn style estimator and the ``aggregate`` function behind ``framing aggregate``.

Example:
    >>> from framing.aggregate import FrameShareEstimator
    >>> est = FrameShareEstimator(by=["outlet", "issue"], freq="year", labels_from="gold")
    >>> est.fit("corpora/collection/collection.jsonl")              # doctest: +SKIP
    >>> est.findings_[["outlet", "frame", "period_after", "q_value"]]  # doctest: +SKIP
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from framing.aggregate.correct import ErrorRates, load_error_rates
from framing.aggregate.describe import describe_finding
from framing.aggregate.load import LabelledData, Source, load_labelled
from framing.aggregate.pcc import NEEDS_VALIDATION
from framing.aggregate.settings import AggregateSettings
from framing.aggregate.shares import count_cells, frame_shares, stance_shares
from framing.aggregate.shifts import (
    detect_shifts,
    group_differences,
    summarize_findings,
)
from framing.aggregate.vocab import distinctive_vocabulary
from framing.errors import Errors, FramingError
from framing.guard import check_outputs
from framing.io.output import iter_jsonl_results

#: Files written by :func:`aggregate` / :meth:`FrameShareEstimator.save`.
OUTPUT_FILES = ("shares.csv", "shares.parquet", "shares_overall.csv", "stance_shares.csv",
                "shifts.csv", "findings.csv", "group_diffs.csv", "vocab.csv", "summary.json")


#: The former name of :class:`~framing.aggregate.settings.AggregateSettings`.
AggregateConfig = AggregateSettings


class FrameShareEstimator:
    """Frame and stance shares by group and period, shifts, group differences, vocabulary.

    ``settings`` (an :class:`~framing.aggregate.settings.AggregateSettings`) and keyword
    overrides of its fields (``by=["outlet"]``, ``alpha=0.1``) are stored as given
    (scikit-learn convention); :meth:`fit` validates them, reads the labelled documents and sets
    the learned attributes:

    * ``shares_``: group x period x frame shares with intervals (``shares.csv``);
    * ``shares_overall_``: group x frame shares pooled over all periods;
    * ``stance_shares_``: group x period x target x label stance shares;
    * ``shifts_``: every shift test with effect, interval, p and BH q (``shifts.csv``);
    * ``findings_``: one row per significant shift with the test that describes it best,
      plus ``description`` in plain words;
    * ``group_diffs_``: pairs of groups x frame (and stance) with difference, interval and q;
    * ``vocab_``: distinctive terms per group / frame (weighted log-odds, Dirichlet prior);
    * ``data_``: the compact per-document arrays; ``frames_``, ``groups_``, ``periods_``,
      ``n_documents_``, ``error_rates_`` and ``summary_``.

    ``error_rates`` (an :class:`~framing.aggregate.correct.ErrorRates`, a dict
    ``{label: {tp, fp, fn, tn}}``, or the path of such a JSON file) turns on the correction for
    classifier error.

    Example:
        >>> docs = [{"id": f"{y}{i}", "outlet": "X", "date": f"{y}-03-01",
        ...          "labels": ["economic"] if i < (2 if y < 2020 else 8) else []}
        ...         for y in (2018, 2019, 2020, 2021) for i in range(10)]
        >>> est = FrameShareEstimator(by=["outlet"], vocab=False).fit(docs)
        >>> est.shares_[["period", "share"]].to_dict("list")
        {'period': ['2018', '2019', '2020', '2021'], 'share': [0.2, 0.2, 0.8, 0.8]}
        >>> est.findings_.iloc[0][["test", "period_after", "direction"]].tolist()
        ['changepoint', '2020', 'up']
    """

    def __init__(self, settings: AggregateSettings | None = None, *,
                 error_rates: ErrorRates | dict[str, Any] | str | Path | None = None,
                 **params: Any) -> None:
        self.settings = settings
        self.error_rates = error_rates
        self.params = params

    def __repr__(self) -> str:
        try:
            shown = repr(self._config())
        except FramingError:  # not checked before fit(); show what was given
            shown = ", ".join([*([repr(self.settings)] if self.settings else []),
                               *(f"{k}={v!r}" for k, v in self.params.items())])
        return f"FrameShareEstimator({shown})"

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Every setting (resolved, so defaults show) plus ``error_rates``
        (scikit-learn's ``get_params``)."""
        return {**self._config().to_dict(), "error_rates": self.error_rates}

    def set_params(self, **params: Any) -> FrameShareEstimator:
        """Change settings (checked at :meth:`fit`) or ``error_rates``; returns self."""
        if "error_rates" in params:
            self.error_rates = params.pop("error_rates")
        self.params = {**self.params, **params}
        return self

    def _config(self) -> AggregateSettings:
        return AggregateSettings.resolve(self.settings, **self.params)

    def _rates(self, unit: str) -> ErrorRates | None:
        er = self.error_rates
        if er is None or isinstance(er, ErrorRates):
            return er
        if isinstance(er, dict):
            return ErrorRates.from_dict(er, unit=unit)
        return load_error_rates(error_rates=er, unit=unit)

    def fit(self, X: Source, y: None = None) -> FrameShareEstimator:
        """Read ``X`` (paths, a DataFrame, or records) and compute every table; returns self."""
        cfg = self._config()
        rates = self._rates(cfg.unit)
        t0 = time.perf_counter()
        if not isinstance(X, (str, Path, pd.DataFrame, list)):
            X = list(X)  # two passes are needed (counts, then vocabulary)
        data = load_labelled(X, by=cfg.by, freq=cfg.freq, unit=cfg.unit,
                             labels_from=cfg.labels_from)
        # frames no document uses still get their (zero) rows: the model's frames as the
        # labelled output declares them, and any frame the error rates know
        known = _declared_frames(X) if data.label_sources.get("predicted") else []
        data = _with_frames(data, [*known, *(rates.counts if rates is not None else [])])
        if rates is not None:
            # the correction of each frame (acc, pcc or none) is settled here, once
            rates = rates.for_data(cfg.correction, data.probs_of, data.frames)
        t_load = time.perf_counter() - t0
        cells = count_cells(data, error_rates=rates)
        pooled = count_cells(data, pooled=True, error_rates=rates)
        self.shares_ = frame_shares(data, conf=cfg.conf, n_bootstrap=cfg.n_bootstrap,
                                    error_rates=rates, random_state=cfg.random_state,
                                    cells=cells, correction=cfg.correction)
        self.shares_overall_ = frame_shares(data, pooled=True, conf=cfg.conf,
                                            n_bootstrap=cfg.n_bootstrap, error_rates=rates,
                                            random_state=cfg.random_state, cells=pooled,
                                            correction=cfg.correction)
        self.stance_shares_ = stance_shares(data, conf=cfg.conf)
        stance_overall = stance_shares(data, pooled=True, conf=cfg.conf)
        self.shifts_ = detect_shifts(data, cfg.shift, rates, stance=self.stance_shares_,
                                     cells=cells)
        self.group_diffs_ = group_differences(data, cfg.shift, rates, stance_overall, pooled)
        findings = summarize_findings(self.shifts_, data.by)
        findings["description"] = [describe_finding(r, data.by, unit=data.unit)
                                   for r in findings.to_dict("records")]
        self.findings_ = findings
        t_vocab = time.perf_counter()
        if cfg.vocab and data.has_text:
            self.vocab_ = distinctive_vocabulary(X, by=cfg.by, labels_from=cfg.labels_from,
                                                 top=cfg.vocab_top)
        else:
            self.vocab_ = pd.DataFrame(columns=["scope", *cfg.by, "frame", "term", "z",
                                                "log_odds", "count", "count_rest", "rank"])
        t_end = time.perf_counter()
        self.data_: LabelledData = data
        self.frames_ = list(data.frames)
        self.groups_ = data.groups.copy()
        self.periods_ = list(data.periods)
        self.n_documents_ = data.n_documents
        self.error_rates_ = rates
        self.config_ = cfg
        self.source_ = X
        self.summary_ = self._summary(data, cfg, rates, {
            "load": round(t_load, 3), "tables": round(t_vocab - t0 - t_load, 3),
            "vocab": round(t_end - t_vocab, 3), "total": round(t_end - t0, 3)})
        return self

    def _summary(self, data: LabelledData, cfg: AggregateSettings, rates: ErrorRates | None,
                 seconds: dict[str, float]) -> dict[str, Any]:
        corr: dict[str, Any] | None = None
        if rates is not None:
            done, skipped, chosen, unreliable = [], {}, {}, {}
            for f in data.frames:
                how, why = rates.method(f)
                chosen[f] = how
                if how == "raw":
                    skipped[f] = why
                    continue
                done.append(f)
                ok, why = rates.reliable_by(f, how)
                if not ok:
                    unreliable[f] = why
            cal = rates.calibration
            corr = {"source": rates.source, "level": rates.level, "estimator": cfg.correction,
                    "corrected": done, "not_corrected": skipped, "unreliable": unreliable,
                    "chosen": chosen,
                    "cv": {f: rates.cv[f] for f in data.frames if f in rates.cv},
                    "pcc": ({"available": True, "calibration": cal.to_dict(),
                             "not_calibrated": dict(cal.refused),
                             "no_probabilities": dict(rates.no_probs)}
                            if cal is not None else
                            {"available": False, "why": NEEDS_VALIDATION}),
                    "notes": rates.notes, "rates": rates.to_dict()}
        sh = self.shifts_
        return {
            "inputs": data.sources, "settings": cfg.to_dict(),
            "documents": data.n_documents, "undated": data.n_undated,
            "label_sources": data.label_sources, "groups": len(data.groups),
            "periods": data.periods, "frames": data.frames, "targets": data.targets,
            "tests": len(sh), "tests_in_bh_family": int(sh["in_family"].sum()) if len(sh)
            else 0, "series_in_family": _n_series(sh, data.by),
            "significant_tests": int(sh["significant"].sum()) if len(sh) else 0,
            "findings": [str(x) for x in self.findings_.get("description", [])],
            "significant_group_differences": int(self.group_diffs_["significant"].sum())
            if len(self.group_diffs_) else 0,
            "correction": corr, "has_text": data.has_text, "seconds": seconds,
            "methods": {
                "document shares": "Wilson score interval",
                "sentence shares": "cluster bootstrap over documents (percentile); effective "
                                   "counts n/deff for tests",
                "two-period tests": "two-proportion z-test, Fisher exact when an expected "
                                    "count < 5; tests that cannot reach p < alpha at their "
                                    "counts are left out of the BH family (testable=False)",
                "change point": "best single split by binomial likelihood ratio; p = "
                                + ("chi2(1) tail x (T-1)" if cfg.changepoint_p == "chi2"
                                   else f"permutation (B={cfg.n_permutations})"),
                "trend": "Cochran-Armitage test for a linear trend",
                "multiple testing": (
                    "series screened by Benjamini-Hochberg on one Simes p-value per series, "
                    "then tests adjusted within each selected series (Yekutieli 2008)"
                    if cfg.family == "hierarchical" else
                    "Benjamini-Hochberg across all tests of a file")
                + f"; only series of frames a group uses (pooled share {cfg.min_use:g} to "
                  f"{1 - cfg.min_use:g}) are tested; significant = q < {cfg.alpha} and "
                  f"|diff| >= {cfg.min_effect}"
                + (f"; confirmatory family (named before looking: {', '.join(cfg.confirm)}) "
                   "and exploratory family (every other series) adjusted separately"
                   if cfg.confirm else ""),
                "difference interval": "Newcombe hybrid score interval",
                "correction": _correction_method(cfg.correction),
                "vocabulary": "weighted log-odds with informative Dirichlet prior (Monroe et "
                              "al. 2008)"}}

    def save(self, out: str | Path) -> dict[str, Path]:
        """Write every table to the folder ``out`` (see :data:`OUTPUT_FILES`)."""
        self._check_fitted()
        d = Path(out)
        d.mkdir(parents=True, exist_ok=True)
        paths = {name: d / name for name in OUTPUT_FILES}
        _write_csv(self.shares_, paths["shares.csv"])
        self.shares_.to_parquet(paths["shares.parquet"], index=False)
        _write_csv(self.shares_overall_, paths["shares_overall.csv"])
        _write_csv(self.stance_shares_, paths["stance_shares.csv"])
        _write_csv(self.shifts_, paths["shifts.csv"])
        _write_csv(self.findings_, paths["findings.csv"])
        _write_csv(self.group_diffs_, paths["group_diffs.csv"])
        _write_csv(self.vocab_, paths["vocab.csv"])
        paths["summary.json"].write_text(
            json.dumps(self.summary_, indent=1, ensure_ascii=False, default=_json_default)
            + "\n", encoding="utf-8")
        return paths

    def _check_fitted(self) -> None:
        if not hasattr(self, "shares_"):
            raise FramingError(Errors.E502.format(detail="call fit() before save()"))


def _correction_method(correction: str) -> str:
    acc = ("adjusted classify-and-count" if correction == "acc" else
           "adjusted classify-and-count shrunk toward the labelled share by its estimated mean "
           "squared error (labels the classifier does not clearly separate are not corrected)"
           ) + ", parametric bootstrap over the labelled-data confusion counts and the sample"
    pcc = ("probabilistic classify-and-count: the mean of the document probabilities "
           "recalibrated per frame by a Platt map fitted on the validation sample, parametric "
           "bootstrap over the map's parameters and the sample; shift tests on the sums of "
           "calibrated probabilities")
    if correction == "acc":
        return acc
    if correction == "pcc":
        return pcc
    return (f"per frame, whichever of the raw share, {acc}, and {pcc} has the lowest "
            f"cross-validated error on the validation sample (PCC needs one)")


def _declared_frames(source: Any) -> list[str]:
    """The frames a labelled output scores, from its first record's ``frames`` (every frame of
    the model is there, used or not); Parquet outputs declare theirs as columns, which the
    loader reads itself."""
    first: Any = None
    if isinstance(source, (str, Path)):
        source = [source]
    if isinstance(source, list) and source and all(isinstance(x, (str, Path)) for x in source):
        for p in source:
            path = Path(p)
            files = sorted(path.glob("*.jsonl")) if path.is_dir() else [path]
            for f in files:
                if f.suffix.lower() not in (".jsonl", ".ndjson", ".json") or not f.is_file():
                    continue
                try:  # the one reader of labelled JSONL (framing.io.output)
                    first = next((d for _, d in iter_jsonl_results(f)), None)
                except FramingError:
                    first = None  # the loader reports the bad line
                if first is not None:
                    break
            if first is not None:
                break
    elif isinstance(source, list) and source:
        first = source[0].to_dict() if hasattr(source[0], "to_dict") else source[0]
    frames = first.get("frames") if isinstance(first, dict) else None
    return [str(f) for f in frames] if isinstance(frames, dict) else []


def _with_frames(data: LabelledData, frames: Sequence[str]) -> LabelledData:
    """``data`` with zero columns for the ``frames`` it lacks (codebook order kept)."""
    from dataclasses import replace

    from framing.aggregate.load import _frame_order

    missing = [f for f in dict.fromkeys(frames) if f not in data.frames]
    if not missing:
        return data
    order = _frame_order([*data.frames, *missing])
    k = np.zeros((data.k.shape[0], len(order)), dtype=data.k.dtype)
    k[:, [order.index(f) for f in data.frames]] = data.k
    return replace(data, frames=order, k=k)


def _n_series(shifts: pd.DataFrame, by: Sequence[str]) -> int:
    """How many series (group x frame or stance label) have a test in the family."""
    fam = shifts[shifts["in_family"]] if len(shifts) else shifts
    if not len(fam):
        return 0
    return int(fam.groupby([*by, "measure", "frame", "target", "label"], dropna=False).ngroups)


def _write_csv(df: pd.DataFrame, path: Path, digits: int = 6) -> None:
    """CSV with floats rounded to ``digits`` decimals (enough for any analysis, short to read),
    written by Arrow's C++ writer: hundreds of thousands of test rows take a fraction of a
    second instead of pandas' many seconds."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    floats = df.select_dtypes(include="float").columns
    if len(floats):
        df = df.assign(**{c: df[c].round(digits) for c in floats})
    obj = [c for c in df.columns if df[c].dtype == object]
    if obj:  # mixed None/str columns: make them plain strings for Arrow
        df = df.assign(**{c: df[c].map(lambda v: None if v is None or v != v else str(v))
                          for c in obj})
    table = pa.Table.from_pandas(df, preserve_index=False)
    pacsv.write_csv(table, path)


def _json_default(o: Any) -> Any:
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (np.floating,)):
        return float(o)
    if isinstance(o, Path):
        return str(o)
    raise TypeError(type(o).__name__)


def aggregate(inputs: Source, out: str | Path | None = None,
              settings: AggregateSettings | None = None, *, correct: bool = False,
              model: str | Path | None = None, error_rates: str | Path | None = None,
              validation: Source | None = None, **overrides: Any) -> FrameShareEstimator:
    """Fit a :class:`FrameShareEstimator` and write its tables to ``out`` (when given).

    ``settings`` and keyword ``overrides`` of its fields are resolved by
    :meth:`AggregateSettings.resolve`. ``correct=True`` takes per-label error rates from a
    labelled ``validation`` sample (documents with gold and predicted labels; preferred: all of
    it counts, and the correction is cross-validated on it), ``error_rates`` (a JSON file) or
    ``model``'s ``metrics.json``.
    """
    cfg = AggregateSettings.resolve(settings, **overrides)
    if out is not None:  # never write a table over one of the inputs
        paths = [inputs] if isinstance(inputs, str | Path) else [
            p for p in inputs if isinstance(p, str | Path)] if isinstance(inputs, list | tuple) \
            else []
        check_outputs(paths, {f"table {n}": Path(out) / n for n in OUTPUT_FILES})
    rates = None
    if validation is not None:
        rates = ErrorRates.from_labelled(validation, unit=cfg.unit, seed=cfg.random_state)
    elif correct or model is not None or error_rates is not None:
        rates = load_error_rates(error_rates=error_rates, model=model, unit=cfg.unit)
    est = FrameShareEstimator(cfg, error_rates=rates)
    est.fit(inputs)
    if out is not None:
        est.save(out)
    return est
