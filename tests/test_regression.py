"""Behaviour pins: what the package outputs on the shipped corpora must not change unnoticed.

Labels, scores, evidence and stance of every document of the op-ed test split and of the
multi-outlet collection, compared with digests recorded in ``tests/data/regression_pins.json``:

* ``rules``: the rule layer alone;
* ``tfidf``: rules + a TF-IDF frame classifier (with fusion) + a TF-IDF stance model, both
  trained here on the op-ed train split (dev split: thresholds, fusion, decision and pooling
  rules);
* ``tiny``: rules + a tiny randomly initialised BERT fine-tuned here as frame classifier and as
  stance cross-encoder (with a relevance gate), on part of the op-ed corpus; it is scored on
  the op-ed test split and the first documents of the collection.

Besides the documents, the learned decisions (thresholds, fusion, decision and pooling rules)
and the dev/test metrics of the trained models are pinned too. Everything runs on one torch
thread in fp32, so the numbers are exact on a given machine and library versions.

The pins were recorded before the one-core refactor of issue 13. When a change of output is
intended, regenerate them and say why in the commit:
``FRAMING_REGEN_PINS=1 python -m pytest tests/test_regression.py``.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
PINS = REPO / "tests" / "data" / "regression_pins.json"
OPEDS = REPO / "corpora" / "opeds" / "opeds.jsonl"
COLLECTION = REPO / "corpora" / "collection" / "collection.jsonl"
REGEN = os.environ.get("FRAMING_REGEN_PINS") == "1"
ENV = {"FRAMING_NUM_THREADS": "1", "FRAMING_PRECISION": "fp32",
       "FRAMING_DEFAULT_MODEL": "none", "FRAMING_DEFAULT_STANCE_MODEL": "none"}
#: A free-text target asked of every document, besides the codebook targets of its issue.
EXTRA_TARGET = "stricter gun laws"
META_KEYS = ("outlet", "date", "issue", "title")
N_TINY_COLLECTION = 150

pytestmark = pytest.mark.integration


def _read(path: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def _record(d: dict[str, Any]) -> dict[str, Any]:
    return {"id": d["id"], "text": d["text"],
            "meta": {k: d[k] for k in META_KEYS if d.get(k) is not None}}


def _digest(obj: Any) -> str:
    blob = json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


def _frame_rows(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"text": d["text"][s["start"]:s["end"]], "labels": list(s["labels"])}
            for d in docs for s in d["sentences"] if d["text"][s["start"]:s["end"]].strip()]


def _stance_rows(docs: list[dict[str, Any]], none_every: int) -> list[dict[str, Any]]:
    """Marked sentences toward their document's targets, and every ``none_every``-th unmarked
    sentence toward the document's first target as ``none``."""
    rows: list[dict[str, Any]] = []
    k = 0
    for d in docs:
        keys = {t["key"]: t["target"] for t in d.get("stance", [])}
        if not keys:
            continue
        for s in d["sentences"]:
            text = d["text"][s["start"]:s["end"]]
            if not text.strip():
                continue
            marks = s.get("stance") or []
            for m in marks:
                rows.append({"text": text, "target": keys[m["target"]], "stance": m["label"]})
            if not marks:
                k += 1
                if k % none_every == 0:
                    rows.append({"text": text, "target": next(iter(keys.values())),
                                 "stance": "none"})
    return rows


def _doc_rows(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"text": d["text"], "target": t["target"], "stance": t["label"]}
            for d in docs for t in d.get("stance", [])]


def _outputs(analyzer: Any, docs: list[dict[str, Any]]) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for res in analyzer.pipe([_record(d) for d in docs]):
        d = res.to_dict()
        d.pop("model")
        out[res.id] = [res.labels, [[s.target, s.label] for s in res.stance], _digest(d)]
    return out


def _model_pins(path: Path) -> dict[str, Any]:
    """The learned decisions and the dev/test metrics of a trained model directory."""
    meta = json.loads((path / "framing_model.json").read_text(encoding="utf-8"))
    metrics = json.loads((path / "metrics.json").read_text(encoding="utf-8"))
    keep = ("labels", "thresholds", "fusion", "decision", "pooling", "level", "max_length",
            "stride")
    return {"meta": {k: meta[k] for k in keep if k in meta},
            "metrics": {k: v for k, v in metrics.items()
                        if k in ("n_rows", "label_counts", "dev", "test", "dev_documents",
                                 "test_documents")}}


@pytest.fixture(scope="module")
def env() -> Iterator[None]:
    import torch

    mp = pytest.MonkeyPatch()
    for k, v in ENV.items():
        mp.setenv(k, v)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
    mp.undo()


@pytest.fixture(scope="module")
def corpora() -> dict[str, list[dict[str, Any]]]:
    if not OPEDS.is_file() or not COLLECTION.is_file():
        pytest.skip("the shipped corpora are not built")
    opeds = _read(OPEDS)
    split = {s: sorted((d for d in opeds if d["split"] == s), key=lambda d: d["id"])
             for s in ("train", "dev", "test")}
    return {**split, "collection": _read(COLLECTION)}


