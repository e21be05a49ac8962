"""The stance network: a cross-encoder over ``[CLS] target [SEP] text [SEP]``.

Example:
    >>> import torch
    >>> from framing.models.stance.network import mean_pool
    >>> mean_pool(torch.tensor([[[1.0], [3.0], [9.0]]]), torch.tensor([[1, 1, 0]])).tolist()
    [[2.0]]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from framing.errors import Errors, FramingError


def mean_pool(hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """The mean of the token states over the attention mask (sentence-transformers pooling)."""
    m = attention_mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * m).sum(dim=1) / m.sum(dim=1).clamp(min=1.0)


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
        return self.classifier(self.dropout(mean_pool(hidden, attention_mask)))

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

        from framing.models import lite

        path = Path(path)
        config: Any
        if lite.usable(path):  # the same network without transformers' import cost
            config = lite.Config(lite.read_config(path))
        else:
            from transformers import AutoConfig

            config = AutoConfig.from_pretrained(path, local_files_only=True,
                                                trust_remote_code=False)
        if getattr(config, "framing_pooling", None) != "mean":
            raise ValueError("config.json does not describe a framing stance cross-encoder "
                             "(no framing_pooling: mean)")
        labels = [config.id2label[i] for i in range(int(config.num_labels))]
        light = isinstance(config, lite.Config)
        if light:
            encoder: Any = lite.LiteBert(config, pooler=True)  # weights assigned below
        else:
            from transformers import AutoModel

            encoder = AutoModel.from_config(config)
        model = cls(encoder, labels)
        state = load_file(str(path / "model.safetensors"))
        prefix = (getattr(encoder, "base_model_prefix", "") or "encoder") + "."
        enc_state = {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}
        missing, unexpected = encoder.load_state_dict(enc_state, strict=False, assign=light)
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
