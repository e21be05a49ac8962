"""Fixtures for the training tests: synthetic labelled sentences and a tiny, randomly
initialised BERT (hidden 32, 2 layers, 2 heads) with a WordPiece tokenizer trained here.

Nothing touches the network or the Hugging Face hub.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from train_synth import build_tiny_base, make_rows, write_jsonl

from framing.train import TrainConfig

ENV = {"FRAMING_NUM_THREADS": "1", "FRAMING_DEFAULT_STANCE_MODEL": "none",
       "FRAMING_PRECISION": "fp32"}  # exact scores; test_train_precision covers the rest


@pytest.fixture(scope="session", autouse=True)
def train_test_env() -> Iterator[None]:
    """One torch thread (tiny models gain nothing from threads, and on a busy CI machine one
    thread per core makes every operator wait for the slowest one), and no default stance
    model (these tests are about frames); restored afterwards."""
    import torch

    threads = torch.get_num_threads()
    saved = {k: os.environ.get(k) for k in ENV}
    os.environ.update(ENV)
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


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
