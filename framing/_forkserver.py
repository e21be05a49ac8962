"""Imported once by the forkserver of a ``--workers N`` run, before it forks the workers (a
top-level module, so that it runs before anything could import spaCy, and torch with it).

For a rule-layer run (``framing.load`` arguments in ``FRAMING_BATCH_PRELOAD``) it keeps torch
out of the server, imports spaCy and the pipeline code and builds the Analyzer, so every
worker forked from the server starts with it ready instead of building its own: start-up is
paid once, and the workers share the model's memory pages. Runs with a classifier only import
the code here and build their Analyzer in each worker (a forked copy of a used torch thread
pool is not safe).
"""

from __future__ import annotations

import json
import os

from framing._torchless import PRELOAD_ENV, block_torch, needs_torch


def preload_forkserver() -> None:
    """Block torch (rule layer), import the pipeline code, build the Analyzer (rule layer)."""
    raw = os.environ.get(PRELOAD_ENV)
    try:
        kwargs = json.loads(raw) if raw else None
    except ValueError:
        kwargs = None
    rules = isinstance(kwargs, dict) and not needs_torch(kwargs)
    if rules:
        block_torch()
    import framing.analyzer  # noqa: F401  (spaCy and the pipeline code)

    if rules:
        try:
            from framing.batch import shard

            assert isinstance(kwargs, dict)
            shard.get_analyzer(kwargs)
        except Exception:  # the workers build it again and report any error properly
            return


preload_forkserver()
