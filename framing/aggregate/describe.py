"""Plain-language descriptions of findings ("Between 2018 and 2019, X's use of ... fell ...").

Example:
    >>> row = {"outlet": "high-plains-sentinel", "measure": "frame", "frame": "enforcement",
    ...        "pattern": "step", "period_before": "2018", "period_after": "2019",
    ...        "before_start": "2016", "after_end": "2023", "share_before": 0.7,
    ...        "share_after": 0.2, "q_value": 0.0004, "corrected": False}
    >>> import textwrap
    >>> print(textwrap.fill(describe_finding(row, ["outlet"]), 80))
    Between 2018 and 2019, High Plains Sentinel's use of enforcement framing fell
    from 70% of documents (2016–2018) to 20% (2019–2023); q < 0.001.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from framing.errors import Errors, FramingError

_CONTEXT_KEYS = ("issue", "topic", "section", "desk", "beat", "category")


@lru_cache(maxsize=1)
def _codebook_names() -> dict[str, str]:
    try:
        from framing.codebook import default_codebook_path

        data = json.loads(default_codebook_path().read_text(encoding="utf-8"))
        return {str(f["id"]): str(f.get("name") or f["id"]) for f in data.get("frames", [])}
    except (OSError, ValueError, KeyError):
        return {}


def frame_name(frame: str) -> str:
    """Human name of a frame in running text ("health and safety")."""
    name = _codebook_names().get(frame, frame.replace("_", " "))
    return name[:1].lower() + name[1:] if name[:2] != name[:2].upper() else name


def frame_title(frame: str) -> str:
    """Human name of a frame for titles ("Health and safety")."""
    name = _codebook_names().get(frame, frame.replace("_", " "))
    return name[:1].upper() + name[1:]


def pretty_value(v: Any, names: Mapping[str, str] | None = None) -> str:
    """A group value for display: the given name, or a slug made readable."""
    s = str(v)
    if names and s in names:
        return names[s]
    if s and s == s.lower() and " " not in s and ("-" in s or "_" in s):
        return " ".join(w.capitalize() for w in s.replace("_", "-").split("-") if w)
    return s


def load_names(path: str | Path) -> dict[str, str]:
    """Display names from JSON: ``{value: name}`` or ``{"outlets": [{"id", "name"}, ...]}``."""
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise FramingError(Errors.E502.format(detail=f"--names {p}: {e}")) from None
    out: dict[str, str] = {}
    if isinstance(data, dict):
        lists = [v for v in data.values() if isinstance(v, list)]
        for k, v in data.items():
            if isinstance(v, str):
                out[str(k)] = v
        for lst in lists:
            for item in lst:
                if isinstance(item, dict) and "id" in item and "name" in item:
                    out[str(item["id"])] = str(item["name"])
    if not out:
        raise FramingError(Errors.E502.format(
            detail=f"--names {p}: expected {{value: name}} or a list of {{id, name}} objects"))
    return out


def group_phrase(row: Mapping[str, Any], by: Sequence[str],
                 names: Mapping[str, str] | None = None) -> tuple[str, str]:
    """(subject, qualifier): ``("The X", " in drug policy coverage")`` for outlet + issue."""
    if not by:
        return "The collection", ""
    subject = pretty_value(row[by[0]], names)
    quals = []
    for k in by[1:]:
        v = str(row[k]).replace("_", " ")
        quals.append(f" in {v} coverage" if k in _CONTEXT_KEYS else f" ({k}: {v})")
    return subject, "".join(quals)


def span(a: str, b: str) -> str:
    """``"2016–2018"`` or ``"2016"``."""
    return a if a == b else f"{a}–{b}"


def fmt_q(q: float) -> str:
    if q is None or (isinstance(q, float) and math.isnan(q)):
        return "q n/a"
    return "q < 0.001" if q < 0.001 else f"q = {q:.3f}"


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def stance_phrase(label: str, target: str) -> str:
    """``in favor of X`` / ``against X`` / ``taking no stance on X``."""
    if label == "favor":
        return f"in favor of {target}"
    if label == "against":
        return f"against {target}"
    return f"taking no stance on {target}"


def _item(row: Mapping[str, Any]) -> str:
    if row.get("measure") == "stance":
        return stance_phrase(str(row["label"]), str(row["target"]))
    return f"{frame_name(str(row['frame']))} framing"


def describe_finding(row: Mapping[str, Any], by: Sequence[str],
                     names: Mapping[str, str] | None = None, unit: str = "document") -> str:
    """One sentence for a finding row (from ``findings_``/``shifts_``)."""
    subject, qual = group_phrase(row, by, names)
    verb = "rose" if row["share_after"] > row["share_before"] else "fell"
    stance = row.get("measure") == "stance"
    from framing.aggregate.load import UNIT_WORDS

    units = "documents" if stance else UNIT_WORDS.get(unit, "documents")
    corr = " (corrected for classifier error)" if row.get("corrected") else ""
    sb, sa = _pct(row["share_before"]), _pct(row["share_after"])
    q = fmt_q(row["q_value"])
    if stance:
        on = qual.replace(" in ", " on ", 1).replace(" coverage", "") if qual else ""
        what = f"the share of {subject}'s documents{on} {_item(row)}"
    else:
        what = f"{subject}'s use of {_item(row)}{qual}"
    pattern = row.get("pattern") or ("trend" if row.get("test") == "trend" else "step")
    if pattern == "trend":
        return (f"From {row['period_before']} to {row['period_after']}, {what} {verb} "
                f"steadily, from about {sb} to {sa} of {units}{corr} (fitted trend; {q}).")
    if pattern == "jump":
        return (f"Between {row['period_before']} and {row['period_after']}, {what} {verb} "
                f"from {sb} to {sa} of {units}{corr}; {q}.")
    return (f"Between {row['period_before']} and {row['period_after']}, {what} {verb} from "
            f"{sb} of {units} ({span(row['before_start'], row['period_before'])}) to {sa} "
            f"({span(row['period_after'], row['after_end'])}){corr}; {q}.")


def headline(row: Mapping[str, Any]) -> str:
    """A short chart title: "Enforcement framing fell from 70% to 20% after 2018"."""
    verb = "rose" if row["share_after"] > row["share_before"] else "fell"
    sb, sa = _pct(row["share_before"]), _pct(row["share_after"])
    if row.get("measure") == "stance":
        item = "Share " + stance_phrase(str(row["label"]), str(row["target"]))
    else:
        item = f"{frame_title(str(row['frame']))} framing"
    pattern = row.get("pattern") or ("trend" if row.get("test") == "trend" else "step")
    if pattern == "trend":
        return f"{item} {verb} from {sb} to {sa}, {row['period_before']}–{row['period_after']}"
    return f"{item} {verb} from {sb} to {sa} after {row['period_before']}"
