"""``framing package``: build an installable wheel of a model directory."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from framing.cli._common import err_console, handle_errors


@handle_errors
def package_cli(
    model_dir: Annotated[Path, typer.Argument(help="A model directory (framing_model.json).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the wheel.")] = Path(
        "dist"),
    name: Annotated[str | None, typer.Option(
        help="Model name; the package is framing_model_<name> [default: the model's name].")
    ] = None,
    version: Annotated[str | None, typer.Option(
        help="Package version [default: the model's version, else 0.0.0].")] = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace the wheel.")] = False,
) -> None:
    """Build a wheel (framing_model_<name>) holding the model directory, installable with pip
    and found by name with framing.packaging.find_installed_model(name)."""
    from framing.packaging import build_package, normalise_name

    wheel = build_package(model_dir, out, name=name, version=version, overwrite=overwrite)
    nm = normalise_name(name) if name else wheel.name.split("-")[0].removeprefix(
        "framing_model_")
    err_console.print(escape(f"wrote {wheel}\ninstall: pip install {wheel}\nuse: "
                             f"framing.load(model=framing.packaging.find_installed_model("
                             f"'{nm}'))"), highlight=False, soft_wrap=True)
