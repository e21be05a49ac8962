"""The task-head protocol: what a task adds to the one core (directory, loop, inference).

A head says how its task's rows are read and split, how inputs become token windows, what the
network and its loss are, how window scores pool into one score per input, how decisions are
tuned on dev data and scored, and what its model card says. Everything else -- the model
directory, seeding, threads, the optimiser, early stopping, batching, precision, the atomic
write -- is the core's and is shared by every task.

:class:`TaskHead` holds the parts every transformer head shares (a sequence-classification
network over single texts, windows, token-budget batches). :class:`LabelHead` is a complete head
for single-label classification of texts (softmax over ``labels``, class-weighted
cross-entropy, argmax): a new task of that kind is one subclass and one registration
(:func:`framing.models.registry.register_task`); the stance head extends it with pairs, a tuned
decision rule and document pooling, and the frames head replaces it with multi-label sigmoids,
thresholds and rule fusion.

Example:
    >>> from framing.models.head import LabelHead
    >>> from framing.models.registry import register_task
    >>> class Genre(LabelHead):
    ...     task = "genre_demo"
    ...     labels = ("news", "opinion")
    >>> register_task(Genre).task
    'genre_demo'
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from framing.models import directory as mdir
from framing.models.data import LabelRows
from framing.models.inference import (
    BATCH_TOKENS,
    Windows,
    encode_windows,
    length_batches,
    score_windows,
)
from framing.models.metrics import label_report
from framing.models.settings import Settings

if TYPE_CHECKING:
    from framing.models.model import Model
    from framing.models.trainer import Run

Log = Callable[[str], None]
Loss = Callable[[Any, Any, "list[int] | None"], Any]


class TaskHead:
    """The protocol, with the defaults a sequence-classification head over single texts
    uses. Subclasses set :attr:`task`, :attr:`settings_class`, :attr:`model_class` and
    override what differs."""

    #: the task name written to ``framing_model.json`` and used by ``--task``
    task: ClassVar[str] = ""
    settings_class: ClassVar[type[Settings]] = Settings
    model_class: ClassVar[type[Model]]
    #: what one input is called in logs
    noun: ClassVar[str] = "texts"
    progress_label: ClassVar[str] = "epoch"
    problem_type: ClassVar[str] = "single_label_classification"
    #: inputs per inference batch when the caller does not say
    default_batch_size: ClassVar[int] = 64
    #: ``train()`` keyword options beyond the settings, and ``evaluate()`` options
    train_options: ClassVar[tuple[str, ...]] = ()
    eval_options: ClassVar[tuple[str, ...]] = ()
    #: the train options that name input files (never written over)
    input_options: ClassVar[tuple[str, ...]] = ()
    #: keys a model directory of this task must have in ``framing_model.json``
    meta_keys: ClassVar[tuple[str, ...]] = ("method", "labels", "max_length", "stride")
    #: skops types the TF-IDF estimator may contain
    tfidf_trusted: ClassVar[tuple[str, ...]] = ()
    #: the training methods this task offers (``fast`` and ``auto`` need :meth:`fast_estimator`)
    methods: ClassVar[tuple[str, ...]] = ("transformer", "tfidf")

    # ----- the network ---------------------------------------------------------------------
    def new_network(self, base_path: Any, labels: Sequence[str]) -> tuple[Any, Any]:
        """Tokenizer and a fresh network with a head of ``len(labels)`` outputs on the encoder
        at ``base_path`` (no remote code)."""
        from transformers import AutoModelForSequenceClassification

        from framing.models.encoders import load_tokenizer

        tok = load_tokenizer(base_path)
        model = AutoModelForSequenceClassification.from_pretrained(
            base_path, local_files_only=True, trust_remote_code=False,
            num_labels=len(labels), problem_type=self.problem_type,
            id2label=dict(enumerate(labels)), label2id={lab: i for i, lab in enumerate(labels)},
            ignore_mismatched_sizes=True)
        return tok, model

    def load_network(self, root: Any, labels: Sequence[str]) -> tuple[Any, Any]:
        """Tokenizer and trained network of a model directory (without transformers'
        modelling code where :mod:`framing.models.lite` runs it: same numbers, quicker
        start-up)."""
        from framing.models import lite

        if lite.usable(root) and lite.is_sequence_classifier(root):
            return lite.LiteTokenizer(root), lite.sequence_classifier(root)
        from transformers import AutoModelForSequenceClassification

        from framing.models.encoders import load_tokenizer

        tok = load_tokenizer(root)
        model = AutoModelForSequenceClassification.from_pretrained(
            root, local_files_only=True, trust_remote_code=False)
        return tok, model

    def save_network(self, model: Any, tokenizer: Any, path: Any) -> None:
        model.save_pretrained(path)
        tokenizer.save_pretrained(path)

    def init_training(self, model: Any, y: np.ndarray, cfg: Settings, log: Log) -> None:
        """Before the first step: freeze the word embeddings (``freeze_embeddings``)."""
        if cfg.freeze_embeddings:
            emb = model.get_input_embeddings()
            if emb is not None:
                emb.weight.requires_grad_(False)

    def encode(self, tokenizer: Any, inputs: Sequence[Any], params: Any) -> Windows:
        """Token windows of ``inputs`` (``params`` has ``max_length`` and ``stride``)."""
        return encode_windows(tokenizer, list(inputs), params.max_length, params.stride)

    def logits(self, model: Any, ids: Any, mask: Any, types: Any) -> Any:
        return model(input_ids=ids, attention_mask=mask).logits

    def activate(self, logits: Any) -> Any:
        """What inference keeps of each window's logits (before pooling)."""
        return logits

    def window_pooling(self, params: Any) -> str:
        return "logits averaged"

    def pool(self, window_scores: np.ndarray, win: Windows, n: int, params: Any) -> np.ndarray:
        """One row per input from its windows' activated scores: mean logits, softmax."""
        sums = np.zeros((n, window_scores.shape[1]))
        np.add.at(sums, win.owner, window_scores)
        z = sums / np.maximum(win.counts(n).reshape(-1, 1), 1)
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return np.asarray(e / e.sum(axis=1, keepdims=True))

    def batches(self, lengths: Sequence[int], batch_size: int) -> list[list[int]]:
        return length_batches(lengths, batch_size, max_tokens=BATCH_TOKENS)

    def predict_network(self, model: Any, tokenizer: Any, inputs: Sequence[Any], params: Any,
                        batch_size: int | None = None, precision: str = "fp32") -> np.ndarray:
        """Probabilities ``(len(inputs), n_labels)`` of a network (training or loaded)."""
        n_out = int(model.config.num_labels)
        if not len(inputs):
            return np.zeros((0, n_out))
        win = self.encode(tokenizer, inputs, params)
        pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
        batches = self.batches([len(s) for s in win.input_ids],
                               batch_size or self.default_batch_size)
        scores = score_windows(lambda *b: self.activate(self.logits(model, *b).float()), model,
                               win, pad_id, n_out, batches, precision)
        return self.pool(scores, win, len(inputs), params)

    # ----- training ------------------------------------------------------------------------
    def target_tensor(self, y: np.ndarray) -> Any:
        import torch

        return torch.from_numpy(np.asarray(y, dtype=np.int64))

    def loss(self, y: np.ndarray, labels: Sequence[str], cfg: Settings, log: Log) -> Loss:
        """Cross-entropy (class weights from ``cfg.class_weight`` when the settings have it)
        on the mean of an input's window logits."""
        import torch

        w = class_weights(np.asarray(y), len(labels), getattr(cfg, "class_weight", "none"))
        ce = torch.nn.CrossEntropyLoss(
            weight=torch.tensor(w, dtype=torch.float32) if w is not None else None)
        if w is not None:
            log("class weights: " + ", ".join(f"{lab} {x:.2f}"
                                              for lab, x in zip(labels, w, strict=True)))

        def loss(logits: Any, target: Any, counts: list[int] | None) -> Any:
            if counts is not None:  # some input has several windows: average them
                pooled, pos = [], 0
                for n in counts:
                    pooled.append(logits[pos:pos + n].mean(dim=0))
                    pos += n
                logits = torch.stack(pooled)
            return ce(logits, target)

        return loss

    def dev_score(self, labels: Sequence[str], gold: Any, probs: np.ndarray, cfg: Settings
                  ) -> tuple[float, dict[str, Any], str]:
        """The early-stopping score on dev data, what goes into the history, and a log line."""
        rep = label_report(gold, self.decide(labels, self.tune(labels, gold, probs, cfg),
                                             probs), labels)
        return (rep["macro_f1"], {"dev_macro_f1": rep["macro_f1"],
                                  "dev_accuracy": rep["accuracy"]},
                f"dev macro-F1 {rep['macro_f1']:.3f}  acc {rep['accuracy']:.3f}")

    # ----- decisions -------------------------------------------------------------------------
    def tune(self, labels: Sequence[str], gold: Any, probs: np.ndarray, cfg: Settings
             ) -> dict[str, Any]:
        """The decision state tuned on dev (stored under ``decision``): argmax needs none."""
        return {"how": "argmax"}

    def decide(self, labels: Sequence[str], decision: dict[str, Any], probs: np.ndarray
               ) -> list[str]:
        return [labels[int(i)] for i in np.asarray(probs).argmax(axis=1)]

    # ----- the directory -------------------------------------------------------------------
    def check_meta(self, meta: dict[str, Any], root: Any) -> None:
        """Task checks of a parsed ``framing_model.json`` (``[E301]`` on a problem)."""
        mdir.require_keys(meta, root, self.meta_keys)
        mdir.check_method_and_labels(meta, root)
        mdir.check_windows(meta, root)

    def load_extras(self, meta: dict[str, Any], root: Any) -> dict[str, Any]:
        """Keyword arguments for the model class beyond the weights (e.g. a codebook)."""
        return {}

    # ----- the TF-IDF baseline -------------------------------------------------------------
    def tfidf_estimator(self, cfg: Settings) -> Any:
        from framing.models.tfidf import TfidfLabelClassifier

        return TfidfLabelClassifier(C=cfg.tfidf_c, min_df=cfg.tfidf_min_df, seed=cfg.seed,
                                    classes=getattr(self, "labels", ()))

    def tfidf_targets(self, run: Run) -> Any:
        """What the TF-IDF estimator is fitted on besides the inputs."""
        return run.train.labels

    def load_tfidf(self, path: Any) -> Any:
        from framing.models.tfidf import TfidfLabelClassifier

        return TfidfLabelClassifier.load(path)

    # ----- the estimators (methods other than fine-tuning) -----------------------------------
    def estimator(self, cfg: Settings) -> Any:
        """The unfitted estimator of ``cfg.method`` (``tfidf`` or ``fast``)."""
        return self.fast_estimator(cfg) if cfg.method == "fast" else self.tfidf_estimator(cfg)

    def fast_estimator(self, cfg: Settings) -> Any:
        """The frozen-encoder estimator (:mod:`framing.models.embed`) of a task that offers
        ``fast`` (see :attr:`methods`)."""
        raise NotImplementedError(f"{self.task} has no fast method")

    def load_estimator(self, method: str, root: Any) -> Any:
        """The fitted estimator of a model directory of ``method`` (``tfidf`` or ``fast``)."""
        if method == "fast":
            from framing.models.embed import EmbeddingMultiLabel

            return EmbeddingMultiLabel.load(root)
        return self.load_tfidf(Path(root) / mdir.WEIGHTS["tfidf"])

    def describe_fit(self, run: Run) -> str:
        """How the fitting is announced in the log (after "fine-tuning BASE" or "fitting the
        TF-IDF baseline")."""
        return f"on {len(run.train)} {self.noun}, {len(run.labels)} labels"

    # ----- training orchestration (see framing.models.trainer) -----------------------------
    def prepare(self, run: Run, data: Any, eval_data: Any, test_data: Any,
                options: dict[str, Any]) -> None:
        """Read the rows into ``run`` (train / dev / test, labels, targets ``y``)."""
        raise NotImplementedError

    def finish(self, run: Run) -> Model:
        """Tune the decisions on dev, evaluate, fill ``run.meta`` and ``run.metrics``; return
        the model as it will be saved."""
        raise NotImplementedError

    def write_extras(self, run: Run, path: Any) -> None:
        """Files beyond weights, description, metrics and card (e.g. ``codebook.json``)."""

    def card(self, meta: dict[str, Any], metrics: dict[str, Any], notes: str | None) -> str:
        from framing.models.card import generic_card

        return generic_card(meta, metrics, notes)

    # ----- evaluation ------------------------------------------------------------------------
    def evaluate(self, model: Model, data: Any, options: dict[str, Any]) -> dict[str, Any]:
        """The JSON report of ``model`` on labelled ``data``."""
        raise NotImplementedError


