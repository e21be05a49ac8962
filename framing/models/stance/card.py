"""The card (``README.md``) of a stance model directory, written from its metadata and metrics
so that it never disagrees with them (shared pieces: :mod:`framing.models.card`).

Example:
    >>> from framing.models.stance.card import summary_table
    >>> print(summary_table({"test": {"accuracy": 0.5, "macro_f1": 0.4, "f_avg": 0.45, "n": 9}}))
    | data | accuracy | macro-F1 | F-avg | n |
    |---|---:|---:|---:|---:|
    | test | 0.500 | 0.400 | 0.450 | 9 |
"""

from __future__ import annotations

from typing import Any

from framing.models import card as _card
from framing.models.card import counts_table, metrics_table, training_row


def summary_table(blocks: dict[str, dict[str, Any] | None]) -> str:
    """Markdown table of accuracy / macro-F1 / F-avg per evaluated block."""
    return _card.summary_table(blocks, f_avg=True)


_TITLES = {
    "test": "test rows (held out)",
    "test_documents": "test documents (held out, sentence pooling)",
    "dev": "dev rows (chose the epoch and the decision rule: optimistic)",
    "dev_documents": "dev documents (tuned the pooling rule: optimistic)",
}


def render_stance_card(meta: dict[str, Any], metrics: dict[str, Any],
                       notes: str | None = None) -> str:
    """The card's Markdown."""
    name = meta.get("name") or "stance model"
    method = meta["method"]
    tr = meta.get("training") or {}
    data = meta.get("data") or {}
    base = meta.get("base_model") or {}
    labels = meta["labels"]
    what = ("a cross-encoder: a transformer encoder fine-tuned on `[CLS] target [SEP] text "
            "[SEP]` pairs (the mean of its token states, a linear layer and a softmax over "
            f"{', '.join(labels)})"
            + (f", starting from `{base.get('name')}` ({base.get('source')})" if base else "")
            if method == "transformer" else
            "the TF-IDF baseline: word 1-2 gram TF-IDF of the text and of the target side by "
            "side, and a multinomial logistic regression")
    neither = ", or neither" if "none" in labels else ""
    out = [f"# Stance model: {name}", "",
           f"This model is {what}. Given a free-text **target** and a text, it says whether the "
           f"text is in favour of the target, against it{neither}. "
           f"Built by `framing train --task stance` (framing {meta.get('framing_version')}) on "
           f"{meta.get('created')}.", "",
           "| | |", "|---|---|",
           f"| task | stance ({', '.join(labels)}) |",
           f"| method | {method} |",
           f"| training data | {data.get('source')}: {data.get('n_rows')} rows, "
           f"{data.get('n_targets')} targets, sha256 `{str(data.get('fingerprint'))[:16]}…` |",
           f"| dev data | {data.get('dev_source')}: {data.get('n_dev')} rows |",
           f"| input | max_length {meta['max_length']} tokens (target cut to "
           f"{meta['max_target_tokens']}); longer texts as windows sharing {meta['stride']} "
           "tokens, logits averaged |"]
    out += training_row(meta, metrics, f"class weights {tr.get('class_weight')}, ")
    dec, pool = meta.get("decision") or {}, meta.get("pooling") or {}
    out += ["", "## Intended use", "",
            "Measuring which side opinion writing and news take on policy targets, for research "
            "and newsroom analysis: shares of favor/against across outlets and over time, and "
            "finding the sentences that carry a stance. Use it through "
            "`framing.pipeline.stance.document_stance(model, text, targets)` or "
            "`framing.load(stance_model=DIR, targets=[...])` (documents: sentences "
            "scored and pooled, with evidence) or `StanceModel.predict(pairs)` (single "
            "sentences or short texts); evaluate it on your own data with "
            "`framing evaluate ROWS --model DIR`. It is not meant for decisions about individual "
            "people or authors.", "",
            "## Decision rules", "",
            f"- Sentence / pair: {_rule_text(labels, dec)}.",
            f"- Document: sentences are scored and pooled so that one strong sentence can carry "
            f"the document: a sentence carries favor or against when its cue-weighted "
            f"probability reaches {pool.get('doc_threshold')}; {_cue_text(pool)}; with sentences "
            "on both sides the "
            f"larger evidence mass wins (the strongest sentence when within "
            f"{pool.get('conflict_margin')}). {_gate_text(meta)}Pooling rule: {pool.get('how')}.",
            f"- Opposite targets: {_pairing_text(meta)}", ""]
    counts = metrics.get("label_counts") or {}
    if counts:
        splits = [s for s in counts if counts.get(s)]
        out += ["## Data", "", *counts_table(labels, counts, splits), ""]
    out += ["## Evaluation", "",
            summary_table({k: metrics.get(k) for k in _TITLES}), ""]
    unrel = metrics.get("test_documents_unrelated")
    if unrel:
        out += [f"Test documents asked about a target of another issue (which they do not "
                f"discuss): {unrel['none_rate']:.3f} answered `none` (n {unrel['n']}).", ""]
    for key, title in _TITLES.items():
        rep = metrics.get(key)
        if rep:
            out += [f"### {title[0].upper() + title[1:]}", "",
                    metrics_table(rep["per_label"]), ""]
    if not metrics.get("test"):
        out += ["No test data was given: evaluate with `framing evaluate ROWS --model DIR`.",
                ""]
    out += ["F-avg is the mean F1 of favor and against (SemEval-2016 Task 6); macro-F1 "
            "averages the labels present in the evaluated data.", "",
            "## Limitations", "",
            "- Stance toward a target the model never saw depends on how closely the target's "
            "wording relates to what the text says; phrase targets the way writers argue "
            "(\"states deciding their own drug policy\"), and check a labelled sample of your "
            "own texts before drawing conclusions.",
            "- Implicit stance (irony, a stance carried by the choice of facts, or an argument "
            "spread over several sentences that none states alone) is often missed; sentences "
            "that report other people's views can be mistaken for the author's.",
            "- Targets a document does not discuss: the relevance gate answers `none` when no "
            "sentence is close to the target, but a target on a neighbouring topic (\"stricter "
            "gun laws\" for an op-ed on drug laws) can pass the gate and pick up the stance of "
            "the document's own argument. Ask about targets the documents are about.",
            "- Dev numbers are optimistic (dev chose the epoch and the thresholds); rely on the "
            "test numbers, and on labels with small support not at all.",
            "- English only.", ""]
    real = (metrics.get("real_data") or {}).get("ibm_claim_stance")
    if real:
        out += ["## Real-data check: IBM claim stance", ""]
        if metrics["real_data"].get("model_created") != meta.get("created"):
            out += [f"*Measured on an earlier build of this model (created "
                    f"{metrics['real_data'].get('model_created')}); rerun "
                    "`python scripts/eval_ibm_stance.py --update-card`.*", ""]
        out += [real_data_section(real), ""]
    swap = metrics.get("target_swap")
    if swap:
        out += ["## Does it tell targets apart? Target swap and target-contrastive training", ""]
        if swap.get("model_created") != meta.get("created"):
            out += [f"*Measured on an earlier build of this model (created "
                    f"{swap.get('model_created')}); rerun "
                    "`python scripts/eval_stance_targets.py --update-card`.*", ""]
        out += [target_swap_section(swap), ""]
    if notes:
        out += ["## Notes", "", notes.strip(), ""]
    return "\n".join(out)


