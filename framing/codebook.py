"""The codebook: frames (with parents and rule patterns) and stance targets.

A codebook is a JSON (or YAML) file. Each frame has an ``id``, ``name``, ``parent`` (or null),
``description``, optional ``threshold``, and ``patterns``: either a list of pattern objects or the
path of a JSONL file of them, relative to the codebook file. A pattern is
``{"id", "kind": "phrase", "phrases": [...], "weight"}`` (matched on lemmas, so one inflection
covers all) or ``{"id", "kind": "token", "pattern": [<spaCy Matcher token pattern>], "weight"}``.
A sentence's rule score for a frame is the noisy-OR of the weights of the distinct patterns that
matched in it, so a weight of 0.5 or more is a cue strong enough on its own.

Example:
    >>> from framing.codebook import Codebook
    >>> cb = Codebook.default()
    >>> cb.parent("federalism")
    'legality_constitutionality_and_jurisprudence'
    >>> cb.closure(["enforcement"])
    ['crime_and_punishment', 'enforcement']
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from framing.errors import Errors, FramingError

PATTERN_KINDS = ("phrase", "token")
_DEFAULT_NAME = "codebook.json"
# Matcher token attributes we accept in token patterns (spaCy's own validation does the rest).
_TOKEN_KEYS = {
    "ORTH", "TEXT", "LOWER", "LEMMA", "NORM", "POS", "TAG", "DEP", "SHAPE", "ENT_TYPE",
    "IS_ALPHA", "IS_PUNCT", "IS_DIGIT", "IS_TITLE", "IS_UPPER", "IS_LOWER", "IS_STOP",
    "LIKE_NUM", "IS_SENT_START", "LENGTH", "OP", "MORPH", "_",
}


@dataclass(frozen=True)
class Pattern:
    """One rule pattern; its ``id`` shows up as evidence (``rule:<id>``)."""

    id: str
    frame: str
    kind: str
    weight: float = 0.6
    phrases: tuple[str, ...] = ()
    pattern: tuple[dict[str, Any], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"id": self.id, "kind": self.kind, "weight": self.weight}
        if self.kind == "phrase":
            d["phrases"] = list(self.phrases)
        else:
            d["pattern"] = [dict(t) for t in self.pattern]
        return d


@dataclass(frozen=True)
class Frame:
    """A frame of the codebook."""

    id: str
    name: str
    parent: str | None
    description: str
    threshold: float | None = None
    patterns: tuple[Pattern, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "parent": self.parent,
            "description": self.description,
            "threshold": self.threshold,
            "patterns": [p.to_dict() for p in self.patterns],
        }


@dataclass(frozen=True)
class Target:
    """A default stance target: free text plus what it means."""

    id: str
    text: str
    description: str = ""
    issue: str | None = None
    #: the id of the target that means the opposite (declared on either side of the pair):
    #: a document's stance toward one constrains its stance toward the other
    opposite: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"id": self.id, "text": self.text,
                             "description": self.description, "issue": self.issue}
        if self.opposite:
            d["opposite"] = self.opposite
        return d


@dataclass(frozen=True)
class Issue:
    """A policy issue: what it covers (``description``) and the words that show a text is
    about it (``keywords``, matched on lemmas); used to infer the issue of a document that has
    none in its metadata (:mod:`framing.pipeline.issue`)."""

    id: str
    name: str
    description: str = ""
    keywords: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "description": self.description,
                "keywords": list(self.keywords)}


@dataclass
class Codebook:
    """Frames and stance targets. Build with :meth:`load`, :meth:`default` or :meth:`from_dict`."""

    name: str
    version: str
    frames: list[Frame]
    targets: list[Target] = field(default_factory=list)
    description: str = ""
    default_threshold: float = 0.5
    source: str = "<memory>"
    issues: list[Issue] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._by_id = {f.id: f for f in self.frames}

    def opposites(self) -> dict[str, str]:
        """``{target text: text of its declared opposite}``, both directions.

        Example:
            >>> Codebook.default().opposites()["states deciding their own drug policy"]
            'federal enforcement of drug laws'
        """
        text = {t.id: t.text for t in self.targets}
        out: dict[str, str] = {}
        for t in self.targets:
            if t.opposite and t.opposite in text:
                out[t.text] = text[t.opposite]
                out[text[t.opposite]] = t.text
        return out

    # ----- lookups -------------------------------------------------------------------------
    @property
    def frame_ids(self) -> list[str]:
        """Frame ids in codebook order."""
        return [f.id for f in self.frames]

    def __contains__(self, frame_id: object) -> bool:
        return frame_id in self._by_id

    def frame(self, frame_id: str) -> Frame:
        """The frame with this id, or a numbered error listing the known ids."""
        try:
            return self._by_id[frame_id]
        except KeyError:
            raise FramingError(
                Errors.E004.format(frame=frame_id, where="", known=", ".join(self.frame_ids))
            ) from None

    def parent(self, frame_id: str) -> str | None:
        return self.frame(frame_id).parent

    def ancestors(self, frame_id: str) -> list[str]:
        """Parent, grandparent, ... of a frame (nearest first)."""
        out: list[str] = []
        cur = self.frame(frame_id).parent
        while cur is not None and cur not in out:
            out.append(cur)
            cur = self._by_id[cur].parent if cur in self._by_id else None
        return out

    def children(self, frame_id: str) -> list[str]:
        return [f.id for f in self.frames if f.parent == frame_id]

    def threshold(self, frame_id: str) -> float:
        t = self.frame(frame_id).threshold
        return self.default_threshold if t is None else t

    def closure(self, labels: Iterable[str]) -> list[str]:
        """Labels plus all their ancestors, in codebook order (a child implies its parent)."""
        got = set()
        for lab in labels:
            got.add(lab)
            got.update(self.ancestors(lab))
        return [f for f in self.frame_ids if f in got]

    @property
    def patterns(self) -> list[Pattern]:
        return [p for f in self.frames for p in f.patterns]

    # ----- (de)serialisation ---------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Self-contained form (patterns inline), used by ``to_disk`` of components and models."""
        return {
            "name": self.name,
            "version": self.version,
            "description": self.description,
            "default_threshold": self.default_threshold,
            "frames": [f.to_dict() for f in self.frames],
            "targets": [t.to_dict() for t in self.targets],
            **({"issues": [i.to_dict() for i in self.issues]} if self.issues else {}),
        }

    def to_json(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=1, ensure_ascii=False) + "\n",
                              encoding="utf-8")

    @classmethod
    def from_dict(cls, data: Any, base_dir: Path | None = None, source: str = "<memory>"
                  ) -> Codebook:
        """Build from parsed data; raises ``[E003]`` listing every problem with its location."""
        problems, resolved = _check(data, base_dir)
        if problems:
            raise FramingError(Errors.E003.format(
                source=source, n=len(problems), problems="\n".join(f"  - {p}" for p in problems)))
        frames = [
            Frame(
                id=f["id"], name=f.get("name") or f["id"], parent=f.get("parent"),
                description=f.get("description", ""), threshold=f.get("threshold"),
                patterns=tuple(
                    Pattern(id=p["id"], frame=f["id"], kind=p["kind"],
                            weight=float(p.get("weight", 0.6)),
                            phrases=tuple(p.get("phrases", ())),
                            pattern=tuple(p.get("pattern", ())))
                    for p in resolved[f["id"]]
                ),
            )
            for f in data["frames"]
        ]
        targets = [
            Target(id=t.get("id") or t["text"], text=t["text"],
                   description=t.get("description", ""), issue=t.get("issue"),
                   opposite=t.get("opposite"))
            for t in data.get("targets", [])
        ]
        issues = [Issue(id=i["id"], name=i.get("name") or i["id"],
                        description=i.get("description", ""),
                        keywords=tuple(i.get("keywords", ())))
                  for i in data.get("issues", []) or []]
        return cls(name=data.get("name", "codebook"), version=str(data.get("version", "0")),
                   frames=frames, targets=targets, description=data.get("description", ""),
                   default_threshold=float(data.get("default_threshold", 0.5)), source=source,
                   issues=issues)

    @classmethod
    def load(cls, path: str | Path) -> Codebook:
        """Load a codebook from a .json or .yaml/.yml file (pattern files relative to it)."""
        path = Path(path)
        data = _read_file(path)
        return cls.from_dict(data, base_dir=path.parent, source=str(path))

    @classmethod
    def default(cls) -> Codebook:
        """The shipped codebook: 15 Policy Frames Codebook dimensions + federalism, enforcement."""
        ref = resources.files("framing") / "resources" / _DEFAULT_NAME
        with resources.as_file(ref) as p:
            return cls.load(p)


