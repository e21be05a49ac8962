"""The project's annotated corpora as a development package: builders, validators, readers.

``framing`` (the installed library) never reads its source checkout; this package is the part
of the repository that knows where the corpora live and how they are made:

* :mod:`framing_corpora.opeds_build`: parse ``corpora/opeds/src/*.txt`` into ``opeds.jsonl``
  and ``splits.json`` (``python scripts/build_opeds.py``);
* :mod:`framing_corpora.collection_build`: compose the multi-outlet collection with its
  planted shifts (``python scripts/build_collection.py``);
* :mod:`framing_corpora.validate`: check both corpora (``python scripts/validate_corpora.py``);
* :mod:`framing_corpora.realdev`: the real-text sets ``corpora/realdev`` and
  ``corpora/realtrain`` (offsets into speeches kept outside the repository: ``--data-dir`` or
  ``$FRAMING_DATA_DIR``).

The corpus files are found in ``$FRAMING_CORPORA_DIR`` when it is set, else in ``corpora/``
beside this package (a checkout of the repository). Loading them into examples is the
library's job: :func:`framing.corpora.load_opeds` and friends (they find the folder the same
way, and fail with ``[E511]`` when there is none).

Example:
    >>> from framing_corpora import CORPORA_DIR
    >>> (CORPORA_DIR / "opeds" / "ANNOTATION_GUIDE.md").is_file()
    True
"""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path

#: Environment variable that points at a corpora folder (overrides the checkout's).
CORPORA_ENV = "FRAMING_CORPORA_DIR"


def corpora_dir() -> Path:
    """``$FRAMING_CORPORA_DIR``, else ``corpora/`` beside this package (which may not exist)."""
    env = os.environ.get(CORPORA_ENV)
    return Path(env) if env else Path(__file__).resolve().parent.parent / "corpora"


#: The corpora folder (see :func:`corpora_dir`).
CORPORA_DIR = corpora_dir()
#: The default codebook, read from the installed ``framing`` package's data.
CODEBOOK_PATH = Path(str(files("framing") / "resources" / "codebook.json"))

__all__ = ["CODEBOOK_PATH", "CORPORA_DIR", "CORPORA_ENV", "corpora_dir"]
