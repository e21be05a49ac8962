"""``framing label``: batch-label article collections into JSONL or Parquet."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

import framing
from framing.batch import label
from framing.cli._common import EXIT_REJECTS, err_console, handle_errors
from framing.errors import FramingError
from framing.ingest import FORMATS, IngestConfig


@handle_errors
def label_cli(
    inputs: Annotated[list[Path], typer.Argument(
        help="Input files or folders (.jsonl, .csv, .tsv, .parquet, folders of .txt/.html).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="OUT.jsonl or OUT.parquet")],
    input_format: Annotated[str | None, typer.Option(
        "--input-format", help=f"Force a reader: {', '.join(FORMATS)}.")] = None,
    text_field: Annotated[str, typer.Option(help="Field holding the text.")] = "text",
    id_field: Annotated[str, typer.Option(help="Field holding the document id.")] = "id",
    date_field: Annotated[str | None, typer.Option(
        help="Field holding the date (default: date, published, pub_date, ...).")] = None,
    rejects: Annotated[Path | None, typer.Option(
        help="Rejects file (default: OUT with .rejects.jsonl).")] = None,
    rules_only: Annotated[bool, typer.Option("--rules-only",
                                             help="Use the rule layer alone.")] = False,
    model: Annotated[str | None, typer.Option("--model", "-m",
                                              help="Trained model directory.")] = None,
    codebook: Annotated[str | None, typer.Option("--codebook", "-c",
                                                 help="Codebook file.")] = None,
    spacy_model: Annotated[str | None, typer.Option(
        "--spacy-model", help="A trained spaCy pipeline to use instead of blank English.")] = None,
    batch_size: Annotated[int, typer.Option(help="Documents per batch.")] = 32,
    max_chars: Annotated[int, typer.Option(help="Reject texts longer than this.")] = 5_000_000,
    strict: Annotated[bool, typer.Option(
        "--strict", help="Exit with 1 when any record was rejected.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q",
                                        help="No progress bar; summary only.")] = False,
) -> None:
    """Label every record; bad records go to the rejects file with file, line and reason."""
    if batch_size < 1:
        raise FramingError("[E203] --batch-size must be at least 1.")
    cfg = IngestConfig(text_field=text_field, id_field=id_field, date_field=date_field,
                       input_format=input_format, max_chars=max_chars)
    analyzer = framing.load(model, rules_only=rules_only, codebook=codebook,
                            spacy_model=spacy_model, batch_size=batch_size)
    summary = label(inputs, out, analyzer=analyzer, config=cfg, rejects=rejects,
                    progress=not quiet, batch_size=batch_size)
    err_console.print(summary.line(), highlight=False, soft_wrap=True)
    if strict and summary.stats.rejected:
        raise typer.Exit(EXIT_REJECTS)
