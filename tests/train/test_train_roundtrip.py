"""Training round trips (tiny transformer and TF-IDF), determinism and the model directory."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from train_synth import make_rows

from framing.codebook import Codebook
from framing.errors import FramingError
from framing.train import FrameModel, LabelledData, TrainConfig, evaluate, train

PROBE = ["Leave it to the states in the city.", "Police arrested dozens yesterday.",
         "Tax revenue grew this year.", "On monday some residents spoke."]


def test_model_directory_contents(tiny_model: Path) -> None:
    names = {p.name for p in tiny_model.iterdir()}
    assert {"model.safetensors", "config.json", "framing_model.json", "metrics.json",
            "README.md", "codebook.json"} <= names
    assert names & {"tokenizer.json", "vocab.txt"}
    meta = json.loads((tiny_model / "framing_model.json").read_text())
    assert meta["format_version"] == 1 and meta["method"] == "transformer"
    assert meta["labels"] == ["economic", "enforcement", "federalism"]
    assert set(meta["thresholds"]) == set(meta["labels"])
    assert meta["level"] == "sentence" and meta["pooling"] == "max"
    assert meta["max_length"] == 32 and meta["stride"] == 8
    assert len(meta["data"]["fingerprint"]) == 64 and meta["data"]["n_rows"] == 240
    assert meta["training"]["seed"] == 7 and meta["created"]
    assert meta["fusion"]["method"] == "logistic"
    assert meta["base_model"]["source"] == "local"
    metrics = json.loads((tiny_model / "metrics.json").read_text())
    assert {"classifier", "rules", "fused"} <= set(metrics["test"])
    card = (tiny_model / "README.md").read_text()
    for section in ("## Intended use", "## Data", "## Evaluation", "### Test",
                    "## Limitations", "| economic |"):
        assert section in card


def test_roundtrip_load_predicts_the_training_metrics(tiny_model: Path, synth_dir: Path) -> None:
    fm = FrameModel.load(tiny_model)
    p1 = fm.predict_proba(PROBE)
    assert p1.shape == (4, 3) and np.all((p1 >= 0) & (p1 <= 1))
    # batch size and order do not change the scores
    p2 = fm.predict_proba(PROBE[::-1], batch_size=1)[::-1]
    assert np.allclose(p1, p2, atol=1e-5)
    # the loaded model reproduces the dev/test numbers computed in memory at train time
    metrics = json.loads((tiny_model / "metrics.json").read_text())
    ev = evaluate(synth_dir / "test.jsonl", fm, compare_rules=True)
    assert ev.report["micro_f1"] == metrics["test"]["classifier"]["micro_f1"]
    assert ev.report["per_label"] == metrics["test"]["classifier"]["per_label"]
    assert ev.report["fused"] == metrics["test"]["fused"]


def test_tiny_model_learns_something(tiny_model: Path) -> None:
    metrics = json.loads((tiny_model / "metrics.json").read_text())
    # a constant tagger at its best threshold gets about 0.5 on this data
    assert metrics["test"]["classifier"]["micro_f1"] > 0.6


def test_same_seed_same_model_other_seed_differs(tiny_base: Path, tmp_path: Path) -> None:
    data = LabelledData.from_rows(make_rows(80, 11))
    dev = LabelledData.from_rows(make_rows(30, 12))
    cfg = TrainConfig(base_model=str(tiny_base), epochs=1, lr=3e-3, max_length=32, seed=5)
    outs = []
    for i, seed in enumerate((5, 5, 6)):
        cfg.seed = seed
        res = train(data, tmp_path / f"m{i}", cfg, eval_data=dev, progress=False)
        outs.append(res.model.predict_proba(PROBE))
    assert np.array_equal(outs[0], outs[1])
    assert not np.allclose(outs[0], outs[2])


def test_eval_split_and_codebook_closure(tiny_base: Path, tmp_path: Path,
                                         tiny_codebook: Codebook) -> None:
    rows = [{"text": f"Governors defend states' rights {i}.", "labels": ["fed"]}
            for i in range(12)] + [{"text": f"The price is high {i}.", "labels": ["money"]}
                                   for i in range(12)]
    cfg = TrainConfig(base_model=str(tiny_base), epochs=1, max_length=32, eval_split=0.25,
                      min_positives=2)
    res = train(LabelledData.from_rows(rows), tmp_path / "m", cfg, codebook=tiny_codebook,
                progress=False)
    meta = res.model.meta
    assert meta["labels"] == ["law", "fed", "money"]  # parent added, codebook order
    assert meta["label_closure"] is True and meta["data"]["n_dev"] == 6
    assert res.model.codebook is not None and res.model.codebook.name == "tiny"
    assert (tmp_path / "m" / "codebook.json").is_file()


def test_refuses_to_overwrite_and_checks_data(tiny_base: Path, tmp_path: Path) -> None:
    out = tmp_path / "m"
    out.mkdir()
    (out / "keep.txt").write_text("x")
    data = LabelledData.from_rows(make_rows(20, 1))
    with pytest.raises(FramingError, match=r"\[E409\]"):
        train(data, out, TrainConfig(method="tfidf"), progress=False)
    with pytest.raises(FramingError, match=r"\[E408\]"):
        train(LabelledData(["a", "b", "c", "d", "e"], [[]] * 5), tmp_path / "n",
              TrainConfig(method="tfidf", eval_split=0), progress=False)
    with pytest.raises(FramingError, match=r"\[E405\]"):
        train(data, tmp_path / "o", TrainConfig(base_model=str(tmp_path / "no-such-model")),
              progress=False)
    with pytest.raises(FramingError, match=r"\[E406\].*--pooling"):
        TrainConfig(pooling="median")
    with pytest.raises(FramingError, match=r"\[E406\].*--stride"):
        TrainConfig(max_length=16, stride=16)


def test_tfidf_train_and_evaluate(synth_dir: Path, tmp_path: Path) -> None:
    res = train(synth_dir / "train.jsonl", tmp_path / "tf", TrainConfig(method="tfidf"),
                eval_data=synth_dir / "dev.jsonl", test_data=synth_dir / "test.jsonl",
                progress=False)
    names = {p.name for p in (tmp_path / "tf").iterdir()}
    assert "model.skops" in names and "model.safetensors" not in names
    assert not any(n.endswith((".pkl", ".pickle", ".joblib")) for n in names)
    fm = FrameModel.load(tmp_path / "tf")
    assert fm.method == "tfidf" and fm.labels == ["economic", "enforcement", "federalism"]
    assert fm.predict(["Police arrested dozens yesterday."])[0] == ["enforcement"]
    ev = evaluate(synth_dir / "test.jsonl", fm)
    assert ev.report["micro_f1"] == res.metrics["test"]["classifier"]["micro_f1"] > 0.9
    assert "TF-IDF baseline" in (tmp_path / "tf" / "README.md").read_text()
