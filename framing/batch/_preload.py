"""Imported once by the forkserver of a ``--workers N`` run, before it forks the workers.

It imports spaCy and the pipeline code, and, for a rule-layer run, also builds the Analyzer
(from the JSON in ``FRAMING_BATCH_PRELOAD``), so every worker forked from the server starts
with it ready instead of building its own: start-up is paid once, and the workers share the
model's memory pages. Runs with a classifier build their Analyzer in each worker (a forked
copy of a used torch thread pool is not safe).
"""

from __future__ import annotations

import json
import os

from framing.batch import shard
from framing.batch.shard import PRELOAD_ENV


def _preload() -> None:
    raw = os.environ.get(PRELOAD_ENV)
    if not raw:
        return
    try:
        kwargs = json.loads(raw)
        if isinstance(kwargs, dict) and kwargs.get("rules_only") is True:
            shard.get_analyzer(kwargs)
    except Exception:  # the workers build it again and report any error properly
        return


_preload()
