"""``framing aggregate``: frame and stance shares by group and period, shifts, differences."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

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
    console,
    err_console,
    handle_errors,
)


@handle_errors
def aggregate_cli(
    labeled: Annotated[list[Path], typer.Argument(
        help="Labelled .jsonl/.parquet files or folders (output of `framing label`, or an "
             "annotated corpus JSONL such as corpora/collection/collection.jsonl).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder for the tables.")],
    by: Annotated[list[str] | None, typer.Option(
        "--by", help="Grouping field (a column or metadata key); repeat for several. "
                     "Default: outlet.")] = None,
    freq: Annotated[str, typer.Option(help=f"Period: {', '.join(FREQS)}.")] = "year",
    unit: Annotated[str, typer.Option(
        help="document (share of documents whose labels include a frame), sentence "
             "(share of sentences labelled with it, documents weighted by their sentences) "
             "or mention (share of evidence spans, from each document's mention counts). "
             "Outputs of framing versions that did not store shares and mentions work "
             "with document only (E618).")] = "document",
    labels_from: Annotated[str, typer.Option(
        "--labels-from", help=f"{', '.join(LABEL_SOURCES)}: classifier predictions, gold "
                              "annotations, or predictions where present.")] = "auto",
    correct: CorrectOpt = False,
    model: ModelRatesOpt = None,
    error_rates: ErrorRatesOpt = None,
    validation: ValidationOpt = None,
    correction: CorrectionOpt = "auto",
    alpha: Annotated[float, typer.Option(help="False discovery rate for shifts.")] = 0.05,
    min_effect: Annotated[float, typer.Option(
        "--min-effect", help="Smallest change in share that counts as a shift.")] = 0.15,
    split_at: Annotated[list[str] | None, typer.Option(
        "--split-at", help="Also test before vs after this date or period (repeatable).")
    ] = None,
    family: Annotated[str, typer.Option(
        "--family", help="How shift tests share the false-discovery budget: hierarchical "
                         "(series screened first, then tests within a series) or all (one "
                         "pass over every test).")] = "hierarchical",
    min_use: Annotated[float, typer.Option(
        "--min-use", help="Test only series of frames a group uses: pooled share between "
                          "this and 1 minus it.")] = 0.05,
    confirm: Annotated[list[str] | None, typer.Option(
        "--confirm", help="A frame id or stance target named before looking (repeatable): "
                          "their series form a confirmatory family adjusted apart from the "
                          "exploratory rest.")] = None,
    changepoint_p: Annotated[str, typer.Option(
        "--changepoint-p", help="chi2 (Bonferroni over splits) or permutation.")] = "chi2",
    bootstrap: Annotated[int, typer.Option(help="Bootstrap replicates.")] = 999,
    vocab: Annotated[bool, typer.Option(
        "--vocab/--no-vocab", help="Distinctive vocabulary (needs sentence text).")] = True,
    seed: Annotated[int, typer.Option(help="Random seed (bootstrap, permutations).")] = 0,
    allow_incomplete: AllowIncompleteOpt = False,
    keep_duplicates: KeepDuplicatesOpt = False,
    date_format: ResultsDateFormatOpt = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Summary line only.")] = False,
) -> None:
    """Shares with intervals, shift tests (BH-adjusted), group differences and vocabulary."""
    check_correct(correct, model, error_rates, validation)
    from framing.aggregate import aggregate  # heavy (pandas, scikit-learn, matplotlib): on use
    from framing.aggregate.settings import AggregateSettings

    settings = AggregateSettings(
        by=tuple(by or ["outlet"]), freq=freq, unit=unit, labels_from=labels_from, alpha=alpha,
        min_effect=min_effect, split_at=tuple(split_at or ()), changepoint_p=changepoint_p,
        n_bootstrap=bootstrap, vocab=vocab, random_state=seed, family=family,
        min_use=min_use, confirm=tuple(confirm or ()), correction=correction)
    with read_options(allow_incomplete=allow_incomplete, keep_duplicates=keep_duplicates,
                      date_format=date_format):
        est = aggregate(labeled, out, settings, correct=correct, model=model,
                        error_rates=error_rates,
                        validation=list(validation) if validation else None)
    s = est.summary_
    err_console.print(
        f"aggregated {s['documents']} documents ({s['undated']} undated) into {s['groups']} "
        f"groups x {len(s['periods'])} periods x {len(s['frames'])} frames; "
        f"{s['significant_tests']} significant of {s['tests']} tests "
        f"({s['tests_in_bh_family']} in the BH family); wrote {out}/",
        highlight=False, soft_wrap=True)
    data = est.data_
    if data.n_duplicates or data.n_bad_dates:
        err_console.print(f"left out {data.n_duplicates} repeated document id(s); "
                          f"{data.n_bad_dates} unreadable date(s) counted as undated",
                          highlight=False, soft_wrap=True)
    if s["correction"]:
        c = s["correction"]
        how = {m: sorted(f for f, x in c["chosen"].items() if x == m) for m in ("acc", "pcc")}
        err_console.print(f"corrected {len(c['corrected'])} label(s) ({len(how['acc'])} by "
                          f"adjusted count, {len(how['pcc'])} by pcc) with error rates from "
                          f"{c['source']}; not corrected: {len(c['not_corrected'])}; "
                          f"unreliable: {len(c['unreliable'])} (see summary.json)",
                          highlight=False, soft_wrap=True)
        if not c["pcc"]["available"]:
            err_console.print(f"note: {c['pcc']['why']}", highlight=False, soft_wrap=True)
    if quiet:
        return
    if len(est.findings_):
        t = Table(title="Detected shifts", title_justify="left", show_lines=False)
        t.add_column("finding", overflow="fold")
        for d in est.findings_["description"]:
            t.add_row(d)
        console.print(t)
    else:
        console.print(f"No significant shift (q < {alpha:.2f} and |change| >= {min_effect:.2f}).")
