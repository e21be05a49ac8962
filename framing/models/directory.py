"""The model directory: one layout and one set of checks for every task.

A model directory holds:

* ``framing_model.json``: ``format`` ("framing-model"), ``format_version``, ``task`` (the head
  that wrote it: ``frames`` when absent, ``stance``, ...), ``method`` (``transformer``,
  ``tfidf`` or ``fast``; ``auto`` records the one it chose), ``labels``, the task's decision state
  (thresholds, decision and pooling rules, fusion ...), token windows (``max_length``, ``stride``),
  base model, training settings, data fingerprint and creation time;
* the weights: ``model.safetensors`` + ``config.json`` + tokenizer files (transformer),
  ``model.skops`` (TF-IDF; loaded with an explicit list of trusted types, never pickle), or
  the frozen encoder's files + ``heads.safetensors`` (fast: :mod:`framing.models.embed`);
* ``metrics.json`` and the ``README.md`` model card (plus what a task adds, e.g. the frames'
  ``codebook.json``).

:func:`read_meta` and :func:`check_transformer_files` say what is missing or broken with
``[E301]``; :func:`default_dir` finds a task's default model; :func:`write_atomic` and
:func:`install` write a directory so that an interrupted run never leaves a half-written model
that looks complete.

Example:
    >>> from framing.models.directory import default_dir
    >>> default_dir("frames").name                                   # doctest: +SKIP
    'frames-default'
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from framing.errors import Errors, FramingError
from framing.guard import check_outputs

META_FILE = "framing_model.json"
FORMAT = "framing-model"
FORMAT_VERSION = 1
#: The weights file of each method (``fast`` also holds the frozen encoder's ``config.json``,
#: ``model.safetensors`` and tokenizer files).
WEIGHTS = {"transformer": "model.safetensors", "tfidf": "model.skops",
           "fast": "heads.safetensors"}
TOKENIZER_FILES = ("tokenizer.json", "vocab.txt")
#: Files of a default model directory that are committed (everything else is built).
KEPT = ("recipe.json", "README.md", "metrics.json")
#: The default model of each task: directory name, and the environment variable that names
#: another directory (``none`` switches the default off).
DEFAULTS = {"frames": ("frames-default", "FRAMING_DEFAULT_MODEL"),
            "stance": ("stance-default", "FRAMING_DEFAULT_STANCE_MODEL")}


def model_error(path: Path | str, detail: str) -> FramingError:
    """``[E301]``: the model directory ``path`` is not usable because of ``detail``."""
    return FramingError(Errors.E301.format(path=path, detail=detail))


def read_json(path: Path, what: str, root: Path) -> Any:
    if not path.is_file():
        raise model_error(root, f"{what} '{path.name}' is missing")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise model_error(root, f"{what} '{path.name}' is not valid JSON ({e})") from None


def task_of(meta: dict[str, Any]) -> str:
    """The task a model description belongs to (``frames`` for directories older than the
    ``task`` key)."""
    return str(meta.get("task", "frames"))


def read_meta(path: str | Path) -> tuple[Path, dict[str, Any]]:
    """The directory and its checked ``framing_model.json`` (format, version, method, labels,
    windows); the task's head checks the rest."""
    root = Path(path)
    if not root.exists():
        installed = _installed_package(path)
        if installed is None:
            raise model_error(root, "the directory does not exist (nor is it the name of an "
                                    "installed model package: `framing package`)")
        root = installed
    if not root.is_dir():
        raise model_error(root, "it is a file, not a model directory")
    if not (root / META_FILE).is_file():
        raise model_error(root, f"the model description '{META_FILE}' is missing (is the model "
                                "built? the default ones are built by `make model`)")
    meta = read_json(root / META_FILE, "the model description", root)
    if not isinstance(meta, dict):
        raise model_error(root, f"{META_FILE} must hold a JSON object")
    if meta.get("format") != FORMAT:
        raise model_error(root, f"{META_FILE} is not a framing model file (format "
                                f"{meta.get('format')!r}, expected {FORMAT!r})")
    v = meta.get("format_version")
    if not isinstance(v, int) or isinstance(v, bool) or not 1 <= v <= FORMAT_VERSION:
        raise model_error(root, f"{META_FILE} has format_version {v!r}; this version of framing "
                                f"reads 1 to {FORMAT_VERSION} (upgrade framing or retrain)")
    return root, meta


