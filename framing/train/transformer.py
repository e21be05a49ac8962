"""Fine-tuning a transformer encoder for multi-label frames, and fast batched inference.

Training is a plain PyTorch loop (AdamW, linear warm-up and decay, gradient clipping) over token
windows prepared with ``datasets``. A text longer than ``max_length`` tokens contributes all its
windows to one batch and the loss is taken on the pooled score (max of the window logits, or the
mean of the window probabilities), so training and inference see the same thing. Batches hold
whole texts and about ``batch_size`` windows of similar length (dynamic padding).

Determinism: with the same seed, data, thread count and library versions, two runs give the same
weights: Python, NumPy and torch are seeded, ``torch.use_deterministic_algorithms`` is on during
training, and the data order is a seeded permutation (no worker processes).

Inference (:func:`predict_proba`) sorts windows by length, pads each batch only to its longest
window, runs under ``torch.inference_mode`` and computes the encoder's last layer for the first
token only, the one the classification head reads (:mod:`framing.train.fastpath`).

Example:
    >>> from framing.train import FrameModel
    >>> from framing.train.transformer import predict_proba
    >>> fm = FrameModel.load("models/frames-default")                  # doctest: +SKIP
    >>> predict_proba(fm.model, fm.tokenizer, ["Leave it to the states."],  # doctest: +SKIP
    ...               128, 32, "max").shape
    (1, 17)
"""

from __future__ import annotations

import copy
import os
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from framing.errors import Errors, FramingError
from framing.train.base_model import BaseModel
from framing.train.config import TrainConfig
from framing.train.fastpath import first_token_last_layer
from framing.train.metrics import multilabel_report, tune_thresholds
from framing.train.windows import (
    TOKENS_PER_WINDOW,
    Windows,
    encode_windows,
    length_batches,
    pad_batch,
    pool,
)

THREADS_ENV = "FRAMING_NUM_THREADS"


def configure_threads() -> int:
    """Intra-op threads for torch: ``$FRAMING_NUM_THREADS`` when set, else no more than the
    CPUs this process may run on (containers often report the host's cores).

    Oversubscription is the main way to make CPU inference slow: every operator waits at a
    barrier for its slowest thread, so on a machine that other jobs keep busy, fewer threads
    (``FRAMING_NUM_THREADS=1``) can be several times faster than one per core.
    """
    env = os.environ.get(THREADS_ENV, "").strip()
    if env.isdigit() and int(env) > 0:
        torch.set_num_threads(int(env))
        return torch.get_num_threads()
    try:
        avail = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        avail = os.cpu_count() or 1
    if torch.get_num_threads() > avail:
        torch.set_num_threads(avail)
    return torch.get_num_threads()


def _quiet_transformers() -> None:
    import transformers

    transformers.logging.set_verbosity_error()
    try:
        transformers.utils.logging.disable_progress_bar()
        import huggingface_hub.utils

        huggingface_hub.utils.disable_progress_bars()
    except (AttributeError, ImportError):
        pass


