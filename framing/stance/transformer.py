"""The stance cross-encoder: ``[CLS] target [SEP] text [SEP]`` -> softmax over the stance labels.

Encoding: the target is cut to ``max_target_tokens`` tokens; a text longer than the rest of
``max_length`` becomes overlapping windows (``stride`` shared tokens), each paired with the
target, and a pair's logits are the mean of its windows' logits, in training and inference
alike. Inference sorts windows by length, pads each batch only to its longest window and runs
under ``torch.inference_mode``.

Training is a plain PyTorch loop like the frame classifier's (:mod:`framing.train.transformer`,
whose base-model loading, thread set-up, batching and progress bar it reuses): AdamW, linear
warm-up and decay, gradient clipping, cross-entropy with optional class weights, early stopping
on dev macro-F1 under the decision rule tuned on dev each epoch. Determinism: Python, NumPy and
torch are seeded and deterministic algorithms are on, so the same seed, data, thread count and
library versions give the same weights.

Example:
    >>> from framing.stance import StanceModel
    >>> from framing.stance.transformer import predict_pairs
    >>> m = StanceModel.load("models/stance-default")                  # doctest: +SKIP
    >>> predict_pairs(m.model, m.tokenizer, [("the plan", "We back the plan.")],  # doctest: +SKIP
    ...               128, 32, 32).round(2)
    array([[0.86, 0.08, 0.06]])
"""

from __future__ import annotations

import copy
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from framing.errors import Errors, FramingError
from framing.stance.metrics import DecisionRule, stance_report
from framing.stance.settings import StanceSettings
from framing.train.base_model import BaseModel
from framing.train.transformer import _row_batches, configure_threads
from framing.train.windows import BATCH_TOKENS, length_batches


@dataclass
class PairWindows:
    """Token windows of (target, text) pairs: ``owner[k]`` is the pair index of window ``k``."""

    input_ids: list[list[int]]
    token_type_ids: list[list[int]]
    owner: np.ndarray

    def __len__(self) -> int:
        return len(self.input_ids)


def _cut_targets(tokenizer: Any, targets: Sequence[str], max_tokens: int) -> dict[str, str]:
    """Each distinct target cut to at most ``max_tokens`` tokens (at a token boundary)."""
    out: dict[str, str] = {}
    for t in dict.fromkeys(targets):
        enc = tokenizer(t, add_special_tokens=False, return_offsets_mapping=True)
        offs = enc["offset_mapping"]
        out[t] = t if len(offs) <= max_tokens else t[:offs[max_tokens - 1][1]]
    return out


def encode_pairs(tokenizer: Any, pairs: Sequence[tuple[str, str]], max_length: int,
                 stride: int, max_target_tokens: int) -> PairWindows:
    """Tokenise ``(target, text)`` pairs into windows (see the module docstring)."""
    if not pairs:
        return PairWindows([], [], np.zeros(0, dtype=np.int64))
    cut = _cut_targets(tokenizer, [t for t, _ in pairs], max_target_tokens)
    enc = tokenizer([cut[t] for t, _ in pairs], [x for _, x in pairs], max_length=max_length,
                    stride=stride, truncation="only_second", return_overflowing_tokens=True,
                    padding=False, return_attention_mask=False, return_token_type_ids=True)
    owner = enc.get("overflow_to_sample_mapping")
    if owner is None:
        owner = list(range(len(pairs)))
    ids = [list(x) for x in enc["input_ids"]]
    types = enc.get("token_type_ids")
    tt = [list(x) for x in types] if types is not None else [[0] * len(x) for x in ids]
    return PairWindows(ids, tt, np.asarray(owner, dtype=np.int64))


