"""Checked training settings.

Example:
    >>> from framing.train.config import TrainConfig
    >>> cfg = TrainConfig(level="document")
    >>> cfg.max_length, cfg.stride
    (256, 64)
    >>> TrainConfig(pooling="median")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    framing.errors.FramingError: [E406] Invalid training settings: --pooling must be one of ...
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from framing.errors import Errors, FramingError
from framing.train.metrics import MIN_POSITIVES
from framing.train.windows import POOLINGS

METHODS = ("transformer", "tfidf")
LEVELS = ("sentence", "document")
DEFAULT_MAX_LENGTH = {"sentence": 128, "document": 256}
DEFAULT_EVAL_SPLIT = 0.15
#: Default epochs: enough for this many optimizer steps, within [MIN_AUTO, MAX_AUTO] epochs.
MIN_STEPS = 400
MIN_AUTO_EPOCHS, MAX_AUTO_EPOCHS = 4, 20


def _bad(detail: str) -> FramingError:
    return FramingError(Errors.E406.format(detail=detail))


@dataclass
class TrainConfig:
    """Everything that shapes a trained model; stored in ``framing_model.json``.

    ``epochs`` (the maximum; early stopping may end sooner) defaults to enough passes for about
    :data:`MIN_STEPS` optimizer steps, between 4 and 20: a few hundred labelled sentences need
    many passes, thousands need few (:meth:`resolve_epochs`).
    ``max_length`` defaults to 128 tokens for sentences and 256 for documents, ``stride`` (the
    overlap of consecutive windows) to a quarter of it. ``eval_split`` is the share of the
    training rows held out as dev data when no separate dev file is given (default 0.15; 0
    trains on everything, then thresholds stay at 0.5 and there is no early stopping or fusion).
    ``freeze_embeddings`` keeps the encoder's word embeddings fixed: the largest matrix of a
    small encoder (12 of MiniLM-L6's 22 M parameters) then needs no gradient or optimizer
    state, which makes a CPU epoch markedly faster and guards rare words against overfitting.
    ``head_lr_scale`` (default 10) multiplies the learning rate of the new classification head
    and BERT's pooler, which start from scratch while the encoder only needs adjusting; on the
    op-ed corpus it doubled dev micro-F1 after two short epochs.
    """

    method: str = "transformer"
    level: str = "sentence"
    base_model: str | None = None
    epochs: int | None = None
    lr: float = 1e-4
    batch_size: int = 16
    max_length: int | None = None
    stride: int | None = None
    pooling: str = "max"
    seed: int = 0
    eval_split: float | None = None
    patience: int = 2
    weight_decay: float = 0.01
    warmup: float = 0.1
    min_positives: int = MIN_POSITIVES
    freeze_embeddings: bool = True
    head_lr_scale: float = 10.0
    # TF-IDF baseline
    tfidf_c: float = 10.0
    tfidf_min_df: int = 1

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise _bad(f"--method must be one of {METHODS}, got {self.method!r}")
        if self.level not in LEVELS:
            raise _bad(f"--level must be one of {LEVELS}, got {self.level!r}")
        if self.pooling not in POOLINGS:
            raise _bad(f"--pooling must be one of {POOLINGS}, got {self.pooling!r}")
        if self.epochs is not None and self.epochs < 1:
            raise _bad(f"--epochs must be at least 1, got {self.epochs}")
        if not 0 < self.lr < 1:
            raise _bad(f"--lr must be in (0, 1), got {self.lr}")
        if self.batch_size < 1:
            raise _bad(f"--batch-size must be at least 1, got {self.batch_size}")
        if self.max_length is None:
            self.max_length = DEFAULT_MAX_LENGTH[self.level]
        if self.max_length < 8:
            raise _bad(f"--max-length must be at least 8 tokens, got {self.max_length}")
        if self.stride is None:
            self.stride = self.max_length // 4
        if not 0 <= self.stride <= self.max_length - 4:
            raise _bad(f"--stride must be between 0 and max_length - 4 ({self.max_length - 4}), "
                       f"got {self.stride}")
        if self.eval_split is not None and not 0 <= self.eval_split < 0.9:
            raise _bad(f"--eval-split must be in [0, 0.9), got {self.eval_split}")
        if self.patience < 0:
            raise _bad(f"--patience must be 0 (off) or more, got {self.patience}")
        if self.min_positives < 1:
            raise _bad(f"min_positives must be at least 1, got {self.min_positives}")
        if not 0 <= self.warmup < 1:
            raise _bad(f"warmup must be in [0, 1), got {self.warmup}")
        if self.head_lr_scale <= 0:
            raise _bad(f"head_lr_scale must be positive, got {self.head_lr_scale}")
        if self.tfidf_c <= 0:
            raise _bad(f"tfidf_c must be positive, got {self.tfidf_c}")

    def resolve_epochs(self, steps_per_epoch: int) -> int:
        """The number of epochs to run (see the class docstring)."""
        if self.epochs is not None:
            return self.epochs
        return min(MAX_AUTO_EPOCHS, max(MIN_AUTO_EPOCHS, math.ceil(MIN_STEPS /
                                                                   max(1, steps_per_epoch))))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
