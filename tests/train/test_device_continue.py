"""--device (framing.models.device) and framing train --continue (framing.annotate.retrain).

The GPU smoke test runs only where torch sees a CUDA GPU."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from framing.cli import app
from framing.errors import FramingError
from framing.models import device as dv

runner = CliRunner()
HAS_CUDA = torch.cuda.is_available()


@pytest.fixture(autouse=True)
def _device_restored() -> Iterator[None]:
    saved = os.environ.get(dv.DEVICE_ENV)
    yield
    dv._chosen = None
    if saved is None:
        os.environ.pop(dv.DEVICE_ENV, None)
    else:
        os.environ[dv.DEVICE_ENV] = saved


def test_resolve_device() -> None:
    assert dv.resolve_device("cpu") == "cpu"
    assert dv.resolve_device("auto") == ("cuda" if HAS_CUDA else dv.resolve_device(None))
    with pytest.raises(FramingError, match=r"\[E869\].*'tpu'"):
        dv.resolve_device("tpu")
    assert dv.set_device("auto") == "auto" and os.environ[dv.DEVICE_ENV] == "auto"
    assert dv.current_device() == dv.resolve_device("auto")
    assert dv.set_device("CPU") == "cpu" and dv.current_device() == "cpu"
    assert os.environ[dv.DEVICE_ENV] == "cpu"  # workers inherit it


@pytest.mark.skipif(HAS_CUDA, reason="this machine has a CUDA GPU")
def test_absent_gpu_is_an_error_not_a_fallback() -> None:
    with pytest.raises(FramingError, match=r"\[E869\] Cannot run on device 'cuda'.*no CUDA"):
        dv.resolve_device("cuda")
    r = runner.invoke(app, ["score", "--text", "Leave it to the states.", "--rules-only",
                            "--device", "cuda"])
    assert r.exit_code == 2 and "[E869]" in r.output


def test_train_and_evaluate_on_cpu_device(tiny_base: Path, synth_dir: Path,
                                          tmp_path: Path) -> None:
    out = tmp_path / "m"
    r = runner.invoke(app, ["train", str(synth_dir / "train.jsonl"), "--out", str(out),
                            "--base-model", str(tiny_base), "--epochs", "1", "--max-length",
                            "32", "--quiet", "--device", "cpu"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["evaluate", str(synth_dir / "test.jsonl"), "--model", str(out),
                            "--format", "json", "--device", "cpu"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["n"] == 60


@pytest.mark.skipif(not HAS_CUDA, reason="needs a CUDA GPU")
def test_gpu_smoke(tiny_base: Path, synth_dir: Path, tmp_path: Path) -> None:
    """Train and predict on the GPU; the saved model gives the same probabilities on the CPU
    (bf16 autocast on the GPU: within 0.05)."""
    from framing.models import train
    from framing.models.frames import FrameModel, FrameSettings

    dv.set_device("cuda")
    cfg = FrameSettings(base_model=str(tiny_base), epochs=2, lr=3e-3, batch_size=16,
                        max_length=32, seed=7, patience=0, head_lr_scale=1.0)
    res = train("frames", synth_dir / "train.jsonl", tmp_path / "gpu", cfg,
                eval_data=synth_dir / "dev.jsonl", progress=False)
    texts = [json.loads(line)["text"] for line in
             (synth_dir / "test.jsonl").read_text().splitlines()]
    gpu = FrameModel.load(res.path)
    p_gpu = gpu.predict_proba(texts)
    assert next(gpu.model.parameters()).device.type == "cuda"
    dv.set_device("cpu")
    p_cpu = FrameModel.load(res.path).predict_proba(texts)
    assert np.abs(p_gpu - p_cpu).max() < 0.05
    assert res.metrics["dev"]["micro_f1"] > 0.5 if "dev" in res.metrics else True


# ----- --continue ---------------------------------------------------------------------------
def _classifier(path: Path) -> np.ndarray:
    from safetensors.numpy import load_file

    w = load_file(str(path / "model.safetensors"))
    return w["classifier.weight"]


def test_continue_starts_from_the_model(tiny_model: Path, synth_dir: Path,
                                        tmp_path: Path) -> None:
    before = _classifier(tiny_model)
    out = tmp_path / "cont"
    # a learning rate too small to move anything: the result is the model it started from
    r = runner.invoke(app, ["train", str(synth_dir / "dev.jsonl"), "--continue",
                            str(tiny_model), "--out", str(out), "--epochs", "1", "--lr",
                            "1e-12", "--quiet", "--device", "cpu"])
    assert r.exit_code == 0, r.output
    assert "continued from" in r.output
    assert np.allclose(_classifier(out), before, atol=1e-6)
    meta = json.loads((out / "framing_model.json").read_text())
    old = json.loads((tiny_model / "framing_model.json").read_text())
    assert meta["labels"] == old["labels"] and meta["max_length"] == old["max_length"]
    assert meta["continued_from"]["path"] == str(tiny_model.resolve())
    assert meta["base_model"]["name"] == str(tiny_model.resolve())
    # a real step moves it, and the model still works
    out2 = tmp_path / "cont2"
    r = runner.invoke(app, ["train", str(synth_dir / "dev.jsonl"), "--continue",
                            str(tiny_model), "--out", str(out2), "--epochs", "1", "--lr",
                            "3e-3", "--quiet"])
    assert r.exit_code == 0, r.output
    assert not np.allclose(_classifier(out2), before, atol=1e-4)
    r = runner.invoke(app, ["evaluate", str(synth_dir / "test.jsonl"), "-m", str(out2),
                            "-f", "json"])
    assert r.exit_code == 0 and json.loads(r.stdout)["micro_f1"] > 0


def test_continue_refuses_what_it_cannot_continue(tiny_model: Path, synth_dir: Path,
                                                  tmp_path: Path) -> None:
    rows = [json.loads(line) for line in (synth_dir / "dev.jsonl").read_text().splitlines()]
    one_frame = tmp_path / "one.jsonl"
    one_frame.write_text("".join(json.dumps({"text": r["text"], "labels": [
        lab for lab in r["labels"] if lab == "economic"]}) + "\n" for r in rows))
    cases = [
        ([str(one_frame)], "no example of enforcement, federalism"),
        ([str(synth_dir / "dev.jsonl"), "--level", "document"], "--level document differs"),
        ([str(synth_dir / "dev.jsonl"), "--method", "tfidf"], "--method tfidf"),
        ([str(synth_dir / "dev.jsonl"), "--task", "stance"], "fine-tunes frame models"),
    ]
    for args, msg in cases:
        r = runner.invoke(app, ["train", *args, "--continue", str(tiny_model), "--out",
                                str(tmp_path / "x"), "--quiet"])
        assert r.exit_code == 2 and "[E870]" in r.output and msg in r.output, r.output
        assert not (tmp_path / "x").exists()
    tfidf = tmp_path / "tfidf"
    r = runner.invoke(app, ["train", str(synth_dir / "dev.jsonl"), "--method", "tfidf",
                            "--out", str(tfidf), "--quiet"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["train", str(synth_dir / "dev.jsonl"), "--continue", str(tfidf),
                            "--out", str(tmp_path / "y"), "--quiet"])
    assert r.exit_code == 2 and "[E870]" in r.output and "no network" in r.output
