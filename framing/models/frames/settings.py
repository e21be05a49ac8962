"""Checked settings for training a frame classifier (on the shared base of every task).

Example:
    >>> from framing.models.frames import FrameSettings
    >>> cfg = FrameSettings(level="document")
    >>> cfg.max_length, cfg.stride
    (256, 64)
    >>> FrameSettings(pooling="median")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    framing.errors.FramingError: [E406] Invalid training settings: --pooling must be one of ...
"""

from __future__ import annotations

from dataclasses import dataclass

from framing.models.inference import POOLINGS
from framing.models.metrics import MIN_POSITIVES
from framing.models.settings import Settings

LEVELS = ("sentence", "document")
DEFAULT_MAX_LENGTH = {"sentence": 128, "document": 256}
DEFAULT_EVAL_SPLIT = 0.15


@dataclass
class FrameSettings(Settings):
    """Everything that shapes a trained frame model; stored in ``framing_model.json``.

    Besides the shared settings (:class:`~framing.models.settings.Settings`): ``level``
    (``sentence`` or ``document`` rows), ``pooling`` of window scores (``max``: any window
    shows the frame; ``mean``: the share of the text that shows it) and ``min_positives`` (a
    label with fewer dev positives keeps the threshold 0.5). ``max_length`` defaults to 128
    tokens for sentences and 256 for documents, ``stride`` to a quarter of it; ``eval_split``
    to 0.15 when no dev file is given; ``method`` to ``transformer`` for sentences and ``auto``
    for documents (:meth:`default_method`); ``head_warmup`` to one epoch for documents (a
    few hundred long documents give few optimizer steps: a random head would spend them
    misdirecting the encoder) and none for sentences. ``epochs`` defaults to enough passes for about
    400 optimizer steps (between 4 and 20): a few hundred labelled sentences need many passes,
    thousands need few. ``head_lr_scale`` (default 10): on the op-ed corpus it doubled dev micro-F1
    after two short epochs.
    """

    level: str = "sentence"
    pooling: str = "max"
    min_positives: int = MIN_POSITIVES

    def default_method(self) -> str:
        """Sentences: fine-tuning. Documents: ``auto`` (TF-IDF, the fast frozen-encoder method
        and, if the time budget allows, fine-tuning; the best on dev): fine-tuning on a few
        hundred long documents takes tens of minutes per epoch on a CPU and, after one
        epoch, scores below TF-IDF."""
        return "auto" if self.level == "document" else "transformer"

    def check(self) -> None:
        if self.level not in LEVELS:
            raise self.bad(f"--level must be one of {LEVELS}, got {self.level!r}")
        if self.pooling not in POOLINGS:
            raise self.bad(f"--pooling must be one of {POOLINGS}, got {self.pooling!r}")
        self.check_windows(DEFAULT_MAX_LENGTH[self.level])
        if self.head_warmup is None:  # documents: few rows, long inputs, a random head
            self.head_warmup = 1 if self.level == "document" else 0
        if self.min_positives < 1:
            raise self.bad(f"min_positives must be at least 1, got {self.min_positives}")
