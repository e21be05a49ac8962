"""Stance data: rows of ``text``, ``target`` and ``stance`` (favor / against / none).

Read from JSONL, CSV/TSV or Parquet (:func:`framing.models.data.iter_rows`; the format follows
the file extension), or built from dicts. Labels are case-insensitive (``FAVOR`` and ``favor``
are the same); every problem is reported with its file and line (or row) number.

Example:
    >>> from framing.models.stance.data import StanceData
    >>> d = StanceData.from_rows([{"text": "Leave it to the states.",
    ...                            "target": "states deciding drug policy", "stance": "FAVOR"}])
    >>> d.labels, d.fingerprint()[:8]
    (['favor'], '1a0202c8')
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from framing.errors import Errors, FramingError
from framing.models.data import LabelRows

#: All stance labels, in the canonical order used for probability columns.
STANCE_LABELS: tuple[str, ...] = ("favor", "against", "none")
POLAR: tuple[str, ...] = ("favor", "against")


def canonical_labels(labels: Iterable[str]) -> list[str]:
    """The given labels in the canonical order ``favor, against, none``."""
    got = set(labels)
    return [lab for lab in STANCE_LABELS if lab in got]


def check_target(target: Any, where: str = "") -> str:
    """A usable target string (stripped), or ``[E706]``."""
    if not isinstance(target, str) or not target.strip():
        raise FramingError(Errors.E706.format(where=where or "(argument)", value=target))
    return " ".join(target.split())


class StanceData(LabelRows):
    """Texts, targets and labels; ``where[i]`` locates row i in its source. The model reads
    ``(target, text)`` pairs (:attr:`pairs`)."""

    pair_field = "target"

    def __init__(self, texts: list[str], targets: list[str], labels: list[str],
                 source: str = "<memory>", where: list[str] | None = None) -> None:
        super().__init__(texts, labels, source, where or [], list(targets), STANCE_LABELS)

    @classmethod
    def make(cls, texts: list[str], labels: list[str], source: str, where: list[str],
             paired: list[str] | None, classes: Sequence[str]) -> StanceData:
        return cls(texts, list(paired or []), labels, source, where)

    @property
    def targets(self) -> list[str]:
        return list(self.paired or [])

    @property
    def pairs(self) -> list[tuple[str, str]]:
        """``(target, text)`` pairs, the model's input."""
        return self.inputs

    @classmethod
    def error(cls, where: str, detail: str) -> FramingError:
        return FramingError(Errors.E702.format(where=where, detail=detail))

    @classmethod
    def label_error(cls, label: Any, where: str, classes: Sequence[str]) -> FramingError:
        return FramingError(Errors.E703.format(label=label, where=where))

    @classmethod
    def empty_error(cls, source: Any) -> FramingError:
        return FramingError(Errors.E704.format(source=source, detail="the file has no rows"))

    @classmethod
    def check_pair(cls, value: Any, fld: str, loc: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise FramingError(Errors.E706.format(where=f"in {loc}", value=value))
        return " ".join(value.split())

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, Any]], source: str = "<memory>",
                  text_field: str = "text", target_field: str = "target",
                  stance_field: str = "stance") -> StanceData:
        """From dicts with ``text``, ``target`` and ``stance`` (other keys are ignored)."""
        rows_ = cls.build(((f"row {i + 1} of {source}", r) for i, r in enumerate(rows)),
                          source, STANCE_LABELS, text_field, stance_field, target_field)
        assert isinstance(rows_, StanceData)
        return rows_


def read_stance(path: str | Path, text_field: str = "text", target_field: str = "target",
                stance_field: str = "stance") -> StanceData:
    """Read stance rows from a JSONL, CSV/TSV or Parquet file (see the module docstring)."""
    rows = StanceData.coerce(Path(path), STANCE_LABELS, text_field, stance_field, target_field)
    assert isinstance(rows, StanceData)
    return rows


StanceLike = str | Path | StanceData | Sequence[Mapping[str, Any]]


def as_stance_data(data: StanceLike, text_field: str = "text", target_field: str = "target",
                   stance_field: str = "stance") -> StanceData:
    """A path, :class:`StanceData` or a list of row dicts, as :class:`StanceData`."""
    rows = StanceData.coerce(data, STANCE_LABELS, text_field, stance_field, target_field)
    assert isinstance(rows, StanceData)
    return rows


