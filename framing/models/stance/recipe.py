"""Building a stance model from a recipe: its training data from the project's corpora.

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
    >>> from framing.models.stance.recipe import default_training_data
    >>> parts = default_training_data(root=".")                          # doctest: +SKIP
    >>> sorted(parts)                                                     # doctest: +SKIP
    ['dev', 'dev_docs', 'test', 'test_docs', 'train']
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from framing.models import directory as mdir
from framing.models import recipe as rc

OPEDS = Path("corpora") / "opeds" / "opeds.jsonl"
COLLECTION = Path("corpora") / "collection" / "collection.jsonl"


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


def default_training_data(recipe: dict[str, Any] | None = None, *, root: str | Path
                          ) -> dict[str, list[dict[str, Any]]]:
    """Rows ``{"id", "text", "target", "stance"}`` for ``train``, ``dev``, ``test`` (sentences)
    and ``dev_docs``, ``test_docs`` (documents), built from the corpora of the repository at
    ``root`` as the module docstring says."""
    from framing import corpora

    recipe = recipe or {}
    root = Path(root)
    seed = int(recipe.get("seed", 0))
    docs = {s: corpora.load_opeds(root / OPEDS, split=s) for s in ("train", "dev", "test")}
    train = list(corpora.iter_stance_examples(docs["train"], seed=seed))
    issue_of: dict[str, str | None] = {}
    for d in docs["train"]:
        for t in d.stance:
            issue_of.setdefault(t.target, d.issue)
    if recipe.get("collection", True):
        col = [corpora.CorpusDocument.from_dict(r)
               for r in corpora.load_collection(root / COLLECTION)]
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


def build_stance_model(recipe_path: str | Path, out: str | Path | None = None, *,
                       root: str | Path, progress: bool = True,
                       log: Callable[[str], None] | None = None) -> Any:
    """Build a stance model from its recipe (``models/stance-default/recipe.json``) into
    ``out`` (default: the recipe's directory): assemble the data from the repository at
    ``root``, train, evaluate on the opeds test split, write the card. Returns the
    :class:`~framing.models.trainer.TrainResult`."""
    from framing.models.stance.settings import StanceSettings
    from framing.models.trainer import train

    log = log or (lambda s: None)
    t0, c0 = time.perf_counter(), time.process_time()
    recipe_path = Path(recipe_path)
    recipe = rc.read_recipe(recipe_path, ("name", "settings"))
    out = Path(out) if out else recipe_path.parent
    cfg = rc.recipe_settings(recipe, recipe_path, StanceSettings)
    parts = default_training_data(recipe, root=root)
    for k, v in parts.items():
        log(f"{k}: {len(v)} rows")
    notes = rc.notes_of(recipe, "\n\n")
    with rc.workdir(out, "stance-build-") as work:
        res = train("stance", parts["train"], work / "model", cfg, eval_data=parts["dev"],
                    test_data=parts["test"], dev_docs=parts["dev_docs"],
                    test_docs=parts["test_docs"], progress=progress, log=log,
                    name=recipe["name"], notes=notes, extra_meta={"recipe": recipe})
        unrelated = res.model.head.evaluate(res.model, parts["test_docs_unrelated"],
                                            {"level": "document"})
        log(f"test documents toward an unrelated target: {unrelated['accuracy']:.3f} answered "
            f"none (n {unrelated['n']})")

        def update(meta: dict[str, Any], metrics: dict[str, Any]) -> None:
            meta["data"].update(
                source="corpora/opeds (train split, sentences) + corpora/collection "
                       "(sentences, deduplicated) + cross-target none pairs",
                dev_source="corpora/opeds (dev split, sentences)",
                test_source="corpora/opeds (test split, sentences)",
                dev_docs_source="corpora/opeds (dev split, documents)",
                test_docs_source="corpora/opeds (test split, documents)")
            meta["base_model"] = {k: v for k, v in (meta.get("base_model") or {}).items()
                                  if k != "path"} or None
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

        rc.record(work / "model", t0, c0, update, notes)
        mdir.install(work / "model", out)
    return rc.installed(res, out, t0)


def retune_pairing(model_dir: str | Path, pairing: str, *, root: str | Path,
                   log: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Put a built stance model under the opposite ``pairing`` (:mod:`framing.models.stance.
    pairing`) without retraining its network: what :func:`build_stance_model` does when the
    recipe's settings name the pairing, from its tuning on: the decision rule (dev sentences)
    and the pooling rule with its relevance gate (dev documents) tuned again under the pairing
    on the recipe's data (stored in the model's ``framing_model.json``), and the dev and test
    reports measured again. For a model built before the setting existed. Returns the new
    metrics."""
    from framing.models.stance.data import as_stance_data
    from framing.models.stance.head import document_labels
    from framing.models.stance.metrics import DecisionRule, stance_report
    from framing.models.stance.model import StanceModel
    from framing.models.stance.pooling import PoolingRule
    from framing.models.stance.relevance import RelevanceEncoder
    from framing.pipeline.stance import doc_inputs

    log = log or (lambda s: None)
    d = Path(model_dir)
    meta = json.loads((d / mdir.META_FILE).read_text(encoding="utf-8"))
    metrics = json.loads((d / "metrics.json").read_text(encoding="utf-8"))
    recipe = meta.get("recipe") or {}
    parts = default_training_data(recipe, root=root)
    model = StanceModel.load(d)
    model.opposite_pairing = pairing
    labels = list(model.labels)
    enc_name = (recipe.get("settings") or {}).get("relevance_encoder", "default")
    relevance = model.relevance or RelevanceEncoder.resolve(enc_name)
    model.relevance = relevance
    dev, dev_docs = as_stance_data(parts["dev"]), as_stance_data(parts["dev_docs"])
    dev_probs = model.predict_proba(dev.pairs)
    rule = DecisionRule.tune(labels, dev.labels, dev_probs)
    log(f"decision rule under pairing {pairing}: {rule.describe()}")
    default_t = rule.none_threshold if rule.has_none else 0.5
    inputs = doc_inputs(model, dev_docs.texts, dev_docs.targets)
    pooling = PoolingRule.tune(inputs, dev_docs.labels, labels, default_t)
    log(f"pooling rule under pairing {pairing}: {pooling.to_dict()}")
    meta.update(decision=rule.to_dict(), pooling=pooling.to_dict(), opposite_pairing=pairing)
    meta["relevance"] = ({"encoder": enc_name, **relevance.to_dict()}
                         if pooling.relevance_threshold and relevance is not None else None)
    meta["opposite_pairing_tuning"] = (
        f"decision and pooling rules re-tuned under opposite_pairing '{pairing}' on "
        f"{time.strftime('%Y-%m-%d')} (scripts/build_default_stance_model.py "
        "--retune-pairing); the network is the build's")
    model = StanceModel(meta, path=d, model=model.model, tokenizer=model.tokenizer,
                        estimator=model.estimator, head=model.head,
                        relevance=relevance if meta["relevance"] else None)
    metrics["dev"] = stance_report(dev.labels, rule.decide(dev_probs), labels)
    metrics["dev_documents"] = stance_report(
        dev_docs.labels, [pooling.pool(p, labels, c, r).label for p, c, r in inputs], labels)
    test, test_docs = as_stance_data(parts["test"]), as_stance_data(parts["test_docs"])
    metrics["test"] = stance_report(test.labels, model.predict(test.pairs), labels)
    metrics["test_documents"] = stance_report(test_docs.labels,
                                              document_labels(model, test_docs, None), labels)
    unrelated = model.head.evaluate(model, parts["test_docs_unrelated"], {"level": "document"})
    metrics["test_documents_unrelated"] = {
        **(metrics.get("test_documents_unrelated") or {}), "none_rate": unrelated["accuracy"],
        "n": unrelated["n"]}
    for key in ("dev", "test", "dev_documents", "test_documents"):
        r = metrics[key]
        log(f"{key}: accuracy {r['accuracy']:.3f}  macro-F1 {r['macro_f1']:.3f}  F-avg "
            f"{r['f_avg']:.3f}  (n {r['n']})")
    mdir.write_json(d / mdir.META_FILE, meta)
    mdir.write_json(d / "metrics.json", metrics)
    notes = recipe.get("notes")
    (d / "README.md").write_text(model.head.card(meta, metrics, "\n\n".join(notes) if
                                                 isinstance(notes, list) else notes),
                                 encoding="utf-8")
    return metrics
