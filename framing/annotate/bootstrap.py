"""New frames without labelled data: seed phrases and a description, candidates to annotate,
and a zero-shot scorer that labels text until a classifier is trained.

A user adds the frame to a codebook: an ``id``, a ``description`` (a sentence or two on what
the frame is about) and a phrase pattern with a few **seed phrases**::

    {"id": "local_control", "name": "Local control", "parent": null,
     "description": "Decisions belong to towns, counties and school boards ...",
     "patterns": [{"id": "local_control.seeds", "kind": "phrase", "weight": 0.6,
                   "phrases": ["local control", "school board", "town council"]}]}

* :func:`propose_candidates` picks sentences (or documents) for the first annotation round:
  rule matches of the seed phrases, sentences most similar to the seeds and the description
  (MiniLM embeddings, which also find wordings the phrases miss), and a random share, so the
  round also shows what the frame is *not* and the calibration sees the base rate.
* :class:`ZeroShotScorer` scores text by embedding similarity to the description and the seeds
  (``description_weight`` * cos(description) + (1 - ``description_weight``) * max cos(seed));
  :meth:`~ZeroShotScorer.fit` calibrates that similarity into a probability on whatever labels
  exist (Platt scaling: a one-feature logistic regression). Its quality is measured by
  ``scripts/bench_bootstrap.py`` (README, "A new frame"); it is a stopgap, clearly worse than a
  trained classifier.

Example:
    >>> from framing.annotate.bootstrap import ZeroShotScorer
    >>> zs = ZeroShotScorer("federalism", "Which level of government decides.",
    ...                     ["left to the states"])
    >>> zs.to_dict()["seeds"]
    ['left to the states']
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from framing.annotate.embed import SentenceEncoder
from framing.annotate.items import Item
from framing.codebook import Codebook
from framing.errors import Errors, FramingError

FORMAT = "framing-zeroshot/1"


@dataclass(frozen=True)
class FrameSeeds:
    """A frame's description and seed phrases, as written in the codebook."""

    frame: str
    description: str
    seeds: tuple[str, ...]

    @classmethod
    def from_codebook(cls, codebook: Codebook, frame: str) -> FrameSeeds:
        """The frame's description and the phrases of its phrase patterns (token patterns
        still match as rules, but have no text to embed)."""
        if frame not in codebook:
            raise FramingError(Errors.E859.format(
                frame=frame, detail=f"it is not in the codebook '{codebook.source}' (frames: "
                                    f"{', '.join(codebook.frame_ids)})"))
        f = codebook.frame(frame)
        seeds = tuple(dict.fromkeys(ph for p in f.patterns if p.kind == "phrase"
                                    for ph in p.phrases))
        if not seeds and not f.description.strip():
            raise FramingError(Errors.E859.format(
                frame=frame, detail="it has neither a description nor phrase patterns (seed "
                                    "phrases); add both to the codebook"))
        return cls(frame, f.description.strip(), seeds)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-x)))


