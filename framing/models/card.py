"""Model cards (``README.md`` of a model directory), written from the model's metadata and
metrics so that they never disagree: the pieces every task's card shares, and the card of a
single-label task without a card of its own.

Example:
    >>> from framing.models.card import metrics_table
    >>> print(metrics_table({"a": {"precision": 1.0, "recall": 0.5, "f1": 0.6667, "support": 2}}))
    | label | precision | recall | F1 | support |
    |---|---:|---:|---:|---:|
    | a | 1.000 | 0.500 | 0.667 | 2 |
"""

from __future__ import annotations

from typing import Any


def metrics_table(per_label: dict[str, dict[str, Any]], extra: dict[str, dict[str, Any]]
                  | None = None) -> str:
    """Markdown table of per-label precision/recall/F1/support (plus F1 columns of ``extra``)."""
    extra = extra or {}
    head = "| label | precision | recall | F1 | support |"
    sep = "|---|---:|---:|---:|---:|"
    for name in extra:
        head += f" F1 {name} |"
        sep += "---:|"
    lines = [head, sep]
    for lab, m in per_label.items():
        row = (f"| {lab} | {m['precision']:.3f} | {m['recall']:.3f} | {m['f1']:.3f} | "
               f"{m['support']} |")
        for rep in extra.values():
            row += f" {rep['per_label'][lab]['f1']:.3f} |"
        lines.append(row)
    return "\n".join(lines)


def data_rows(meta: dict[str, Any], extra: str = "") -> list[str]:
    """The card table's training-data and dev-data rows."""
    data = meta.get("data") or {}
    return [f"| training data | `{data.get('source')}`: {data.get('n_rows')} rows{extra}, sha256 "
            f"`{str(data.get('fingerprint'))[:16]}…` |",
            f"| dev data | {data.get('dev_source')}: {data.get('n_dev')} rows |"]


def training_row(meta: dict[str, Any], metrics: dict[str, Any] | None = None,
                 extra: str = "") -> list[str]:
    """The card table's training row(s): epochs, learning rate, batch, seed, time and threads
    of a transformer (``extra`` after the batch size), or the TF-IDF parameters."""
    tr = meta.get("training") or {}
    if meta["method"] == "fast":
        c = tr.get("fast_c") or "per label by 3-fold cross-validation"
        return [f"| training | frozen encoder, C {c}, class-balanced, seed "
                f"{tr.get('seed')}, {tr.get('seconds')} s |"]
    if meta["method"] != "transformer":
        return [f"| training | C {tr.get('tfidf_c')}, min_df {tr.get('tfidf_min_df')}, "
                f"seed {tr.get('seed')}, {tr.get('seconds')} s |"]
    rows = [f"| training | {tr.get('epochs_run')} of {tr.get('epochs')} epochs (best "
            f"{tr.get('best_epoch')}), lr {tr.get('lr')}, batch {tr.get('batch_size')}, "
            f"{extra}seed {tr.get('seed')}, {tr.get('seconds')} s on {tr.get('threads')} "
            "CPU thread(s) |"]
    build = tr.get("build_seconds") or (metrics or {}).get("build_seconds")
    if build:
        cpu = tr.get("build_cpu_seconds") or (metrics or {}).get("build_cpu_seconds")
        rows.append(f"| build | {build} s wall, {cpu} CPU s (data, training, tuning, "
                    "evaluation) |")
    return rows


def counts_table(labels: list[str], counts: dict[str, Any], splits: list[str]) -> list[str]:
    """Markdown rows of label counts per split."""
    out = ["| label | " + " | ".join(splits) + " |", "|---|" + "---:|" * len(splits)]
    for lab in labels:
        out.append(f"| {lab} | " + " | ".join(str((counts[s] or {}).get(lab, 0))
                                             for s in splits) + " |")
    return out


def summary_table(blocks: dict[str, dict[str, Any] | None], f_avg: bool = False) -> str:
    """Markdown table of accuracy / macro-F1 (/ F-avg) per evaluated block.

    >>> print(summary_table({"test": {"accuracy": 0.5, "macro_f1": 0.4, "n": 9}}))
    | data | accuracy | macro-F1 | n |
    |---|---:|---:|---:|
    | test | 0.500 | 0.400 | 9 |
    """
    head = "| data | accuracy | macro-F1 |" + (" F-avg |" if f_avg else "") + " n |"
    lines = [head, "|---|---:|---:|" + ("---:|" if f_avg else "") + "---:|"]
    for name, rep in blocks.items():
        if rep:
            lines.append(f"| {name} | {rep['accuracy']:.3f} | {rep['macro_f1']:.3f} | "
                         + (f"{rep['f_avg']:.3f} | " if f_avg else "") + f"{rep['n']} |")
    return "\n".join(lines)


def generic_card(meta: dict[str, Any], metrics: dict[str, Any], notes: str | None) -> str:
    """The card of a single-label task (:class:`~framing.models.head.LabelHead`)."""
    base = meta.get("base_model") or {}
    labels = meta["labels"]
    what = (f"a transformer encoder fine-tuned to classify texts as {', '.join(labels)}"
            + (f", starting from `{base.get('name')}` ({base.get('source')})" if base else "")
            if meta["method"] == "transformer" else
            "the TF-IDF baseline: word 1-2 gram TF-IDF features and a multinomial logistic "
            f"regression over {', '.join(labels)}")
    out = [f"# {meta.get('task', 'label')} model: {meta.get('name')}", "",
           f"This model is {what}. Built by `framing train --task {meta.get('task')}` "
           f"(framing {meta.get('framing_version')}) on {meta.get('created')}.", "",
           "| | |", "|---|---|", f"| task | {meta.get('task')} |",
           f"| method | {meta['method']} |", *data_rows(meta),
           *training_row(meta, metrics), "", "## Evaluation", "",
           summary_table({k: metrics.get(k) for k in ("test", "dev")}), ""]
    from framing.models.auto import card_section as auto_lines
    from framing.models.baselines import card_section as baseline_lines

    out += [*baseline_lines(metrics), *auto_lines(meta)]
    for key in ("test", "dev"):
        rep = metrics.get(key)
        if rep:
            out += [f"### {key}", "", metrics_table(rep["per_label"]), ""]
    out += ["Dev numbers are optimistic (dev chose the epoch); rely on test numbers.", ""]
    if notes:
        out += ["## Notes", "", notes.strip(), ""]
    return "\n".join(out)
