#!/usr/bin/env python3
"""Build ``corpora/opeds/opeds.jsonl`` and ``splits.json`` from ``corpora/opeds/src``.

A thin wrapper: the code is :mod:`framing_corpora.opeds_build` (the repository's corpus package,
installed with ``pip install -e .``; its docstring has the options), so tests import it normally.
"""

import sys

from framing_corpora.opeds_build import main

if __name__ == "__main__":
    sys.exit(main())
