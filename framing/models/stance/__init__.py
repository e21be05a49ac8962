"""The stance task: favor, against or none toward free-text targets.

Document-level stance (every sentence scored and pooled so that one strong sentence can carry
the document, with evidence) is the ``stance_detector`` spaCy component
(:mod:`framing.pipeline.stance`), which runs in the Analyzer's pipeline.

Example:
    >>> from framing.models import train
    >>> from framing.models.stance import StanceModel, StanceSettings
    >>> res = train("stance", "rows.jsonl", "models/my-stance",          # doctest: +SKIP
    ...             StanceSettings(epochs=3), eval_data="dev.jsonl")
    >>> StanceModel.load("models/my-stance").predict(                     # doctest: +SKIP
    ...     [("states deciding their own drug policy", "Leave it to the states.")])
    ['favor']
"""

from framing.models.stance.data import (
    STANCE_LABELS,
    StanceData,
    as_stance_data,
    read_stance,
    split_dev,
)
from framing.models.stance.head import StanceHead
from framing.models.stance.metrics import DecisionRule, stance_report
from framing.models.stance.model import StanceModel
from framing.models.stance.pooling import PoolingRule
from framing.models.stance.settings import StanceSettings

__all__ = ["STANCE_LABELS", "DecisionRule", "PoolingRule", "StanceData", "StanceHead",
           "StanceModel", "StanceSettings", "as_stance_data", "read_stance", "split_dev",
           "stance_report"]
