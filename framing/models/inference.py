"""Fast CPU inference for every task head: threads, token windows, token-budget batching,
reduced precision with an fp32 re-check, and the first-token shortcut of the last layer.

Over 400 lines on purpose: every inference trick that depends on how transformers computes a
forward pass lives here and nowhere else, so one test (``tests/train/test_inference.py``,
pinned to the transformers versions ``pyproject.toml`` allows) guards them all.

* **Threads** (:func:`configure_threads`): ``$FRAMING_NUM_THREADS``, else no more than the CPUs
  this process may run on. Oversubscription is the main way to make CPU inference slow: every
  operator waits at a barrier for its slowest thread.
* **Windows** (:class:`Windows`): nothing is truncated; a text (or a (target, text) pair)
  longer than ``max_length`` tokens becomes overlapping windows that share ``stride`` tokens,
  and the head pools their scores (:func:`pool`).
* **Batching** (:func:`length_batches`): windows sorted by length, each batch padded only to its
  longest window and capped by a budget of padded tokens (fixed counts made the batches of short
  texts too small to keep the vector units busy and those of long texts too large for the
  caches).
* **Precision** (:func:`resolve_precision`): ``fp32``; ``bf16`` under ``torch.autocast`` (about
  2x faster on CPUs with native bf16, probabilities within about 0.01); ``mixed``: bf16, then
  fp32 again for the rows whose decisions a bf16 error could change (:func:`rescore_mixed`), so
  the labels are fp32's; ``auto``: ``mixed`` where the CPU has native bf16, else fp32.
* **First-token shortcut** (:func:`first_token_last_layer`): a BERT-family sequence-
  classification head reads only the first token of the last layer, so that layer is computed
  for that token alone (keys and values still see every token): about 14 % fewer matrix
  products for MiniLM-L6, the same logits up to float rounding. Installed only on architectures
  it knows and after a probe on the model itself agrees with the full pass; per thread.

Example:
    >>> from framing.models.inference import length_batches, pool
    >>> length_batches([3, 10, 4, 9, 1], 8, max_tokens=12)
    [[1], [3], [2, 0, 4]]
    >>> import numpy as np
    >>> pool(np.array([[0.1, 0.9], [0.7, 0.2], [0.3, 0.3]]), np.array([0, 0, 1]), 2, "max").tolist()
    [[0.7, 0.9], [0.3, 0.3]]
"""

from __future__ import annotations

import contextlib
import os
import threading
import types
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from framing.errors import Errors, FramingError

THREADS_ENV = "FRAMING_NUM_THREADS"
PRECISIONS = ("auto", "fp32", "bf16", "mixed")
PRECISION_ENV = "FRAMING_PRECISION"
MARGIN_ENV = "FRAMING_MIXED_MARGIN"
#: ``mixed``: re-check in fp32 every row with a decision within this distance (in logits) of a
#: threshold: 1.6x the largest bf16 - fp32 logit difference measured with the default model on
#: 1,845 real sentences (0.062; 99th percentile 0.032).
MIXED_MARGIN = 0.1
POOLINGS = ("max", "mean")
#: inference batches hold ``batch_size`` windows of this many tokens (a sentence is about 31)
TOKENS_PER_WINDOW = 32
#: padded tokens per inference batch: 32 windows' worth, 1,024, ran fastest on CPU
BATCH_TOKENS = 32 * TOKENS_PER_WINDOW


# ----- threads and precision ----------------------------------------------------------------
def configure_threads() -> int:
    """Intra-op threads for torch: ``$FRAMING_NUM_THREADS`` when set, else no more than the
    CPUs this process may run on (containers often report the host's cores)."""
    import torch

    env = os.environ.get(THREADS_ENV, "").strip()
    if env.isdigit() and int(env) > 0:
        torch.set_num_threads(int(env))
        return int(torch.get_num_threads())
    try:
        avail = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        avail = os.cpu_count() or 1
    if torch.get_num_threads() > avail:
        torch.set_num_threads(avail)
    return int(torch.get_num_threads())


def bf16_supported() -> bool:
    """Whether the device networks run on (:mod:`framing.models.device`) does bfloat16 matrix
    products natively: a CPU with AVX512-BF16 or AMX (emulated bf16 would be slower than fp32),
    a CUDA GPU with bf16 support; not MPS."""
    import torch

    from framing.models.device import device_type, gpu_bf16

    if device_type() != "cpu":
        return gpu_bf16()
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def resolve_precision(precision: str | None = None) -> str:
    """Inference precision: ``precision``, else ``$FRAMING_PRECISION``, else ``auto`` (see the
    module docstring); ``bf16`` and ``mixed`` fall back to fp32 where the CPU lacks native
    bf16."""
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


