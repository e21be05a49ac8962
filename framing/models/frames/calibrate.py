"""Domain calibration: fit per-label gates on a labelled sample of the texts a model will read.

A model fine-tuned on one kind of text is over-confident on another. ``calibrate`` runs the
model and the rule layer on a few hundred labelled sentences (or documents, for a document
model) from the target domain, fits one :class:`~framing.models.frames.fusion.Gate` per label
(how sure the classifier must be with strong, weak or no rule evidence), and writes them into
the model's ``framing_model.json`` (``fusion.gates``) together with a ``calibration`` record (data
fingerprint, rows, labels, before/after counts). The model card gets a "Domain calibration"
section. Only labels with enough positives and negatives in the sample are gated; the others
keep the fusion fitted at train time.

The before/after figures are measured on the calibration sample itself, so they are optimistic;
evaluate on held-out texts of the same domain (the default model: ``scripts/eval_realdev.py
--half heldout``).

Example:
    >>> from framing.models.frames.calibrate import calibrate
    >>> rep = calibrate("sample.jsonl", "models/mine", labels=["federalism"])  # doctest: +SKIP
    >>> sorted(rep["labels"]["federalism"])  # doctest: +SKIP
    ['after', 'before', 'gate', 'rules']
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from framing.codebook import Codebook
from framing.errors import Errors, FramingError
from framing.models.directory import META_FILE
from framing.models.frames.data import LabelledData, close_labels, read_labelled
from framing.models.frames.fusion import Fusion, fit_gate
from framing.models.frames.model import FrameModel
from framing.models.frames.rules import rule_scores
from framing.models.metrics import prf

#: A label is gated only with at least this many positive and negative calibration rows.
MIN_CALIBRATION = 10
_CARD_SECTION = "## Domain calibration"


def _counts(y: np.ndarray, pred: np.ndarray) -> dict[str, Any]:
    p, r, f1, sup = prf(y, pred)
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f1, 4),
            "tp": int(np.sum(y & pred)), "fp": int(np.sum(~y & pred)),
            "fn": int(np.sum(y & ~pred)), "support": sup}


def prepare(fm: FrameModel, d: LabelledData) -> tuple[LabelledData, list[str]]:
    """Labels closed as in training; labels the model does not predict are dropped (only the
    gated labels matter here) and returned, sorted, so the report can say so."""
    known = set(fm.labels) | (set(fm.codebook.frame_ids) if fm.codebook is not None else set())
    bad = sorted({lab for labs in d.labels for lab in labs if lab not in known})
    if bad:
        raise FramingError(Errors.E412.format(
            path=fm.path, detail=f"the data uses label(s) {bad} that are neither the model's "
                                 "labels nor frames of its codebook"))
    if fm.meta.get("label_closure") and fm.codebook is not None:
        d = close_labels(d, fm.codebook)[0]
    dropped = sorted({lab for labs in d.labels for lab in labs if lab not in fm.labels})
    if dropped:
        d = LabelledData(d.texts, [[lab for lab in labs if lab in fm.labels] for labs in d.labels],
                         d.source, d.where)
    return d, dropped


def model_scores(fm: FrameModel, d: LabelledData, batch_size: int
                  ) -> tuple[Codebook, np.ndarray, np.ndarray]:
    """The model's rule codebook, classifier probabilities and rule scores of ``d``."""
    cb = fm.rules_codebook()
    if cb is None:
        raise FramingError(Errors.E412.format(
            path=fm.path, detail="the model has no codebook.json and its labels are not "
                                 "default frames, so there are no rules to gate on"))
    p = fm.predict_proba(d.texts, batch_size=batch_size)
    return cb, p, rule_scores(d.texts, cb, fm.labels, fm.level)


