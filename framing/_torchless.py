"""Keeping torch out of processes that only run the rule layer.

spaCy imports thinc, and thinc imports torch whenever it is installed: 1.4 of the 2.4 s that
``import spacy`` takes here, paid by every ``framing label --rules-only`` process and by every
worker process of a ``--workers N`` run, for a library the rule layer never calls. Marking
``torch`` as absent in ``sys.modules`` before spaCy is imported makes thinc take its
no-torch path; :func:`unblock_torch` undoes it, and a later ``import torch`` then works as
usual (thinc keeps running without its torch helpers, which framing does not use).

This module imports nothing from framing and nothing heavy, so the forkserver of a
``--workers N`` run can import it first (see :mod:`framing._forkserver`).

Example:
    >>> import sys
    >>> from framing._torchless import torch_blocked
    >>> with torch_blocked("torch" not in sys.modules):
    ...     pass
    >>> sys.modules.get("torch", "absent") is not None
    True
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

#: The environment variable that carries a ``--workers N`` run's ``framing.load`` arguments to
#: its forkserver (JSON).
PRELOAD_ENV = "FRAMING_BATCH_PRELOAD"


def needs_torch(load_kwargs: Mapping[str, Any] | None) -> bool:
    """Whether ``framing.load(**load_kwargs)`` may need torch: anything but the rule layer
    on the default blank pipeline (a trained spaCy pipeline may be transformer-based)."""
    kw = load_kwargs or {}
    return not (kw.get("rules_only") is True and not kw.get("spacy_model"))


def block_torch() -> bool:
    """Mark torch absent if nothing has imported it yet; True when this call did."""
    if "torch" in sys.modules:
        return False
    sys.modules["torch"] = None  # type: ignore[assignment]
    return True


def unblock_torch() -> None:
    """Undo :func:`block_torch` (a no-op when torch is imported or was never blocked)."""
    if "torch" in sys.modules and sys.modules["torch"] is None:
        del sys.modules["torch"]


@contextmanager
def torch_blocked(active: bool = True) -> Iterator[None]:
    """Within the block, ``import torch`` fails (when ``active`` and torch is not imported
    yet); afterwards it works again."""
    blocked = block_torch() if active else False
    try:
        yield
    finally:
        if blocked:
            unblock_torch()
