"""The frames head: multi-label classification of sentences or documents into codebook frames.

What it adds to the core: one sigmoid per frame (BCE loss; an input longer than one window is
pooled by ``max`` of the window logits or ``mean`` of the window probabilities), each label's
output bias started at its base rate, per-label thresholds tuned on dev (the rule of
:mod:`framing.models.metrics`), the rules+classifier fusion fitted on dev when the labels have
codebook rules (:mod:`framing.models.frames.fusion`), labels closed over codebook parents, and
the frames card. Training steps: read and check the rows (labels against the codebook when one
is given, parents added); split off dev rows unless dev data is given; fit; tune thresholds;
fit the fusion; evaluate classifier, rules and fused on dev and test.

Example:
    >>> from framing.models.registry import get_head
    >>> get_head("frames").settings_class.__name__
    'FrameSettings'
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from framing.codebook import Codebook
from framing.errors import Errors, FramingError
from framing.models import directory as mdir
from framing.models.frames.data import (
    LabelledData,
    check_labels,
    close_labels,
    read_labelled,
    resolve_label_set,
    split_eval,
)
from framing.models.frames.fusion import Fusion
from framing.models.frames.model import FrameModel
from framing.models.frames.settings import DEFAULT_EVAL_SPLIT, LEVELS, FrameSettings
from framing.models.head import Log, Loss, TaskHead
from framing.models.inference import POOLINGS, TOKENS_PER_WINDOW, Windows, length_batches, pool
from framing.models.metrics import THRESHOLD_RULE, multilabel_report, tune_thresholds
from framing.models.registry import register_task
from framing.models.settings import Settings
from framing.models.trainer import MIN_ROWS, Run, log_reports, model_of


def _data(d: Any, text_field: str, labels_field: str) -> LabelledData:
    if isinstance(d, LabelledData):
        return d
    if isinstance(d, str | Path):
        return read_labelled(d, text_field, labels_field)
    return LabelledData.from_rows(list(d))


def _codebook(cb: str | Path | Codebook | None) -> Codebook | None:
    if cb is None or isinstance(cb, Codebook):
        return cb
    return Codebook.load(cb)


class FramesHead(TaskHead):
    """See the module docstring."""

    task: ClassVar[str] = "frames"
    settings_class: ClassVar[type[Settings]] = FrameSettings
    model_class = FrameModel
    noun: ClassVar[str] = "texts"
    problem_type: ClassVar[str] = "multi_label_classification"
    default_batch_size: ClassVar[int] = 32
    train_options: ClassVar[tuple[str, ...]] = ("codebook", "text_field", "labels_field")
    input_options: ClassVar[tuple[str, ...]] = ("codebook",)
    eval_options: ClassVar[tuple[str, ...]] = ("compare_rules", "batch_size", "text_field",
                                               "labels_field")
    meta_keys: ClassVar[tuple[str, ...]] = ("method", "labels", "thresholds", "level",
                                             "pooling", "max_length", "stride")
    methods: ClassVar[tuple[str, ...]] = ("transformer", "tfidf", "fast", "auto")

    # ----- the network ---------------------------------------------------------------------
    def init_training(self, model: Any, y: np.ndarray, cfg: Settings, log: Log) -> None:
        """Each label's output bias starts at its base rate (rare labels do not have to unlearn
        0.5 first); then the shared set-up (frozen word embeddings)."""
        import torch

        prior = np.clip(np.asarray(y, dtype=np.float32).mean(axis=0), 1e-3, 1 - 1e-3)
        head = getattr(model, "classifier", None)
        bias = getattr(head, "bias", None) if head is not None else None
        if isinstance(bias, torch.nn.Parameter) and bias.shape[0] == y.shape[1]:
            with torch.no_grad():
                bias.copy_(torch.from_numpy(np.log(prior / (1 - prior))))
        super().init_training(model, y, cfg, log)

    def activate(self, logits: Any) -> Any:
        import torch

        return torch.sigmoid(logits)

    def window_pooling(self, params: Any) -> str:
        return f"scores pooled with {params.pooling}"

    def pool(self, window_scores: np.ndarray, win: Windows, n: int, params: Any) -> np.ndarray:
        return pool(window_scores, win.owner, n, params.pooling)

    def batches(self, lengths: Sequence[int], batch_size: int) -> list[list[int]]:
        """Windows of similar length, up to ``batch_size * TOKENS_PER_WINDOW`` padded tokens:
        about ``batch_size`` sentences of average length, more short ones (at most four
        times as many), fewer long ones."""
        return length_batches(lengths, 4 * batch_size,
                              max_tokens=batch_size * TOKENS_PER_WINDOW)

    def target_tensor(self, y: np.ndarray) -> Any:
        import torch

        return torch.from_numpy(np.asarray(y, dtype=np.float32))

    def loss(self, y: np.ndarray, labels: Sequence[str], cfg: Settings, log: Log) -> Loss:
        import torch

        bce = torch.nn.BCEWithLogitsLoss()
        pooling = getattr(cfg, "pooling", "max")

        def loss(logits: Any, target: Any, counts: list[int] | None) -> Any:
            if counts is None:  # one window per text (the usual case)
                return bce(logits, target)
            pooled, pos = [], 0
            for n in counts:
                seg = logits[pos:pos + n]
                pos += n
                pooled.append(seg.max(dim=0).values if pooling == "max"
                              else torch.sigmoid(seg).mean(dim=0))
            stacked = torch.stack(pooled)
            if pooling == "max":
                return bce(stacked, target)
            return torch.nn.functional.binary_cross_entropy(stacked.clamp(1e-6, 1 - 1e-6),
                                                            target)

        return loss

    def dev_score(self, labels: Sequence[str], gold: Any, probs: np.ndarray, cfg: Settings
                  ) -> tuple[float, dict[str, Any], str]:
        """Dev micro-F1 at thresholds tuned on dev."""
        th = tune_thresholds(gold, probs, min_positives=getattr(cfg, "min_positives", 5))
        rep = multilabel_report(gold, probs >= th.thresholds, labels)
        return (rep["micro_f1"], {"dev_micro_f1": rep["micro_f1"],
                                  "dev_macro_f1": rep["macro_f1"]},
                f"dev micro-F1 {rep['micro_f1']:.3f}  macro-F1 {rep['macro_f1']:.3f}")

    # ----- the directory ---------------------------------------------------------------------
    def check_meta(self, meta: dict[str, Any], root: Any) -> None:
        super().check_meta(meta, root)
        labels = meta["labels"]
        th = meta["thresholds"]
        if not isinstance(th, dict) or set(th) != set(labels):
            raise mdir.model_error(root, "'thresholds' must have exactly one entry per label")
        if not all(isinstance(t, (int, float)) and 0 < t <= 1 for t in th.values()):
            raise mdir.model_error(root, "every threshold must be a number in (0, 1]")
        if meta["level"] not in LEVELS:
            raise mdir.model_error(root, f"'level' must be one of {LEVELS}, found "
                                         f"{meta['level']!r}")
        if meta["pooling"] not in POOLINGS:
            raise mdir.model_error(root, f"'pooling' must be one of {POOLINGS}, found "
                                         f"{meta['pooling']!r}")
        if meta.get("fusion"):
            try:
                Fusion.from_dict(meta["fusion"], labels)
            except (ValueError, KeyError, TypeError) as e:
                raise mdir.model_error(root, f"the 'fusion' block of {mdir.META_FILE} is "
                                             f"malformed ({e})") from None

    def load_extras(self, meta: dict[str, Any], root: Any) -> dict[str, Any]:
        """The model's ``codebook.json`` (when it has one), checked against its labels."""
        codebook = None
        if (Path(root) / "codebook.json").is_file():
            try:
                codebook = Codebook.load(Path(root) / "codebook.json")
            except FramingError as e:
                raise mdir.model_error(root, f"its codebook.json is invalid: {e}") from None
            unknown = [lab for lab in meta["labels"] if lab not in codebook]
            if unknown:
                raise mdir.model_error(root, f"label(s) {unknown} are not frames of its "
                                             "codebook.json")
        return {"codebook": codebook}

    # ----- the TF-IDF baseline -------------------------------------------------------------
    def tfidf_estimator(self, cfg: Settings) -> Any:
        from framing.models.tfidf import TfidfMultiLabel

        return TfidfMultiLabel(C=cfg.tfidf_c, min_df=cfg.tfidf_min_df, seed=cfg.seed)

    def tfidf_targets(self, run: Run) -> Any:
        return run.y_train

    def load_tfidf(self, path: Any) -> Any:
        from framing.models.tfidf import TfidfMultiLabel

        return TfidfMultiLabel.load(path)

    def fast_estimator(self, cfg: Settings) -> Any:
        from framing.models.embed import EmbeddingMultiLabel
        from framing.models.encoders import resolve_base_model

        assert cfg.max_length is not None and cfg.stride is not None
        return EmbeddingMultiLabel(resolve_base_model(cfg.base_model).path, C=cfg.fast_c,
                                   max_length=cfg.max_length, stride=cfg.stride, seed=cfg.seed)

    def describe_fit(self, run: Run) -> str:
        return f"on {len(run.train)} rows, {len(run.labels)} labels"

    # ----- training ----------------------------------------------------------------------------
    def prepare(self, run: Run, data: Any, eval_data: Any, test_data: Any,
                options: dict[str, Any]) -> None:
        cfg, log = run.cfg, run.log
        assert isinstance(cfg, FrameSettings)
        fields = (options.get("text_field") or "text", options.get("labels_field") or "labels")
        cb = _codebook(options.get("codebook"))
        train_d = _data(data, *fields)
        dev_d = _data(eval_data, *fields) if eval_data is not None else None
        test_d = _data(test_data, *fields) if test_data is not None else None
        closure = False
        if cb is not None:
            for d in (train_d, dev_d, test_d):
                if d is not None:
                    check_labels(d, cb.frame_ids)
            closure = any(f.parent for f in cb.frames)
            if closure:
                train_d, n = close_labels(train_d, cb)
                if n:
                    log(f"added parent frames (codebook '{cb.name}') to {n} training rows")
                dev_d = close_labels(dev_d, cb)[0] if dev_d is not None else None
                test_d = close_labels(test_d, cb)[0] if test_d is not None else None
        labels = resolve_label_set(train_d, cb)
        for d in (dev_d, test_d):
            if d is None:
                continue
            if cb is None:  # no codebook: an unseen label is most likely a typo
                check_labels(d, labels)
            else:
                unseen = sorted(set(d.used_labels()) - set(labels))
                if unseen:
                    log(f"{d.source}: frames with no training example are not scored: "
                        f"{', '.join(unseen)}")
        if cb is not None:
            absent = [f for f in cb.frame_ids if f not in labels]
            if absent:
                log(f"codebook frames with no training example are not learned: "
                    f"{', '.join(absent)}")
        split = cfg.eval_split if cfg.eval_split is not None else (
            DEFAULT_EVAL_SPLIT if dev_d is None else 0.0)
        run.dev_source = dev_d.source if dev_d is not None else None
        if dev_d is None and split > 0:
            train_d, dev_d = split_eval(train_d, split, cfg.seed)
            run.dev_source = f"{split:.0%} of the training file (seed {cfg.seed})"
        y_train = train_d.matrix(labels)
        if len(train_d) < MIN_ROWS or not labels or y_train.sum() == 0:
            raise FramingError(Errors.E408.format(need=MIN_ROWS, n=len(train_d),
                                                  n_pos=int(y_train.sum())))
        y_dev = dev_d.matrix(labels) if dev_d is not None and len(dev_d) else None
        if y_dev is None:
            dev_d = None
            log("no dev data: thresholds stay at 0.5, no early stopping, no fusion")
        # the rules that go with these labels: the given codebook, else the default one if
        # it fits
        rules_cb = cb
        if rules_cb is None:
            default = Codebook.default()
            rules_cb = default if all(lab in default for lab in labels) else None
        run.train, run.dev, run.test, run.labels = train_d, dev_d, test_d, labels
        run.y_train, run.dev_gold = y_train, y_dev
        run.extra.update(codebook=cb, rules_codebook=rules_cb)
        run.meta = {
            "level": cfg.level, "thresholds": {},
            "threshold_rule": THRESHOLD_RULE.format(k=cfg.min_positives),
            "min_positives": cfg.min_positives, "pooling": cfg.pooling, "label_closure": closure,
            "codebook": f"{rules_cb.name}@{rules_cb.version}" if rules_cb is not None else None,
            "data": {"label_counts": {lab: int(c) for lab, c in
                                      zip(labels, y_train.sum(axis=0), strict=True)}},
            "fusion": None}

    def finish(self, run: Run) -> FrameModel:
        from framing.models.frames.evaluation import evaluate_block
        from framing.models.frames.rules import rule_scores

        cfg, meta, labels, log = run.cfg, run.meta, run.labels, run.log
        assert isinstance(cfg, FrameSettings)
        cb, rules_cb = run.extra["codebook"], run.extra["rules_codebook"]
        dev_d, test_d, y_dev = run.dev, run.test, run.dev_gold
        meta["thresholds"] = {lab: 0.5 for lab in labels}
        dev_probs = run.dev_probs
        if dev_d is not None and y_dev is not None:
            if dev_probs is None:
                dev_probs = model_of(run, codebook=cb).predict_proba(dev_d.texts)
            th = tune_thresholds(y_dev, dev_probs, min_positives=cfg.min_positives)
            meta["thresholds"] = th.as_dict(labels)
            fb = [lab for lab, h in zip(labels, th.how, strict=True) if h == "fallback"]
            if fb:
                log(f"threshold 0.5 (fewer than {cfg.min_positives} dev positives): "
                    f"{', '.join(fb)}")
            if rules_cb is not None:
                r_dev = rule_scores(dev_d.texts, rules_cb, labels, cfg.level)
                fz = Fusion.fit(labels, dev_probs, r_dev, y_dev, level=cfg.level,
                                min_positives=cfg.min_positives, p_thresholds=th.thresholds)
                meta["fusion"] = fz.to_dict()
        fm = model_of(run, codebook=cb)
        counts = lambda d: ({lab: int(c) for lab, c in  # noqa: E731
                             zip(labels, d.matrix(labels).sum(axis=0), strict=True)}
                            if d is not None else None)
        run.metrics = {
            "n_rows": {"train": len(run.train), "dev": len(dev_d) if dev_d is not None else None,
                       "test": len(test_d) if test_d is not None else None},
            "label_counts": {"train": meta["data"]["label_counts"], "dev": counts(dev_d),
                             "test": counts(test_d)},
            "dev": (evaluate_block(fm, dev_d, labels, rules_cb, dev_probs)
                    if dev_d is not None else None),
            "test": evaluate_block(fm, test_d, labels, rules_cb) if test_d is not None else None,
        }

        def line(block: dict[str, Any]) -> str:
            c = block["classifier"]
            msg = f"classifier micro-F1 {c['micro_f1']:.3f} macro-F1 {c['macro_f1']:.3f}"
            if block["fused"]:
                msg += (f" | rules {block['rules']['micro_f1']:.3f}/"
                        f"{block['rules']['macro_f1']:.3f} | fused "
                        f"{block['fused']['micro_f1']:.3f}/{block['fused']['macro_f1']:.3f}")
            return msg

        log_reports(run, ("dev", "test"), line)
        return fm

    def write_extras(self, run: Run, path: Any) -> None:
        rules_cb = run.extra.get("rules_codebook")
        if rules_cb is not None:
            rules_cb.to_json(Path(path) / "codebook.json")

    def card(self, meta: dict[str, Any], metrics: dict[str, Any], notes: str | None) -> str:
        from framing.models.frames.card import render_card

        return render_card(meta, metrics, notes)

    def evaluate(self, model: Any, data: Any, options: dict[str, Any]) -> Any:
        from framing.models.frames.evaluation import evaluate

        return evaluate(data, model, **options)


register_task(FramesHead)
