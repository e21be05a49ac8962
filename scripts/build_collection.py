#!/usr/bin/env python3
"""Build the synthetic multi-outlet collection in ``corpora/collection``.

A thin wrapper: the code is :mod:`framing_corpora.collection_build` (the repository's corpus
package, installed with ``pip install -e .``; its docstring has the options), so tests import
it normally.
"""

import sys

from framing_corpora.collection_build import main

if __name__ == "__main__":
    sys.exit(main())
