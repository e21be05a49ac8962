"""Training and evaluating frame classifiers.

``train()`` fine-tunes a transformer encoder (or fits the TF-IDF baseline) on labelled data and
writes a model directory; ``evaluate()`` scores one on labelled data; :class:`FrameModel` loads
and validates a directory and predicts probabilities. Heavy libraries (torch, transformers,
datasets, scikit-learn) are imported only when a function needs them.

Example:
    >>> from framing.train import TrainConfig, train, evaluate, FrameModel
    >>> res = train("train.jsonl", "models/mine", TrainConfig(epochs=3),   # doctest: +SKIP
    ...             eval_data="dev.jsonl")
    >>> FrameModel.load("models/mine").predict(["Leave it to the states."])  # doctest: +SKIP
    [['legality_constitutionality_and_jurisprudence', 'federalism']]
"""

from framing.train.config import TrainConfig
from framing.train.data import LabelledData, read_labelled
from framing.train.evaluation import Evaluation, evaluate
from framing.train.model import FrameModel
from framing.train.trainer import TrainResult, train

__all__ = ["Evaluation", "FrameModel", "LabelledData", "TrainConfig", "TrainResult",
           "evaluate", "read_labelled", "train"]
