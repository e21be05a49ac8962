"""``train()`` and ``evaluate()`` for every task: labelled rows in, a model directory out.

Steps (the head of the task does the parts marked *head*): check the settings and options
(an option the task does not have is ``[E413]``); refuse to clobber a directory that is not a
model directory; *head*: read the rows, hold out dev rows unless dev data is given, fix the
label set; fit the transformer with the one training loop (:mod:`framing.models.loop`), the
TF-IDF baseline or the frozen-encoder estimator (:mod:`framing.models.embed`), or, with
``method="auto"``, each of them within a time budget, keeping the best on dev
(:mod:`framing.models.auto`); *head*: tune the decisions on dev, evaluate on dev and test;
fit and report the prior and TF-IDF baselines on the same rows, warning when the model does
not beat them (:mod:`framing.models.baselines`); write weights,
``framing_model.json``, ``metrics.json`` and the ``README.md`` card into a temporary directory
that replaces ``out`` at the end; reload it (it must pass its own checks).

Example:
    >>> import tempfile, pathlib
    >>> from framing.models import train
    >>> from framing.models.frames import FrameSettings
    >>> rows = [{"text": "Leave it to the states.", "labels": ["federalism"]},
    ...         {"text": "Police arrested dozens.", "labels": ["crime_and_punishment"]}] * 10
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "tfidf"
    >>> res = train("frames", rows, out, FrameSettings(method="tfidf"), progress=False)
    >>> res.model.labels
    ['crime_and_punishment', 'federalism']
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from framing.errors import Errors, FramingError
from framing.models import directory as mdir
from framing.models.metrics import label_report
from framing.models.registry import get_head
from framing.models.settings import Settings, reject_options
from framing.version import __version__

if TYPE_CHECKING:
    from framing.models.head import TaskHead

MIN_ROWS = 4
Log = Callable[[str], None]


@dataclass
class TrainResult:
    """Where the model went, the loaded model, and what it scored."""

    path: Path
    model: Any
    metrics: dict[str, Any]
    seconds: float


@dataclass
class Run:
    """The state of one training run, filled step by step by the trainer and the head."""

    head: TaskHead
    cfg: Settings
    out: Path
    log: Log
    progress: bool = True
    options: dict[str, Any] = field(default_factory=dict)
    train: Any = None
    dev: Any = None
    test: Any = None
    labels: list[str] = field(default_factory=list)
    y_train: Any = None
    #: what the head scores dev predictions against (labels, or a 0/1 matrix)
    dev_gold: Any = None
    dev_source: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    network: Any = None
    tokenizer: Any = None
    estimator: Any = None
    dev_probs: np.ndarray | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def dev_inputs(self) -> list[Any] | None:
        return self.dev.inputs if self.dev is not None else None


def _head(task: str | TaskHead) -> TaskHead:
    return get_head(task) if isinstance(task, str) else task


def common_meta(run: Run, name: str | None) -> dict[str, Any]:
    """The ``framing_model.json`` keys every task writes (the head adds its own)."""
    tr, cfg = run.train, run.cfg
    return {
        "format": mdir.FORMAT, "format_version": mdir.FORMAT_VERSION, "task": run.head.task,
        "framing_version": __version__, "name": name or run.out.name, "method": cfg.method,
        "labels": run.labels, "max_length": cfg.max_length, "stride": cfg.stride,
        "base_model": None, "training": cfg.to_dict(),
        "data": {"source": tr.source, "n_rows": len(tr), "fingerprint": tr.fingerprint(),
                 "dev_source": run.dev_source,
                 "n_dev": len(run.dev) if run.dev is not None else 0,
                 "test_source": run.test.source if run.test is not None else None},
        "created": None}


def train(task: str | TaskHead, data: Any, out: str | Path, settings: Settings | None = None,
          *, eval_data: Any = None, test_data: Any = None, overwrite: bool = False,
          progress: bool = True, log: Log | None = None, name: str | None = None,
          notes: str | None = None, extra_meta: dict[str, Any] | None = None,
          **options: Any) -> TrainResult:
    """Train a model of ``task`` and write its directory (see the module docstring).

    Args:
        task: a task name (``frames``, ``stance``, ...) or head.
        data: training rows (a path, the task's rows object, or row dicts).
        out: the model directory to write.
        settings: the task's settings (its defaults when None).
        eval_data: dev rows; default: a held-out part of ``data``.
        test_data: held-out rows, reported in ``metrics.json`` and the card.
        overwrite: replace ``out`` when it is a model directory.
        log: receives progress lines.
        name: model name for the card and results (default: the directory name).
        notes: Markdown appended to the card.
        extra_meta: merged into ``framing_model.json`` (e.g. the recipe).
        options: the task's own options (``head.train_options``: e.g. ``codebook`` for frames,
            ``dev_docs`` for stance); others are ``[E413]``.
    """
    t0 = time.perf_counter()
    head = _head(task)
    cfg = settings if settings is not None else head.settings_class()
    if type(cfg) is not head.settings_class:
        raise FramingError(Errors.E414.format(kind=type(cfg).__name__, task=head.task,
                                              want=head.settings_class.__name__))
    reject_options([k for k, v in options.items() if v is not None
                    and k not in head.train_options], head.task)
    out = Path(out)
    mdir.prepare_out(out, overwrite, [data, eval_data, test_data,
                                      *(options.get(k) for k in head.input_options)])
    if cfg.method not in head.methods:
        raise FramingError(Errors.E418.format(method=cfg.method, task=head.task,
                                              methods=", ".join(head.methods)))
    run = Run(head, cfg, out, log or (lambda s: None), progress, options)
    head.prepare(run, data, eval_data, test_data, options)
    meta = common_meta(run, name)
    for k, v in run.meta.items():  # the head's keys; its "data" keys join the common ones
        if k == "data":
            meta["data"].update(v)
        else:
            meta[k] = v
    run.meta = meta
    if extra_meta:
        run.meta.update(extra_meta)
    from framing.models import baselines

    if cfg.method == "auto":
        from framing.models.auto import choose

        run, tried = choose(run, t0, fit_model)
    else:
        fit_model(run)
        run.meta["created"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
        head.finish(run)
        tried = {}
    if run.cfg.baselines:
        baselines.report(run, tried, fit_model)
    run.meta["training"]["seconds"] = round(time.perf_counter() - t0, 1)
    run.metrics["history"] = run.meta["training"].get("history", [])
    run.metrics["seconds"] = run.meta["training"]["seconds"]
    write(run, notes)
    from framing.models.model import Model

    loaded = Model.load(out)  # the directory must pass its own validation
    return TrainResult(out, loaded, run.metrics, round(time.perf_counter() - t0, 1))


def fit_model(run: Run) -> None:
    """The transformer through the one loop, or the estimator (TF-IDF, fast)."""
    head, cfg = run.head, run.cfg
    if cfg.method == "transformer":
        from framing.models.encoders import resolve_base_model
        from framing.models.loop import fit

        base = resolve_base_model(cfg.base_model)
        run.meta["base_model"] = base.to_dict()
        run.log(f"fine-tuning {base.name} ({base.source}) {head.describe_fit(run)}"
                + (f", dev {len(run.dev)} rows" if run.dev is not None else ""))
        res = fit(head, run.train.inputs, run.y_train, run.dev_inputs, run.dev_gold,
                  run.labels, cfg, base, progress=run.progress, log=run.log)
        run.network, run.tokenizer, run.dev_probs = res.model, res.tokenizer, res.dev_probs
        run.meta["training"].update(epochs=res.epochs, epochs_auto=cfg.epochs is None,
                                    epochs_run=len(res.history), best_epoch=res.best_epoch,
                                    history=res.history, threads=res.threads)
        return
    if cfg.method == "fast":
        from framing.models.encoders import resolve_base_model

        base = resolve_base_model(cfg.base_model)
        run.meta["base_model"] = base.to_dict()
        run.log(f"embedding with the frozen encoder {base.name} ({base.source}) and fitting "
                f"one logistic regression per label {head.describe_fit(run)}")
    else:
        run.log(f"fitting the TF-IDF baseline {head.describe_fit(run)}")
    te = time.perf_counter()
    est = head.estimator(cfg)
    est.fit(run.train.inputs, head.tfidf_targets(run))
    run.meta["training"]["fit_seconds"] = round(time.perf_counter() - te, 1)
    chosen_c = getattr(est, "chosen_C_", None)
    if chosen_c is not None:  # fast: the strengths cross-validation chose, per label
        run.meta["training"]["fast_chosen_c"] = dict(zip(run.labels, chosen_c, strict=True))
    run.estimator = est


def model_of(run: Run, meta: dict[str, Any] | None = None, **extra: Any) -> Any:
    """The model being trained, as its task's model class (for tuning and evaluation)."""
    return run.head.model_class(meta if meta is not None else run.meta, model=run.network,
                                tokenizer=run.tokenizer, estimator=run.estimator,
                                head=run.head, **extra)