def load_encoder(path: Any, num_labels: int | None = None, labels: Sequence[str] | None = None
                 ) -> tuple[Any, Any]:
    """Tokenizer and sequence-classification model from a local directory (no remote code)."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    _quiet_transformers()
    tok = AutoTokenizer.from_pretrained(path, local_files_only=True, trust_remote_code=False)
    kwargs: dict[str, Any] = {"local_files_only": True, "trust_remote_code": False}
    if num_labels is not None:
        assert labels is not None
        kwargs.update(num_labels=num_labels, problem_type="multi_label_classification",
                      id2label=dict(enumerate(labels)),
                      label2id={lab: i for i, lab in enumerate(labels)},
                      ignore_mismatched_sizes=True)
    model = AutoModelForSequenceClassification.from_pretrained(path, **kwargs)
    if not getattr(tok, "is_fast", False):
        raise FramingError(Errors.E405.format(
            name=str(path), detail="it has no fast (Rust) tokenizer, which windowing needs"))
    return tok, model


PRECISIONS = ("auto", "fp32", "bf16", "mixed")
PRECISION_ENV = "FRAMING_PRECISION"
MARGIN_ENV = "FRAMING_MIXED_MARGIN"
#: ``mixed``: re-check in fp32 every sentence with a decision within this distance (in logits)
#: of a threshold: 1.6x the largest bf16 - fp32 logit difference measured with the default model
#: on 1,845 real sentences (0.062; 99th percentile 0.032).
MIXED_MARGIN = 0.1


def bf16_supported() -> bool:
    """Whether this CPU runs bfloat16 matrix products natively (AVX512-BF16 or AMX); emulated
    bf16 would be slower than fp32."""
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def resolve_precision(precision: str | None = None) -> str:
    """Inference precision: ``precision``, else ``$FRAMING_PRECISION``, else ``auto``.

    * ``fp32``: the reference.
    * ``bf16``: the encoder under ``torch.autocast`` in bfloat16, about 2x faster on CPUs with
      native bf16; probabilities within about 0.01 of fp32, so a label right at its threshold
      can flip.
    * ``mixed``: bf16 first, then fp32 again for every sentence where a logit is within
      ``$FRAMING_MIXED_MARGIN`` (default 0.1) of flipping a classifier or fused decision: the
      labels of fp32 at most of bf16's speed (used by the ``frame_classifier`` component; a
      bare :meth:`FrameModel.predict_proba` runs fp32 in this mode).
    * ``auto`` (default): ``mixed`` on CPUs with native bf16 (AVX512-BF16 or AMX), else fp32.

    ``bf16`` and ``mixed`` fall back to fp32 where the CPU lacks native bf16.
    """
    p = (precision or os.environ.get(PRECISION_ENV) or "auto").strip().lower()
    if p not in PRECISIONS:
        raise FramingError(Errors.E406.format(
            detail=f"inference precision must be one of {PRECISIONS}, got {p!r} "
                   f"(${PRECISION_ENV})"))
    if p == "auto":
        p = "mixed"
    if p in ("bf16", "mixed") and not bf16_supported():
        return "fp32"
    return p


def mixed_margin() -> float:
    """The ``mixed`` precision re-check margin in logits (``$FRAMING_MIXED_MARGIN``, 0.1)."""
    raw = os.environ.get(MARGIN_ENV)
    try:
        m = MIXED_MARGIN if raw is None else float(raw)
    except ValueError:
        m = -1.0
    if not 0.0 <= m <= 10.0:
        raise FramingError(Errors.E406.format(
            detail=f"${MARGIN_ENV} must be a number in [0, 10] (logits), got {raw!r}"))
    return m


def predict_windows(model: Any, tokenizer: Any, windows: Windows, batch_size: int = 32,
                    precision: str = "fp32") -> np.ndarray:
    """Sigmoid probabilities of every window, ``(n_windows, n_labels)``.

    Batches hold windows of similar length, up to ``batch_size * TOKENS_PER_WINDOW`` padded
    tokens: about ``batch_size`` sentences of average length, more short ones, fewer long ones
    (at most ``4 * batch_size``). A fixed count made the batches of short sentences too small
    to keep the CPU's vector units busy and those of long ones too large for its caches."""
    n_labels = int(model.config.num_labels)
    out = np.zeros((len(windows), n_labels), dtype=np.float64)
    if not len(windows):
        return out
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    was_training = model.training
    model.eval()
    # the last layer for the first token only (what the head reads): same logits, less work
    with first_token_last_layer(model), torch.inference_mode(), \
            torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bf16"):
        for idx in length_batches([len(s) for s in windows.input_ids], 4 * batch_size,
                                  max_tokens=batch_size * TOKENS_PER_WINDOW):
            ids, mask = pad_batch([windows.input_ids[i] for i in idx], pad_id)
            logits = model(input_ids=ids, attention_mask=mask).logits
            out[idx] = torch.sigmoid(logits.float()).numpy()
    if was_training:
        model.train()
    return out


def predict_proba(model: Any, tokenizer: Any, texts: Sequence[str], max_length: int,
                  stride: int, pooling: str, batch_size: int = 32, precision: str = "fp32"
                  ) -> np.ndarray:
    """Probabilities ``(n_texts, n_labels)``: windows scored in length-sorted batches, pooled.

    Batches of about 32 windows of average length (1,024 padded tokens) were fastest on CPU; see
    :func:`predict_windows`."""
    win = encode_windows(tokenizer, texts, max_length, stride)
    probs = predict_windows(model, tokenizer, win, batch_size, precision)
    return pool(probs, win.owner, len(texts), pooling)


# ----- training ---------------------------------------------------------------------------
@dataclass
class FitResult:
    """What fine-tuning produced: the best model, its dev probabilities and the history."""

    model: Any
    tokenizer: Any
    history: list[dict[str, Any]] = field(default_factory=list)
    best_epoch: int = 0
    dev_probs: np.ndarray | None = None
    seconds: float = 0.0
    threads: int = 1
    epochs: int = 0