def logit_band(p: np.ndarray, margin: float) -> tuple[np.ndarray, np.ndarray]:
    """``sigmoid(logit(p) -/+ margin)``: the probabilities an error of up to ``margin`` in the
    logits could have given (the logit scale, because reduced precision errs in the logits)."""
    p = np.clip(np.asarray(p, dtype=np.float64), 1e-12, 1 - 1e-12)
    z = np.log(p / (1 - p))
    return 1 / (1 + np.exp(-(z - margin))), 1 / (1 + np.exp(-(z + margin)))


def rescore_mixed(predict: Callable[[list[Any], str], np.ndarray], items: list[Any],
                  undecided: Callable[[np.ndarray], np.ndarray]) -> tuple[np.ndarray, int]:
    """``mixed`` precision: ``predict(items, "bf16")``, then ``predict(..., "fp32")`` again for
    the rows ``undecided(probs)`` flags; returns the probabilities and the rows re-checked."""
    probs = predict(items, "bf16")
    redo = np.flatnonzero(undecided(probs))
    if len(redo):
        probs[redo] = predict([items[i] for i in redo], "fp32")
    return probs, len(redo)


# ----- windows, batches, pooling -------------------------------------------------------------
@dataclass
class Windows:
    """Token windows: ``owner[k]`` is the input index of window ``k``; ``token_type_ids`` for
    pairs (None for single texts)."""

    input_ids: list[list[int]]
    owner: np.ndarray
    token_type_ids: list[list[int]] | None = None

    def __len__(self) -> int:
        return len(self.input_ids)

    def counts(self, n_inputs: int) -> np.ndarray:
        """Number of windows per input."""
        return np.bincount(self.owner, minlength=n_inputs)


def encode_windows(tokenizer: Any, texts: Sequence[str], max_length: int, stride: int,
                   pairs_with: Sequence[str] | None = None) -> Windows:
    """Tokenise ``texts`` into overlapping windows; with ``pairs_with`` (one first segment per
    text, e.g. a stance target, already cut to size) every window is ``[CLS] first [SEP]
    window [SEP]`` and only the text is windowed."""
    if not texts:
        return Windows([], np.zeros(0, dtype=np.int64),
                       [] if pairs_with is not None else None)
    kw: dict[str, Any] = dict(max_length=max_length, stride=stride,
                              return_overflowing_tokens=True, padding=False,
                              return_attention_mask=False)
    if pairs_with is None:
        enc = tokenizer(list(texts), truncation=True, return_token_type_ids=False, **kw)
    else:
        enc = tokenizer(list(pairs_with), list(texts), truncation="only_second",
                        return_token_type_ids=True, **kw)
    owner = enc.get("overflow_to_sample_mapping")
    if owner is None:  # tokenizers without overflow support: one window per input
        owner = list(range(len(texts)))
    ids = [list(x) for x in enc["input_ids"]]
    types_: list[list[int]] | None = None
    if pairs_with is not None:
        tt = enc.get("token_type_ids")
        types_ = [list(x) for x in tt] if tt is not None else [[0] * len(x) for x in ids]
    return Windows(ids, np.asarray(owner, dtype=np.int64), types_)


def pool(window_scores: np.ndarray, owner: np.ndarray, n_inputs: int, method: str
         ) -> np.ndarray:
    """Pool window rows into one row per input with ``max`` or ``mean``."""
    if method not in POOLINGS:
        raise ValueError(f"pooling must be one of {POOLINGS}, got {method!r}")
    n_labels = window_scores.shape[1] if window_scores.ndim == 2 else 0
    if method == "max":
        out = np.full((n_inputs, n_labels), -np.inf)
        np.maximum.at(out, owner, window_scores)
        out[np.isinf(out)] = 0.0
        return out
    sums = np.zeros((n_inputs, n_labels))
    np.add.at(sums, owner, window_scores)
    counts = np.bincount(owner, minlength=n_inputs).reshape(-1, 1)
    return sums / np.maximum(counts, 1)


def length_batches(lengths: Sequence[int], batch_size: int, max_tokens: int | None = None
                   ) -> list[list[int]]:
    """Indices grouped into batches of similar length (longest first), so padding is small.

    Batches hold at most ``batch_size`` items and, with ``max_tokens``, at most that many
    padded tokens (items x the batch's longest length; a longer item goes alone).

    >>> length_batches([3, 10, 4, 9, 1], 2)
    [[1, 3], [2, 0], [4]]
    """
    order = sorted(range(len(lengths)), key=lambda i: (-lengths[i], i))
    if max_tokens is None:
        return [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
    batches: list[list[int]] = []
    cur: list[int] = []
    for i in order:
        if cur and (len(cur) >= batch_size or (len(cur) + 1) * lengths[cur[0]] > max_tokens):
            batches.append(cur)
            cur = []
        cur.append(i)
    if cur:
        batches.append(cur)
    return batches


def pad_batch(seqs: Sequence[Sequence[int]], pad_id: int,
              types: Sequence[Sequence[int]] | None = None) -> tuple[Any, Any, Any]:
    """``input_ids``, ``attention_mask`` and ``token_type_ids`` (None without ``types``)
    tensors padded to the longest sequence."""
    import torch

    width = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(seqs), width), dtype=torch.long)
    t_types = torch.zeros((len(seqs), width), dtype=torch.long) if types is not None else None
    for i, s in enumerate(seqs):
        ids[i, :len(s)] = torch.tensor(s, dtype=torch.long)
        mask[i, :len(s)] = 1
        if t_types is not None and types is not None:
            t_types[i, :len(types[i])] = torch.tensor(types[i], dtype=torch.long)
    return ids, mask, t_types


