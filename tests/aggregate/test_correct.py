"""Correction for classifier error: adjusted classify-and-count with propagated uncertainty."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from framing.aggregate import ErrorRates, FrameShareEstimator, acc_point, load_error_rates
from framing.errors import FramingError

TRUE = {"economic": 0.30, "enforcement": 0.10, "health_and_safety": 0.55}
RATES = {"economic": (0.80, 0.10), "enforcement": (0.70, 0.15), "health_and_safety": (0.85, 0.20)}


def noisy_docs(seed: int = 0) -> tuple[list[dict[str, Any]], dict[str, dict[str, int]]]:
    """Gold labels at known prevalence, predictions flipped with known tpr/fpr, and dev
    confusion counts drawn with the same rates."""
    rng = np.random.default_rng(seed)
    docs = []
    for g, shift in (("A", 0.0), ("B", 0.1)):
        for y in range(2018, 2022):
            for i in range(300):
                pred = []
                for f, p in TRUE.items():
                    gold = rng.random() < min(p + shift, 1)
                    tpr, fpr = RATES[f]
                    if rng.random() < (tpr if gold else fpr):
                        pred.append(f)
                docs.append({"id": f"{g}{y}{i}", "meta": {"outlet": g, "date": f"{y}-05-01"},
                             "frames": {f: 0.5 for f in TRUE}, "labels": pred,
                             "primary_frame": None, "stance": [], "sentences": [],
                             "model": {"classifier": "noisy"}})
    dev: dict[str, dict[str, int]] = {}
    for f, (tpr, fpr) in RATES.items():
        tp = int(rng.binomial(400, tpr))
        fp = int(rng.binomial(1600, fpr))
        dev[f] = {"tp": tp, "fn": 400 - tp, "fp": fp, "tn": 1600 - fp}
    return docs, dev


def test_acc_point_inverts_the_error_model() -> None:
    q = 0.10 + (0.80 - 0.10) * 0.30
    assert float(acc_point(q, 0.80, 0.10)) == pytest.approx(0.30)
    assert float(acc_point(0.05, 0.80, 0.10)) == 0.0  # clipped
    assert np.isnan(acc_point(0.5, 0.3, 0.3))


def test_correction_moves_estimates_toward_truth() -> None:
    docs, dev = noisy_docs()
    raw = FrameShareEstimator(by=["outlet"], vocab=False).fit(docs)
    cor = FrameShareEstimator(by=["outlet"], vocab=False, error_rates=dev,
                              n_bootstrap=499).fit(docs)
    truth = {("A", f): p for f, p in TRUE.items()} | {("B", f): p + 0.1 for f, p in TRUE.items()}
    r = raw.shares_overall_.set_index(["outlet", "frame"])
    c = cor.shares_overall_.set_index(["outlet", "frame"])
    err_raw = np.mean([abs(r.loc[k, "share"] - v) for k, v in truth.items()])
    err_cor = np.mean([abs(c.loc[k, "share"] - v) for k, v in truth.items()])
    # expected raw bias: economic +0.01, enforcement +0.105, health +0.0075 (mean ~0.04)
    assert err_raw > 0.035 and err_cor < err_raw / 2
    assert c["corrected"].all() and c["method"].str.startswith("acc").all()
    assert (c["share_raw"] == r["share"]).all()
    # intervals carry both sources of error, and cover the truth in (nearly) every cell
    per = cor.shares_.copy()
    per["truth"] = [truth[(o, f)] for o, f in zip(per["outlet"], per["frame"], strict=True)]
    covered = (per["ci_low"] <= per["truth"]) & (per["truth"] <= per["ci_high"])
    assert covered.mean() >= 0.85
    wil = raw.shares_
    assert ((per["ci_high"] - per["ci_low"]).to_numpy()
            > (wil["ci_high"] - wil["ci_low"]).to_numpy()).all()


def test_corrected_shifts_report_corrected_effects() -> None:
    docs, dev = noisy_docs(1)
    cor = FrameShareEstimator(by=["outlet"], vocab=False, error_rates=dev).fit(docs)
    gd = cor.group_diffs_.set_index("frame")
    # B is 10 points above A in truth; the classifier shrinks that to (tpr - fpr) x 10 points
    assert gd.loc["economic", "corrected"]
    assert gd.loc["economic", "diff"] == pytest.approx(-0.10, abs=0.04)
    assert set(cor.summary_["correction"]["corrected"]) == set(TRUE)


def test_labels_without_usable_rates_stay_uncorrected() -> None:
    docs, dev = noisy_docs()
    dev["enforcement"] = {"tp": 10, "fn": 90, "fp": 100, "tn": 900}  # tpr 0.1 == fpr 0.1
    del dev["economic"]
    est = FrameShareEstimator(by=["outlet"], vocab=False, error_rates=dev).fit(docs)
    corrected = est.shares_.groupby("frame")["corrected"].all()
    assert corrected.to_dict() == {"economic": False, "enforcement": False,
                                   "health_and_safety": True}
    nc = est.summary_["correction"]["not_corrected"]
    assert "no error rates" in nc["economic"] and "barely above" in nc["enforcement"]


def test_error_rate_files_and_model_dirs(tmp_path: Path) -> None:
    rates = {"federalism": {"tp": 8, "fp": 1, "fn": 2, "tn": 89}}
    f = tmp_path / "rates.json"
    f.write_text(json.dumps({"document": rates, "sentence": rates}))
    er = load_error_rates(error_rates=f, unit="sentence")
    assert er.level == "sentence" and er.tpr("federalism") == pytest.approx(0.8)
    model = tmp_path / "model"
    model.mkdir()
    (model / "metrics.json").write_text(json.dumps({"dev": {"error_rates": rates}}))
    assert load_error_rates(model=model).fpr("federalism") == pytest.approx(1 / 90)
    # a dev report from `framing train` (precision/recall/support) is enough to derive counts
    derived = tmp_path / "derived"
    derived.mkdir()
    (derived / "framing_model.json").write_text(json.dumps({"level": "document"}))
    (derived / "metrics.json").write_text(json.dumps({"dev": {"classifier": {
        "n": 100, "per_label": {"federalism": {"precision": 0.8, "recall": 0.8, "support": 10},
                                "economic": {"precision": 0.0, "recall": 0.0,
                                             "support": 5}}}}}))
    d = load_error_rates(model=derived, unit="document")
    assert d.counts["federalism"] == {"tp": 8, "fn": 2, "fp": 2, "tn": 88}
    assert "economic" not in d.counts and d.notes
    with pytest.raises(FramingError, match=r"\[E504\].*sentence"):
        load_error_rates(model=derived, unit="sentence")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"federalism": {"tp": 1}}))
    with pytest.raises(FramingError, match=r"\[E503\].*tp, fp, fn and tn"):
        load_error_rates(error_rates=bad)
    with pytest.raises(FramingError, match=r"\[E504\]"):
        load_error_rates(model=tmp_path)
    assert ErrorRates.from_dict({"error_rates": rates}).usable("federalism")[0]


# ----------------------------------------------------------------------------------------------
# held-out labelled collections: --correct lowers the error against gold, or is not applied
# ----------------------------------------------------------------------------------------------
COLLECTION = Path(__file__).resolve().parents[2] / "corpora" / "collection" / "collection.jsonl"


def _simulate(rows: list[dict[str, Any]], seed: int) -> list[dict[str, Any]]:
    """`framing label` output of the annotated collection by a poor classifier like the one in
    issue 18: two frames never predicted, the commonest predicted almost everywhere, the rest
    noisy; gold labels kept in meta, as ingest does."""
    rng = np.random.default_rng(seed)
    frames = sorted({f for r in rows for f in r["labels"]})
    common = max(frames, key=lambda f: sum(f in r["labels"] for r in rows))
    never = [f for f in frames if f != common][:2]
    rates = {f: (float(rng.uniform(0.55, 0.85)), float(rng.uniform(0.05, 0.25)))
             for f in frames}
    rates.update({f: (0.0, 0.0) for f in never})
    rates[common] = (0.99, 0.9)
    out = []
    for r in rows:
        pred = [f for f in frames
                if rng.random() < (rates[f][0] if f in r["labels"] else rates[f][1])]
        out.append({"id": r["id"], "meta": {"outlet": r["outlet"], "issue": r["issue"],
                                            "date": r["date"], "labels": r["labels"]},
                    "frames": {f: 0.5 for f in frames}, "labels": pred,
                    "primary_frame": None, "stance": [], "sentences": [],
                    "model": {"classifier": "simulated"}})
    return out


def _cell_errors(est: FrameShareEstimator, gold: FrameShareEstimator) -> pd.Series:
    key = ["outlet", "period", "frame"]
    g = gold.shares_.set_index(key)["share"]
    e = est.shares_.set_index(key)["share"].reindex(g.index)
    assert e.notna().all()  # every gold cell has an estimate (no missing rows)
    return (e - g).abs()


@pytest.mark.skipif(not COLLECTION.is_file(), reason="corpora/collection not built")
@pytest.mark.parametrize("n_val", [150, 400])
def test_correct_lowers_error_on_held_out_collection_or_is_not_applied(
        tmp_path: Path, n_val: int, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [json.loads(line) for line in COLLECTION.open(encoding="utf-8")]
    labelled = _simulate(rows, seed=n_val)
    order = np.random.default_rng(7).permutation(len(rows))
    val = [labelled[i] for i in order[:n_val]]
    held = [labelled[i] for i in order[n_val:]]
    by = {"by": ["outlet"], "freq": "year", "vocab": False, "n_bootstrap": 199}
    gold = FrameShareEstimator(labels_from="gold", **by).fit(held)
    raw = FrameShareEstimator(**by).fit(held)
    rates = ErrorRates.from_labelled(val)
    cor = FrameShareEstimator(error_rates=rates, **by).fit(held)
    # what --correct did before: plain adjusted counts from a dev split of the same sample
    dev = ErrorRates.from_labelled(val[: n_val // 4], folds=2)
    dev.cv.clear()
    old = FrameShareEstimator(error_rates=dev, correction="acc", **by).fit(held)
    e_raw, e_cor, e_old = (_cell_errors(x, gold) for x in (raw, cor, old))
    with capsys.disabled():
        print(f"\nheld-out collection ({len(held)} docs, outlet x year x frame cells "
              f"{len(e_raw)}), validation sample {n_val}: MAE raw {e_raw.mean():.3f}, "
              f"--correct {e_cor.mean():.3f}, plain acc on a {n_val // 4}-document dev split "
              f"{e_old.mean():.3f}; corrected {len(cor.summary_['correction']['corrected'])} "
              f"labels, not corrected {sorted(cor.summary_['correction']['not_corrected'])}")
    assert e_cor.mean() < e_raw.mean()
    per = pd.DataFrame({"raw": e_raw, "cor": e_cor}).groupby(level="frame").mean()
    done = set(cor.summary_["correction"]["corrected"])
    # each corrected label is better, or at worst within noise of its raw share
    assert (per.loc[sorted(done), "cor"] <= per.loc[sorted(done), "raw"] + 0.01).all(), per
    # the never-predicted labels cannot be inverted, and say so
    nc = cor.summary_["correction"]["not_corrected"]
    assert sum("barely above" in v or "no positives" in v or "separate" in v
               for v in nc.values()) >= 2, nc
    # cells of never-predicted frames are rows with share 0, not missing
    assert (raw.shares_.groupby("frame")["k"].sum() == 0).sum() >= 2
