"""The default model: location, 'built' check, recipe validation and a (TF-IDF) recipe build."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from framing.errors import FramingError
from framing.train.default import (
    DEFAULT_DIR,
    KEPT,
    build_default_model,
    default_model_dir,
    is_built,
    read_recipe,
)

REPO = Path(__file__).resolve().parents[2]


def test_default_dir_and_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("FRAMING_DEFAULT_MODEL", raising=False)
    assert default_model_dir() == DEFAULT_DIR == REPO / "models" / "frames-default"
    monkeypatch.setenv("FRAMING_DEFAULT_MODEL", "none")
    assert default_model_dir() is None
    monkeypatch.setenv("FRAMING_DEFAULT_MODEL", str(tmp_path))
    assert default_model_dir() == tmp_path
    assert not is_built(tmp_path)
    (tmp_path / "framing_model.json").write_text("{}")
    assert not is_built(tmp_path)  # no weights yet
    (tmp_path / "model.safetensors").write_bytes(b"")
    assert is_built(tmp_path)


def test_shipped_recipe_is_valid() -> None:
    recipe = read_recipe(DEFAULT_DIR / "recipe.json")
    assert recipe["settings"]["method"] == "transformer"
    assert recipe["settings"]["level"] == "sentence"
    assert (recipe["train"], recipe["dev"], recipe["test"]) == ("train", "dev", "test")
    ignore = (REPO / ".gitignore").read_text()
    assert "models/frames-default/*" in ignore
    assert all(f"!models/frames-default/{k}" in ignore for k in KEPT)


def test_bad_recipes(tmp_path: Path) -> None:
    with pytest.raises(FramingError, match=r"\[E411\].*does not exist"):
        read_recipe(tmp_path / "none.json")
    (tmp_path / "r.json").write_text("{")
    with pytest.raises(FramingError, match=r"\[E411\].*invalid JSON"):
        read_recipe(tmp_path / "r.json")
    (tmp_path / "r.json").write_text(json.dumps({"name": "x", "corpus": "opeds"}))
    with pytest.raises(FramingError, match=r"\[E411\].*missing key 'train'"):
        read_recipe(tmp_path / "r.json")


def test_build_from_a_recipe(tmp_path: Path, tiny_base: Path) -> None:
    from framing.corpora import OPEDS_PATH
    from framing.realdev import SPEECHES

    calibrated = SPEECHES.is_file()  # the real-text gates need the shared speeches

    if not OPEDS_PATH.is_file():
        pytest.skip("op-ed corpus not built")
    # a small copy of the corpus keeps the test fast: 8 train, 3 dev, 3 test documents
    keep = {"train": 8, "dev": 3, "test": 3}
    rows = []
    for line in OPEDS_PATH.read_text(encoding="utf-8").splitlines():
        doc = json.loads(line)
        if keep.get(doc["split"], 0) > 0:
            keep[doc["split"]] -= 1
            rows.append(line)
    corpus = tmp_path / "opeds.jsonl"
    corpus.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "frames-tiny"
    out.mkdir()
    recipe = out / "recipe.json"
    recipe.write_text(json.dumps({
        "name": "frames-tiny", "corpus": "opeds", "train": "train", "dev": "dev",
        "test": "test", "codebook": "default", "baseline": "tfidf",
        "settings": {"base_model": str(tiny_base), "epochs": 1, "max_length": 32, "seed": 1},
        "notes": ["Built by a test."],
        **({"calibration": {"corpus": "realdev", "half": "calibration",
                            "labels": ["federalism", "enforcement"]},
            "supplement": {"corpus": "realtrain", "repeat": 1}} if calibrated else {})}))
    (out / "stale.bin").write_text("old build")
    res = build_default_model(recipe, progress=False, corpus_path=corpus)
    assert res.path == out
    names = {p.name for p in out.iterdir()}
    assert {"recipe.json", "README.md", "metrics.json", "framing_model.json",
            "model.safetensors", "codebook.json"} <= names
    assert "stale.bin" not in names and is_built(out)
    meta = json.loads((out / "framing_model.json").read_text())
    assert meta["recipe"]["name"] == "frames-tiny"
    assert meta["data"]["source"] == "corpora/opeds (train split)" + (
        " + corpora/realtrain (1196 real speech sentences x1)" if calibrated else "")
    assert meta["label_closure"] is True and meta["training"]["build_seconds"] > 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["baseline"]["method"] == "tfidf"
    assert set(metrics["baseline"]["test"]) == {"micro_f1", "macro_f1", "per_label", "n"}
    card = (out / "README.md").read_text()
    assert "Built by a test." in card and "### Test" in card and "| tfidf baseline |" in card
    test = res.metrics["test"]
    assert test["classifier"]["n"] > 30 and test["rules"] and test["fused"]
    if calibrated:
        cal = metrics["calibration"]
        assert set(cal["labels"]) == {"federalism", "enforcement"}
        assert cal["rows"] + cal["heldout"]["rows"] == 600  # the two halves of realdev
        # the real supplement gives the tiny train split every label of its test split, so
        # the test split is evaluated again with the gates
        assert set(cal["opeds_test_after"]) == {"fused", "rules"}
        assert set(meta_gates := json.loads((out / "framing_model.json").read_text())
                   ["fusion"]["gates"]) == {"federalism", "enforcement"}, meta_gates
        assert "## Domain calibration" in card and "Held out: " in card
        assert "In-domain cost" in card


def test_bad_calibration_spec(tmp_path: Path) -> None:
    from framing.train.default import _calibrate

    with pytest.raises(FramingError, match=r"\[E411\].*'calibration' must be"):
        _calibrate({"calibration": {"corpus": "nope"}}, tmp_path / "r.json", tmp_path, None,
                   lambda s: None)
    assert _calibrate({}, tmp_path / "r.json", tmp_path, None, lambda s: None) is None
    from framing.realdev import SPEECHES

    if SPEECHES.is_file():  # the beta is checked once the data is there
        with pytest.raises(FramingError, match=r"\[E411\].*'beta' must be"):
            _calibrate({"calibration": {"corpus": "realdev", "beta": -1}}, tmp_path / "r.json",
                       tmp_path, None, lambda s: None)


def test_bad_supplement_spec(tmp_path: Path) -> None:
    from framing.train.default import _supplement

    for bad in ({"corpus": "opeds"}, {"corpus": "realtrain", "repeat": 0},
                {"corpus": "realtrain", "repeat": "2"}, ["realtrain"]):
        with pytest.raises(FramingError, match=r"\[E411\].*'supplement' must be"):
            _supplement({"supplement": bad}, tmp_path / "r.json", tmp_path / "t.jsonl",
                        lambda s: None)
    assert _supplement({}, tmp_path / "r.json", None, lambda s: None) is None
