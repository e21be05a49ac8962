"""Helpers shared by the thin CLI modules: error handling, consoles, and the choices and
option declarations every command uses the same way (``--model``, ``--codebook``,
``--target``, ``--format`` ...)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from framing.errors import Errors, FramingError
from framing.models.registry import tasks

F = TypeVar("F", bound=Callable[..., Any])

console = Console()
err_console = Console(stderr=True)

EXIT_OK, EXIT_REJECTS, EXIT_USAGE = 0, 1, 2


def handle_errors(func: F) -> F:
    """Turn a FramingError into a one-line message on stderr and exit code 2 (no traceback)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except FramingError as e:
            err_console.print(f"[bold red]error:[/] {e}", markup=True, highlight=False,
                              soft_wrap=True)
            raise typer.Exit(EXIT_USAGE) from None

    return wrapper  # type: ignore[return-value]


# ----- choices and options shared by the commands (Typer turns an Enum into a checked choice)
class Format(str, Enum):
    """Output format of a command."""

    pretty = "pretty"
    json = "json"


class Method(str, Enum):
    """How a classifier is trained."""

    transformer = "transformer"
    tfidf = "tfidf"
    fast = "fast"
    auto = "auto"


class Level(str, Enum):
    """What a row is: a sentence or a whole document."""

    sentence = "sentence"
    document = "document"


class OppositePairing(str, Enum):
    """How a stance toward a target is tied to the stance toward its opposite."""

    off = "off"
    mean = "mean"
    product = "product"
    canonical = "canonical"
    auto = "auto"


class Pooling(str, Enum):
    """How window scores of a long text pool into one."""

    max = "max"
    mean = "mean"


#: The classifier tasks (those registered when the CLI is imported: frames, stance, ...).
Task = Enum("Task", {t: t for t in tasks()}, type=str)  # type: ignore[misc]

ModelOpt = Annotated[str | None, typer.Option(
    "--model", "-m", help="Trained frame model directory (default: the built default model).")]
ModelDirOpt = Annotated[Path, typer.Option("--model", "-m", help="Trained model directory.")]
CodebookOpt = Annotated[str | None, typer.Option("--codebook", "-c", help="Codebook file.")]
TargetOpt = Annotated[list[str] | None, typer.Option(
    "--target", help="A stance target (free text) for every document; repeatable.")]
#: The classifier-error correction of `framing aggregate` and `framing report`.
CorrectOpt = Annotated[bool, typer.Option(
    "--correct", help="Correct shares for classifier error (needs --validation, --model or "
                      "--error-rates).")]
ModelRatesOpt = Annotated[Path | None, typer.Option(
    "--model", "-m", help="Model directory whose metrics.json has dev error_rates.")]
ErrorRatesOpt = Annotated[Path | None, typer.Option(
    "--error-rates", help="JSON {label: {tp, fp, fn, tn}} counted on labelled dev data.")]
ValidationOpt = Annotated[list[Path] | None, typer.Option(
    "--validation", help="Labelled validation sample for --correct: `framing label` output "
                         "of documents with gold labels; all of it gives the error rates "
                         "and each label's correction is cross-validated on it.")]
CorrectionOpt = Annotated[str, typer.Option(
    "--correction", help="How --correct corrects each frame: auto (per frame, whichever of "
                         "raw, shrunk adjusted count and pcc has the lowest "
                         "cross-validated error on --validation), acc (adjusted count) or "
                         "pcc (mean of the document probabilities recalibrated on "
                         "--validation; needs it).")]


def check_correct(correct: bool, model: Path | None, error_rates: Path | None,
                  validation: list[Path] | None) -> None:
    """--correct needs somewhere to take the classifier's error from (E502)."""
    if correct and model is None and error_rates is None and not validation:
        raise FramingError(Errors.E502.format(
            detail="--correct needs --validation FILE, --model DIR (metrics.json with "
                   "error_rates) or --error-rates FILE"))


#: Options of the commands that read `framing label` output (aggregate, report).
AllowIncompleteOpt = Annotated[bool, typer.Option(
    "--allow-incomplete", help="Read an unfinished, damaged or mixed output directory: its "
                               "intact finished shards, with a warning.")]
KeepDuplicatesOpt = Annotated[bool, typer.Option(
    "--keep-duplicates", help="Count every copy of a repeated document id (default: once, "
                              "with a warning).")]
ResultsDateFormatOpt = Annotated[str | None, typer.Option(
    "--date-format", help="How non-ISO dates are written (strptime codes such as %d/%m/%Y, "
                          "or unix); unreadable dates count as undated.")]
StanceModelOpt = Annotated[str | None, typer.Option(
    "--stance-model", help="Stance model directory (default: the built default stance model).")]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]
TextFieldOpt = Annotated[str | None, typer.Option(
    help="Column holding the text [default: text].")]
LabelsFieldOpt = Annotated[str | None, typer.Option(
    help="Column holding the frame labels [default: labels].")]
TargetFieldOpt = Annotated[str | None, typer.Option(
    help="Column holding the stance target [default: target].")]
StanceFieldOpt = Annotated[str | None, typer.Option(
    help="Column holding the stance label [default: stance].")]
DeviceOpt = Annotated[str, typer.Option(
    "--device", help="Where networks run: auto (a CUDA GPU, else Apple MPS, else the CPU), cpu, "
                     "cuda, cuda:N or mps.")]


def use_device(device: str) -> None:
    """Apply ``--device`` (see :mod:`framing.models.device`)."""
    from framing.models.device import set_device

    set_device(device)

