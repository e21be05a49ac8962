"""``evaluate_stance()``: score a stance model on labelled rows (the function behind
``framing evaluate --task stance``).

The report is ``{accuracy, macro_f1, f_avg, per_label, n, confusion, level, labels}``
(:func:`~framing.stance.metrics.stance_report`; ``f_avg`` is the SemEval-2016 Task 6 metric,
the mean F1 of favor and against).

``level="sentence"`` (the default) scores each (target, text) pair as one input (long texts as
token windows); ``level="document"`` splits each text into sentences and pools them with the
model's document rule, as the Analyzer does. ``restrict_to_gold=True`` limits predictions to
the labels that occur in the gold data: a three-label model on data without a ``none`` class
(such as the IBM claim stance data) then picks the stronger of favor and against.

Example:
    >>> from framing.stance import evaluate_stance
    >>> rep = evaluate_stance("models/stance-default", "test.jsonl")        # doctest: +SKIP
    >>> sorted(rep)[:4]                                                     # doctest: +SKIP
    ['accuracy', 'confusion', 'f_avg', 'labels']
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from framing.errors import Errors, FramingError
from framing.stance.data import StanceLike, as_stance_data, canonical_labels
from framing.stance.metrics import stance_report
from framing.stance.model import StanceModel

LEVELS = ("sentence", "document")


def evaluate_stance(model: StanceModel | str | Path, rows: StanceLike, *,
                    level: str = "sentence", restrict_to_gold: bool = False,
                    batch_size: int = 64, nlp: Any = None) -> dict[str, Any]:
    """Evaluate ``model`` on ``rows`` (path, :class:`~framing.stance.data.StanceData` or row
    dicts with ``text``, ``target``, ``stance``); see the module docstring."""
    if level not in LEVELS:
        raise FramingError(Errors.E701.format(
            detail=f"level must be one of {LEVELS}, got {level!r}"))
    m = model if isinstance(model, StanceModel) else StanceModel.load(model)
    data = as_stance_data(rows)
    unknown = [lab for lab in data.used_labels() if lab not in m.labels]
    if unknown:
        raise FramingError(Errors.E707.format(labels=", ".join(unknown),
                                              known=", ".join(m.labels)))
    restrict = data.used_labels() if restrict_to_gold else None
    if level == "sentence":
        pred = m.predict(data.pairs, batch_size=batch_size, restrict=restrict)
    else:
        from framing.stance.document import doc_inputs

        pred = []
        inputs = doc_inputs(m, data.texts, data.targets, nlp=nlp, batch_size=batch_size,
                            relevance=bool(m.pooling.relevance_threshold))
        for p, cues, rel in inputs:
            label = m.pooling.pool(p, m.labels, cues, rel).label
            if label == "none" and restrict is not None and "none" not in restrict:
                # 'none' cannot be right here: the stronger polar sentence decides
                sf, sa = m.pooling.strengths(p, m.labels, cues)
                label = "favor" if sf.max(initial=0.0) >= sa.max(initial=0.0) else "against"
            pred.append(label)
    rep = stance_report(data.labels, pred, m.labels)
    rep["level"] = level
    rep["labels"] = canonical_labels(m.labels)
    return rep
