"""Former home of the frame classifiers, kept as an alias of :mod:`framing.models.frames` so
that existing code keeps working: ``train`` is ``framing.models.train("frames", ...)`` and
``TrainConfig`` is :class:`~framing.models.frames.FrameSettings`. New code imports from
:mod:`framing.models`.

Example:
    >>> from framing.train import TrainConfig
    >>> TrainConfig(level="document").max_length
    256
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from framing.models import frames as _frames
from framing.models.trainer import TrainResult

Evaluation, FrameModel, LabelledData = _frames.Evaluation, _frames.FrameModel, _frames.LabelledData
evaluate, read_labelled = _frames.evaluate, _frames.read_labelled
FrameSettings = _frames.FrameSettings
TrainConfig = FrameSettings

__all__ = ["Evaluation", "FrameModel", "LabelledData", "TrainConfig", "TrainResult",
           "evaluate", "read_labelled", "train"]


def train(data: Any, out: str | Path, config: FrameSettings | None = None,
          **kwargs: Any) -> TrainResult:
    """``framing.models.train("frames", data, out, config, **kwargs)``."""
    from framing.models.trainer import train as _train

    return _train("frames", data, out, config, **kwargs)
