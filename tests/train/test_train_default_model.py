"""The default models: location, 'built' check, recipes (the default one uses the repository
alone; the speeches one needs --data-dir) and a recipe build."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from framing.errors import FramingError
from framing.models.directory import KEPT, default_dir, is_built
from framing.models.frames.recipe import build_frame_model
from framing.models.recipe import read_recipe

REPO = Path(__file__).resolve().parents[2]
DEFAULT_DIR = REPO / "models" / "frames-default"
SPEECHES_DIR = REPO.parent / "shared" / "data"
REQUIRED = ("name", "corpus", "train")


def test_default_dir_and_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("FRAMING_DEFAULT_MODEL", raising=False)
    monkeypatch.chdir(REPO)
    assert default_dir("frames") == DEFAULT_DIR
    monkeypatch.chdir(tmp_path)  # never next to the package's source: under the working dir
    assert default_dir("frames") == tmp_path / "models" / "frames-default"
    monkeypatch.setenv("FRAMING_DEFAULT_MODEL", "none")
    assert default_dir("frames") is None
    monkeypatch.setenv("FRAMING_DEFAULT_MODEL", str(tmp_path))
    assert default_dir("frames") == tmp_path
    assert not is_built(tmp_path)
    (tmp_path / "framing_model.json").write_text("{}")
    assert not is_built(tmp_path)  # no weights yet
    (tmp_path / "model.safetensors").write_bytes(b"")
    assert is_built(tmp_path)


def test_shipped_recipes_are_valid() -> None:
    recipe = read_recipe(DEFAULT_DIR / "recipe.json", REQUIRED)
    assert recipe["settings"]["method"] == "transformer"
    assert recipe["settings"]["level"] == "sentence"
    assert (recipe["train"], recipe["dev"], recipe["test"]) == ("train", "dev", "test")
    # the default recipe reads the repository alone: no speech supplement, no speech gates
    assert not recipe.get("supplement") and not recipe.get("calibration")
    speeches = read_recipe(REPO / "models" / "frames-speeches" / "recipe.json", REQUIRED)
    assert speeches["supplement"]["corpus"] == "realtrain"
    assert speeches["calibration"]["corpus"] == "realdev"
    assert speeches["settings"] == recipe["settings"]
    ignore = (REPO / ".gitignore").read_text()
    for name in ("frames-default", "frames-speeches", "stance-default"):
        assert f"models/{name}/*" in ignore
        assert all(f"!models/{name}/{k}" in ignore for k in KEPT)


def test_speeches_recipe_needs_a_data_dir(tmp_path: Path) -> None:
    recipe = REPO / "models" / "frames-speeches" / "recipe.json"
    for data_dir in (None, tmp_path):
        with pytest.raises(FramingError, match=r"\[E417\].*--data-dir.*presidential_speeches"):
            build_frame_model(recipe, tmp_path / "out", root=REPO, data_dir=data_dir,
                              progress=False)
    assert not (tmp_path / "out").exists()  # refused before anything was written


def test_nothing_in_the_package_reads_the_shared_folder() -> None:
    """The installed package never looks outside itself or next to its source for data or
    models (issue 13): only scripts take --data-dir."""
    offenders = []
    for p in (REPO / "framing").rglob("*.py"):
        text = p.read_text(encoding="utf-8")
        if p.name in ("corpora.py", "realdev.py"):  # moved out by the corpora work
            continue
        if '"shared"' in text or "../shared" in text or "__file__).resolve().parent" in text:
            offenders.append(str(p.relative_to(REPO)))
    assert offenders == []


def test_bad_recipes(tmp_path: Path) -> None:
    with pytest.raises(FramingError, match=r"\[E411\].*does not exist"):
        read_recipe(tmp_path / "none.json", REQUIRED)
    (tmp_path / "r.json").write_text("{")
    with pytest.raises(FramingError, match=r"\[E411\].*invalid JSON"):
        read_recipe(tmp_path / "r.json", REQUIRED)
    (tmp_path / "r.json").write_text(json.dumps({"name": "x", "corpus": "opeds"}))
    with pytest.raises(FramingError, match=r"\[E411\].*missing key 'train'"):
        read_recipe(tmp_path / "r.json", REQUIRED)


def _small_copy(src: Path, dest: Path, **keep: int) -> Path:
    """The first ``keep[split]`` documents of each split of a corpus file, written to dest."""
    rows = []
    for line in src.read_text(encoding="utf-8").splitlines():
        doc = json.loads(line)
        if keep.get(doc["split"], 0) > 0:
            keep[doc["split"]] -= 1
            rows.append(line)
    dest.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return dest


def test_build_from_a_recipe(tmp_path: Path, tiny_base: Path) -> None:
    from framing.corpora import OPEDS_PATH

    if not OPEDS_PATH.is_file():
        pytest.skip("op-ed corpus not built")
    # a small copy of the corpus keeps the test fast: 8 train, 3 dev, 3 test documents
    corpus = _small_copy(OPEDS_PATH, tmp_path / "opeds.jsonl", train=8, dev=3, test=3)
    out = tmp_path / "frames-tiny"
    out.mkdir()
    recipe = out / "recipe.json"
    speeches = (SPEECHES_DIR / "presidential_speeches.jsonl").is_file()
    recipe.write_text(json.dumps({
        "name": "frames-tiny", "corpus": "opeds", "train": "train", "dev": "dev",
        "test": "test", "codebook": "default", "baseline": "tfidf",
        "settings": {"base_model": str(tiny_base), "epochs": 1, "max_length": 32, "seed": 1},
        "notes": ["Built by a test."],
        **({"calibration": {"corpus": "realdev", "half": "calibration",
                            "labels": ["federalism", "enforcement"]},
            "supplement": {"corpus": "realtrain", "repeat": 1}} if speeches else {})}))
    (out / "stale.bin").write_text("old build")
    res = build_frame_model(recipe, root=REPO, data_dir=SPEECHES_DIR if speeches else None,
                            progress=False, corpus_path=corpus)
    assert res.path == out
    names = {p.name for p in out.iterdir()}
    assert {"recipe.json", "README.md", "metrics.json", "framing_model.json",
            "model.safetensors", "codebook.json"} <= names
    assert "stale.bin" not in names and is_built(out)
    assert not list((tmp_path / "cache").iterdir())  # the work directory is gone
    meta = json.loads((out / "framing_model.json").read_text())
    assert meta["recipe"]["name"] == "frames-tiny" and meta["task"] == "frames"
    assert meta["data"]["source"] == "corpora/opeds (train split)" + (
        " + corpora/realtrain (1196 real speech sentences x1)" if speeches else "")
    assert meta["label_closure"] is True and meta["training"]["build_seconds"] > 0
    assert "path" not in meta["base_model"]  # no paths of the build machine
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["baseline"]["method"] == "tfidf"
    assert set(metrics["baseline"]["test"]) == {"micro_f1", "macro_f1", "per_label", "n"}
    card = (out / "README.md").read_text()
    assert "Built by a test." in card and "### Test" in card and "| tfidf baseline |" in card
    test = res.metrics["test"]
    assert test["classifier"]["n"] > 30 and test["rules"] and test["fused"]
    if speeches:
        cal = metrics["calibration"]
        assert set(cal["labels"]) == {"federalism", "enforcement"}
        assert cal["rows"] + cal["heldout"]["rows"] == 600  # the two halves of realdev
        assert set(cal["opeds_test_after"]) == {"fused", "rules"}
        assert set(meta_gates := json.loads((out / "framing_model.json").read_text())
                   ["fusion"]["gates"]) == {"federalism", "enforcement"}, meta_gates
        assert "## Domain calibration" in card and "Held out: " in card
        assert "In-domain cost" in card


def test_bad_calibration_and_supplement_specs(tmp_path: Path) -> None:
    from framing.models.frames.recipe import _calibrate, _supplement

    speeches = tmp_path / "s.jsonl"
    with pytest.raises(FramingError, match=r"\[E411\].*'calibration' must be"):
        _calibrate({"calibration": {"corpus": "nope"}}, tmp_path / "r.json", tmp_path, REPO,
                   speeches, None, lambda s: None)
    assert _calibrate({}, tmp_path / "r.json", tmp_path, REPO, speeches, None,
                      lambda s: None) is None
    for bad in ({"corpus": "opeds"}, {"corpus": "realtrain", "repeat": 0},
                {"corpus": "realtrain", "repeat": "2"}, ["realtrain"]):
        with pytest.raises(FramingError, match=r"\[E411\].*'supplement' must be"):
            _supplement({"supplement": bad}, tmp_path / "r.json", tmp_path / "t.jsonl", REPO,
                        speeches, lambda s: None)
    assert _supplement({}, tmp_path / "r.json", tmp_path / "t.jsonl", REPO, speeches,
                       lambda s: None) is None


def test_build_with_news_and_a_document_layer(tmp_path: Path, tiny_base: Path) -> None:
    """The default recipe's news steps: news sentences join training and dev, and a document
    layer is fitted on news articles, saved, reported in metrics and card, and used."""
    import framing
    from framing.corpora import OPEDS_PATH

    news_file = REPO / "corpora" / "news" / "news.jsonl"
    if not OPEDS_PATH.is_file() or not news_file.is_file():
        pytest.skip("corpora not built")
    corpus = _small_copy(OPEDS_PATH, tmp_path / "opeds.jsonl", train=6, dev=2, test=2)
    news = _small_copy(news_file, tmp_path / "news.jsonl", train=10, dev=4, test=6)
    out = tmp_path / "frames-news"
    out.mkdir()
    recipe = out / "recipe.json"
    recipe.write_text(json.dumps({
        "name": "frames-news", "corpus": "opeds", "train": "train", "dev": "dev",
        "test": "test", "codebook": "default",
        "add": [{"corpus": "news", "train": "train", "dev": "dev"}],
        "document_layer": {"corpus": "news", "fit": ["train", "dev"], "test": "test"},
        "settings": {"base_model": str(tiny_base), "epochs": 1, "max_length": 32, "seed": 1}}))
    build_frame_model(recipe, root=REPO, progress=False, corpus_path=corpus, news_path=news)
    meta = json.loads((out / "framing_model.json").read_text())
    assert any("corpora/news (train split" in a for a in meta["data"]["added"])
    metrics = json.loads((out / "metrics.json").read_text())
    docs = metrics["documents"]
    assert docs["fit_documents"] == 14 and docs["test_documents"] == 6
    assert set(docs["test"]) == {"union", "prior", "tfidf", "layer"}
    assert "## Document labels" in (out / "README.md").read_text()
    layer = json.loads((out / "doc_layer.json").read_text())
    assert layer["format"] == "framing-document-layer" and "corpora/news" in layer["fitted_on"]
    an = framing.load(out, stance_model=None, codebook=None)
    assert an.doc_layer is not None and an.model_info["document_layer"]["source"].endswith(
        "doc_layer.json")
