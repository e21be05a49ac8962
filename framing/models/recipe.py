"""Building a model from a recipe: the steps every task's recipe shares.

A recipe (``models/<name>/recipe.json``, committed with the model card and ``metrics.json``;
the weights are built, never committed) names the data, the settings and the card's notes.
The task's builder assembles the data and trains into a work directory; :func:`record` then
records where the data came from and how long the build took and writes the card again from
the final metadata and metrics; :func:`framing.models.directory.install` moves it into the
recipe's directory (``framing_model.json`` last, so an interrupted build never looks built).

Every path comes from the caller (the repository root, a ``--data-dir``): nothing here looks
next to the package's own source files.

Example:
    >>> import json, tempfile, pathlib
    >>> from framing.models.recipe import read_recipe
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "recipe.json"
    >>> _ = p.write_text(json.dumps({"name": "x", "settings": {}}))
    >>> read_recipe(p, ("name", "settings"))["name"]
    'x'
"""

from __future__ import annotations

import contextlib
import json
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from framing.errors import Errors, FramingError
from framing.models import directory as mdir
from framing.models.settings import Settings

#: Where builds work (under the models directory; git-ignored).
CACHE = "cache"


def read_recipe(path: str | Path, required: Sequence[str]) -> dict[str, Any]:
    """The recipe JSON, checked for the keys a build needs (``[E411]`` otherwise)."""
    path = Path(path)
    if not path.is_file():
        raise FramingError(Errors.E411.format(path=path, detail="the file does not exist"))
    try:
        recipe = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise FramingError(Errors.E411.format(path=path, detail=f"invalid JSON ({e})")) from None
    if not isinstance(recipe, dict):
        raise FramingError(Errors.E411.format(path=path, detail="it must hold a JSON object"))
    for key in required:
        if key not in recipe:
            raise FramingError(Errors.E411.format(path=path, detail=f"missing key '{key}'"))
    return recipe


def recipe_settings(recipe: dict[str, Any], path: Path, cls: type[Settings]) -> Settings:
    """The recipe's ``settings`` as the task's settings class (``[E411]`` when invalid)."""
    try:
        return cls.from_dict(dict(recipe.get("settings") or {}))
    except FramingError as e:
        raise FramingError(Errors.E411.format(path=path, detail=e)) from None


def notes_of(recipe: dict[str, Any], sep: str = "\n") -> str | None:
    notes = recipe.get("notes")
    return sep.join(notes) if isinstance(notes, list) else notes


@contextlib.contextmanager
def workdir(out: Path, prefix: str) -> Iterator[Path]:
    """A temporary build directory under ``<models>/cache`` (removed afterwards)."""
    cache = out.parent / CACHE
    cache.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=prefix, dir=cache))
    try:
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)


def record(built: Path, t0: float, c0: float,
           update: Callable[[dict[str, Any], dict[str, Any]], None] | None = None,
           notes: str | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """Record the build in a built model directory (``update(meta, metrics)`` adds the
    builder's own keys, then the build time) and write its card again from the final files.
    Install it with :func:`framing.models.directory.install`. Returns the final metadata and
    metrics."""
    from framing.models.registry import get_head

    meta_path, metrics_path = built / mdir.META_FILE, built / "metrics.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    metrics = json.loads(metrics_path.read_text(encoding="utf-8"))
    if update is not None:
        update(meta, metrics)
    meta["training"]["build_seconds"] = metrics["build_seconds"] = \
        round(time.perf_counter() - t0, 1)
    meta["training"]["build_cpu_seconds"] = metrics["build_cpu_seconds"] = \
        round(time.process_time() - c0, 1)
    mdir.write_json(meta_path, meta)
    mdir.write_json(metrics_path, metrics)
    head = get_head(mdir.task_of(meta))
    (built / "README.md").write_text(head.card(meta, metrics, notes), encoding="utf-8")
    return meta, metrics


def installed(res: Any, out: Path, t0: float) -> Any:
    """The training result ``res`` pointed at the installed directory ``out`` (reloaded)."""
    from framing.models.model import Model

    res.path = out
    res.model = Model.load(out)
    res.metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    res.seconds = round(time.perf_counter() - t0, 1)
    return res
