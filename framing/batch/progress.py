"""Progress display for batch runs: an overall bar and one bar per shard in flight.

Each bar shows records done, docs/s and the ETA (rich). Disabled, every method is a no-op.

Example:
    >>> p = RunProgress(enabled=False, total=10)
    >>> with p:
    ...     p.shard(0, 5, 5)
    ...     p.shard_done(0, 5)
    >>> p.done
    5
"""

from __future__ import annotations

import threading
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

    def __enter__(self) -> RunProgress:
        if not self.enabled:
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
            TimeRemainingColumn,
        )
        from rich.text import Text

        class RateColumn(ProgressColumn):
            def render(self, task: Task) -> Text:
                speed = task.speed
                if not speed and task.elapsed:  # few samples yet: the average since start
                    speed = (task.completed - task.fields.get("skipped", 0)) / task.elapsed
                return Text(f"{speed:7.1f} docs/s" if speed else "   ... docs/s")

        self._p = Progress(SpinnerColumn(), TextColumn("[bold]{task.description:<12}"),
                           BarColumn(), MofNCompleteColumn(), RateColumn(),
                           TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
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
            tid = self._shard_tasks.pop(index, None)
            if tid is not None:
                self._p.remove_task(tid)
            self._p.update(self._overall, completed=self.done)
            self._grow_total()

    def __exit__(self, *exc: object) -> None:
        if self.enabled and self._p is not None:
            with self._lock:
                for tid in self._shard_tasks.values():
                    self._p.remove_task(tid)
                self._shard_tasks.clear()
                if exc[0] is None:
                    self._p.update(self._overall, total=self.done, completed=self.done)
            self._p.stop()
