"""Progress display for batch runs: an overall bar and one bar per shard in flight.

Each bar shows records done, docs/s and the ETA (rich). The rate is the average since the run
started (records labelled in this run over its elapsed time: honest from the first batch,
never a burst rate of the last update), and the ETA follows from it. When stderr is not a
terminal (a log file, a CI job) there is no bar: a plain line every ``$FRAMING_PROGRESS_EVERY``
seconds (default 30) and a last one at the end. Disabled, every method is a no-op.

Example:
    >>> p = RunProgress(enabled=False, total=10)
    >>> with p:
    ...     p.shard(0, 5, 5)
    ...     p.shard_done(0, 5)
    >>> p.done
    5
"""

from __future__ import annotations

import os
import threading
import time
from typing import Any

from rich.console import Console


class RunProgress:
    """See the module docstring. Thread-safe (Dask progress events arrive on another thread)."""

    def __init__(self, enabled: bool, total: int | None, skipped: int = 0,
                 console: Console | None = None) -> None:
        self.enabled = enabled
        self.total = total
        self.done = skipped
        self._lock = threading.Lock()
        self._shard_tasks: dict[int, Any] = {}
        self._shard_done: dict[int, int] = {}
        self._console = console or Console(stderr=True)
        self._p: Any = None
        self._overall: Any = None
        self._plain = False
        self._t0 = 0.0
        self._last_line = 0.0
        self._skipped = skipped

    def rate(self, now: float | None = None) -> float | None:
        """Records per second labelled in this run, averaged since it started (None before the
        first record)."""
        elapsed = (now or time.perf_counter()) - self._t0
        n = self.done - self._skipped
        return n / elapsed if n > 0 and elapsed > 0 else None

    def line(self, now: float | None = None) -> str:
        """The plain-text progress line."""
        now = now or time.perf_counter()
        rate = self.rate(now)
        parts = [f"labelling: {self.done:,}" + (f"/{self.total:,} records "
                                                  f"({100 * self.done / self.total:.1f} %)"
                                                  if self.total else " records")]
        parts.append(f"{rate:.1f} docs/s" if rate else "... docs/s")
        parts.append(f"elapsed {_hms(now - self._t0)}")
        if rate and self.total:
            parts.append(f"ETA {_hms(max(self.total - self.done, 0) / rate)}")
        return ", ".join(parts)

    def _tick(self, final: bool = False) -> None:
        """In plain mode, print a line when the interval has passed (or at the end)."""
        now = time.perf_counter()
        if final or now - self._last_line >= _interval():
            self._last_line = now
            self._console.print(self.line(now), markup=False, highlight=False,
                                soft_wrap=True)

    def __enter__(self) -> RunProgress:
        self._t0 = self._last_line = time.perf_counter()
        if not self.enabled:
            return self
        if not self._console.is_terminal:
            self._plain = True
            return self
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            ProgressColumn,
            SpinnerColumn,
            Task,
            TextColumn,
            TimeElapsedColumn,
        )
        from rich.text import Text

        class RateColumn(ProgressColumn):
            # the average since the task started: rich's own speed is a rate over the last
            # updates, which jumps when a shard or a first batch lands at once
            def render(self, task: Task) -> Text:
                speed = _avg(task)
                return Text(f"{speed:7.1f} docs/s" if speed else "   ... docs/s")

        class EtaColumn(ProgressColumn):
            def render(self, task: Task) -> Text:
                speed = _avg(task)
                if not speed or task.total is None:
                    return Text("-:--:--")
                return Text(_hms(max(task.total - task.completed, 0) / speed))

        self._p = Progress(SpinnerColumn(), TextColumn("[bold]{task.description:<12}"),
                           BarColumn(), MofNCompleteColumn(), RateColumn(),
                           TimeElapsedColumn(), TextColumn("ETA"), EtaColumn(),
                           console=self._console, transient=False)
        self._p.start()
        self._overall = self._p.add_task("labelling", total=self.total, completed=self.done,
                                         skipped=self.done)
        return self

    def _grow_total(self) -> None:
        if self.total is not None and self.done > self.total:  # the estimate was low
            self.total = self.done
            self._p.update(self._overall, total=self.total)

    def shard(self, index: int, size: int, labelled: int) -> None:
        """Shard ``index`` (``size`` records) has labelled ``labelled`` records so far."""
        with self._lock:
            prev = self._shard_done.get(index, 0)
            if labelled <= prev:
                return
            self._shard_done[index] = labelled
            self.done += labelled - prev
            if not self.enabled:
                return
            if self._plain:
                self._tick()
                return
            if index not in self._shard_tasks:
                self._shard_tasks[index] = self._p.add_task(f"  shard {index}", total=size)
            self._p.update(self._shard_tasks[index], completed=labelled)
            self._p.update(self._overall, completed=self.done)
            self._grow_total()

    def shard_done(self, index: int, read: int) -> None:
        """Shard ``index`` is finished and committed (``read`` records, rejects included)."""
        with self._lock:
            prev = self._shard_done.pop(index, 0)
            self.done += read - prev
            if not self.enabled:
                return
            if self._plain:
                self._tick()
                return
            tid = self._shard_tasks.pop(index, None)
            if tid is not None:
                self._p.remove_task(tid)
            self._p.update(self._overall, completed=self.done)
            self._grow_total()

    def __exit__(self, *exc: object) -> None:
        if self.enabled and self._plain:
            with self._lock:
                if exc[0] is None:  # the total was an estimate (lines of the input)
                    self.total = self.done
                self._tick(final=True)
            return
        if self.enabled and self._p is not None:
            with self._lock:
                for tid in self._shard_tasks.values():
                    self._p.remove_task(tid)
                self._shard_tasks.clear()
                if exc[0] is None:
                    self._p.update(self._overall, total=self.done, completed=self.done)
            self._p.stop()


def _avg(task: Any) -> float | None:
    """A rich task's records per second since it started (records skipped on resume left out)."""
    if not task.elapsed:
        return None
    n = task.completed - task.fields.get("skipped", 0)
    return n / task.elapsed if n > 0 else None


def _hms(seconds: float) -> str:
    s = round(seconds)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def _interval() -> float:
    """Seconds between plain-text progress lines (``$FRAMING_PROGRESS_EVERY``, default 30)."""
    try:
        return max(float(os.environ.get("FRAMING_PROGRESS_EVERY", "30")), 0.0)
    except ValueError:
        return 30.0
