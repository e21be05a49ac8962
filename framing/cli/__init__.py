"""The ``framing`` command line: one Typer app, one thin module per command.

Exit codes: 0 success; 1 some records rejected (with ``--strict``); 2 usage or input error.
"""

from __future__ import annotations

import typer

from framing.cli import (
    aggregate_cmd,
    annotate_cmd,
    bootstrap_cmd,
    calibrate_cmd,
    codebook_cmd,
    evaluate_cmd,
    label_cmd,
    package_cmd,
    report_cmd,
    score_cmd,
    serve_cmd,
    train_cmd,
)
from framing.version import __version__

app = typer.Typer(
    name="framing", no_args_is_help=True, add_completion=False,
    help="Stance and framing analysis of op-eds and news.",
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.command("score")(score_cmd.score_cli)
app.command("label")(label_cmd.label_cli)
app.command("train")(train_cmd.train_cli)
app.command("evaluate")(evaluate_cmd.evaluate_cli)
app.command("calibrate")(calibrate_cmd.calibrate_cli)
app.command("aggregate")(aggregate_cmd.aggregate_cli)
app.command("report")(report_cmd.report_cli)
app.command("serve")(serve_cmd.serve_cli)
app.add_typer(codebook_cmd.app, name="codebook")
app.add_typer(annotate_cmd.app, name="annotate")
app.add_typer(bootstrap_cmd.app, name="bootstrap")
app.command("package")(package_cmd.package_cli)


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
    app()
