"""Inference on BERT encoders without importing transformers' modelling code.

Importing ``transformers.models.bert.modeling_bert`` costs about twice ``import spacy`` here
(it pulls in ``modeling_utils``, ``torch.distributed.tensor``, ``torch._dynamo``...), and
``AutoTokenizer`` another third: far more than the whole rest of ``framing score --text``. For
a *trained* model directory that only runs inference, this module builds the same network
from ``config.json`` + ``model.safetensors`` out of plain ``torch.nn`` layers, and the same
tokenizer from ``tokenizer.json`` with the ``tokenizers`` library (the Rust tokenizer that
transformers' fast tokenizers wrap).

Same numbers, not merely close ones: the modules have transformers' parameter names and run
the operations transformers 5 runs, in its order (embeddings summed word + type, then
position; ``scaled_dot_product_attention`` with the boolean ``(batch, 1, n, n)`` padding mask,
or none without padding; exact GELU; post-LayerNorm residuals; tanh pooler). The first-token
shortcut of :mod:`framing.models.inference` is built in (:meth:`LiteBert.first_token_only`).
``tests/train/test_lite.py`` compares logits, hidden states and token ids with transformers'
on the tiny test model, the real encoder and the default models, bit for bit.

Used only where it is known to hold (:func:`supported`: ``model_type`` ``bert``, absolute
positions, GELU, an encoder without cross-attention or chunked feed-forward, a
``tokenizer.json``) and only for loading saved models; training, and any other architecture,
use transformers. ``FRAMING_LITE=0`` switches it off.

Example:
    >>> from framing.models.lite import supported
    >>> supported({"model_type": "bert", "hidden_act": "gelu"}, has_tokenizer_json=True)
    True
    >>> supported({"model_type": "roberta"}, has_tokenizer_json=True)
    False
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import torch
from torch import nn

ENV = "FRAMING_LITE"
_local = threading.local()


def enabled() -> bool:
    """Whether the lite path may be used (``$FRAMING_LITE`` is not ``0``/``off``)."""
    return os.environ.get(ENV, "1").strip().lower() not in ("0", "off", "false", "no")


def supported(cfg: Mapping[str, Any], has_tokenizer_json: bool) -> bool:
    """Whether a model with config ``cfg`` (``config.json`` as a dict) runs on this module."""
    return (has_tokenizer_json and cfg.get("model_type") == "bert"
            and cfg.get("hidden_act", "gelu") == "gelu"
            and cfg.get("position_embedding_type", "absolute") == "absolute"
            and not cfg.get("is_decoder") and not cfg.get("add_cross_attention")
            and not cfg.get("chunk_size_feed_forward"))


def read_config(path: Path) -> dict[str, Any]:
    cfg = json.loads((Path(path) / "config.json").read_text(encoding="utf-8"))
    if not isinstance(cfg, dict):
        raise ValueError("config.json must hold a JSON object")
    return cfg


def usable(path: str | Path) -> bool:
    """Whether the model directory ``path`` can be loaded with this module."""
    p = Path(path)
    if not enabled() or not (p / "config.json").is_file():
        return False
    try:
        cfg = read_config(p)
    except (OSError, ValueError):
        return False
    return supported(cfg, (p / "tokenizer.json").is_file())


class Config(SimpleNamespace):
    """``config.json`` as attributes (what the heads read: ``num_labels``, ``hidden_size``,
    ``id2label``...), with transformers' defaults for the keys a BERT config may omit."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        cfg: dict[str, Any] = {"layer_norm_eps": 1e-12, "type_vocab_size": 2,
                               "pad_token_id": 0, "max_position_embeddings": 512, **raw}
        id2label = cfg.get("id2label")
        if isinstance(id2label, dict):
            cfg["id2label"] = {int(k): v for k, v in id2label.items()}
            cfg.setdefault("num_labels", len(id2label))
        cfg.setdefault("num_labels", 2)
        super().__init__(**cfg)


# ----- the network -------------------------------------------------------------------------
# Parameters are allocated, not initialised: every one is then replaced by the checkpoint's
# tensor (``load_state_dict(assign=True)``). Random initialisation of 22 M parameters took
# longer than reading them, and the ``meta`` device would import torch's decompositions
# (about a third of ``import spacy``).
class _Linear(nn.Linear):
    def reset_parameters(self) -> None:
        pass


