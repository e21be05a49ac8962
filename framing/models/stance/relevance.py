"""Target relevance: does a document discuss the target at all?

A stance model reads argumentative language well, but on a target that a document never
discusses it can still find a "strong" sentence (an op-ed on drug policy is not in favour of
regulating carbon emissions, however forcefully it argues). The relevance gate asks a separate
question with a sentence encoder (by default the pretrained all-MiniLM-L6-v2, the same encoder
the cross-encoder starts from, before fine-tuning, so its topical geometry is intact): the
**relevance** of a target to a document is the largest cosine similarity between the target and
any of the document's sentences (mean-pooled, normalised embeddings). Below the pooling rule's
``relevance_threshold`` (tuned on dev documents that include targets of other issues) the
document's stance is ``none``.

Example:
    >>> from framing.models.stance.relevance import RelevanceEncoder
    >>> enc = RelevanceEncoder.resolve("default")                          # doctest: +SKIP
    >>> enc.relevance(["drug policy"],                                     # doctest: +SKIP
    ...               ["Leave marijuana to the states."]).round(1)
    array([[0.5]], dtype=float32)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from framing.models.encoders import BaseModel, resolve_base_model

#: Setting values that switch the gate off.
OFF = ("", "none", "off")


class RelevanceEncoder:
    """A sentence encoder (mean pooling, normalised) loaded lazily from a resolved base model."""

    def __init__(self, base: BaseModel, max_length: int = 128) -> None:
        self.base = base
        self.max_length = max_length
        self._tok: Any = None
        self._model: Any = None

    @classmethod
    def resolve(cls, name: str | None) -> RelevanceEncoder | None:
        """``"default"``: the shipped all-MiniLM-L6-v2 (see :func:`~framing.models.encoders.
        resolve_base_model`); a local directory or Hugging Face id; None / ``"none"``: off."""
        if name is None or name.strip().lower() in OFF:
            return None
        return cls(resolve_base_model(None if name == "default" else name))

    def to_dict(self) -> dict[str, str]:
        return {"name": self.base.name, "source": self.base.source}

    def _load(self) -> None:
        if self._model is None:
            from framing.models import lite
            from framing.models.encoders import load_tokenizer

            if lite.usable(self.base.path):  # the same numbers, without transformers' import
                self._tok = lite.LiteTokenizer(self.base.path)
                self._model = lite.encoder(self.base.path, prefix="bert.")[0]
                return
            from transformers import AutoModel

            self._tok = load_tokenizer(self.base.path)
            self._model = AutoModel.from_pretrained(self.base.path, local_files_only=True,
                                                    trust_remote_code=False).eval()

    def embed(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """Normalised mean-pooled embeddings ``(len(texts), dim)``; length-sorted batches of up
        to ``batch_size`` texts and ``BATCH_TOKENS`` padded tokens, ``torch.inference_mode``."""
        import torch

        from framing.models.inference import BATCH_TOKENS, length_batches, pad_batch
        from framing.models.stance.network import mean_pool

        self._load()
        texts = list(texts)
        dim = int(self._model.config.hidden_size)
        out = np.zeros((len(texts), dim), dtype=np.float32)
        if not texts:
            return out
        ids = self._tok(texts, truncation=True, max_length=self.max_length, padding=False,
                        return_attention_mask=False, return_token_type_ids=False)["input_ids"]
        pad_id = self._tok.pad_token_id if self._tok.pad_token_id is not None else 0
        with torch.inference_mode():
            for idx in length_batches([len(x) for x in ids], batch_size,
                                      max_tokens=BATCH_TOKENS):
                t_ids, mask, _ = pad_batch([ids[i] for i in idx], pad_id)
                h = self._model(input_ids=t_ids, attention_mask=mask).last_hidden_state
                e = mean_pool(h, mask)
                out[idx] = torch.nn.functional.normalize(e, dim=-1).float().numpy()
        return out

    def relevance(self, targets: Sequence[str], sentences: Sequence[str]) -> np.ndarray:
        """Cosine similarities ``(len(targets), len(sentences))``."""
        if not len(targets) or not len(sentences):
            return np.zeros((len(targets), len(sentences)), dtype=np.float32)
        return self.embed(targets) @ self.embed(sentences).T
