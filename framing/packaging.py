"""Share models as Python packages: ``framing package MODEL_DIR`` builds a wheel, and
:func:`find_installed_model` finds an installed one by name.

The wheel (as ``spacy package`` makes for spaCy pipelines) holds a generated package
``framing_model_<name>`` with the model directory as package data and one entry point in the
group ``framing.models``: ``<name> = framing_model_<name>:get_model_path``. It installs with
``pip`` from a file or any package index, so teams share models the way they share code::

    framing package models/my-frames --out dist/ --name my_frames --version 1.0.0
    pip install dist/framing_model_my_frames-1.0.0-py3-none-any.whl

then, in any environment where it is installed, a model name that is not a folder is looked
up among the installed packages (as ``spacy.load`` does)::

    analyzer = framing.load(model="my_frames")

The wheel is built by ``pip wheel`` with setuptools (no hand-written archive code); the build
runs without network access when setuptools is installed (it is a dependency of framing).

Example:
    >>> from framing.packaging import package_name, installed_models
    >>> package_name("My-Frames v2")
    'framing_model_my_frames_v2'
    >>> isinstance(installed_models(), dict)
    True
"""

from __future__ import annotations

import importlib.metadata as im
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from framing.errors import Errors, FramingError
from framing.version import __version__

ENTRY_POINT_GROUP = "framing.models"
PREFIX = "framing_model_"
_VERSION = re.compile(r"^\d+(\.\d+)*([ab]|rc)?\d*(\.post\d+)?(\.dev\d+)?$")
_MODEL_FILE = "framing_model.json"


def normalise_name(name: str) -> str:
    """A model name as packages use it: lower case, runs of other characters as ``_``."""
    out = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
    if not out:
        raise FramingError(Errors.E867.format(detail=f"the name {name!r} has no letters or "
                                                     "digits"))
    return out


def package_name(name: str) -> str:
    """The import (and distribution) name of a model's package."""
    return PREFIX + normalise_name(name)


def installed_models() -> dict[str, Path]:
    """Every installed model package: name -> model directory."""
    out: dict[str, Path] = {}
    for ep in im.entry_points(group=ENTRY_POINT_GROUP):
        try:
            out[ep.name] = Path(ep.load()())
        except Exception:  # a broken package must not hide the others; find_ reports it
            continue
    return out


def find_installed_model(name: str) -> Path:
    """The model directory of the installed model package ``name``.

    ``name`` is the name given to ``framing package --name`` (``my_frames``; ``my-frames`` and
    the package name ``framing_model_my_frames`` work too). Packages announce themselves in the
    entry point group ``framing.models``, so any installed wheel built by ``framing package``
    is found, in a virtual environment, a ``pip install --target`` folder on ``sys.path``, or
    the user site. ``framing.load(model=...)`` can resolve a name that is not a directory
    through this function.

    Raises:
        FramingError: ``[E864]`` when no such package is installed (listing the installed
            ones), or when its package is broken.

    Example:
        >>> from framing.packaging import find_installed_model
        >>> find_installed_model("no_such_model")                   # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        framing.errors.FramingError: [E864] No installed model package named 'no_such_model'...
    """
    key = normalise_name(name)
    if key.startswith(PREFIX):
        key = key[len(PREFIX):]
    eps = {ep.name: ep for ep in im.entry_points(group=ENTRY_POINT_GROUP)}
    if key not in eps:
        raise FramingError(Errors.E864.format(name=name, detail="",
                                              known=", ".join(sorted(eps)) or "none"))
    try:
        path = Path(eps[key].load()())
    except Exception as e:
        raise FramingError(Errors.E864.format(
            name=name, detail=f" that can be loaded ({type(e).__name__}: {e})",
            known=", ".join(sorted(eps)))) from None
    if not (path / _MODEL_FILE).is_file():
        raise FramingError(Errors.E864.format(
            name=name, detail=f" with a model in it ('{path}' has no {_MODEL_FILE})",
            known=", ".join(sorted(eps))))
    return path