def target_swap_section(res: dict[str, Any]) -> str:
    """Markdown of ``scripts/eval_stance_targets.py``: F-avg and target-swap consistency of
    the default model (op-ed test documents, IBM claims zero-shot) and of cross-encoders
    trained on the IBM train split in three formulations, with the TF-IDF baseline.

    Each row is measured under an opposite pairing (:mod:`framing.models.stance.pairing`) and
    for the raw network (the last two columns), so that the consistency the pairing guarantees
    is never read as the network's own.

    Example:
        >>> raw = {"f_avg": 0.6, "swap": {"consistency": 0.05, "n": 40}}
        >>> r = {"opeds_test": {"f_avg": 0.62, "swap": {"consistency": 1.0, "n": 38},
        ...      "n_documents": 45, "opposite_pairing": "mean", "raw": raw}}
        >>> target_swap_section(r).splitlines()[-1].split(" | ")[2:]
        ['mean', '0.620', '1.000 (n 38)', '0.600', '0.050 (n 40) |']
    """
    lines = ["| model | data | opposite pairing | F-avg | swap consistency | raw network: "
             "F-avg | raw network: swap consistency |", "|---|---|---|---:|---:|---:|---:|"]

    def row(name: str, data: str, r: dict[str, Any]) -> None:
        sw = r["swap"]
        raw = r.get("raw") or r
        rs = raw["swap"]
        lines.append(f"| {name} | {data} | {r.get('opposite_pairing') or 'off'} | "
                     f"{r['f_avg']:.3f} | {sw['consistency']:.3f} (n {sw['n']}) | "
                     f"{raw['f_avg']:.3f} | {rs['consistency']:.3f} (n {rs['n']}) |")

    op = res.get("opeds_test")
    if op:
        row("default model", f"op-ed corpus test split ({op['n_documents']} documents)", op)
    ibm = res.get("ibm_claim_stance") or {}
    if ibm.get("zero_shot"):
        row("default model, zero-shot", "IBM claims, test split", ibm["zero_shot"])
    names = {"transformer_pairs": "cross-encoder, plain pairs",
             "transformer_contrastive": "cross-encoder, target-contrastive pairs",
             "transformer_nli": "cross-encoder, contrastive + NLI-style target",
             "tfidf": "TF-IDF baseline"}
    for key, label in names.items():
        if ibm.get(key):
            row(f"{label} (trained on IBM train)", "IBM claims, test split", ibm[key])
    text = ["Swap consistency: each (text, target) pair is asked again toward the target's "
            "opposite (the codebook's declared opposite, else the negated target: \"This house "
            "would X\" -> \"This house would not X\", \"X\" -> \"opposition to X\"); of the "
            "pairs answered favor or against, the share whose answer flips. Op-ed documents are "
            "pooled from their sentences as the Analyzer does; IBM claims are restricted to "
            "favor/against. Target-contrastive pairs: the text toward the negated target with "
            "the label flipped (share 0.5), toward a paraphrased target (0.5) and toward an "
            "unrelated target labelled none (0.25); NLI-style: the target given as \"the "
            "author supports: <target>\". Opposite pairing (the model's `opposite_pairing`, "
            "applied wherever stance probabilities are computed): `mean` / `product` score "
            "every pair toward the target and toward its opposite and average / multiply the "
            "two views (favor of one = against of the other), `canonical` scores one of the "
            "two and flips it for the other, `auto` is product for declared opposites and "
            "canonical for the rest, `off` is the raw network. Under a pairing, asking about "
            "the opposite gives the flipped answer by construction: the swap consistency of "
            "that column is a "
            "property of the inference, and the raw network's own consistency is in the last "
            "column. Measured by `python scripts/eval_stance_targets.py` "
            "(IBM data read at run time from `--data-dir`, not in the repository).", "",
            *lines]
    for key in ("transformer_pairs", "transformer_contrastive", "transformer_nli"):
        st = (ibm.get(key) or {}).get("settings")
        if st:
            text += ["", f"Trained cross-encoders: {st.get('epochs')} epochs, lr {st.get('lr')}, "
                         f"max_length {st.get('max_length')}, top "
                         f"{st.get('train_layers') or 'all'} layers fine-tuned, dev = "
                         f"{ibm.get('dev_split')}."]
            break
    return "\n".join(text)


