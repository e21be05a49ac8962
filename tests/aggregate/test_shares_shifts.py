"""Share tables, sentence-unit intervals, shift detection and group differences."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest

from framing.aggregate import (
    FrameShareEstimator,
    ShiftSettings,
    benjamini_hochberg,
    detect_shifts,
    frame_shares,
    group_differences,
    load_labelled,
    stance_shares,
    summarize_findings,
    wilson_interval,
)
from framing.errors import FramingError


def test_document_shares_have_wilson_intervals(step_files: tuple[Path, Path]) -> None:
    data = load_labelled(step_files[1], by=["outlet"])
    t = frame_shares(data)
    assert set(t.columns) >= {"outlet", "period", "frame", "n", "k", "share", "ci_low",
                              "ci_high", "method", "corrected"}
    row = t[(t.outlet == "A") & (t.period == "2016") & (t.frame == "enforcement")].iloc[0]
    lo, hi = wilson_interval(row.k, row.n)
    assert row.n == 40 and row.share == pytest.approx(row.k / 40)
    assert (row.ci_low, row.ci_high) == pytest.approx((float(lo), float(hi)))
    assert (t["method"] == "wilson").all() and not t["corrected"].any()


def test_sentence_unit_uses_a_cluster_bootstrap(step_docs: list[dict[str, Any]]) -> None:
    data = load_labelled(step_docs, by=["outlet"], unit="sentence")
    t = frame_shares(data, n_bootstrap=299)
    assert t["method"].str.startswith("cluster bootstrap").all()
    row = t[(t.outlet == "A") & (t.period == "2016") & (t.frame == "enforcement")].iloc[0]
    assert row.n > row.n_docs == 40
    assert row.ci_low <= row.share <= row.ci_high


def test_cluster_bootstrap_widens_for_clustered_sentences() -> None:
    # a document uses the frame in all 5 of its sentences or in none: 30 independent units,
    # not 150, and the interval must say so
    docs = []
    for i in range(30):
        lab = ["economic"] if i < 12 else []
        docs.append({"id": str(i), "outlet": "X", "date": "2020-01-01", "labels": lab,
                     "text": "A b c. " * 5,
                     "sentences": [{"start": 7 * j, "end": 7 * j + 6, "labels": lab}
                                   for j in range(5)]})
    data = load_labelled(docs, by=["outlet"], unit="sentence")
    row = frame_shares(data, n_bootstrap=999).iloc[0]
    assert (row.n, row.k, row.n_docs) == (150, 60, 30)
    naive_lo, naive_hi = wilson_interval(60, 150)
    doc_lo, doc_hi = wilson_interval(12, 30)
    width = row.ci_high - row.ci_low
    assert width > 1.6 * (float(naive_hi) - float(naive_lo))
    assert width == pytest.approx(float(doc_hi) - float(doc_lo), rel=0.25)


def test_stance_shares(step_docs: list[dict[str, Any]]) -> None:
    st = stance_shares(load_labelled(step_docs, by=["outlet"]))
    fav = st[(st.outlet == "A") & (st.label == "favor")].set_index("period")["share"]
    assert fav["2016"] < 0.5 < fav["2021"]
    sums = st.groupby(["outlet", "period", "target"])["share"].sum()
    assert np.allclose(sums, 1.0)


def test_planted_step_is_found_and_flat_series_is_quiet(step_files: tuple[Path, Path]) -> None:
    data = load_labelled(step_files[1], by=["outlet"])
    shifts = detect_shifts(data)
    assert {"adjacent", "changepoint", "trend"} <= set(shifts["test"])
    sig = shifts[shifts.significant]
    # sustained shifts (series-level tests) only where planted; B is flat
    assert set(sig.loc[sig.test != "adjacent", "outlet"]) == {"A"}
    assert set(summarize_findings(shifts, data.by)["outlet"]) == {"A"}
    cp = sig[(sig.test == "changepoint") & (sig.frame == "enforcement")].iloc[0]
    assert (cp.period_before, cp.period_after, cp.direction) == ("2018", "2019", "down")
    assert cp.diff_low < cp["diff"] < cp.diff_high < 0
    assert cp.q_value < 0.05 and cp.log_or < 0
    # the stance change of outlet A from 2020 is found too
    st = sig[(sig.measure == "stance") & (sig.label == "favor") & (sig.test == "changepoint")]
    assert st.iloc[0].period_after == "2020"
    # q-values are BH over the testable rows only
    fam = shifts[shifts.testable]
    assert shifts.loc[~shifts.testable, "q_value"].isna().all()
    assert fam["q_value"].notna().all()


def test_min_effect_and_user_split(step_files: tuple[Path, Path]) -> None:
    data = load_labelled(step_files[1], by=["outlet"])
    strict = detect_shifts(data, ShiftSettings(min_effect=0.9))
    assert not strict["significant"].any()
    ba = detect_shifts(data, ShiftSettings(split_at=("2019-01-01",)))
    row = ba[(ba.test == "before_after") & (ba.outlet == "A") & (ba.frame == "enforcement")]
    assert row.iloc[0].period_after == "2019" and row.iloc[0].significant
    with pytest.raises(FramingError, match=r"\[E502\]"):
        ShiftSettings(alpha=2)


def test_findings_pick_one_test_per_shift(step_files: tuple[Path, Path]) -> None:
    data = load_labelled(step_files[1], by=["outlet"])
    f = summarize_findings(detect_shifts(data), data.by)
    enf = f[(f.measure == "frame") & (f.frame == "enforcement")]
    assert len(enf) == 1 and enf.iloc[0].pattern == "step"


def test_group_differences(step_files: tuple[Path, Path]) -> None:
    data = load_labelled(step_files[1], by=["outlet"])
    gd = group_differences(data)
    row = gd[(gd.measure == "frame") & (gd.frame == "economic")].iloc[0]
    assert (row.outlet_a, row.outlet_b) == ("A", "B")
    assert row.diff_low < row["diff"] < row.diff_high and not row.significant
    assert gd["q_value"].between(0, 1).all()


def test_group_differences_pair_within_the_other_keys(synth: SimpleNamespace) -> None:
    docs = synth.make_docs({"A": lambda y: {"economic": 0.8}, "B": lambda y: {"economic": 0.2}},
                     range(2020, 2022), 30, seed=4)
    for d in docs[::2]:
        d["meta"]["issue"] = "guns"
    gd = group_differences(load_labelled(docs, by=["outlet", "issue"]))
    assert (gd["issue_a"] == gd["issue_b"]).all()
    assert (gd["outlet_a"] != gd["outlet_b"]).all()
    eco = gd[gd.frame == "economic"]
    assert eco["significant"].all() and (eco["diff"] > 0.4).all()


def test_estimator_api(step_docs: list[dict[str, Any]], tmp_path: Path) -> None:
    est = FrameShareEstimator(by=["outlet"], freq="year", n_bootstrap=199)
    assert est.get_params()["freq"] == "year"
    assert est.fit(iter(step_docs)) is est
    assert isinstance(est.shares_, pd.DataFrame) and est.n_documents_ == 640
    assert est.periods_[0] == "2015" and "enforcement" in est.frames_
    assert est.findings_["description"].str.contains("enforcement framing").any()
    assert len(est.vocab_) and "frame" in set(est.vocab_["scope"])
    paths = est.save(tmp_path / "agg")
    assert all(p.exists() for p in paths.values())
    back = pd.read_parquet(paths["shares.parquet"])
    assert len(back) == len(est.shares_)
    with pytest.raises(FramingError, match=r"\[E502\]"):
        FrameShareEstimator(unit="paragraph").fit(step_docs)


def test_one_settings_object_for_cli_and_python(step_files: tuple[Path, Path],
                                                tmp_path: Path) -> None:
    """The CLI builds the same checked AggregateSettings the Python API resolves: its
    summary.json settings equal the defaults of the settings object, with the CLI's values."""
    from typer.testing import CliRunner

    from framing.aggregate.settings import AggregateSettings
    from framing.cli import app

    r = CliRunner().invoke(app, ["aggregate", str(step_files[1]), "--out", str(tmp_path / "a"),
                                 "--alpha", "0.1", "--no-vocab", "--bootstrap", "199"])
    assert r.exit_code == 0, r.output
    saved = json.loads((tmp_path / "a" / "summary.json").read_text())["settings"]
    want = AggregateSettings(alpha=0.1, vocab=False, n_bootstrap=199).to_dict()
    assert saved == json.loads(json.dumps(want))
    est = FrameShareEstimator(AggregateSettings(alpha=0.1), vocab=False, n_bootstrap=199)
    assert {k: v for k, v in est.get_params().items() if k != "error_rates"} == want
    for bad in ({"alpha": 1.5}, {"family": "every"}, {"min_use": 0.7}, {"n_bootstrap": 10},
                {"n_bootstrap": 199.5}, {"correction": "magic"}, {"bootstraps": 199}):
        with pytest.raises(FramingError, match=r"\[E502\]"):
            AggregateSettings.resolve(**bad)
    r = CliRunner().invoke(app, ["aggregate", str(step_files[1]), "--out", str(tmp_path / "b"),
                                 "--alpha", "3"])
    assert r.exit_code == 2 and "[E502]" in r.output and "Traceback" not in r.output


