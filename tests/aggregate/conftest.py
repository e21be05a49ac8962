"""Synthetic labelled documents for the aggregation tests (DocResult dicts, JSONL, Parquet)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from framing.batch.sinks import open_sink
from framing.types import DocResult

COLLECTION = Path(__file__).resolve().parents[2] / "corpora" / "collection"
FRAMES = ["economic", "crime_and_punishment", "health_and_safety", "enforcement"]
SENTS = {
    "economic": "The program costs taxpayers millions of dollars every year.",
    "crime_and_punishment": "Police arrested dozens of dealers in the sweep.",
    "health_and_safety": "Doctors say overdose deaths keep climbing in the county.",
    "enforcement": "Federal prosecutors raided the dispensary at dawn.",
}
FILLER = "The meeting was held on Tuesday evening downtown."


def make_docs(groups: dict[str, Callable[[int], dict[str, float]]], years: range,
              n_per_year: int, seed: int = 0, stance: Callable[[str, int], float] | None = None
              ) -> list[dict[str, Any]]:
    """DocResult dicts: per group and year, each frame used with probability shares(year)."""
    rng = np.random.default_rng(seed)
    docs = []
    for g, share_fn in groups.items():
        for y in years:
            shares = share_fn(y)
            for i in range(n_per_year):
                labs = [f for f in FRAMES if rng.random() < shares.get(f, 0.0)]
                if "enforcement" in labs and "crime_and_punishment" not in labs:
                    labs.append("crime_and_punishment")
                sents = [{"start": 0, "end": 1, "text": SENTS[f], "frames": {f: 0.9},
                          "labels": [f], "evidence": [
                              {"start": 0, "end": 1, "text": SENTS[f].split()[1], "frame": f,
                               "source": "rule:synthetic", "score": 1.0}]} for f in labs]
                sents.append({"start": 0, "end": 1, "text": FILLER, "frames": {}, "labels": [],
                              "evidence": []})
                # as the Analyzer computes them: labelled sentences / sentences, spans per frame
                doc_shares = {f: 1 / len(sents) for f in labs}
                doc_mentions = {f: 1 for f in labs}
                st = []
                if stance is not None:
                    lab = "favor" if rng.random() < stance(g, y) else "against"
                    st = [{"target": "the plan", "label": lab, "score": 0.8,
                           "evidence": [{"start": 0, "end": 1, "frame": "", "source": "x",
                                         "text": f"We are {lab} the plan, clearly and firmly."}]}]
                docs.append(DocResult(
                    id=f"{g}-{y}-{i}", meta={"outlet": g, "date": f"{y}-{1 + i % 12:02d}-15",
                                             "issue": "drugs"},
                    frames={f: (0.9 if f in labs else 0.1) for f in FRAMES}, labels=labs,
                    primary_frame=labs[0] if labs else None,
                    stance=[], sentences=[], shares=doc_shares, mentions=doc_mentions
                ).to_dict() | {"sentences": sents, "stance": st})
    return docs


def write_jsonl(docs: list[dict[str, Any]], path: Path) -> Path:
    path.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    return path


def write_parquet(docs: list[dict[str, Any]], path: Path) -> Path:
    with open_sink(path, FRAMES) as sink:
        for d in docs:
            sink.write(DocResult.from_dict(d))
    return path


def _step(y: int) -> dict[str, float]:
    return {"economic": 0.3, "enforcement": 0.7 if y < 2019 else 0.2, "health_and_safety": 0.25}


def _flat(y: int) -> dict[str, float]:
    return {"economic": 0.3, "enforcement": 0.4, "health_and_safety": 0.25}


@pytest.fixture(scope="session")
def step_docs() -> list[dict[str, Any]]:
    """Outlet A: enforcement 70% -> 20% from 2019; outlet B: flat. 40 documents a year each."""
    return make_docs({"A": _step, "B": _flat}, range(2015, 2023), 40, seed=1,
                     stance=lambda g, y: 0.8 if (g == "A" and y >= 2020) else 0.3)


@pytest.fixture(scope="session")
def step_files(tmp_path_factory: pytest.TempPathFactory,
               step_docs: list[dict[str, Any]]) -> tuple[Path, Path]:
    d = tmp_path_factory.mktemp("step")
    return write_jsonl(step_docs, d / "docs.jsonl"), write_parquet(step_docs, d / "docs.parquet")


@pytest.fixture(scope="session")
def synth() -> SimpleNamespace:
    """The helpers above, for tests (test folders are not packages, so no imports)."""
    return SimpleNamespace(make_docs=make_docs, write_jsonl=write_jsonl,
                           write_parquet=write_parquet, frames=FRAMES, collection=COLLECTION)
