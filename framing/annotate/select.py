"""Active learning: pick the next items to label.

Three signals, combined per item and frame:

* **uncertainty**: how close a frame's score is to its decision threshold, in logit units
  (``exp(-|logit(score) - logit(threshold)|)``: 1 on the threshold, 0.37 one logit away);
* **disagreement**: the rules and the model decide the frame differently (a rule cue fires
  strongly enough on its own but the final label is off, or the reverse);
* **diversity**: within each frame's most informative candidates, the picks are spread over
  k-means clusters of sentence embeddings, so a batch is not twenty near-copies.

Selection is **stratified by frame**: every frame gets an equal share of the batch (its own
most informative, diverse items), so rare frames are not starved by common ones. Each pick
records why it was chosen (its frame stratum, margin, disagreement, cluster).

Example:
    >>> import numpy as np
    >>> from framing.annotate.select import select_indices
    >>> scores = np.array([[0.49, 0.1], [0.9, 0.02], [0.2, 0.55], [0.05, 0.9]])
    >>> picks = select_indices(scores, np.array([0.5, 0.5]), 2)
    >>> sorted(p.index for p in picks), sorted(p.frame for p in picks)
    ([0, 2], [0, 1])
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from framing.errors import Errors, FramingError

_EPS = 1e-4


@dataclass(frozen=True)
class Pick:
    """One selected item: its row ``index``, the frame stratum (column) it was picked for, and
    the signals that made it informative."""

    index: int
    frame: int
    info: float
    margin: float
    disagreement: bool
    cluster: int | None

    def reason(self, frame_names: Sequence[str] | None = None) -> dict[str, object]:
        name = frame_names[self.frame] if frame_names is not None else self.frame
        return {"frame": name, "informativeness": round(self.info, 4),
                "margin_logit": round(self.margin, 3), "disagreement": self.disagreement,
                "cluster": self.cluster}


def logit(p: np.ndarray) -> np.ndarray:
    q = np.clip(np.asarray(p, dtype=np.float64), _EPS, 1 - _EPS)
    return np.log(q / (1 - q))


def informativeness(scores: np.ndarray, thresholds: np.ndarray,
                    rule_votes: np.ndarray | None = None, *,
                    uncertainty_weight: float = 1.0, disagreement_weight: float = 0.5
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per item and frame: (informativeness, |logit margin|, disagreement) arrays."""
    margin = np.abs(logit(scores) - logit(thresholds)[None, :])
    info = uncertainty_weight * np.exp(-margin)
    if rule_votes is not None:
        dis = np.asarray(rule_votes, dtype=bool) != (scores >= thresholds[None, :])
        info = info + disagreement_weight * dis
    else:
        dis = np.zeros_like(scores, dtype=bool)
    return info, margin, dis


def _quotas(n: int, n_frames: int, best: np.ndarray) -> list[int]:
    """Equal shares; the remainder goes to the frames with the most informative items."""
    base, extra = divmod(n, n_frames)
    q = [base] * n_frames
    for f in np.argsort(-best, kind="stable")[:extra]:
        q[int(f)] += 1
    return q


def _cluster_picks(cands: np.ndarray, info: np.ndarray, emb: np.ndarray, k: int, seed: int
                   ) -> list[tuple[int, int]]:
    """The most informative candidate of each of ``k`` k-means clusters: (index, cluster)."""
    from sklearn.cluster import KMeans

    if k >= len(cands):
        return [(int(i), c) for c, i in enumerate(cands)]
    km = KMeans(n_clusters=k, n_init=3, random_state=seed).fit(emb[cands])
    out: list[tuple[int, int]] = []
    for c in range(k):
        members = cands[km.labels_ == c]
        if len(members):
            out.append((int(members[np.argmax(info[members])]), c))
    return out


