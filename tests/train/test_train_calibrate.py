"""Domain gates (``framing.models.frames.fusion.Gate``) and ``framing calibrate``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from train_synth import make_rows, write_jsonl
from typer.testing import CliRunner

from framing.cli import app
from framing.models.frames import FrameModel
from framing.models.frames.calibrate import calibrate
from framing.models.frames.fusion import Fusion, Gate, fit_gate

runner = CliRunner()


def test_gate_score_crosses_half_exactly_at_the_region_bar() -> None:
    g = Gate(rule_threshold=0.5, strong=0.0, weak=0.6, none=1.01)
    p = np.array([0.01, 0.59, 0.6, 0.99, 0.59, 0.6, 0.99, 0.999])
    r = np.array([0.9, 0.3, 0.3, 0.3, 0.0, 0.0, 0.0, 0.0])
    s = g.score(p, r)
    assert ((s >= 0.5) == (p >= g.bars(r))).all()
    assert s[0] >= 0.5  # strong rule evidence and bar 0: labelled whatever the classifier says
    assert (s[4:] < 0.5).all()  # bar above 1: no rule evidence never labels
    assert ((s >= 0) & (s <= 1)).all()


def test_fit_gate_finds_the_bars_that_separate_the_data() -> None:
    rng = np.random.default_rng(1)
    n = 600
    r = rng.choice([0.0, 0.3, 0.8], size=n)
    p = rng.random(n)
    # truth: strong rules always right; weak rules right when p >= 0.7; no rule: never
    y = (r >= 0.5) | ((r > 0) & (r < 0.5) & (p >= 0.7))
    g = fit_gate(p, r, y, rule_threshold=0.5)
    assert (g.strong, g.weak, g.none) == (0.0, 0.7, 1.01)
    assert g.calibration is not None and g.calibration["f1"] == 1.0
    assert g.calibration["region_sizes"]["none"] == int((r == 0).sum())


def test_fit_gate_beta_below_one_trades_recall_for_precision() -> None:
    """Noisy data: with beta 0.5 the gate flags fewer rows, more precisely, than with F1."""
    rng = np.random.default_rng(2)
    n = 2000
    r = rng.choice([0.0, 0.3, 0.8], size=n, p=[0.6, 0.3, 0.1])
    p = rng.random(n)
    y = rng.random(n) < np.where(r >= 0.5, 0.9, np.clip(p - 0.2, 0, 1) * (0.3 + r))

    def flagged(g: Gate) -> np.ndarray:
        return p >= g.bars(r)

    f1, f05 = fit_gate(p, r, y, 0.5), fit_gate(p, r, y, 0.5, beta=0.5)
    a, b = flagged(f1), flagged(f05)
    assert b.sum() < a.sum()
    assert (y & b).sum() / b.sum() > (y & a).sum() / a.sum()
    assert f05.calibration is not None and f05.calibration["beta"] == 0.5
    assert fit_gate(p, r, y, 0.5, beta=1.0) == f1
    with pytest.raises(ValueError, match="beta"):
        fit_gate(p, r, y, 0.5, beta=0.0)


def test_fusion_with_gates_roundtrips_and_gated_threshold_is_half() -> None:
    fz = Fusion(["a", "b"], {"a": ([1.0, 1.0, 1.0], 0.0), "b": None}, {"a": 0.3, "b": 0.4})
    fz.gates["a"] = Gate(0.5, 0.0, 0.8, 0.95, calibration={"n": 3})
    again = Fusion.from_dict(json.loads(json.dumps(fz.to_dict())), ["a", "b"])
    assert again.gates["a"] == fz.gates["a"]
    assert again.threshold_array().tolist() == [0.5, 0.4]
    p, r = np.array([[0.9, 0.9], [0.9, 0.9]]), np.array([[0.0, 0.0], [0.3, 0.3]])
    assert np.allclose(again.apply(p, r), fz.apply(p, r))
    assert (fz.apply(p, r)[:, 0] >= 0.5).tolist() == [False, True]
    bad = fz.to_dict()
    bad["gates"] = {"zzz": fz.gates["a"].to_dict()}
    with pytest.raises(ValueError):
        Fusion.from_dict(bad, ["a", "b"])


def test_calibrate_writes_gates_card_and_report(tiny_model: Path, tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "domain.jsonl", make_rows(120, 11))
    out = tmp_path / "calibrated"
    rep = calibrate(data, tiny_model, labels=["federalism"], out=out)
    assert set(rep["labels"]) == {"federalism"}
    v = rep["labels"]["federalism"]
    assert set(v) == {"gate", "rules", "before", "after"}
    assert v["after"]["f1"] >= v["before"]["f1"] - 1e-9  # the gate is fitted on these rows
    fm = FrameModel.load(out)
    assert fm.fusion is not None and set(fm.fusion.gates) == {"federalism"}
    assert fm.meta["calibration"]["rows"] == 120
    card = (out / "README.md").read_text(encoding="utf-8")
    assert card.count("## Domain calibration") == 1 and "| federalism |" in card
    calibrate(data, out, labels=["federalism"])  # again, in place: the section is replaced
    assert (out / "README.md").read_text(encoding="utf-8").count("## Domain calibration") == 1
    assert "calibration" not in FrameModel.load(tiny_model).meta  # the source is untouched


def test_calibrate_cli_and_errors(tiny_model: Path, tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "domain.jsonl", make_rows(80, 12))
    res = runner.invoke(app, ["calibrate", str(data), "--model", str(tiny_model),
                              "--out", str(tmp_path / "m"), "--format", "json"])
    assert res.exit_code == 0, res.output
    rep = json.loads(res.output)
    assert rep["rows"] == 80 and rep["labels"] and rep["beta"] == 1.0
    res = runner.invoke(app, ["calibrate", str(data), "--model", str(tiny_model),
                              "--out", str(tmp_path / "mb"), "--beta", "0.5", "-f", "json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["beta"] == 0.5
    assert "F-beta with beta = 0.5 (precision weighted)" in (tmp_path / "mb" / "README.md"
                                                              ).read_text(encoding="utf-8")
    res = runner.invoke(app, ["calibrate", str(data), "--model", str(tiny_model),
                              "--out", str(tmp_path / "m0"), "--beta", "0"])
    assert res.exit_code == 2 and "E412" in res.output and "beta" in res.output
    res = runner.invoke(app, ["calibrate", str(data), "--model", str(tiny_model),
                              "--out", str(tmp_path / "m2"), "-l", "nope"])
    assert res.exit_code == 2 and "E412" in res.output
    few = write_jsonl(tmp_path / "few.jsonl", make_rows(12, 13))
    res = runner.invoke(app, ["calibrate", str(few), "--model", str(tiny_model),
                              "--out", str(tmp_path / "m3"), "-l", "federalism"])
    assert res.exit_code == 2 and "at least 10 positive" in res.output
