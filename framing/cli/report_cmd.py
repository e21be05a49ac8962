"""``framing report``: charts and a self-contained HTML report of how framing shifts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from framing.aggregate.load import FREQS, LABEL_SOURCES, read_options
from framing.cli._common import (
    AllowIncompleteOpt,
    CorrectionOpt,
    CorrectOpt,
    ErrorRatesOpt,
    KeepDuplicatesOpt,
    ModelRatesOpt,
    ResultsDateFormatOpt,
    ValidationOpt,
    check_correct,
    err_console,
    handle_errors,
)


@handle_errors
def report_cli(
    labeled: Annotated[list[Path], typer.Argument(
        help="Labelled .jsonl/.parquet files or folders (output of `framing label`, or an "
             "annotated corpus JSONL).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path("report"),
    by: Annotated[list[str] | None, typer.Option(
        "--by", help="Grouping field; repeat for several. Default: outlet.")] = None,
    freq: Annotated[str, typer.Option(help=f"Period: {', '.join(FREQS)}.")] = "year",
    frames: Annotated[str | None, typer.Option(
        "--frames", help="Comma-separated frame ids for the overview charts.")] = None,
    unit: Annotated[str, typer.Option(
        help="document, sentence or mention (see `framing aggregate --help`).")] = "document",
    labels_from: Annotated[str, typer.Option(
        "--labels-from", help=f"{', '.join(LABEL_SOURCES)}.")] = "auto",
    names: Annotated[Path | None, typer.Option(
        "--names", help="JSON of display names: {value: name} or {\"outlets\": [{id, name}]}.")
    ] = None,
    title: Annotated[str | None, typer.Option(help="Report title.")] = None,
    correct: CorrectOpt = False,
    model: ModelRatesOpt = None,
    error_rates: ErrorRatesOpt = None,
    validation: ValidationOpt = None,
    correction: CorrectionOpt = "auto",
    alpha: Annotated[float, typer.Option(help="False discovery rate for shifts.")] = 0.05,
    min_effect: Annotated[float, typer.Option(
        "--min-effect", help="Smallest change in share that counts as a shift.")] = 0.15,
    max_findings: Annotated[int, typer.Option(
        "--max-findings", help="Findings shown with charts and examples.")] = 8,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    allow_incomplete: AllowIncompleteOpt = False,
    keep_duplicates: KeepDuplicatesOpt = False,
    date_format: ResultsDateFormatOpt = None,
) -> None:
    """Frame shares over time with intervals, a group x frame heatmap, stance over time, the
    detected shifts in plain words with example sentences: PNGs plus one offline report.html."""
    check_correct(correct, model, error_rates, validation)
    frame_list = [f.strip() for f in frames.split(",") if f.strip()] if frames else None
    from framing.aggregate.settings import AggregateSettings
    from framing.report import build_report  # heavy (pandas, scikit-learn, matplotlib): on use

    settings = AggregateSettings(by=tuple(by or ["outlet"]), freq=freq, unit=unit,
                                 labels_from=labels_from, alpha=alpha, min_effect=min_effect,
                                 random_state=seed, correction=correction)
    with read_options(allow_incomplete=allow_incomplete, keep_duplicates=keep_duplicates,
                      date_format=date_format):
        path = build_report(labeled, out, settings, frames=frame_list, names=names,
                            title=title, correct=correct, model=model,
                            error_rates=error_rates,
                            validation=list(validation) if validation else None,
                            max_findings=max_findings)
    pngs = sorted(p.name for p in path.parent.glob("*.png"))
    err_console.print(f"wrote {path} ({len(pngs)} charts; tables in {path.parent / 'data'})",
                      highlight=False, soft_wrap=True)
