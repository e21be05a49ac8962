#!/usr/bin/env python3
"""Build the long-news corpus ``corpora/news/news.jsonl`` and ``splits.json`` from its sources.

A thin wrapper: the code is :mod:`framing_corpora.news_build` (the repository's corpus package,
installed with ``pip install -e .``; its docstring has the options), so tests import it normally.
"""

import sys

from framing_corpora.news_build import main

if __name__ == "__main__":
    sys.exit(main())