def _read_meta(model_dir: Path) -> dict[str, Any]:
    f = model_dir / _MODEL_FILE
    if not model_dir.is_dir() or not f.is_file():
        raise FramingError(Errors.E862.format(
            path=model_dir, detail=f"no {_MODEL_FILE} (train one with `framing train`)"))
    try:
        meta = json.loads(f.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise FramingError(Errors.E862.format(path=model_dir, detail=f"{_MODEL_FILE}: {e}")
                           ) from None
    if not isinstance(meta, dict):
        raise FramingError(Errors.E862.format(path=model_dir, detail=f"{_MODEL_FILE} is not "
                                                                     "a JSON object"))
    return meta


_INIT = '''"""The framing model {name!r}, packaged by `framing package` (framing {framing})."""

from pathlib import Path

__version__ = {version!r}
MODEL_NAME = {name!r}


def get_model_path() -> str:
    """The model directory inside this package (pass it to framing.load(model=...))."""
    return str((Path(__file__).parent / "model").resolve())
'''

_PYPROJECT = '''[build-system]
requires = ["setuptools>=70.1"]
build-backend = "setuptools.build_meta"

[project]
name = {dist!r}
version = {version!r}
description = {description}
requires-python = ">=3.10"
dependencies = [{requires!r}]

[project.entry-points."framing.models"]
{name} = "{pkg}:get_model_path"

[tool.setuptools]
packages = [{pkg!r}]
include-package-data = false

[tool.setuptools.package-data]
{pkg} = ["model/*", "model/**/*"]
'''


def build_package(model_dir: str | Path, out_dir: str | Path, *, name: str | None = None,
                  version: str | None = None, overwrite: bool = False) -> Path:
    """Build a wheel of ``model_dir`` into ``out_dir`` and return its path.

    Args:
        model_dir: a model directory (``framing_model.json`` plus its files).
        out_dir: where the wheel goes (created if needed).
        name: the model's name (default: the ``name`` in ``framing_model.json``, else the
            directory name); the package is ``framing_model_<name>``.
        version: the package version (default: the model's ``version``, else ``0.0.0``).
        overwrite: replace an existing wheel of the same name and version.
    """
    src = Path(model_dir)
    meta = _read_meta(src)
    nm = normalise_name(name or str(meta.get("name") or src.resolve().name))
    pkg = PREFIX + nm
    ver = str(version or meta.get("version") or "0.0.0")
    if not _VERSION.match(ver):
        raise FramingError(Errors.E867.format(
            detail=f"version {ver!r} is not a PEP 440 version such as 1.0.0"))
    out = Path(out_dir)
    wheel = out / f"{pkg}-{ver}-py3-none-any.whl"
    if wheel.exists() and not overwrite:
        raise FramingError(Errors.E207.format(path=wheel))
    if out.resolve() == src.resolve() or src.resolve() in out.resolve().parents:
        raise FramingError(Errors.E867.format(
            detail=f"--out '{out}' lies inside the model directory; choose a folder outside it"))
    major = __version__.split(".")[0]
    requires = f"framing>={__version__},<{int(major) + 1}" if major.isdigit() else "framing"
    with tempfile.TemporaryDirectory(prefix="framing-package-") as tmp:
        root = Path(tmp)
        pdir = root / pkg
        shutil.copytree(src, pdir / "model", ignore=shutil.ignore_patterns(
            "__pycache__", "*.pyc", ".*"))
        (pdir / "__init__.py").write_text(
            _INIT.format(name=nm, version=ver, framing=__version__), encoding="utf-8")
        labels = meta.get("labels") or []
        desc = json.dumps(f"framing model {nm} ({meta.get('method', 'model')}, "
                          f"{len(labels)} labels)")
        (root / "pyproject.toml").write_text(_PYPROJECT.format(
            dist=pkg, version=ver, description=desc, requires=requires, name=nm, pkg=pkg),
            encoding="utf-8")
        if (src / "README.md").is_file():
            shutil.copy2(src / "README.md", root / "README.md")
        build = root / "wheelhouse"
        cmd = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-index", "--quiet",
               "-w", str(build), str(root)]
        if _has_setuptools():
            cmd.insert(4, "--no-build-isolation")
        else:  # pip fetches setuptools into an isolated build environment (needs an index)
            cmd.remove("--no-index")
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        built = sorted(build.glob("*.whl")) if build.is_dir() else []
        if proc.returncode != 0 or not built:
            detail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
            raise FramingError(Errors.E863.format(detail=" / ".join(detail) or
                                                  f"pip exited with {proc.returncode}"))
        wheel = out / built[0].name  # pip's own (normalised) file name
        if wheel.exists() and not overwrite:
            raise FramingError(Errors.E207.format(path=wheel))
        out.mkdir(parents=True, exist_ok=True)
        tmp_wheel = out / f".{wheel.name}.tmp"
        shutil.copy2(built[0], tmp_wheel)
        tmp_wheel.replace(wheel)
    return wheel


def _has_setuptools() -> bool:
    try:
        import setuptools
    except ImportError:
        return False
    parts = setuptools.__version__.split(".")
    try:
        return (int(parts[0]), int(parts[1])) >= (70, 1)
    except (ValueError, IndexError):
        return False
