"""Fixtures for the stance tests: synthetic (target, text, stance) rows, the tiny randomly
initialised BERT of ``tests/train`` (reused through its builder), and small trained models.

Nothing touches the network or the Hugging Face hub.
"""

from __future__ import annotations

import importlib.util
import json
import random
from pathlib import Path
from typing import Any

import pytest

from framing.stance import StanceSettings, train_stance

_TRAIN_SYNTH = Path(__file__).resolve().parents[1] / "train" / "train_synth.py"

#: target -> the words a text uses to name it
TARGETS = {
    "the states deciding": "the states decide",
    "the police budget": "the police budget",
    "the new tax": "the tax",
    "federal agents": "federal agents",
}
PRO = ["should win", "must stay", "is good", "we support", "works well"]
CON = ["is wrong", "must end", "is a mistake", "we oppose", "has failed"]
FILL = ["yesterday", "in the city", "many people said", "the report noted", "this year",
        "on monday", "after the vote", "some residents", "last spring"]


def make_rows(n: int, seed: int) -> list[dict[str, Any]]:
    """Rows whose stance toward ``target`` depends on whether the text names the target and
    which cue follows it; texts that name another target are ``none`` toward this one."""
    rng = random.Random(seed)
    keys = list(TARGETS)
    rows = []
    for _ in range(n):
        target = rng.choice(keys)
        kind = rng.choice(["favor", "against", "none", "none-other"])
        named = TARGETS[target] if kind != "none-other" else TARGETS[
            rng.choice([k for k in keys if k != target])]
        if kind == "favor":
            body = f"{named} {rng.choice(PRO)}"
        elif kind == "against":
            body = f"{named} {rng.choice(CON)}"
        elif kind == "none":
            body = f"{named} came up {rng.choice(FILL)}"
        else:
            body = f"{named} {rng.choice(PRO + CON)}"
        text = f"{rng.choice(FILL)} {body}".capitalize() + "."
        rows.append({"text": text, "target": target,
                     "stance": kind if kind in ("favor", "against") else "none"})
    return rows


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _train_builder() -> Any:
    """``build_tiny_base`` of tests/train/train_synth.py, imported by path (the test folders
    are not packages)."""
    spec = importlib.util.spec_from_file_location("_framing_train_synth", _TRAIN_SYNTH)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.build_tiny_base


@pytest.fixture(scope="session")
def tiny_bert(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random BERT (hidden 32, 2 layers) with a locally trained WordPiece tokenizer."""
    return _train_builder()(tmp_path_factory.mktemp("stance_tiny_bert"))


def tiny_settings(tiny_bert: Path, **kw: Any) -> StanceSettings:
    base: dict[str, Any] = dict(base_model=str(tiny_bert), epochs=4, lr=3e-3, batch_size=16,
                                max_length=48, stride=8, max_target_tokens=16, seed=3,
                                patience=0)
    base.update(kw)
    return StanceSettings(**base)


@pytest.fixture(scope="session")
def stance_rows() -> dict[str, list[dict[str, Any]]]:
    return {"train": make_rows(320, 1), "dev": make_rows(100, 2), "test": make_rows(80, 3)}


@pytest.fixture(scope="session")
def tiny_stance(tiny_bert: Path, stance_rows: dict[str, list[dict[str, Any]]],
                tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One trained tiny stance model directory shared by the read-only tests."""
    out = tmp_path_factory.mktemp("stance_models") / "tiny"
    docs = [{"text": f"{r['text']} The weather was mild. Nothing else happened.",
             "target": r["target"], "stance": r["stance"]} for r in stance_rows["dev"][:40]]
    train_stance(stance_rows["train"], out, tiny_settings(tiny_bert),
                 dev_rows=stance_rows["dev"], test_rows=stance_rows["test"], dev_docs=docs,
                 progress=False)
    return out


@pytest.fixture(scope="session")
def tfidf_stance(stance_rows: dict[str, list[dict[str, Any]]],
                 tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("stance_models") / "tfidf"
    train_stance(stance_rows["train"], out, StanceSettings(method="tfidf"),
                 dev_rows=stance_rows["dev"], test_rows=stance_rows["test"], progress=False)
    return out
