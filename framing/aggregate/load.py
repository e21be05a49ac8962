"""Read labelled documents into compact per-document arrays for aggregation.

Accepted inputs (mixed freely):

* JSONL of :class:`~framing.types.DocResult` (``framing label --out x.jsonl``), streamed;
* Parquet from ``framing label --out x.parquet``: only the needed columns are read, in batches,
  and labels are turned into a frame-indicator matrix with Arrow kernels (no per-row Python for
  document-level shares grouped by columns such as ``outlet``);
* annotated corpus JSONL such as ``corpora/collection/collection.jsonl`` (records with ``labels``,
  ``sentences`` with offsets into ``text``, ``stance``), i.e. *gold* labels;
* in Python also a pandas DataFrame (either layout) or an iterable of dicts / DocResults.

``unit`` picks what is counted: ``document`` (a document uses a frame: its ``labels``),
``sentence`` (sentences labelled with a frame, documents weighted by their sentences: the
``shares`` of a DocResult times its sentence count, or the sentences of an annotated record) or
``mention`` (evidence spans of a frame out of all of a document's spans: a DocResult's
``mentions``). Output written before DocResults stored shares and mentions lacks them; the
sentence and mention units then refuse it (E618) rather than guess.

``labels_from`` picks the labels: ``predicted`` (the classifier output of a DocResult),
``gold`` (an annotated record's own labels; for a DocResult, the gold ``labels``/``sentences``/
``stance`` that ingest carried into ``meta``), or ``auto`` (predictions where present, else gold).

What is read is checked, never silently guessed (issue: data safety):

* a directory written by ``framing label --out DIR/`` is read through its manifest
  (:func:`framing.io.output.check_run`): unfinished, damaged or mixed runs are refused unless
  ``allow_incomplete`` (a warning says what was left out);
* documents whose id repeats an earlier one (the same file given twice, overlapping inputs)
  are counted once, with a warning (W616); ``keep_duplicates`` counts every copy;
* dates are read by the one date parser (:mod:`framing.io.dates`, ``date_format`` for
  non-ISO spellings); a date it cannot read makes the document undated, with a warning (W617);
  a date less precise than the period (a year, for monthly periods) is undated too.

These options are arguments of :func:`load_labelled` and :func:`iter_documents`, or set for a
block of code with :func:`read_options` (the command line does so around ``aggregate``).

This module is longer than the usual 400 lines because the two readers (record by record, and
column-wise Arrow for Parquet) and the accumulator they share must agree on every rule above;
splitting them apart would put those rules in two places.

Example:
    >>> data = load_labelled([{"id": "a", "outlet": "X", "date": "2020-05-01",
    ...                        "labels": ["federalism"], "sentences": [], "stance": []}],
    ...                      by=("outlet",), freq="year")
    >>> data.periods, data.frames, int(data.k.sum())
    (['2020'], ['federalism'], 1)
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import json
import re
import warnings
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeAlias

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from framing.errors import Errors, FramingError, FramingWarning, RecordError, Warnings
from framing.io.dates import check_date_format, parse_date
from framing.io.manifest import MANIFEST
from framing.io.output import iter_jsonl_results, output_files, parquet_file
from framing.io.schema import (
    JSON_COLUMNS,
    MENTIONS_PREFIX,
    META_JSON,
    N_SENTENCES,
    SENTENCES_JSON,
    SHARE_PREFIX,
    STANCE_JSON,
    frame_of,
    frames_in,
    is_result_table,
    mentions_column,
    row_to_dict,
    score_column,
    share_column,
    stores_shares,
)

FREQS = ("month", "quarter", "year", "decade")
UNITS = ("document", "sentence", "mention")
#: How each unit is named in sentences ("the share of ... ").
UNIT_WORDS = {"document": "documents", "sentence": "sentences", "mention": "mentions"}
LABEL_SOURCES = ("auto", "gold", "predicted")
STANCE_LABELS = ("favor", "against", "none")
#: Group value used for documents that lack a grouping field.
MISSING = "(missing)"

Source: TypeAlias = str | Path | pd.DataFrame | Iterable[Any]

_PARQUET = (".parquet", ".pq")
_JSONL = (".jsonl", ".ndjson", ".json")
_BATCH = 65_536
_ISO = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


@dataclass(frozen=True)
class ReadOptions:
    """How labelled inputs are read (see the module docstring).

    ``allow_incomplete``: read the intact shards of an unfinished, damaged or mixed output
    directory (with a warning) instead of refusing it; ``keep_duplicates``: count every copy
    of a repeated id; ``date_format``: strptime codes (or ``unix``) for non-ISO dates.
    """

    allow_incomplete: bool = False
    keep_duplicates: bool = False
    date_format: str | None = None

    def __post_init__(self) -> None:
        check_date_format(self.date_format)


_OPTIONS: contextvars.ContextVar[ReadOptions | None] = contextvars.ContextVar(
    "framing_read_options", default=None)


@contextlib.contextmanager
def read_options(**kwargs: Any) -> Iterator[ReadOptions]:
    """Within the block, labelled inputs are read with these :class:`ReadOptions` (where a
    call does not pass its own).

    Example:
        >>> with read_options(keep_duplicates=True) as o:
        ...     current_options().keep_duplicates
        True
    """
    opts = replace(_OPTIONS.get() or ReadOptions(), **kwargs)
    token = _OPTIONS.set(opts)
    try:
        yield opts
    finally:
        _OPTIONS.reset(token)


def current_options(options: ReadOptions | None = None) -> ReadOptions:
    """``options``, or those set by :func:`read_options`, or the defaults."""
    return options if options is not None else (_OPTIONS.get() or ReadOptions())


# ----------------------------------------------------------------------------------------------
# periods
# ----------------------------------------------------------------------------------------------


def period_of(date: Any, freq: str, *, date_format: str | None = None,
              partial: str = "start") -> str | None:
    """The period label of a date: ``2019-03`` (month), ``2019-Q1``, ``2019`` or ``2010s``.

    Dates are read by the one date parser (:func:`framing.io.dates.parse_date`); an unusable or
    empty date gives None. A date less precise than ``freq`` (``2019`` for months) is placed at
    the start of what it names with ``partial="start"`` (split points such as ``--split-at
    2020``), or gives None with ``partial="none"`` (documents: never guessed).

    Example:
        >>> [period_of("2019-08-30", f) for f in FREQS]
        ['2019-08', '2019-Q3', '2019', '2010s']
        >>> period_of("2020/11/05", "month"), period_of("2020", "month", partial="none")
        ('2020-11', None)
    """
    try:
        return _period(date, freq, date_format, partial)
    except RecordError:
        return None


def _period(date: Any, freq: str, date_format: str | None, partial: str) -> str | None:
    """:func:`period_of`, raising RecordError (E106) for a date that cannot be read."""
    if date is None:
        return None
    s = str(date).strip()
    if not s:
        return None
    m = _ISO.match(s) if date_format is None else None
    if m is None:
        iso = parse_date(s, date_format=date_format)
        if iso is None:
            return None
        m = _ISO.match(iso)
        if m is None:  # pragma: no cover - parse_date returns ISO
            return None
    y = int(m.group(1))
    if m.group(2) is None and freq in ("month", "quarter") and partial == "none":
        return None
    mo = int(m.group(2) or 1)
    if not 1 <= mo <= 12:
        raise RecordError(Errors.E106.format(value=s, field="date", detail=f"no month {mo}"))
    if freq == "month":
        return f"{y:04d}-{mo:02d}"
    if freq == "quarter":
        return f"{y:04d}-Q{(mo - 1) // 3 + 1}"
    if freq == "year":
        return f"{y:04d}"
    return f"{y // 10 * 10:04d}s"


def period_start(label: str) -> dt.date:
    """First day of a period label made by :func:`period_of` (for plotting and sorting).

    Example:
        >>> period_start("2019-Q3"), period_start("1990s")
        (datetime.date(2019, 7, 1), datetime.date(1990, 1, 1))
    """
    y = int(label[:4])
    if label.endswith("s"):
        return dt.date(y, 1, 1)
    if "-Q" in label:
        return dt.date(y, (int(label[-1]) - 1) * 3 + 1, 1)
    if len(label) >= 7:
        return dt.date(y, int(label[5:7]), 1)
    return dt.date(y, 1, 1)


# ----------------------------------------------------------------------------------------------
# normalised documents
# ----------------------------------------------------------------------------------------------


@dataclass
class Doc:
    """One labelled document, normalised from any input layout."""

    id: str
    keys: tuple[str, ...]
    date: str | None
    labels: list[str]
    sentences: list[tuple[str, list[str]]] | None
    stance: list[tuple[str, str]]
    source: str
    stance_sentences: list[tuple[str, str, str]] = field(default_factory=list)
    title: str | None = None
    fields: tuple[str, ...] = ()
    #: a DocResult's sentence shares and mention counts; ``None``: the record does not say
    shares: dict[str, float] | None = None
    mentions: dict[str, int] | None = None
    n_sentences: int | None = None
    where: str = ""
    #: a DocResult's document probability per frame (its ``frames``); ``None`` for records
    #: that carry none (annotated corpus records)
    probs: dict[str, float] | None = None


def _is_result(rec: dict[str, Any]) -> bool:
    return "frames" in rec or "model" in rec


def _key_value(v: Any) -> str | None:
    if v is None or (isinstance(v, float) and v != v):
        return None
    if isinstance(v, (list, tuple)):
        return "; ".join(str(x) for x in v) if v else None
    s = str(v).strip()
    return s or None


def _stance_pairs(raw: Any) -> list[tuple[str, str]]:
    if isinstance(raw, dict):
        return [(str(t), str(lab).lower()) for t, lab in raw.items()]
    out = []
    for s in raw or []:
        if isinstance(s, dict) and s.get("target") is not None and s.get("label") is not None:
            out.append((str(s["target"]), str(s["label"]).lower()))
    return out


def _gold_sentences(gold: list[dict[str, Any]], pred: list[dict[str, Any]],
                    text: str | None) -> list[tuple[str, list[str]]]:
    """Gold sentences with their text: from ``text`` offsets, or stitched from the predicted
    sentences (whose offsets index the same original text) when only those carry text."""
    out = []
    for g in gold:
        labels = [str(x) for x in g.get("labels") or []]
        if g.get("text"):
            out.append((str(g["text"]), labels))
            continue
        a, b = int(g.get("start", 0)), int(g.get("end", 0))
        if text:
            out.append((text[a:b], labels))
            continue
        parts = []
        for s in pred:
            sa, sb, st = int(s.get("start", 0)), int(s.get("end", 0)), str(s.get("text", ""))
            lo, hi = max(a, sa), min(b, sb)
            if hi > lo:
                parts.append(st[lo - sa:hi - sa])
        out.append((" ".join(p.strip() for p in parts if p.strip()), labels))
    return out


def normalise_record(rec: Any, by: Sequence[str], labels_from: str = "auto",
                     where: str = "record") -> Doc:
    """Turn one record (DocResult dict or object, Parquet-layout row, or annotated corpus
    record) into a :class:`Doc` with group keys, date, labels, sentences and stance."""
    if not isinstance(rec, dict):
        if hasattr(rec, "to_dict"):
            rec = rec.to_dict()
        else:
            raise FramingError(Errors.E507.format(path=where, detail=(
                f"expected a JSON object, found {type(rec).__name__}")))
    if META_JSON in rec or SENTENCES_JSON in rec:
        rec = row_to_dict(rec)
    result = _is_result(rec)
    meta = rec.get("meta") if isinstance(rec.get("meta"), dict) else {}
    source = labels_from if labels_from != "auto" else ("predicted" if result else "gold")

    def get(k: str) -> Any:
        if result:
            return meta.get(k, rec.get(k))
        return rec.get(k, meta.get(k))

    keys = tuple(_key_value(get(k)) or MISSING for k in by)
    date = _key_value(get("date"))
    rid = str(rec.get("id", ""))
    title = _key_value(get("title"))
    pred_sents = [s for s in rec.get("sentences") or [] if isinstance(s, dict)]
    shares = mentions = None
    n_sent = rec.get(N_SENTENCES)
    # the classifier's document probabilities travel with gold labels too: a validation
    # sample needs both (framing.aggregate.pcc calibrates the one against the other)
    probs = _per_frame(rec.get("frames"), float) if result else None
    if result and source == "predicted":
        shares = _per_frame(rec.get("shares"), float)
        mentions = _per_frame(rec.get("mentions"), int)
        n_sent = len(pred_sents) if pred_sents else n_sent
        labels = [str(x) for x in rec.get("labels") or []]
        sentences = [(str(s.get("text", "")), [str(x) for x in s.get("labels") or []])
                     for s in pred_sents]
        stance = _stance_pairs(rec.get("stance"))
        st_sents = [(str(s["target"]), str(s["label"]).lower(), str(e.get("text", "")))
                    for s in rec.get("stance") or [] if isinstance(s, dict) and "target" in s
                    for e in s.get("evidence") or [] if isinstance(e, dict)]
    elif result:  # gold labels carried in meta by ingest
        if not isinstance(meta.get("labels"), list):
            raise FramingError(Errors.E505.format(
                where=f"{where} (id {rid!r})", what="gold",
                detail="a labelled DocResult whose meta has no 'labels' list", other="predicted"))
        labels = [str(x) for x in meta["labels"]]
        gold_s = [s for s in meta.get("sentences") or [] if isinstance(s, dict)]
        sentences = _gold_sentences(gold_s, pred_sents, meta.get("text"))
        stance = _stance_pairs(meta.get("stance"))
        st_sents = [(t, lab, txt) for (txt, _), g in zip(sentences, gold_s, strict=True)
                    for t, lab in _stance_pairs(g.get("stance"))]
    else:
        if labels_from == "predicted":
            raise FramingError(Errors.E505.format(
                where=f"{where} (id {rid!r})", what="predicted",
                detail="an annotated corpus record, not the output of `framing label`",
                other="gold"))
        if not isinstance(rec.get("labels"), list):
            raise FramingError(Errors.E505.format(
                where=f"{where} (id {rid!r})", what="gold", detail="no 'labels' list",
                other="predicted"))
        labels = [str(x) for x in rec["labels"]]
        sentences = _gold_sentences(pred_sents, [], str(rec.get("text") or ""))
        stance = _stance_pairs(rec.get("stance"))
        st_sents = [(t, lab, txt) for (txt, _), g in zip(sentences, pred_sents, strict=True)
                    for t, lab in _stance_pairs(g.get("stance"))]
    return Doc(id=rid, keys=keys, date=date, labels=labels, sentences=sentences, stance=stance,
               source=source, stance_sentences=st_sents, title=title,
               fields=tuple(_fields_of(rec)), shares=shares, mentions=mentions,
               n_sentences=None if n_sent is None else int(n_sent), where=where,
               probs=probs or None)


def _per_frame(raw: Any, kind: Any) -> dict[str, Any] | None:
    """A ``{frame: value}`` mapping of a record, or ``None`` when it has none (older output)."""
    if not isinstance(raw, dict):
        return None
    return {str(f): kind(v) for f, v in raw.items() if v is not None}


def lacks(where: str, unit: str) -> FramingError:
    """E618: ``where`` does not store what ``unit`` counts."""
    what = "sentence shares (shares, share__<frame> and n_sentences)" if unit == "sentence" \
        else "mention counts (mentions, mentions__<frame>)"
    return FramingError(Errors.E618.format(where=where, what=what, unit=unit))


def unit_counts(d: Doc, unit: str) -> tuple[int, dict[str, int]]:
    """What ``d`` adds to a cell in ``unit``: its units (sentences or mentions) and, per frame,
    those that carry the frame (E618 when the record does not say)."""
    if unit == "mention":
        if d.mentions is None:
            raise lacks(d.where or d.id, unit)
        return sum(d.mentions.values()), dict(d.mentions)
    if d.shares is not None and d.n_sentences is not None:
        n = d.n_sentences
        # shares are stored rounded to 4 decimals: the count is exact below 5,000 sentences
        return n, {f: round(v * n) for f, v in d.shares.items() if round(v * n)}
    if d.source == "gold" and d.sentences is not None:
        sents = d.sentences
        cnt: Counter[str] = Counter(f for _, labs in sents for f in set(labs))
        return len(sents), dict(cnt)
    raise lacks(d.where or d.id, unit)


# ----------------------------------------------------------------------------------------------
# the compact data set
# ----------------------------------------------------------------------------------------------


@dataclass
class LabelledData:
    """Per-document arrays (one entry per document) plus the code tables they index.

    ``group[i]`` indexes ``groups`` (one row per group, columns = ``by``); ``period[i]`` indexes
    ``periods`` (-1: no usable date); ``units[i]`` is 1 (document unit) or the number of
    sentences; ``k[i, f]`` is 0/1 (document uses frame ``frames[f]``) or the number of its
    sentences that carry the frame. Stance is a long table of (document, target, label) codes.
    ``probs[i, j]`` is the document probability of ``prob_frames[j]`` that the classifier
    gave document ``i`` (NaN where its record has none, e.g. annotated corpus records; see
    :meth:`probs_of`); ``None`` for the sentence and mention units and where no document
    carries one. The probabilities have their own frame list so that reading them never adds a
    frame to ``frames`` (the frames counted).
    """

    by: tuple[str, ...]
    freq: str
    unit: str
    frames: list[str]
    groups: pd.DataFrame
    periods: list[str]
    group: NDArray[np.int32]
    period: NDArray[np.int32]
    units: NDArray[np.int32]
    k: NDArray[Any]
    targets: list[str]
    stance_doc: NDArray[np.int32]
    stance_target: NDArray[np.int32]
    stance_label: NDArray[np.int32]
    stance_labels: list[str]
    label_sources: dict[str, int]
    sources: list[str]
    has_text: bool
    #: documents left out because their id repeats an earlier one (0 with keep_duplicates)
    n_duplicates: int = 0
    #: documents whose date could not be read (they are undated)
    n_bad_dates: int = 0
    probs: NDArray[np.float32] | None = None
    prob_frames: list[str] = field(default_factory=list)

    @property
    def n_documents(self) -> int:
        return len(self.group)

    @property
    def n_undated(self) -> int:
        return int(np.sum(self.period < 0))

    def probs_of(self, frame: str) -> NDArray[np.float32] | None:
        """Every document's probability of ``frame`` (NaN where a document has none), or
        ``None`` when no document has one."""
        if self.probs is None or frame not in self.prob_frames:
            return None
        return self.probs[:, self.prob_frames.index(frame)]

    def group_label(self, g: int) -> str:
        """A group's values joined with `` / `` (``"outlet-a / immigration"``)."""
        return " / ".join(str(v) for v in self.groups.iloc[g].tolist())