def _ungated(fm: FrameModel) -> Fusion:
    """The model's fusion without gates (the classifier alone when it has none)."""
    if fm.fusion is None:
        return Fusion(list(fm.labels), {lab: None for lab in fm.labels},
                      dict(zip(fm.labels, fm.thresholds.tolist(), strict=True)), fm.level)
    return Fusion(list(fm.labels), dict(fm.fusion.coefs), dict(fm.fusion.thresholds),
                  fm.fusion.level, fm.fusion.min_positives)


def _effect(labels: Sequence[str], gated: Fusion, cb: Codebook, p: np.ndarray, r: np.ndarray,
            y: np.ndarray) -> dict[str, Any]:
    """Per gated label: its bars, and the counts of the rules, the fusion before the gates and
    after them."""
    plain = Fusion(list(labels), gated.coefs, gated.thresholds, gated.level,
                   gated.min_positives)
    before = plain.apply(p, r) >= plain.threshold_array()
    after = gated.apply(p, r) >= gated.threshold_array()
    rule_pred = r >= np.array([cb.threshold(lab) if lab in cb else 0.5 for lab in labels])
    out: dict[str, Any] = {}
    for lab, gate in gated.gates.items():
        j = list(labels).index(lab)
        out[lab] = {"gate": {k: v for k, v in gate.to_dict().items() if k != "calibration"},
                    "rules": _counts(y[:, j], rule_pred[:, j]),
                    "before": _counts(y[:, j], before[:, j]),
                    "after": _counts(y[:, j], after[:, j])}
    return out


def calibrate(data: str | Path | LabelledData, model: str | Path, *,
              labels: Sequence[str] | None = None, out: str | Path | None = None,
              source: str | None = None, heldout: str | Path | LabelledData | None = None,
              heldout_source: str | None = None, batch_size: int = 32,
              text_field: str = "text", labels_field: str = "labels",
              beta: float = 1.0) -> dict[str, Any]:
    """Fit gates on ``data`` and write them into the model (in place, or a copy at ``out``).
    With ``heldout`` (other labelled texts of the same domain), the report and the card also
    give rules / before / after on those.

    ``beta``: the gates maximise F-beta (1: F1; below 1 favours precision, i.e. fewer texts
    flagged that do not have the label). ``labels``: the labels to gate (default: every label
    with at least ``MIN_CALIBRATION``
    positives and negatives in ``data``). ``source`` describes the data in the card. Returns the
    report (also stored under ``calibration`` in ``framing_model.json``).
    """
    if not (isinstance(beta, (int, float)) and 0 < beta <= 10):
        raise FramingError(Errors.E412.format(
            path=model, detail=f"beta must be a number in (0, 10], got {beta!r}"))
    fm = FrameModel.load(model)
    assert fm.path is not None
    if out is not None:
        fm.copy_to(out)
        fm = FrameModel.load(out)
        assert fm.path is not None
    d = data if isinstance(data, LabelledData) else read_labelled(data, text_field, labels_field)
    d, dropped = prepare(fm, d)
    y = d.matrix(fm.labels).astype(bool)
    n_pos = y.sum(axis=0)
    if labels:
        unknown = [lab for lab in labels if lab not in fm.labels]
        if unknown:
            raise FramingError(Errors.E412.format(
                path=fm.path, detail=f"unknown label(s) {unknown}; the model knows "
                                     f"{', '.join(fm.labels)}"))
        chosen = list(dict.fromkeys(labels))
    else:
        chosen = [lab for j, lab in enumerate(fm.labels)
                  if n_pos[j] >= MIN_CALIBRATION and len(d) - n_pos[j] >= MIN_CALIBRATION]
    few = [lab for lab in chosen if n_pos[fm.labels.index(lab)] < MIN_CALIBRATION
           or len(d) - n_pos[fm.labels.index(lab)] < MIN_CALIBRATION]
    if few or not chosen:
        raise FramingError(Errors.E412.format(
            path=fm.path, detail=f"each gated label needs at least {MIN_CALIBRATION} positive "
                                 f"and {MIN_CALIBRATION} negative rows in the {len(d)} rows "
                                 f"given; too few for: {few or 'every label'}"))
    cb, p, r = model_scores(fm, d, batch_size)
    fusion = _ungated(fm)
    for lab in chosen:
        j = fm.labels.index(lab)
        fusion.gates[lab] = fit_gate(p[:, j], r[:, j], y[:, j],
                                     cb.threshold(lab) if lab in cb else 0.5, beta=beta)
    per_label = _effect(fm.labels, fusion, cb, p, r, y)
    report: dict[str, Any] = {
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "source": source or (str(data) if not isinstance(data, LabelledData) else None),
        "fingerprint": d.fingerprint(), "rows": len(d), "beta": beta, "labels": per_label,
        "ignored_labels": dropped,
        "note": "before/after are measured on the calibration rows themselves (optimistic); "
                "'heldout', when present, on other texts of the same domain"}
    if heldout is not None:
        h = heldout if isinstance(heldout, LabelledData) else read_labelled(
            heldout, text_field, labels_field)
        h = prepare(fm, h)[0]
        _, hp, hr = model_scores(fm, h, batch_size)
        report["heldout"] = {"source": heldout_source or h.source, "rows": len(h),
                             "labels": _effect(fm.labels, fusion, cb, hp, hr,
                                               h.matrix(fm.labels).astype(bool))}
    assert fm.path is not None
    root: Path = fm.path
    meta = dict(fm.meta)
    meta["fusion"] = fusion.to_dict()
    meta["calibration"] = report
    (root / META_FILE).write_text(json.dumps(meta, indent=1, ensure_ascii=False) + "\n",
                                  encoding="utf-8")
    FrameModel.load(root)  # validates what was written
    _update_card(root / "README.md", report)
    return report


