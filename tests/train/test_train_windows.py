"""Long texts: overlapping token windows and pooling of window scores."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from framing.models.frames import FrameModel
from framing.models.inference import encode_windows, length_batches, pool


def test_pool_max_and_mean() -> None:
    probs = np.array([[0.1, 0.9], [0.7, 0.2], [0.3, 0.3], [0.5, 0.1]])
    owner = np.array([0, 0, 1, 0])
    assert pool(probs, owner, 2, "max").tolist() == [[0.7, 0.9], [0.3, 0.3]]
    mean = pool(probs, owner, 2, "mean")
    assert mean[0] == pytest.approx([(0.1 + 0.7 + 0.5) / 3, (0.9 + 0.2 + 0.1) / 3])
    assert mean[1].tolist() == [0.3, 0.3]
    with pytest.raises(ValueError):
        pool(probs, owner, 2, "median")


def test_text_without_windows_pools_to_zero() -> None:
    assert pool(np.zeros((0, 2)), np.zeros(0, dtype=np.int64), 1, "max").tolist() == [[0, 0]]


def test_length_batches_group_similar_lengths() -> None:
    batches = length_batches([3, 10, 4, 9, 1], 2)
    assert batches == [[1, 3], [2, 0], [4]]


def test_long_text_becomes_overlapping_windows(tiny_base: Path) -> None:
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tiny_base, local_files_only=True)
    long = " ".join(["the states should decide yesterday"] * 20)
    w = encode_windows(tok, ["short one.", long], max_length=16, stride=4)
    counts = w.counts(2)
    assert counts[0] == 1 and counts[1] > 3
    full = tok(long, add_special_tokens=False)["input_ids"]
    windows = [ids[1:-1] for ids, o in zip(w.input_ids, w.owner, strict=True) if o == 1]
    assert all(len(ids) <= 16 for ids in w.input_ids)
    # nothing is dropped: the windows, minus their overlaps, rebuild the whole text
    rebuilt = list(windows[0])
    for prev, cur in itertools.pairwise(windows):
        assert prev[-4:] == cur[:4]  # consecutive windows overlap by the stride
        rebuilt += cur[4:]
    assert rebuilt == full


def test_model_pools_windows_of_long_texts(tiny_model: Path) -> None:
    fm = FrameModel.load(tiny_model)
    parts = ["Police arrested dozens yesterday.", "Nothing happened in the city this year.",
             "Tax revenue grew last spring."] * 6
    long = " ".join(parts)
    win = encode_windows(fm.tokenizer, [long], fm.max_length, fm.stride)
    assert len(win) > 2
    from framing.models.inference import score_windows

    head = fm.head
    per_window = score_windows(
        lambda *b: head.activate(head.logits(fm.model, *b).float()), fm.model, win,
        fm.tokenizer.pad_token_id, len(fm.labels),
        head.batches([len(s) for s in win.input_ids], 32))
    p_max = fm.predict_proba([long])[0]
    assert p_max == pytest.approx(per_window.max(axis=0))
    fm.pooling = "mean"
    p_mean = fm.predict_proba([long])[0]
    assert p_mean == pytest.approx(per_window.mean(axis=0))
    assert np.all(p_mean <= p_max + 1e-9)