def write(run: Run, notes: str | None) -> None:
    head = run.head

    def fill(tmp: Path) -> None:
        if run.cfg.method == "transformer":
            head.save_network(run.network, run.tokenizer, tmp)
        elif hasattr(run.estimator, "save_dir"):  # fast: encoder files + heads
            run.estimator.save_dir(tmp)
        else:
            run.estimator.save(tmp / mdir.WEIGHTS["tfidf"])
        head.write_extras(run, tmp)
        mdir.write_json(tmp / mdir.META_FILE, run.meta)
        mdir.write_json(tmp / "metrics.json", run.metrics)
        (tmp / "README.md").write_text(head.card(run.meta, run.metrics, notes),
                                       encoding="utf-8")

    mdir.write_atomic(run.out, fill)


def log_reports(run: Run, keys: tuple[str, ...], line: Callable[[dict[str, Any]], str]) -> None:
    for key in keys:
        rep = run.metrics.get(key)
        if rep:
            run.log(f"{key}: {line(rep)}")


# ----- single-label tasks (LabelHead) -----------------------------------------------------------


def prepare_label_run(head: Any, run: Run, data: Any, eval_data: Any, test_data: Any,
                      options: dict[str, Any]) -> None:
    """Rows, a seeded dev split (``eval_split``, default 0.15, when no dev rows are given),
    and the labels the training rows use (at least two)."""
    cfg = run.cfg
    run.train = head.read(data, options)
    run.dev = head.read(eval_data, options) if eval_data is not None else None
    run.test = head.read(test_data, options) if test_data is not None else None
    run.dev_source = run.dev.source if run.dev is not None else None
    split = cfg.eval_split if cfg.eval_split is not None else (0.15 if run.dev is None else 0.0)
    if run.dev is None and split > 0:
        run.train, run.dev = run.train.split(split, cfg.seed)
        run.dev_source = f"{split:.0%} of the training rows (seed {cfg.seed})"
    run.labels = run.train.used_labels()
    if len(run.train) < MIN_ROWS or len(run.labels) < 2:
        raise FramingError(Errors.E415.format(need=MIN_ROWS, task=head.task, n=len(run.train),
                                              counts=run.train.label_counts()))
    for d in (run.dev, run.test):
        extra = [lab for lab in (d.used_labels() if d is not None else []) if lab not in
                 run.labels]
        if extra:
            raise FramingError(Errors.E407.format(labels=", ".join(extra),
                                                  known=", ".join(run.labels)))
    if run.dev is not None and not len(run.dev):
        run.dev = None
    run.y_train = run.train.y(run.labels)
    run.dev_gold = run.dev.labels if run.dev is not None else None
    run.meta = {"decision": {"how": "argmax"},
                "data": {"label_counts": run.train.label_counts()}}


