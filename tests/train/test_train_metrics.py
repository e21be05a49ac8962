"""Threshold tuning and the multi-label metrics."""

from __future__ import annotations

import numpy as np
import pytest

from framing.models.metrics import (
    FALLBACK_THRESHOLD,
    cooccurrence,
    multilabel_report,
    prf,
    tune_thresholds,
)


def test_tuned_threshold_separates_classes() -> None:
    y = np.array([[1], [1], [1], [1], [1], [0], [0], [0], [0]])
    p = np.array([[.9], [.8], [.3], [.35], [.6], [.2], [.1], [.25], [.05]])
    th = tune_thresholds(y, p)
    assert th.how == ["tuned"]
    t = th.thresholds[0]
    assert 0.25 < t <= 0.3  # the only cut with F1 = 1
    assert prf(y[:, 0], p[:, 0] >= t)[2] == 1.0


def test_fallback_with_too_few_positives() -> None:
    y = np.array([[1, 1]] * 3 + [[0, 1]] * 5 + [[0, 0]] * 4)
    p = np.random.default_rng(0).random(y.shape)
    th = tune_thresholds(y, p, min_positives=5)
    assert th.how == ["fallback", "tuned"]
    assert th.thresholds[0] == FALLBACK_THRESHOLD
    assert tune_thresholds(y, p, min_positives=3).how[0] == "tuned"


def test_ties_prefer_the_value_closest_to_half() -> None:
    y = np.array([[1]] * 5 + [[0]] * 5)
    p = np.array([[0.9]] * 5 + [[0.1]] * 5)  # every cut in (0.1, 0.9] is perfect
    assert tune_thresholds(y, p).thresholds[0] == 0.5


def test_threshold_maximises_f1_over_the_grid() -> None:
    rng = np.random.default_rng(1)
    y = (rng.random((200, 3)) < 0.3).astype(int)
    p = np.clip(y * 0.3 + rng.random((200, 3)) * 0.7, 0, 1)
    th = tune_thresholds(y, p)
    for j in range(3):
        best = max(prf(y[:, j], p[:, j] >= g)[2] for g in np.arange(0.05, 0.96, 0.05))
        assert prf(y[:, j], p[:, j] >= th.thresholds[j])[2] == pytest.approx(best)


def test_shape_mismatch_is_an_error() -> None:
    with pytest.raises(ValueError):
        tune_thresholds(np.zeros((3, 2)), np.zeros((3, 1)))


def test_report_micro_macro_and_support() -> None:
    y = np.array([[1, 0, 0], [1, 1, 0], [0, 1, 0], [0, 0, 0]])
    pred = np.array([[1, 0, 1], [0, 1, 0], [0, 1, 0], [0, 0, 0]])
    rep = multilabel_report(y, pred, ["a", "b", "c"])
    assert set(rep) == {"micro_f1", "macro_f1", "per_label", "n"}
    assert rep["n"] == 4
    assert rep["per_label"]["a"] == {"precision": 1.0, "recall": 0.5, "f1": 0.6667, "support": 2}
    assert rep["per_label"]["b"]["f1"] == 1.0
    assert rep["per_label"]["c"]["support"] == 0
    # micro: tp 3, fp 1, fn 1 -> 0.75; macro over labels with support (a, b)
    assert rep["micro_f1"] == 0.75
    assert rep["macro_f1"] == pytest.approx((0.6667 + 1.0) / 2, abs=1e-4)


def test_cooccurrence_counts_gold_by_predicted() -> None:
    y = np.array([[1, 0], [1, 1], [0, 1]])
    pred = np.array([[1, 1], [0, 1], [0, 1]])
    c = cooccurrence(y, pred)
    assert c.tolist() == [[1, 2], [0, 2]]
