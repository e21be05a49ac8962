"""The collection's two replicates are rebuilt exactly, share one design, and the power analysis
that sized them runs."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from framing_corpora import collection_build as cb
from framing_corpora import collection_power as cp

pytestmark = pytest.mark.skipif(not (cb.OUT_DOCS.is_file() and cb.OUT_DOCS_B.is_file()),
                                reason="corpora/collection not built")


def _read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_both_replicates_are_rebuilt_byte_for_byte() -> None:
    assert cb.main(["--check"]) == 0


def test_replicate_b_is_a_second_draw_of_the_same_design() -> None:
    a, b = _read(cb.OUT_DOCS), _read(cb.OUT_DOCS_B)
    assert all(d["id"].endswith("-b") for d in b)
    assert not {d["id"] for d in a} & {d["id"] for d in b}
    assert [d["text"] for d in a] != [d["text"] for d in b]  # drawn again, not copied

    def cells(docs: list[dict]) -> tuple[Counter, Counter]:
        n: Counter = Counter()
        k: Counter = Counter()
        for d in docs:
            key = (d["outlet"], d["issue"], d["date"][:4])
            n[key] += 1
            for f in d["labels"]:
                k[(*key, f)] += 1
        return n, k

    (na, ka), (nb, kb) = cells(a), cells(b)
    assert na == nb  # the same documents per outlet x issue x year
    # quota sampling: each cell's frame counts follow the design within the carried rounding
    diffs = [abs(ka[key] - kb[key]) for key in ka.keys() | kb.keys()]
    assert np.mean(diffs) < 0.5 and max(diffs) <= 3


def test_power_of_a_perfect_classifier_on_random_draws() -> None:
    r = cp.simulate(reps=1, factor=2, seed=0)
    assert r["documents"] == 2 * 1128 and r["labels"] == "perfect"
    assert r["mean_found"] >= 5 and r["mean_unplanted_series"] <= 1


def test_measured_errors_and_their_application(tmp_path: Path) -> None:
    out = tmp_path / "labelled.jsonl"
    t = "stricter gun laws"
    rows = [  # two documents labelled by a "classifier": one miss, one false positive
        {"id": "1", "labels": ["economic"], "frames": {"economic": 0.9, "morality": 0.1},
         "stance": [{"target": t, "label": "favor"}],
         "meta": {"labels": ["economic", "morality"], "stance": [{"target": t,
                                                                  "label": "favor"}]}},
        {"id": "2", "labels": ["morality"], "frames": {"economic": 0.2, "morality": 0.8},
         "stance": [{"target": t, "label": "none"}],
         "meta": {"labels": [], "stance": [{"target": t, "label": "against"}]}},
    ]
    out.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    e = cp.measured_errors(out)
    assert e["frames"]["economic"] == (1.0, 0.0)
    assert e["frames"]["morality"] == (0.0, 1.0)
    assert e["stance"][t][0].round(6).tolist() == [1.0, 0.0, 0.0]
    assert e["stance"][t][1].round(6).tolist() == [0.0, 0.0, 1.0]
    docs = [{"labels": ["economic", "morality"], "stance": [{"target": t, "label": "against"}]}]
    cp.apply_errors(docs, e, cb.Codebook(cb.CODEBOOK), np.random.default_rng(0))
    assert docs[0]["labels"] == ["economic"]
    assert docs[0]["stance"][0]["label"] == "none"
