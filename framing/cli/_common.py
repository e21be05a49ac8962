"""Helpers shared by the thin CLI modules: error handling and consoles."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import typer
from rich.console import Console

from framing.errors import FramingError

F = TypeVar("F", bound=Callable[..., Any])

console = Console()
err_console = Console(stderr=True)

EXIT_OK, EXIT_REJECTS, EXIT_USAGE = 0, 1, 2


def handle_errors(func: F) -> F:
    """Turn a FramingError into a one-line message on stderr and exit code 2 (no traceback)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except FramingError as e:
            err_console.print(f"[bold red]error:[/] {e}", markup=True, highlight=False,
                              soft_wrap=True)
            raise typer.Exit(EXIT_USAGE) from None

    return wrapper  # type: ignore[return-value]