def window_batch(win: Windows, idx: Sequence[int], pad_id: int) -> tuple[Any, Any, Any]:
    """The padded tensors of windows ``idx`` of ``win``, on the device networks run on."""
    from framing.models.device import to_device

    types_ = [win.token_type_ids[i] for i in idx] if win.token_type_ids is not None else None
    ids, mask, types = to_device(pad_batch([win.input_ids[i] for i in idx], pad_id, types_))
    return ids, mask, types


def score_windows(forward: Callable[[Any, Any, Any], Any], model: Any, win: Windows,
                  pad_id: int, n_out: int, batches: list[list[int]],
                  precision: str = "fp32") -> np.ndarray:
    """``forward(ids, mask, types)`` (a float tensor per window, already activated by the
    head) over ``batches`` of windows: ``(len(win), n_out)``, under ``torch.inference_mode``,
    bf16 autocast when ``precision == "bf16"``, and the first-token shortcut where the model
    allows it. The model is put in eval mode and restored, and moved to the device networks
    run on (:mod:`framing.models.device`)."""
    import torch

    from framing.models.device import device_type, place

    out = np.zeros((len(win), n_out), dtype=np.float64)
    if not len(win):
        return out
    place(model)
    was_training = model.training
    model.eval()
    kind = device_type()
    with first_token_last_layer(model), torch.inference_mode(), \
            torch.autocast(kind if kind != "mps" else "cpu", dtype=torch.bfloat16,
                           enabled=precision == "bf16" and kind != "mps"):
        for idx in batches:
            out[idx] = forward(*window_batch(win, idx, pad_id)).float().cpu().numpy()
    if was_training:
        model.train()
    return out


# ----- the first-token shortcut ---------------------------------------------------------------
#: sequence-classification classes whose head reads only the first position of the last layer
FIRST_TOKEN_HEADS = frozenset({
    "BertForSequenceClassification",
    "RobertaForSequenceClassification",
    "XLMRobertaForSequenceClassification",
})
#: largest |logit difference| between the shortcut and the full pass that the probe accepts
PROBE_TOLERANCE = 1e-3
_PROBE_KEY = "_framing_first_token_ok"
_local = threading.local()


def _last_layer(model: Any) -> Any | None:
    """The encoder's last layer when the model has the expected layout, else None."""
    if type(model).__name__ not in FIRST_TOKEN_HEADS:
        return None
    cfg = model.config
    if cfg.is_decoder or getattr(cfg, "add_cross_attention", False) \
            or getattr(cfg, "position_embedding_type", "absolute") != "absolute" \
            or getattr(cfg, "chunk_size_feed_forward", 0):
        return None
    base = getattr(model, model.base_model_prefix, None)
    layers = getattr(getattr(base, "encoder", None), "layer", None)
    if not layers:
        return None
    last = layers[-1]
    att = getattr(last, "attention", None)
    sa = getattr(att, "self", None)
    if not all(hasattr(sa, a) for a in ("query", "key", "value", "attention_head_size",
                                        "scaling")) \
            or not all(hasattr(x, n) for x, n in ((att, "output"), (last, "intermediate"),
                                                   (last, "output"))):
        return None
    return last


def _first_token_forward(self: Any, hidden_states: Any, attention_mask: Any = None,
                         *args: Any, **kwargs: Any) -> Any:
    """The layer's output at position 0 only, shape ``(batch, 1, hidden)``."""
    from transformers.modeling_utils import ALL_ATTENTION_FUNCTIONS
    from transformers.models.bert.modeling_bert import eager_attention_forward

    sa = self.attention.self
    b, n, _ = hidden_states.shape
    first = hidden_states[:, :1]
    head = sa.attention_head_size
    q = sa.query(first).view(b, 1, -1, head).transpose(1, 2)
    k = sa.key(hidden_states).view(b, n, -1, head).transpose(1, 2)
    v = sa.value(hidden_states).view(b, n, -1, head).transpose(1, 2)
    mask = attention_mask
    if mask is not None and mask.dim() == 4 and mask.shape[-2] > 1:
        mask = mask[..., :1, :]  # the first query's row of a (batch, 1, n, n) mask
    attend = ALL_ATTENTION_FUNCTIONS.get_interface(sa.config._attn_implementation,
                                                   eager_attention_forward)
    ctx, _ = attend(sa, q, k, v, mask, dropout=0.0, scaling=sa.scaling)
    att = self.attention.output(ctx.reshape(b, 1, -1), first)
    return self.output(self.intermediate(att), att)


