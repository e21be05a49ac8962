#!/usr/bin/env python3
"""How many planted shifts of ``corpora/collection`` a perfect classifier could recover.

A thin wrapper: the code is :mod:`framing_corpora.collection_power` (its docstring explains).
"""

import sys

from framing_corpora.collection_power import main

if __name__ == "__main__":
    sys.exit(main())
