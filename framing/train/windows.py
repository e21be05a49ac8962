"""Long texts as overlapping token windows, and pooling window scores back to texts.

Nothing is truncated: a text longer than ``max_length`` tokens becomes several windows of at
most ``max_length`` tokens (special tokens included) that overlap by ``stride`` tokens; the
model scores each window and a text's score is the ``max`` (any window shows the frame) or the
``mean`` (the share of the text that shows it) of its windows' probabilities.

Example:
    >>> import numpy as np
    >>> from framing.train.windows import pool
    >>> probs = np.array([[0.1, 0.9], [0.7, 0.2], [0.3, 0.3]])
    >>> pool(probs, np.array([0, 0, 1]), 2, "max").tolist()
    [[0.7, 0.9], [0.3, 0.3]]
    >>> pool(probs, np.array([0, 0, 1]), 2, "mean").round(2).tolist()
    [[0.4, 0.55], [0.3, 0.3]]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

POOLINGS = ("max", "mean")


@dataclass
class Windows:
    """Token windows of a list of texts: ``owner[k]`` is the text index of window ``k``."""

    input_ids: list[list[int]]
    owner: np.ndarray

    def __len__(self) -> int:
        return len(self.input_ids)

    def counts(self, n_texts: int) -> np.ndarray:
        """Number of windows per text."""
        return np.bincount(self.owner, minlength=n_texts)


def encode_windows(tokenizer: Any, texts: Sequence[str], max_length: int, stride: int
                   ) -> Windows:
    """Tokenise ``texts`` into overlapping windows (see the module docstring)."""
    if not texts:
        return Windows([], np.zeros(0, dtype=np.int64))
    enc = tokenizer(list(texts), max_length=max_length, stride=stride, truncation=True,
                    return_overflowing_tokens=True, padding=False,
                    return_attention_mask=False, return_token_type_ids=False)
    owner = enc.get("overflow_to_sample_mapping")
    if owner is None:  # tokenizers without overflow support: one window per text
        owner = list(range(len(texts)))
    return Windows([list(x) for x in enc["input_ids"]], np.asarray(owner, dtype=np.int64))


def pool(window_probs: np.ndarray, owner: np.ndarray, n_texts: int, method: str) -> np.ndarray:
    """Pool window rows into one row per text with ``max`` or ``mean``."""
    if method not in POOLINGS:
        raise ValueError(f"pooling must be one of {POOLINGS}, got {method!r}")
    n_labels = window_probs.shape[1] if window_probs.ndim == 2 else 0
    if method == "max":
        out = np.full((n_texts, n_labels), -np.inf)
        np.maximum.at(out, owner, window_probs)
        out[np.isinf(out)] = 0.0
        return out
    sums = np.zeros((n_texts, n_labels))
    np.add.at(sums, owner, window_probs)
    counts = np.bincount(owner, minlength=n_texts).reshape(-1, 1)
    return sums / np.maximum(counts, 1)


#: inference batches hold ``batch_size`` windows of this many tokens (a sentence is about 31)
TOKENS_PER_WINDOW = 32
#: padded tokens per inference batch: 32 windows' worth, 1,024, ran fastest on CPU (fixed
#: counts of windows made the batches of short texts too small and those of long texts too
#: large for the caches)
BATCH_TOKENS = 32 * TOKENS_PER_WINDOW


def length_batches(lengths: Sequence[int], batch_size: int, max_tokens: int | None = None
                   ) -> list[list[int]]:
    """Indices grouped into batches of similar length (longest first), so padding is small.

    Batches hold at most ``batch_size`` items and, with ``max_tokens``, at most that many
    padded tokens (items x the batch's longest length; a longer item goes alone).

    >>> length_batches([3, 10, 4, 9, 1], 2)
    [[1, 3], [2, 0], [4]]
    >>> length_batches([3, 10, 4, 9, 1], 8, max_tokens=12)
    [[1], [3], [2, 0, 4]]
    """
    order = sorted(range(len(lengths)), key=lambda i: (-lengths[i], i))
    if max_tokens is None:
        return [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
    batches: list[list[int]] = []
    cur: list[int] = []
    for i in order:
        if cur and (len(cur) >= batch_size or (len(cur) + 1) * lengths[cur[0]] > max_tokens):
            batches.append(cur)
            cur = []
        cur.append(i)
    if cur:
        batches.append(cur)
    return batches


def pad_batch(seqs: Sequence[Sequence[int]], pad_id: int) -> tuple[Any, Any]:
    """``input_ids`` and ``attention_mask`` tensors padded to the longest sequence."""
    import torch

    width = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(seqs), width), dtype=torch.long)
    for i, s in enumerate(seqs):
        ids[i, :len(s)] = torch.tensor(s, dtype=torch.long)
        mask[i, :len(s)] = 1
    return ids, mask