class _Embedding(nn.Embedding):
    def reset_parameters(self) -> None:
        pass


class _Embeddings(nn.Module):
    def __init__(self, c: Config) -> None:
        super().__init__()
        self.word_embeddings = _Embedding(c.vocab_size, c.hidden_size,
                                            padding_idx=c.pad_token_id)
        self.position_embeddings = _Embedding(c.max_position_embeddings, c.hidden_size)
        self.token_type_embeddings = _Embedding(c.type_vocab_size, c.hidden_size)
        self.LayerNorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)

    def forward(self, input_ids: torch.Tensor, token_type_ids: torch.Tensor | None
                ) -> torch.Tensor:
        b, n = input_ids.shape
        positions = torch.arange(n, device=input_ids.device).unsqueeze(0)
        if token_type_ids is None:
            token_type_ids = torch.zeros((b, n), dtype=torch.long, device=input_ids.device)
        x = self.word_embeddings(input_ids) + self.token_type_embeddings(token_type_ids)
        x = x + self.position_embeddings(positions)
        return self.LayerNorm(x)


class _SelfAttention(nn.Module):
    def __init__(self, c: Config) -> None:
        super().__init__()
        self.attention_head_size = int(c.hidden_size / c.num_attention_heads)
        size = c.num_attention_heads * self.attention_head_size
        self.scaling = self.attention_head_size ** -0.5
        self.query = _Linear(c.hidden_size, size)
        self.key = _Linear(c.hidden_size, size)
        self.value = _Linear(c.hidden_size, size)

    def forward(self, hidden: torch.Tensor, mask: torch.Tensor | None, first_only: bool
                ) -> torch.Tensor:
        b, n, _ = hidden.shape
        head = self.attention_head_size
        q_in = hidden[:, :1] if first_only else hidden
        m = q_in.shape[1]
        q = self.query(q_in).view(b, m, -1, head).transpose(1, 2)
        k = self.key(hidden).view(b, n, -1, head).transpose(1, 2)
        v = self.value(hidden).view(b, n, -1, head).transpose(1, 2)
        if mask is not None and first_only:
            mask = mask[..., :1, :]
        out = nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=mask,
                                                         dropout_p=0.0, scale=self.scaling,
                                                         is_causal=False)
        out = out.reshape(b, -1, m, head).transpose(1, 2).contiguous()
        return out.reshape(b, m, -1).contiguous()


class _DenseNorm(nn.Module):
    """``LayerNorm(dense(x) + residual)`` (transformers' ``BertSelfOutput``/``BertOutput``)."""

    def __init__(self, n_in: int, c: Config) -> None:
        super().__init__()
        self.dense = _Linear(n_in, c.hidden_size)
        self.LayerNorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)

    def forward(self, x: torch.Tensor, residual: torch.Tensor) -> torch.Tensor:
        return self.LayerNorm(self.dense(x) + residual)


class _Attention(nn.Module):
    def __init__(self, c: Config) -> None:
        super().__init__()
        self.self = _SelfAttention(c)
        self.output = _DenseNorm(c.hidden_size, c)


class _Intermediate(nn.Module):
    def __init__(self, c: Config) -> None:
        super().__init__()
        self.dense = _Linear(c.hidden_size, c.intermediate_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return nn.functional.gelu(self.dense(x))


class _Layer(nn.Module):
    def __init__(self, c: Config) -> None:
        super().__init__()
        self.attention = _Attention(c)
        self.intermediate = _Intermediate(c)
        self.output = _DenseNorm(c.intermediate_size, c)

    def forward(self, hidden: torch.Tensor, mask: torch.Tensor | None, first_only: bool = False
                ) -> torch.Tensor:
        ctx = self.attention.self(hidden, mask, first_only)
        att = self.attention.output(ctx, hidden[:, :1] if first_only else hidden)
        out: torch.Tensor = self.output(self.intermediate(att), att)
        return out


class _Encoder(nn.Module):
    def __init__(self, c: Config) -> None:
        super().__init__()
        self.layer = nn.ModuleList([_Layer(c) for _ in range(int(c.num_hidden_layers))])


class _Pooler(nn.Module):
    def __init__(self, c: Config) -> None:
        super().__init__()
        self.dense = _Linear(c.hidden_size, c.hidden_size)

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.dense(hidden[:, 0]))


