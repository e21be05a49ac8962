"""Probabilistic classify-and-count on recalibrated document probabilities (--correction pcc)."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit, logit
from typer.testing import CliRunner

from framing.aggregate import ErrorRates, FrameShareEstimator, aggregate
from framing.aggregate.load import iter_documents, load_labelled
from framing.aggregate.pcc import MIN_CLASS, Calibration, fit_platt
from framing.cli import app
from framing.errors import FramingError

#: true prevalence per outlet x year of two frames
PREV = {("A", 2019): 0.10, ("A", 2020): 0.35, ("B", 2019): 0.45, ("B", 2020): 0.20}
#: the classifier's probabilities are under-confident: logit(p) = SQUASH x logit(true P(gold))
SQUASH = 0.4


def underconfident_docs(n: int, seed: int, prefix: str = "d") -> list[dict[str, Any]]:
    """`framing label`-shaped records with gold labels in meta: for ``enforcement`` each
    document's true probability of using the frame is drawn around its cell's prevalence, the
    gold label from it, and the classifier reports that probability squashed toward 0.5 (the
    default model's under-confidence); ``economic`` is predicted perfectly and scored 0.9/0.1."""
    rng = np.random.default_rng(seed)
    out = []
    for (outlet, year), prev in PREV.items():
        for i in range(n):
            true_p = float(expit(logit(prev) + rng.normal(0, 1.6)))
            gold_enf = bool(rng.random() < true_p)
            reported = float(expit(SQUASH * logit(true_p)))
            gold_eco = bool(rng.random() < 0.3)
            gold = ["enforcement"] * gold_enf + ["economic"] * gold_eco
            pred = ["enforcement"] * (reported > 0.5) + ["economic"] * gold_eco
            out.append({"id": f"{prefix}{outlet}{year}-{i}", "meta": {
                "outlet": outlet, "date": f"{year}-06-01", "labels": gold},
                "frames": {"enforcement": round(reported, 4), "economic": 0.9 if gold_eco
                           else 0.1}, "labels": pred, "primary_frame": None, "stance": [],
                "sentences": [], "model": {"classifier": "synthetic"}})
    return out


def _cell_mae(shares: pd.DataFrame, gold: pd.DataFrame, frame: str) -> float:
    key = ["outlet", "period", "frame"]
    g = gold.set_index(key)["share"]
    e = shares.set_index(key)["share"].reindex(g.index)
    return float((e - g).abs().xs(frame, level="frame").mean())


def test_probabilities_are_read_from_jsonl_and_parquet_alike(
        step_files: tuple[Path, Path], synth: SimpleNamespace, tmp_path: Path) -> None:
    js, pq = step_files
    a = load_labelled(js, by=["outlet"])
    b = load_labelled(pq, by=["outlet"])
    assert a.probs is not None and b.probs is not None
    ids = [d.id for d in iter_documents(js, need_text=False)]
    ids_pq = [d.id for d in iter_documents(pq, need_text=False)]
    assert ids == ids_pq  # both read in file order
    for f in synth.frames:
        pa_, pb = a.probs_of(f), b.probs_of(f)
        assert pa_ is not None and pb is not None
        assert np.isfinite(pa_).all() and set(np.round(pa_.astype(float), 4).tolist()) <= {0.1, 0.9}
        np.testing.assert_allclose(pa_, pb, atol=1e-6)
    # the record path over Parquet (validation samples are read document by document)
    docs = list(iter_documents(pq, labels_from="predicted", need_text=False))
    assert docs[0].probs is not None and set(docs[0].probs) == set(synth.frames)
    # probabilities never add a frame to the counted ones; gold-only input has none
    gold_only = [{"id": "g1", "outlet": "X", "date": "2020-01-01", "labels": ["economic"]}]
    g = load_labelled(gold_only, by=["outlet"])
    assert g.probs is None and g.probs_of("economic") is None
    rec = underconfident_docs(2, 0)[:1]
    rec[0]["frames"]["morality"] = 0.2
    d = load_labelled(rec, by=["outlet"])
    assert "morality" not in d.frames and d.probs_of("morality") is not None
    # sentence unit: no document probabilities
    assert load_labelled(js, by=["outlet"], unit="sentence").probs is None


def test_calibration_recovers_the_true_share_where_raw_pcc_does_not() -> None:
    val = underconfident_docs(75, seed=1, prefix="v")  # 300 validation documents
    held = underconfident_docs(300, seed=2)
    kw: dict[str, Any] = {"by": ["outlet"], "vocab": False, "n_bootstrap": 199}
    gold = FrameShareEstimator(labels_from="gold", **kw).fit(held).shares_
    rates = ErrorRates.from_labelled(val)
    assert rates.calibration is not None
    m = rates.calibration.maps["enforcement"]
    assert m.slope == pytest.approx(1 / SQUASH, rel=0.35)  # the squash is undone
    est = FrameShareEstimator(error_rates=rates, correction="pcc", **kw).fit(held)
    raw = FrameShareEstimator(**kw).fit(held)
    p = raw.data_.probs_of("enforcement")
    assert p is not None
    raw_pcc = raw.shares_.copy()
    cell = pd.DataFrame({"g": raw.data_.group, "t": raw.data_.period, "p": p}).groupby(
        ["g", "t"])["p"].mean()
    enf = raw_pcc["frame"] == "enforcement"
    raw_pcc.loc[enf, "share"] = [cell[(raw.data_.groups["outlet"].tolist().index(o),
                                       raw.data_.periods.index(t))]
                                 for o, t in zip(raw_pcc.loc[enf, "outlet"],
                                                 raw_pcc.loc[enf, "period"], strict=True)]
    err_raw = _cell_mae(raw_pcc, gold, "enforcement")
    err_pcc = _cell_mae(est.shares_, gold, "enforcement")
    assert err_raw > 0.05 and err_pcc < 0.035 and err_pcc < err_raw / 2, (err_raw, err_pcc)
    s = est.shares_[est.shares_["frame"] == "enforcement"]
    assert s["corrected"].all() and s["method"].str.startswith("pcc").all()
    g = gold[gold["frame"] == "enforcement"]["share"].to_numpy()
    covered = (s["ci_low"].to_numpy() <= g) & (g <= s["ci_high"].to_numpy())
    assert covered.sum() >= 3 and (s["ci_low"] <= s["share"]).all()
    assert (s["share"] <= s["ci_high"]).all()
    # shift tests count the calibrated probabilities (effective counts), corrected
    sh = est.shifts_[est.shifts_["frame"] == "enforcement"]
    assert len(sh) and sh["corrected"].all()
    adj = sh[(sh["test"] == "adjacent") & (sh["outlet"] == "A")].iloc[0]
    a = s[s["outlet"] == "A"].set_index("period")["share"]
    assert adj["share_before"] == pytest.approx(a["2019"])
    assert adj["share_after"] == pytest.approx(a["2020"])
    gd = est.group_diffs_.set_index("frame").loc["enforcement"]
    assert gd["corrected"]
    pooled = est.shares_overall_.set_index(["outlet", "frame"])["share"]
    assert gd["diff"] == pytest.approx(pooled[("A", "enforcement")]
                                       - pooled[("B", "enforcement")])


def test_auto_picks_per_frame_and_is_never_worse_than_raw_on_its_check() -> None:
    val = underconfident_docs(75, seed=3, prefix="v")
    rates = ErrorRates.from_labelled(val)
    est = FrameShareEstimator(by=["outlet"], vocab=False, n_bootstrap=199,
                              error_rates=rates).fit(underconfident_docs(100, seed=4))
    corr = est.summary_["correction"]
    # economic is predicted perfectly: nothing beats raw; enforcement's labels are a 0.5 cut of
    # squashed probabilities, which PCC undoes
    assert corr["chosen"] == {"economic": "raw", "enforcement": "pcc"}
    assert "no correction lowered the error" in corr["not_corrected"]["economic"]
    for f, how in corr["chosen"].items():
        cv = corr["cv"][f]
        chosen_err = {"raw": cv["raw"], "acc": cv["corrected"], "pcc": cv.get("pcc")}[how]
        assert chosen_err is not None and chosen_err <= cv["raw"]
    assert corr["pcc"]["available"] and "enforcement" in corr["pcc"]["calibration"]
    assert "probabilistic classify-and-count" in est.summary_["methods"]["correction"]
    # acc never uses the calibration; pcc never the adjusted count
    acc = FrameShareEstimator(by=["outlet"], vocab=False, n_bootstrap=199, error_rates=rates,
                              correction="acc").fit(underconfident_docs(100, seed=4))
    assert "pcc" not in acc.summary_["correction"]["chosen"].values()


def test_refusals_and_fallbacks_say_why(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    p = rng.random(200)
    few = np.zeros(200, bool)
    few[:MIN_CLASS - 1] = True
    m, why = fit_platt(p, few)
    assert m is None and f"{MIN_CLASS - 1} positive" in why and "fewer than 5" in why
    m, why = fit_platt(np.full(200, np.nan), rng.random(200) < 0.5)
    assert m is None and "carry no probability" in why
    # probabilities that carry no signal: a map without slope is not used
    cal = Calibration.fit({"f": np.full(200, 0.5)}, {"f": rng.random(200) < 0.3})
    ok, why = cal.usable("f")
    assert not ok and "do not separate" in why
    # a validation sample without probabilities (older output): no calibration, and
    # --correction pcc is refused with E530; auto falls back to the adjusted count
    val = underconfident_docs(40, seed=5, prefix="v")
    for d in val:
        d["frames"] = {}
    rates = ErrorRates.from_labelled(val)
    assert rates.calibration is None
    held = underconfident_docs(30, seed=6)
    with pytest.raises(FramingError, match=r"\[E530\]"):
        FrameShareEstimator(by=["outlet"], vocab=False, error_rates=rates,
                            correction="pcc").fit(held)
    est = FrameShareEstimator(by=["outlet"], vocab=False, error_rates=rates).fit(held)
    assert not est.summary_["correction"]["pcc"]["available"]
    assert "--validation" in est.summary_["correction"]["pcc"]["why"]
    assert "pcc" not in est.summary_["correction"]["chosen"].values()
    # rates from a file (--error-rates): pcc unavailable, today's behaviour kept
    dev = {"enforcement": {"tp": 80, "fn": 20, "fp": 10, "tn": 190}}
    est = FrameShareEstimator(by=["outlet"], vocab=False, error_rates=dev).fit(held)
    assert est.summary_["correction"]["chosen"]["enforcement"] == "acc"
    assert "needs a labelled validation sample" in est.summary_["correction"]["pcc"]["why"]
    # aggregated documents without probabilities for a calibrated frame: not pcc, and why
    good = ErrorRates.from_labelled(underconfident_docs(75, seed=7, prefix="v"))
    bare = underconfident_docs(30, seed=8)
    bare[0]["frames"] = {"economic": 0.1}
    est = FrameShareEstimator(by=["outlet"], vocab=False, error_rates=good,
                              correction="pcc").fit(bare)
    nc = est.summary_["correction"]["not_corrected"]
    assert "1 of the 120 aggregated documents carry no probability" in nc["enforcement"]
    assert not est.shares_.loc[est.shares_["frame"] == "enforcement", "corrected"].any()


def test_cli_end_to_end_with_validation(synth: SimpleNamespace, tmp_path: Path) -> None:
    val = synth.write_jsonl(underconfident_docs(75, seed=9, prefix="v"), tmp_path / "val.jsonl")
    held_docs = underconfident_docs(150, seed=10)
    held = synth.write_jsonl(held_docs, tmp_path / "held.jsonl")
    before = held.read_bytes()
    out = tmp_path / "agg"
    runner = CliRunner()
    r = runner.invoke(app, ["aggregate", str(held), "--out", str(out), "--correct",
                            "--validation", str(val), "--correction", "pcc", "--no-vocab",
                            "--bootstrap", "199", "-q"])
    assert r.exit_code == 0, r.output
    assert "by pcc" in r.output
    shares = pd.read_csv(out / "shares.csv")
    enf = shares[shares["frame"] == "enforcement"]
    assert enf["corrected"].all() and enf["method"].str.startswith("pcc").all()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["settings"]["correction"] == "pcc"
    assert summary["correction"]["chosen"]["enforcement"] == "pcc"
    assert held.read_bytes() == before
    # the same through Python and with auto
    est = aggregate(held, validation=val, by=["outlet"], vocab=False, n_bootstrap=199)
    assert est.summary_["correction"]["chosen"]["enforcement"] == "pcc"
    # pcc without a validation sample: a numbered error, no traceback
    rates = tmp_path / "rates.json"
    rates.write_text(json.dumps({"enforcement": {"tp": 80, "fn": 20, "fp": 10, "tn": 190}}))
    r = runner.invoke(app, ["aggregate", str(held), "--out", str(tmp_path / "x"), "--correct",
                            "--error-rates", str(rates), "--correction", "pcc", "-q"])
    assert r.exit_code == 2 and "[E530]" in r.output and "Traceback" not in r.output
    r = runner.invoke(app, ["aggregate", str(held), "--out", str(tmp_path / "y"), "--correct",
                            "--error-rates", str(rates), "--no-vocab", "-q"])
    assert r.exit_code == 0 and "pcc needs a labelled validation sample" in r.output
    r = runner.invoke(app, ["aggregate", str(held), "--out", str(tmp_path / "z"),
                            "--correction", "magic", "-q"])
    assert r.exit_code == 2 and "[E502]" in r.output


def test_report_takes_the_validation_sample_too(synth: SimpleNamespace, tmp_path: Path) -> None:
    val = synth.write_jsonl(underconfident_docs(75, seed=9, prefix="v"), tmp_path / "val.jsonl")
    held = synth.write_jsonl(underconfident_docs(150, seed=10), tmp_path / "held.jsonl")
    out = tmp_path / "report"
    r = CliRunner().invoke(app, ["report", str(held), "--out", str(out), "--correct",
                                 "--validation", str(val), "--correction", "pcc"])
    assert r.exit_code == 0, r.output
    summary = json.loads((out / "data" / "summary.json").read_text())
    assert summary["correction"]["chosen"]["enforcement"] == "pcc"
    r = CliRunner().invoke(app, ["report", str(held), "--out", str(tmp_path / "r2"),
                                 "--correct"])
    assert r.exit_code == 2 and "[E502]" in r.output and "--validation" in r.output
