"""``framing annotate``: tasks for annotation tools, their exports back as training rows, and
active selection of what to label next."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from framing.cli._common import EXIT_REJECTS, console, err_console, handle_errors

app = typer.Typer(no_args_is_help=True, help=(
    "Annotation tools (Label Studio, Prodigy, doccano, Argilla): export tasks pre-filled "
    "with the pipeline's labels, import the tools' exports as training rows, select what to "
    "label next."))

ToolOpt = Annotated[str, typer.Option(
    "--tool", "-t", help="label-studio, prodigy, doccano or argilla.")]
LevelOpt = Annotated[str, typer.Option(help="sentence or document tasks.")]
TextsOpt = Annotated[bool, typer.Option(
    "--texts", help="INPUTS are texts to analyze here (JSONL/CSV/Parquet/folders, as for "
                    "`framing label`), not labelled output.")]
ModelOpt = Annotated[Path | None, typer.Option(
    "--model", "-m", help="With --texts: model directory [default: the default model].")]
RulesOpt = Annotated[bool, typer.Option(
    "--rules-only", help="With --texts: the rule layer only.")]
CodebookOpt = Annotated[Path | None, typer.Option(
    "--codebook", "-c", help="Codebook whose frames are offered [default: the model's, else "
                             "the shipped one].")]
FramesOpt = Annotated[str | None, typer.Option(
    "--frames", help="Comma-separated frame ids to offer [default: all the codebook's].")]
PrefillOpt = Annotated[bool, typer.Option(
    "--prefill/--no-prefill", help="Pre-fill tasks with the pipeline's labels and rule "
                                   "evidence (--no-prefill: blind annotation).")]
DoccanoOpt = Annotated[str, typer.Option(
    help="doccano project type: slot-filling (categories + spans), classification or spans.")]
OverwriteOpt = Annotated[bool, typer.Option("--overwrite", help="Replace existing outputs.")]


def _log(msg: str) -> None:
    err_console.print(escape(msg), highlight=False, soft_wrap=True)


def _load_kwargs(model: Path | None, rules_only: bool, codebook: Path | None) -> dict[str, Any]:
    kw: dict[str, Any] = {"rules_only": rules_only}
    if model is not None:
        kw["model"] = str(model)
    if codebook is not None:
        kw["codebook"] = str(codebook)
    return kw


def _frames(frames: str | None) -> list[str] | None:
    return [f.strip() for f in frames.split(",") if f.strip()] if frames else None


@app.command("export")
@handle_errors
def export_cli(
    inputs: Annotated[list[Path], typer.Argument(
        help="Labelled output of `framing label` (.jsonl, .parquet or a directory), or texts "
             "with --texts.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Task file to write (.json for "
                                      "label-studio and argilla, .jsonl for prodigy and "
                                      "doccano).")],
    tool: ToolOpt,
    level: LevelOpt = "sentence",
    texts: TextsOpt = False,
    model: ModelOpt = None,
    rules_only: RulesOpt = False,
    codebook: CodebookOpt = None,
    frames: FramesOpt = None,
    prefill: PrefillOpt = True,
    doccano_project: DoccanoOpt = "slot-filling",
    text_field: Annotated[str, typer.Option(help="With --texts: the text column.")] = "text",
    id_field: Annotated[str, typer.Option(help="With --texts: the id column.")] = "id",
    limit: Annotated[int | None, typer.Option(help="Only the first N documents.")] = None,
    rejects: Annotated[Path | None, typer.Option(
        help="With --texts: where unreadable input records go [default: OUT.rejects.jsonl].")
    ] = None,
    overwrite: OverwriteOpt = False,
) -> None:
    """Write one task per sentence (or document), pre-filled with the pipeline's labels and
    rule evidence."""
    from framing.annotate.tasks import export_tasks

    s = export_tasks(inputs, out, tool, level=level, texts=texts,
                     load_kwargs=_load_kwargs(model, rules_only, codebook), codebook=codebook,
                     frames=_frames(frames), prefill=prefill, doccano_project=doccano_project,
                     text_field=text_field, id_field=id_field, limit=limit, rejects=rejects,
                     overwrite=overwrite)
    _log(s.line())


@app.command("select")
@handle_errors
def select_cli(
    inputs: Annotated[list[Path], typer.Argument(
        help="Labelled output of `framing label`, or texts with --texts.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Task file to write.")],
    tool: ToolOpt,
    n: Annotated[int, typer.Option("--n", "-n", help="How many to pick.")] = 50,
    level: LevelOpt = "sentence",
    texts: TextsOpt = False,
    model: ModelOpt = None,
    rules_only: RulesOpt = False,
    codebook: CodebookOpt = None,
    frames: FramesOpt = None,
    exclude: Annotated[list[Path] | None, typer.Option(
        "--exclude", help="Earlier rounds (rows of `framing annotate import`, or task files) "
                          "whose items are not picked again; repeatable.")] = None,
    encoder: Annotated[Path | None, typer.Option(
        help="Encoder directory for the diversity step [default: MiniLM].")] = None,
    diversity: Annotated[bool, typer.Option(
        "--diversity/--no-diversity", help="Spread picks over k-means clusters of "
                                           "embeddings.")] = True,
    disagreement_weight: Annotated[float, typer.Option(
        help="Weight of rules-versus-model disagreement (uncertainty has weight 1).")] = 0.5,
    seed: Annotated[int, typer.Option(help="k-means seed.")] = 0,
    prefill: PrefillOpt = True,
    doccano_project: DoccanoOpt = "slot-filling",
    text_field: Annotated[str, typer.Option(help="With --texts: the text column.")] = "text",
    id_field: Annotated[str, typer.Option(help="With --texts: the id column.")] = "id",
    overwrite: OverwriteOpt = False,
) -> None:
    """Pick the N sentences (or documents) that teach the model most: uncertainty (scores near
    thresholds), rules-versus-model disagreement and diversity, stratified by frame."""
    from framing.annotate.tasks import select_tasks

    s = select_tasks(inputs, out, tool, n, level=level, texts=texts,
                     load_kwargs=_load_kwargs(model, rules_only, codebook), codebook=codebook,
                     frames=_frames(frames), exclude=exclude or [], encoder=encoder,
                     diversity=diversity, disagreement_weight=disagreement_weight, seed=seed,
                     prefill=prefill, doccano_project=doccano_project, text_field=text_field,
                     id_field=id_field, overwrite=overwrite)
    _log(s.line())


@app.command("import")
@handle_errors
def import_cli(
    exports: Annotated[list[Path], typer.Argument(help="The tool's export file(s).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Training rows to write (.jsonl).")],
    tool: Annotated[str | None, typer.Option(
        "--tool", "-t", help="label-studio, prodigy, doccano or argilla [default: detected].")
    ] = None,
    level: Annotated[str | None, typer.Option(
        help="Keep only sentence or document items (needed when the export has both).")
    ] = None,
    codebook: CodebookOpt = None,
    conflicts: Annotated[str, typer.Option(
        help="Items annotators disagree on: exclude (to the conflicts file only) or majority "
             "(frames chosen by more than half; also listed in the conflicts file).")
    ] = "exclude",
    conflicts_out: Annotated[Path | None, typer.Option(
        "--conflicts-out", help="[default: OUT.conflicts.jsonl]")] = None,
    rejects: Annotated[Path | None, typer.Option(
        help="Records that gave no usable annotation [default: OUT.rejects.jsonl].")] = None,
    annotator: Annotated[str | None, typer.Option(
        help="doccano all.jsonl: the annotator's name (collaborative exports have none).")
    ] = None,
    empty_as_negative: Annotated[bool, typer.Option(
        "--empty-as-negative", help="doccano: an example without labels means 'no frame'.")
    ] = False,
    strict: Annotated[bool, typer.Option(
        "--strict", help="Exit with 1 when there are conflicts or rejects.")] = False,
    overwrite: OverwriteOpt = False,
) -> None:
    """Read a tool's export back as training rows for `framing train` (annotators and
    timestamps kept; conflicting annotations reported, never merged silently)."""
    from framing.annotate.importing import import_annotations

    s = import_annotations(exports, out, tool=tool, codebook=codebook, level=level,
                           conflicts=conflicts, conflicts_out=conflicts_out, rejects=rejects,
                           annotator=annotator, empty_as_negative=empty_as_negative,
                           overwrite=overwrite)
    _log(s.line())
    if strict and (s.conflicts or s.rejected):
        raise typer.Exit(EXIT_REJECTS)


@app.command("config")
@handle_errors
def config_cli(
    tool: ToolOpt,
    codebook: CodebookOpt = None,
    frames: FramesOpt = None,
) -> None:
    """Print what the tool needs to show framing's tasks: the Label Studio labeling config,
    the Prodigy command, the doccano labels, or the Argilla dataset settings."""
    from framing.annotate.formats import check_tool
    from framing.annotate.setup import tool_config
    from framing.codebook import Codebook

    cb = Codebook.load(codebook) if codebook else Codebook.default()
    console.print(tool_config(check_tool(tool), cb, _frames(frames)), markup=False,
                  highlight=False, soft_wrap=True)
