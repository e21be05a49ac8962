"""The default model: where it lives and how it is built from its recipe.

The default model directory is ``models/frames-default`` next to the package (a source checkout
or editable install), or the directory named by the environment variable
``FRAMING_DEFAULT_MODEL`` (set it to ``none`` to switch the default model off). It counts as
built when it holds ``framing_model.json`` and weights; ``recipe.json``, the model card and
``metrics.json`` are committed, the weights are not (they are rebuilt from the recipe: seeded,
offline, a few minutes on 2 CPU cores).

Example:
    >>> from framing.train.default import default_model_dir
    >>> default_model_dir().name                                       # doctest: +SKIP
    'frames-default'
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from framing.errors import Errors, FramingError

ENV = "FRAMING_DEFAULT_MODEL"
REPO = Path(__file__).resolve().parents[2]
DEFAULT_DIR = REPO / "models" / "frames-default"
#: Files of the default model directory that are committed (everything else is built).
KEPT = ("recipe.json", "README.md", "metrics.json")


def default_model_dir() -> Path | None:
    """The default model directory (it may not be built yet); None when switched off."""
    env = os.environ.get(ENV)
    if env is not None:
        return None if env.strip().lower() in ("", "none", "0", "off") else Path(env)
    return DEFAULT_DIR


def is_built(path: Path | None) -> bool:
    """True when ``path`` holds a model description and weights."""
    return path is not None and (path / "framing_model.json").is_file() and (
        (path / "model.safetensors").is_file() or (path / "model.skops").is_file())


def read_recipe(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise FramingError(Errors.E411.format(path=path, detail="the file does not exist"))
    try:
        recipe = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise FramingError(Errors.E411.format(path=path, detail=f"invalid JSON ({e})")) from None
    for key in ("name", "corpus", "train"):
        if key not in recipe:
            raise FramingError(Errors.E411.format(path=path, detail=f"missing key '{key}'"))
    return recipe


def _calibrate(recipe: dict[str, Any], recipe_path: Path, model_dir: Path,
               test_file: Path | None, log: Callable[[str], None],
               fused_test: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """The recipe's domain calibration step (see :func:`build_default_model`): gates, then the
    test split evaluated again with them and compared with ``fused_test`` (the fused test
    metrics before the gates). None when the recipe has none or the data is absent."""
    spec = recipe.get("calibration")
    if not spec:
        return None
    if not isinstance(spec, dict) or spec.get("corpus") != "realdev":
        raise FramingError(Errors.E411.format(
            path=recipe_path, detail="'calibration' must be {\"corpus\": \"realdev\", "
                                     "\"half\": ..., \"labels\": [...]}"))
    from framing.realdev import HALVES, SPEECHES, load_realdev
    from framing.train.calibrate import calibrate
    from framing.train.data import LabelledData
    from framing.train.evaluation import evaluate

    if not SPEECHES.is_file():
        log(f"calibration skipped: {SPEECHES} is absent (the model keeps its op-ed fusion)")
        return None
    half = spec.get("half", "calibration")
    if half not in HALVES:
        raise FramingError(Errors.E411.format(
            path=recipe_path, detail=f"calibration 'half' must be one of {HALVES}, not {half!r}"))
    beta = spec.get("beta", 1.0)
    if isinstance(beta, bool) or not isinstance(beta, (int, float)) or not 0 < beta <= 10:
        raise FramingError(Errors.E411.format(
            path=recipe_path, detail=f"calibration 'beta' must be a number in (0, 10], "
                                     f"not {beta!r}"))
    other = next(h for h in HALVES if h != half)
    every = load_realdev()  # one pass over the speeches for both halves
    items, held = ([it for it in every if it.half == h] for h in (half, other))

    def rows(part: list[Any], h: str) -> LabelledData:
        return LabelledData([it.text for it in part], [list(it.labels) for it in part],
                            source=f"corpora/realdev ({h} half)")

    rep = calibrate(rows(items, half), model_dir, labels=spec.get("labels"),
                    source=f"corpora/realdev, {half} half: {len(items)} sentences of real US "
                           "presidential speeches",
                    heldout=rows(held, other), heldout_source=f"corpora/realdev, {other} half",
                    beta=float(beta))
    log(f"calibrated on {len(items)} real sentences: " + ", ".join(
        f"{lab} bars {v['gate']['strong']}/{v['gate']['weak']}/{v['gate']['none']}"
        for lab, v in rep["labels"].items()))
    out: dict[str, Any] = {"source": rep["source"], "rows": rep["rows"],
                           "fingerprint": rep["fingerprint"], "labels": rep["labels"],
                           "heldout": rep.get("heldout")}
    try:
        ev = evaluate(test_file, model_dir, compare_rules=True).report if test_file else None
    except FramingError as e:  # e.g. a test split with a label the model never saw
        log(f"op-ed test split not re-evaluated with the gates: {e}")
        ev = None
    if ev is not None:
        out["opeds_test_after"] = {k: {"micro_f1": ev[k]["micro_f1"],
                                       "macro_f1": ev[k]["macro_f1"],
                                       "per_label": {lab: ev[k]["per_label"][lab]
                                                     for lab in rep["labels"]}}
                                   for k in ("fused", "rules")}
        fb = fused_test or {}
        fa = out["opeds_test_after"]["fused"]
        nan = float("nan")
        per = "; ".join(
            f"{lab} P/R {fb['per_label'][lab]['precision']:.2f}/"
            f"{fb['per_label'][lab]['recall']:.2f} -> {fa['per_label'][lab]['precision']:.2f}/"
            f"{fa['per_label'][lab]['recall']:.2f}" for lab in rep["labels"]
            if lab in fb.get("per_label", {}))
        card = model_dir / "README.md"
        card.write_text(card.read_text(encoding="utf-8").rstrip("\n") + "\n\n"
                        "In-domain cost, on the op-ed test split: fused micro/macro-F1 "
                        f"{fb.get('micro_f1', nan):.3f}/{fb.get('macro_f1', nan):.3f}"
                        f" without the gates, {fa['micro_f1']:.3f}/{fa['macro_f1']:.3f} with them "
                        f"({per}).\n", encoding="utf-8")
    return out


def _supplement(recipe: dict[str, Any], recipe_path: Path, train_file: Path | None,
                log: Callable[[str], None]) -> str | None:
    """The recipe's real-text training supplement: appends the sentences of
    ``corpora/realtrain`` (``repeat`` times, labels closed over parents like the op-ed rows) to
    the exported training file. Returns a description for the model card, None when the recipe
    has none or the shared speeches are absent."""
    spec = recipe.get("supplement")
    if not spec:
        return None
    repeat = spec.get("repeat", 1) if isinstance(spec, dict) else None
    if not isinstance(spec, dict) or spec.get("corpus") != "realtrain" or \
            not isinstance(repeat, int) or isinstance(repeat, bool) or repeat < 1:
        raise FramingError(Errors.E411.format(
            path=recipe_path, detail="'supplement' must be {\"corpus\": \"realtrain\", "
                                     "\"repeat\": a whole number >= 1}"))
    from framing.corpora import label_closure
    from framing.realdev import SPEECHES, DriftError, load_realtrain

    if train_file is None:
        raise FramingError(Errors.E411.format(path=recipe_path,
                                              detail="'supplement' needs a 'train' split"))
    if not SPEECHES.is_file():
        log(f"training supplement skipped: {SPEECHES} is absent (op-ed sentences only)")
        return None
    try:
        items = load_realtrain()
    except DriftError as e:
        raise FramingError(Errors.E411.format(path=recipe_path, detail=e)) from None
    with train_file.open("a", encoding="utf-8") as fh:
        for _ in range(repeat):
            for it in items:
                fh.write(json.dumps({"text": it.text, "labels": label_closure(it.labels)},
                                    ensure_ascii=False) + "\n")
    log(f"train: + {len(items)} real sentences x{repeat} from corpora/realtrain")
    return f"corpora/realtrain ({len(items)} real speech sentences x{repeat})"


def build_default_model(recipe_path: str | Path | None = None, out: str | Path | None = None,
                        *, progress: bool = True, log: Callable[[str], None] | None = None,
                        corpus_path: str | Path | None = None) -> Any:
    """Build a model from its recipe (default: ``models/frames-default/recipe.json``) into the
    recipe's directory: exports the op-ed corpus splits, trains, evaluates on the test split,
    writes the card. The committed files (recipe, card, metrics) are replaced in place;
    ``framing_model.json`` is moved in last, so an interrupted build never looks built.

    Recipe keys: ``name``, ``corpus`` (``"opeds"``), ``train`` / ``dev`` / ``test`` (split
    names), ``codebook`` (``"default"`` or a path relative to the repository), ``settings``
    (:class:`~framing.train.TrainConfig` fields), ``baseline`` (``"tfidf"``: also fit the TF-IDF
    baseline on the same splits and report it in the card) and ``notes`` (Markdown lines for
    the card), ``calibration`` (optional: ``{"corpus": "realdev", "half": "calibration",
    "labels": [...], "beta": 1.0}``: fit domain gates on that half of the real-text set with
    :func:`framing.train.calibrate.calibrate`, skipped with a log line when the shared speeches
    are absent), ``supplement`` (optional: ``{"corpus": "realtrain", "repeat": k}``: add the
    real sentences of ``corpora/realtrain`` to the training rows, k times; skipped like the
    calibration when the speeches are absent). ``corpus_path`` replaces
    ``corpora/opeds/opeds.jsonl`` (tests use a small copy).
    Returns the :class:`~framing.train.TrainResult`.
    """
    from framing.codebook import Codebook
    from framing.corpora import export_training_file
    from framing.train.config import TrainConfig
    from framing.train.trainer import train

    log = log or (lambda s: None)
    recipe_path = Path(recipe_path) if recipe_path else DEFAULT_DIR / "recipe.json"
    recipe = read_recipe(recipe_path)
    out = Path(out) if out else recipe_path.parent
    if recipe["corpus"] != "opeds":
        raise FramingError(Errors.E411.format(
            path=recipe_path, detail=f"unknown corpus {recipe['corpus']!r}; expected 'opeds'"))
    settings = dict(recipe.get("settings") or {})
    try:
        cfg = TrainConfig(**settings)
    except TypeError as e:
        raise FramingError(Errors.E411.format(path=recipe_path, detail=e)) from None
    t0, c0 = time.perf_counter(), time.process_time()
    cache = REPO / "models" / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="build-", dir=cache))
    try:
        files = {}
        for part in ("train", "dev", "test"):
            split = recipe.get(part)
            if split:
                files[part] = work / f"{part}.jsonl"
                n = export_training_file(files[part], split=split, level=cfg.level,
                                         path=corpus_path)
                log(f"{part}: {n} {cfg.level}s from the '{split}' split of corpora/opeds")
        supplement = _supplement(recipe, recipe_path, files.get("train"), log)
        cb = Codebook.default() if recipe.get("codebook", "default") == "default" \
            else Codebook.load(REPO / recipe["codebook"])
        notes = recipe.get("notes")
        if isinstance(notes, list):
            notes = "\n".join(notes)
        res = train(files["train"], work / "model", cfg, eval_data=files.get("dev"),
                    test_data=files.get("test"), codebook=cb, progress=progress, log=log,
                    name=recipe["name"], notes=notes,
                    extra_meta={"recipe": recipe})
        baseline = None
        if recipe.get("baseline") == "tfidf" and cfg.method != "tfidf":
            log("the yardstick: the TF-IDF baseline on the same splits")
            b = train(files["train"], work / "baseline", TrainConfig(method="tfidf",
                                                                     seed=cfg.seed),
                      eval_data=files.get("dev"), test_data=files.get("test"), codebook=cb,
                      progress=False, log=log, name=f"{recipe['name']}-tfidf")
            baseline = {"method": "tfidf",
                        "dev": (b.metrics.get("dev") or {}).get("classifier"),
                        "test": (b.metrics.get("test") or {}).get("classifier")}
        # sources: relative names, not this machine's temp paths
        meta_path = work / "model" / "framing_model.json"
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        for part in ("train", "dev", "test"):
            if recipe.get(part):
                key = {"train": "source", "dev": "dev_source", "test": "test_source"}[part]
                meta["data"][key] = f"corpora/opeds ({recipe[part]} split)"
        if supplement:
            meta["data"]["source"] += f" + {supplement}"
        meta["training"]["build_seconds"] = round(time.perf_counter() - t0, 1)
        meta["training"]["build_cpu_seconds"] = round(time.process_time() - c0, 1)
        meta_path.write_text(json.dumps(meta, indent=1, ensure_ascii=False) + "\n",
                             encoding="utf-8")
        from framing.train.card import render_card

        metrics = json.loads((work / "model" / "metrics.json").read_text(encoding="utf-8"))
        if baseline:
            metrics["baseline"] = baseline
        metrics["build_seconds"] = meta["training"]["build_seconds"]
        metrics["build_cpu_seconds"] = meta["training"]["build_cpu_seconds"]
        (work / "model" / "metrics.json").write_text(json.dumps(metrics, indent=1) + "\n",
                                                     encoding="utf-8")
        (work / "model" / "README.md").write_text(render_card(meta, metrics, notes),
                                                  encoding="utf-8")
        cal = _calibrate(recipe, recipe_path, work / "model", files.get("test"), log,
                         (metrics.get("test") or {}).get("fused"))
        if cal:
            metrics["calibration"] = cal
            (work / "model" / "metrics.json").write_text(json.dumps(metrics, indent=1) + "\n",
                                                         encoding="utf-8")
        out.mkdir(parents=True, exist_ok=True)
        (out / "framing_model.json").unlink(missing_ok=True)
        for f in out.iterdir():  # files of an older build (a recipe may change the method)
            if f.is_file() and f.name not in KEPT:
                f.unlink()
        for f in sorted((work / "model").iterdir()):
            if f.name != "framing_model.json":
                shutil.move(str(f), out / f.name)
        shutil.move(str(meta_path), out / "framing_model.json")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    from framing.train.model import FrameModel

    res.path = out
    res.model = FrameModel.load(out)
    res.seconds = round(time.perf_counter() - t0, 1)
    return res