class ZeroShotScorer:
    """Scores a frame by embedding similarity; scikit-learn style (``fit`` returns ``self``,
    learned state ends in ``_``). See the module docstring.

    Args:
        frame: the frame id.
        description: what the frame is about.
        seeds: seed phrases.
        encoder: a :class:`~framing.annotate.embed.SentenceEncoder` or an encoder directory
            (default: MiniLM).
        description_weight: share of the description in the similarity (the rest: the best
            seed phrase).
    """

    def __init__(self, frame: str, description: str, seeds: Sequence[str],
                 encoder: SentenceEncoder | str | Path | None = None,
                 description_weight: float = 0.5) -> None:
        self.frame = frame
        self.description = description
        self.seeds = list(seeds)
        self.encoder = encoder
        self.description_weight = description_weight

    # ----- similarity ------------------------------------------------------------------------
    def _enc(self) -> SentenceEncoder:
        if not isinstance(self.encoder, SentenceEncoder):
            self.encoder = SentenceEncoder(self.encoder)
        return self.encoder

    def _prototypes(self) -> tuple[np.ndarray | None, np.ndarray | None]:
        if not hasattr(self, "_protos"):
            enc = self._enc()
            d = enc.encode([self.description])[0] if self.description.strip() else None
            s = enc.encode(self.seeds) if self.seeds else None
            self._protos = (d, s)
        return self._protos

    def similarity(self, texts: Sequence[str] | None = None,
                   embeddings: np.ndarray | None = None) -> np.ndarray:
        """The raw score of each text (cosine similarities, about -0.2 to 0.8)."""
        if embeddings is None:
            embeddings = self._enc().encode(list(texts or []))
        d, s = self._prototypes()
        w = self.description_weight
        sd = embeddings @ d if d is not None else None
        ss = (embeddings @ s.T).max(axis=1) if s is not None else None
        if sd is None:
            assert ss is not None
            return np.asarray(ss)
        if ss is None:
            return np.asarray(sd)
        return np.asarray(w * sd + (1 - w) * ss)

    # ----- calibration -----------------------------------------------------------------------
    def fit(self, texts: Sequence[str] | None, y: Sequence[int] | np.ndarray, *,
            embeddings: np.ndarray | None = None, C: float = 1.0) -> ZeroShotScorer:
        """Platt scaling on labelled texts (1: has the frame, 0: has not); needs at least one
        of each. ``C`` is the logistic regression's inverse regularisation (on similarities
        standardised over these texts)."""
        from sklearn.linear_model import LogisticRegression

        y_arr = np.asarray(y, dtype=int)
        n_pos, n = int(y_arr.sum()), len(y_arr)
        if n_pos == 0 or n_pos == n:
            raise FramingError(Errors.E860.format(
                detail=f"{n} label(s), {n_pos} with the frame '{self.frame}'; calibration needs "
                       "at least one text with it and one without"))
        raw = self.similarity(texts, embeddings)
        mu, sd = float(raw.mean()), float(raw.std()) or 1.0
        lr = LogisticRegression(C=C).fit(((raw - mu) / sd)[:, None], y_arr)
        self.coef_ = float(lr.coef_[0, 0]) / sd
        self.intercept_ = float(lr.intercept_[0]) - self.coef_ * mu
        self.n_labels_ = n
        self.n_positive_ = n_pos
        return self

    @property
    def fitted(self) -> bool:
        return hasattr(self, "coef_")

    def predict_proba(self, texts: Sequence[str] | None = None,
                      embeddings: np.ndarray | None = None) -> np.ndarray:
        """Calibrated probability that each text has the frame (after :meth:`fit`)."""
        if not self.fitted:
            raise FramingError(Errors.E860.format(
                detail="the scorer is not calibrated yet: fit it on a handful of labels "
                       "(`framing bootstrap fit`)"))
        return _sigmoid(self.coef_ * self.similarity(texts, embeddings) + self.intercept_)

    def predict(self, texts: Sequence[str] | None = None, embeddings: np.ndarray | None = None,
                threshold: float = 0.5) -> np.ndarray:
        return self.predict_proba(texts, embeddings) >= threshold

    def similarity_at(self, p: float) -> float:
        """The raw similarity at which the calibrated probability is ``p``."""
        return (math.log(p / (1 - p)) - self.intercept_) / self.coef_

    # ----- persistence -----------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"format": FORMAT, "frame": self.frame,
                             "description": self.description, "seeds": list(self.seeds),
                             "description_weight": self.description_weight,
                             "encoder": str(self._enc().path) if isinstance(
                                 self.encoder, SentenceEncoder) else
                             (str(self.encoder) if self.encoder else None)}
        if self.fitted:
            d.update(coef=self.coef_, intercept=self.intercept_, n_labels=self.n_labels_,
                     n_positive=self.n_positive_)
        return d

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=1) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path, encoder: SentenceEncoder | str | Path | None = None
             ) -> ZeroShotScorer:
        """A scorer saved by :meth:`save` (JSON, no pickles)."""
        p = Path(path)
        try:
            d = json.loads(p.read_text(encoding="utf-8"))
            if d.get("format") != FORMAT:
                raise ValueError(f"format is {d.get('format')!r}, expected {FORMAT!r}")
            zs = cls(d["frame"], d["description"], d["seeds"],
                     encoder if encoder is not None else d.get("encoder"),
                     float(d["description_weight"]))
            if "coef" in d:
                zs.coef_, zs.intercept_ = float(d["coef"]), float(d["intercept"])
                zs.n_labels_, zs.n_positive_ = int(d["n_labels"]), int(d["n_positive"])
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise FramingError(Errors.E860.format(
                detail=f"'{path}' is not a saved zero-shot scorer ({e})")) from None
        return zs

    @classmethod
    def from_codebook(cls, codebook: Codebook, frame: str,
                      encoder: SentenceEncoder | str | Path | None = None,
                      description_weight: float = 0.5) -> ZeroShotScorer:
        fs = FrameSeeds.from_codebook(codebook, frame)
        return cls(fs.frame, fs.description, fs.seeds, encoder, description_weight)


