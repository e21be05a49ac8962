"""Imported once by the forkserver of a ``--workers N`` run, before it forks the workers (a
top-level module, so that it runs before anything could import spaCy, and torch with it).

For a rule-layer run (``framing.load`` arguments in ``FRAMING_BATCH_PRELOAD``) it keeps torch
out of the server, imports spaCy and the pipeline code and builds the Analyzer, so every
worker forked from the server starts with it ready instead of building its own: start-up is
paid once, and the workers share the model's memory pages. Runs with a classifier only import
the code here and build their Analyzer in each worker (a forked copy of a used torch thread
pool is not safe). See :func:`framing._torchless.preload_forkserver`.
"""

from __future__ import annotations

from framing._torchless import preload_forkserver

preload_forkserver()