class _Codes:
    """Value -> code table that grows as new values appear."""

    def __init__(self, initial: Iterable[Any] = ()) -> None:
        self.index: dict[Any, int] = {}
        for v in initial:
            self.code(v)

    def code(self, v: Any) -> int:
        c = self.index.get(v)
        if c is None:
            c = self.index[v] = len(self.index)
        return c

    @property
    def values(self) -> list[Any]:
        return list(self.index)


class _Accumulator:
    def __init__(self, by: tuple[str, ...], freq: str, unit: str,
                 options: ReadOptions | None = None) -> None:
        self.by, self.freq, self.unit = by, freq, unit
        self.options = current_options(options)
        self.date_bad: dict[Any, bool] = {}
        self.bad_dates = 0
        self.bad_examples: list[str] = []
        self.id_parts: list[Any] = []
        self.groups = _Codes()
        self.periods = _Codes()
        self.frames = _Codes()
        self.declared: list[str] = []
        self.targets = _Codes()
        self.stance_labels = _Codes(STANCE_LABELS)
        self.date_period: dict[Any, int] = {}
        self.group_parts: list[NDArray[np.int32]] = []
        self.period_parts: list[NDArray[np.int32]] = []
        self.unit_parts: list[NDArray[np.int32]] = []
        self.k_rows: list[NDArray[np.int64]] = []
        self.k_cols: list[NDArray[np.int32]] = []
        self.k_vals: list[NDArray[np.int32]] = []
        # document probabilities as (row, frame code, value) entries, document unit only
        self.p_rows: list[NDArray[np.int64]] = []
        self.p_cols: list[NDArray[np.int32]] = []
        self.p_vals: list[NDArray[np.float32]] = []
        self.prob_frames = _Codes()
        self.st_doc, self.st_target, self.st_label = array("q"), array("i"), array("i")
        self.sources: Counter[str] = Counter()
        self.key_found = [0] * len(by)
        self.fields_seen: Counter[str] = Counter()
        self.has_text = False
        self.n = 0

    def period_code(self, date: Any) -> int:
        c = self.date_period.get(date)
        if c is None:
            bad = False
            try:
                p = _period(date, self.freq, self.options.date_format, "none")
            except RecordError:
                p, bad = None, True
            c = -1 if p is None else self.periods.code(p)
            self.date_period[date] = c
            self.date_bad[date] = bad
        return c

    def count_bad_dates(self, date: Any, n: int = 1) -> None:
        """Count ``n`` documents dated ``date`` if it could not be read (after period_code)."""
        if self.date_bad.get(date):
            self.bad_dates += n
            if len(self.bad_examples) < 3 and repr(str(date)) not in self.bad_examples:
                self.bad_examples.append(repr(str(date)))

    def add_docs(self, docs: Sequence[Doc]) -> None:
        """Add normalised documents (the record path)."""
        base = self.n
        m = len(docs)
        g = np.empty(m, np.int32)
        p = np.empty(m, np.int32)
        u = np.ones(m, np.int32)
        rows: array[int] = array("q")
        cols: array[int] = array("i")
        vals: array[int] = array("i")
        p_rows: array[int] = array("q")
        p_cols: array[int] = array("i")
        p_vals: array[float] = array("f")
        for i, d in enumerate(docs):
            if base + i < 50:
                self.fields_seen.update(d.fields)
            for j, v in enumerate(d.keys):
                if v != MISSING:
                    self.key_found[j] += 1
            g[i] = self.groups.code(d.keys)
            p[i] = self.period_code(d.date)
            self.count_bad_dates(d.date)
            self.sources[d.source] += 1
            if self.unit != "document":
                u[i], cnt = unit_counts(d, self.unit)
                for f, c in cnt.items():
                    rows.append(base + i)
                    cols.append(self.frames.code(f))
                    vals.append(c)
            else:
                for f in set(d.labels):
                    rows.append(base + i)
                    cols.append(self.frames.code(f))
                    vals.append(1)
                for pf, pv in (d.probs or {}).items():
                    p_rows.append(base + i)
                    p_cols.append(self.prob_frames.code(pf))
                    p_vals.append(pv)
            if not self.has_text and d.sentences and any(t.strip() for t, _ in d.sentences):
                self.has_text = True
            for t, lab in d.stance:
                self.st_doc.append(base + i)
                self.st_target.append(self.targets.code(t))
                self.st_label.append(self.stance_labels.code(lab))
        self.id_parts.append([d.id for d in docs])
        self._push(g, p, u, np.frombuffer(rows, np.int64), np.frombuffer(cols, np.int32),
                   np.frombuffer(vals, np.int32))
        if p_rows:
            self.push_probs(np.frombuffer(p_rows, np.int64), np.frombuffer(p_cols, np.int32),
                            np.frombuffer(p_vals, np.float32))

    def push_probs(self, rows: NDArray[np.int64], cols: NDArray[np.int32],
                   vals: NDArray[np.float32]) -> None:
        """Document probabilities as (document row, frame code, probability) entries."""
        self.p_rows.append(rows.copy())
        self.p_cols.append(cols.copy())
        self.p_vals.append(vals.astype(np.float32))

    def _push(self, g: NDArray[np.int32], p: NDArray[np.int32], u: NDArray[np.int32],
              rows: NDArray[np.int64], cols: NDArray[np.int32], vals: NDArray[np.int32]) -> None:
        self.group_parts.append(g)
        self.period_parts.append(p)
        self.unit_parts.append(u)
        self.k_rows.append(rows.copy())
        self.k_cols.append(cols.copy())
        self.k_vals.append(vals.copy())
        self.n += len(g)

    def duplicates(self) -> tuple[NDArray[np.bool_], list[str]]:
        """Which documents repeat an earlier document's id (empty ids never do), and a few
        examples ``'id' x3``."""
        import pyarrow as pa

        parts = [p.to_pylist() if isinstance(p, pa.Array | pa.ChunkedArray) else list(p)
                 for p in self.id_parts]
        ids = pd.Series([x for part in parts for x in part], dtype=object)
        if len(ids) != self.n:  # pragma: no cover - every reader records its ids
            return np.zeros(self.n, bool), []
        named = ids.notna() & (ids.astype(str) != "")
        dup = (ids.duplicated(keep="first") & named).to_numpy()
        examples: list[str] = []
        if dup.any():
            counts = ids[named].value_counts()
            examples = [f"{k!r} x{int(c)}" for k, c in counts[counts > 1].head(3).items()]
        return dup, examples

    def drop(self, dup: NDArray[np.bool_]) -> None:
        """Remove the documents marked in ``dup`` (renumbering the rest, input order kept)."""
        keep = ~dup
        new_index = np.cumsum(keep) - 1
        group = np.concatenate(self.group_parts)[keep]
        period = np.concatenate(self.period_parts)[keep]
        units = np.concatenate(self.unit_parts)[keep]
        rows = np.concatenate(self.k_rows) if self.k_rows else np.zeros(0, np.int64)
        cols = np.concatenate(self.k_cols) if self.k_cols else np.zeros(0, np.int32)
        vals = np.concatenate(self.k_vals) if self.k_vals else np.zeros(0, np.int32)
        sel = keep[rows] if len(rows) else np.zeros(0, bool)
        self.group_parts, self.period_parts, self.unit_parts = [group], [period], [units]
        self.k_rows = [new_index[rows[sel]].astype(np.int64)]
        self.k_cols, self.k_vals = [cols[sel]], [vals[sel]]
        if self.p_rows:
            pr = np.concatenate(self.p_rows)
            psel = keep[pr]
            self.p_rows = [new_index[pr[psel]].astype(np.int64)]
            self.p_cols = [np.concatenate(self.p_cols)[psel]]
            self.p_vals = [np.concatenate(self.p_vals)[psel]]
        sd = np.frombuffer(self.st_doc, np.int64)
        ssel = keep[sd] if len(sd) else np.zeros(0, bool)
        self.st_doc = array("q", new_index[sd[ssel]].astype(np.int64).tolist())
        self.st_target = array("i", np.frombuffer(self.st_target, np.int32)[ssel].tolist())
        self.st_label = array("i", np.frombuffer(self.st_label, np.int32)[ssel].tolist())
        self.n = int(keep.sum())

    def finish(self, sources: list[str]) -> LabelledData:
        if self.n == 0:
            raise FramingError(Errors.E506.format(where=", ".join(sources) or "the input",
                                                  detail="no documents"))
        dup, examples = self.duplicates()
        n_dup = int(dup.sum())
        if n_dup:
            keep_all = self.options.keep_duplicates
            warnings.warn(FramingWarning(Warnings.W616.format(
                n=n_dup, examples=", ".join(examples),
                action="every copy is counted (--keep-duplicates)" if keep_all else
                "each id is counted once, the first copy (--keep-duplicates counts every "
                "copy)")), stacklevel=4)
            if not keep_all:
                self.drop(dup)
        if self.bad_dates:
            warnings.warn(FramingWarning(Warnings.W617.format(
                n=self.bad_dates, examples=", ".join(self.bad_examples))), stacklevel=4)
        for j, key in enumerate(self.by):
            if self.key_found[j] == 0:
                avail = sorted(f for f in self.fields_seen if f != "__meta__") or ["(none)"]
                raise FramingError(Errors.E501.format(field=key, where=", ".join(sources),
                                                      available=", ".join(avail[:40])))
        # canonical orders: groups by their values, periods by time, frames in codebook order
        gvals = self.groups.values
        g_order = sorted(range(len(gvals)), key=lambda i: tuple(str(x) for x in gvals[i]))
        g_map = np.empty(len(gvals), np.int32)
        g_map[g_order] = np.arange(len(gvals), dtype=np.int32)
        pvals = self.periods.values
        p_order = sorted(range(len(pvals)), key=lambda i: pvals[i])
        p_map = np.empty(len(pvals) + 1, np.int32)
        p_map[np.array(p_order, dtype=np.int64)] = np.arange(len(pvals), dtype=np.int32)
        p_map[-1] = -1  # undated stays -1 (index -1 picks this slot)
        frames = _frame_order(self.declared + self.frames.values)
        f_index = {f: i for i, f in enumerate(frames)}
        f_map = np.array([f_index[f] for f in self.frames.values] or [0], dtype=np.int32)
        group = g_map[np.concatenate(self.group_parts)]
        period = p_map[np.concatenate(self.period_parts)]
        units = np.concatenate(self.unit_parts).astype(np.int32)
        rows = np.concatenate(self.k_rows)
        cols = f_map[np.concatenate(self.k_cols)] if len(rows) else np.zeros(0, np.int32)
        vals = np.concatenate(self.k_vals)
        dtype: Any = np.uint8 if self.unit == "document" else (
            np.uint16 if units.max(initial=0) < 65_535 else np.int32)
        k = np.zeros((self.n, len(frames)), dtype=dtype)
        k[rows, cols] = vals
        probs = None
        if self.p_rows and self.unit == "document":
            probs = np.full((self.n, len(self.prob_frames.index)), np.nan, np.float32)
            probs[np.concatenate(self.p_rows), np.concatenate(self.p_cols)] = \
                np.concatenate(self.p_vals)
        groups = pd.DataFrame([gvals[i] for i in g_order], columns=list(self.by))
        t_doc = np.frombuffer(self.st_doc, np.int64).astype(np.int32)
        return LabelledData(
            by=self.by, freq=self.freq, unit=self.unit, frames=frames, groups=groups,
            periods=[pvals[i] for i in p_order], group=group, period=period, units=units, k=k,
            targets=self.targets.values, stance_doc=t_doc,
            stance_target=np.frombuffer(self.st_target, np.int32).copy(),
            stance_label=np.frombuffer(self.st_label, np.int32).copy(),
            stance_labels=self.stance_labels.values, label_sources=dict(self.sources),
            sources=sources, has_text=self.has_text,
            n_duplicates=0 if self.options.keep_duplicates else n_dup,
            n_bad_dates=self.bad_dates, probs=probs,
            prob_frames=self.prob_frames.values if probs is not None else [])


