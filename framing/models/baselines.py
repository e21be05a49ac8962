"""Honest training: every trained model is compared with two baselines on the same rows.

* **prior**: no reading at all. Multi-label tasks (frames) give every row the ``k`` labels
  most frequent in the training rows, ``k`` the mean number of labels per training row rounded
  (at least 1); single-label tasks give every row the most frequent training label.
* **tfidf**: the task's TF-IDF + logistic regression method (``--method tfidf``), trained on
  the same training rows, its decisions tuned on the same dev rows by the same rule.

Both are scored on the same dev and test rows as the model. When the model does not beat a
baseline (its main score -- micro-F1 for frames, accuracy for single-label tasks -- not above
the baseline's, or its macro-F1 below it) the run says so loudly: a ``WARNING`` line at the end
of ``framing train`` and a warning at the top of the model card. Test rows decide when there
are any; otherwise dev rows (which also chose thresholds and the epoch, so the comparison
flatters the model).

Example:
    >>> import numpy as np
    >>> from framing.models.baselines import prior_multilabel
    >>> prior_multilabel(np.array([[1, 0, 1], [1, 1, 0], [1, 0, 0]]), 2).tolist()
    [True, True, False]
"""

from __future__ import annotations

import copy
import dataclasses
import time
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from framing.models.metrics import label_report, multilabel_report

if TYPE_CHECKING:
    from framing.models.trainer import Run

#: How the prior baseline is described in the card and ``metrics.json``.
PRIOR_HOW = {
    "multi": "every row gets the {k} label(s) most frequent in the training rows ({labels}); "
             "k = mean labels per training row, rounded",
    "single": "every row gets the most frequent training label ({labels})",
}


def prior_multilabel(y_train: np.ndarray, k: int) -> np.ndarray:
    """The 0/1 row the prior predicts: the ``k`` most frequent columns of ``y_train`` (ties:
    the earlier column)."""
    freq = np.asarray(y_train).sum(axis=0)
    top = sorted(range(len(freq)), key=lambda j: (-freq[j], j))[:k]
    row = np.zeros(len(freq), dtype=bool)
    row[top] = True
    return row


def prior_k(y_train: np.ndarray) -> int:
    """Labels per row of the prior: the training mean rounded half up, at least 1."""
    mean = float(np.asarray(y_train).sum(axis=1).mean()) if len(y_train) else 1.0
    return max(1, int(np.floor(mean + 0.5)))


def derive(run: Run, method: str, log_prefix: str = "") -> Run:
    """A copy of ``run`` (same rows, labels and splits) that trains ``method``; its log lines
    get ``log_prefix``."""
    cfg = dataclasses.replace(run.cfg, method=method)
    meta = copy.deepcopy(run.meta)
    meta.update(method=method, base_model=None, training=cfg.to_dict())
    parent = run.log
    return dataclasses.replace(
        run, cfg=cfg, meta=meta, metrics={}, network=None, tokenizer=None, estimator=None,
        dev_probs=None, extra=dict(run.extra),
        log=(lambda s: parent(f"{log_prefix}{s}")) if log_prefix else parent)


def _multi(run: Run) -> bool:
    return run.y_train is not None and np.asarray(run.y_train).ndim == 2


def prior_reports(run: Run) -> dict[str, Any]:
    """The prior baseline's reports on dev and test (the head's report format)."""
    labels = run.labels
    out: dict[str, Any] = {}
    if _multi(run):
        k = prior_k(run.y_train)
        row = prior_multilabel(run.y_train, k)
        chosen = [lab for lab, h in zip(labels, row, strict=True) if h]
        out["how"] = PRIOR_HOW["multi"].format(k=k, labels=", ".join(chosen))
        for key, d in (("dev", run.dev), ("test", run.test)):
            if d is not None and len(d):
                y = d.matrix(labels)
                out[key] = multilabel_report(y, np.tile(row, (len(y), 1)), labels)
            else:
                out[key] = None
        return out
    top = Counter(run.train.labels).most_common()
    best = sorted(top, key=lambda kv: (-kv[1], labels.index(kv[0]) if kv[0] in labels
                                       else len(labels)))[0][0]
    out["how"] = PRIOR_HOW["single"].format(labels=best)
    for key, d in (("dev", run.dev), ("test", run.test)):
        out[key] = (label_report(d.labels, [best] * len(d), labels)
                    if d is not None and len(d) else None)
    return out


def headline(run: Run, block: dict[str, Any] | None) -> tuple[float, float] | None:
    """(main score, macro-F1) of a dev/test block of the model's metrics, or of a plain
    report: frames blocks hold the classifier's report under ``classifier``."""
    if not block:
        return None
    rep = block.get("classifier", block)
    if not isinstance(rep, dict) or "macro_f1" not in rep:
        return None
    main = rep.get("micro_f1", rep.get("accuracy"))
    return (float(main), float(rep["macro_f1"])) if main is not None else None