def _pairing_text(meta: dict[str, Any]) -> str:
    """The model's ``opposite_pairing`` in words (:mod:`framing.models.stance.pairing`)."""
    mode = meta.get("opposite_pairing") or "off"
    what = {
        "off": "not tied: the raw network answers each target on its own, so a target and its "
               "opposite can both come out favor (the Analyzer still reconciles declared "
               "opposites asked together)",
        "mean": "each pair is also scored toward the target's opposite (declared in the "
                "codebook, else the negation) and the two views are averaged",
        "product": "each pair is also scored toward the target's opposite (declared in the "
                   "codebook, else the negation) and the two views are multiplied and "
                   "normalised",
        "canonical": "only one member of each target / opposite pair is scored and the "
                     "other gets the flipped answer",
        "auto": "for a target with a declared opposite in the codebook both are scored and "
                "the two views multiplied (favor of one times against of the other, "
                "normalised); for the others only the target itself is scored and its negation "
                "gets the flipped answer"}.get(mode, mode)
    tail = (" Asking about the opposite gives exactly the flipped answer; this is a property "
            "of the inference, not of the network (see the raw-network columns below)."
            if mode != "off" else "")
    tuned = meta.get("opposite_pairing_tuning")
    return (f"`opposite_pairing: {mode}`: {what}.{tail}" +
            (f" The decision and pooling rules were {tuned.split('rules ', 1)[-1]}."
             if isinstance(tuned, str) else ""))


