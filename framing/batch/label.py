"""``label()``: the main batch job, as a plain function the CLI calls.

Every input record ends up either in the output or in the rejects file; the summary checks
``read == labelled + rejected``.

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

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from framing.analyzer import Analyzer
from framing.batch.sinks import open_sink
from framing.errors import Errors, FramingError
from framing.ingest import IngestConfig, IngestStats, Reject, RejectsWriter, read_records
from framing.ingest.readers import detect_format
from framing.types import Article


@dataclass
class LabelSummary:
    """What a run did: counts, time, where things went."""

    stats: IngestStats
    seconds: float
    out: Path
    rejects: Path | None

    @property
    def docs_per_s(self) -> float:
        return self.stats.labelled / self.seconds if self.seconds > 0 else 0.0

    @property
    def words_per_s(self) -> float:
        return self.stats.words / self.seconds if self.seconds > 0 else 0.0

    def line(self) -> str:
        s = self.stats
        rej = f" (reasons: {dict(s.reasons)}; see {self.rejects})" if s.rejected else ""
        return (f"read {s.read}, labelled {s.labelled}, rejected {s.rejected}{rej} in "
                f"{self.seconds:.1f} s: {self.docs_per_s:.1f} docs/s, "
                f"{self.words_per_s:,.0f} words/s -> {self.out}")


def default_rejects_path(out: Path) -> Path:
    """``out.jsonl`` -> ``out.rejects.jsonl``."""
    return out.with_name(out.stem + ".rejects.jsonl")


def estimate_total(paths: Sequence[str | Path], cfg: IngestConfig) -> int | None:
    """A cheap upper estimate of the number of records (for the progress bar's ETA)."""
    total = 0
    for p in paths:
        path = Path(p)
        try:
            fmt = cfg.input_format if cfg.input_format and not path.is_dir() \
                else detect_format(path)
        except FramingError:
            return None
        if fmt in ("jsonl", "csv", "tsv") and path.suffix != ".gz":
            with open(path, "rb") as fh:
                n = sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))
            total += max(0, n - (1 if fmt in ("csv", "tsv") else 0)) + 1
        elif fmt == "parquet":
            import pyarrow.parquet as pq

            try:
                total += pq.ParquetFile(path).metadata.num_rows
            except Exception:
                return None
        elif fmt == "folder":
            total += sum(1 for f in path.rglob("*")
                         if f.is_file() and f.suffix.lower() in (".txt", ".html", ".htm"))
        else:
            total += 1
    return total


def label(inputs: Sequence[str | Path], out: str | Path, *, analyzer: Analyzer,
          config: IngestConfig | None = None, rejects: str | Path | None = None,
          progress: bool = True, overwrite: bool = True, batch_size: int = 32) -> LabelSummary:
    """Label every record of ``inputs`` into ``out`` (.jsonl or .parquet); see module docs."""
    cfg = config or IngestConfig()
    out = Path(out)
    for p in inputs:
        if not Path(p).exists():
            raise FramingError(Errors.E201.format(path=p))
    if out.exists() and not overwrite:
        raise FramingError(Errors.E207.format(path=out))
    rej_path = Path(rejects) if rejects else default_rejects_path(out)
    stats = IngestStats()
    t0 = time.perf_counter()
    total = estimate_total(inputs, cfg) if progress else None

    with open_sink(out, analyzer.codebook.frame_ids) as sink, \
            RejectsWriter(rej_path) as rw, _progress(progress, total) as advance:

        def articles() -> Iterator[Article]:
            for item in read_records(inputs, cfg):
                stats.read += 1
                if isinstance(item, Reject):
                    stats.rejected += 1
                    stats.reasons[item.code] += 1
                    rw.write(item)
                    advance()
                    continue
                stats.words += len(item.text.split())
                yield item

        for res in analyzer.pipe(articles(), batch_size=batch_size):
            sink.write(res)
            stats.labelled += 1
            advance()
    seconds = time.perf_counter() - t0
    if not stats.balanced:  # a bug, never a user error: fail loudly
        raise RuntimeError(f"record accounting broken: {stats}")
    return LabelSummary(stats=stats, seconds=seconds, out=out,
                        rejects=rej_path if stats.rejected else None)


class _progress:
    """A rich progress bar with docs/s and ETA, or a no-op."""

    def __init__(self, enabled: bool, total: int | None) -> None:
        self.enabled = enabled
        self.total = total

    def __enter__(self) -> Callable[[], None]:
        if not self.enabled:
            return lambda: None
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            ProgressColumn,
            SpinnerColumn,
            Task,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )
        from rich.text import Text

        class RateColumn(ProgressColumn):
            def render(self, task: Task) -> Text:
                speed = task.finished_speed or task.speed
                return Text(f"{speed:7.1f} docs/s" if speed else "   ... docs/s")

        self._p = Progress(SpinnerColumn(), TextColumn("[bold]labelling"), BarColumn(),
                           MofNCompleteColumn(), RateColumn(), TimeElapsedColumn(),
                           TextColumn("ETA"), TimeRemainingColumn())
        self._p.start()
        task = self._p.add_task("label", total=self.total)
        return lambda: self._p.advance(task)

    def __exit__(self, *exc: object) -> None:
        if self.enabled:
            self._p.stop()
