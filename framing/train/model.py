"""A trained frame model directory and the uniform predictor over it.

A model directory holds:

* ``framing_model.json``: format version, method, labels, per-label thresholds, level, pooling,
  max_length, stride, base model, training settings, data fingerprint, fusion coefficients,
  creation time;
* the weights: ``model.safetensors`` + ``config.json`` + tokenizer files (transformer), or
  ``model.skops`` (TF-IDF baseline; loaded with an explicit list of trusted types, no pickle);
* ``codebook.json`` when a codebook was used, ``metrics.json`` and the ``README.md`` model card.

:meth:`FrameModel.load` checks all of it and raises ``[E301]`` saying what is missing or broken.

Example:
    >>> from framing.train import FrameModel
    >>> m = FrameModel.load("models/frames-default")                   # doctest: +SKIP
    >>> m.predict_proba(["Leave drug policy to the states."]).shape    # doctest: +SKIP
    (1, 17)
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from framing.codebook import Codebook
from framing.errors import Errors, FramingError
from framing.train.config import LEVELS, METHODS
from framing.train.fusion import Fusion
from framing.train.windows import POOLINGS

META_FILE = "framing_model.json"
FORMAT = "framing-model"
FORMAT_VERSION = 1
WEIGHTS = {"transformer": "model.safetensors", "tfidf": "model.skops"}
TOKENIZER_FILES = ("tokenizer.json", "vocab.txt")


def _err(path: Path | str, detail: str) -> FramingError:
    return FramingError(Errors.E301.format(path=path, detail=detail))


def _read_json(path: Path, what: str, root: Path) -> Any:
    if not path.is_file():
        raise _err(root, f"{what} '{path.name}' is missing")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise _err(root, f"{what} '{path.name}' is not valid JSON ({e})") from None


def check_meta(meta: Any, root: Path) -> None:
    """Validate the parsed ``framing_model.json``."""
    if not isinstance(meta, dict):
        raise _err(root, f"{META_FILE} must hold a JSON object")
    if meta.get("format") != FORMAT:
        raise _err(root, f"{META_FILE} is not a framing model file (format "
                         f"{meta.get('format')!r}, expected {FORMAT!r})")
    v = meta.get("format_version")
    if not isinstance(v, int) or v < 1 or v > FORMAT_VERSION:
        raise _err(root, f"{META_FILE} has format_version {v!r}; this version of framing reads "
                         f"1 to {FORMAT_VERSION} (upgrade framing or retrain)")
    missing = [k for k in ("method", "labels", "thresholds", "level", "pooling", "max_length",
                           "stride") if k not in meta]
    if missing:
        raise _err(root, f"{META_FILE} lacks the key(s) {missing}")
    if meta["method"] not in METHODS:
        raise _err(root, f"unknown method {meta['method']!r}; expected one of {METHODS}")
    labels = meta["labels"]
    if not isinstance(labels, list) or not labels or not all(
            isinstance(x, str) and x for x in labels) or len(set(labels)) != len(labels):
        raise _err(root, "'labels' must be a non-empty list of distinct strings")
    th = meta["thresholds"]
    if not isinstance(th, dict) or set(th) != set(labels):
        raise _err(root, "'thresholds' must have exactly one entry per label")
    if not all(isinstance(t, (int, float)) and 0 < t <= 1 for t in th.values()):
        raise _err(root, "every threshold must be a number in (0, 1]")
    if meta["level"] not in LEVELS:
        raise _err(root, f"'level' must be one of {LEVELS}, found {meta['level']!r}")
    if meta["pooling"] not in POOLINGS:
        raise _err(root, f"'pooling' must be one of {POOLINGS}, found {meta['pooling']!r}")
    ml, st = meta["max_length"], meta["stride"]
    if not isinstance(ml, int) or not isinstance(st, int) or ml < 8 or not 0 <= st < ml:
        raise _err(root, f"'max_length' ({ml!r}) and 'stride' ({st!r}) must be integers with "
                         "0 <= stride < max_length")


def _check_transformer_files(root: Path, n_labels: int) -> None:
    cfg = _read_json(root / "config.json", "model config", root)
    if not isinstance(cfg, dict):
        raise _err(root, "config.json must hold a JSON object")
    weights = root / WEIGHTS["transformer"]
    if not weights.is_file():
        raise _err(root, f"the weights file '{weights.name}' is missing (was the model copied "
                         "without it, or is it git-ignored? rebuild or retrain the model)")
    if not any((root / f).is_file() for f in TOKENIZER_FILES):
        raise _err(root, f"no tokenizer files ({' or '.join(TOKENIZER_FILES)})")
    id2label = cfg.get("id2label")
    n_cfg = len(id2label) if isinstance(id2label, dict) else cfg.get("num_labels")
    if n_cfg is not None and n_cfg != n_labels:
        raise _err(root, f"config.json has {n_cfg} labels but {META_FILE} lists {n_labels}")
    try:
        from safetensors import safe_open

        with safe_open(str(weights), framework="np") as f:
            keys = list(f.keys())
            heads = [k for k in keys if k.endswith(("classifier.weight", "score.weight",
                                                    "classifier.out_proj.weight"))]
            shape = list(f.get_slice(heads[-1]).get_shape()) if heads else None
    except Exception as e:  # SafetensorError, OSError: truncated or not a safetensors file
        raise _err(root, f"the weights file '{weights.name}' is unreadable ({e})") from None
    if shape is None:
        raise _err(root, f"'{weights.name}' has no classification head (is it a bare encoder?)")
    if shape[0] != n_labels:
        raise _err(root, f"the classification head in '{weights.name}' has {shape[0]} outputs "
                         f"but {META_FILE} lists {n_labels} labels")


class FrameModel:
    """A loaded frame model (transformer or TF-IDF) with one predictor API.

    Attributes: ``labels``, ``thresholds`` (array, label order), ``level``, ``pooling``,
    ``max_length``, ``stride``, ``method``, ``meta`` (the whole ``framing_model.json``),
    ``codebook`` (or None), ``fusion`` (or None), ``path``.
    """

    def __init__(self, meta: dict[str, Any], *, path: Path | None = None, model: Any = None,
                 tokenizer: Any = None, estimator: Any = None,
                 codebook: Codebook | None = None) -> None:
        self.meta = meta
        self.path = path
        self.labels: list[str] = list(meta["labels"])
        self.thresholds = np.array([float(meta["thresholds"][lab]) for lab in self.labels])
        self.method: str = meta["method"]
        self.level: str = meta["level"]
        self.pooling: str = meta["pooling"]
        self.max_length: int = int(meta["max_length"])
        self.stride: int = int(meta["stride"])
        self.model = model
        self.tokenizer = tokenizer
        self.estimator = estimator
        self.codebook = codebook
        fz = meta.get("fusion")
        self.fusion: Fusion | None = Fusion.from_dict(fz, self.labels) if fz else None
        self.precision = "fp32"
        if self.method == "transformer":
            from framing.train.transformer import resolve_precision

            self.precision = resolve_precision()

    # ----- loading ---------------------------------------------------------------------------
    @classmethod
    def load(cls, path: str | Path) -> FrameModel:
        """Load and validate a model directory; ``[E301]`` explains what is wrong."""
        root = Path(path)
        if not root.exists():
            raise _err(root, "the directory does not exist")
        if not root.is_dir():
            raise _err(root, "it is a file, not a model directory")
        meta = _read_json(root / META_FILE, "the model description", root)
        check_meta(meta, root)
        labels: list[str] = meta["labels"]
        codebook = None
        if (root / "codebook.json").is_file():
            try:
                codebook = Codebook.load(root / "codebook.json")
            except FramingError as e:
                raise _err(root, f"its codebook.json is invalid: {e}") from None
            unknown = [lab for lab in labels if lab not in codebook]
            if unknown:
                raise _err(root, f"label(s) {unknown} are not frames of its codebook.json")
        if meta.get("fusion"):
            try:
                Fusion.from_dict(meta["fusion"], labels)
            except (ValueError, KeyError, TypeError) as e:
                raise _err(root, f"the 'fusion' block of {META_FILE} is malformed ({e})") from None
        if meta["method"] == "transformer":
            _check_transformer_files(root, len(labels))
            from framing.train.transformer import configure_threads, load_encoder

            configure_threads()
            try:
                tok, model = load_encoder(root)
            except FramingError:
                raise
            except Exception as e:  # OSError, ValueError from transformers
                raise _err(root, f"transformers could not load the weights ({e})") from None
            model.eval()
            return cls(meta, path=root, model=model, tokenizer=tok, codebook=codebook)
        from framing.train.tfidf import TfidfFrameClassifier

        skops = root / WEIGHTS["tfidf"]
        if not skops.is_file():
            raise _err(root, f"the weights file '{skops.name}' is missing")
        try:
            est = TfidfFrameClassifier.load(skops)
        except Exception as e:  # skops raises many kinds on a broken file
            raise _err(root, f"'{skops.name}' could not be loaded ({e})") from None
        if est.n_labels_ != len(labels):
            raise _err(root, f"'{skops.name}' predicts {est.n_labels_} labels but {META_FILE} "
                             f"lists {len(labels)}")
        return cls(meta, path=root, estimator=est, codebook=codebook)

    # ----- prediction -----------------------------------------------------------------------
    def predict_proba(self, texts: Sequence[str], batch_size: int = 32,
                      precision: str | None = None) -> np.ndarray:
        """Probabilities ``(len(texts), len(labels))``. Transformer: windows of long texts
        pooled, batches sorted by length with dynamic padding, ``torch.inference_mode``, in
        ``precision`` (default ``self.precision``; ``mixed`` runs fp32 here, see
        :func:`framing.train.transformer.resolve_precision` and :meth:`undecided`)."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, len(self.labels)))
        if self.method == "tfidf":
            return np.asarray(self.estimator.predict_proba(texts), dtype=np.float64)
        from framing.train.transformer import predict_proba

        prec = precision or self.precision
        return predict_proba(self.model, self.tokenizer, texts, self.max_length, self.stride,
                             self.pooling, batch_size, "fp32" if prec == "mixed" else prec)

    def undecided(self, p: np.ndarray, r: np.ndarray, margin: float,
                  lift: Callable[[np.ndarray], np.ndarray] | None = None) -> np.ndarray:
        """Rows whose decisions an error of up to ``margin`` in the logit of ``p`` could change:
        some label's classifier decision (``p >= thresholds``) or fused decision (after
        ``lift``) differs between the two ends, ``sigmoid(logit(p) -/+ margin)``. Fusion is
        monotone in ``p``, so the other rows get the same labels from any ``p`` within the
        margin. (The logit scale, because reduced precision errs in the logits: a fixed margin
        in probability would re-check every near-zero probability of a label with a low
        threshold.)"""
        p = np.clip(np.asarray(p, dtype=np.float64), 1e-12, 1 - 1e-12)
        z = np.log(p / (1 - p))
        lo, hi = 1 / (1 + np.exp(-(z - margin))), 1 / (1 + np.exp(-(z + margin)))
        out = ((lo >= self.thresholds) != (hi >= self.thresholds)).any(axis=1)
        lift = lift or (lambda x: x)
        f_lo, f_hi = lift(self.fuse(lo, r)), lift(self.fuse(hi, r))
        th = self.fused_thresholds
        return np.asarray(out | ((f_lo >= th) != (f_hi >= th)).any(axis=1))

    def predict(self, texts: Sequence[str], batch_size: int = 32) -> list[list[str]]:
        """Labels at or above their thresholds, per text."""
        hits = self.predict_proba(texts, batch_size) >= self.thresholds
        return [[lab for lab, h in zip(self.labels, row, strict=True) if h] for row in hits]

    def fuse(self, p: np.ndarray, r: np.ndarray) -> np.ndarray:
        """Fused probabilities from classifier ``p`` and rule scores ``r`` (``p`` if no fusion)."""
        return np.asarray(p, dtype=np.float64) if self.fusion is None else self.fusion.apply(p, r)

    @property
    def fused_thresholds(self) -> np.ndarray:
        return self.thresholds if self.fusion is None else self.fusion.threshold_array()

    def rules_codebook(self) -> Codebook | None:
        """The codebook whose rules go with this model: its own, else the default one when every
        label is a default frame, else None."""
        if self.codebook is not None:
            return self.codebook
        default = Codebook.default()
        return default if all(lab in default for lab in self.labels) else None

    # ----- description and copying ------------------------------------------------------------
    @property
    def name(self) -> str:
        return str(self.meta.get("name") or (self.path.name if self.path else "model"))

    def info(self) -> dict[str, Any]:
        """What goes into the ``model`` field of results."""
        base = self.meta.get("base_model") or {}
        return {"name": self.name, "path": str(self.path) if self.path else None,
                "method": self.method,
                "base_model": base.get("name") if isinstance(base, dict) else base,
                "level": self.level, "labels": len(self.labels),
                "data_fingerprint": (self.meta.get("data") or {}).get("fingerprint"),
                "fusion": self.fusion is not None, "precision": self.precision,
                "created": self.meta.get("created")}

    def copy_to(self, dest: str | Path) -> None:
        """Copy the model directory (all its files) to ``dest``."""
        if self.path is None:
            raise ValueError("this model has no directory to copy; save it first")
        dest = Path(dest)
        if dest.resolve() == self.path.resolve():
            return
        dest.mkdir(parents=True, exist_ok=True)
        for f in self.path.iterdir():
            if f.is_file():
                shutil.copy2(f, dest / f.name)
