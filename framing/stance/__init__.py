"""Former home of the stance models, kept as an alias of :mod:`framing.models.stance` and
:mod:`framing.pipeline.stance` so that existing code keeps working. New code imports from
there.

Example:
    >>> from framing.stance import StanceSettings
    >>> StanceSettings().max_target_tokens
    32
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from framing.models import stance as _stance
from framing.models.trainer import TrainResult
from framing.pipeline import stance as _doc

STANCE_LABELS, StanceData, StanceModel = _stance.STANCE_LABELS, _stance.StanceData, \
    _stance.StanceModel
StanceSettings, DecisionRule, PoolingRule = _stance.StanceSettings, _stance.DecisionRule, \
    _stance.PoolingRule
read_stance, split_dev, stance_report = _stance.read_stance, _stance.split_dev, \
    _stance.stance_report
document_stance, stance_for_docs, stance_for_each, targets_for = \
    _doc.document_stance, _doc.stance_for_docs, _doc.stance_for_each, _doc.targets_for
StanceTrainResult = TrainResult

__all__ = ["STANCE_LABELS", "DecisionRule", "PoolingRule", "StanceData", "StanceModel",
           "StanceSettings", "StanceTrainResult", "document_stance", "evaluate_stance",
           "read_stance", "split_dev", "stance_for_docs", "stance_for_each", "stance_report",
           "targets_for", "train_stance"]


def train_stance(rows: Any, out_dir: str | Path, settings: Any = None, *,
                 dev_rows: Any = None, test_rows: Any = None, **kwargs: Any) -> TrainResult:
    """``framing.models.train("stance", rows, out_dir, settings, eval_data=dev_rows,
    test_data=test_rows, **kwargs)``."""
    from framing.models.trainer import train

    return train("stance", rows, out_dir, settings, eval_data=dev_rows, test_data=test_rows,
                 **kwargs)


def evaluate_stance(model: Any, rows: Any, **options: Any) -> dict[str, Any]:
    """``framing.models.evaluate(rows, model, **options)`` (``level``, ``restrict_to_gold``,
    ``batch_size``, ``nlp``)."""
    from framing.models.trainer import evaluate

    out: dict[str, Any] = evaluate(rows, model, **options)
    return out
