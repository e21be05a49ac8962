"""Stance data: readers, label and target checks, dev splits, metrics and the decision rule."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from framing.errors import FramingError
from framing.models.stance.data import StanceData, read_stance, split_dev
from framing.models.stance.metrics import DecisionRule, stance_report
from framing.stance import StanceSettings

ROWS = [{"text": "Leave it to the states.", "target": "states deciding", "stance": "FAVOR"},
        {"text": "Prosecutors must stop.", "target": "federal enforcement", "stance": "Against"},
        {"text": "It rained.", "target": "federal enforcement", "stance": "none"}]


def test_readers_agree(tmp_path: Path) -> None:
    j = tmp_path / "d.jsonl"
    j.write_text("".join(json.dumps(r) + "\n" for r in ROWS), encoding="utf-8")
    c = tmp_path / "d.csv"
    with c.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=["text", "target", "stance"])
        w.writeheader()
        w.writerows(ROWS)
    import pyarrow as pa
    import pyarrow.parquet as pq

    p = tmp_path / "d.parquet"
    pq.write_table(pa.Table.from_pylist(ROWS), p)
    got = [read_stance(x) for x in (j, c, p)]
    for d in got:
        assert d.labels == ["favor", "against", "none"]
        assert d.targets == ["states deciding", "federal enforcement", "federal enforcement"]
    assert len({d.fingerprint() for d in got}) == 1


@pytest.mark.parametrize("row, code", [
    ({"text": "x", "target": "t", "stance": "maybe"}, "[E703]"),
    ({"text": "x", "target": " ", "stance": "favor"}, "[E706]"),
    ({"text": "x", "stance": "favor"}, "[E706]"),
    ({"text": "", "target": "t", "stance": "favor"}, "[E702]"),
    ({"target": "t", "stance": "favor"}, "[E702]"),
])
def test_bad_rows_are_located(tmp_path: Path, row: dict, code: str) -> None:
    p = tmp_path / "bad.jsonl"
    p.write_text(json.dumps(ROWS[0]) + "\n" + json.dumps(row) + "\n", encoding="utf-8")
    with pytest.raises(FramingError) as e:
        read_stance(p)
    assert str(e.value).startswith(code)
    assert "line 2 of bad.jsonl" in str(e.value)


def test_bad_json_and_missing_columns(tmp_path: Path) -> None:
    p = tmp_path / "bad.jsonl"
    p.write_text("{not json\n", encoding="utf-8")
    with pytest.raises(FramingError, match=r"\[E702\].*line 1"):
        read_stance(p)
    c = tmp_path / "d.csv"
    c.write_text("text,stance\nhi,favor\n", encoding="utf-8")
    with pytest.raises(FramingError, match=r"\[E702\].*no column"):
        read_stance(c)
    with pytest.raises(FramingError, match=r"\[E201\]"):
        read_stance(tmp_path / "missing.jsonl")


def test_split_by_targets_keeps_targets_apart() -> None:
    rows = [{"text": f"t{i}", "target": f"T{i % 10}", "stance": "favor"} for i in range(100)]
    tr, dev, how = split_dev(StanceData.from_rows(rows), 0.2, seed=1)
    assert not set(tr.targets) & set(dev.targets)
    assert how.startswith("targets held out") and 15 <= len(dev) <= 40
    _, dev2, how2 = split_dev(StanceData.from_rows(rows), 0.2, seed=1, how="rows")
    assert len(dev2) == 20 and how2.startswith("rows")
    assert split_dev(StanceData.from_rows(rows), 0.2, 1)[1].texts == dev.texts  # seeded


def test_settings_are_checked() -> None:
    with pytest.raises(FramingError, match=r"\[E701\].*class_weight"):
        StanceSettings(class_weight="heavy")
    with pytest.raises(FramingError, match=r"\[E701\].*max_length"):
        StanceSettings(max_length=20, max_target_tokens=16)
    with pytest.raises(FramingError, match=r"\[E701\].*unknown setting"):
        StanceSettings.from_dict({"epoch": 3})


def test_report_keys_and_f_avg() -> None:
    gold = ["favor", "favor", "against", "none", "none"]
    pred = ["favor", "none", "against", "favor", "none"]
    rep = stance_report(gold, pred)
    assert {"accuracy", "macro_f1", "f_avg", "per_label", "n", "confusion"} <= set(rep)
    f_f = rep["per_label"]["favor"]["f1"]
    f_a = rep["per_label"]["against"]["f1"]
    assert rep["f_avg"] == pytest.approx((f_f + f_a) / 2, abs=1e-4)
    assert rep["accuracy"] == 0.6
    json.dumps(rep)  # plain JSON types


def test_decision_rule_tuning_and_restriction() -> None:
    labels = ["favor", "against", "none"]
    rng = np.random.default_rng(0)
    gold = ["favor"] * 10 + ["against"] * 10 + ["none"] * 10
    # polar rows have polar probability ~0.4 (below argmax-ish 0.5), none rows ~0.2
    p = np.array([[0.4, 0.1, 0.5]] * 10 + [[0.1, 0.4, 0.5]] * 10 + [[0.2, 0.1, 0.7]] * 10)
    p = p + rng.uniform(0, 0.01, p.shape)
    rule = DecisionRule.tune(labels, gold, p)
    assert 0.2 < rule.none_threshold <= 0.4
    assert stance_report(gold, rule.decide(p))["accuracy"] == 1.0
    # data without a none class: the stronger polar label
    assert rule.decide(np.array([[0.2, 0.1, 0.7]]), restrict=["favor", "against"]) == ["favor"]
    two = DecisionRule(["favor", "against"], favor_threshold=0.7)
    assert two.decide(np.array([[0.6, 0.4], [0.8, 0.2]])) == ["against", "favor"]
    few = DecisionRule.tune(labels, ["favor", "none"], np.array([[0.9, 0, 0.1], [0, 0, 1]]))
    assert few.none_threshold == 0.5 and few.how.startswith("default")


def test_negated_targets_flip_labels() -> None:
    from framing.models.stance.data import add_negated_targets, negate_target

    assert negate_target("This house would ban boxing") == "This house would not ban boxing"
    assert negate_target("This house believes that X is good") == \
        "This house does not believe that X is good"
    assert negate_target("This house supports Y") == "This house opposes Y"
    for t in ("stricter gun laws", "This house would ban boxing", "This house supports Y"):
        assert negate_target(negate_target(t)) == t
    d = StanceData.from_rows(ROWS * 10)
    aug, n = add_negated_targets(d, 1.0, seed=0)
    assert n == 20 and len(aug) == 50
    extra = list(zip(aug.targets[30:], aug.labels[30:], strict=True))
    assert ("opposition to states deciding", "against") in extra
    assert ("opposition to federal enforcement", "favor") in extra
    assert add_negated_targets(d, 0.0, 0)[1] == 0
    half = add_negated_targets(d, 0.5, seed=0)[1]
    assert 0 < half < 20 and add_negated_targets(d, 0.5, seed=0)[1] == half
