"""A trained frame model: the multi-label predictor over a model directory.

Besides the common files (:mod:`framing.models.directory`), ``framing_model.json`` of a frame
model holds per-label ``thresholds``, the ``level`` (sentence or document rows), the window
``pooling``, and the rules+classifier ``fusion`` (with optional domain gates); ``codebook.json``
holds the codebook whose rules go with it.

Example:
    >>> from framing.models.frames import FrameModel
    >>> m = FrameModel.load("models/frames-default")                   # doctest: +SKIP
    >>> m.predict_proba(["Leave drug policy to the states."]).shape    # doctest: +SKIP
    (1, 17)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from framing.codebook import Codebook
from framing.models.frames.fusion import Fusion
from framing.models.inference import logit_band
from framing.models.model import Model


class FrameModel(Model):
    """A loaded frame model (transformer or TF-IDF) with one predictor API.

    Attributes: ``labels``, ``thresholds`` (array, label order), ``level``, ``pooling``,
    ``max_length``, ``stride``, ``method``, ``meta`` (the whole ``framing_model.json``),
    ``codebook`` (or None), ``fusion`` (or None), ``path``, ``precision``.
    """

    task: ClassVar[str | None] = "frames"

    def __init__(self, meta: dict[str, Any], *, path: Path | None = None, model: Any = None,
                 tokenizer: Any = None, estimator: Any = None, head: Any = None,
                 codebook: Codebook | None = None) -> None:
        super().__init__(meta, path=path, model=model, tokenizer=tokenizer,
                         estimator=estimator, head=head)
        self.thresholds = np.array([float(meta["thresholds"][lab]) for lab in self.labels])
        self.level: str = meta["level"]
        self.pooling: str = meta["pooling"]
        self.codebook = codebook
        fz = meta.get("fusion")
        self.fusion: Fusion | None = Fusion.from_dict(fz, self.labels) if fz else None

    # ----- prediction -----------------------------------------------------------------------
    def predict(self, texts: Sequence[str], batch_size: int | None = None) -> list[list[str]]:
        """Labels at or above their thresholds, per text."""
        hits = self.predict_proba(texts, batch_size) >= self.thresholds
        return [[lab for lab, h in zip(self.labels, row, strict=True) if h] for row in hits]

    def undecided(self, p: np.ndarray, r: np.ndarray, margin: float,
                  lift: Callable[[np.ndarray], np.ndarray] | None = None) -> np.ndarray:
        """Rows whose decisions an error of up to ``margin`` in the logit of ``p`` could change:
        some label's classifier decision (``p >= thresholds``) or fused decision (after
        ``lift``) differs between the two ends of :func:`~framing.models.inference.
        logit_band`. Fusion is monotone in ``p``, so the other rows get the same labels from
        any ``p`` within the margin."""
        lo, hi = logit_band(p, margin)
        out = ((lo >= self.thresholds) != (hi >= self.thresholds)).any(axis=1)
        lift = lift or (lambda x: x)
        f_lo, f_hi = lift(self.fuse(lo, r)), lift(self.fuse(hi, r))
        th = self.fused_thresholds
        return np.asarray(out | ((f_lo >= th) != (f_hi >= th)).any(axis=1))

    def fuse(self, p: np.ndarray, r: np.ndarray) -> np.ndarray:
        """Fused probabilities from classifier ``p`` and rule scores ``r`` (``p`` if no fusion)."""
        return np.asarray(p, dtype=np.float64) if self.fusion is None else self.fusion.apply(p, r)

    @property
    def fused_thresholds(self) -> np.ndarray:
        return self.thresholds if self.fusion is None else self.fusion.threshold_array()

    def rules_codebook(self) -> Codebook | None:
        """The codebook whose rules go with this model: its own, else the default one when every
        label is a default frame, else None."""
        if self.codebook is not None:
            return self.codebook
        default = Codebook.default()
        return default if all(lab in default for lab in self.labels) else None

    def info(self) -> dict[str, Any]:
        """What goes into the ``model`` field of results."""
        base = self.meta.get("base_model") or {}
        return {"name": self.name, "path": str(self.path) if self.path else None,
                "method": self.method,
                "base_model": base.get("name") if isinstance(base, dict) else base,
                "level": self.level, "labels": len(self.labels),
                "data_fingerprint": (self.meta.get("data") or {}).get("fingerprint"),
                "fusion": self.fusion is not None, "precision": self.precision,
                "created": self.meta.get("created")}
