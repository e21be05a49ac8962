"""The default stance model: its training data from the project's corpora, and its build.

Recipe: ``models/stance-default/recipe.json`` (committed with the card and ``metrics.json``;
the weights are built, not committed). Data:

* **train**: sentence-level stance examples of the ``train`` split of ``corpora/opeds`` (every
  sentence marked ``@T+``/``@T-`` toward a document target, plus a seeded sample of unmarked
  sentences of the same document as ``none``), and the sentence-level examples of
  ``corpora/collection`` (documents composed from a hand-written sentence bank with stance
  toward the codebook targets; deduplicated, because the bank's sentences recur across
  documents, with a seeded sample of its ``none`` pairs, ``collection_none_ratio`` times its
  favor/against pairs), plus **cross-target negatives**: a seeded ``cross_target_none`` share of the
  favor/against sentences paired with a target of *another issue* and labelled ``none``, so the
  model learns that stance is toward the given target and not a property of the sentence;
* **dev**: sentence examples of the opeds ``dev`` split (early stopping, decision rule), and its
  document-level targets plus, for a seeded ``unrelated_dev_docs`` share of its documents, a
  target of another issue labelled ``none`` (the pooling rule: users also ask about targets a
  document does not discuss);
* **test**: the opeds ``test`` split, sentences and documents (the reported numbers), and every
  test document toward one target of another issue (``test_documents_unrelated``: the share
  answered ``none``).

Example:
    >>> from framing.stance.default import default_training_data
    >>> parts = default_training_data()                                  # doctest: +SKIP
    >>> sorted(parts)                                                     # doctest: +SKIP
    ['dev', 'dev_docs', 'test', 'test_docs', 'train']
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from framing.errors import Errors, FramingError
from framing.stance.model import DEFAULT_DIR, REPO

#: Files of the default stance model directory that are committed (the rest is built).
KEPT = ("recipe.json", "README.md", "metrics.json")


def _rank(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def _cross_target_none(rows: list[dict[str, Any]], issue_of: dict[str, str | None],
                       share: float, seed: int) -> list[dict[str, Any]]:
    """A seeded ``share`` of the polar rows, each paired with a target of another issue."""
    by_issue: dict[str, list[str]] = {}
    for t, iss in sorted(issue_of.items()):
        by_issue.setdefault(iss or "?", []).append(t)
    out = []
    for r in rows:
        if r["stance"] == "none":
            continue
        h = _rank(str(seed), r["id"], r["target"])
        if int(h[:8], 16) / 0xFFFFFFFF >= share:
            continue
        own = issue_of.get(r["target"]) or "?"
        others = sorted(t for iss, ts in by_issue.items() if iss != own for t in ts)
        if not others:
            continue
        t = others[int(h[8:16], 16) % len(others)]
        out.append({"id": f"{r['id']}~x", "text": r["text"], "target": t, "stance": "none"})
    return out


def default_training_data(recipe: dict[str, Any] | None = None) -> dict[str, list[dict[str, Any]]]:
    """Rows ``{"id", "text", "target", "stance"}`` for ``train``, ``dev``, ``test`` (sentences)
    and ``dev_docs``, ``test_docs`` (documents), built from the corpora as the module
    docstring says."""
    from framing import corpora

    recipe = recipe or {}
    seed = int(recipe.get("seed", 0))
    docs = {s: corpora.load_opeds(split=s) for s in ("train", "dev", "test")}
    train = list(corpora.iter_stance_examples(docs["train"], seed=seed))
    issue_of: dict[str, str | None] = {}
    for d in docs["train"]:
        for t in d.stance:
            issue_of.setdefault(t.target, d.issue)
    if recipe.get("collection", True):
        col = [corpora.CorpusDocument.from_dict(r) for r in corpora.load_collection()]
        seen: set[tuple[str, str]] = set()
        polar: list[dict[str, Any]] = []
        nones: list[dict[str, Any]] = []
        for ex in corpora.iter_stance_examples(col, seed=seed):
            key = (ex["text"], ex["target"])
            if key not in seen:
                seen.add(key)
                (nones if ex["stance"] == "none" else polar).append(ex)
        # the bank's unmarked sentences recur in hundreds of documents: keep a seeded sample
        # of 'none' pairs, ``collection_none_ratio`` times the polar ones
        k = int(float(recipe.get("collection_none_ratio", 1.0)) * len(polar))
        nones = sorted(nones, key=lambda r: _rank(str(seed), r["id"]))[:k]
        train += polar + sorted(nones, key=lambda r: r["id"])
        for d in col:
            for t in d.stance:
                issue_of.setdefault(t.target, d.issue)
    train += _cross_target_none(train, issue_of, float(recipe.get("cross_target_none", 0.25)),
                                seed)
    share = float(recipe.get("unrelated_dev_docs", 0.5))
    return {
        "train": train,
        "dev": list(corpora.iter_stance_examples(docs["dev"], seed=seed)),
        "test": list(corpora.iter_stance_examples(docs["test"], seed=seed)),
        "dev_docs": list(corpora.iter_stance_examples(docs["dev"], level="document"))
        + _unrelated_docs(docs["dev"], issue_of, share, seed),
        "test_docs": list(corpora.iter_stance_examples(docs["test"], level="document")),
        "test_docs_unrelated": _unrelated_docs(docs["test"], issue_of, 1.0, seed),
    }


def _unrelated_docs(docs: list[Any], issue_of: dict[str, str | None], share: float,
                    seed: int) -> list[dict[str, Any]]:
    """For a seeded ``share`` of the documents, one target of another issue, labelled
    ``none`` (a document does not take a stance on what it does not discuss)."""
    out = []
    for d in docs:
        h = _rank(str(seed), "unrelated", d.id)
        if int(h[:8], 16) / 0xFFFFFFFF >= share:
            continue
        others = sorted(t for t, iss in issue_of.items() if iss != d.issue)
        if others:
            out.append({"id": f"{d.id}@unrelated", "text": d.text,
                        "target": others[int(h[8:16], 16) % len(others)], "stance": "none"})
    return out


def read_recipe(path: Path) -> dict[str, Any]:
    """The recipe JSON, checked for the keys a build needs (``[E411]`` otherwise)."""
    if not path.is_file():
        raise FramingError(Errors.E411.format(path=path, detail="the file does not exist"))
    try:
        recipe = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise FramingError(Errors.E411.format(path=path, detail=f"invalid JSON ({e})")) from None
    if not isinstance(recipe, dict) or "name" not in recipe or "settings" not in recipe:
        raise FramingError(Errors.E411.format(path=path, detail="it needs 'name' and 'settings'"))
    return recipe


def build_default_stance_model(recipe_path: str | Path | None = None,
                               out: str | Path | None = None, *, progress: bool = True,
                               log: Callable[[str], None] | None = None) -> Any:
    """Build the default stance model from its recipe into the recipe's directory (default
    ``models/stance-default``): assemble the data, train, evaluate on the opeds test split,
    write the card. Built files of an older build are replaced; ``framing_model.json`` is moved
    in last, so an interrupted build never looks built. Returns the
    :class:`~framing.stance.trainer.StanceTrainResult`."""
    from framing.stance.model import StanceModel
    from framing.stance.settings import StanceSettings
    from framing.stance.trainer import train_stance

    log = log or (lambda s: None)
    t0 = time.perf_counter()
    recipe_path = Path(recipe_path) if recipe_path else DEFAULT_DIR / "recipe.json"
    recipe = read_recipe(recipe_path)
    out = Path(out) if out else recipe_path.parent
    try:
        cfg = StanceSettings.from_dict(dict(recipe["settings"]))
    except FramingError as e:
        raise FramingError(Errors.E411.format(path=recipe_path, detail=e)) from None
    parts = default_training_data(recipe)
    for k, v in parts.items():
        log(f"{k}: {len(v)} rows")
    notes = recipe.get("notes")
    if isinstance(notes, list):
        notes = "\n\n".join(notes)
    cache = REPO / "models" / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="stance-build-", dir=cache))
    try:
        res = train_stance(parts["train"], work / "model", cfg, dev_rows=parts["dev"],
                           test_rows=parts["test"], dev_docs=parts["dev_docs"],
                           test_docs=parts["test_docs"], progress=progress, log=log,
                           name=recipe["name"], notes=notes, extra_meta={"recipe": recipe})
        meta_path = work / "model" / "framing_model.json"
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        meta["data"].update(
            source="corpora/opeds (train split, sentences) + corpora/collection (sentences, "
                   "deduplicated) + cross-target none pairs",
            dev_source="corpora/opeds (dev split, sentences)",
            test_source="corpora/opeds (test split, sentences)",
            dev_docs_source="corpora/opeds (dev split, documents)",
            test_docs_source="corpora/opeds (test split, documents)")
        from framing.stance.evaluate import evaluate_stance

        unrelated = evaluate_stance(res.model, parts["test_docs_unrelated"], level="document")
        log(f"test documents toward an unrelated target: {unrelated['accuracy']:.3f} answered "
            f"none (n {unrelated['n']})")
        build_seconds = round(time.perf_counter() - t0, 1)
        meta["training"]["build_seconds"] = build_seconds
        meta_path.write_text(json.dumps(meta, indent=1, ensure_ascii=False) + "\n",
                             encoding="utf-8")
        metrics = json.loads((work / "model" / "metrics.json").read_text(encoding="utf-8"))
        metrics["build_seconds"] = build_seconds
        metrics["build_cpu_seconds"] = round(time.process_time(), 1)
        metrics["test_documents_unrelated"] = {
            "none_rate": unrelated["accuracy"], "n": unrelated["n"],
            "note": "each opeds test document toward a target of another issue; the share "
                    "answered none"}
        old = out / "metrics.json"
        if old.is_file():  # keep the last real-data check; the card marks it as older
            try:
                real = json.loads(old.read_text(encoding="utf-8")).get("real_data")
            except (json.JSONDecodeError, AttributeError):
                real = None
            if real:
                metrics["real_data"] = real
        (work / "model" / "metrics.json").write_text(json.dumps(metrics, indent=1) + "\n",
                                                     encoding="utf-8")
        from framing.stance.card import render_stance_card

        (work / "model" / "README.md").write_text(render_stance_card(meta, metrics, notes),
                                                  encoding="utf-8")
        out.mkdir(parents=True, exist_ok=True)
        (out / "framing_model.json").unlink(missing_ok=True)
        for f in out.iterdir():
            if f.is_file() and f.name not in KEPT:
                f.unlink()
        for f in sorted((work / "model").iterdir()):
            if f.name != "framing_model.json":
                shutil.move(str(f), out / f.name)
        shutil.move(str(meta_path), out / "framing_model.json")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    res.path = out
    res.model = StanceModel.load(out)
    res.seconds = round(time.perf_counter() - t0, 1)
    res.metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    return res
