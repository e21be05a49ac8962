"""The card (``README.md``) of a frame model directory, written from its metadata and metrics
so that it never disagrees with them (shared pieces: :mod:`framing.models.card`).

Example:
    >>> from framing.models.frames.card import render_card
    >>> callable(render_card)
    True
"""

from __future__ import annotations

from typing import Any

from framing.models.auto import card_section as auto_lines
from framing.models.baselines import card_section as baseline_lines
from framing.models.card import counts_table, data_rows, metrics_table, training_row

_METHOD_TEXT = {
    "transformer": "a transformer encoder fine-tuned for multi-label classification "
                   "(one sigmoid output per frame)",
    "tfidf": "the TF-IDF baseline: word 1-2 gram TF-IDF features and one logistic regression "
             "per frame",
    "fast": "a frozen sentence encoder (mean and max of its window embeddings) with one "
            "class-balanced logistic regression per frame",
}


def _summary(block: dict[str, Any], baseline: dict[str, Any] | None = None) -> str:
    lines = ["| scorer | micro-F1 | macro-F1 | n |", "|---|---:|---:|---:|"]
    rows = [(name, block.get(name)) for name in ("classifier", "rules", "fused")]
    if baseline:
        rows.append((f"{baseline['method']} baseline", baseline["report"]))
    for name, rep in rows:
        if rep:
            lines.append(f"| {name} | {rep['micro_f1']:.3f} | {rep['macro_f1']:.3f} | "
                         f"{rep['n']} |")
    return "\n".join(lines)


def render_card(meta: dict[str, Any], metrics: dict[str, Any], notes: str | None = None) -> str:
    """The card's Markdown."""
    name = meta.get("name") or "frame model"
    method = meta["method"]
    base = meta.get("base_model") or {}
    labels = meta["labels"]
    counts = metrics.get("label_counts") or {}
    out: list[str] = [f"# Frame classifier: {name}", ""]
    out.append(f"This model is {_METHOD_TEXT[method]}"
               + (f", {'starting from' if method == 'transformer' else 'on'} "
                  f"`{base.get('name')}` ({base.get('source')})"
                  if method in ("transformer", "fast") and base else "")
               + f". It labels **{meta['level']}s** with {len(labels)} frames. Built by "
               f"`framing train` (framing {meta.get('framing_version')}) on "
               f"{meta.get('created')}.")
    out += ["", "| | |", "|---|---|",
            f"| method | {method} |",
            f"| level | {meta['level']} |",
            f"| labels | {', '.join(labels)} |",
            f"| codebook | {meta.get('codebook') or 'none (labels from the data)'} |",
            *data_rows(meta),
            f"| windows | max_length {meta['max_length']} tokens, stride {meta['stride']}, "
            f"pooling {meta['pooling']} |", *training_row(meta, metrics)]
    out += ["", "## Intended use", "",
            f"Tagging {meta['level']}s of English opinion writing and news with the frames "
            "above, for research and newsroom analysis of how issues are framed: prevalence "
            "across outlets and over time, and finding passages to read. Load it with "
            "`framing.load(model=DIR)` (rules + classifier, fused) or `framing score --model "
            "DIR`; evaluate it on your own labelled data with `framing evaluate DATA --model "
            "DIR`. A label is assigned when the score reaches the label's threshold "
            "(`framing_model.json`). It is not meant for decisions about individual people or "
            "authors.", "",
            "## Data", ""]
    if counts:
        splits = [s for s in ("train", "dev", "test") if counts.get(s) is not None]
        out += [*counts_table(labels, counts, splits), ""]
        out.append("Rows: " + ", ".join(f"{s} {metrics.get('n_rows', {}).get(s)}"
                                        for s in splits) + ".")
        out.append("")
    out += ["## Evaluation", "", *baseline_lines(metrics), *auto_lines(meta)]
    for split, title in (("test", "Test (held out: the honest numbers)"),
                         ("dev", "Dev (used for early stopping, thresholds and fusion, so "
                                 "optimistic)")):
        block = metrics.get(split)
        if not block:
            continue
        base = metrics.get("baseline") or {}
        b = {"method": base["method"], "report": base[split]} if base.get(split) else None
        out += [f"### {title}", "", _summary(block, b), ""]
        extra = {k: block[k] for k in ("rules", "fused") if block.get(k)}
        out += [metrics_table(block["classifier"]["per_label"], extra), ""]
    if not metrics.get("test"):
        out += ["No test data was given: evaluate with `framing evaluate TEST --model DIR`.", ""]
    out += ["`rules` is the codebook's rule layer alone and `fused` the rules+classifier fusion "
            "that `framing.load(model=DIR)` uses"
            + ("; the baseline is trained on the same splits with the same threshold rule"
               if metrics.get("baseline") else "")
            + "; macro-F1 averages the labels present in the evaluated data.", "",
            "## Thresholds and fusion", "",
            f"Thresholds: {meta.get('threshold_rule')}.", ""]
    if meta.get("fusion"):
        out.append("Fusion: per label, a logistic regression on [logit(classifier p), rule "
                   "score, rule fired] fitted on the dev data; labels with too few dev "
                   "positives keep the classifier probability; fused thresholds tuned on dev "
                   "with the same rule. Coefficients are in `framing_model.json`.")
    else:
        out.append("Fusion: none (no dev data or no codebook rules for these labels); the "
                   "Analyzer uses the classifier probabilities.")
    out += ["", "## Limitations", "",
            "- Trained on the data above only: frames are expressed differently across issues, "
            "genres and decades, so expect lower accuracy elsewhere; check on a labelled "
            "sample of your own texts before drawing conclusions.",
            "- Dev numbers are optimistic (the same rows chose the epoch, the thresholds and "
            "the fusion); rely on test numbers, and on labels with small support not at all.",
            "- Rare labels have few examples and unstable thresholds (0.5 when fewer than "
            f"{meta.get('min_positives', 5)} dev positives).",
            f"- Texts longer than {meta['max_length']} tokens are scored as overlapping windows "
            f"pooled by {meta['pooling']}; nothing is truncated, but a frame spread thinly "
            "over a long text can be missed (max) or diluted (mean).",
            "- English only; the classifier flags whole sentences, the rules show phrases.",
            ""]
    if notes:
        out += ["## Notes", "", notes.strip(), ""]
    return "\n".join(out)