def _active() -> Counter[int]:
    """This thread's count of open blocks per layer (``id``) that use the shortcut."""
    counts: Counter[int] | None = getattr(_local, "counts", None)
    if counts is None:
        counts = _local.counts = Counter()
    return counts


def _dispatch(self: Any, hidden_states: Any, attention_mask: Any = None, *args: Any,
              **kwargs: Any) -> Any:
    """The layer's forward: the shortcut inside a block of this thread, else the class's own."""
    if id(self) in _active():
        return _first_token_forward(self, hidden_states, attention_mask)
    return type(self).forward(self, hidden_states, attention_mask, *args, **kwargs)


@contextlib.contextmanager
def _installed(last: Any) -> Iterator[None]:
    """The shortcut for ``last`` in this thread until the block ends."""
    if "forward" not in vars(last):
        last.forward = types.MethodType(_dispatch, last)
    counts = _active()
    counts[id(last)] += 1
    try:
        yield
    finally:
        counts[id(last)] -= 1
        if counts[id(last)] <= 0:
            del counts[id(last)]


def _probe(model: Any, last: Any) -> bool:
    """Whether the shortcut gives the full pass's logits on two padded sequences."""
    import torch

    vocab = int(model.config.vocab_size)
    pad = model.config.pad_token_id or 0
    g = torch.Generator().manual_seed(0)
    ids = torch.randint(1, vocab, (2, 9), generator=g)
    ids[ids == pad] = 1 if pad != 1 else 2
    mask = torch.ones_like(ids)
    ids[1, 6:], mask[1, 6:] = pad, 0
    p = next(iter(model.parameters()), None)
    if p is not None and p.device.type != "cpu":
        ids, mask = ids.to(p.device), mask.to(p.device)
    was_training = model.training
    model.eval()
    try:
        with torch.inference_mode():
            full = model(input_ids=ids, attention_mask=mask).logits.float()
            with _installed(last):
                fast = model(input_ids=ids, attention_mask=mask).logits.float()
        ok = bool(fast.shape == full.shape
                  and (fast - full).abs().max().item() <= PROBE_TOLERANCE)
    except Exception:  # any failure means: do not use the shortcut
        ok = False
    finally:
        if was_training:
            model.train()
    if not ok:
        vars(last).pop("forward", None)
    return ok


def _usable_last_layer(model: Any) -> Any | None:
    """``model``'s last encoder layer when the shortcut may run on it (known layout, probe
    passed: probed once per model object), else None."""
    last = _last_layer(model)
    if last is None:
        return None
    ok = getattr(model, _PROBE_KEY, None)
    if ok is None:
        ok = _probe(model, last)
        setattr(model, _PROBE_KEY, ok)
    return last if ok else None


def supported(model: Any) -> bool:
    """Whether :func:`first_token_last_layer` will use the shortcut on ``model``."""
    return _usable_last_layer(model) is not None


@contextlib.contextmanager
def first_token_last_layer(model: Any, enabled: bool = True) -> Iterator[bool]:
    """Within the block, ``model``'s last encoder layer computes the first position only (for
    inference: the head reads nothing else). Yields whether the shortcut is in use; training
    never uses it, and another thread, or a call after the block, runs the full layer.

    >>> import torch
    >>> from transformers import BertConfig, BertForSequenceClassification
    >>> _ = torch.manual_seed(0)
    >>> m = BertForSequenceClassification(BertConfig(
    ...     vocab_size=50, hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
    ...     intermediate_size=32, num_labels=3)).eval()
    >>> ids = torch.tensor([[2, 7, 9, 3], [2, 5, 3, 0]])
    >>> mask = (ids != 0).long()
    >>> with torch.inference_mode():
    ...     full = m(input_ids=ids, attention_mask=mask).logits
    ...     with first_token_last_layer(m) as used:
    ...         fast = m(input_ids=ids, attention_mask=mask).logits
    >>> used, bool(torch.allclose(full, fast, atol=1e-5))
    (True, True)
    """
    own = getattr(model, "first_token_only", None)  # a network with the shortcut built in
    if own is not None:
        if not enabled or model.training:
            yield False
            return
        with own() as used:
            yield used
        return
    last = _usable_last_layer(model) if enabled and not model.training else None
    if last is None:
        yield False
        return
    with _installed(last):
        yield True