class LiteBert(nn.Module):
    """A BERT encoder for inference (``BertModel``'s parameter names): ``forward`` returns an
    object with ``last_hidden_state`` (and ``pooler_output`` with ``pooler=True``)."""

    base_model_prefix = "bert"

    def __init__(self, config: Config, pooler: bool = False) -> None:
        super().__init__()
        self.config = config
        self.embeddings = _Embeddings(config)
        self.encoder = _Encoder(config)
        self.pooler = _Pooler(config) if pooler else None

    def get_input_embeddings(self) -> nn.Embedding:
        return self.embeddings.word_embeddings

    @contextlib.contextmanager
    def first_token_only(self) -> Iterator[bool]:
        """Within the block (in this thread), the last layer computes position 0 only (what a
        first-token head reads; see :func:`framing.models.inference.first_token_last_layer`)."""
        depth = getattr(_local, "depth", {})
        _local.depth = depth
        depth[id(self)] = depth.get(id(self), 0) + 1
        try:
            yield True
        finally:
            depth[id(self)] -= 1
            if not depth[id(self)]:
                del depth[id(self)]

    def _first_only(self) -> bool:
        return id(self) in getattr(_local, "depth", {}) and not self.training

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None,
                token_type_ids: torch.Tensor | None = None) -> SimpleNamespace:
        hidden = self.embeddings(input_ids, token_type_ids)
        mask = None
        if attention_mask is not None and not bool(attention_mask.all()):
            b, n = attention_mask.shape
            mask = attention_mask.bool()[:, None, None, :].expand(b, 1, n, n).contiguous()
        layers = list(self.encoder.layer)
        first = self._first_only()
        for i, layer in enumerate(layers):
            hidden = layer(hidden, mask, first and i == len(layers) - 1)
        pooled = self.pooler(hidden) if self.pooler is not None else None
        return SimpleNamespace(last_hidden_state=hidden, pooler_output=pooled)


class LiteSequenceClassifier(nn.Module):
    """``BertForSequenceClassification`` for inference: pooler output, then ``classifier``;
    ``forward`` returns an object with ``logits``."""

    def __init__(self, config: Config) -> None:
        super().__init__()
        self.config = config
        self.bert = LiteBert(config, pooler=True)
        self.classifier = _Linear(config.hidden_size, int(config.num_labels))

    def get_input_embeddings(self) -> nn.Embedding:
        return self.bert.get_input_embeddings()

    def first_token_only(self) -> contextlib.AbstractContextManager[bool]:
        return self.bert.first_token_only()

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None,
                token_type_ids: torch.Tensor | None = None) -> SimpleNamespace:
        out = self.bert(input_ids, attention_mask, token_type_ids)
        return SimpleNamespace(logits=self.classifier(out.pooler_output))


def load_state(module: nn.Module, path: Path, prefix: str | None = None,
               drop: Sequence[str] = ()) -> dict[str, torch.Tensor]:
    """Load ``model.safetensors`` into ``module`` (strict: every parameter, nothing else but
    the ``position_ids`` buffers old checkpoints carry and the ``drop`` prefixes). With
    ``prefix``, only the keys under it, prefix removed; the other keys are returned."""
    from safetensors.torch import load_file

    state = load_file(str(Path(path) / "model.safetensors"))
    rest: dict[str, torch.Tensor] = {}
    if prefix is not None:
        mine = {}
        for k, v in state.items():
            if k.startswith(prefix):
                mine[k[len(prefix):]] = v
            else:
                rest[k] = v
        state = mine
    state = {k: v for k, v in state.items() if not k.endswith("position_ids")
             and not any(k.startswith(d) for d in drop)}
    missing, unexpected = module.load_state_dict(state, strict=False, assign=True)
    if missing:
        raise ValueError(f"model.safetensors lacks weights: {missing[:5]}")
    if unexpected:
        raise ValueError(f"model.safetensors has unexpected weights: {unexpected[:5]}")
    return rest


def is_sequence_classifier(path: str | Path) -> bool:
    """Whether the directory at ``path`` holds a ``BertForSequenceClassification``."""
    return list(read_config(Path(path)).get("architectures") or []) == [
        "BertForSequenceClassification"]