def _installed_package(path: str | Path) -> Path | None:
    """The directory of the installed model package named ``path`` (as ``spacy.load`` finds
    pipeline packages), when ``path`` is a bare name (no folder part) and one is installed."""
    name = str(path)
    if not name or Path(name).name != name or name in (".", ".."):
        return None
    from framing.packaging import installed_models, normalise_name

    try:
        key = normalise_name(name)
    except FramingError:
        return None
    found = installed_models()
    return found.get(key[len("framing_model_"):] if key.startswith("framing_model_") else key)


def require_keys(meta: dict[str, Any], root: Path, keys: Sequence[str]) -> None:
    missing = [k for k in keys if k not in meta]
    if missing:
        raise model_error(root, f"{META_FILE} lacks the key(s) {missing}")


def check_method_and_labels(meta: dict[str, Any], root: Path) -> None:
    """``method`` is known and ``labels`` a non-empty list of distinct strings."""
    if meta["method"] not in WEIGHTS:
        raise model_error(root, f"unknown method {meta['method']!r}; expected one of "
                                f"{tuple(WEIGHTS)}")
    labels = meta["labels"]
    if not isinstance(labels, list) or not labels or not all(
            isinstance(x, str) and x for x in labels) or len(set(labels)) != len(labels):
        raise model_error(root, "'labels' must be a non-empty list of distinct strings")


def check_transformer_files(root: Path, n_labels: int) -> None:
    """``config.json``, weights with a classification head of ``n_labels`` outputs, and a
    tokenizer: all present and readable."""
    cfg = read_json(root / "config.json", "model config", root)
    if not isinstance(cfg, dict):
        raise model_error(root, "config.json must hold a JSON object")
    weights = root / WEIGHTS["transformer"]
    if not weights.is_file():
        raise model_error(root, f"the weights file '{weights.name}' is missing (was the model "
                                "copied without it, or is it git-ignored? rebuild or retrain "
                                "the model)")
    if not any((root / f).is_file() for f in TOKENIZER_FILES):
        raise model_error(root, f"no tokenizer files ({' or '.join(TOKENIZER_FILES)})")
    id2label = cfg.get("id2label")
    n_cfg = len(id2label) if isinstance(id2label, dict) else cfg.get("num_labels")
    if n_cfg is not None and n_cfg != n_labels:
        raise model_error(root, f"config.json has {n_cfg} labels but {META_FILE} lists "
                                f"{n_labels}")
    try:
        from safetensors import safe_open

        with safe_open(str(weights), framework="np") as f:
            keys = list(f.keys())
            heads = [k for k in keys if k.endswith(("classifier.weight", "score.weight",
                                                    "classifier.out_proj.weight"))]
            shape = list(f.get_slice(heads[-1]).get_shape()) if heads else None
    except Exception as e:  # SafetensorError, OSError: truncated or not a safetensors file
        raise model_error(root, f"the weights file '{weights.name}' is unreadable ({e})") from None
    if shape is None:
        raise model_error(root, f"'{weights.name}' has no classification head (is it a bare "
                                "encoder?)")
    if shape[0] != n_labels:
        raise model_error(root, f"the classification head in '{weights.name}' has {shape[0]} "
                                f"outputs but {META_FILE} lists {n_labels} labels")


def check_windows(meta: dict[str, Any], root: Path, reserve: int = 0) -> None:
    """``max_length`` and ``stride`` are integers with ``0 <= stride < max_length - reserve``
    and ``max_length >= 8``."""
    ml, st = meta["max_length"], meta["stride"]
    if not isinstance(ml, int) or not isinstance(st, int) or ml < 8 or \
            not 0 <= st < ml - reserve:
        raise model_error(root, f"'max_length' ({ml!r}) and 'stride' ({st!r}) must be integers "
                                "with 0 <= stride < max_length")


