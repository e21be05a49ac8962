"""Checked training settings: one dataclass per task on one validated base.

:class:`Settings` holds what every task shares (method, encoder, epochs, learning rate, batch
size, token windows, seed, dev split, early stopping, optimiser, TF-IDF baseline) and checks it
once, in ``__post_init__`` (the setfit ``TrainingArguments`` way): a bad value never reaches
training. A task's settings class adds its own fields and defaults and checks them in
:meth:`Settings.check`. The same class serves the Python API, recipes
(:meth:`Settings.from_dict`: unknown keys are an error) and the CLI
(:meth:`Settings.from_options`: an option the task does not have is an error, never ignored).

Example:
    >>> from framing.models.frames import FrameSettings
    >>> FrameSettings(level="document").max_length
    256
    >>> FrameSettings.from_options({"max_target_tokens": 8}, "frames")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    framing.errors.FramingError: [E413] --max-target-tokens does not apply to --task frames...
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from typing import Any, ClassVar

from framing.errors import Errors, FramingError

#: How a model is trained: fine-tune the encoder, TF-IDF + logistic regression, frozen-encoder
#: embeddings + logistic regression (:mod:`framing.models.embed`), or the best of them on dev
#: data within a time budget (:mod:`framing.models.auto`).
METHODS = ("transformer", "tfidf", "fast", "auto")
#: Default ``time_budget`` (minutes) of ``method="auto"``: all candidates together, so that a
#: few hundred documents train within ten minutes on two cores.
DEFAULT_TIME_BUDGET = 8.0
#: Default epochs of a task whose ``epochs`` is None: enough for this many optimizer steps,
#: within [MIN_AUTO_EPOCHS, MAX_AUTO_EPOCHS] epochs.
MIN_STEPS = 400
MIN_AUTO_EPOCHS, MAX_AUTO_EPOCHS = 4, 20


def option_name(field: str) -> str:
    """The CLI spelling of a settings field: ``max_length`` -> ``--max-length``."""
    return "--" + field.replace("_", "-")


@dataclass
class Settings:
    """What every task's training shares; see the module docstring.

    ``epochs`` is the maximum (early stopping may end sooner; None: enough passes for about
    :data:`MIN_STEPS` optimizer steps, between 4 and 20). ``max_length`` is the tokens of one
    window (special tokens included), ``stride`` the overlap of consecutive windows of a
    longer text. ``eval_split`` is the share of the training rows held out as dev data when no
    dev data is given (0: train on everything; thresholds then stay at their defaults and there
    is no early stopping). ``freeze_embeddings`` keeps the encoder's word embeddings fixed (the
    largest matrix of a small encoder: faster CPU epochs, rare words guarded against
    overfitting). ``head_lr_scale`` multiplies the learning rate of the new classification head
    and BERT's pooler, which start from scratch while the encoder only needs adjusting.
    ``tfidf_c`` and ``tfidf_min_df`` shape the TF-IDF baseline (``method="tfidf"``).
    ``method`` None means the task's default (:meth:`default_method`). ``fast_c`` is the
    inverse L2 strength of the per-label logistic regressions of ``method="fast"`` (None:
    chosen per label by cross-validation on the training rows).
    ``time_budget`` (minutes) bounds training: ``auto`` divides it among its candidates
    (default :data:`DEFAULT_TIME_BUDGET`), and fine-tuning stops before an epoch that would
    overrun it (None: no bound). ``head_warmup``: epochs at the start of fine-tuning that
    train only the new head on the frozen encoder (None: the task's default, 0 here).
    ``baselines`` (default on): fit the prior and TF-IDF
    baselines on the same rows and report them in the card and the run's output.
    """

    #: the catalogue entry for a bad value (a task may use its own)
    ERROR: ClassVar[str] = "E406"

    method: str | None = None
    base_model: str | None = None
    epochs: int | None = None
    lr: float = 1e-4
    batch_size: int = 16
    max_length: int | None = None
    stride: int | None = None
    seed: int = 0
    eval_split: float | None = None
    patience: int = 2
    weight_decay: float = 0.01
    warmup: float = 0.1
    freeze_embeddings: bool = True
    head_lr_scale: float = 10.0
    tfidf_c: float = 10.0
    tfidf_min_df: int = 1
    fast_c: float | None = None
    head_warmup: int | None = None
    time_budget: float | None = None
    baselines: bool = True

    def __post_init__(self) -> None:
        if self.method is None:
            self.method = self.default_method()
        if self.method not in METHODS:
            raise self.bad(f"--method must be one of {METHODS}, got {self.method!r}")
        if self.epochs is not None and self.epochs < 1:
            raise self.bad(f"--epochs must be at least 1, got {self.epochs}")
        if not 0 < self.lr < 1:
            raise self.bad(f"--lr must be in (0, 1), got {self.lr}")
        if self.batch_size < 1:
            raise self.bad(f"--batch-size must be at least 1, got {self.batch_size}")
        if self.eval_split is not None and not 0 <= self.eval_split < 0.9:
            raise self.bad(f"--eval-split must be in [0, 0.9), got {self.eval_split}")
        if self.patience < 0:
            raise self.bad(f"--patience must be 0 (off) or more, got {self.patience}")
        if self.weight_decay < 0:
            raise self.bad(f"weight_decay must be 0 or more, got {self.weight_decay}")
        if not 0 <= self.warmup < 1:
            raise self.bad(f"warmup must be in [0, 1), got {self.warmup}")
        if self.head_lr_scale <= 0:
            raise self.bad(f"head_lr_scale must be positive, got {self.head_lr_scale}")
        if self.tfidf_c <= 0:
            raise self.bad(f"tfidf_c must be positive, got {self.tfidf_c}")
        if self.tfidf_min_df < 1:
            raise self.bad(f"tfidf_min_df must be at least 1, got {self.tfidf_min_df}")
        if self.fast_c is not None and self.fast_c <= 0:
            raise self.bad(f"fast_c must be positive, got {self.fast_c}")
        if self.time_budget is not None and not self.time_budget > 0:
            raise self.bad(f"--time-budget must be a positive number of minutes, got "
                           f"{self.time_budget}")
        if self.head_warmup is not None and self.head_warmup < 0:
            raise self.bad(f"--head-warmup must be 0 or more epochs, got {self.head_warmup}")
        if self.method == "auto" and self.time_budget is None:
            self.time_budget = DEFAULT_TIME_BUDGET
        self.check()

    def default_method(self) -> str:
        """The method when none is given (a task may choose by its other settings)."""
        return "transformer"

    def check(self) -> None:
        """The task's own checks and derived defaults (at least :meth:`check_windows`)."""
        self.check_windows(128)

    def check_windows(self, default_length: int, reserve: int = 4) -> None:
        """Default ``max_length`` and ``stride`` (a quarter of it) and check them: the stride
        leaves at least ``reserve`` tokens of each window new."""
        if self.max_length is None:
            self.max_length = default_length
        if self.max_length < 8:
            raise self.bad(f"--max-length must be at least 8 tokens, got {self.max_length}")
        if self.stride is None:
            self.stride = self.max_length // 4
        if not 0 <= self.stride <= self.max_length - reserve:
            raise self.bad(f"--stride must be between 0 and max_length - {reserve} "
                           f"({self.max_length - reserve}), got {self.stride}")

    @classmethod
    def bad(cls, detail: str) -> FramingError:
        """The task's numbered error for an invalid setting."""
        return FramingError(getattr(Errors, cls.ERROR).format(detail=detail))

    def resolve_epochs(self, steps_per_epoch: int) -> int:
        """The number of epochs to run (see the class docstring)."""
        if self.epochs is not None:
            return self.epochs
        return min(MAX_AUTO_EPOCHS, max(MIN_AUTO_EPOCHS, math.ceil(
            MIN_STEPS / max(1, steps_per_epoch))))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def field_names(cls) -> list[str]:
        return [f.name for f in fields(cls)]

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Settings:
        """Build from a dict (e.g. a recipe); unknown keys are an error."""
        known = cls.field_names()
        unknown = sorted(set(d) - set(known))
        if unknown:
            raise cls.bad(f"unknown setting(s) {unknown}; known: {sorted(known)}")
        return cls(**d)

    @classmethod
    def from_options(cls, options: dict[str, Any], task: str) -> Settings:
        """Build from command-line options: the ones given (not None); an option that is not a
        setting of this task is ``[E413]``, so nothing a user typed is silently dropped."""
        given = {k: v for k, v in options.items() if v is not None}
        known = set(cls.field_names())
        reject_options([k for k in given if k not in known], task)
        return cls(**{k: getattr(v, "value", v) for k, v in given.items()})


def reject_options(names: list[str], task: str) -> None:
    """``[E413]`` naming the options (field names) that a task does not have, if any."""
    if names:
        flags = ", ".join(option_name(n) for n in sorted(names))
        raise FramingError(Errors.E413.format(flags=flags, task=task))
