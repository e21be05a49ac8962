"""The settings of one aggregation, checked once, shared by the CLI and the Python API.

``framing aggregate`` and ``framing report`` build an :class:`AggregateSettings` from their
options; :func:`~framing.aggregate.aggregate`, :func:`~framing.report.build_report` and
:class:`~framing.aggregate.FrameShareEstimator` take one (``settings=``) or keyword overrides of
its fields, resolved by :meth:`AggregateSettings.resolve`, which rejects unknown names and bad
values with ``[E502]``.

Example:
    >>> s = AggregateSettings(by=["outlet", "issue"], alpha=0.1)
    >>> s.by, s.shift.alpha
    (('outlet', 'issue'), 0.1)
    >>> AggregateSettings.resolve(s, freq="month").freq
    'month'
    >>> AggregateSettings.resolve(bootstraps=10)
    Traceback (most recent call last):
    ...
    framing.errors.FramingError: [E502] Invalid aggregation settings: unknown setting(s) ...
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from enum import Enum
from typing import Any

from framing.aggregate.load import check_settings
from framing.aggregate.shifts import FAMILIES, ShiftSettings
from framing.errors import Errors, FramingError

#: How shares are corrected for classifier error (see :mod:`framing.aggregate.correct`).
CORRECTIONS = ("auto", "acc", "pcc")


@dataclass(frozen=True)
class AggregateSettings:
    """Checked settings of one aggregation (``__post_init__`` rejects bad values with E502).

    Grouping and units: ``by`` (grouping fields), ``freq`` (period), ``unit`` (``document``,
    ``sentence`` or ``mention``, see :mod:`framing.aggregate.load`), ``labels_from`` (``auto``,
    ``gold``, ``predicted``). Intervals and tests:
    ``conf``, ``alpha`` (false discovery rate), ``min_effect`` (smallest change that counts),
    ``n_bootstrap``, ``changepoint_p`` (``chi2`` or ``permutation``), ``n_permutations``,
    ``split_at`` (extra before/after splits), ``family``, ``min_use`` and ``confirm`` (which shift
    tests form the false-discovery families, see :mod:`framing.aggregate.shifts`). Correction:
    ``correction`` (estimator used with error rates, see :mod:`framing.aggregate.correct`).
    Vocabulary: ``vocab``, ``vocab_top``. ``random_state`` seeds bootstraps and permutations.
    """

    by: tuple[str, ...] = ("outlet",)
    freq: str = "year"
    unit: str = "document"
    labels_from: str = "auto"
    conf: float = 0.95
    alpha: float = 0.05
    min_effect: float = 0.15
    n_bootstrap: int = 999
    changepoint_p: str = "chi2"
    n_permutations: int = 999
    split_at: tuple[str, ...] = ()
    family: str = "hierarchical"
    min_use: float = 0.05
    confirm: tuple[str, ...] = ()
    correction: str = "auto"
    vocab: bool = True
    vocab_top: int = 20
    random_state: int = 0
    shift: ShiftSettings = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # frozen: normalise through object.__setattr__ (lists -> tuples, Enum members -> values)
        def put(name: str, value: Any) -> None:
            object.__setattr__(self, name, value)

        for f in fields(self):
            v = getattr(self, f.name, None)
            if isinstance(v, Enum):
                put(f.name, v.value)
        put("by", tuple([self.by] if isinstance(self.by, str) else self.by))
        put("split_at", tuple([self.split_at] if isinstance(self.split_at, str)
                              else self.split_at))
        put("confirm", tuple([self.confirm] if isinstance(self.confirm, str) else self.confirm))
        check_settings(self.by, self.freq, self.unit, self.labels_from)
        for name, kind in (("n_bootstrap", int), ("n_permutations", int), ("vocab_top", int),
                           ("random_state", int)):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, kind):
                raise FramingError(Errors.E502.format(
                    detail=f"{name} must be an integer, got {v!r}"))
        if self.n_bootstrap < 99:
            raise FramingError(Errors.E502.format(detail="use at least 99 bootstrap replicates"))
        if self.vocab_top < 1:
            raise FramingError(Errors.E502.format(detail="vocab_top must be at least 1"))
        if self.correction not in CORRECTIONS:
            raise FramingError(Errors.E502.format(
                detail=f"correction must be one of {', '.join(CORRECTIONS)}, got "
                       f"{self.correction!r}"))
        # the shift-test fields are checked by ShiftSettings (also used on its own)
        put("shift", ShiftSettings(alpha=self.alpha, min_effect=self.min_effect,
                                   conf=self.conf, changepoint_p=self.changepoint_p,
                                   n_permutations=self.n_permutations, split_at=self.split_at,
                                   family=self.family, min_use=self.min_use,
                                   confirm=self.confirm, random_state=self.random_state))

    @classmethod
    def names(cls) -> list[str]:
        """The settable field names."""
        return [f.name for f in fields(cls) if f.init]

    @classmethod
    def resolve(cls, settings: AggregateSettings | Mapping[str, Any] | None = None,
                **overrides: Any) -> AggregateSettings:
        """``settings`` (or the defaults) with ``overrides`` applied, validated; an unknown
        name is an E502 that lists the known ones."""
        base = settings if isinstance(settings, AggregateSettings) else cls(**dict(
            _checked_names(cls, settings or {})))
        if not overrides:
            return base
        return replace(base, **_checked_names(cls, overrides))

    def to_dict(self) -> dict[str, Any]:
        """The settings as plain JSON values (``summary.json``)."""
        d = asdict(self)
        d.pop("shift", None)
        return d


def _checked_names(cls: type[AggregateSettings], kw: Mapping[str, Any]) -> dict[str, Any]:
    known = cls.names()
    bad = sorted(k for k in kw if k not in known)
    if bad:
        raise FramingError(Errors.E502.format(
            detail=f"unknown setting(s) {', '.join(bad)}; known: {', '.join(known)}"))
    return dict(kw)


__all__ = ["CORRECTIONS", "FAMILIES", "AggregateSettings"]
