#!/usr/bin/env python3
"""Evaluate the frame layer on the real-text development set ``corpora/realdev``.

A thin wrapper of :mod:`framing_corpora.realdev_eval` (its docstring has the options). The
speeches are read from ``--data-dir``, else ``$FRAMING_DATA_DIR``, else ``../shared/data``
beside the repository; without them the script prints ``skip: ...`` and exits 0.
"""

import sys
from pathlib import Path

from framing_corpora.realdev_eval import main

#: Where the data lives next to a checkout of this repository (scripts only).
DEFAULT_DATA_DIR = Path(__file__).resolve().parents[2] / "shared" / "data"

if __name__ == "__main__":
    sys.exit(main(default_data_dir=DEFAULT_DATA_DIR))