def _noise(y: int) -> dict[str, float]:
    """Flat series: the same frame shares every year."""
    return {"economic": 0.4, "health_and_safety": 0.3, "crime_and_punishment": 0.5}


def test_shift_family_screens_series_before_tests(synth: Any) -> None:
    """Many flat noise series next to one real step: one BH pass over every test can bury the
    step, the hierarchical family (series first) finds it and reports nothing else; a frame a
    group barely uses is not in the family at all."""
    groups: dict[str, Any] = {f"flat{i:02d}": _noise for i in range(40)}
    groups["step"] = lambda y: {"enforcement": 0.6 if y < 2019 else 0.3, "economic": 0.02}
    # one seeded draw (over seeds 0-7 the hierarchical family found the step 6 times, one BH
    # pass over all tests 4 times; each had a noise series significant once or twice)
    docs = synth.make_docs(groups, range(2015, 2023), 25, seed=1)
    data = load_labelled(docs, by=["outlet"])
    hier = detect_shifts(data, ShiftSettings())
    flat = detect_shifts(data, ShiftSettings(family="all", min_use=0.0))
    assert {"in_family", "q_series", "pooled_share"} <= set(hier.columns)
    step = hier[(hier.outlet == "step") & (hier.frame == "enforcement")]
    assert step[step.test == "changepoint"].significant.all()
    assert not hier[hier.outlet != "step"].significant.any()
    rare = hier[(hier.outlet == "step") & (hier.frame == "economic")]
    assert len(rare) == 0 or not rare.in_family.any()
    assert hier.in_family.sum() < flat.in_family.sum()
    fs = flat[(flat.outlet == "step") & (flat.frame == "enforcement")]
    assert not fs.significant.any()  # buried by the noise series
    q_h = float(step[step.test == "changepoint"].q_value.iloc[0])
    assert q_h < 0.05 < float(fs[fs.test == "changepoint"].q_value.iloc[0])


