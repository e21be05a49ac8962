"""Checked settings for training a stance model (on the shared base of every task).

Example:
    >>> from framing.models.stance import StanceSettings
    >>> s = StanceSettings(epochs=2)
    >>> s.max_length, s.stride, s.class_weight
    (128, 32, 'balanced')
    >>> StanceSettings(class_weight="svm")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    framing.errors.FramingError: [E701] Invalid stance settings: class_weight must be one of ...
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from framing.models.settings import Settings

CLASS_WEIGHTS = ("balanced", "sqrt", "none")
DEV_SPLITS = ("auto", "rows", "targets")


@dataclass
class StanceSettings(Settings):
    """Everything that shapes a trained stance model; stored in ``framing_model.json``.

    Besides the shared settings (:class:`~framing.models.settings.Settings`; here
    ``batch_size`` counts pairs, and ``max_length`` the tokens of target + text, special tokens
    included): ``max_target_tokens`` (targets are cut to this), ``class_weight`` (``balanced``:
    inverse class frequency in the loss, ``sqrt``: its square root, ``none``),
    ``train_layers`` (fine-tune only the top N transformer layers and the head, freezing the
    rest: less to overfit on small data, and a cheaper backward pass; None = all layers),
    ``negated_targets`` (the share of favor/against training rows added again toward the
    negated target with the opposite label, see :func:`~framing.models.stance.data.
    negate_target`), ``paraphrased_targets``, ``unrelated_targets`` and ``hard_negatives``
    (the shares of target-contrastive pairs added, see :func:`~framing.models.stance.data.
    add_contrastive_pairs`), ``target_template`` (how the target is put to the encoder:
    ``"{target}"`` as it is, or an NLI-style hypothesis such as ``"the author supports:
    {target}"``; stored in the model and applied at inference), ``relevance_encoder`` (the
    sentence encoder of the document relevance gate, :mod:`framing.models.stance.relevance`:
    ``"default"`` = the shipped all-MiniLM-L6-v2, a local directory or Hugging Face id, or None
    to switch the gate off), ``opposite_pairing`` (stored in the model and applied at inference,
    the decision and pooling rules tuned under it: ``"off"``, ``"mean"`` / ``"product"`` = each
    target also scored toward its opposite and the two views averaged / multiplied,
    ``"canonical"`` = one of the two scored and flipped for the other, ``"auto"`` = product for
    declared opposites, canonical for the rest; see :mod:`framing.models.stance.pairing`).

    Dev data: when no dev rows are given, ``eval_split`` of the training rows is held out.
    ``dev_split="targets"`` holds out whole targets (the honest choice when the model will meet
    unseen targets), ``"rows"`` random rows, ``"auto"`` targets when the data has at least
    ``min_dev_targets * 2`` distinct targets, else rows.
    """

    ERROR: ClassVar[str] = "E701"

    epochs: int | None = 6
    lr: float = 2e-5
    max_length: int | None = 128
    stride: int | None = 32
    eval_split: float | None = 0.15
    head_lr_scale: float = 1.0
    tfidf_c: float = 4.0
    max_target_tokens: int = 32
    dev_split: str = "auto"
    min_dev_targets: int = 3
    class_weight: str = "balanced"
    train_layers: int | None = None
    negated_targets: float = 0.0
    paraphrased_targets: float = 0.0
    unrelated_targets: float = 0.0
    hard_negatives: float = 0.0
    target_template: str = "{target}"
    relevance_encoder: str | None = "default"
    opposite_pairing: str = "off"

    def check(self) -> None:
        if self.max_length is None:
            self.max_length = 128
        if self.max_target_tokens < 1:
            raise self.bad(f"max_target_tokens must be at least 1, got {self.max_target_tokens}")
        if self.max_length < self.max_target_tokens + 8:
            raise self.bad(f"max_length ({self.max_length}) must leave at least 8 tokens of "
                           f"text after a target of max_target_tokens "
                           f"({self.max_target_tokens})")
        self.check_windows(128, reserve=self.max_target_tokens + 8)
        if self.dev_split not in DEV_SPLITS:
            raise self.bad(f"dev_split must be one of {DEV_SPLITS}, got {self.dev_split!r}")
        if self.min_dev_targets < 1:
            raise self.bad(f"min_dev_targets must be at least 1, got {self.min_dev_targets}")
        if self.class_weight not in CLASS_WEIGHTS:
            raise self.bad(f"class_weight must be one of {CLASS_WEIGHTS}, got "
                           f"{self.class_weight!r}")
        if self.train_layers is not None and self.train_layers < 0:
            raise self.bad(f"train_layers must be 0 or more (or None for all), got "
                           f"{self.train_layers}")
        for name in ("negated_targets", "paraphrased_targets", "unrelated_targets",
                     "hard_negatives"):
            v = getattr(self, name)
            if not 0 <= v <= 1:
                raise self.bad(f"{name} must be in [0, 1], got {v}")
        from framing.models.stance.pairing import PAIRINGS

        if self.opposite_pairing not in PAIRINGS:
            raise self.bad(f"opposite_pairing must be one of {PAIRINGS}, got "
                           f"{self.opposite_pairing!r}")
        if "{target}" not in self.target_template:
            raise self.bad(f"target_template must contain '{{target}}', got "
                           f"{self.target_template!r}")
