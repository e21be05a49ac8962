"""``framing codebook show`` and ``framing codebook validate FILE``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from framing.cli._common import (
    EXIT_USAGE,
    Format,
    FormatOpt,
    console,
    err_console,
    handle_errors,
)
from framing.codebook import Codebook, validate_file

app = typer.Typer(no_args_is_help=True, help="Show or check a codebook.")


@app.command("show")
@handle_errors
def show_cli(
    codebook: Annotated[Path | None, typer.Option(
        "--codebook", "-c", help="Codebook file (default: the shipped one).")] = None,
    fmt: FormatOpt = Format.pretty,
) -> None:
    """Print the frames (with parents, descriptions, pattern counts) and the stance targets."""
    cb = Codebook.load(codebook) if codebook else Codebook.default()
    if fmt is Format.json:
        typer.echo(json.dumps(cb.to_dict(), indent=1, ensure_ascii=False))
        return
    t = Table(title=f"Codebook {cb.name} {cb.version} ({len(cb.frames)} frames)",
              show_lines=False)
    t.add_column("id", style="bold")
    t.add_column("parent")
    t.add_column("patterns", justify="right")
    t.add_column("threshold", justify="right")
    t.add_column("description", overflow="fold")
    for f in cb.frames:
        n_phr = sum(len(p.phrases) if p.kind == "phrase" else 1 for p in f.patterns)
        t.add_row(f.id, f.parent or "", f"{len(f.patterns)} ({n_phr})",
                  f"{cb.threshold(f.id):.2f}", f.description)
    console.print(t)
    tt = Table(title="Default stance targets")
    tt.add_column("id", style="bold")
    tt.add_column("issue")
    tt.add_column("target text")
    for tg in cb.targets:
        tt.add_row(tg.id, tg.issue or "", tg.text)
    console.print(tt)


@app.command("validate")
def validate_cli(
    file: Annotated[Path, typer.Argument(help="Codebook .json or .yaml file to check.")],
) -> None:
    """Check a codebook and report every problem with its location (exit 2 if any)."""
    problems = validate_file(file)
    if problems:
        err_console.print(f"[bold red]{file}: {len(problems)} problem(s)[/]", soft_wrap=True)
        for p in problems:
            err_console.print(f"  - {p}", highlight=False, markup=False)
        raise typer.Exit(EXIT_USAGE)
    cb = Codebook.load(file)
    console.print(f"[green]{file}: valid[/] ({len(cb.frames)} frames, "
                  f"{len(cb.patterns)} patterns, {len(cb.targets)} targets)")