def test_confirmatory_family_is_adjusted_apart(synth: Any) -> None:
    """A weak step in a frame named before looking (--confirm) is adjusted only against the
    named series; the exploratory rest is adjusted on its own; an unknown name is an error."""
    groups: dict[str, Any] = {f"flat{i:02d}": _noise for i in range(40)}
    groups["step"] = lambda y: {"enforcement": 0.5 if y < 2019 else 0.25, "economic": 0.4}
    docs = synth.make_docs(groups, range(2015, 2023), 20, seed=3)
    data = load_labelled(docs, by=["outlet"])
    plain = detect_shifts(data, ShiftSettings())
    named = detect_shifts(data, ShiftSettings(confirm=("enforcement",)))
    assert set(plain.family) == {"all"}
    assert set(named.family) == {"confirmatory", "exploratory"}
    conf = named[named.family == "confirmatory"]
    assert set(conf.frame) == {"enforcement"} and set(conf.outlet) == {"step"}
    cp = named[(named.frame == "enforcement") & (named.test == "changepoint")]
    cp0 = plain[(plain.frame == "enforcement") & (plain.test == "changepoint")]
    # the same p-value, a smaller q: one named series instead of ~120 in the screen
    assert float(cp.p_value.iloc[0]) == float(cp0.p_value.iloc[0])
    assert float(cp.q_value.iloc[0]) < float(cp0.q_value.iloc[0])
    # the exploratory rest keeps its q-values (adjusted among themselves) and stays quiet
    expl = named[(named.family == "exploratory") & named.in_family]
    assert len(expl) and expl.q_value.notna().all() and not expl.significant.any()
    with pytest.raises(FramingError, match="E502"):
        detect_shifts(data, ShiftSettings(confirm=("enforcment",)))