# ----- TF-IDF weights ------------------------------------------------------------------------
def save_skops(obj: Any, path: Path) -> None:
    from skops.io import dump

    dump(obj, Path(path))


def load_skops(path: Path, trusted: Sequence[str]) -> Any:
    """Load a skops file; ``ValueError`` naming any type outside ``trusted`` (never pickle)."""
    from skops.io import get_untrusted_types, load

    found = get_untrusted_types(file=Path(path))
    bad = sorted(set(found) - set(trusted))
    if bad:
        raise ValueError(f"{Path(path).name} contains types that are not allowed: {bad}")
    return load(Path(path), trusted=[t for t in found if t in trusted])


# ----- default models -------------------------------------------------------------------------
def default_dir(task: str) -> Path | None:
    """The default model directory of ``task`` (it may not be built): the directory named by
    the task's environment variable (``FRAMING_DEFAULT_MODEL`` / ``FRAMING_DEFAULT_STANCE_MODEL``;
    ``none`` switches the default off, giving None), else ``models/<task>-default`` under the
    current directory, where ``make model`` builds it in a checkout. The package never looks
    for models next to its own source files."""
    if task not in DEFAULTS:
        return None
    name, env = DEFAULTS[task]
    value = os.environ.get(env)
    if value is not None:
        return None if value.strip().lower() in ("", "none", "0", "off") else Path(value)
    return Path.cwd() / "models" / name


def is_built(path: Path | None) -> bool:
    """True when ``path`` holds a model description and weights."""
    return path is not None and (path / META_FILE).is_file() and any(
        (path / w).is_file() for w in WEIGHTS.values())


# ----- writing ----------------------------------------------------------------------------------
def prepare_out(out: Path, overwrite: bool, inputs: Sequence[object] = ()) -> None:
    """Refuse to clobber a non-empty directory unless ``overwrite``, and even then replace
    only a model directory (one with ``framing_model.json``) that holds none of ``inputs``
    (paths of the training data; in-memory data is skipped)."""
    if out.exists() and not out.is_dir():
        raise FramingError(Errors.E409.format(path=out))
    paths = [p for p in inputs if isinstance(p, str | Path)]
    check_outputs(paths, {}, {"model directory": out})
    if out.is_dir() and any(out.iterdir()):
        if not overwrite:
            raise FramingError(Errors.E409.format(path=out))
        if not (out / META_FILE).is_file():
            raise FramingError(Errors.E210.format(
                path=out, role="model directory",
                what="not a model directory (it has no framing_model.json)"))


def write_json(path: Path, obj: Any) -> None:
    path.write_text(json.dumps(obj, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def write_atomic(out: Path, fill: Callable[[Path], None]) -> None:
    """``fill`` a temporary directory beside ``out``, then replace ``out`` with it: a crash
    leaves the old directory (or nothing), never a half-written one."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        fill(tmp)
        if out.exists():
            shutil.rmtree(out)
        tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def install(built: Path, out: Path) -> None:
    """Move a built model directory into ``out`` (a recipe's directory): files of an older
    build go, the committed :data:`KEPT` files are replaced by the new ones, and
    ``framing_model.json`` is moved in last, so an interrupted install never looks built."""
    out.mkdir(parents=True, exist_ok=True)
    (out / META_FILE).unlink(missing_ok=True)
    for f in out.iterdir():  # files of an older build (a recipe may change the method)
        if f.is_file() and f.name not in KEPT:
            f.unlink()
    for f in sorted(built.iterdir()):
        if f.name != META_FILE:
            shutil.move(str(f), out / f.name)
    shutil.move(str(built / META_FILE), out / META_FILE)


def copy_dir(src: Path | None, dest: str | Path) -> None:
    """Copy a model directory (all its files) to ``dest``."""
    if src is None:
        raise ValueError("this model has no directory to copy; save it first")
    dest = Path(dest)
    if dest.exists() and dest.resolve() == src.resolve():
        return
    dest.mkdir(parents=True, exist_ok=True)
    for f in src.iterdir():
        if f.is_file():
            shutil.copy2(f, dest / f.name)
