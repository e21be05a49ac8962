"""Inputs are sacred: checks every command runs before it writes or removes anything.

A command that writes files calls these *before* touching the disk, so a refused run changes
nothing. The rules:

* no output path (the output file, its rejects file, a model or report directory) is also an
  input of the run, or lies inside an input folder;
* no input lies inside an output directory (an output directory's old files may be replaced);
* an existing file is replaced only when it is recognisably something ``framing`` wrote (a
  labelled output, a rejects file), or when the user asked for it with ``--overwrite``.

Example:
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "in.jsonl").write_text("{}")
    >>> try:
    ...     check_outputs([d / "in.jsonl"], {"output file": d / "in.jsonl"})
    ... except FramingError as e:
    ...     print(str(e)[:6])
    [E208]
    >>> check_outputs([d / "in.jsonl"], {"output file": d / "out.jsonl"})
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from framing.errors import Errors, FramingError


def _resolve(p: str | Path) -> Path:
    return Path(os.path.abspath(os.path.realpath(p)))


def _is_within(child: Path, parent: Path) -> bool:
    return child == parent or parent in child.parents


def input_files(inputs: Iterable[str | Path]) -> list[Path]:
    """Every file an input names: the file itself, or every file below an input folder."""
    files: list[Path] = []
    for p in inputs:
        path = Path(p)
        if path.is_dir():
            files.extend(_resolve(f) for f in path.rglob("*") if f.is_file())
        elif path.exists():
            files.append(_resolve(path))
    return files


def _same(a: Path, b: Path) -> bool:
    """Same file on disk (hard links and symlinks included), or the same resolved path."""
    if a == b:
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def check_outputs(inputs: Iterable[str | Path], outputs: Mapping[str, str | Path | None],
                  out_dirs: Mapping[str, str | Path | None] | None = None) -> None:
    """Refuse (E208/E209) when an output would write over, or next to and into, an input.

    ``outputs`` maps a role ("output file", "rejects file") to a file the run will write;
    ``out_dirs`` maps a role to a directory whose contents the run may replace.
    """
    inputs = list(inputs)
    in_dirs = [_resolve(p) for p in inputs if Path(p).is_dir()]
    files = input_files(inputs)
    named: dict[Path, str] = {}
    for role, p in outputs.items():
        if p is None:
            continue
        rp = _resolve(p)
        for f in files:
            if _same(rp, f):
                raise FramingError(Errors.E208.format(path=p, role=role))
        for d in in_dirs:
            if _is_within(rp, d):
                raise FramingError(Errors.E209.format(path=p, role=role, other=d,
                                                      how="lies inside the input folder"))
        if rp in named:
            raise FramingError(Errors.E606.format(
                detail=f"the {role} and the {named[rp]} are the same path '{p}'"))
        named[rp] = role
    for role, p in (out_dirs or {}).items():
        if p is None:
            continue
        rp = _resolve(p)
        for f in files:
            if _is_within(f, rp):
                raise FramingError(Errors.E209.format(path=p, role=role, other=f,
                                                      how="holds the input file"))
        for d in in_dirs:
            if _is_within(rp, d) or _is_within(d, rp):
                raise FramingError(Errors.E209.format(path=p, role=role, other=d,
                                                      how="overlaps the input folder"))


def _first_json_line(path: Path) -> object:
    with open(path, "rb") as fh:
        line = fh.readline(1 << 22)
    return json.loads(line.decode("utf-8"))


def looks_like_output(path: Path) -> bool:
    """Whether an existing file is a labelled output ``framing label`` wrote (or is empty)."""
    try:
        if path.stat().st_size == 0:
            return True
        if path.suffix.lower() in (".parquet", ".pq"):
            import pyarrow.parquet as pq

            from framing.io.schema import MARKER_COLUMNS

            names = set(pq.ParquetFile(path).schema_arrow.names)
            return names >= MARKER_COLUMNS
        row = _first_json_line(path)
    except Exception:  # unreadable or foreign: not ours
        return False
    return isinstance(row, dict) and {"id", "frames", "labels", "model"} <= set(row)


def looks_like_rejects(path: Path) -> bool:
    """Whether an existing file is a rejects file ``framing`` wrote (or is empty)."""
    try:
        if path.stat().st_size == 0:
            return True
        row = _first_json_line(path)
    except Exception:
        return False
    return isinstance(row, dict) and {"code", "reason"} <= set(row)


def check_replaceable(path: Path, role: str, overwrite: bool | None,
                      recognised: bool) -> None:
    """An existing ``path`` is replaced only when ``framing`` wrote it or ``overwrite`` is set.

    ``overwrite=False`` refuses any existing file (E207); ``None`` (the default) replaces only
    a file recognised as ours (``recognised``), refusing anything else with E210.
    """
    if not path.exists():
        return
    if path.is_dir():
        raise FramingError(Errors.E210.format(path=path, role=role,
                                              what="a directory"))
    if overwrite is True:
        return
    if overwrite is False:
        raise FramingError(Errors.E207.format(path=path))
    if not recognised:
        raise FramingError(Errors.E210.format(path=path, role=role,
                                              what="a file framing did not write"))
