"""Synthetic stance rows, fast settings and the tiny BERT builder of ``tests/train`` for the
stance tests (imported by ``conftest.py`` and the tests; nothing touches the network)."""

from __future__ import annotations

import importlib.util
import json
import random
from pathlib import Path
from typing import Any

from framing.stance import StanceSettings

_TRAIN_SYNTH = Path(__file__).resolve().parents[1] / "train" / "train_synth.py"

#: target -> the words a text uses to name it (words of the tiny tokenizer's vocabulary)
TARGETS = {
    "the states": "the states",
    "the police budget": "the police budget",
    "the tax": "the tax",
    "federal agents": "federal agents",
}
PRO = ["works", "should matter", "yes", "grew", "rose"]
CON = ["fell", "shrank", "overreach", "should end", "costs"]
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
            body = f"{named} {rng.choice(FILL)}"
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


def tiny_settings(tiny_bert: Path, **kw: Any) -> StanceSettings:
    base: dict[str, Any] = dict(base_model=str(tiny_bert), epochs=5, lr=3e-3, batch_size=16,
                                max_length=40, stride=8, max_target_tokens=12, seed=3,
                                patience=0, freeze_embeddings=False,
                                relevance_encoder=str(tiny_bert))
    base.update(kw)
    return StanceSettings(**base)