def class_weights(y: np.ndarray, n_labels: int, how: str) -> np.ndarray | None:
    """Loss weights per class: ``balanced`` = n / (k * n_c), ``sqrt`` its square root."""
    if how == "none":
        return None
    counts = np.bincount(y, minlength=n_labels).astype(np.float64)
    w = len(y) / (n_labels * np.maximum(counts, 1.0))
    return np.sqrt(w) if how == "sqrt" else w


class LabelHead(TaskHead):
    """Single-label classification of texts: set :attr:`task` and :attr:`labels` (the
    classes, in column order) and register it. Rows have a text and a label field
    (``label_field``, default ``label``); labels are matched case-insensitively."""

    labels: ClassVar[tuple[str, ...]] = ()
    label_field: ClassVar[str] = "label"
    train_options: ClassVar[tuple[str, ...]] = ("text_field", "label_field")
    eval_options: ClassVar[tuple[str, ...]] = ("text_field", "label_field")
    meta_keys: ClassVar[tuple[str, ...]] = ("method", "labels", "decision", "max_length",
                                             "stride")
    rows_class: ClassVar[type[LabelRows]] = LabelRows

    def __init__(self) -> None:
        from framing.models.model import LabelModel

        if not getattr(type(self), "model_class", None):
            type(self).model_class = LabelModel

    def read(self, data: Any, options: dict[str, Any]) -> LabelRows:
        """``data`` (a path, :class:`LabelRows` or row dicts) as rows of this task."""
        return self.rows_class.coerce(data, self.labels, options.get("text_field") or "text",
                                      options.get("label_field") or self.label_field)

    def prepare(self, run: Run, data: Any, eval_data: Any, test_data: Any,
                options: dict[str, Any]) -> None:
        from framing.models.trainer import prepare_label_run

        prepare_label_run(self, run, data, eval_data, test_data, options)

    def finish(self, run: Run) -> Model:
        from framing.models.trainer import finish_label_run

        return finish_label_run(self, run)

    def evaluate(self, model: Model, data: Any, options: dict[str, Any]) -> dict[str, Any]:
        rows = self.read(data, options)
        pred = self.decide(model.labels, model.meta.get("decision") or {},
                           model.predict_proba(rows.inputs))
        rep = label_report(rows.labels, pred, model.labels)
        rep["labels"] = list(model.labels)
        return rep
