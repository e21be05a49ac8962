"""``label()``: the main batch job, as a plain function the CLI calls.

Every input record ends up exactly once either in the output or in the rejects; the summary
checks ``read == labelled + rejected``. Inputs are read as a stream and cut into *shards* (at
most ``shard_size`` records and about ``shard_words`` words, see :mod:`framing.batch.plan`); a
shard is the unit of work (labelled in this process, in a pool of ``workers`` processes, or on
a Dask cluster) and of commit:

* ``out="labels.jsonl"`` / ``"labels.parquet"``: one output file (written under a temporary
  name and renamed when complete) plus ``labels.rejects.jsonl``;
* ``out="labels/"`` (a directory): one file per shard with a manifest, resumable after any
  crash (:mod:`framing.batch.directory`).

Before writing anything a run checks that no output is an input (:mod:`framing.guard`) and
takes an exclusive lock on each output (:mod:`framing.io.lock`): a second run into the same
output is refused (E614), a lock left by a killed run is taken over, and temporary files a
killed run left behind are removed. Shard contents depend only on the input, the model and the
options in the fingerprint, not on how many workers ran them or where, so local, ``workers=2``
and Dask runs give identical files. Records that reuse an id are counted and reported (W614).

Example:
    >>> import json, tempfile, pathlib, framing
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "in.jsonl").write_text(json.dumps({"id": "1", "text": "Leave it to the states."}))
    >>> s = label([d / "in.jsonl"], d / "out.jsonl", analyzer=framing.load(rules_only=True),
    ...           progress=False)
    >>> (s.stats.read, s.stats.labelled, s.stats.rejected)
    (1, 1, 0)
"""

from __future__ import annotations

import contextlib
import os
import re
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from framing.batch.directory import add, label_dir
from framing.batch.executors import InlineBackend
from framing.batch.options import (
    DEFAULT_SHARD_SIZE,
    BatchOptions,
    LabelSummary,
    make_backend,
)
from framing.batch.plan import (
    DEFAULT_SHARD_WORDS,
    MODEL_SHARD_WORDS,
    Planner,
    default_shard_words,
    default_workers,
    estimate_total,
    usable_cpus,
)
from framing.batch.progress import RunProgress
from framing.batch.shard import ShardResult
from framing.batch.sinks import SUFFIXES, open_sink
from framing.errors import Errors, FramingError, FramingWarning, Warnings
from framing.guard import check_outputs, check_replaceable, looks_like_output, looks_like_rejects
from framing.io.articles import IngestConfig, input_formats
from framing.io.fsutil import TMP_PREFIX, os_error
from framing.io.lock import OutputLock
from framing.io.records import IngestStats

if TYPE_CHECKING:  # spaCy loads only where text is analysed
    from framing.analyzer import Analyzer

def default_rejects_path(out: Path) -> Path:
    """``out.jsonl`` -> ``out.rejects.jsonl``."""
    return out.with_name(out.stem + ".rejects.jsonl")


def output_kind(out: str | Path) -> str:
    """``"dir"`` for a sharded output directory, else the file format (``jsonl``/``parquet``).

    A directory is a path ending in ``/``, an existing directory, or a name without suffix.
    """
    s = str(out)
    path = Path(s)
    if s.endswith(("/", os.sep)) or path.is_dir():
        return "dir"
    fmt = SUFFIXES.get(path.suffix.lower())
    if fmt is not None:
        return fmt
    if not path.suffix:
        return "dir"
    raise FramingError(Errors.E204.format(path=path)
                       + " For sharded output give a directory: --out OUTDIR/.")


