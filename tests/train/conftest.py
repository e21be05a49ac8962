"""Fixtures for the training tests: synthetic labelled sentences and a tiny, randomly
initialised BERT (hidden 32, 2 layers, 2 heads) with a WordPiece tokenizer trained here.

Nothing touches the network or the Hugging Face hub.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from train_synth import build_tiny_base, make_rows, write_jsonl

from framing.train.config import TrainConfig


@pytest.fixture(scope="session")
def synth_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("synth")
    write_jsonl(d / "train.jsonl", make_rows(240, 1))
    write_jsonl(d / "dev.jsonl", make_rows(80, 2))
    write_jsonl(d / "test.jsonl", make_rows(60, 3))
    return d


@pytest.fixture(scope="session")
def tiny_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random BERT encoder directory (see :func:`build_tiny_base`)."""
    return build_tiny_base(tmp_path_factory.mktemp("tiny_bert"))


@pytest.fixture(scope="session")
def tiny_model(tiny_base: Path, synth_dir: Path, tmp_path_factory: pytest.TempPathFactory
               ) -> Path:
    """One trained tiny model directory shared by the read-only tests."""
    from framing.train import train

    out = tmp_path_factory.mktemp("models") / "tiny"
    cfg = TrainConfig(base_model=str(tiny_base), epochs=4, lr=3e-3, batch_size=16,
                      max_length=32, seed=7, patience=0, freeze_embeddings=False,
                      head_lr_scale=1.0)
    train(synth_dir / "train.jsonl", out, cfg, eval_data=synth_dir / "dev.jsonl",
          test_data=synth_dir / "test.jsonl", progress=False)
    return out