def propose_candidates(items: Sequence[Item], scorer: ZeroShotScorer, n: int, *,
                       embeddings: np.ndarray | None = None, rule_share: float = 0.4,
                       random_share: float = 0.2, seed: int = 0) -> list[Item]:
    """``n`` items for the first annotation round of ``scorer.frame``; see the module
    docstring. Each item's ``reason`` says why it was proposed (``rule`` with the matched
    patterns, ``similar``, or ``random``) and its similarity; its ``labels`` (the
    pre-annotation) are the frame where the rule layer labelled it so, else nothing."""
    from framing.annotate.select import _cluster_picks

    if n < 1 or not 0 <= rule_share <= 1 or not 0 <= random_share <= 1 or \
            rule_share + random_share > 1:
        raise FramingError(Errors.E857.format(
            detail="n must be at least 1, and rule_share and random_share in [0, 1] with a sum "
                   "of at most 1"))
    if not items:
        raise FramingError(Errors.E858.format(detail="the corpus has no sentences"))
    emb = embeddings if embeddings is not None else scorer._enc().encode([i.text for i in items])
    sim = scorer.similarity(embeddings=emb)
    f = scorer.frame
    hit = np.array([any(s.frame == f for s in it.spans) for it in items])
    free = np.ones(len(items), dtype=bool)
    chosen: list[tuple[int, str]] = []

    def take(cands: np.ndarray, k: int, why: str, diverse: bool = True) -> None:
        cands = cands[free[cands]]
        if k <= 0 or not len(cands):
            return
        pool = cands[np.argsort(-sim[cands], kind="stable")][: 4 * k]
        picks = _cluster_picks(pool, sim, emb, k, seed) if diverse and len(pool) > k else \
            [(int(i), None) for i in pool[:k]]
        for i, _ in picks:
            if free[i]:
                free[i] = False
                chosen.append((i, why))

    n = min(n, len(items))
    n_rule = round(n * rule_share)
    n_random = round(n * random_share)
    take(np.flatnonzero(hit), n_rule, "rule")
    take(np.flatnonzero(~hit), n - n_random - len(chosen), "similar")
    rng = np.random.default_rng(seed)
    rest = np.flatnonzero(free)
    for i in rng.choice(rest, size=min(n - len(chosen), len(rest)), replace=False):
        free[i] = False
        chosen.append((int(i), "random"))
    out = []
    for i, why in chosen:
        it = items[i]
        rules = sorted({s.source for s in it.spans if s.frame == f})
        it.reason = {"frame": f, "why": why, "similarity": round(float(sim[i]), 4),
                     **({"rules": rules} if rules else {})}
        it.labels = [f] if f in it.labels else []
        it.scores = {f: round(float(sim[i]), 4)}
        out.append(it)
    return out


def bootstrap_tasks(inputs: Sequence[str | Path], out: str | Path, tool: str, frame: str,
                    codebook: str | Path | Codebook, n: int = 50, *, level: str = "sentence",
                    texts: bool = True, encoder: str | Path | None = None,
                    description_weight: float = 0.5, rule_share: float = 0.4,
                    random_share: float = 0.2, seed: int = 0, prefill: bool = True,
                    doccano_project: str = "slot-filling", text_field: str = "text",
                    id_field: str = "id", rejects: str | Path | None = None,
                    overwrite: bool = False) -> Any:
    """The first annotation round of a new frame: runs the rule layer of ``codebook`` (which
    holds the frame with its seed phrases) over ``inputs`` and writes ``n`` candidates (see
    :func:`propose_candidates`) as ``tool`` tasks that ask about ``frame`` only."""
    from collections import Counter

    from framing.annotate.formats import check_tool
    from framing.annotate.items import check_level, items_from_results
    from framing.annotate.sources import load_results
    from framing.annotate.tasks import (
        ExportSummary,
        _options,
        _write_rejects,
        check_out,
        write_tasks,
    )

    t = check_tool(tool)
    check_level(level)
    cb = codebook if isinstance(codebook, Codebook) else Codebook.load(codebook)
    fs = FrameSeeds.from_codebook(cb, frame)
    out_p = Path(out)
    rej_p = Path(rejects) if rejects else (out_p.with_name(out_p.name + ".rejects.jsonl")
                                           if texts else None)
    check_out(out_p, t, inputs, overwrite, rej_p)
    got = load_results(inputs, texts=texts, load_kwargs={"rules_only": True, "codebook": cb},
                       text_field=text_field, id_field=id_field)
    items = items_from_results(got.results, level, got.texts)
    enc = SentenceEncoder(encoder, max_length=128 if level == "sentence" else 256)
    zs = ZeroShotScorer(fs.frame, fs.description, fs.seeds, enc, description_weight)
    chosen = propose_candidates(items, zs, n, rule_share=rule_share, random_share=random_share,
                                seed=seed)
    opts = _options(cb, [frame], prefill, "framing:bootstrap", doccano_project)
    write_tasks(chosen, out_p, t, opts)
    why = Counter(str((it.reason or {}).get("why")) for it in chosen)
    return ExportSummary(out_p, t, level, len(chosen), len(items), got.rejected, why,
                         rejects_path=_write_rejects(rej_p, got.rejects))


