"""Which head serves which task: the one place a task is registered.

The built-in tasks (``frames``, ``stance``) register themselves when their package is first
needed; another task is one :class:`~framing.models.head.TaskHead` subclass and one call of
:func:`register_task`. :func:`framing.models.load_model` then loads its directories, and
``framing.models.train`` / ``evaluate`` and the ``framing train`` / ``evaluate`` commands
accept its name.

Example:
    >>> from framing.models.registry import get_head, tasks
    >>> {"frames", "stance"} <= set(tasks())
    True
    >>> get_head("stance").noun
    'pairs'
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from framing.errors import Errors, FramingError

if TYPE_CHECKING:
    from framing.models.head import TaskHead

H = TypeVar("H", bound="type[TaskHead]")

#: built-in tasks: the module whose import registers the head
BUILTIN = {"frames": "framing.models.frames.head", "stance": "framing.models.stance.head"}
_HEADS: dict[str, TaskHead] = {}


def register_task(head_cls: H) -> H:
    """Register a head class under its ``task`` name (usable as a class decorator); a later
    registration of the same name replaces the earlier one."""
    if not getattr(head_cls, "task", ""):
        raise ValueError(f"{head_cls.__name__} has no 'task' name")
    _HEADS[head_cls.task] = head_cls()
    return head_cls


def tasks() -> list[str]:
    """The names of every known task (built-in ones included)."""
    return sorted(set(BUILTIN) | set(_HEADS))


def get_head(task: str, path: Path | str | None = None) -> TaskHead:
    """The head of ``task``; ``[E305]`` for a task this version of framing does not know
    (``path``: the model directory that asked, for the message)."""
    if task not in _HEADS and task in BUILTIN:
        importlib.import_module(BUILTIN[task])
    head = _HEADS.get(task)
    if head is None:
        raise FramingError(Errors.E305.format(task=task, where=f" ({path})" if path else "",
                                              known=", ".join(tasks())))
    return head