def main_name(run: Run) -> str:
    return "micro-F1" if _multi(run) else "accuracy"


def tfidf_reports(run: Run, tried: dict[str, Run], fit_model: Callable[[Run], None]
                  ) -> dict[str, Any]:
    """The TF-IDF method's dev and test blocks on the same rows (trained here unless the run
    is TF-IDF itself or ``auto`` already trained it)."""

    if run.cfg.method == "tfidf":
        sub = run
    elif "tfidf" in tried:
        sub = tried["tfidf"]
    else:
        t0 = time.perf_counter()
        sub = derive(run, "tfidf", "tfidf baseline: ")
        fit_model(sub)
        sub.head.finish(sub)
        sub.metrics["seconds"] = round(time.perf_counter() - t0, 1)
    return {"dev": sub.metrics.get("dev"), "test": sub.metrics.get("test"),
            "seconds": sub.metrics.get("seconds", sub.meta.get("training", {}).get("seconds"))}


def report(run: Run, tried: dict[str, Run], fit_model: Callable[[Run], None]) -> None:
    """Fit and score the baselines, store them in ``run.metrics["baselines"]``, log the
    comparison and the warnings (see the module docstring)."""
    mine = {k: headline(run, run.metrics.get(k)) for k in ("dev", "test")}
    if not any(mine.values()):
        run.log("baselines: no dev or test rows to compare the model with the baselines on")
        return
    split = "test" if mine["test"] else "dev"
    prior = prior_reports(run)
    tfidf = tfidf_reports(run, tried, fit_model)
    name = main_name(run)
    rows = {"prior": {"dev": prior["dev"], "test": prior["test"], "how": prior["how"]},
            "tfidf": {**tfidf, "how": "the task's TF-IDF method (--method tfidf) on the same "
                                      "training rows, decisions tuned on the same dev rows"}}
    m = mine[split]
    assert m is not None
    warnings: list[str] = []
    for bname, b in rows.items():
        if bname == "tfidf" and run.cfg.method == "tfidf":
            continue
        hb = headline(run, b.get(split))
        if hb is None:
            continue
        if m[0] <= hb[0] or m[1] < hb[1] - 1e-9:
            warnings.append(
                f"the model ({run.cfg.method}) does not beat the {bname} baseline on {split} "
                f"rows: {name} {m[0]:.3f} vs {hb[0]:.3f}, macro-F1 {m[1]:.3f} vs {hb[1]:.3f}"
                + (" -- consider --method tfidf" if bname == "tfidf" else
                   " -- its labels are no better than guessing the commonest ones"))
    run.metrics["baselines"] = {"compared_on": split, "main_metric": name, **rows,
                                "model": {"main": m[0], "macro_f1": m[1]},
                                "warnings": warnings}
    blk = run.metrics.get(split) or {}
    n = (blk.get("classifier") or blk).get("n")
    run.log(f"on {split} ({n} rows): model {name} {m[0]:.3f} macro-F1 {m[1]:.3f}"
            + "".join(f" | {bn} baseline {h[0]:.3f}/{h[1]:.3f}" for bn, b in rows.items()
                      if (h := headline(run, b.get(split))) is not None))
    for w in warnings:
        run.log(f"WARNING: {w}")


def card_section(metrics: dict[str, Any]) -> list[str]:
    """The card's Markdown lines on the baselines (empty when none were fitted)."""
    b = metrics.get("baselines")
    if not b:
        return []
    split, name = b["compared_on"], b["main_metric"]
    out = ["## Baselines", ""]
    for w in b.get("warnings", []):
        out.append(f"> **Warning:** {w}.")
    if b.get("warnings"):
        out.append("")
    caveat = " (dev also tuned the model: optimistic)" if split == "dev" else ""
    out += [f"On the {split} rows{caveat}:", "",
            f"| scorer | {name} | macro-F1 |", "|---|---:|---:|",
            f"| this model | {b['model']['main']:.3f} | {b['model']['macro_f1']:.3f} |"]
    for bn in ("prior", "tfidf"):
        rep = (b.get(bn) or {}).get(split)
        if rep:
            main = rep.get("micro_f1", rep.get("accuracy"))
            if "classifier" in rep:
                main, macro = rep["classifier"].get("micro_f1"), rep["classifier"]["macro_f1"]
            else:
                macro = rep["macro_f1"]
            out.append(f"| {bn} baseline | {main:.3f} | {macro:.3f} |")
    out += ["", f"- prior: {b['prior']['how']}.", f"- tfidf: {b['tfidf']['how']}.", ""]
    return out
