"""``--method auto``: train the cheap methods and, if time allows, fine-tune; keep the best on dev.

The candidates, cheapest first: ``tfidf`` (seconds), ``fast`` (one forward pass of the frozen
encoder over the texts, :mod:`framing.models.embed`) and ``transformer`` (fine-tuning, several
forward and backward passes per epoch). All use the same training and dev rows. The time budget
(``time_budget`` minutes, default :data:`~framing.models.settings.DEFAULT_TIME_BUDGET`) covers them
all: the cheapest candidate always runs, ``fast`` starts while time is left, and fine-tuning starts
only when the time left allows at least one epoch (estimated from the fast method's forward pass: an
epoch costs about three forward passes over the training texts plus one over the dev texts) and
stops before an epoch that would overrun it. The model kept is the one with the best dev score
(micro-F1 for frames, accuracy for single-label tasks; ties go to the cheaper method); the choice,
every candidate's dev scores and time, and the reasons a candidate was skipped are written to
``framing_model.json`` (``auto``), ``metrics.json`` and the model card.

Example:
    >>> from framing.models.auto import pick
    >>> pick({"tfidf": (0.61, 0.50), "fast": (0.61, 0.55), "transformer": (0.58, 0.40)})
    'tfidf'
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from framing.errors import Errors, FramingError
from framing.models.baselines import derive, headline

if TYPE_CHECKING:
    from framing.models.trainer import Run

#: the candidates, cheapest first (the tie-break order)
CANDIDATES = ("tfidf", "fast", "transformer")
#: fine-tuning epoch cost in forward passes over the training texts (forward + backward)
EPOCH_FORWARDS = 3.0


def pick(scores: dict[str, tuple[float, float]]) -> str:
    """The best candidate by dev main score; ties (within 1e-9) go to the cheaper one."""
    best = max(scores.values(), key=lambda s: s[0])[0]
    return next(m for m in CANDIDATES if m in scores and scores[m][0] >= best - 1e-9)


def choose(run: Run, t0: float, fit_model: Callable[[Run], None]
           ) -> tuple[Run, dict[str, Run]]:
    """Train the candidates within the budget (see the module docstring); the chosen run,
    finished and with ``meta["auto"]``, and every finished candidate run."""

    cfg = run.cfg
    if run.dev is None:
        raise FramingError(Errors.E406.format(
            detail="--method auto chooses on dev rows: give --eval, or an --eval-split above 0"))
    assert cfg.time_budget is not None
    deadline = t0 + 60.0 * cfg.time_budget
    tried: dict[str, Run] = {}
    scores: dict[str, tuple[float, float]] = {}
    seconds: dict[str, float] = {}
    skipped: dict[str, str] = {}
    for method in CANDIDATES:
        if method not in run.head.methods:
            continue
        left = deadline - time.perf_counter()
        sub = derive(run, method, f"auto [{method}]: ")
        if method == "transformer":
            fast = tried.get("fast")
            fwd = (fast.meta["training"].get("fit_seconds") if fast is not None else None)
            if fwd is None:
                skipped[method] = "no estimate of its cost (the fast method did not run)"
                continue
            n_tr, n_dev = len(run.train), len(run.dev)
            epoch = EPOCH_FORWARDS * fwd + fwd * n_dev / max(1, n_tr)
            if left < epoch:
                skipped[method] = (f"one epoch would take about {epoch / 60:.1f} min and "
                                   f"{max(left, 0) / 60:.1f} min of the budget were left")
                run.log(f"auto: not fine-tuning: {skipped[method]}")
                continue
            sub.cfg.time_budget = left / 60.0
            sub.meta["training"]["time_budget"] = round(left / 60.0, 2)
        elif left <= 0 and tried:  # the cheapest candidate always runs
            skipped[method] = "the time budget was spent"
            continue
        ts = time.perf_counter()
        fit_model(sub)
        sub.meta["created"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
        sub.head.finish(sub)
        seconds[method] = round(time.perf_counter() - ts, 1)
        sub.metrics["seconds"] = seconds[method]
        h = headline(sub, sub.metrics.get("dev"))
        if h is None:
            skipped[method] = "no dev score"
            continue
        tried[method], scores[method] = sub, h
    if not scores:
        raise FramingError(Errors.E419.format(detail="; ".join(
            f"{m}: {why}" for m, why in skipped.items()) or "no candidate"))
    best = pick(scores)
    chosen = tried[best]
    chosen.meta["auto"] = {
        "chosen": best, "time_budget_minutes": cfg.time_budget,
        "dev_scores": {m: {"main": s[0], "macro_f1": s[1]} for m, s in scores.items()},
        "seconds": seconds, "skipped": skipped,
        "rule": "the best dev score (micro-F1 for frames, accuracy for single-label tasks); "
                "ties go to the cheaper method (tfidf, fast, transformer)"}
    chosen.meta["training"]["method_requested"] = "auto"
    # metrics.json also keeps each candidate's test scores, for information: the choice above
    # never reads them
    chosen.metrics["auto"] = {**chosen.meta["auto"], "test_scores": {
        m: ({"main": h[0], "macro_f1": h[1]} if (h := headline(r, r.metrics.get("test")))
            else None) for m, r in tried.items()}}
    chosen.log = run.log
    run.log("auto: dev " + ", ".join(f"{m} {s[0]:.3f}/{s[1]:.3f}" for m, s in scores.items())
            + f" (main score/macro-F1); keeping {best}")
    return chosen, tried


def card_section(meta: dict[str, Any]) -> list[str]:
    """The card's Markdown lines on how ``--method auto`` chose (empty otherwise)."""
    a = meta.get("auto")
    if not a:
        return []
    out = ["## How the method was chosen", "",
           f"`--method auto` (time budget {a['time_budget_minutes']} min) trained the "
           f"candidates below on the same rows and kept **{a['chosen']}**: {a['rule']}.", "",
           "| method | dev main score | dev macro-F1 | seconds |", "|---|---:|---:|---:|"]
    for m, s in a["dev_scores"].items():
        out.append(f"| {m} | {s['main']:.3f} | {s['macro_f1']:.3f} | "
                   f"{a['seconds'].get(m, '')} |")
    for m, why in a.get("skipped", {}).items():
        out.append(f"| {m} | skipped: {why} | | |")
    return [*out, ""]