def split_dev(data: StanceData, fraction: float, seed: int, how: str = "auto",
              min_dev_targets: int = 3) -> tuple[StanceData, StanceData, str]:
    """Hold out ``fraction`` of ``data`` as dev rows; returns (train, dev, description).

    ``how="targets"`` holds out whole targets (about ``fraction`` of the rows, at least
    ``min_dev_targets`` targets), so dev measures stance toward unseen targets; ``"rows"`` holds
    out random rows; ``"auto"`` uses targets when there are at least ``2 * min_dev_targets``
    distinct targets. Seeded; both parts keep the input order.

    Example:
        >>> rows = [{"text": f"t{i}", "target": f"T{i % 8}", "stance": "favor"}
        ...         for i in range(40)]
        >>> tr, dev, how = split_dev(StanceData.from_rows(rows), 0.25, 0)
        >>> len(set(tr.targets) & set(dev.targets)), how.split()[0]
        (0, 'targets')
    """
    n = len(data)
    rng = np.random.default_rng(seed)
    targets = sorted(set(data.targets))
    by_target = how == "targets" or (how == "auto" and len(targets) >= 2 * min_dev_targets)
    if by_target and len(targets) >= 2:
        order = [targets[int(i)] for i in rng.permutation(len(targets))]
        counts = Counter(data.targets)
        chosen: set[str] = set()
        rows = 0
        for t in order:
            if len(chosen) >= min_dev_targets and rows >= fraction * n:
                break
            if len(chosen) >= len(targets) - 1:
                break
            chosen.add(t)
            rows += counts[t]
        dev = [i for i in range(n) if data.targets[i] in chosen]
        train = [i for i in range(n) if data.targets[i] not in chosen]
        desc = (f"targets held out: {len(chosen)} of {len(targets)} targets, {len(dev)} rows "
                f"(seed {seed})")
    else:
        n_dev = round(n * fraction)
        perm = rng.permutation(n)
        dev = sorted(int(i) for i in perm[:n_dev])
        train = sorted(int(i) for i in perm[n_dev:])
        desc = f"rows held out: {fraction:.0%} of the training rows (seed {seed})"
    return data.subset(train), data.subset(dev), desc


_MOTION = [  # (pattern, replacement) for debate motions "This house ..."; first match wins
    (re.compile(r"^(this house) would not\b", re.I), r"\1 would"),
    (re.compile(r"^(this house) would never\b", re.I), r"\1 would"),
    (re.compile(r"^(this house) would\b", re.I), r"\1 would not"),
    (re.compile(r"^(this house) does not believe\b", re.I), r"\1 believes"),
    (re.compile(r"^(this house) believes\b", re.I), r"\1 does not believe"),
    (re.compile(r"^(this house) supports\b", re.I), r"\1 opposes"),
    (re.compile(r"^(this house) opposes\b", re.I), r"\1 supports"),
]
_OPPOSE = "opposition to "


def negate_target(target: str) -> str:
    """A target that means the opposite, so that a stance toward it flips: debate motions
    negate their verb ("This house would ban boxing" -> "This house would not ban boxing",
    "believes" -> "does not believe", "supports" <-> "opposes"); other targets become
    "opposition to <target>" (and back).

    Example:
        >>> negate_target("This house would ban boxing")
        'This house would not ban boxing'
        >>> negate_target("stricter gun laws"), negate_target("opposition to stricter gun laws")
        ('opposition to stricter gun laws', 'stricter gun laws')
    """
    t = " ".join(target.split())
    for pat, rep in _MOTION:
        if pat.search(t):
            return pat.sub(rep, t, count=1)
    if t.lower().startswith(_OPPOSE):
        return t[len(_OPPOSE):]
    return _OPPOSE + t


def add_negated_targets(data: StanceData, share: float, seed: int) -> tuple[StanceData, int]:
    """``data`` plus, for a seeded ``share`` of its favor/against rows, the same text toward
    the negated target (:func:`negate_target`) with the opposite label: the model has to read
    the target's direction, not just the text. Returns the new data and the rows added."""
    if share <= 0:
        return data, 0
    flip = {"favor": "against", "against": "favor"}
    texts, targets, labels, where = (list(data.texts), list(data.targets), list(data.labels),
                                     list(data.where))
    added = 0
    for i, (x, t, lab) in enumerate(zip(data.texts, data.targets, data.labels, strict=True)):
        if lab not in flip:
            continue
        h = hashlib.sha256(f"{seed}\x1f{i}\x1f{t}\x1f{x}".encode()).hexdigest()
        if int(h[:8], 16) / 0xFFFFFFFF >= share:
            continue
        texts.append(x)
        targets.append(negate_target(t))
        labels.append(flip[lab])
        where.append(f"{data.where[i]} (negated target)")
        added += 1
    return StanceData(texts, targets, labels, data.source, where), added


_PARAPHRASES = ("support for {t}", "the case for {t}", "{t} as a policy")
_MOTION_TAILS = [  # debate motions said the way a writer argues them; first match wins
    (re.compile(r"^this house believes that\s+", re.I), ""),
    (re.compile(r"^this house would\s+", re.I), "we should "),
    (re.compile(r"^this house supports\s+", re.I), "support for "),
]
_STOP = frozenset({
    "a", "an", "the", "of", "to", "in", "on", "for", "and", "or", "but", "with", "by", "from",
    "at", "as", "is", "are", "be", "been", "being", "this", "that", "these", "those", "it",
    "its", "their", "his", "her", "our", "your", "we", "they", "he", "she", "you", "i", "not",
    "no", "so", "than", "then", "there", "which", "who", "whom", "what", "when", "where",
    "why", "how", "all", "any", "some", "more", "most", "other", "such", "own", "same", "very",
    "can", "will", "would", "should", "could", "may", "might", "must", "shall", "do", "does",
    "did", "have", "has", "had", "house", "believes", "support", "supports", "oppose",
    "opposes", "case", "policy", "policies",
})
_WORD = re.compile(r"[^\W\d_]+")