@pytest.mark.parametrize("fmt", ["jsonl", "parquet", "records"])
def test_every_group_period_frame_cell_is_in_shares(synth: Any, tmp_path: Path,
                                                    fmt: str) -> None:
    """A frame the classifier never predicted is a row with share 0 (not a missing row), and a
    period in which a group has no documents is a row with n = 0 and no share."""
    docs = synth.make_docs({"A": lambda y: {"economic": 0.5},
                            "B": lambda y: {"economic": 0.3, "enforcement": 0.4}},
                           range(2018, 2022), 10, seed=2)
    docs = [d for d in docs if not (d["meta"]["outlet"] == "B" and d["meta"]["date"] < "2019")]
    src: Any = docs
    if fmt == "jsonl":
        src = synth.write_jsonl(docs, tmp_path / "d.jsonl")
    elif fmt == "parquet":
        src = synth.write_parquet(docs, tmp_path / "d.parquet")
    est = FrameShareEstimator(by=["outlet"], vocab=False, n_bootstrap=199).fit(src)
    sh = est.shares_
    frames = set(synth.frames)  # every frame the "model" scores, health_and_safety never used
    assert set(sh.frame) == frames
    assert len(sh) == 2 * 4 * len(frames) and not sh.duplicated(["outlet", "period",
                                                                  "frame"]).any()
    never = sh[sh.frame == "health_and_safety"]
    assert (never.k == 0).all()
    assert (never[never.n > 0].share == 0).all()
    empty = sh[(sh.outlet == "B") & (sh.period == "2018")]
    assert len(empty) == len(frames) and (empty.n == 0).all() and empty.share.isna().all()
    assert (empty.method == "no documents").all()
    assert len(est.shares_overall_) == 2 * len(frames)


def test_grouped_bh_and_simes_equal_the_per_series_loop() -> None:
    from framing.aggregate.shifts import _grouped_bh, _grouped_simes

    rng = np.random.default_rng(0)
    g = rng.integers(0, 50, 2000)
    p = rng.random(2000) ** 2
    p[rng.random(2000) < 0.1] = np.nan
    use = np.isfinite(p) & (rng.random(2000) < 0.5)
    q, s = _grouped_bh(p, g), _grouped_simes(p, g, use, 60)
    for k in range(60):
        m = g == k
        np.testing.assert_allclose(q[m], benjamini_hochberg(p[m]), atol=1e-12)
        ps = np.sort(p[m & use])
        want = np.min(ps * len(ps) / np.arange(1, len(ps) + 1)) if len(ps) else np.nan
        np.testing.assert_allclose(s[k], want, atol=1e-12)
