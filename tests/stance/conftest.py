"""Fixtures for the stance tests: synthetic (target, text, stance) rows, the tiny randomly
initialised BERT of ``tests/train`` (reused through its builder), and small trained models.

Nothing touches the network or the Hugging Face hub.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from stance_synth import _train_builder, make_rows, tiny_settings

from framing.stance import StanceSettings, train_stance


@pytest.fixture(scope="session", autouse=True)
def _one_thread() -> Iterator[None]:
    """Tiny models gain nothing from intra-op threads, and on a busy machine two threads spin
    against each other (ten times slower); the previous setting is restored afterwards."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def tiny_bert(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random BERT (hidden 32, 2 layers) with a locally trained WordPiece tokenizer."""
    return _train_builder()(tmp_path_factory.mktemp("stance_tiny_bert"))


@pytest.fixture(scope="session")
def stance_rows() -> dict[str, list[dict[str, Any]]]:
    return {"train": make_rows(240, 1), "dev": make_rows(80, 2), "test": make_rows(60, 3)}


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