def default_codebook_path() -> Path:
    """Filesystem path of the shipped codebook."""
    return Path(str(resources.files("framing") / "resources" / _DEFAULT_NAME))


def _read_file(path: Path) -> Any:
    if not path.is_file():
        raise FramingError(Errors.E001.format(path=path))
    text = path.read_text(encoding="utf-8")
    try:
        if path.suffix.lower() in {".yaml", ".yml"}:
            import yaml

            return yaml.safe_load(text)
        return json.loads(text)
    except Exception as e:  # json.JSONDecodeError, yaml.YAMLError
        raise FramingError(Errors.E002.format(path=path, detail=e)) from None


def validate_file(path: str | Path) -> list[str]:
    """Every problem of a user's codebook file, each with its location; empty when valid.

    Example:
        >>> from framing.codebook import default_codebook_path, validate_file
        >>> validate_file(default_codebook_path())
        []
    """
    path = Path(path)
    try:
        data = _read_file(path)
    except FramingError as e:
        return [str(e)]
    problems, _ = _check(data, path.parent)
    return problems


def _check(data: Any, base_dir: Path | None) -> tuple[list[str], dict[str, list[dict[str, Any]]]]:
    """Validate codebook data. Returns (problems, patterns resolved per frame)."""
    problems: list[str] = []
    resolved: dict[str, list[dict[str, Any]]] = {}
    if not isinstance(data, dict):
        return [f"top level: expected an object with 'frames', found {type(data).__name__}"], {}
    frames = data.get("frames")
    if not isinstance(frames, list) or not frames:
        return ["top level: 'frames' must be a non-empty list"], {}
    dt = data.get("default_threshold", 0.5)
    if not isinstance(dt, (int, float)) or not 0 < dt <= 1:
        problems.append(f"default_threshold: must be a number in (0, 1], found {dt!r}")
    ids: list[str] = []
    for i, f in enumerate(frames):
        loc = f"frames[{i}]"
        if not isinstance(f, dict):
            problems.append(f"{loc}: expected an object, found {type(f).__name__}")
            continue
        fid = f.get("id")
        if not isinstance(fid, str) or not fid.strip():
            problems.append(f"{loc}: missing or empty 'id'")
            continue
        loc = f"frames[{i}] ('{fid}')"
        if fid in ids:
            problems.append(f"{loc}: duplicate frame id")
        ids.append(fid)
        unknown = set(f) - {"id", "name", "parent", "description", "threshold", "patterns"}
        if unknown:
            problems.append(f"{loc}: unknown key(s) {sorted(unknown)}")
        th = f.get("threshold")
        if th is not None and (not isinstance(th, (int, float)) or not 0 < th <= 1):
            problems.append(f"{loc}: 'threshold' must be in (0, 1], found {th!r}")
        resolved[fid] = _check_patterns(f.get("patterns", []), fid, loc, base_dir, problems)
    known = set(ids)
    for i, f in enumerate(frames):
        if isinstance(f, dict) and f.get("parent") is not None and f.get("parent") not in known:
            problems.append(
                f"frames[{i}] ('{f.get('id')}'): parent '{f.get('parent')}' is not a frame id")
    # cycles in the parent relation
    parents = {f.get("id"): f.get("parent") for f in frames if isinstance(f, dict)}
    for fid in parents:
        seen, cur = set(), fid
        while cur is not None and cur in parents:
            if cur in seen:
                problems.append(f"frame '{fid}': parent chain has a cycle")
                break
            seen.add(cur)
            cur = parents[cur]
    pids: dict[str, str] = {}
    for fid, pats in resolved.items():
        for p in pats:
            if isinstance(p.get("id"), str):
                if p["id"] in pids:
                    problems.append(
                        f"pattern id '{p['id']}' used twice (frames '{pids[p['id']]}' and '{fid}')")
                pids[p["id"]] = fid
    targets = data.get("targets", []) or []
    for i, t in enumerate(targets):
        if not isinstance(t, dict) or not isinstance(t.get("text"), str) or not t["text"].strip():
            problems.append(f"targets[{i}]: each target needs a non-empty 'text'")
    problems += _check_stance_parts(targets, data.get("issues", []) or [])
    return problems, resolved