def pad_pairs(ids: Sequence[Sequence[int]], types: Sequence[Sequence[int]], pad_id: int
              ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``input_ids``, ``token_type_ids`` and ``attention_mask`` padded to the longest window."""
    width = max(len(s) for s in ids)
    t_ids = torch.full((len(ids), width), pad_id, dtype=torch.long)
    t_types = torch.zeros((len(ids), width), dtype=torch.long)
    mask = torch.zeros((len(ids), width), dtype=torch.long)
    for i, (s, t) in enumerate(zip(ids, types, strict=True)):
        t_ids[i, :len(s)] = torch.tensor(s, dtype=torch.long)
        t_types[i, :len(t)] = torch.tensor(t, dtype=torch.long)
        mask[i, :len(s)] = 1
    return t_ids, t_types, mask


class PairClassifier(torch.nn.Module):
    """The cross-encoder: a transformer encoder, the mean of its last hidden states over the
    attention mask (the pooling sentence-transformers encoders such as MiniLM were trained
    with, so their pretrained geometry is used from the first step), dropout and a linear
    layer to one logit per stance label.

    Saved as an ordinary transformers directory: ``config.json`` (the encoder's, with
    ``num_labels``, ``id2label`` and ``framing_pooling: "mean"``), ``model.safetensors``
    holding the encoder under its ``base_model_prefix`` (``bert.``...) and the head as
    ``classifier.weight`` / ``classifier.bias``, and the tokenizer files.
    """

    def __init__(self, encoder: Any, labels: Sequence[str], dropout: float = 0.1) -> None:
        super().__init__()
        self.encoder = encoder
        self.config = encoder.config
        self.dropout = torch.nn.Dropout(dropout)
        self.classifier = torch.nn.Linear(int(encoder.config.hidden_size), len(labels))
        self.config.num_labels = len(labels)
        self.config.id2label = dict(enumerate(labels))
        self.config.label2id = {lab: i for i, lab in enumerate(labels)}
        self.use_types = int(getattr(encoder.config, "type_vocab_size", 0) or 0) > 1

    def forward(self, input_ids: torch.Tensor, token_type_ids: torch.Tensor,
                attention_mask: torch.Tensor) -> torch.Tensor:
        kw: dict[str, Any] = {"input_ids": input_ids, "attention_mask": attention_mask}
        if self.use_types:
            kw["token_type_ids"] = token_type_ids
        hidden = self.encoder(**kw).last_hidden_state
        m = attention_mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * m).sum(dim=1) / m.sum(dim=1).clamp(min=1.0)
        return self.classifier(self.dropout(pooled))

    def get_input_embeddings(self) -> Any:
        return self.encoder.get_input_embeddings()

    def save_pretrained(self, path: Any) -> None:
        """Write ``config.json`` and ``model.safetensors`` (see the class docstring)."""
        from pathlib import Path

        from safetensors.torch import save_file

        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        prefix = getattr(self.encoder, "base_model_prefix", "") or "encoder"
        state = {f"{prefix}.{k}": v.detach().contiguous().clone()
                 for k, v in self.encoder.state_dict().items()}
        state["classifier.weight"] = self.classifier.weight.detach().contiguous().clone()
        state["classifier.bias"] = self.classifier.bias.detach().contiguous().clone()
        save_file(state, str(path / "model.safetensors"), metadata={"format": "pt"})
        self.config.framing_pooling = "mean"
        self.config.save_pretrained(path)

    @classmethod
    def from_directory(cls, path: Any) -> PairClassifier:
        """Load a directory written by :meth:`save_pretrained` (no remote code); raises
        ``ValueError`` naming missing or unexpected weights."""
        from pathlib import Path

        from safetensors.torch import load_file
        from transformers import AutoConfig, AutoModel

        path = Path(path)
        config = AutoConfig.from_pretrained(path, local_files_only=True,
                                            trust_remote_code=False)
        if getattr(config, "framing_pooling", None) != "mean":
            raise ValueError("config.json does not describe a framing stance cross-encoder "
                             "(no framing_pooling: mean)")
        labels = [config.id2label[i] for i in range(int(config.num_labels))]
        encoder = AutoModel.from_config(config)
        model = cls(encoder, labels)
        state = load_file(str(path / "model.safetensors"))
        prefix = (getattr(encoder, "base_model_prefix", "") or "encoder") + "."
        enc_state = {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}
        missing, unexpected = encoder.load_state_dict(enc_state, strict=False)
        missing = [k for k in missing if not k.endswith("position_ids")]
        head = {k: state[k] for k in ("classifier.weight", "classifier.bias") if k in state}
        if missing or len(head) != 2:
            raise ValueError(f"model.safetensors lacks weights: {missing[:5] or 'the head'}")
        if unexpected:
            raise ValueError(f"model.safetensors has unexpected weights: {unexpected[:5]}")
        model.classifier.load_state_dict({"weight": head["classifier.weight"],
                                          "bias": head["classifier.bias"]})
        model.eval()
        return model


def _forward(model: Any, ids: torch.Tensor, types: torch.Tensor, mask: torch.Tensor
             ) -> torch.Tensor:
    return model(ids, types, mask)


def _softmax(x: np.ndarray) -> np.ndarray:
    z = x - x.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def predict_pairs(model: Any, tokenizer: Any, pairs: Sequence[tuple[str, str]],
                  max_length: int, stride: int, max_target_tokens: int,
                  batch_size: int = 64) -> np.ndarray:
    """Softmax probabilities ``(n_pairs, n_labels)``; windows' logits averaged per pair."""
    n_labels = int(model.classifier.out_features)
    if not pairs:
        return np.zeros((0, n_labels))
    win = encode_pairs(tokenizer, pairs, max_length, stride, max_target_tokens)
    logits = np.zeros((len(win), n_labels), dtype=np.float64)
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    was_training = model.training
    model.eval()
    with torch.inference_mode():
        for idx in length_batches([len(s) for s in win.input_ids], batch_size,
                                  max_tokens=BATCH_TOKENS):
            ids, types, mask = pad_pairs([win.input_ids[i] for i in idx],
                                         [win.token_type_ids[i] for i in idx], pad_id)
            logits[idx] = _forward(model, ids, types, mask).float().numpy()
    if was_training:
        model.train()
    sums = np.zeros((len(pairs), n_labels))
    np.add.at(sums, win.owner, logits)
    counts = np.bincount(win.owner, minlength=len(pairs)).reshape(-1, 1)
    return _softmax(sums / np.maximum(counts, 1))


def _quiet() -> None:
    import transformers

    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()


def load_tokenizer(path: Any) -> Any:
    """The fast tokenizer at ``path`` (windowing needs offsets and overflow)."""
    from transformers import AutoTokenizer

    _quiet()
    tok = AutoTokenizer.from_pretrained(path, local_files_only=True, trust_remote_code=False)
    if not getattr(tok, "is_fast", False):
        raise FramingError(Errors.E405.format(
            name=str(path), detail="it has no fast (Rust) tokenizer, which windowing needs"))
    return tok


def load_stance_encoder(path: Any, labels: Sequence[str]) -> tuple[Any, PairClassifier]:
    """Tokenizer and a fresh :class:`PairClassifier` on the encoder at ``path``."""
    from transformers import AutoModel

    tok = load_tokenizer(path)
    encoder = AutoModel.from_pretrained(path, local_files_only=True, trust_remote_code=False)
    return tok, PairClassifier(encoder, labels)


def freeze_lower_layers(encoder: Any, train_layers: int) -> int:
    """Freeze the embeddings and all but the top ``train_layers`` transformer layers of
    ``encoder`` (the layer list is the ``ModuleList`` with ``num_hidden_layers`` entries);
    returns the number of layers frozen."""
    n = int(getattr(encoder.config, "num_hidden_layers", 0) or 0)
    layers = next((m for m in encoder.modules()
                   if isinstance(m, torch.nn.ModuleList) and len(m) == n and n), None)
    if layers is None:
        raise FramingError(Errors.E701.format(
            detail="train_layers: cannot find the transformer layers of this encoder; "
                   "use train_layers=None"))
    emb = encoder.get_input_embeddings()
    for mod in encoder.children():  # embeddings block (word, position, type, norm)
        if emb is not None and any(p is emb.weight for p in mod.parameters()):
            for p in mod.parameters():
                p.requires_grad_(False)
    k = max(0, n - train_layers)
    for layer in list(layers)[:k]:
        for p in layer.parameters():
            p.requires_grad_(False)
    return k


def class_weights(y: np.ndarray, n_labels: int, how: str) -> np.ndarray | None:
    """Loss weights per class: ``balanced`` = n / (k * n_c), ``sqrt`` its square root."""
    if how == "none":
        return None
    counts = np.bincount(y, minlength=n_labels).astype(np.float64)
    w = len(y) / (n_labels * np.maximum(counts, 1.0))
    return np.sqrt(w) if how == "sqrt" else w


@dataclass
class StanceFit:
    """What fine-tuning produced: the best model, its dev probabilities and the history."""

    model: Any
    tokenizer: Any
    history: list[dict[str, Any]] = field(default_factory=list)
    best_epoch: int = 0
    dev_probs: np.ndarray | None = None
    seconds: float = 0.0
    threads: int = 1


def fit_stance_transformer(train_pairs: Sequence[tuple[str, str]], y_train: np.ndarray,
                           dev_pairs: Sequence[tuple[str, str]] | None,
                           dev_gold: Sequence[str] | None, labels: Sequence[str],
                           cfg: StanceSettings, base: BaseModel, *, progress: bool = True,
                           log: Callable[[str], None] | None = None) -> StanceFit:
    """Fine-tune ``base`` as a stance cross-encoder (see the module docstring)."""
    import rich.progress as rp
    from rich.console import Console
    from transformers import get_linear_schedule_with_warmup

    log = log or (lambda s: None)
    t0 = time.perf_counter()
    threads = configure_threads()
    random.seed(cfg.seed)
    np.random.seed(cfg.seed)
    torch.manual_seed(cfg.seed)
    det_before = torch.are_deterministic_algorithms_enabled()
    torch.use_deterministic_algorithms(True, warn_only=True)
    try:
        try:
            tok, model = load_stance_encoder(base.path, labels)
        except FramingError:
            raise
        except Exception as e:  # OSError, ValueError: missing or unknown files
            raise FramingError(Errors.E405.format(name=base.name, detail=e)) from None
        win = encode_pairs(tok, train_pairs, cfg.max_length, cfg.stride, cfg.max_target_tokens)
        row_windows: list[list[int]] = [[] for _ in range(len(train_pairs))]
        for k, o in enumerate(win.owner):
            row_windows[int(o)].append(k)
        row_len = [sum(len(win.input_ids[k]) for k in ks) for ks in row_windows]
        n_long = sum(1 for ks in row_windows if len(ks) > 1)
        if n_long:
            log(f"{n_long} of {len(train_pairs)} training pairs are longer than "
                f"{cfg.max_length} tokens: split into overlapping windows (stride "
                f"{cfg.stride}), logits averaged")
        pad_id = tok.pad_token_id if tok.pad_token_id is not None else 0
        y_t = torch.from_numpy(np.asarray(y_train, dtype=np.int64))
        w = class_weights(np.asarray(y_train), len(labels), cfg.class_weight)
        loss_fn = torch.nn.CrossEntropyLoss(
            weight=torch.tensor(w, dtype=torch.float32) if w is not None else None)
        if w is not None:
            log("class weights: " + ", ".join(f"{lab} {x:.2f}"
                                              for lab, x in zip(labels, w, strict=True)))
        rng = np.random.default_rng(cfg.seed)
        steps = len(_row_batches(row_windows, row_len, cfg.batch_size,
                                 np.random.default_rng(cfg.seed)))
        total = steps * cfg.epochs
        if cfg.freeze_embeddings:
            emb = model.get_input_embeddings()
            if emb is not None:
                emb.weight.requires_grad_(False)
        if cfg.train_layers is not None:
            n_frozen = freeze_lower_layers(model.encoder, cfg.train_layers)
            log(f"training the top {cfg.train_layers} layer(s) and the head; {n_frozen} "
                "lower layer(s) and the embeddings frozen")
        no_decay = ("bias", "LayerNorm.weight", "layer_norm.weight")
        trainable = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
        params = [
            {"params": [p for n, p in trainable if not any(nd in n for nd in no_decay)],
             "weight_decay": cfg.weight_decay},
            {"params": [p for n, p in trainable if any(nd in n for nd in no_decay)],
             "weight_decay": 0.0},
        ]
        opt = torch.optim.AdamW(params, lr=cfg.lr)
        sched = get_linear_schedule_with_warmup(opt, int(cfg.warmup * total), total)
        history: list[dict[str, Any]] = []
        best_state: dict[str, Any] | None = None
        best_f, best_epoch, bad = -1.0, 0, 0
        best_dev: np.ndarray | None = None
        columns = [rp.TextColumn("[bold]stance epoch {task.fields[epoch]}"), rp.BarColumn(),
                   rp.MofNCompleteColumn(), rp.TextColumn("loss {task.fields[loss]:.4f}"),
                   rp.TimeElapsedColumn(), rp.TimeRemainingColumn()]
        with rp.Progress(*columns, console=Console(stderr=True), disable=not progress,
                      transient=True) as bar:
            for epoch in range(1, cfg.epochs + 1):
                te = time.perf_counter()
                model.train()
                batches = _row_batches(row_windows, row_len, cfg.batch_size, rng)
                task = bar.add_task("train", total=len(batches),
                                    epoch=f"{epoch}/{cfg.epochs}", loss=0.0)
                losses: list[float] = []
                for rows in batches:
                    ks = [k for r in rows for k in row_windows[r]]
                    ids, types, mask = pad_pairs([win.input_ids[k] for k in ks],
                                                 [win.token_type_ids[k] for k in ks], pad_id)
                    logits = _forward(model, ids, types, mask)
                    if len(ks) != len(rows):  # some pair has several windows: average them
                        pooled, pos = [], 0
                        for r in rows:
                            n = len(row_windows[r])
                            pooled.append(logits[pos:pos + n].mean(dim=0))
                            pos += n
                        logits = torch.stack(pooled)
                    loss = loss_fn(logits, y_t[rows])
                    loss.backward()
                    torch.nn.utils.clip_grad_norm_([p for _, p in trainable], 1.0)
                    opt.step()
                    sched.step()
                    opt.zero_grad(set_to_none=True)
                    losses.append(float(loss.detach()))
                    bar.update(task, advance=1, loss=float(np.mean(losses[-20:])))
                bar.remove_task(task)
                rec: dict[str, Any] = {"epoch": epoch,
                                       "loss": round(float(np.mean(losses)), 5),
                                       "seconds": round(time.perf_counter() - te, 1)}
                if dev_pairs and dev_gold is not None:
                    probs = predict_pairs(model, tok, dev_pairs, cfg.max_length, cfg.stride,
                                          cfg.max_target_tokens)
                    rule = DecisionRule.tune(labels, dev_gold, probs)
                    rep = stance_report(dev_gold, rule.decide(probs), labels)
                    rec.update(dev_macro_f1=rep["macro_f1"], dev_f_avg=rep["f_avg"],
                               dev_accuracy=rep["accuracy"])
                    log(f"epoch {epoch}/{cfg.epochs}  loss {rec['loss']:.4f}  dev macro-F1 "
                        f"{rep['macro_f1']:.3f}  F-avg {rep['f_avg']:.3f}  acc "
                        f"{rep['accuracy']:.3f}  ({rec['seconds']:.0f} s)")
                    history.append(rec)
                    if rep["macro_f1"] > best_f:
                        best_f, best_epoch, bad = rep["macro_f1"], epoch, 0
                        best_state = copy.deepcopy(model.state_dict())
                        best_dev = probs
                    else:
                        bad += 1
                        if cfg.patience and bad >= cfg.patience:
                            log(f"early stopping: no dev improvement for {bad} epoch(s); "
                                f"keeping epoch {best_epoch}")
                            break
                else:
                    log(f"epoch {epoch}/{cfg.epochs}  loss {rec['loss']:.4f}  "
                        f"({rec['seconds']:.0f} s)")
                    history.append(rec)
                    best_epoch = epoch
        if best_state is not None:
            model.load_state_dict(best_state)
        model.eval()
        for p in model.parameters():
            p.requires_grad_(True)
        return StanceFit(model, tok, history, best_epoch, best_dev,
                         round(time.perf_counter() - t0, 1), threads)
    finally:
        torch.use_deterministic_algorithms(det_before)