@pytest.fixture(scope="module")
def pins() -> dict[str, Any]:
    if REGEN or not PINS.is_file():
        return {}
    return dict(json.loads(PINS.read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def recorded() -> Iterator[dict[str, Any]]:
    """What this run computed; written to the pins file when regenerating."""
    got: dict[str, Any] = {}
    yield got
    if REGEN and got:
        old = json.loads(PINS.read_text(encoding="utf-8")) if PINS.is_file() else {}
        old.update(got)
        PINS.write_text(dump_pins(old), encoding="utf-8")


def dump_pins(pins: dict[str, Any]) -> str:
    """The pins as JSON with one document per line (readable diffs)."""
    def line(v: Any) -> str:
        return json.dumps(v, sort_keys=True, ensure_ascii=False)

    blocks = []
    for name in sorted(pins):
        parts = []
        for part in sorted(pins[name]):
            v = pins[name][part]
            if part.startswith("docs"):
                body = ",\n".join(f"   {line(k)}: {line(v[k])}" for k in sorted(v))
                parts.append(f"  {line(part)}: {{\n{body}\n  }}")
            else:
                parts.append(f"  {line(part)}: {line(v)}")
        blocks.append(f" {line(name)}: {{\n" + ",\n".join(parts) + "\n }")
    return "{\n" + ",\n".join(blocks) + "\n}\n"


def _check(name: str, got: dict[str, Any], pins: dict[str, Any],
           recorded: dict[str, Any]) -> None:
    recorded[name] = got
    if REGEN:
        return
    if name not in pins:
        pytest.fail(f"no pins for {name!r}: run FRAMING_REGEN_PINS=1 on the reference code")
    want = pins[name]
    for part in sorted(set(want) | set(got)):
        w, g = want.get(part), got.get(part)
        if isinstance(w, dict) and isinstance(g, dict) and part.startswith("docs"):
            diff = sorted(k for k in set(w) | set(g) if w.get(k) != g.get(k))
            assert not diff, (f"{name}/{part}: {len(diff)} of {len(w)} documents differ, "
                              f"e.g. {diff[0]}: pinned {w.get(diff[0])} got {g.get(diff[0])}")
        else:
            assert g == w, f"{name}/{part} differs from the pins"


def test_rules_only(env: None, corpora: dict[str, list[dict[str, Any]]],
                    pins: dict[str, Any], recorded: dict[str, Any]) -> None:
    import framing

    an = framing.load(rules_only=True, targets=[EXTRA_TARGET])
    got = {"docs_opeds_test": _outputs(an, corpora["test"]),
           "docs_collection": _outputs(an, corpora["collection"])}
    _check("rules", got, pins, recorded)


def test_tfidf_classifier_and_stance(env: None, corpora: dict[str, list[dict[str, Any]]],
                                     pins: dict[str, Any], recorded: dict[str, Any],
                                     tmp_path_factory: pytest.TempPathFactory) -> None:
    import framing
    from framing.codebook import Codebook
    from framing.stance import StanceSettings, train_stance
    from framing.train import LabelledData, TrainConfig, train

    d = tmp_path_factory.mktemp("regression_tfidf")
    frames = train(LabelledData.from_rows(_frame_rows(corpora["train"])), d / "frames",
                   TrainConfig(method="tfidf", seed=0),
                   eval_data=LabelledData.from_rows(_frame_rows(corpora["dev"])),
                   test_data=LabelledData.from_rows(_frame_rows(corpora["test"])),
                   codebook=Codebook.default(), progress=False)
    stance = train_stance(_stance_rows(corpora["train"], 4), d / "stance",
                          StanceSettings(method="tfidf", seed=0, relevance_encoder=None),
                          dev_rows=_stance_rows(corpora["dev"], 4),
                          test_rows=_stance_rows(corpora["test"], 4),
                          dev_docs=_doc_rows(corpora["dev"]),
                          test_docs=_doc_rows(corpora["test"]), progress=False)
    an = framing.load(model=frames.path, stance_model=stance.path, targets=[EXTRA_TARGET])
    got = {"frames_model": _model_pins(frames.path), "stance_model": _model_pins(stance.path),
           "docs_opeds_test": _outputs(an, corpora["test"]),
           "docs_collection": _outputs(an, corpora["collection"])}
    _check("tfidf", got, pins, recorded)


def _tiny_base(d: Path) -> Path:
    spec = importlib.util.spec_from_file_location(
        "_framing_train_synth_regression", REPO / "tests" / "train" / "train_synth.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return Path(mod.build_tiny_base(d))


def test_tiny_transformers(env: None, corpora: dict[str, list[dict[str, Any]]],
                           pins: dict[str, Any], recorded: dict[str, Any],
                           tmp_path_factory: pytest.TempPathFactory) -> None:
    import framing
    from framing.codebook import Codebook
    from framing.stance import StanceSettings, train_stance
    from framing.train import LabelledData, TrainConfig, train

    d = tmp_path_factory.mktemp("regression_tiny")
    base = _tiny_base(d / "base")
    cfg = TrainConfig(base_model=str(base), epochs=2, lr=3e-3, batch_size=16, max_length=32,
                      seed=7, patience=0, freeze_embeddings=False, head_lr_scale=1.0)
    frames = train(LabelledData.from_rows(_frame_rows(corpora["train"])[:800]), d / "frames",
                   cfg, eval_data=LabelledData.from_rows(_frame_rows(corpora["dev"])[:400]),
                   codebook=Codebook.default(), progress=False)
    st = StanceSettings(base_model=str(base), epochs=2, lr=3e-3, batch_size=16, max_length=40,
                        stride=8, max_target_tokens=12, seed=3, patience=0,
                        freeze_embeddings=False, relevance_encoder=str(base))
    stance = train_stance(_stance_rows(corpora["train"], 6)[:600], d / "stance", st,
                          dev_rows=_stance_rows(corpora["dev"], 6),
                          dev_docs=_doc_rows(corpora["dev"]), progress=False)
    an = framing.load(model=frames.path, stance_model=stance.path, targets=[EXTRA_TARGET])
    got = {"frames_model": _model_pins(frames.path), "stance_model": _model_pins(stance.path),
           "docs_opeds_test": _outputs(an, corpora["test"]),
           "docs_collection": _outputs(an, corpora["collection"][:N_TINY_COLLECTION])}
    _check("tiny", got, pins, recorded)