def finish_label_run(head: Any, run: Run) -> Any:
    labels = run.labels
    run.meta["data"] = {**run.meta.get("data", {}), "label_counts": run.train.label_counts()}
    model = model_of(run)
    run.metrics = {"n_rows": {"train": len(run.train),
                              "dev": len(run.dev) if run.dev is not None else None,
                              "test": len(run.test) if run.test is not None else None},
                   "label_counts": {k: (d.label_counts() if d is not None else None) for k, d in
                                    (("train", run.train), ("dev", run.dev),
                                     ("test", run.test))},
                   "dev": None, "test": None}
    for key, d in (("dev", run.dev), ("test", run.test)):
        if d is not None and len(d):
            run.metrics[key] = label_report(d.labels, model.predict(d.inputs), labels)
    log_reports(run, ("dev", "test"), lambda r: f"accuracy {r['accuracy']:.3f}  macro-F1 "
                                                f"{r['macro_f1']:.3f}  (n {r['n']})")
    return model


# ----- evaluation -----------------------------------------------------------------------------
def evaluate(data: Any, model: Any, **options: Any) -> Any:
    """Evaluate a model (a directory or a loaded model of any task) on labelled ``data``;
    ``options`` are the task's (``head.eval_options``; others are ``[E413]``)."""
    from framing.models.model import Model

    m = model if isinstance(model, Model) else Model.load(model)
    reject_options([k for k, v in options.items() if v is not None
                    and k not in m.head.eval_options], m.head.task)
    return m.head.evaluate(m, data, {k: v for k, v in options.items() if v is not None})
