"""The target-swap test: a stance model that reads the target, not only the text's tone, must
flip favor and against when a target is replaced by its opposite.

The opposite of a target is its declared opposite in the codebook
(:meth:`~framing.codebook.Codebook.opposites`: "states deciding their own drug policy" <->
"federal enforcement of drug laws"), else its negation
(:func:`~framing.models.stance.data.negate_target`: "This house would ban boxing" -> "This house
would not ban boxing", "stricter gun laws" -> "opposition to stricter gun laws").

Example:
    >>> from framing.models.stance.swap import opposite_target, swap_consistency
    >>> opposite_target("stricter gun laws")
    'opposition to stricter gun laws'
    >>> swap_consistency(["favor", "against", "favor", "none"],
    ...                  ["against", "favor", "favor", "none"])
    {'consistency': 0.6667, 'n': 3, 'flipped': 2, 'none_after_swap': 0}
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from framing.models.stance.data import negate_target

FLIP = {"favor": "against", "against": "favor"}


def opposite_target(target: str, opposites: Mapping[str, str] | None = None) -> str:
    """The declared opposite of ``target`` in ``opposites`` when there is one, else its
    negation."""
    t = " ".join(target.split())
    return (opposites or {}).get(t) or negate_target(t)


def swap_consistency(original: Sequence[str], swapped: Sequence[str]) -> dict[str, float | int]:
    """Of the rows whose original answer is favor or against (``n``), the share whose answer
    toward the opposite target is the other one (``consistency``); ``none_after_swap`` counts
    those that became ``none`` (not a flip, so they count against consistency)."""
    if len(original) != len(swapped):
        raise ValueError(f"{len(original)} original answers but {len(swapped)} swapped ones")
    polar = [(o, s) for o, s in zip(original, swapped, strict=True) if o in FLIP]
    flipped = sum(1 for o, s in polar if s == FLIP[o])
    return {"consistency": round(flipped / len(polar), 4) if polar else 0.0, "n": len(polar),
            "flipped": flipped, "none_after_swap": sum(1 for _, s in polar if s == "none")}
