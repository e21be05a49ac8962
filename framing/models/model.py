"""A loaded model directory of any task, with one predictor API.

:meth:`Model.load` reads and checks the directory (:mod:`framing.models.directory`), lets the
task's head check its own keys, loads the weights (transformer network + tokenizer, or the
TF-IDF estimator through the skops allow list) and returns the task's model class:
:func:`framing.models.load_model` picks the class from the directory's ``task``.

Example:
    >>> from framing.models import load_model
    >>> m = load_model("models/frames-default")                         # doctest: +SKIP
    >>> type(m).__name__, m.predict_proba(["Leave it to the states."]).shape  # doctest: +SKIP
    ('FrameModel', (1, 17))
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from framing.errors import Errors, FramingError
from framing.models import directory as mdir
from framing.models.inference import configure_threads, resolve_precision

if TYPE_CHECKING:
    from framing.models.head import TaskHead


class Model:
    """A model directory's contents: ``meta`` (the whole ``framing_model.json``), ``labels``,
    ``method``, ``max_length``, ``stride``, ``path``, and the network + ``tokenizer``
    (transformer) or ``estimator`` (TF-IDF, fast). Subclasses add the task's decision
    state."""

    #: the task this class loads (None: whatever task a head using this class has)
    task: ClassVar[str | None] = None

    def __init__(self, meta: dict[str, Any], *, path: Path | None = None, model: Any = None,
                 tokenizer: Any = None, estimator: Any = None, head: TaskHead | None = None
                 ) -> None:
        from framing.models.registry import get_head

        self.meta = meta
        self.path = path
        self.head: TaskHead = head or get_head(mdir.task_of(meta))
        self.labels: list[str] = list(meta["labels"])
        self.method: str = meta["method"]
        self.max_length = int(meta["max_length"])
        self.stride = int(meta["stride"])
        self.model = model
        self.tokenizer = tokenizer
        self.estimator = estimator
        self.precision = resolve_precision() if self.method == "transformer" else "fp32"

    # ----- loading ---------------------------------------------------------------------------
    @classmethod
    def load(cls, path: str | Path) -> Any:
        """Load and validate a model directory of this class's task; ``[E301]`` says what is
        wrong, ``[E306]`` that it holds another task's model."""
        from framing.models.registry import get_head

        root, meta = mdir.read_meta(path)
        task = mdir.task_of(meta)
        if cls.task is not None and task != cls.task:
            raise cls.wrong_task(root, task)
        head = get_head(task, root)
        if not issubclass(head.model_class, cls):
            raise cls.wrong_task(root, task)
        return head.model_class.from_directory(root, meta, head)

    @classmethod
    def wrong_task(cls, root: Path, task: str) -> FramingError:
        return FramingError(Errors.E306.format(path=root, task=task, want=cls.task or "this"))

    @classmethod
    def from_directory(cls, root: Path, meta: dict[str, Any], head: TaskHead) -> Any:
        """The model of a directory whose description was read (see :meth:`load`)."""
        head.check_meta(meta, root)
        extras = head.load_extras(meta, root)
        n = len(meta["labels"])
        if meta["method"] == "transformer":
            mdir.check_transformer_files(root, n)
            configure_threads()
            try:
                tok, net = head.load_network(root, meta["labels"])
            except FramingError:
                raise
            except Exception as e:  # OSError, ValueError from transformers or safetensors
                raise mdir.model_error(root, f"the weights could not be loaded ({e})") from None
            net.eval()
            return cls(meta, path=root, model=net, tokenizer=tok, head=head, **extras)
        weights = root / mdir.WEIGHTS[meta["method"]]
        if not weights.is_file():
            raise mdir.model_error(root, f"the weights file '{weights.name}' is missing")
        try:
            est = head.load_estimator(meta["method"], root)
        except FramingError:
            raise
        except Exception as e:  # skops / safetensors / transformers raise many kinds
            raise mdir.model_error(root, f"'{weights.name}' could not be loaded ({e})") from None
        named = getattr(est, "labels_", None)
        if named is not None and list(named) != list(meta["labels"]):
            raise mdir.model_error(root, f"'{weights.name}' predicts {list(named)} but "
                                         f"{mdir.META_FILE} lists {meta['labels']}")
        if est.n_labels_ != n:
            raise mdir.model_error(root, f"'{weights.name}' predicts {est.n_labels_} labels "
                                         f"but {mdir.META_FILE} lists {n}")
        return cls(meta, path=root, estimator=est, head=head, **extras)

    # ----- prediction -------------------------------------------------------------------------
    def check_inputs(self, inputs: Sequence[Any]) -> list[Any]:
        """The inputs as the model reads them (a task may normalise or check them)."""
        return list(inputs)

    def predict_proba(self, inputs: Sequence[Any], batch_size: int | None = None,
                      precision: str | None = None) -> np.ndarray:
        """Probabilities ``(len(inputs), len(labels))``: long inputs as windows pooled by the
        head, batches sorted by length with dynamic padding, ``torch.inference_mode``, in
        ``precision`` (default ``self.precision``; ``mixed`` runs fp32 here: the re-check
        needs the task's decisions, see :func:`framing.models.inference.rescore_mixed`)."""
        items = self.check_inputs(inputs)
        if not items:
            return np.zeros((0, len(self.labels)))
        if self.method != "transformer":  # tfidf, fast: a scikit-learn style estimator
            return np.asarray(self.estimator.predict_proba(items), dtype=np.float64)
        prec = precision or self.precision
        return self.head.predict_network(self.model, self.tokenizer, items, self,
                                         batch_size, "fp32" if prec == "mixed" else prec)

    # ----- description and copying ------------------------------------------------------------
    @property
    def name(self) -> str:
        return str(self.meta.get("name") or (self.path.name if self.path else "model"))

    def info(self) -> dict[str, Any]:
        """What goes into the ``model`` field of results."""
        base = self.meta.get("base_model") or {}
        return {"name": self.name, "path": str(self.path) if self.path else None,
                "task": self.head.task, "method": self.method,
                "base_model": base.get("name") if isinstance(base, dict) else base,
                "labels": len(self.labels),
                "data_fingerprint": (self.meta.get("data") or {}).get("fingerprint"),
                "created": self.meta.get("created")}

    def copy_to(self, dest: str | Path) -> None:
        """Copy the model directory (all its files) to ``dest``."""
        mdir.copy_dir(self.path, dest)


def load_model(path: str | Path) -> Any:
    """Load any model directory: the class follows its ``task`` (frames: :class:`~framing.
    models.frames.FrameModel`, stance: :class:`~framing.models.stance.StanceModel`, ...)."""
    return Model.load(path)


class LabelModel(Model):
    """A single-label model (:class:`~framing.models.head.LabelHead`): ``predict`` gives one
    label per input under the decision tuned on dev."""

    def predict(self, inputs: Sequence[Any], batch_size: int | None = None) -> list[str]:
        decision = self.meta.get("decision") or {}
        return self.head.decide(self.labels, decision, self.predict_proba(inputs, batch_size))