def _check_stance_parts(targets: list[Any], issues: Any) -> list[str]:
    """Problems of the targets' ``opposite`` links and of the ``issues`` list."""
    problems: list[str] = []
    tids = {t.get("id") or t.get("text"): t for t in targets if isinstance(t, dict)}
    for i, t in enumerate(targets):
        if not isinstance(t, dict) or t.get("opposite") is None:
            continue
        opp = t["opposite"]
        tid = t.get("id") or t.get("text")
        if opp not in tids or opp == tid:
            problems.append(f"targets[{i}]: 'opposite' must be the id of another target, "
                            f"found {opp!r}")
        elif tids[opp].get("opposite") not in (None, tid):
            problems.append(f"targets[{i}]: '{tid}' is declared opposite to '{opp}', but "
                            f"'{opp}' names '{tids[opp].get('opposite')}' as its opposite")
    if not isinstance(issues, list):
        return [*problems, "issues: must be a list of objects"]
    seen: set[str] = set()
    for i, iss in enumerate(issues):
        if not isinstance(iss, dict) or not isinstance(iss.get("id"), str) or not iss["id"]:
            problems.append(f"issues[{i}]: each issue needs a non-empty 'id'")
            continue
        if iss["id"] in seen:
            problems.append(f"issues[{i}]: duplicate issue id '{iss['id']}'")
        seen.add(iss["id"])
        kw = iss.get("keywords", [])
        if not isinstance(kw, list) or not all(isinstance(k, str) and k.strip() for k in kw):
            problems.append(f"issues[{i}] ('{iss['id']}'): 'keywords' must be a list of "
                            "non-empty strings")
        unknown = set(iss) - {"id", "name", "description", "keywords"}
        if unknown:
            problems.append(f"issues[{i}] ('{iss['id']}'): unknown key(s) {sorted(unknown)}")
    return problems


