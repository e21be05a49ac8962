"""Checked settings for training a stance model.

Example:
    >>> from framing.stance.settings import StanceSettings
    >>> s = StanceSettings(epochs=2)
    >>> s.max_length, s.stride, s.class_weight
    (128, 32, 'balanced')
    >>> try:
    ...     StanceSettings(method="svm")
    ... except Exception as e:
    ...     print(e)
    [E701] Invalid stance settings: method must be one of ('transformer', 'tfidf'), got 'svm'
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from framing.errors import Errors, FramingError

METHODS = ("transformer", "tfidf")
CLASS_WEIGHTS = ("balanced", "sqrt", "none")
DEV_SPLITS = ("auto", "rows", "targets")


def _bad(detail: str) -> FramingError:
    return FramingError(Errors.E701.format(detail=detail))


@dataclass
class StanceSettings:
    """Everything that shapes a trained stance model; stored in ``framing_model.json``.

    Transformer: ``epochs``, ``lr``, ``batch_size`` (pairs per step), ``max_length`` (tokens of
    target + text, special tokens included; longer texts become overlapping windows that share
    ``stride`` tokens, their logits averaged), ``max_target_tokens`` (targets are cut to this),
    ``patience`` (epochs without dev improvement before stopping; 0 = off), ``class_weight``
    (``balanced``: inverse class frequency in the loss, ``sqrt``: its square root, ``none``),
    ``freeze_embeddings`` (keep the encoder's token embeddings as they are: words that occur
    only in unseen targets stay close to the words training saw, and each step is cheaper),
    ``train_layers`` (fine-tune only the top N transformer layers and the head, freezing the
    rest: less to overfit on small data, and a cheaper backward pass; None = all layers),
    ``negated_targets`` (the share of favor/against training rows added again toward the
    negated target with the opposite label, see :func:`~framing.stance.data.negate_target`),
    ``relevance_encoder`` (the sentence encoder of the document relevance gate,
    :mod:`framing.stance.relevance`: ``"default"`` = the shipped all-MiniLM-L6-v2, a local
    directory or Hugging Face id, or None to switch the gate off).

    Dev data: when no dev rows are given, ``eval_split`` of the training rows is held out.
    ``dev_split="targets"`` holds out whole targets (the honest choice when the model will meet
    unseen targets), ``"rows"`` random rows, ``"auto"`` targets when the data has at least
    ``min_dev_targets * 2`` distinct targets, else rows.

    TF-IDF baseline: ``tfidf_c`` and ``tfidf_min_df``.
    """

    method: str = "transformer"
    base_model: str | None = None
    epochs: int = 6
    lr: float = 2e-5
    batch_size: int = 16
    max_length: int = 128
    stride: int = 32
    max_target_tokens: int = 32
    seed: int = 0
    eval_split: float = 0.15
    dev_split: str = "auto"
    min_dev_targets: int = 3
    patience: int = 2
    weight_decay: float = 0.01
    warmup: float = 0.1
    class_weight: str = "balanced"
    freeze_embeddings: bool = True
    train_layers: int | None = None
    negated_targets: float = 0.0
    relevance_encoder: str | None = "default"
    tfidf_c: float = 4.0
    tfidf_min_df: int = 1

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise _bad(f"method must be one of {METHODS}, got {self.method!r}")
        if self.epochs < 1:
            raise _bad(f"epochs must be at least 1, got {self.epochs}")
        if not 0 < self.lr < 1:
            raise _bad(f"lr must be in (0, 1), got {self.lr}")
        if self.batch_size < 1:
            raise _bad(f"batch_size must be at least 1, got {self.batch_size}")
        if self.max_target_tokens < 1:
            raise _bad(f"max_target_tokens must be at least 1, got {self.max_target_tokens}")
        if self.max_length < self.max_target_tokens + 8:
            raise _bad(f"max_length ({self.max_length}) must leave at least 8 tokens of text "
                       f"after a target of max_target_tokens ({self.max_target_tokens})")
        if not 0 <= self.stride <= self.max_length - self.max_target_tokens - 8:
            raise _bad(f"stride must be between 0 and max_length - max_target_tokens - 8 "
                       f"({self.max_length - self.max_target_tokens - 8}), got {self.stride}")
        if not 0 <= self.eval_split < 0.9:
            raise _bad(f"eval_split must be in [0, 0.9), got {self.eval_split}")
        if self.dev_split not in DEV_SPLITS:
            raise _bad(f"dev_split must be one of {DEV_SPLITS}, got {self.dev_split!r}")
        if self.min_dev_targets < 1:
            raise _bad(f"min_dev_targets must be at least 1, got {self.min_dev_targets}")
        if self.patience < 0:
            raise _bad(f"patience must be 0 (off) or more, got {self.patience}")
        if not 0 <= self.warmup < 1:
            raise _bad(f"warmup must be in [0, 1), got {self.warmup}")
        if self.weight_decay < 0:
            raise _bad(f"weight_decay must be 0 or more, got {self.weight_decay}")
        if self.class_weight not in CLASS_WEIGHTS:
            raise _bad(f"class_weight must be one of {CLASS_WEIGHTS}, got {self.class_weight!r}")
        if self.train_layers is not None and self.train_layers < 0:
            raise _bad(f"train_layers must be 0 or more (or None for all), got "
                       f"{self.train_layers}")
        if not 0 <= self.negated_targets <= 1:
            raise _bad(f"negated_targets must be in [0, 1], got {self.negated_targets}")
        if self.tfidf_c <= 0:
            raise _bad(f"tfidf_c must be positive, got {self.tfidf_c}")
        if self.tfidf_min_df < 1:
            raise _bad(f"tfidf_min_df must be at least 1, got {self.tfidf_min_df}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> StanceSettings:
        """Build from a dict (e.g. a recipe); unknown keys are an ``[E701]`` error."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise _bad(f"unknown setting(s) {unknown}; known: {sorted(known)}")
        return cls(**d)
