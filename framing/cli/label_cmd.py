"""``framing label``: batch-label article collections into one file or a directory of shards."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from framing.batch import DEFAULT_SHARD_SIZE, DEFAULT_SHARD_WORDS, label
from framing.batch.label import output_kind
from framing.batch.plan import MODEL_SHARD_WORDS
from framing.cli._common import (
    EXIT_REJECTS,
    DeviceOpt,
    StanceModelOpt,
    err_console,
    handle_errors,
    use_device,
)
from framing.errors import FramingError
from framing.io import FORMATS, IngestConfig

#: Exit status after Ctrl-C (128 + SIGINT), as shells report it.
EXIT_INTERRUPTED = 130


@handle_errors
def label_cli(
    inputs: Annotated[list[Path], typer.Argument(
        help="Input files or folders (.jsonl, .json, .csv, .tsv, .parquet, .txt, .html, also "
             ".gz; folders of any of them).")],
    out: Annotated[str, typer.Option(
        "--out", "-o", help="OUT.jsonl or OUT.parquet (one file), or OUTDIR/ (resumable "
                            "shards + _manifest.json).")],
    input_format: Annotated[str | None, typer.Option(
        "--input-format", help=f"Force a reader: {', '.join(FORMATS)}.")] = None,
    text_field: Annotated[str, typer.Option(help="Field holding the text.")] = "text",
    id_field: Annotated[str, typer.Option(help="Field holding the document id.")] = "id",
    date_field: Annotated[str | None, typer.Option(
        help="Field holding the date (default: date, published, pub_date, ...).")] = None,
    date_format: Annotated[str | None, typer.Option(
        "--date-format", help="How non-ISO dates are written: strptime codes such as "
                              "%d/%m/%Y, or unix / unix_ms for timestamps. Default: ISO and "
                              "unambiguous spellings only; others are rejected (E106).")
    ] = None,
    rejects: Annotated[Path | None, typer.Option(
        help="Rejects file of single-file output (default: OUT with .rejects.jsonl; "
             "directories keep rejects per shard in OUTDIR/_rejects/).")] = None,
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
    shard_size: Annotated[int, typer.Option(
        "--shard-size", help="At most this many input records per shard (the unit of work, "
                             "commit and resume).")] = DEFAULT_SHARD_SIZE,
    shard_words: Annotated[int | None, typer.Option(
        "--shard-words", help="A shard also ends once it holds about this many words, so "
                              f"work units stay even when documents differ in length "
                              f"(default {DEFAULT_SHARD_WORDS:,} for --rules-only, "
                              f"{MODEL_SHARD_WORDS:,} with a model).")
    ] = None,
    shard_format: Annotated[str | None, typer.Option(
        "--shard-format", help="Shard files of directory output: parquet (default) or jsonl."
    )] = None,
    resume: Annotated[bool, typer.Option(
        "--resume", help="Continue the run in OUTDIR/: keep finished shards, redo the rest.")
    ] = False,
    overwrite: Annotated[bool, typer.Option(
        "--overwrite", help="Replace the run already in OUTDIR/.")] = False,
    workers: Annotated[int | None, typer.Option(
        "--workers", "-j", help="Worker processes (each loads the model once); with "
                                "--dask-cluster local, the number of Dask workers. Default: "
                                "what pays off (one per core, up to 4, for a rule-layer run "
                                "on 2 MB of input or more on Linux; else 1).",
        show_default=False)] = None,
    scheduler: Annotated[str | None, typer.Option(
        "--scheduler", help="Run on an existing Dask cluster: its scheduler address, "
                            "e.g. tcp://host:8786.")] = None,
    dask_cluster: Annotated[str | None, typer.Option(
        "--dask-cluster", help="'local': start a Dask LocalCluster with --workers processes."
    )] = None,
    start_method: Annotated[str | None, typer.Option(
        "--start-method", help="How --workers processes start: fork (rule layer on Linux, the "
                               "default there), forkserver (default otherwise) or spawn.")
    ] = None,
    strict: Annotated[bool, typer.Option(
        "--strict", help="Exit with 1 when any record was rejected.")] = False,
    target: Annotated[list[str] | None, typer.Option(
        "--target", help="A stance target (free text) for every document; repeatable.")] = None,
    stance_model: StanceModelOpt = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q",
                                        help="No progress bar; summary only.")] = False,
    device: DeviceOpt = "auto",
) -> None:
    """Label every record; bad records go to the rejects with file, line and reason.

    With --out OUTDIR/ the output is written in shards with a manifest; a run that was killed
    continues with --resume and ends with every record exactly once in the output or rejects.
    """
    if batch_size < 1:
        raise FramingError("[E203] --batch-size must be at least 1.")
    use_device(device)
    cfg = IngestConfig(text_field=text_field, id_field=id_field, date_field=date_field,
                       input_format=input_format, max_chars=max_chars, date_format=date_format)
    load_kwargs = {"model": model, "rules_only": rules_only, "codebook": codebook,
                   "spacy_model": spacy_model, "batch_size": batch_size,
                   "targets": list(target or []), "stance_model": stance_model}
    from framing._torchless import needs_torch, torch_blocked

    try:
        # a rule-layer run never calls torch: keep thinc from importing it (1.4 s of start-up)
        with torch_blocked(not needs_torch(load_kwargs)):
            summary = label(inputs, out, load_kwargs=load_kwargs, config=cfg, rejects=rejects,
                            progress=not quiet, batch_size=batch_size, workers=workers,
                            shard_size=shard_size, shard_words=shard_words,
                            shard_format=shard_format, resume=resume,
                            overwrite=True if overwrite else None, scheduler=scheduler,
                            dask_cluster=dask_cluster, start_method=start_method)
    except KeyboardInterrupt:
        hint = ("; finished shards are kept: continue with the same command and --resume"
                if output_kind(out) == "dir" else "")
        err_console.print(f"interrupted{hint}", highlight=False, markup=False, soft_wrap=True)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    err_console.print(summary.line(), highlight=False, soft_wrap=True, markup=False)
    if strict and summary.stats.rejected:
        raise typer.Exit(EXIT_REJECTS)