def _windows_dataset(tokenizer: Any, texts: Sequence[str], max_length: int, stride: int
                     ) -> Windows:
    """Token windows through ``datasets.map`` (batched, in memory, no cache files)."""
    import datasets

    datasets.disable_progress_bars()
    ds = datasets.Dataset.from_dict({"text": list(texts)})

    def enc(batch: dict[str, list[Any]], idx: list[int]) -> dict[str, list[Any]]:
        w = encode_windows(tokenizer, batch["text"], max_length, stride)
        return {"input_ids": w.input_ids, "owner": [idx[int(o)] for o in w.owner]}

    ds = ds.map(enc, batched=True, with_indices=True, remove_columns=["text"],
                keep_in_memory=True, load_from_cache_file=False)
    return Windows([list(x) for x in ds["input_ids"]], np.asarray(ds["owner"], dtype=np.int64))


def _row_batches(row_windows: list[list[int]], row_len: list[int], batch_size: int,
                 rng: np.random.Generator) -> list[list[int]]:
    """Rows shuffled, grouped by length within blocks, cut into batches of about
    ``batch_size`` windows (always whole rows), in a shuffled order."""
    perm = [int(i) for i in rng.permutation(len(row_windows))]
    block = batch_size * 50
    batches: list[list[int]] = []
    for b in range(0, len(perm), block):
        chunk = sorted(perm[b:b + block], key=lambda i: (-row_len[i], i))
        cur: list[int] = []
        n_win = 0
        for i in chunk:
            cur.append(i)
            n_win += len(row_windows[i])
            if n_win >= batch_size:
                batches.append(cur)
                cur, n_win = [], 0
        if cur:
            batches.append(cur)
    order = rng.permutation(len(batches))
    return [batches[int(k)] for k in order]