def sequence_classifier(path: str | Path) -> LiteSequenceClassifier:
    """The ``BertForSequenceClassification`` directory at ``path``, in eval mode."""
    model = LiteSequenceClassifier(Config(read_config(Path(path))))
    load_state(model, Path(path))
    return model.eval()


def encoder(path: str | Path, prefix: str | None = None) -> tuple[LiteBert, dict[str, Any]]:
    """The encoder (no pooler) of the directory at ``path`` in eval mode, and the weights not
    under ``prefix`` (e.g. a head's); a checkpoint without ``prefix`` keys is read whole."""
    from safetensors import safe_open

    path = Path(path)
    model = LiteBert(Config(read_config(path)))
    with safe_open(str(path / "model.safetensors"), "pt") as f:
        keys = list(f.keys())
    if prefix is not None and not any(k.startswith(prefix) for k in keys):
        prefix = None
    rest = load_state(model, path, prefix, drop=("pooler.",))
    if prefix is not None:
        rest = {k: v for k, v in rest.items() if not k.startswith(prefix + "pooler.")}
    return model.eval(), rest


# ----- the tokenizer -----------------------------------------------------------------------
class LiteTokenizer:
    """The fast tokenizer of ``tokenizer.json``, called as transformers' tokenizers are for
    what framing asks of them (single texts or pairs, truncation with overflowing windows
    and a stride, token type ids, offsets); returns a dict of lists."""

    is_fast = True

    def __init__(self, path: str | Path) -> None:
        from tokenizers import Tokenizer

        path = Path(path)
        self._tok = Tokenizer.from_file(str(path / "tokenizer.json"))
        cfg_file = path / "tokenizer_config.json"
        cfg = json.loads(cfg_file.read_text(encoding="utf-8")) if cfg_file.is_file() else {}
        pad = cfg.get("pad_token", "[PAD]")
        pad = pad.get("content") if isinstance(pad, dict) else pad
        self.pad_token_id: int | None = self._tok.token_to_id(pad) if pad else None
        self._tok.no_padding()
        self._tok.no_truncation()
        # truncation is state of the Rust tokenizer: set and used under one lock (threads)
        self._lock = threading.Lock()

    def __call__(self, text: str | Sequence[str], text_pair: Sequence[str] | None = None, *,
                 truncation: bool | str = False, max_length: int | None = None,
                 stride: int = 0, return_overflowing_tokens: bool = False,
                 padding: bool = False, return_attention_mask: bool = False,
                 return_token_type_ids: bool = False, add_special_tokens: bool = True,
                 return_offsets_mapping: bool = False) -> dict[str, Any]:
        if padding:
            raise ValueError("LiteTokenizer does not pad (framing pads its own batches)")
        single = isinstance(text, str)
        texts = [text] if isinstance(text, str) else list(text)
        inputs: list[Any] = texts if text_pair is None else \
            list(zip(texts, list(text_pair), strict=True))
        with self._lock:
            if truncation and max_length is not None:
                strategy = "only_second" if truncation == "only_second" else "longest_first"
                self._tok.enable_truncation(max_length, stride=stride, strategy=strategy,
                                            direction="right")
            else:
                self._tok.no_truncation()
            encs = self._tok.encode_batch(inputs, add_special_tokens=add_special_tokens)
        out: dict[str, list[Any]] = {"input_ids": []}
        if return_token_type_ids:
            out["token_type_ids"] = []
        if return_attention_mask:
            out["attention_mask"] = []
        if return_offsets_mapping:
            out["offset_mapping"] = []
        owner: list[int] = []
        for i, enc in enumerate(encs):
            parts = [enc, *enc.overflowing] if return_overflowing_tokens else [enc]
            for e in parts:
                owner.append(i)
                out["input_ids"].append(list(e.ids))
                if return_token_type_ids:
                    out["token_type_ids"].append(list(e.type_ids))
                if return_attention_mask:
                    out["attention_mask"].append(list(e.attention_mask))
                if return_offsets_mapping:
                    out["offset_mapping"].append([tuple(o) for o in e.offsets])
        if return_overflowing_tokens:
            out["overflow_to_sample_mapping"] = owner
        if single and not return_overflowing_tokens:
            return {k: v[0] for k, v in out.items()}
        return out