def label(inputs: Sequence[str | Path], out: str | Path, *, analyzer: Analyzer | None = None,
          load_kwargs: dict[str, Any] | None = None, config: IngestConfig | None = None,
          rejects: str | Path | None = None, progress: bool = True,
          overwrite: bool | None = None, batch_size: int | None = None,
          workers: int | None = None, shard_size: int = DEFAULT_SHARD_SIZE,
          shard_words: int | None = None, shard_format: str | None = None,
          resume: bool = False, scheduler: Any = None, dask_cluster: str | None = None,
          start_method: str | None = None) -> LabelSummary:
    """Label every record of ``inputs`` into ``out``; see the module docstring.

    Args:
        inputs: files or folders (JSONL, CSV/TSV, Parquet, folders of those and .txt/.html).
        out: ``OUT.jsonl`` / ``OUT.parquet`` (one file) or ``OUTDIR/`` (shards + manifest).
        analyzer: a built Analyzer (runs in this process only).
        load_kwargs: arguments of :func:`framing.load`; each worker builds its own Analyzer from
            them. Default when neither is given: ``{}`` (the default model).
        config: how to read the inputs.
        rejects: the rejects file of single-file output (default ``OUT.rejects.jsonl``).
        progress: show progress bars on stderr.
        overwrite: replace an existing output (default: yes for a file framing wrote; a
            directory holding a run needs ``overwrite=True`` or ``resume=True``).
        batch_size: documents per batch inside the Analyzer.
        workers: processes on this machine (or LocalCluster workers with ``dask_cluster``);
            ``None``: :func:`default_workers`.
        shard_size: at most this many input records per shard.
        shard_words: a shard ends once it holds about this many words (default: 50,000
            for the rule layer, 5,000 with a model; see
            :func:`framing.batch.plan.default_shard_words`).
        shard_format: ``parquet`` (default) or ``jsonl`` shards (directory output only).
        resume: continue the run in ``out`` (a directory): finished shards are kept.
        scheduler: a Dask scheduler address (``tcp://host:8786``) or ``distributed.Client``.
        dask_cluster: ``"local"``: start a Dask LocalCluster with ``workers`` processes.
        start_method: ``spawn``, ``forkserver`` or (rule layer, Linux) ``fork`` for
            ``workers > 1`` (default: ``fork`` for a rule-layer run on Linux, else forkserver
            where available; see :func:`framing.batch.executors.default_start_method`).
    """
    cfg = config or IngestConfig()
    if analyzer is None and load_kwargs is None:
        load_kwargs = {}
    for p in inputs:
        if not Path(p).exists():
            raise FramingError(Errors.E201.format(path=p))
    if workers is None:
        distributed = scheduler is not None or dask_cluster is not None
        workers = 1 if analyzer is not None and not distributed else (
            default_workers(load_kwargs, inputs) if not distributed else usable_cpus())
    if shard_words is None:
        shard_words = default_shard_words(load_kwargs) if analyzer is None else (
            MODEL_SHARD_WORDS if analyzer.classifier is not None
            or analyzer.stance_model is not None else DEFAULT_SHARD_WORDS)
    opts = BatchOptions(workers=workers, shard_size=shard_size, shard_format=shard_format,
                        resume=resume, overwrite=overwrite, scheduler=scheduler,
                        dask_cluster=dask_cluster, start_method=start_method,
                        batch_size=batch_size, shard_words=shard_words)
    kind = output_kind(out)
    input_formats(inputs, cfg)  # E202 for an input it cannot read, before anything else
    if kind == "dir" and rejects is not None:
        raise FramingError(Errors.E606.format(
            detail=f"--rejects applies to single-file output; '{out}' is a directory, which "
                   "keeps the rejects of each shard in its _rejects/ folder"))
    if kind != "dir":
        if opts.resume:
            raise FramingError(Errors.E605.format(path=out))
        if opts.shard_format is not None and opts.shard_format != kind:
            raise FramingError(Errors.E606.format(
                detail=f"--shard-format {opts.shard_format} conflicts with the output file "
                       f"'{out}'; shard formats apply to directory output (--out DIR/)"))
    rej_path = None if kind == "dir" else (Path(rejects) if rejects
                                           else default_rejects_path(Path(out)))
    if kind == "dir":
        check_outputs(inputs, {}, {"output directory": out})
    else:
        assert rej_path is not None
        check_outputs(inputs, {"output file": out, "rejects file": rej_path})
    parallel = opts.workers > 1 or opts.distributed
    if parallel and load_kwargs is None:
        raise FramingError(Errors.E608)
    with contextlib.ExitStack() as locks:
        created = _make_parents([Path(out)] + ([rej_path] if rej_path else []))
        try:
            locks.enter_context(OutputLock(out))
            if rej_path is not None:
                locks.enter_context(OutputLock(rej_path))
            if kind == "dir":
                summary = label_dir(list(inputs), Path(out), cfg, opts, analyzer, load_kwargs,
                                    progress)
            else:
                assert rej_path is not None
                # under the lock: the file found now is the one replaced
                check_replaceable(Path(out), "output file", opts.overwrite,
                                  looks_like_output(Path(out)))
                check_replaceable(rej_path, "rejects file", opts.overwrite,
                                  looks_like_rejects(rej_path))
                _remove_stale_tmp([Path(out), rej_path])
                summary = _label_file(list(inputs), Path(out), kind, cfg, opts, analyzer,
                                      load_kwargs, rej_path, progress)
        except FramingError:
            locks.close()
            _remove_empty(created)
            raise
    if summary.duplicates:
        warnings.warn(FramingWarning(Warnings.W614.format(
            n=summary.duplicates, examples=", ".join(summary.duplicate_examples))),
            stacklevel=2)
    return summary


def _make_parents(paths: list[Path]) -> list[Path]:
    """Create the missing parent folders of ``paths``; return them, deepest first."""
    created: list[Path] = []
    for p in paths:
        parent = Path(os.path.abspath(p)).parent
        missing = [d for d in [parent, *parent.parents] if not d.exists()]
        for d in reversed(missing):
            try:
                d.mkdir()
            except FileExistsError:
                continue
            except OSError as e:
                raise os_error(e, d, "create") from None
            created.insert(0, d)
    return created