def fit_transformer(train_texts: Sequence[str], y_train: np.ndarray,
                    dev_texts: Sequence[str] | None, y_dev: np.ndarray | None,
                    labels: Sequence[str], cfg: TrainConfig, base: BaseModel, *,
                    progress: bool = True,
                    log: Callable[[str], None] | None = None) -> FitResult:
    """Fine-tune ``base`` on the training rows; early stopping on dev micro-F1."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    from transformers import get_linear_schedule_with_warmup

    log = log or (lambda s: None)
    assert cfg.max_length is not None and cfg.stride is not None
    t0 = time.perf_counter()
    threads = configure_threads()
    random.seed(cfg.seed)
    np.random.seed(cfg.seed)
    torch.manual_seed(cfg.seed)
    det_before = torch.are_deterministic_algorithms_enabled()
    torch.use_deterministic_algorithms(True, warn_only=True)
    try:
        try:
            tok, model = load_encoder(base.path, len(labels), labels)
        except FramingError:
            raise
        except Exception as e:  # OSError, ValueError: missing or unknown files
            raise FramingError(Errors.E405.format(name=base.name, detail=e)) from None
        # start each label at its base rate: rare labels do not have to unlearn 0.5 first
        y_train = np.asarray(y_train, dtype=np.float32)
        prior = np.clip(y_train.mean(axis=0), 1e-3, 1 - 1e-3)
        head = getattr(model, "classifier", None)
        bias = getattr(head, "bias", None) if head is not None else None
        if isinstance(bias, torch.nn.Parameter) and bias.shape[0] == len(labels):
            with torch.no_grad():
                bias.copy_(torch.from_numpy(np.log(prior / (1 - prior))))

        if cfg.freeze_embeddings:
            emb = model.get_input_embeddings()
            if emb is not None:
                emb.weight.requires_grad_(False)
        win = _windows_dataset(tok, train_texts, cfg.max_length, cfg.stride)
        row_windows: list[list[int]] = [[] for _ in range(len(train_texts))]
        for k, o in enumerate(win.owner):
            row_windows[int(o)].append(k)
        row_len = [sum(len(win.input_ids[k]) for k in ks) for ks in row_windows]
        n_long = sum(1 for ks in row_windows if len(ks) > 1)
        if n_long:
            log(f"{n_long} of {len(train_texts)} training texts are longer than "
                f"{cfg.max_length} tokens: split into overlapping windows "
                f"(stride {cfg.stride}), scores pooled with {cfg.pooling}")
        pad_id = tok.pad_token_id if tok.pad_token_id is not None else 0
        y_t = torch.from_numpy(y_train)

        rng = np.random.default_rng(cfg.seed)
        steps_per_epoch = len(_row_batches(row_windows, row_len, cfg.batch_size,
                                           np.random.default_rng(cfg.seed)))
        n_epochs = cfg.resolve_epochs(steps_per_epoch)
        total = steps_per_epoch * n_epochs
        no_decay = ("bias", "LayerNorm.weight", "layer_norm.weight")
        named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
        head_names = ("classifier.", "pooler.", "score.")
        params = []
        for is_head in (False, True):
            for decay in (True, False):
                group = [p for n, p in named
                         if any(h in n for h in head_names) == is_head
                         and (not any(nd in n for nd in no_decay)) == decay]
                if group:
                    params.append({"params": group,
                                   "weight_decay": cfg.weight_decay if decay else 0.0,
                                   "lr": cfg.lr * (cfg.head_lr_scale if is_head else 1.0)})
        opt = torch.optim.AdamW(params, lr=cfg.lr)
        sched = get_linear_schedule_with_warmup(opt, int(cfg.warmup * total), total)
        bce_logits = torch.nn.BCEWithLogitsLoss()

        history: list[dict[str, Any]] = []
        best_state: dict[str, Any] | None = None
        best_f1, best_epoch, bad_epochs = -1.0, 0, 0
        best_dev: np.ndarray | None = None
        columns = [TextColumn("[bold]epoch {task.fields[epoch]}"), BarColumn(),
                   MofNCompleteColumn(), TextColumn("loss {task.fields[loss]:.4f}"),
                   TimeElapsedColumn(), TimeRemainingColumn()]
        from rich.console import Console

        with Progress(*columns, console=Console(stderr=True), disable=not progress,
                      transient=True) as bar:
            for epoch in range(1, n_epochs + 1):
                te, ce = time.perf_counter(), time.process_time()
                model.train()
                batches = _row_batches(row_windows, row_len, cfg.batch_size, rng)
                task = bar.add_task("train", total=len(batches), epoch=f"{epoch}/{n_epochs}",
                                    loss=0.0)
                losses = []
                for rows in batches:
                    ks = [k for r in rows for k in row_windows[r]]
                    ids, mask = pad_batch([win.input_ids[k] for k in ks], pad_id)
                    logits = model(input_ids=ids, attention_mask=mask).logits
                    target = y_t[rows]
                    if len(ks) == len(rows):  # one window per text (the usual case)
                        loss = bce_logits(logits, target)
                    else:
                        pooled, pos = [], 0
                        for r in rows:
                            n = len(row_windows[r])
                            seg = logits[pos:pos + n]
                            pos += n
                            pooled.append(seg.max(dim=0).values if cfg.pooling == "max"
                                          else torch.sigmoid(seg).mean(dim=0))
                        stacked = torch.stack(pooled)
                        if cfg.pooling == "max":
                            loss = bce_logits(stacked, target)
                        else:
                            loss = torch.nn.functional.binary_cross_entropy(
                                stacked.clamp(1e-6, 1 - 1e-6), target)
                    loss.backward()
                    torch.nn.utils.clip_grad_norm_([p for _, p in named], 1.0)
                    opt.step()
                    sched.step()
                    opt.zero_grad(set_to_none=True)
                    losses.append(float(loss.detach()))
                    bar.update(task, advance=1, loss=float(np.mean(losses[-20:])))
                bar.remove_task(task)
                rec: dict[str, Any] = {"epoch": epoch, "loss": round(float(np.mean(losses)), 5),
                                       "seconds": round(time.perf_counter() - te, 1),
                                       "cpu_seconds": round(time.process_time() - ce, 1)}
                if dev_texts is not None and y_dev is not None and len(dev_texts):
                    probs = predict_proba(model, tok, dev_texts, cfg.max_length, cfg.stride,
                                          cfg.pooling)
                    th = tune_thresholds(y_dev, probs, min_positives=cfg.min_positives)
                    rep = multilabel_report(y_dev, probs >= th.thresholds, labels)
                    rec.update(dev_micro_f1=rep["micro_f1"], dev_macro_f1=rep["macro_f1"])
                    log(f"epoch {epoch}/{n_epochs}  loss {rec['loss']:.4f}  dev micro-F1 "
                        f"{rep['micro_f1']:.3f}  macro-F1 {rep['macro_f1']:.3f}  "
                        f"({rec['seconds']:.0f} s, {rec['cpu_seconds']:.0f} s CPU)")
                    history.append(rec)
                    if rep["micro_f1"] > best_f1:
                        best_f1, best_epoch, bad_epochs = rep["micro_f1"], epoch, 0
                        best_state = copy.deepcopy(model.state_dict())
                        best_dev = probs
                    else:
                        bad_epochs += 1
                        if cfg.patience and bad_epochs >= cfg.patience:
                            log(f"early stopping: no dev improvement for {bad_epochs} epochs; "
                                f"keeping epoch {best_epoch}")
                            break
                else:
                    log(f"epoch {epoch}/{n_epochs}  loss {rec['loss']:.4f}  "
                        f"({rec['seconds']:.0f} s)")
                    history.append(rec)
                    best_epoch = epoch
        if best_state is not None:
            model.load_state_dict(best_state)
        model.eval()
        return FitResult(model, tok, history, best_epoch, best_dev,
                         round(time.perf_counter() - t0, 1), threads, n_epochs)
    finally:
        torch.use_deterministic_algorithms(det_before)