def _frame_order(frames: Iterable[str]) -> list[str]:
    """Codebook order for known frame ids, then the others alphabetically (unique)."""
    try:
        from framing.corpora import codebook_frames

        known, _ = codebook_frames()
    except (OSError, ValueError, KeyError):
        known = []
    pos = {f: i for i, f in enumerate(known)}
    uniq = list(dict.fromkeys(frames))
    return sorted(uniq, key=lambda f: (pos.get(f, len(pos)), f))


# ----------------------------------------------------------------------------------------------
# readers
# ----------------------------------------------------------------------------------------------


def _jsonl_records(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    return iter_jsonl_results(path)


def _fields_of(rec: dict[str, Any]) -> list[str]:
    out = [k for k in rec if k not in ("meta", "text", "sentences", "frames", "model")]
    if isinstance(rec.get("meta"), dict):
        out += list(rec["meta"])
    return out


def _check_path(p: Path) -> None:
    if not p.exists():
        raise FramingError(Errors.E201.format(path=p))
    if p.suffix.lower() not in _PARQUET + _JSONL:
        raise FramingError(Errors.E507.format(
            path=p, detail="expected a .jsonl or .parquet file (the output of `framing label`, "
                           "or an annotated corpus JSONL)"))


def _expand(paths: Sequence[str | Path], options: ReadOptions | None = None) -> list[Path]:
    """The files to read: a file itself; an output directory of ``framing label`` (it has a
    manifest) its checked shards; another folder its .jsonl/.parquet files."""
    opts = current_options(options)
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir() and (p / MANIFEST).is_file():
            files = output_files(p, allow_incomplete=opts.allow_incomplete)
            if not files:
                raise FramingError(Errors.E506.format(where=p, detail="no finished shards"))
            out += files
        elif p.is_dir():
            found = sorted(x for x in p.iterdir() if x.suffix.lower() in _PARQUET + _JSONL
                           and not x.name.startswith(("_", ".")))
            if not found:
                raise FramingError(Errors.E506.format(where=p, detail="no .jsonl/.parquet files"))
            out += found
        else:
            _check_path(p)
            out.append(p)
    return out


def _parquet_layout(names: Sequence[str]) -> bool:
    return is_result_table(names)


def _read_parquet_fast(path: Path, acc: _Accumulator, labels_from: str) -> None:
    """Predicted labels, Parquet result layout: Arrow kernels throughout (the sentence and
    mention units read the ``share__``/``mentions__`` columns and ``n_sentences``)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    pf = parquet_file(path)
    names = pf.schema_arrow.names
    acc.declared += frames_in(names)
    acc.fields_seen.update(n for n in names if n not in JSON_COLUMNS)
    if "labels" not in names:
        raise FramingError(Errors.E505.format(where=str(path), what="predicted",
                                              detail="no 'labels' column", other="gold"))
    meta_keys = [k for k in (*acc.by, "date") if k not in names]
    cols = [k for k in (*acc.by, "date") if k in names] + ["labels"]
    unit_cols = _unit_columns(names, acc.unit)
    cols += [c for c in unit_cols if c not in cols]
    # the document probabilities (score__<frame>), document unit only
    score_cols = [score_column(f) for f in frames_in(names)] if acc.unit == "document" else []
    cols += [c for c in score_cols if c not in cols]
    if "id" in names:
        cols.append("id")
    if meta_keys:
        cols.append(META_JSON)
    stance = STANCE_JSON in names
    if stance:
        cols.append(STANCE_JSON)
    acc.has_text = acc.has_text or _parquet_has_text(path)
    for batch in pf.iter_batches(batch_size=_BATCH, columns=cols):
        m = batch.num_rows
        base = acc.n
        meta_cols: dict[str, Any] = {}
        if meta_keys:
            mj = batch.column(META_JSON)
            if not acc.fields_seen.get("__meta__"):
                acc.fields_seen["__meta__"] = 1
                acc.fields_seen.update(k for s in mj.slice(0, 100).to_pylist() if s
                                       for k in json.loads(s))
            meta_cols = _meta_columns(mj, meta_keys)
        key_codes = []
        for j, key in enumerate(acc.by):
            arr = pc.cast(batch.column(key) if key in names else meta_cols[key], pa.string())
            codes, vals = _dict_codes(arr)
            acc.key_found[j] += int(m - arr.null_count)
            key_codes.append((codes, [MISSING if v is None else v for v in vals]))
        g = _combine_group_codes(key_codes, acc, m)
        dcodes, dvals = _dict_codes(pc.cast(batch.column("date") if "date" in names
                                            else meta_cols["date"], pa.string()))
        # one slot more for null dates: code -1 picks it (undated)
        plut = np.array([acc.period_code(v) for v in dvals] + [-1], dtype=np.int32)
        p = plut[dcodes]
        if acc.date_bad and any(acc.date_bad.get(v) for v in dvals):
            per_value = np.bincount(dcodes[dcodes >= 0], minlength=len(dvals))
            for v, n in zip(dvals, per_value.tolist(), strict=True):
                if n:
                    acc.count_bad_dates(v, n)
        lab = batch.column("labels")
        flat = pc.list_flatten(lab)
        parents = pc.list_parent_indices(lab).to_numpy(zero_copy_only=False).astype(np.int64)
        fcodes, fvals = _dict_codes(flat)
        flut = np.array([acc.frames.code(v) for v in fvals] or [0], dtype=np.int32)
        keep = fcodes >= 0
        cols_ = flut[fcodes[keep]]
        rows_ = parents[keep] + base
        acc.sources["predicted"] += m
        acc.id_parts.append(batch.column("id") if "id" in names else [""] * m)
        if acc.unit == "document":
            acc._push(g, p, np.ones(m, np.int32), rows_, cols_, np.ones(len(rows_), np.int32))
            _push_scores(batch, score_cols, acc, base)
        else:
            acc._push(g, p, *_unit_arrays(batch, unit_cols, acc, base))
        if stance:
            st = batch.column(STANCE_JSON).fill_null("[]")
            if not pc.all(pc.equal(st, "[]")).as_py():
                # parse each distinct string once (stance lists repeat a lot)
                scodes, svals = _dict_codes(st)
                parsed = [[(acc.targets.code(t), acc.stance_labels.code(lab_))
                           for t, lab_ in _stance_pairs(json.loads(v) if v else [])]
                          for v in svals]
                for i, c in enumerate(scodes.tolist()):
                    for t_code, l_code in parsed[c]:
                        acc.st_doc.append(base + i)
                        acc.st_target.append(t_code)
                        acc.st_label.append(l_code)


def _push_scores(batch: Any, score_cols: Sequence[str], acc: _Accumulator, base: int) -> None:
    """The ``score__<frame>`` columns of a batch as document probabilities (nulls left out)."""
    for c in score_cols:
        f = frame_of(c)
        assert f is not None
        v = batch.column(c).to_numpy(zero_copy_only=False).astype(np.float32)
        ok = np.flatnonzero(np.isfinite(v))
        if len(ok):
            acc.push_probs(ok.astype(np.int64) + base,
                           np.full(len(ok), acc.prob_frames.code(f), np.int32), v[ok])


def _unit_columns(names: Sequence[str], unit: str) -> list[str]:
    """The columns the sentence or mention unit reads from a Parquet result layout."""
    if unit == "sentence":
        return [N_SENTENCES, *(share_column(f) for f in frames_in(names, SHARE_PREFIX))]
    if unit == "mention":
        return [mentions_column(f) for f in frames_in(names, MENTIONS_PREFIX)]
    return []


def _unit_arrays(batch: Any, unit_cols: Sequence[str], acc: _Accumulator, base: int
                 ) -> tuple[NDArray[np.int32], NDArray[np.int64], NDArray[np.int32],
                            NDArray[np.int32]]:
    """Units per document and the (row, frame, count) entries of a batch, vectorised."""
    m = batch.num_rows

    def values(col: str) -> NDArray[np.float64]:
        v = batch.column(col).to_numpy(zero_copy_only=False).astype(np.float64)
        return np.nan_to_num(v, nan=0.0)

    rows, cols, vals = [], [], []
    n = np.zeros(m)
    if acc.unit == "sentence":
        n = values(N_SENTENCES)
        units = n.astype(np.int32)
        frame_cols = unit_cols[1:]
    else:
        units = np.zeros(m, np.int32)
        frame_cols = list(unit_cols)
    for c in frame_cols:
        f = frame_of(c, SHARE_PREFIX if acc.unit == "sentence" else MENTIONS_PREFIX)
        assert f is not None
        # shares are stored rounded: the sentence count is exact below 5,000 sentences
        cnt = np.rint(values(c) * n).astype(np.int32) if acc.unit == "sentence" \
            else values(c).astype(np.int32)
        if acc.unit == "mention":
            units += cnt
        nz = np.flatnonzero(cnt)
        if len(nz):
            rows.append(nz.astype(np.int64) + base)
            cols.append(np.full(len(nz), acc.frames.code(f), np.int32))
            vals.append(cnt[nz])
    if not rows:
        return units, np.zeros(0, np.int64), np.zeros(0, np.int32), np.zeros(0, np.int32)
    return units, np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)


def _meta_columns(meta_json: Any, keys: Sequence[str]) -> dict[str, Any]:
    """Fields of a column of JSON objects, parsed by Arrow's C++ JSON reader (the strings are
    already newline-free JSON, so the column's data buffer plus separators is NDJSON); falls
    back to ``json.loads`` per row when a field is not a plain string."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.json as pj

    col = meta_json.fill_null("{}")
    try:
        lines = pc.binary_join_element_wise(col, pa.scalar("\n"), "")
        if hasattr(lines, "combine_chunks"):
            lines = lines.combine_chunks()
        width = np.int64 if pa.types.is_large_string(lines.type) else np.int32
        offs = np.frombuffer(lines.buffers()[1], dtype=width)[
            lines.offset:lines.offset + len(lines) + 1]
        data = lines.buffers()[2][int(offs[0]):int(offs[-1])]
        schema = pa.schema([(k, pa.string()) for k in keys])
        tbl = pj.read_json(pa.BufferReader(data), parse_options=pj.ParseOptions(
            explicit_schema=schema, unexpected_field_behavior="ignore"))
        if tbl.num_rows == len(col):
            return {k: tbl.column(k).combine_chunks() for k in keys}
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        pass
    rows = [json.loads(s) for s in col.to_pylist()]
    return {k: pa.array([_key_value(r.get(k)) for r in rows], pa.string()) for k in keys}


def _parquet_has_text(path: Path) -> bool:
    """Whether the first rows of a Parquet file carry sentence text (a cheap probe)."""
    import pyarrow.compute as pc

    pf = parquet_file(path)
    names = pf.schema_arrow.names
    col = SENTENCES_JSON if SENTENCES_JSON in names else ("text" if "text" in names
                                                              else None)
    if col is None or not pf.metadata.num_rows:
        return False
    first = next(pf.iter_batches(batch_size=256, columns=[col]))
    longest = pc.max(pc.utf8_length(first.column(0).fill_null(""))).as_py()
    return bool(longest and longest > 2)


def _dict_codes(arr: Any) -> tuple[NDArray[np.int64], list[Any]]:
    """Dictionary-encode an Arrow array: (codes with -1 for null, dictionary values)."""
    import pyarrow.compute as pc

    enc = pc.dictionary_encode(arr)
    if hasattr(enc, "combine_chunks"):
        enc = enc.combine_chunks()
    codes = enc.indices.to_numpy(zero_copy_only=False)
    codes = np.where(np.isnan(codes), -1, codes).astype(np.int64) if codes.dtype.kind == "f" \
        else codes.astype(np.int64)
    return codes, enc.dictionary.to_pylist()


def _combine_group_codes(key_codes: list[tuple[NDArray[np.int64], list[Any]]],
                         acc: _Accumulator, m: int) -> NDArray[np.int32]:
    if not key_codes:
        return np.full(m, acc.groups.code(()), np.int32)
    # one local code per distinct combination, then map combinations to global group codes
    stacked = np.stack([c for c, _ in key_codes], axis=1)
    uniq, inv = np.unique(stacked, axis=0, return_inverse=True)
    lut = np.empty(len(uniq), np.int32)
    for r, combo in enumerate(uniq):
        vals = tuple(MISSING if c < 0 else key_codes[j][1][c] for j, c in enumerate(combo))
        lut[r] = acc.groups.code(vals)
    return lut[np.asarray(inv).reshape(-1)]


def _parquet_records(path: Path, need_text: bool = True) -> Iterator[dict[str, Any]]:
    pf = parquet_file(path)
    names = pf.schema_arrow.names
    cols = list(names)
    if _parquet_layout(names):
        # sentence text only when asked for; the frame scores (document probabilities) are
        # kept: probabilistic classify-and-count reads them
        cols = [n for n in names if need_text or n != SENTENCES_JSON]
    try:
        for batch in pf.iter_batches(batch_size=8192, columns=cols):
            yield from batch.to_pylist()
    except Exception as e:
        raise FramingError(Errors.E905.format(path=path, detail=str(e)[:200])) from None


def iter_documents(source: Source, by: Sequence[str] = ("outlet",), labels_from: str = "auto",
                   need_text: bool = True, options: ReadOptions | None = None) -> Iterator[Doc]:
    """Every input document, normalised (the slow, general path: one Python object each); a
    document whose id repeats an earlier one is skipped unless ``keep_duplicates``.

    Example:
        >>> next(iter_documents([{"id": "a", "outlet": "X", "labels": [], "text": "Hi.",
        ...                       "sentences": [{"start": 0, "end": 3, "labels": []}]}])).sentences
        [('Hi.', [])]
    """
    opts = current_options(options)
    docs = _iter_documents(source, by, labels_from, need_text, opts)
    if opts.keep_duplicates:
        yield from docs
        return
    seen: set[str] = set()
    for d in docs:
        if d.id:
            if d.id in seen:
                continue
            seen.add(d.id)
        yield d


def _iter_documents(source: Source, by: Sequence[str], labels_from: str, need_text: bool,
                    opts: ReadOptions) -> Iterator[Doc]:
    if isinstance(source, pd.DataFrame):
        for i, row in enumerate(source.to_dict("records")):
            yield normalise_record(_df_row(row), by, labels_from, where=f"row {i}")
        return
    if isinstance(source, (str, Path)):
        source = [source]
    items = list(source) if not isinstance(source, list) else source
    if items and all(isinstance(x, (str, Path)) for x in items):
        for p in _expand(items, opts):
            if p.suffix.lower() in _PARQUET:
                for i, rec in enumerate(_parquet_records(p, need_text)):
                    yield normalise_record(rec, by, labels_from, where=f"{p} row {i}")
            else:
                for lineno, rec in _jsonl_records(p):
                    yield normalise_record(rec, by, labels_from, where=f"{p}:{lineno}")
        return
    for i, rec in enumerate(items):
        yield normalise_record(rec, by, labels_from, where=f"record {i}")


def _df_row(row: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for k, v in row.items():
        if isinstance(v, np.ndarray):
            v = v.tolist()
        out[k] = v
    return out


def load_labelled(source: Source, by: Sequence[str] = ("outlet",), freq: str = "year",
                  unit: str = "document", labels_from: str = "auto",
                  options: ReadOptions | None = None) -> LabelledData:
    """Read labelled documents into a :class:`LabelledData` (see the module docstring).

    ``source`` is a path, a list of paths (files or folders of .jsonl/.parquet), a DataFrame,
    or an iterable of records. Parquet written by ``framing label`` is read column-wise when the
    document unit and predicted labels are asked for; everything else streams record by record.

    Example:
        >>> import framing.corpora as c                              # doctest: +SKIP
        >>> d = load_labelled(c.COLLECTION_PATH, by=["outlet", "issue"])  # doctest: +SKIP
        >>> d.n_documents, len(d.groups)                            # doctest: +SKIP
        (1128, 30)
    """
    check_settings(by, freq, unit, labels_from)
    opts = current_options(options)
    # duplicates are found over all inputs at the end (the accumulator), not per file
    per_file = replace(opts, keep_duplicates=True)
    by_t = tuple(by)
    acc = _Accumulator(by_t, freq, unit, opts)
    names: list[str] = []
    if isinstance(source, (str, Path)) or (
            isinstance(source, list) and source and all(isinstance(x, (str, Path))
                                                         for x in source)):
        paths = _expand([source] if isinstance(source, (str, Path)) else list(source), opts)
        for p in paths:
            names.append(str(p))
            if p.suffix.lower() in _PARQUET:
                cols = parquet_file(p).schema_arrow.names
                if _parquet_layout(cols) and labels_from in ("auto", "predicted"):
                    if unit != "document" and not stores_shares(cols):
                        raise lacks(str(p), unit)
                    _read_parquet_fast(p, acc, labels_from)
                    continue
                _read_docs(iter_documents(p, by_t, labels_from, need_text=unit == "sentence",
                                          options=per_file), acc)
                acc.has_text = acc.has_text or _parquet_has_text(p)
            else:
                _read_docs(iter_documents(p, by_t, labels_from, options=per_file), acc)
    else:
        names.append("<memory>")
        _read_docs(iter_documents(source, by_t, labels_from, options=per_file), acc)
    data = acc.finish(names)
    if unit == "sentence" and int(data.units.sum()) == 0:
        raise FramingError(Errors.E509.format(unit="sentence", where=", ".join(names)))
    if unit == "mention" and int(data.units.sum()) == 0:
        raise FramingError(Errors.E506.format(
            where=", ".join(names), detail="no document has a frame mention (evidence span); "
                                           "use --unit document"))
    return data


def _read_docs(docs: Iterator[Doc], acc: _Accumulator, batch: int = 4096) -> None:
    buf: list[Doc] = []
    for d in docs:
        buf.append(d)
        if len(buf) >= batch:
            acc.add_docs(buf)
            buf = []
    if buf:
        acc.add_docs(buf)


def check_settings(by: Sequence[str], freq: str, unit: str, labels_from: str) -> None:
    """Reject unknown frequencies, units or label sources with a numbered error."""
    if isinstance(by, str):
        raise FramingError(Errors.E502.format(detail="'by' must be a list of field names, "
                                                     f"not the string {by!r}"))
    if freq not in FREQS:
        raise FramingError(Errors.E502.format(
            detail=f"--freq must be one of {', '.join(FREQS)} (got {freq!r})"))
    if unit not in UNITS:
        raise FramingError(Errors.E502.format(
            detail=f"--unit must be one of {', '.join(UNITS)} (got {unit!r})"))
    if labels_from not in LABEL_SOURCES:
        raise FramingError(Errors.E502.format(
            detail=f"--labels-from must be one of {', '.join(LABEL_SOURCES)} "
                   f"(got {labels_from!r})"))
    if len(set(by)) != len(list(by)):
        raise FramingError(Errors.E502.format(detail=f"repeated grouping field in {list(by)}"))
    if "date" in by:
        raise FramingError(Errors.E502.format(
            detail="'date' cannot be a grouping field; time is the period axis (--freq)"))