def _cue_text(pool: dict[str, Any]) -> str:
    cw, rw = pool.get("cue_weight"), pool.get("reported_weight")
    cues = (f"explicit stance cues raise a sentence's weight by {cw} x cue strength" if cw
            else "explicit stance cues are shown as evidence but do not change a sentence's "
                 "weight (cue_weight 0 did best on dev)")
    rep = (f"reported speech multiplies it by {rw}" if rw is not None and rw < 1
           else "reported speech counts in full")
    return f"{cues}, {rep}"


def _gate_text(meta: dict[str, Any]) -> str:
    rel, pool = meta.get("relevance"), meta.get("pooling") or {}
    if not rel or not pool.get("relevance_threshold"):
        return "No relevance gate. "
    return (f"Relevance gate: a document whose most target-like sentence has a cosine "
            f"similarity below {pool['relevance_threshold']} to the target (sentence encoder "
            f"`{rel.get('name')}`, not fine-tuned) is `none`: it does not discuss the target. ")


def _rule_text(labels: list[str], dec: dict[str, Any]) -> str:
    if "none" in labels:
        return (f"the stronger of favor/against when its probability is at least "
                f"{dec.get('none_threshold')}, else none ({dec.get('how')})")
    return f"favor when its probability is at least {dec.get('favor_threshold')} ({dec.get('how')})"


def real_data_section(res: dict[str, Any]) -> str:
    """Markdown of the IBM claim stance check (``scripts/eval_ibm_stance.py``)."""
    lines = ["| model | trained on | accuracy | macro-F1 | F-avg |", "|---|---|---:|---:|---:|"]
    zs = res.get("zero_shot")
    if zs:
        for k, label in (("strict", "3 labels, none counts as wrong"),
                         ("polar", "restricted to favor/against")):
            r = zs[k]
            lines.append(f"| default model, zero-shot ({label}) | project corpora | "
                         f"{r['accuracy']:.3f} | {r['macro_f1']:.3f} | {r['f_avg']:.3f} |")
    for name, label in (("transformer", "cross-encoder (MiniLM)"), ("tfidf", "TF-IDF baseline")):
        r = res[name]["test"]
        lines.append(f"| {label} | IBM train split | {r['accuracy']:.3f} | {r['macro_f1']:.3f} "
                     f"| {r['f_avg']:.3f} |")
    s = res["transformer"]["settings"]
    text = [
        f"IBM Debater® Claim Stance Dataset, IBM Research (CC BY-SA 3.0): {res['n_train']} "
        f"train claims on {res['train_targets']} motions, {res['n_test']} test claims on "
        f"{res['test_targets']} other motions; favor/against only. Measured by "
        "`python scripts/eval_ibm_stance.py` (the data is read from its `--data` file at run "
        "time and is not in the repository).", "", *lines, "",
        f"Both trained models hold out whole motions of the train split as dev data "
        f"({res['dev_split']}). Cross-encoder: {res['transformer']['epochs_run']} epochs run "
        f"(lr {s['lr']}, batch {s['batch_size']}, max_length {s['max_length']}, class weights "
        f"{s['class_weight']}, seed {s['seed']}). The run took {res['seconds']:.0f} s "
        f"({res['cpu_seconds']:.0f} CPU s)."]
    return "\n".join(text)
