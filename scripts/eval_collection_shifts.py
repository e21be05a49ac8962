#!/usr/bin/env python3
"""Score an aggregation of ``corpora/collection`` against its planted shifts.

A thin wrapper: the code is :mod:`framing_corpora.collection_eval` (its docstring has the
options).
"""

import sys

from framing_corpora.collection_eval import main

if __name__ == "__main__":
    sys.exit(main())
