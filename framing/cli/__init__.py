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

from framing.cli import (
    aggregate_cmd,
    calibrate_cmd,
    codebook_cmd,
    evaluate_cmd,
    label_cmd,
    report_cmd,
    score_cmd,
    serve_cmd,
    train_cmd,
)
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

    return wrapper  # type: ignore[return-value]


app = typer.Typer(
    name="framing", no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
    help="Stance and framing analysis of op-eds and news.",
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.command("score")(boundary(score_cmd.score_cli))
app.command("label")(boundary(label_cmd.label_cli))
app.command("train")(boundary(train_cmd.train_cli))
app.command("evaluate")(boundary(evaluate_cmd.evaluate_cli))
app.command("calibrate")(boundary(calibrate_cmd.calibrate_cli))
app.command("aggregate")(boundary(aggregate_cmd.aggregate_cli))
app.command("report")(boundary(report_cmd.report_cli))
app.command("serve")(boundary(serve_cmd.serve_cli))
for _cmd in codebook_cmd.app.registered_commands:
    if _cmd.callback is not None:
        _cmd.callback = boundary(_cmd.callback)
app.add_typer(codebook_cmd.app, name="codebook")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"framing {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Print the version and exit.")) -> None:
    """Stance and framing analysis of op-eds and news."""


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:
        err_console.print("interrupted", highlight=False, markup=False)
        sys.exit(EXIT_INTERRUPTED)
    except Exception as e:  # outside any command (option parsing callbacks): same boundary
        sys.exit(handle_unexpected(e).exit_code)
