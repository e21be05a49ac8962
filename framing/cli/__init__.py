"""The ``framing`` command line: one Typer app, one thin module per command.

Exit codes: 0 success; 1 some records rejected (with ``--strict``); 2 usage, input or any
other error; 130 interrupted (Ctrl-C).

Every command runs inside one error boundary (:func:`boundary`): a numbered error prints its
message; a file-system error names the path (disk full E901, permission denied E902, read-only
E903, other E904); any other exception becomes E900 with a one-line cause and the path of a
log file holding the full traceback. No Python traceback reaches the user. Numbered warnings
(:class:`~framing.errors.FramingWarning`) print as ``warning: [Wnnn] ...`` on stderr.
"""

from __future__ import annotations

import datetime as _dt
import functools
import importlib
import os
import platform
import sys
import tempfile
import traceback
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
import typer

from framing.cli._common import EXIT_USAGE, err_console
from framing.errors import Errors, FramingError, FramingWarning
from framing.version import __version__

F = TypeVar("F", bound=Callable[..., Any])
#: Exit status after Ctrl-C (128 + SIGINT), as shells report it.
EXIT_INTERRUPTED = 130


def log_dir() -> Path:
    """Where crash logs go: ``$XDG_STATE_HOME/framing/logs`` (``~/.local/state/...``)."""
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local",
                                                            "state")
    return Path(base) / "framing" / "logs"


def write_log(exc: BaseException) -> Path | None:
    """Write the full traceback of ``exc`` (and what ran) to a new log file; its path."""
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    text = (f"framing {__version__}, Python {platform.python_version()} on "
            f"{platform.platform()}\ncommand: {' '.join(map(repr, sys.argv))}\n\n"
            + "".join(traceback.format_exception(exc)))
    for folder in (log_dir(), Path(tempfile.gettempdir()) / "framing-logs"):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"framing-error-{stamp}-{os.getpid()}.log"
            path.write_text(text, encoding="utf-8", errors="backslashreplace")
            return path
        except OSError:
            continue
    return None


def _fail(message: str) -> typer.Exit:
    err_console.print(f"[bold red]error:[/] {message}", markup=True, highlight=False,
                      soft_wrap=True)
    return typer.Exit(EXIT_USAGE)


_shown: set[str] = set()


def _show_warning(message: Warning | str, category: type[Warning], filename: str,
                  lineno: int, file: Any = None, line: str | None = None) -> None:
    if issubclass(category, FramingWarning):
        if str(message) in _shown:  # the same finding reached by two readers: say it once
            return
        _shown.add(str(message))
        err_console.print(f"[bold yellow]warning:[/] {message}", markup=True, highlight=False,
                          soft_wrap=True)
    else:
        sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))


def handle_unexpected(exc: BaseException) -> typer.Exit:
    """The numbered error for an exception no command handled (see the module docstring)."""
    if isinstance(exc, FramingError):
        return _fail(str(exc))
    log = write_log(exc)
    where = str(log) if log else "(no log: the log folder is not writable)"
    if isinstance(exc, OSError):
        from framing.io.fsutil import os_error

        path = exc.filename if exc.filename is not None else "(unknown path)"
        return _fail(f"{os_error(exc, path, 'read or write')} (full log: {where})")
    cause = f"{type(exc).__name__}: {exc}".splitlines()[0][:300] if str(exc) else \
        type(exc).__name__
    return _fail(Errors.E900.format(cause=cause, log=where))


def boundary(func: F) -> F:
    """Run a command inside the error boundary (see the module docstring)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        _shown.clear()
        with warnings.catch_warnings():
            warnings.simplefilter("always", FramingWarning)  # _show_warning dedupes
            warnings.showwarning = _show_warning
            try:
                return func(*args, **kwargs)
            except (typer.Exit, click.exceptions.Exit, click.ClickException, click.Abort,
                    SystemExit):
                raise
            except KeyboardInterrupt:
                err_console.print("interrupted", highlight=False, markup=False)
                raise typer.Exit(EXIT_INTERRUPTED) from None
            except Exception as e:  # the last line of defence: never a traceback
                raise handle_unexpected(e) from None

    wrapper._bounded = True  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]


#: command -> (module, function); the codebook command group is the module's ``app``. A command's
#: module is imported only when the command runs (or for ``--help`` listing them all): ``framing
#: score`` does not import pandas for ``aggregate`` (half a second of start-up on an idle core).
COMMANDS: dict[str, tuple[str, str]] = {
    "score": ("framing.cli.score_cmd", "score_cli"),
    "label": ("framing.cli.label_cmd", "label_cli"),
    "train": ("framing.cli.train_cmd", "train_cli"),
    "evaluate": ("framing.cli.evaluate_cmd", "evaluate_cli"),
    "calibrate": ("framing.cli.calibrate_cmd", "calibrate_cli"),
    "aggregate": ("framing.cli.aggregate_cmd", "aggregate_cli"),
    "report": ("framing.cli.report_cmd", "report_cli"),
    "serve": ("framing.cli.serve_cmd", "serve_cli"),
    "codebook": ("framing.cli.codebook_cmd", "app"),
    "annotate": ("framing.cli.annotate_cmd", "app"),
    "bootstrap": ("framing.cli.bootstrap_cmd", "app"),
    "package": ("framing.cli.package_cmd", "package_cli"),
}


def _version(value: bool) -> None:
    if value:
        typer.echo(f"framing {__version__}")
        raise typer.Exit()


def _root(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Print the version and exit.")) -> None:
    """Stance and framing analysis of op-eds and news."""


def build_app(only: str | None = None) -> typer.Typer:
    """The Typer app with every command, or with only the command ``only`` (what ``main`` runs:
    the other commands' modules are not imported)."""
    app = typer.Typer(
        name="framing", no_args_is_help=True, add_completion=False,
        pretty_exceptions_enable=False, help="Stance and framing analysis of op-eds and news.",
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    app.callback()(_root)
    for name, (module, attr) in COMMANDS.items():
        if only is not None and name != only:
            continue
        obj = getattr(importlib.import_module(module), attr)
        if isinstance(obj, typer.Typer):
            for cmd in obj.registered_commands:
                if cmd.callback is not None and not getattr(cmd.callback, "_bounded", False):
                    cmd.callback = boundary(cmd.callback)
            app.add_typer(obj, name=name)
        else:
            app.command(name)(boundary(obj))
    return app


def requested_command(argv: list[str]) -> str | None:
    """The command named on a command line (its first argument), if it is one of
    :data:`COMMANDS`; None for ``--help``, ``--version`` or anything else."""
    return argv[0] if argv and argv[0] in COMMANDS else None


def main() -> None:
    """Console-script entry point: builds the app with just the command asked for, inside the
    error boundary (option-parsing callbacks run outside any command)."""
    try:
        build_app(requested_command(sys.argv[1:]))()
    except KeyboardInterrupt:
        err_console.print("interrupted", highlight=False, markup=False)
        sys.exit(EXIT_INTERRUPTED)
    except Exception as e:
        sys.exit(handle_unexpected(e).exit_code)


_app: typer.Typer | None = None


def __getattr__(name: str) -> Any:
    """``framing.cli.app``: the app with every command, built on first use."""
    global _app
    if name == "app":
        if _app is None:
            _app = build_app()
        return _app
    raise AttributeError(f"module 'framing.cli' has no attribute {name!r}")
