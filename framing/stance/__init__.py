"""Stance toward free-text targets: favor, against or none, with the sentences that show it.

* :func:`train_stance` fine-tunes a cross-encoder (``[CLS] target [SEP] text [SEP]``) or fits
  the TF-IDF baseline on rows with ``text``, ``target`` and ``stance``, and writes a model
  directory (:class:`StanceModel` loads and validates it);
* :func:`document_stance` / :func:`stance_for_docs` score every sentence of a document toward
  each target and pool them so that one strong sentence can carry the document
  (:class:`PoolingRule`), returning :class:`~framing.types.StanceResult` records with evidence;
* :func:`evaluate_stance` reports accuracy, macro-F1 and F-avg (SemEval-2016 Task 6);
* the ``stance_cues`` and ``stance_detector`` spaCy components live in
  :mod:`framing.pipeline.stance`.

Example:
    >>> from framing.stance import StanceModel, document_stance
    >>> m = StanceModel.load("models/stance-default")                      # doctest: +SKIP
    >>> [r.label for r in document_stance(                                  # doctest: +SKIP
    ...     m, "Leave drug policy to the states. Federal drug raids must end.",
    ...     ["states deciding their own drug policy", "federal enforcement of drug laws"])]
    ['favor', 'against']
"""

from framing.stance.data import STANCE_LABELS, StanceData, read_stance, split_dev
from framing.stance.document import (
                                     document_stance,
                                     pipe_documents,
                                     stance_for_docs,
                                     stance_for_each,
                                     targets_for,
)
from framing.stance.evaluate import evaluate_stance
from framing.stance.metrics import DecisionRule, stance_report
from framing.stance.model import StanceModel, default_stance_dir, default_stance_model
from framing.stance.pooling import PoolingRule
from framing.stance.settings import StanceSettings
from framing.stance.trainer import StanceTrainResult, train_stance

__all__ = [
    "STANCE_LABELS",
    "DecisionRule",
    "PoolingRule",
    "StanceData",
    "StanceModel",
    "StanceSettings",
    "StanceTrainResult",
    "default_stance_dir",
    "default_stance_model",
    "document_stance",
    "evaluate_stance",
    "pipe_documents",
    "read_stance",
    "split_dev",
    "stance_for_docs",
    "stance_for_each",
    "stance_report",
    "targets_for",
    "train_stance",
]
