"""Inference shortcut: the encoder's last layer computed for the first token only.

A sequence-classification head of the BERT family reads one position of the encoder's output:
the first token's (``[CLS]``/``<s>``; BERT through its pooler, RoBERTa through its head). Every
other position of the *last* layer is computed and thrown away. In that layer only the keys and
values need every token; the query, the attention output, the feed-forward block and both layer
norms are needed for the first token alone. Skipping the rest removes about 80 % of the last
layer's work: one sixth of a 6-layer encoder such as the default MiniLM, about 14 % of its
matrix products. The logits are those of the full forward pass up to float rounding (a
different summation order in the smaller products: within about 1e-5 in fp32).

:func:`first_token_last_layer` installs the shortcut for the length of a ``with`` block, only on
the architectures it knows (BERT and RoBERTa layouts, absolute positions, encoder only), and
only after a probe on the model itself agrees with the full forward pass; otherwise the model
runs unchanged. Training never uses it. The switch is per thread: another thread using the same
model at the same time, or a call after the block, runs the full layer.

Example:
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

from __future__ import annotations

import contextlib
import threading
import types
from collections import Counter
from collections.abc import Iterator
from typing import Any

import torch

#: sequence-classification classes whose head reads only the first position of the last layer
FIRST_TOKEN_HEADS = frozenset({
    "BertForSequenceClassification",
    "RobertaForSequenceClassification",
    "XLMRobertaForSequenceClassification",
})
#: largest |logit difference| between the shortcut and the full pass that the probe accepts
PROBE_TOLERANCE = 1e-3
_PROBE_KEY = "_framing_first_token_ok"


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


def _first_token_forward(self: Any, hidden_states: torch.Tensor,
                         attention_mask: torch.Tensor | None = None, *args: Any,
                         **kwargs: Any) -> torch.Tensor:
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
    out: torch.Tensor = self.output(self.intermediate(att), att)
    return out


_local = threading.local()


def _active() -> Counter[int]:
    """This thread's count of open blocks per layer (``id``) that use the shortcut."""
    counts: Counter[int] | None = getattr(_local, "counts", None)
    if counts is None:
        counts = _local.counts = Counter()
    return counts


def _dispatch(self: Any, hidden_states: torch.Tensor, attention_mask: torch.Tensor | None = None,
              *args: Any, **kwargs: Any) -> torch.Tensor:
    """The layer's forward: the shortcut inside a block of this thread, else the class's own."""
    if id(self) in _active():
        return _first_token_forward(self, hidden_states, attention_mask)
    out: torch.Tensor = type(self).forward(self, hidden_states, attention_mask, *args, **kwargs)
    return out


@contextlib.contextmanager
def _installed(last: Any) -> Iterator[None]:
    """The shortcut for ``last`` in this thread until the block ends (other threads, and calls
    outside the block, run the full layer)."""
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
    vocab = int(model.config.vocab_size)
    pad = model.config.pad_token_id or 0
    g = torch.Generator().manual_seed(0)
    ids = torch.randint(1, vocab, (2, 9), generator=g)
    ids[ids == pad] = 1 if pad != 1 else 2
    mask = torch.ones_like(ids)
    ids[1, 6:], mask[1, 6:] = pad, 0
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
    """Whether :func:`first_token_last_layer` will use the shortcut on ``model`` (probed once
    per model object)."""
    return _usable_last_layer(model) is not None


@contextlib.contextmanager
def first_token_last_layer(model: Any, enabled: bool = True) -> Iterator[bool]:
    """Within the block, ``model``'s last encoder layer computes the first position only (for
    inference: the head reads nothing else). Yields whether the shortcut is in use."""
    last = _usable_last_layer(model) if enabled and not model.training else None
    if last is None:
        yield False
        return
    with _installed(last):
        yield True
