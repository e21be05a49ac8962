"""Example sentences for findings: a second, streaming pass over the labelled documents.

For a finding about a frame, candidates are the sentences that carry the frame in the group's
documents from the periods before and after the change (for a trend: the first and second half
of its span); for a stance finding, the sentences that express that stance toward the target.
A seeded hash picks a stable, spread-out sample without holding the corpus in memory.
"""

from __future__ import annotations

import hashlib
import heapq
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from framing.aggregate.load import Source, iter_documents, period_of

MAX_CHARS = 360


@dataclass(frozen=True)
class Quote:
    """One evidence sentence and where it comes from."""

    text: str
    doc_id: str
    date: str | None
    title: str | None


def _sides(f: Mapping[str, Any], periods: Sequence[str]) -> tuple[set[str], set[str]]:
    idx = {p: i for i, p in enumerate(periods)}
    b0, b1 = idx[str(f["before_start"])], idx[str(f["period_before"])]
    a0, a1 = idx[str(f["period_after"])], idx[str(f["after_end"])]
    if f.get("pattern") == "trend":
        mid = (b0 + a1) // 2
        b1, a0 = mid, mid + 1
    return set(periods[b0:b1 + 1]), set(periods[a0:a1 + 1])


def collect_evidence(source: Source, findings: Sequence[Mapping[str, Any]], by: Sequence[str],
                     freq: str, periods: Sequence[str], labels_from: str = "auto",
                     per_side: int = 2, seed: int = 0) -> list[dict[str, list[Quote]]]:
    """``[{"before": [Quote, ...], "after": [...]}, ...]``, one entry per finding."""
    want = []
    for f in findings:
        before, after = _sides(f, periods)
        want.append((tuple(str(f[k]) for k in by), before, after, f))
    heaps: list[dict[str, list[tuple[str, int, Quote]]]] = [
        {"before": [], "after": []} for _ in findings]
    if not findings:
        return []
    keys = {w[0] for w in want}
    counter = 0
    for d in iter_documents(source, tuple(by), labels_from):
        if d.keys not in keys:
            continue
        p = period_of(d.date, freq)
        if p is None:
            continue
        for i, (gk, before, after, f) in enumerate(want):
            if gk != d.keys:
                continue
            side = "before" if p in before else ("after" if p in after else None)
            if side is None:
                continue
            if f["measure"] == "stance":
                texts = [t for tg, lab, t in d.stance_sentences
                         if tg == f["target"] and lab == f["label"]]
            else:
                texts = [t for t, labs in d.sentences or [] if f["frame"] in labs]
            for j, t in enumerate(texts):
                t = " ".join(t.split())
                if len(t) < 25:
                    continue
                if len(t) > MAX_CHARS:
                    t = t[:MAX_CHARS].rsplit(" ", 1)[0] + " …"
                key = hashlib.blake2b(f"{seed}|{d.id}|{j}".encode(), digest_size=8).hexdigest()
                counter += 1
                item = (key, counter, Quote(t, d.id, d.date, d.title))
                heap = heaps[i][side]
                # keep the per_side smallest hashes (a max-heap via negation is not needed:
                # push and trim by sorting, the lists stay tiny)
                heapq.heappush(heap, item)
                if len(heap) > 8 * per_side:
                    heaps[i][side] = heapq.nsmallest(per_side * 4, heap)
    out = []
    for h in heaps:
        res: dict[str, list[Quote]] = {}
        seen_docs: set[str] = set()
        seen_text: set[str] = set()
        for side in ("before", "after"):
            chosen = []
            for _, _, q in sorted(h[side]):
                # one quote per document, and no sentence twice (collections reuse wording)
                if q.doc_id in seen_docs or q.text in seen_text:
                    continue
                seen_docs.add(q.doc_id)
                seen_text.add(q.text)
                chosen.append(q)
                if len(chosen) == per_side:
                    break
            res[side] = chosen
        out.append(res)
    return out