def card_section(report: dict[str, Any]) -> str:
    """The model card's "Domain calibration" section for a calibration report."""
    lines = [_CARD_SECTION, "",
             f"Gated on {report['rows']} labelled rows of the target domain "
             f"({report.get('source') or 'user data'}; fingerprint "
             f"`{str(report['fingerprint'])[:16]}…`, {report['created']}). A gated label needs "
             "a more confident classifier where the rules found less evidence; the bars "
             f"maximise F-beta with beta = {report.get('beta', 1.0):g}"
             f"{' (precision weighted)' if report.get('beta', 1.0) < 1 else ''}; figures are "
             "on the calibration rows themselves (optimistic).", "",
             "| label | bars (strong / weak / none) | rules P/R | before P/R | after P/R |",
             "|---|---|---|---|---|"]
    for lab, v in report["labels"].items():
        g = v["gate"]

        def pr(m: dict[str, Any]) -> str:
            return f"{m['precision']:.2f} / {m['recall']:.2f}"

        def bar(t: float) -> str:
            return "never" if t > 1 else f"{t:.2f}"

        lines.append(f"| {lab} | {bar(g['strong'])} / {bar(g['weak'])} / {bar(g['none'])} | "
                     f"{pr(v['rules'])} | {pr(v['before'])} | {pr(v['after'])} |")
    ho = report.get("heldout")
    if ho:
        lines += ["", f"Held out: {ho['rows']} other rows of the same domain "
                      f"({ho.get('source') or 'user data'}), not used for the gates.", "",
                  "| label | support | rules P/R/F1 | before P/R/F1 | after P/R/F1 |",
                  "|---|---|---|---|---|"]
        for lab, v in ho["labels"].items():
            lines.append(f"| {lab} | {v['after']['support']} | " + " | ".join(
                f"{v[k]['precision']:.2f} / {v[k]['recall']:.2f} / {v[k]['f1']:.2f}"
                for k in ("rules", "before", "after")) + " |")
    return "\n".join(lines) + "\n"


def _update_card(path: Path, report: dict[str, Any]) -> None:
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    text = re.sub(rf"\n?{re.escape(_CARD_SECTION)}\n.*?(?=\n## |\Z)", "", text, flags=re.S)
    path.write_text(text.rstrip("\n") + "\n\n" + card_section(report), encoding="utf-8")
