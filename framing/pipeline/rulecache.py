"""An on-disk cache of the compiled rule patterns, so that a new process does not redo them.

Compiling the codebook's phrase patterns means tokenising and lemmatising some 70,000
phrases (about 2 s on an idle core, every ``framing score``); what comes out is, for each
phrase, the tuple of token hashes the ``PhraseMatcher`` stores. Those tuples depend only on
the phrase texts, the attribute matched (``LEMMA`` or ``LOWER``), the components that set it,
and the versions of spaCy, spacy-lookups-data (the lemma tables) and framing, so they are
cached under a key made of all of these:

* the **key** is a SHA-256 of the phrases themselves (the codebook's and pattern files'
  content, in order, that the tuples are computed from), the attribute, the component names,
  and the versions: an edited codebook or pattern file, another spaCy or framing version
  gives another key, so an entry is never shared across versions or read when stale;
* an entry is one JSON file (no pickle) ``phrases-<key>.json`` in the cache folder:
  ``$FRAMING_CACHE_DIR/rules``, else the user cache folder
  (``platformdirs.user_cache_dir("framing")``, e.g. ``~/.cache/framing/rules``);
  ``FRAMING_CACHE_DIR=off`` turns the cache off;
* it is written atomically (a temporary file in the same folder, then renamed), so a reader
  sees a whole entry or none; an entry that does not parse or does not match its key (a
  damaged disk, a hand edit) is ignored and rewritten; a folder that cannot be written only
  costs the time the cache would save;
* the folder keeps the :data:`KEEP` newest entries (only files this module wrote, recognised
  by name, are ever removed).

Example:
    >>> import tempfile
    >>> calls = []
    >>> def compute(phrases):
    ...     calls.append(len(phrases))
    ...     return [tuple(len(w) for w in p.split()) for p in phrases]
    >>> cache = PhraseCache(tempfile.mkdtemp())
    >>> key = cache.key(["left to the states"], "LEMMA", ["framing_lemmatizer"])
    >>> cache.get_or_compute(key, ["left to the states"], compute)
    [(4, 2, 3, 6)]
    >>> cache.get_or_compute(key, ["left to the states"], compute)  # from disk now
    [(4, 2, 3, 6)]
    >>> calls
    [1]
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

#: Environment variable naming the cache folder (``off`` disables the cache).
ENV = "FRAMING_CACHE_DIR"
#: Bump when the entry layout or what it holds changes.
FORMAT = 1
#: Entries kept in the folder (newest by modification time); older ones are removed.
KEEP = 16
_PREFIX = "phrases-"

Keys = list[tuple[int, ...]]


def cache_dir() -> Path | None:
    """The folder of rule-cache entries, or None when ``$FRAMING_CACHE_DIR`` is ``off``."""
    env = os.environ.get(ENV)
    if env:
        return None if env.strip().lower() in ("off", "0", "none", "false") \
            else Path(env).expanduser() / "rules"
    import platformdirs

    return Path(platformdirs.user_cache_dir("framing", appauthor=False)) / "rules"


def _versions() -> dict[str, str]:
    """The versions a cached entry depends on (spaCy, its lemma tables, framing)."""
    from importlib import metadata

    import spacy

    from framing.version import __version__

    try:
        lookups = metadata.version("spacy-lookups-data")
    except metadata.PackageNotFoundError:
        lookups = "absent"
    return {"spacy": spacy.__version__, "spacy-lookups-data": lookups, "framing": __version__,
            "format": str(FORMAT)}


class PhraseCache:
    """Phrase-key tuples on disk, by key; see the module docstring."""

    def __init__(self, folder: str | Path | None) -> None:
        self.folder = Path(folder) if folder is not None else None

    def key(self, phrases: Sequence[str], attr: str, components: Sequence[str]) -> str:
        """The entry key of these phrases as matched on ``attr`` after ``components``."""
        h = hashlib.sha256()
        h.update(json.dumps({"attr": attr, "components": list(components),
                             "versions": _versions()}, sort_keys=True).encode())
        for p in phrases:
            h.update(b"\x00")
            h.update(p.encode("utf-8", "surrogatepass"))
        return h.hexdigest()

    def path(self, key: str) -> Path | None:
        return None if self.folder is None else self.folder / f"{_PREFIX}{key}.json"

    def load(self, key: str, n: int) -> Keys | None:
        """The ``n`` cached tuples of ``key``; None when absent, damaged or not ``key``'s."""
        path = self.path(key)
        if path is None:
            return None
        try:
            data = json.loads(path.read_bytes())
            if data.get("key") != key or data.get("format") != FORMAT:
                return None
            keys = data["keys"]
            # the checksum catches a damaged entry that still parses (a float, a lost digit)
            if len(keys) != n or sum(map(sum, keys)) % (1 << 64) != data["checksum"]:
                return None
            return list(map(tuple, keys))
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return None

    def save(self, key: str, keys: Keys) -> bool:
        """Write the entry atomically; False (and nothing left behind) when it cannot."""
        path = self.path(key)
        if path is None:
            return False
        body = json.dumps({"format": FORMAT, "key": key, "versions": _versions(),
                           "checksum": sum(map(sum, keys)) % (1 << 64),
                           "keys": [[int(v) for v in k] for k in keys]},
                          separators=(",", ":")).encode()
        tmp: str | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{_PREFIX}", suffix=".tmp", dir=path.parent)
            with os.fdopen(fd, "wb") as fh:
                fh.write(body)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
            tmp = None
        except OSError:
            return False
        finally:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
        self._prune()
        return True

    def _prune(self) -> None:
        """Keep the :data:`KEEP` newest entries (files named as this module names them)."""
        assert self.folder is not None
        with contextlib.suppress(OSError):
            entries = []
            for p in self.folder.iterdir():
                if p.name.startswith(_PREFIX) and p.name.endswith(".json") and \
                        len(p.name) == len(_PREFIX) + 64 + 5:
                    with contextlib.suppress(OSError):
                        entries.append((p.stat().st_mtime, p))
            for _, p in sorted(entries, reverse=True)[KEEP:]:
                with contextlib.suppress(OSError):
                    p.unlink()

    def get_or_compute(self, key: str, phrases: Sequence[str],
                       compute: Callable[[Sequence[str]], Keys]) -> Keys:
        """The cached tuples of ``key``, or ``compute(phrases)`` (then cached)."""
        keys = self.load(key, len(phrases))
        if keys is None:
            keys = compute(phrases)
            self.save(key, keys)
        return keys


def default_cache() -> PhraseCache:
    """The cache in :func:`cache_dir`."""
    return PhraseCache(cache_dir())


def phrase_keys_cached(phrases: Sequence[str], attr: str, components: Sequence[str],
                       compute: Callable[[Sequence[str]], Any]) -> Any:
    """``compute(phrases)`` through the default cache; ``compute`` may return None (it cannot
    compute the keys this way), which is returned and not cached."""
    cache = default_cache()
    if cache.folder is None:
        return compute(phrases)
    key = cache.key(phrases, attr, components)
    keys = cache.load(key, len(phrases))
    if keys is not None:
        return keys
    keys = compute(phrases)
    if keys is not None:
        cache.save(key, keys)
    return keys
