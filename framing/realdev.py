"""Moved: the real-text sets are read by :mod:`framing_corpora.realdev` (the repository's corpus
package), which takes the data folder as an argument or from ``$FRAMING_DATA_DIR``.

This module only re-exports it so that older imports keep working; the installed library
itself reads no real data and no path outside the paths it is given.
"""

from __future__ import annotations

from framing_corpora.realdev import (  # noqa: F401  (re-exports)
    ANNOTATIONS,
    DATA_ENV,
    HALVES,
    HASH_LEN,
    SPEECHES,
    TRAIN_ANNOTATIONS,
    DriftError,
    Item,
    attach_text,
    half_of,
    load_annotations,
    load_realdev,
    load_realtrain,
    overlaps,
    span_hash,
    span_index,
    speeches_path,
)
