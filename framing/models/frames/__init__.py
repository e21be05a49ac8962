"""The frames task: multi-label frame classifiers of sentences or documents.

Example:
    >>> from framing.models import train
    >>> from framing.models.frames import FrameModel, FrameSettings
    >>> res = train("frames", "train.jsonl", "models/mine",             # doctest: +SKIP
    ...             FrameSettings(epochs=3), eval_data="dev.jsonl")
    >>> FrameModel.load("models/mine").predict(["Leave it to the states."])  # doctest: +SKIP
    [['legality_constitutionality_and_jurisprudence', 'federalism']]
"""

from framing.models.frames.data import LabelledData, read_labelled
from framing.models.frames.evaluation import Evaluation, evaluate
from framing.models.frames.head import FramesHead
from framing.models.frames.model import FrameModel
from framing.models.frames.settings import FrameSettings

__all__ = ["Evaluation", "FrameModel", "FrameSettings", "FramesHead", "LabelledData",
           "evaluate", "read_labelled"]
