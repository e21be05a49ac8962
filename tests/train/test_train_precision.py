"""Inference precision: ``resolve_precision``, ``FrameModel.undecided`` and the ``mixed`` path
of the ``frame_classifier`` component (bf16, fp32 re-check near thresholds)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from train_synth import make_rows

import framing.pipeline.classifier  # noqa: F401  (registers the factory)
from framing.errors import FramingError
from framing.models import inference as tr
from framing.models.frames import FrameModel
from framing.pipeline import build_nlp


def test_resolve_precision(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(tr.PRECISION_ENV, raising=False)
    monkeypatch.setattr(tr, "bf16_supported", lambda: True)
    assert tr.resolve_precision() == "mixed"  # auto, on a CPU with native bf16
    assert tr.resolve_precision("fp32") == "fp32"
    monkeypatch.setenv(tr.PRECISION_ENV, "bf16")
    assert tr.resolve_precision() == "bf16"
    monkeypatch.setattr(tr, "bf16_supported", lambda: False)
    assert tr.resolve_precision() == "fp32"  # emulated bf16 would be slower
    assert tr.resolve_precision("auto") == "fp32"
    with pytest.raises(FramingError, match=r"\[E406\]"):
        tr.resolve_precision("fp8")


def test_mixed_margin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(tr.MARGIN_ENV, raising=False)
    assert tr.mixed_margin() == tr.MIXED_MARGIN
    monkeypatch.setenv(tr.MARGIN_ENV, "0.5")
    assert tr.mixed_margin() == 0.5
    for bad in ("-1", "x", "99"):
        monkeypatch.setenv(tr.MARGIN_ENV, bad)
        with pytest.raises(FramingError, match=r"\[E406\]"):
            tr.mixed_margin()


def test_undecided_flags_rows_near_a_threshold(tiny_model: Path) -> None:
    fm = FrameModel.load(tiny_model)
    k = len(fm.labels)
    far = np.full((1, k), 1e-4)
    near_clf = far.copy()
    near_clf[0, 0] = fm.thresholds[0]  # exactly at the classifier threshold
    r = np.zeros((2, k))
    und = fm.undecided(np.vstack([far, near_clf]), r, margin=0.1)
    assert und.tolist() == [False, True]
    assert not fm.undecided(np.vstack([far, near_clf]), r, margin=0.0).any()
    # a fused threshold: find p where the fused score crosses it, for label 0 with no rules
    grid = np.linspace(0.001, 0.999, 999)
    fz = fm.fuse(np.tile(grid.reshape(-1, 1), (1, k)), np.zeros((999, k)))[:, 0]
    cross = int(np.argmax(fz >= fm.fused_thresholds[0]))
    if cross > 0:
        row = far.copy()
        row[0, 0] = grid[cross]
        assert fm.undecided(row, np.zeros((1, k)), margin=0.1)[0]


def test_mixed_gives_the_labels_of_fp32(tiny_model: Path) -> None:
    texts = [r["text"] for r in make_rows(60, 21)]
    out = {}
    for prec in ("fp32", "mixed"):
        nlp = build_nlp()
        clf = nlp.add_pipe("frame_classifier", config={"model": str(tiny_model)})
        fm = clf.model
        fm.precision = prec  # forced: bf16 autocast runs (slowly) on CPUs without native bf16
        docs = list(nlp.pipe(texts))
        fused = np.array([[s[lab] for lab in fm.labels] for d in docs
                          for s in d._.fused_sentence_scores])
        raw = np.array([[s[lab] for lab in fm.labels] for d in docs
                        for s in d._.clf_sentence_scores])
        out[prec] = (fused >= fm.fused_thresholds, raw >= fm.thresholds, raw)
        if prec == "mixed":
            assert clf.scored == len(raw) and 0 <= clf.rechecked <= clf.scored
    assert np.array_equal(out["mixed"][0], out["fp32"][0])
    assert np.array_equal(out["mixed"][1], out["fp32"][1])
    assert np.abs(out["mixed"][2] - out["fp32"][2]).max() < 0.05  # bf16 where not re-checked
