"""Classifiers: one model directory, one training loop, one inference module, task heads.

* :mod:`~framing.models.directory`: the model directory every task writes and reads (schema,
  weight checks, defaults, atomic writes);
* :mod:`~framing.models.loop`: the one training loop (seeding, threads, optimiser, scheduler,
  early stopping, best-state copy);
* :mod:`~framing.models.inference`: threads, windows, token-budget batches, bf16/mixed
  precision, the first-token shortcut;
* :mod:`~framing.models.head`: the task-head protocol, and :class:`~framing.models.head.
  LabelHead` for single-label tasks;
* the heads: :mod:`~framing.models.frames` (multi-label frames, with rule fusion) and
  :mod:`~framing.models.stance` (favor / against / none toward a target); TF-IDF is the
  non-neural head of each (:mod:`~framing.models.tfidf`).

:func:`load_model` loads any directory (its ``task`` picks the class); :func:`train` and
:func:`evaluate` serve every task; a new task is one head class and one
:func:`register_task` call.

Example:
    >>> from framing.models import load_model, tasks
    >>> {"frames", "stance"} <= set(tasks())
    True
    >>> load_model("models/frames-default").labels[:1]                  # doctest: +SKIP
    ['economic']
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from framing.models.registry import get_head, register_task, tasks

if TYPE_CHECKING:
    from framing.models.head import LabelHead, TaskHead
    from framing.models.model import LabelModel, Model, load_model
    from framing.models.settings import Settings
    from framing.models.trainer import TrainResult, evaluate, train

__all__ = ["LabelHead", "LabelModel", "Model", "Settings", "TaskHead", "TrainResult",
           "evaluate", "get_head", "load_model", "register_task", "tasks", "train"]

_LAZY = {"LabelHead": "framing.models.head", "TaskHead": "framing.models.head",
         "LabelModel": "framing.models.model", "Model": "framing.models.model",
         "load_model": "framing.models.model",
         "Settings": "framing.models.settings", "TrainResult": "framing.models.trainer",
         "evaluate": "framing.models.trainer", "train": "framing.models.trainer"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'framing.models' has no attribute {name!r}")
