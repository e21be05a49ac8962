"""Aggregation: how framing shifts across groups (outlets, issues, speakers) and over time.

Reads labelled output (JSONL or Parquet from ``framing label``, or annotated corpus JSONL with
gold labels) and computes frame and stance shares per group and period with intervals, shift
tests with Benjamini-Hochberg control, group-versus-group differences, distinctive vocabulary,
and, optionally, prevalence corrected for the classifier's measured error rates.

Example:
    >>> from framing.aggregate import FrameShareEstimator
    >>> est = FrameShareEstimator(by=["outlet", "issue"], labels_from="gold")  # doctest: +SKIP
    >>> est.fit("corpora/collection/collection.jsonl").findings_.description[0]  # doctest: +SKIP
    'Between 2020 and 2021, the share of Harrow Creek Weekly's documents in guns coverage ...'
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from framing.aggregate.correct import ErrorRates, acc_point, load_error_rates, shrunk_acc
    from framing.aggregate.describe import describe_finding
    from framing.aggregate.estimator import AggregateConfig, FrameShareEstimator, aggregate
    from framing.aggregate.load import (
        FREQS,
        UNITS,
        LabelledData,
        iter_documents,
        load_labelled,
        period_of,
    )
    from framing.aggregate.pcc import Calibration
    from framing.aggregate.settings import AggregateSettings
    from framing.aggregate.shares import count_cells, frame_shares, stance_shares
    from framing.aggregate.shifts import (
        ShiftSettings,
        detect_shifts,
        group_differences,
        summarize_findings,
    )
    from framing.aggregate.stats import (
        benjamini_hochberg,
        changepoint,
        newcombe_diff_interval,
        trend_test,
        two_proportion_test,
        weighted_log_odds,
        wilson_interval,
    )
    from framing.aggregate.vocab import distinctive_vocabulary

#: Public names and their modules: imported on first use (pandas, pyarrow and scikit-learn
#: take about a second), so ``framing --help`` and the other commands do not pay for them.
_LAZY: dict[str, str] = {
    "AggregateConfig": "framing.aggregate.estimator",
    "AggregateSettings": "framing.aggregate.settings",
    "Calibration": "framing.aggregate.pcc",
    "ErrorRates": "framing.aggregate.correct",
    "FREQS": "framing.aggregate.load",
    "FrameShareEstimator": "framing.aggregate.estimator",
    "LabelledData": "framing.aggregate.load",
    "ShiftSettings": "framing.aggregate.shifts",
    "UNITS": "framing.aggregate.load",
    "acc_point": "framing.aggregate.correct",
    "aggregate": "framing.aggregate.estimator",
    "benjamini_hochberg": "framing.aggregate.stats",
    "changepoint": "framing.aggregate.stats",
    "count_cells": "framing.aggregate.shares",
    "describe_finding": "framing.aggregate.describe",
    "detect_shifts": "framing.aggregate.shifts",
    "distinctive_vocabulary": "framing.aggregate.vocab",
    "frame_shares": "framing.aggregate.shares",
    "group_differences": "framing.aggregate.shifts",
    "iter_documents": "framing.aggregate.load",
    "load_error_rates": "framing.aggregate.correct",
    "load_labelled": "framing.aggregate.load",
    "newcombe_diff_interval": "framing.aggregate.stats",
    "period_of": "framing.aggregate.load",
    "stance_shares": "framing.aggregate.shares",
    "shrunk_acc": "framing.aggregate.correct",
    "summarize_findings": "framing.aggregate.shifts",
    "trend_test": "framing.aggregate.stats",
    "two_proportion_test": "framing.aggregate.stats",
    "weighted_log_odds": "framing.aggregate.stats",
    "wilson_interval": "framing.aggregate.stats",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'framing.aggregate' has no attribute {name!r}")


__all__ = [
    "FREQS",
    "UNITS",
    "AggregateConfig",
    "AggregateSettings",
    "Calibration",
    "ErrorRates",
    "FrameShareEstimator",
    "LabelledData",
    "ShiftSettings",
    "acc_point",
    "aggregate",
    "benjamini_hochberg",
    "changepoint",
    "count_cells",
    "describe_finding",
    "detect_shifts",
    "distinctive_vocabulary",
    "frame_shares",
    "group_differences",
    "iter_documents",
    "load_error_rates",
    "load_labelled",
    "newcombe_diff_interval",
    "period_of",
    "shrunk_acc",
    "stance_shares",
    "summarize_findings",
    "trend_test",
    "two_proportion_test",
    "weighted_log_odds",
    "wilson_interval",
]