def rows_xy(rows: Sequence[dict[str, Any]], frame: str) -> tuple[list[str], np.ndarray]:
    """Texts and 0/1 targets for ``frame`` from training rows (``text`` + ``labels``)."""
    texts = [str(r["text"]) for r in rows]
    y = np.array([1 if frame in (r.get("labels") or []) else 0 for r in rows])
    return texts, y


def fit_report(scorer: ZeroShotScorer, texts: Sequence[str], y: Sequence[int],
               folds: int = 5, seed: int = 0) -> dict[str, Any]:
    """Fit ``scorer`` on all labels and say how good it is: ranking quality of the raw
    similarity (ROC AUC, average precision) and, with at least ``folds`` labels of each kind,
    cross-validated precision, recall and F1 at probability 0.5."""
    from sklearn.metrics import (
        average_precision_score,
        f1_score,
        precision_score,
        recall_score,
        roc_auc_score,
    )
    from sklearn.model_selection import StratifiedKFold

    y_arr = np.asarray(y, dtype=int)
    emb = scorer._enc().encode(list(texts))
    scorer.fit(None, y_arr, embeddings=emb)
    raw = scorer.similarity(embeddings=emb)
    rep: dict[str, Any] = {"frame": scorer.frame, "labels": len(y_arr),
                           "positive": int(y_arr.sum()),
                           "roc_auc": round(float(roc_auc_score(y_arr, raw)), 3),
                           "average_precision": round(float(average_precision_score(y_arr, raw)),
                                                      3),
                           "similarity_at_p50": round(scorer.similarity_at(0.5), 4)}
    if min(int(y_arr.sum()), int(len(y_arr) - y_arr.sum())) >= folds:
        pred = np.zeros(len(y_arr), dtype=int)
        for tr, te in StratifiedKFold(folds, shuffle=True, random_state=seed).split(raw, y_arr):
            part = ZeroShotScorer(scorer.frame, scorer.description, scorer.seeds,
                                  scorer._enc(), scorer.description_weight)
            part._protos = scorer._prototypes()
            part.fit(None, y_arr[tr], embeddings=emb[tr])
            pred[te] = part.predict(embeddings=emb[te])
        rep["cross_validated"] = {
            "folds": folds,
            "precision": round(float(precision_score(y_arr, pred, zero_division=0)), 3),
            "recall": round(float(recall_score(y_arr, pred, zero_division=0)), 3),
            "f1": round(float(f1_score(y_arr, pred, zero_division=0)), 3)}
    return rep


def score_texts(inputs: Sequence[str | Path], scorer: ZeroShotScorer, out: str | Path, *,
                threshold: float = 0.5, text_field: str = "text", id_field: str = "id",
                overwrite: bool = False) -> str:
    """Score the sentences of ``inputs`` with a calibrated scorer; writes one JSON line per
    document: ``id``, ``frame``, ``probability`` and ``label`` (its best sentence's), and
    ``sentences`` with offsets, text, probability and label. Returns a summary line."""
    from framing.annotate.items import items_from_results
    from framing.annotate.sources import load_results
    from framing.annotate.tasks import write_file
    from framing.guard import check_outputs, check_replaceable

    out_p = Path(out)
    if out_p.suffix.lower() != ".jsonl":
        raise FramingError(Errors.E856.format(detail=f"--out must be a .jsonl file, got '{out}'"))
    check_outputs(inputs, {"output file": out_p})
    check_replaceable(out_p, "output file", bool(overwrite), recognised=False)
    if not scorer.fitted:
        scorer.predict_proba([])  # raises the "not calibrated" error
    got = load_results(inputs, texts=True, load_kwargs={"rules_only": True},
                       text_field=text_field, id_field=id_field)
    items = items_from_results(got.results, "sentence", got.texts)
    prob = scorer.predict_proba([it.text for it in items]) if items else np.zeros(0)
    by_doc: dict[str, list[int]] = {}
    for i, it in enumerate(items):
        by_doc.setdefault(it.doc_id, []).append(i)
    lines = []
    n_lab = 0
    for res in got.results:
        idx = by_doc.get(res.id, [])
        p_doc = float(max((prob[i] for i in idx), default=0.0))
        n_lab += p_doc >= threshold
        lines.append(json.dumps({
            "id": res.id, "frame": scorer.frame, "probability": round(p_doc, 4),
            "label": p_doc >= threshold,
            "sentences": [{"start": items[i].start, "end": items[i].end, "text": items[i].text,
                           "probability": round(float(prob[i]), 4),
                           "label": bool(prob[i] >= threshold)} for i in idx]},
            ensure_ascii=False) + "\n")
    write_file(out_p, "".join(lines))
    return (f"scored {len(items)} sentence(s) of {len(got.results)} document(s) for "
            f"'{scorer.frame}': {n_lab} document(s) labelled (p >= {threshold}) -> {out_p}" +
            (f"; {got.rejected} input record(s) rejected" if got.rejected else ""))
