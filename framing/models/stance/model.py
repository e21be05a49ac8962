"""A trained stance model: the (target, text) predictor over a model directory.

Besides the common files (:mod:`framing.models.directory`), ``framing_model.json`` of a stance
model holds ``task: "stance"``, the ``labels`` (``favor``, ``against`` and usually ``none``),
``decision`` (the sentence-level rule tuned on dev, :class:`~framing.models.stance.metrics.
DecisionRule`), ``pooling`` (the document rule, :class:`~framing.models.stance.pooling.
PoolingRule`), ``max_target_tokens`` and ``relevance``: the sentence encoder of the document
relevance gate (``{"encoder": "default"}`` = the shipped all-MiniLM-L6-v2, or a directory / hub
id, resolved when the model loads; null when the gate is off), and ``opposite_pairing``
(``"off"``, ``"mean"``, ``"product"``, ``"canonical"`` or ``"auto"``: how the stance toward a
target is tied to the stance toward its opposite, :mod:`framing.models.stance.pairing`;
absent: ``"off"``). The weights are a cross-encoder
(:class:`~framing.models.stance.network.PairClassifier`) or the TF-IDF baseline.

Document-level stance (sentences scored and pooled, with evidence) is the ``stance_detector``
spaCy component: :func:`framing.pipeline.stance.document_stance`.

Example:
    >>> from framing.models.stance import StanceModel
    >>> m = StanceModel.load("models/stance-default")                     # doctest: +SKIP
    >>> m.predict([("states deciding their own drug policy",                # doctest: +SKIP
    ...             "Drug policy should be left to the states.")])
    ['favor']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from framing.errors import Errors, FramingError
from framing.models.model import LabelModel
from framing.models.stance.data import check_target
from framing.models.stance.metrics import DecisionRule
from framing.models.stance.pairing import PAIRINGS, paired_proba
from framing.models.stance.pooling import PoolingRule

TASK = "stance"
Pair = tuple[str, str]


class StanceModel(LabelModel):
    """A loaded stance model (transformer cross-encoder or TF-IDF baseline).

    Attributes: ``labels``, ``method``, ``rule`` (sentence decision rule), ``pooling``
    (document rule), ``max_length``, ``stride``, ``max_target_tokens``, ``relevance`` (the
    :class:`~framing.models.stance.relevance.RelevanceEncoder` of the gate, or None),
    ``opposite_pairing`` (from the model's ``framing_model.json``; assign to switch it for
    this instance), ``meta``, ``path``.
    """

    task: ClassVar[str | None] = TASK

    def __init__(self, meta: dict[str, Any], *, path: Path | None = None, model: Any = None,
                 tokenizer: Any = None, estimator: Any = None, head: Any = None,
                 relevance: Any = None) -> None:
        super().__init__(meta, path=path, model=model, tokenizer=tokenizer,
                         estimator=estimator, head=head)
        self.rule = DecisionRule.from_dict(self.labels, meta.get("decision") or {})
        self.pooling = PoolingRule.from_dict(meta.get("pooling") or {})
        self.max_target_tokens = int(meta["max_target_tokens"])
        #: how targets are put to the encoder (models built before it existed: as they are)
        self.target_template = str(meta.get("target_template") or "{target}")
        self.relevance = relevance
        pairing = str(meta.get("opposite_pairing") or "off")
        if pairing not in PAIRINGS:
            raise FramingError(Errors.E720.format(value=pairing, where=f"model {path}",
                                                  allowed=", ".join(PAIRINGS)))
        #: how the stance toward a target is tied to its opposite's (see the module docstring)
        self.opposite_pairing = pairing

    @classmethod
    def wrong_task(cls, root: Path, task: str) -> FramingError:
        return FramingError(Errors.E705.format(path=root, task=task))

    def check_inputs(self, inputs: Sequence[Any]) -> list[Any]:
        return [(check_target(t, f"#{i + 1}"), x) for i, (t, x) in enumerate(inputs)]

    def predict_proba(self, inputs: Sequence[Pair], batch_size: int | None = None,
                      precision: str | None = None, *, pairing: str | None = None,
                      opposites: Mapping[str, str] | None = None) -> np.ndarray:
        """Probabilities ``(len(pairs), len(labels))`` of ``(target, text)`` pairs: long
        texts as windows (logits averaged), batches sorted by length with dynamic padding,
        ``torch.inference_mode``; the stance toward each target tied to the stance toward its
        opposite under ``pairing`` (default: the model's ``opposite_pairing``; ``"off"``: the
        raw network), the opposite being the declared one in ``opposites``, else the
        negation (:mod:`framing.models.stance.pairing`)."""
        mode = pairing or self.opposite_pairing
        if mode == "off":
            return super().predict_proba(inputs, batch_size, precision)
        pairs = self.check_inputs(inputs)
        return paired_proba(lambda ps: super(StanceModel, self).predict_proba(
            ps, batch_size, precision), pairs, self.labels, mode, opposites)

    def predict(self, inputs: Sequence[Pair], batch_size: int | None = None,
                restrict: Sequence[str] | None = None, *, pairing: str | None = None,
                opposites: Mapping[str, str] | None = None) -> list[str]:
        """One label per pair under the tuned decision rule (``restrict``: see
        :meth:`DecisionRule.decide`; ``pairing``, ``opposites``: see :meth:`predict_proba`)."""
        return self.rule.decide(self.predict_proba(inputs, batch_size, pairing=pairing,
                                                   opposites=opposites), restrict)

    def info(self) -> dict[str, Any]:
        """What goes into the ``model`` field of results (``model["stance"]``)."""
        base = self.meta.get("base_model") or {}
        return {"name": self.name, "path": str(self.path) if self.path else None,
                "task": TASK, "method": self.method,
                "base_model": base.get("name") if isinstance(base, dict) else base,
                "labels": list(self.labels),
                "relevance": self.relevance.base.name if self.relevance is not None else None,
                "opposite_pairing": self.opposite_pairing,
                "data_fingerprint": (self.meta.get("data") or {}).get("fingerprint"),
                "created": self.meta.get("created")}
