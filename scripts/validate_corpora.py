#!/usr/bin/env python3
"""Validate the annotated corpora under ``corpora/`` and print their label counts.

A thin wrapper: the code is :mod:`framing_corpora.validate` (the repository's corpus package,
installed with ``pip install -e .``; its docstring has the options), so tests import it normally.
"""

import sys

from framing_corpora.validate import main

if __name__ == "__main__":
    sys.exit(main())