def _check_patterns(spec: Any, fid: str, loc: str, base_dir: Path | None,
                    problems: list[str]) -> list[dict[str, Any]]:
    items: list[tuple[str, Any]] = []
    if isinstance(spec, str):
        p = (base_dir or Path(".")) / spec
        if not p.is_file():
            problems.append(f"{loc}: pattern file '{spec}' not found (relative to {base_dir})")
            return []
        try:
            lines = p.read_text(encoding="utf-8").splitlines()
        except UnicodeDecodeError as e:
            problems.append(f"{spec}: not UTF-8 ({e})")
            return []
        for n, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                items.append((f"{spec} line {n}", json.loads(line)))
            except json.JSONDecodeError as e:
                problems.append(f"{spec} line {n}: invalid JSON ({e.msg})")
    elif isinstance(spec, list):
        items = [(f"{loc}.patterns[{j}]", x) for j, x in enumerate(spec)]
    else:
        problems.append(f"{loc}: 'patterns' must be a list or a JSONL path")
        return []
    good: list[dict[str, Any]] = []
    for where, p in items:
        n_before = len(problems)
        if not isinstance(p, dict):
            problems.append(f"{where}: expected an object")
            continue
        if not isinstance(p.get("id"), str) or not p["id"]:
            problems.append(f"{where}: missing 'id'")
        if "frame" in p and p["frame"] != fid:
            problems.append(
                f"{where}: 'frame' is '{p['frame']}' but the pattern sits under '{fid}'")
        w = p.get("weight", 0.6)
        if not isinstance(w, (int, float)) or not 0 < w <= 1:
            problems.append(f"{where}: 'weight' must be in (0, 1], found {w!r}")
        kind = p.get("kind")
        if kind == "phrase":
            ph = p.get("phrases")
            if not isinstance(ph, list) or not ph or not all(
                    isinstance(s, str) and s.strip() for s in ph):
                problems.append(f"{where}: 'phrases' must be a non-empty list of non-empty strings")
        elif kind == "token":
            tp = p.get("pattern")
            if not isinstance(tp, list) or not tp or not all(isinstance(t, dict) for t in tp):
                problems.append(f"{where}: 'pattern' must be a non-empty list of token objects")
            else:
                for k, tok in enumerate(tp):
                    bad = {key for key in tok if key.upper() not in _TOKEN_KEYS}
                    if bad:
                        problems.append(
                            f"{where}: token {k} has unknown attribute(s) {sorted(bad)}")
        else:
            problems.append(f"{where}: 'kind' must be one of {PATTERN_KINDS}, found {kind!r}")
        if len(problems) == n_before:
            good.append(p)
    return good