def select_indices(scores: np.ndarray, thresholds: np.ndarray, n: int, *,
                   embeddings: np.ndarray | None = None, rule_votes: np.ndarray | None = None,
                   exclude: np.ndarray | Sequence[int] | None = None,
                   uncertainty_weight: float = 1.0, disagreement_weight: float = 0.5,
                   pool_factor: int = 4, stratify: bool = True, seed: int = 0) -> list[Pick]:
    """Pick ``n`` rows of ``scores`` (items x frames) to label next; see the module docstring.

    Args:
        scores: frame scores in [0, 1] (the model's, or the fused rules+model scores).
        thresholds: each frame's decision threshold.
        n: how many to pick (fewer when fewer items are left).
        embeddings: one vector per item (e.g. :class:`~framing.annotate.embed.SentenceEncoder`);
            without them there is no diversity step.
        rule_votes: items x frames booleans, whether the rules alone decide the frame; with
            them, rules-versus-model disagreement counts.
        exclude: rows that must not be picked (already labelled).
        pool_factor: candidates per slot that go into the clustering (more: more diverse, less
            uncertain).
        stratify: give every frame an equal share of the batch (default); without it the
            batch is the most informative items overall (each item's best frame), clustered.
        seed: k-means seed.
    """
    scores = np.asarray(scores, dtype=np.float64)
    thresholds = np.asarray(thresholds, dtype=np.float64)
    if scores.ndim != 2 or thresholds.shape != (scores.shape[1],):
        raise FramingError(Errors.E857.format(
            detail=f"scores must be items x frames and thresholds one per frame; got shapes "
                   f"{scores.shape} and {thresholds.shape}"))
    if n < 1 or pool_factor < 1:
        raise FramingError(Errors.E857.format(detail="n and pool_factor must be at least 1"))
    if embeddings is not None and len(embeddings) != len(scores):
        raise FramingError(Errors.E857.format(
            detail=f"{len(embeddings)} embeddings for {len(scores)} items"))
    info, margin, dis = informativeness(scores, thresholds, rule_votes,
                                        uncertainty_weight=uncertainty_weight,
                                        disagreement_weight=disagreement_weight)
    free = np.ones(len(scores), dtype=bool)
    if exclude is not None:
        ex = np.asarray(exclude)
        free[ex if ex.dtype != bool else np.flatnonzero(ex)] = False
    n = min(n, int(free.sum()))
    n_frames = scores.shape[1]
    picks: list[Pick] = []
    if not stratify:
        best_f = np.argmax(info, axis=1)
        item_info = info[np.arange(len(info)), best_f]
        idx = np.flatnonzero(free)
        cands = idx[np.argsort(-item_info[idx], kind="stable")][: n * pool_factor]
        chosen = _cluster_picks(cands, item_info, embeddings, n, seed) \
            if embeddings is not None and len(cands) > n else [(int(i), None) for i in cands[:n]]
        return [Pick(index=i, frame=int(best_f[i]), info=float(item_info[i]),
                     margin=float(margin[i, best_f[i]]), disagreement=bool(dis[i, best_f[i]]),
                     cluster=c) for i, c in chosen]
    # frames in order of their best candidate, so ties in quota go to the most informative
    best = np.where(free[:, None], info, -np.inf).max(axis=0) if free.any() else \
        np.zeros(n_frames)
    order = [int(f) for f in np.argsort(-best, kind="stable")]
    while len(picks) < n and free.any():
        left = n - len(picks)
        frames = order if left >= n_frames else order[:left]
        quotas = _quotas(left, len(frames), best[frames])
        for f, q in zip(frames, quotas, strict=True):
            if q == 0 or not free.any():
                continue
            idx = np.flatnonzero(free)
            ranked = idx[np.argsort(-info[idx, f], kind="stable")]
            cands = ranked[: q * pool_factor]
            if embeddings is not None and len(cands) > q:
                chosen = _cluster_picks(cands, info[:, f], embeddings, q, seed)
            else:
                chosen = [(int(i), None) for i in cands[:q]]  # type: ignore[misc]
            for i, c in chosen:
                if not free[i]:
                    continue
                free[i] = False
                picks.append(Pick(index=i, frame=f, info=float(info[i, f]),
                                  margin=float(margin[i, f]), disagreement=bool(dis[i, f]),
                                  cluster=c))
    return picks[:n]


def select_random(n_items: int, n: int, *, exclude: Sequence[int] | np.ndarray | None = None,
                  seed: int = 0) -> list[int]:
    """``n`` rows drawn uniformly without replacement (the baseline of the benchmark)."""
    free = np.ones(n_items, dtype=bool)
    if exclude is not None:
        free[np.asarray(exclude, dtype=int)] = False
    idx = np.flatnonzero(free)
    rng = np.random.default_rng(seed)
    return [int(i) for i in rng.choice(idx, size=min(n, len(idx)), replace=False)]


def frame_margin(score: float, threshold: float) -> float:
    """|logit(score) - logit(threshold)| for one score (used in reports)."""
    s = min(max(score, _EPS), 1 - _EPS)
    t = min(max(threshold, _EPS), 1 - _EPS)
    return abs(math.log(s / (1 - s)) - math.log(t / (1 - t)))