def content_words(text: str) -> set[str]:
    """Lower-case content words (letters only, 4+ characters, no stop words) of ``text``.

    Example:
        >>> sorted(content_words("Federal enforcement of drug laws"))
        ['drug', 'enforcement', 'federal', 'laws']
    """
    return {w for w in (m.group().lower() for m in _WORD.finditer(text))
            if len(w) >= 4 and w not in _STOP}


def paraphrase_target(target: str, k: int = 0) -> str:
    """The ``k``-th rewording of ``target`` that keeps its direction (a stance toward it is the
    stance toward the original): debate motions lose their "This house ..." frame ("This house
    would ban boxing" -> "we should ban boxing"); other targets get a carrier phrase
    ("support for X", "the case for X", "X as a policy").

    Example:
        >>> paraphrase_target("This house would ban boxing")
        'we should ban boxing'
        >>> paraphrase_target("stricter gun laws", 1)
        'the case for stricter gun laws'
    """
    t = " ".join(target.split())
    for pat, rep in _MOTION_TAILS:
        if pat.search(t):
            return pat.sub(rep, t, count=1)
    return _PARAPHRASES[k % len(_PARAPHRASES)].format(t=t)


def _draw(seed: int, *key: Any) -> float:
    h = hashlib.sha256("\x1f".join(map(str, (seed, *key))).encode()).hexdigest()
    return int(h[:8], 16) / 0xFFFFFFFF


def add_contrastive_pairs(data: StanceData, seed: int, *, paraphrased: float = 0.0,
                          unrelated: float = 0.0, hard_negatives: float = 0.0
                          ) -> tuple[StanceData, dict[str, int]]:
    """``data`` plus target-contrastive pairs, so that the model has to read the target and
    not only the text's argumentative tone (each kind for a seeded share of the rows):

    * ``paraphrased``: the same text toward a rewording of its target
      (:func:`paraphrase_target`), the same label;
    * ``unrelated``: a favor/against text toward a target of the data that shares no content
      word with its own target nor with the text, labelled ``none`` (a text takes no stance on
      what it does not discuss);
    * ``hard_negatives``: a ``none`` text (it takes no side toward its own target) toward
      another target of the data whose content words it mentions, labelled ``none``:
      mentioning a target's words is not taking a side on it.

    (Opposed targets, the same text toward the negated target with the label flipped, are
    :func:`add_negated_targets`.) Returns the new data and the rows added per kind.

    Example:
        >>> d = StanceData.from_rows([
        ...     {"text": "Ban it now.", "target": "a ban on boxing", "stance": "favor"},
        ...     {"text": "Taxes matter.", "target": "a carbon tax", "stance": "against"},
        ...     {"text": "The carbon tax vote is on Tuesday.", "target": "boxing",
        ...      "stance": "none"}])
        >>> aug, n = add_contrastive_pairs(d, 0, paraphrased=1, unrelated=1, hard_negatives=1)
        >>> n
        {'paraphrased': 3, 'unrelated': 2, 'hard_negatives': 1}
        >>> aug.targets[-1], aug.labels[-1]
        ('a carbon tax', 'none')
    """
    texts, targets, labels, where = (list(data.texts), list(data.targets), list(data.labels),
                                     list(data.where))
    added = {"paraphrased": 0, "unrelated": 0, "hard_negatives": 0}
    distinct = sorted(set(data.targets))
    words = {t: content_words(t) for t in distinct}

    def add(i: int, target: str, label: str, kind: str) -> None:
        texts.append(data.texts[i])
        targets.append(target)
        labels.append(label)
        where.append(f"{data.where[i]} ({kind.replace('_', ' ')} target)")
        added[kind] += 1

    for i, (x, t, lab) in enumerate(zip(data.texts, data.targets, data.labels, strict=True)):
        if paraphrased and _draw(seed, "para", i, t) < paraphrased:
            p = paraphrase_target(t, int(_draw(seed, "k", i) * 997))
            if p != t:
                add(i, p, lab, "paraphrased")
        xw = content_words(x)
        if unrelated and lab in POLAR and _draw(seed, "unrel", i, t) < unrelated:
            far = [o for o in distinct if not (words[o] & (words[t] | xw)) and words[o]]
            if far:
                add(i, far[int(_draw(seed, "pick", i) * len(far)) % len(far)], "none",
                    "unrelated")
        if hard_negatives and lab == "none" and _draw(seed, "hard", i, t) < hard_negatives:
            near = [o for o in distinct if o != t and words[o] & xw]
            if near:
                add(i, near[int(_draw(seed, "pickh", i) * len(near)) % len(near)], "none",
                    "hard_negatives")
    return StanceData(texts, targets, labels, data.source, where), added
