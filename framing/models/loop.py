"""The one training loop: every transformer head of every task is fine-tuned here.

A plain PyTorch loop: AdamW (no weight decay on biases and layer norms; the new head and
BERT's pooler at ``head_lr_scale`` times the learning rate), linear warm-up and decay, gradient
clipping at 1.0, the task head's loss on its pooled window scores, and early stopping on the
head's dev score (the best epoch's weights are kept), and no epoch is started that would overrun
the settings' ``time_budget``; the first ``head_warmup`` epochs train the new head only (the
encoder frozen). Batches hold whole inputs and about
``batch_size`` windows of similar length (dynamic padding); an input longer than
``max_length`` tokens contributes all its windows to one batch and the loss is taken on the
pooled score, so training and inference see the same thing.

Determinism: with the same seed, data, thread count and library versions, two runs give the same
weights: Python, NumPy and torch are seeded, ``torch.use_deterministic_algorithms`` is on during
training, and the data order is a seeded permutation (no worker processes).

Example:
    >>> from framing.models.loop import row_batches
    >>> import numpy as np
    >>> row_batches([[0], [1, 2], [3]], [5, 9, 4], 2, np.random.default_rng(0))
    [[0, 2], [1]]
"""

from __future__ import annotations

import copy
import os
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from framing.errors import Errors, FramingError
from framing.models.device import current_device, device_type, gpu_bf16, place
from framing.models.encoders import BaseModel
from framing.models.inference import configure_threads, window_batch

if TYPE_CHECKING:
    from framing.models.head import TaskHead
    from framing.models.settings import Settings

#: parameter names that get no weight decay, and those of the new head (``head_lr_scale``)
NO_DECAY = ("bias", "LayerNorm.weight", "layer_norm.weight")
HEAD_NAMES = ("classifier.", "pooler.", "score.")


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