def _remove_empty(dirs: list[Path]) -> None:
    """Undo :func:`_make_parents` for a refused run (only folders still empty)."""
    for d in dirs:
        with contextlib.suppress(OSError):
            d.rmdir()


_TMP_OF = r"\.tmp-\d+-{}$"


def _remove_stale_tmp(targets: list[Path]) -> None:
    """Remove the temporary files of earlier runs into these outputs (a killed run leaves
    ``.tmp-<pid>-<name>``). Only the lock holder writes them, so under the lock every one is
    stale."""
    n = 0
    for t in targets:
        pat = re.compile(_TMP_OF.format(re.escape(t.name)))
        folder = t.parent if str(t.parent) else Path(".")
        if not folder.is_dir():
            continue
        for f in folder.iterdir():
            if pat.match(f.name) and f.is_file():
                with contextlib.suppress(OSError):
                    f.unlink()
                    n += 1
    if n:
        warnings.warn(FramingWarning(Warnings.W618.format(n=n, path=targets[0].parent)),
                      stacklevel=3)


# ----- one output file ------------------------------------------------------------------------
def _label_file(inputs: list[str | Path], out: Path, fmt: str, cfg: IngestConfig,
                opts: BatchOptions, analyzer: Analyzer | None,
                load_kwargs: dict[str, Any] | None, rej_path: Path,
                progress: bool) -> LabelSummary:
    stats = IngestStats()
    t0 = time.perf_counter()
    total = estimate_total(inputs, cfg) if progress else None
    planner = Planner(inputs, cfg, shard_size=opts.shard_size, shard_words=opts.shard_words,
                      fmt=fmt, batch_size=opts.batch_size)
    backend = make_backend(opts, analyzer, load_kwargs, progress)
    frame_ids = backend.analyzer.codebook.frame_ids if isinstance(backend, InlineBackend) \
        else None
    tmp = out.with_name(f"{TMP_PREFIX}{os.getpid()}-{out.name}")
    # rejects go to a temporary file too: a failed run leaves the previous output and its
    # rejects as they were, a finished one replaces both
    rej_tmp = rej_path.with_name(f"{TMP_PREFIX}{os.getpid()}-{rej_path.name}")
    rej_fh: IO[bytes] | None = None
    pending: dict[int, ShardResult] = {}
    nxt = 0
    writing = out
    try:
        with open_sink(tmp, frame_ids) as sink, RunProgress(progress, total) as prog:
            def on_progress(i: int, n: int) -> None:
                prog.shard(i, planner.sizes.get(i, 0), n)

            for res in backend.run(planner.tasks(), on_progress):
                pending[res.index] = res
                while nxt in pending:  # results may finish out of order; write in order
                    r = pending.pop(nxt)
                    writing = out
                    sink.write_encoded(r.data)
                    if r.rejects:
                        writing = rej_path
                        if rej_fh is None:
                            rej_fh = open(rej_tmp, "wb")
                        rej_fh.write(r.rejects)
                    add(stats, r.read, r.labelled, r.rejected, r.words, r.reasons)
                    prog.shard_done(r.index, r.read)
                    nxt += 1
            writing = out
        if rej_fh is not None:
            writing = rej_path
            rej_fh.close()
            rej_fh = None
            os.replace(rej_tmp, rej_path)
        elif rej_path.exists():  # the previous run's rejects (checked to be ours above)
            writing = rej_path
            rej_path.unlink()
        writing = out
        os.replace(tmp, out)
    except BaseException as e:
        backend.close(abort=True)
        if rej_fh is not None:
            with contextlib.suppress(OSError):
                rej_fh.close()
        tmp.unlink(missing_ok=True)
        rej_tmp.unlink(missing_ok=True)
        if isinstance(e, OSError) and not isinstance(e, FramingError):
            raise os_error(e, writing) from None
        raise
    else:
        backend.close()
    seconds = time.perf_counter() - t0
    if not stats.balanced or stats.read != planner.total:  # a bug, never a user error
        raise RuntimeError(f"record accounting broken: {stats}, {planner.total} records read")
    return LabelSummary(stats=stats, seconds=seconds, out=out,
                        rejects=rej_path if stats.rejected else None, backend=backend.name,
                        workers=backend.workers,
                        start_method=getattr(backend, "start_method", None),
                        duplicates=planner.duplicates,
                        duplicate_examples=planner.duplicate_examples)


__all__ = ["DEFAULT_SHARD_SIZE", "DEFAULT_SHARD_WORDS", "BatchOptions", "LabelSummary",
           "default_workers", "label", "output_kind"]
