"""Target-antisymmetric stance inference: a stance toward a target and toward its opposite are
one question asked two ways.

A text that favors T is against its opposite ¬T (the codebook's declared opposite, else the
negation, :func:`~framing.models.stance.swap.opposite_target`), and the other way round. A
cross-encoder does not know this by itself: asked about "opposition to stricter gun laws" it
may still answer from the text's tone. ``opposite_pairing`` (a setting stored in the model's
``framing_model.json``; :class:`~framing.models.stance.StanceModel` applies it in
``predict_proba``, the one place stance probabilities are computed) ties the two answers:

* ``"mean"``: every ``(T, text)`` pair is also scored toward ``¬T`` and the two views are
  averaged: ``p_favor(T) = mean(p_favor(T), p_against(¬T))``, ``p_against(T) =
  mean(p_against(T), p_favor(¬T))``, ``p_none(T) = mean(p_none(T), p_none(¬T))``. Asking about
  ¬T gives exactly the flipped probabilities (when ¬¬T is T, as for declared opposites and
  :func:`~framing.models.stance.data.negate_target`). Costs one more cross-encoder pair per pair,
  except where ¬T is asked too (both members of a declared pair are a document's targets):
  each distinct ``(target, text)`` pair is scored once.
* ``"product"``: the same two views combined as a product of experts, ``p_favor(T) ∝
  p_favor(T) * p_against(¬T)`` (likewise against and none), normalised: where the views agree
  the answer is as sharp as they are (a mean would halve a confident answer that the other view
  calls none), where they disagree (a network reading the text's tone favors both) the two
  polar labels cancel. Same cost as ``"mean"``.
* ``"canonical"``: only one member of each pair {T, ¬T} is scored (the shorter target text,
  ties by text: the one without "opposition to" / "not"), the other's answer is its flip. The
  same guarantee at no extra cost (half the cost when both are asked), but one view instead of
  two.
* ``"auto"``: ``"product"`` for targets with a declared opposite (two differently worded
  propositions, usually both asked: the Analyzer scores an issue's targets together, so the
  second view costs nothing), ``"canonical"`` for the others (the negation "opposition to X" is
  a worse question to a network than X itself, and costs a second pass).
* ``"off"``: the raw model (and what models built before this setting do).

The guarantee comes from this pairing, not from the network: report the raw model's
consistency beside it (``scripts/eval_stance_targets.py`` does).

Example:
    >>> import numpy as np
    >>> from framing.models.stance.pairing import paired_proba
    >>> raw = {("gun control", "x"): [0.7, 0.1, 0.2],
    ...        ("opposition to gun control", "x"): [0.5, 0.3, 0.2]}
    >>> score = lambda pairs: np.array([raw[p] for p in pairs])
    >>> labels = ["favor", "against", "none"]
    >>> paired_proba(score, [("gun control", "x")], labels, "mean").round(2).tolist()
    [[0.5, 0.3, 0.2]]
    >>> paired_proba(score, [("opposition to gun control", "x")], labels, "mean").round(2).tolist()
    [[0.3, 0.5, 0.2]]
    >>> paired_proba(score, [("opposition to gun control", "x")], labels, "canonical").tolist()
    [[0.1, 0.7, 0.2]]
    >>> paired_proba(score, [("gun control", "x")], labels, "product").round(2).tolist()
    [[0.7, 0.17, 0.13]]
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np

from framing.models.stance.swap import opposite_target

#: values of the ``opposite_pairing`` setting (see the module docstring)
PAIRINGS = ("off", "mean", "product", "canonical", "auto")
Pair = tuple[str, str]


def flip_columns(labels: Sequence[str]) -> list[int]:
    """Column order that swaps ``favor`` and ``against`` (``none`` stays)."""
    idx = {lab: j for j, lab in enumerate(labels)}
    swap = {"favor": "against", "against": "favor"}
    return [idx[swap.get(lab, lab)] for lab in labels]


def is_canonical(target: str, opposite: str) -> bool:
    """Is ``target`` the member of {target, opposite} that ``"canonical"`` scores? The shorter
    text (a negation adds words), ties broken by the text itself, so both sides agree."""
    return (len(target), target) <= (len(opposite), opposite)


def paired_proba(score: Callable[[list[Pair]], np.ndarray], pairs: Sequence[Pair],
                 labels: Sequence[str], mode: str,
                 opposites: Mapping[str, str] | None = None) -> np.ndarray:
    """Probabilities ``(len(pairs), len(labels))`` of ``(target, text)`` pairs under the
    pairing ``mode``; ``score`` is the raw model (called once, on the distinct pairs it needs);
    ``opposites``: declared opposite targets (others are negated)."""
    if mode not in PAIRINGS:
        raise ValueError(f"opposite_pairing must be one of {PAIRINGS}, got {mode!r}")
    pairs = list(pairs)
    if mode == "off" or not pairs:
        return score(pairs) if pairs else np.zeros((0, len(labels)))
    opp = [(opposite_target(t, opposites), x) for t, x in pairs]
    flip = flip_columns(labels)
    if mode == "auto":
        declared = np.array([t in (opposites or {}) for t, _ in pairs])
        per = ["product" if d else "canonical" for d in declared]
    else:
        per = [mode] * len(pairs)
    # what each row asks of the network: its own pair, its opposite's, or both
    own = [m != "canonical" or is_canonical(t, o)
           for m, (t, _), (o, _) in zip(per, pairs, opp, strict=True)]
    other = [m != "canonical" or not c for m, c in zip(per, own, strict=True)]
    uniq = list(dict.fromkeys([p for p, k in zip(pairs, own, strict=True) if k] +
                              [q for q, k in zip(opp, other, strict=True) if k]))
    pos = {p: i for i, p in enumerate(uniq)}
    raw = np.asarray(score(uniq), dtype=np.float64).reshape(-1, len(labels))
    out = np.zeros((len(pairs), len(labels)))
    for i, (m, p, q) in enumerate(zip(per, pairs, opp, strict=True)):
        if m == "canonical":
            out[i] = raw[pos[p]] if own[i] else raw[pos[q]][flip]
            continue
        a, b = raw[pos[p]], raw[pos[q]][flip]
        if m == "mean":
            out[i] = (a + b) / 2.0
        else:
            c = a * b
            out[i] = c / c.sum() if c.sum() > 0 else (a + b) / 2.0
    return out