def row_batches(row_windows: list[list[int]], row_len: list[int], batch_size: int,
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


def param_groups(model: Any, lr: float, weight_decay: float, head_lr_scale: float
                 ) -> tuple[list[dict[str, Any]], list[Any]]:
    """AdamW groups of the trainable parameters, and those parameters (for clipping)."""
    named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    groups = []
    for is_head in (False, True):
        for decay in (True, False):
            group = [p for n, p in named
                     if any(h in n for h in HEAD_NAMES) == is_head
                     and (not any(nd in n for nd in NO_DECAY)) == decay]
            if group:
                groups.append({"params": group, "weight_decay": weight_decay if decay else 0.0,
                               "lr": lr * (head_lr_scale if is_head else 1.0)})
    return groups, [p for _, p in named]


def _progress(label: str, enabled: bool) -> Any:
    import rich.progress as rp
    from rich.console import Console

    columns = [rp.TextColumn(f"[bold]{label} {{task.fields[epoch]}}"), rp.BarColumn(),
               rp.MofNCompleteColumn(), rp.TextColumn("loss {task.fields[loss]:.4f}"),
               rp.TimeElapsedColumn(), rp.TimeRemainingColumn()]
    return rp.Progress(*columns, console=Console(stderr=True), disable=not enabled,
                       transient=True)


def fit(head: TaskHead, train_inputs: Sequence[Any], y_train: np.ndarray,
        dev_inputs: Sequence[Any] | None, dev_gold: Any, labels: Sequence[str],
        cfg: Settings, base: BaseModel, *, progress: bool = True,
        log: Callable[[str], None] | None = None) -> FitResult:
    """Fine-tune ``base`` for ``head`` on the training inputs (see the module docstring);
    early stopping on ``head.dev_score`` when dev data is given."""
    import torch
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
            tok, model = head.new_network(base.path, labels)
        except FramingError:
            raise
        except Exception as e:  # OSError, ValueError: missing or unknown files
            raise FramingError(Errors.E405.format(name=base.name, detail=e)) from None
        head.init_training(model, y_train, cfg, log)
        # the device (--device / $FRAMING_DEVICE): batches follow the network there
        # (window_batch); logits come back for the loss, whose weights live on the CPU
        device = current_device()
        place(model, device)
        on_cpu = device == "cpu"
        autocast = torch.autocast(device_type(device) if device_type(device) != "mps" else "cpu",
                                  dtype=torch.bfloat16, enabled=gpu_bf16(device)
                                  and os.environ.get("FRAMING_PRECISION", "").lower() != "fp32")
        win = head.encode(tok, train_inputs, cfg)
        row_windows: list[list[int]] = [[] for _ in range(len(train_inputs))]
        for k, o in enumerate(win.owner):
            row_windows[int(o)].append(k)
        row_len = [sum(len(win.input_ids[k]) for k in ks) for ks in row_windows]
        n_long = sum(1 for ks in row_windows if len(ks) > 1)
        if n_long:
            log(f"{n_long} of {len(train_inputs)} training {head.noun} are longer than "
                f"{cfg.max_length} tokens: split into overlapping windows (stride "
                f"{cfg.stride}), {head.window_pooling(cfg)}")
        pad_id = tok.pad_token_id if tok.pad_token_id is not None else 0
        target = head.target_tensor(y_train)
        loss_fn = head.loss(y_train, labels, cfg, log)
        rng = np.random.default_rng(cfg.seed)
        steps_per_epoch = len(row_batches(row_windows, row_len, cfg.batch_size,
                                          np.random.default_rng(cfg.seed)))
        n_epochs = cfg.resolve_epochs(steps_per_epoch)
        total = steps_per_epoch * n_epochs
        groups, trainable = param_groups(model, cfg.lr, cfg.weight_decay, cfg.head_lr_scale)
        # head-only warm-up: the new head learns on the frozen encoder first, so the encoder's
        # first updates follow a sensible head rather than a random one (and these epochs
        # skip the encoder's backward pass)
        warm = min(int(getattr(cfg, "head_warmup", 0) or 0), n_epochs - 1)  # >= 1 full epoch
        encoder_params = [p for n, p in model.named_parameters() if p.requires_grad
                          and not any(h in n for h in HEAD_NAMES)]
        if warm:
            log(f"head-only warm-up: the encoder stays frozen for {warm} epoch(s)")
        opt = torch.optim.AdamW(groups, lr=cfg.lr)
        sched = get_linear_schedule_with_warmup(opt, int(cfg.warmup * total), total)

        history: list[dict[str, Any]] = []
        best_state: dict[str, Any] | None = None
        best, best_epoch, bad_epochs = -1.0, 0, 0
        best_dev: np.ndarray | None = None
        with _progress(head.progress_label, progress) as bar:
            for epoch in range(1, n_epochs + 1):
                te, ce = time.perf_counter(), time.process_time()
                model.train()
                for p in encoder_params:
                    p.requires_grad_(epoch > warm)
                batches = row_batches(row_windows, row_len, cfg.batch_size, rng)
                task = bar.add_task("train", total=len(batches), epoch=f"{epoch}/{n_epochs}",
                                    loss=0.0)
                losses: list[float] = []
                for rows in batches:
                    ks = [k for r in rows for k in row_windows[r]]
                    with autocast:
                        logits = head.logits(model, *window_batch(win, ks, pad_id))
                    if not on_cpu:
                        logits = logits.float().cpu()
                    counts = None if len(ks) == len(rows) else \
                        [len(row_windows[r]) for r in rows]
                    loss = loss_fn(logits, target[rows], counts)
                    loss.backward()
                    torch.nn.utils.clip_grad_norm_(trainable, 1.0)
                    opt.step()
                    sched.step()
                    opt.zero_grad(set_to_none=True)
                    losses.append(float(loss.detach()))
                    bar.update(task, advance=1, loss=float(np.mean(losses[-20:])))
                bar.remove_task(task)
                rec: dict[str, Any] = {"epoch": epoch, "loss": round(float(np.mean(losses)), 5),
                                       "seconds": round(time.perf_counter() - te, 1),
                                       "cpu_seconds": round(time.process_time() - ce, 1)}
                head_line = f"epoch {epoch}/{n_epochs}  loss {rec['loss']:.4f}"
                if dev_inputs is not None and dev_gold is not None and len(dev_inputs):
                    probs = head.predict_network(model, tok, dev_inputs, cfg)
                    score, extra, line = head.dev_score(labels, dev_gold, probs, cfg)
                    rec.update(extra)
                    log(f"{head_line}  {line}  ({rec['seconds']:.0f} s, "
                        f"{rec['cpu_seconds']:.0f} s CPU)")
                    history.append(rec)
                    if score > best:
                        best, best_epoch, bad_epochs = score, epoch, 0
                        best_state = copy.deepcopy(model.state_dict())
                        best_dev = probs
                    else:
                        bad_epochs += 1
                        if cfg.patience and bad_epochs >= cfg.patience:
                            log(f"early stopping: no dev improvement for {bad_epochs} "
                                f"epoch(s); keeping epoch {best_epoch}")
                            break
                else:
                    log(f"{head_line}  ({rec['seconds']:.0f} s)")
                    history.append(rec)
                    best_epoch = epoch
                budget = getattr(cfg, "time_budget", None)
                spent = time.perf_counter() - t0
                if budget and epoch < n_epochs and spent + rec["seconds"] > 60.0 * budget:
                    log(f"time budget: another epoch (~{rec['seconds']:.0f} s) would overrun "
                        f"{budget:.1f} min; stopping after epoch {epoch}")
                    break
        if best_state is not None:
            model.load_state_dict(best_state)
        model.eval()
        for p in model.parameters():
            p.requires_grad_(True)
        return FitResult(model, tok, history, best_epoch, best_dev,
                         round(time.perf_counter() - t0, 1), threads, n_epochs)
    finally:
        torch.use_deterministic_algorithms(det_before)
