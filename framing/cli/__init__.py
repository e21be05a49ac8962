"""The ``framing`` command line: one Typer app, one thin module per command.

Exit codes: 0 success; 1 some records rejected (with ``--strict``); 2 usage or input error.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import typer

from framing.version import __version__

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
        help="Stance and framing analysis of op-eds and news.",
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    app.callback()(_root)
    for name, (module, attr) in COMMANDS.items():
        if only is not None and name != only:
            continue
        obj = getattr(importlib.import_module(module), attr)
        if isinstance(obj, typer.Typer):
            app.add_typer(obj, name=name)
        else:
            app.command(name)(obj)
    return app


def requested_command(argv: list[str]) -> str | None:
    """The command named on a command line (its first argument), if it is one of
    :data:`COMMANDS`; None for ``--help``, ``--version`` or anything else."""
    return argv[0] if argv and argv[0] in COMMANDS else None


def main() -> None:
    """Console-script entry point: builds the app with just the command asked for."""
    build_app(requested_command(sys.argv[1:]))()


_app: typer.Typer | None = None


def __getattr__(name: str) -> Any:
    """``framing.cli.app``: the app with every command, built on first use."""
    global _app
    if name == "app":
        if _app is None:
            _app = build_app()
        return _app
    raise AttributeError(f"module 'framing.cli' has no attribute {name!r}")
