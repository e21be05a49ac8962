"""Tests of the op-ed corpus build (framing_corpora.opeds_build, run by scripts/build_opeds.py),
the loaders (framing/corpora.py) and the corpus validator (framing_corpora.validate, run by
scripts/validate_corpora.py)."""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from framing import corpora
from framing_corpora import opeds_build as build
from framing_corpora import validate as validator

REPO = Path(__file__).resolve().parent.parent

FRAMES, PARENTS = corpora.codebook_frames()

HEADER = """\
issue: drug_policy
voice: conservative            # conservative | progressive | ...
genre: op-ed
outlet: The Harbor City Courier
date: 2019-04-12
title: Let the States Decide on Marijuana
author: Dana Whitcomb
primary: federalism
target: T1 | states setting their own marijuana laws | favor
target: T2 | federal prosecution of marijuana offenses | against
"""

GOOD = (
    "=== drugs-001\n"
    + HEADER
    + """---
[] HARBOR CITY —
[federalism @T1+] The question of marijuana should largely be left to the states.
[enforcement, economic @T2-] Federal prosecutors have better things to do than raid dispensaries.
¶
[economic] Legal sales brought in $300 million in tax revenue last year.
[] Photo: Staff photographer.
"""
)


def parse(text: str, path: str = "w9_01.txt") -> tuple[list[dict[str, Any]], list[Any]]:
    docs, problems = build.parse_source(text, path)
    return docs, problems


def messages(problems: list[Any]) -> list[str]:
    return [str(p) for p in problems]


# ----------------------------------------------------------------------------------------------
# parser
# ----------------------------------------------------------------------------------------------


def test_good_document_fields_and_text() -> None:
    docs, problems = parse(GOOD)
    assert problems == []
    (doc,) = docs
    assert doc["id"] == "drugs-001"
    assert doc["voice"] == "conservative"  # inline '# ...' comment stripped
    assert doc["date"] == "2019-04-12"
    assert doc["primary_frame"] == "federalism"
    assert doc["split"] is None
    assert doc["text"] == (
        "HARBOR CITY — The question of marijuana should largely be left to the states. "
        "Federal prosecutors have better things to do than raid dispensaries."
        "\n\nLegal sales brought in $300 million in tax revenue last year. "
        "Photo: Staff photographer."
    )
    assert doc["stance"] == [
        {"key": "T1", "target": "states setting their own marijuana laws", "label": "favor"},
        {"key": "T2", "target": "federal prosecution of marijuana offenses", "label": "against"},
    ]
    assert [s["stance"] for s in doc["sentences"]] == [
        [],
        [{"target": "T1", "label": "favor"}],
        [{"target": "T2", "label": "against"}],
        [],
        [],
    ]


def test_offsets_match_sentences() -> None:
    (doc,), _ = parse(GOOD)
    spans = [doc["text"][s["start"] : s["end"]] for s in doc["sentences"]]
    assert spans == [
        "HARBOR CITY —",
        "The question of marijuana should largely be left to the states.",
        "Federal prosecutors have better things to do than raid dispensaries.",
        "Legal sales brought in $300 million in tax revenue last year.",
        "Photo: Staff photographer.",
    ]
    assert validator.check_sentences(doc, FRAMES, PARENTS) == []


def test_parent_closure_and_document_labels() -> None:
    (doc,), _ = parse(GOOD)
    sents = doc["sentences"]
    assert sents[0]["labels"] == []
    assert sents[1]["labels"] == ["legality_constitutionality_and_jurisprudence", "federalism"]
    assert sents[2]["labels"] == ["economic", "crime_and_punishment", "enforcement"]
    order = {f: i for i, f in enumerate(FRAMES)}
    assert doc["labels"] == sorted(doc["labels"], key=order.__getitem__)
    assert set(doc["labels"]) == {
        "economic",
        "legality_constitutionality_and_jurisprudence",
        "crime_and_punishment",
        "federalism",
        "enforcement",
    }


def test_primary_frame_is_in_document_labels() -> None:
    text = GOOD.replace("primary: federalism", "primary: morality")
    (doc,), problems = parse(text)
    assert problems == []
    assert "morality" in doc["labels"]
    assert all("morality" not in s["labels"] for s in doc["sentences"])


def test_lenient_date_is_normalised() -> None:
    (doc,), _ = parse(GOOD.replace("date: 2019-04-12", "date: April 12, 2019"))
    assert doc["date"] == "2019-04-12"


@pytest.mark.parametrize(
    ("old", "new", "line", "expected"),
    [
        (
            "[economic] Legal",
            "[econmic] Legal",
            17,
            "unknown label 'econmic' (did you mean 'economic'?)",
        ),
        ("author: Dana Whitcomb\n", "", 1, "missing header 'author'"),
        ("[federalism @T1+]", "[federalism @T3+]", 14, "target T3 that is not declared"),
        ("date: 2019-04-12", "date: 2019-13-45", 6, "bad date '2019-13-45'"),
        ("voice: conservative ", "voice: conservatve ", 3, "unknown voice 'conservatve'"),
        ("primary: federalism", "primary: federal", 9, "unknown primary frame 'federal'"),
        ("---\n", "", 12, "sentence before the '---' line"),
        (
            "[] Photo: Staff photographer.",
            "Photo: Staff photographer.",
            18,
            "must start with '[labels]'",
        ),
        ("[federalism @T1+]", "[federalism]", 10, "target T1 is 'favor' but no sentence is marked"),
        ("[federalism @T1+]", "[federalism @T1]", 14, "bad stance mark '@T1'"),
        ("| favor\n", "| maybe\n", 10, "stance label 'maybe'"),
        ("outlet: The", "outlett: The", 5, "unknown header 'outlett'"),
        ("[] HARBOR CITY —", "[]", 13, "labels but no text"),
    ],
)
def test_each_kind_of_error_names_file_and_line(
    old: str, new: str, line: int, expected: str
) -> None:
    assert old in GOOD
    docs, problems = parse(GOOD.replace(old, new, 1))
    assert docs == []
    msgs = messages(problems)
    assert any(m.startswith(f"w9_01.txt:{line}: ") and expected in m for m in msgs), msgs


def test_empty_document_and_missing_targets() -> None:
    text = "=== x-001\n" + HEADER + "---\n\n=== x-002\n" + HEADER.split("target:")[0] + "---\n[] A."
    docs, problems = parse(text)
    msgs = messages(problems)
    assert docs == []
    assert any("w9_01.txt:1:" in m and "empty document" in m for m in msgs), msgs
    assert any("x-002" in m and "no 'target:' line" in m for m in msgs), msgs


def test_all_problems_are_listed_not_just_the_first() -> None:
    bad = (
        GOOD.replace("[economic] Legal", "[econmic] Legal")
        .replace("date: 2019-04-12", "date: yesterday")
        .replace("[federalism @T1+]", "[federalism @T1+ @T7-]")
    )
    second = GOOD.replace("drugs-001", "drugs-002").replace("[] Photo", "Photo")
    _, problems = parse(bad + second)
    msgs = messages(problems)
    assert len(msgs) == 4, msgs
    assert [int(m.split(":")[1]) for m in msgs] == sorted(int(m.split(":")[1]) for m in msgs)


def test_duplicate_id_across_files(tmp_path: Path) -> None:
    (tmp_path / "w1_01.txt").write_text(GOOD, encoding="utf-8")
    (tmp_path / "w2_01.txt").write_text(GOOD, encoding="utf-8")
    docs, problems = build.parse_files(sorted(tmp_path.glob("*.txt")))
    msgs = messages(problems)
    assert len(msgs) == 1
    assert "w2_01.txt:1: duplicate id 'drugs-001'" in msgs[0]
    assert "w1_01.txt:1" in msgs[0]
    assert docs == []


def test_text_before_first_document() -> None:
    _, problems = parse("stray line\n" + GOOD)
    assert messages(problems) == ["w9_01.txt:1: text before the first '=== id' line: 'stray line'"]


def test_main_exits_2_and_writes_nothing_on_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "w1_01.txt").write_text(GOOD.replace("[economic]", "[economy]"), encoding="utf-8")
    (src / "w1_02.txt").write_text(GOOD.replace("drugs-001", "drugs-002"), encoding="utf-8")
    out, splits = tmp_path / "opeds.jsonl", tmp_path / "splits.json"
    args = ["--src", str(src), "--out", str(out), "--splits", str(splits)]
    assert build.main(args) == 2
    err = capsys.readouterr().err
    assert "w1_01.txt:17: document 'drugs-001': unknown label 'economy'" in err
    assert not out.exists() and not splits.exists()


# ----------------------------------------------------------------------------------------------
# synthetic corpora
# ----------------------------------------------------------------------------------------------

_SYLLABLES = ("ka", "lo", "mi", "ne", "po", "ru", "sa", "ti", "vu", "ze", "bra", "dor", "fen")
_WORDS: list[str] = sorted({a + b + c for a in _SYLLABLES for b in _SYLLABLES for c in "aeiou"})


def synthetic_source(
    n_docs: int, seed: int = 0, n_issues: int = 16, sentences: int = 22, prefix: str = "syn"
) -> str:
    """Source text of ``n_docs`` random but valid documents; every frame is used often."""
    rng = random.Random(seed)
    leaf = [f for f in FRAMES if f not in {p for p in PARENTS.values() if p}]
    parts = []
    for i in range(n_docs):
        lines = [
            f"=== {prefix}-{i:03d}",
            f"issue: issue_{i % n_issues}",
            f"voice: {build.VOICES[i % len(build.VOICES)]}",
            f"genre: {build.GENRES[i % len(build.GENRES)]}",
            f"outlet: Outlet {i % 9}",
            f"date: {2010 + i % 12}-0{1 + i % 9}-1{i % 10}",
            f"title: Title {i}",
            f"author: Author {i}",
            f"primary: {FRAMES[i % len(FRAMES)]}",
            "target: T1 | some target | favor",
            "target: T2 | another target | none",
            "---",
        ]
        for k in range(sentences):
            labels = rng.sample(FRAMES, rng.choice([1, 1, 2])) if k % 6 else []
            if k == 1:
                labels = [leaf[(i + k) % len(leaf)]]
            mark = " @T1+" if k == 1 else ""
            words = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(8, 12)))
            lines.append(f"[{', '.join(labels)}{mark}] {words.capitalize()} {i} {k}.")
            if k == sentences // 2:
                lines.append("¶")
        parts.append("\n".join(lines) + "\n")
    return "\n".join(parts)


@pytest.fixture(scope="module")
def built_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 260-document synthetic corpus built by the real script into a temp folder."""
    root = tmp_path_factory.mktemp("opeds")
    src = root / "src"
    src.mkdir()
    text = synthetic_source(260)
    chunks = text.split("\n=== ")
    for n in range(0, len(chunks), 40):
        body = "\n=== ".join(chunks[n : n + 40])
        if not body.startswith("=== "):
            body = "=== " + body
        (src / f"w{n // 40}_01.txt").write_text(body, encoding="utf-8")
    args = ["--src", str(src), "--out", str(root / "opeds.jsonl")]
    assert build.main([*args, "--splits", str(root / "splits.json")]) == 0
    return root


def test_build_writes_sorted_jsonl_and_splits(built_corpus: Path) -> None:
    rows = [json.loads(x) for x in (built_corpus / "opeds.jsonl").read_text().splitlines()]
    assert len(rows) == 260
    assert [r["id"] for r in rows] == sorted(r["id"] for r in rows)
    splits = json.loads((built_corpus / "splits.json").read_text())
    assert set(splits) == {"seed", "train", "dev", "test"}
    for name in ("train", "dev", "test"):
        assert splits[name] == sorted(r["id"] for r in rows if r["split"] == name)


def test_build_is_deterministic(built_corpus: Path, tmp_path: Path) -> None:
    args = ["--src", str(built_corpus / "src"), "--out", str(tmp_path / "o.jsonl")]
    assert build.main([*args, "--splits", str(tmp_path / "s.json")]) == 0
    assert (tmp_path / "o.jsonl").read_bytes() == (built_corpus / "opeds.jsonl").read_bytes()
    assert (tmp_path / "s.json").read_bytes() == (built_corpus / "splits.json").read_bytes()


def test_validator_passes_on_synthetic_corpus(built_corpus: Path) -> None:
    report = validator.validate(built_corpus, collection=None)
    assert report.ok, report.failed()
    table = validator.format_tables(report)
    assert "federalism" in table and "| train" in table
    assert validator.main(["--opeds", str(built_corpus), "--collection", "/nonexistent"]) == 0


def test_validator_catches_broken_records(built_corpus: Path, tmp_path: Path) -> None:
    rows = [json.loads(x) for x in (built_corpus / "opeds.jsonl").read_text().splitlines()]
    rows[0]["sentences"][1]["start"] += 1  # offsets no longer match
    rows[1]["sentences"][1]["labels"] = ["federalism"]  # parent missing
    rows[2]["labels"] = ["bogus"]
    rows[3]["split"] = "dev" if rows[3]["split"] != "dev" else "test"  # disagrees with splits.json
    rows = rows[:200]  # too few docs
    (tmp_path / "opeds.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (tmp_path / "splits.json").write_text((built_corpus / "splits.json").read_text())
    report = validator.validate(tmp_path, collection=None)
    failed = report.failed()
    assert "opeds: sentence offsets and sentence labels" in failed
    assert "opeds: schema and labels" in failed
    assert "opeds: split integrity" in failed
    assert "opeds: >= 250 documents" in failed
    problems = report.hard["opeds: sentence offsets and sentence labels"]
    assert any("parent 'legality_constitutionality_and_jurisprudence'" in p for p in problems)
    assert validator.main(["--opeds", str(tmp_path), "--collection", "/nonexistent", "--json"]) == 1


def test_validator_collection_checks(tmp_path: Path) -> None:
    rows = [
        {
            "id": f"c{i}",
            "outlet": f"o{i % 3}",
            "date": f"201{i % 4}-01-01",
            "issue": "x",
            "title": "t",
            "text": "A b c.",
            "labels": ["economic"] if i else ["nope"],
            "primary_frame": "economic",
            "stance": [],
            "sentences": [{"start": 0, "end": 6, "labels": ["economic"], "stance": []}],
        }
        for i in range(10)
    ]
    path = tmp_path / "collection.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    report = validator.validate(tmp_path / "missing", collection=path)
    failed = report.failed()
    for name in ("schema, offsets and labels", ">= 600 documents", ">= 8 outlets", ">= 6 years"):
        assert f"collection: {name}" in failed
    assert any("unknown document label(s) ['nope']" in p for p in report.hard[failed[1]])


def test_near_duplicates_exact_against_brute_force() -> None:
    rng = random.Random(3)
    texts = [
        " ".join(rng.choice(_WORDS[:12]) for _ in range(rng.randint(3, 8))) for _ in range(300)
    ]
    items: list[tuple[str, str, frozenset[str]]] = [
        (f"s{i}", t, frozenset()) for i, t in enumerate(texts)
    ]
    found = {(a, b) for a, b, _ in validator.near_duplicates(items)}
    toks = [validator.normalise_tokens(t) for t in texts]
    brute: set[tuple[str, ...]] = set()
    for i in range(len(texts)):
        for j in range(i + 1, len(texts)):
            inter = len(toks[i] & toks[j])
            big_enough = len(toks[i]) >= 3 and len(toks[j]) >= 3
            if big_enough and inter / len(toks[i] | toks[j]) >= 0.8 - 1e-9:
                brute.add(tuple(sorted((f"s{i}", f"s{j}"))))
    assert found == brute and found


def test_consistency_warning_for_conflicting_near_duplicates() -> None:
    def doc(did: str, labels: list[str]) -> dict[str, Any]:
        text = "The federal government should leave this to the states."
        return {
            "id": did,
            "text": text,
            "sentences": [{"start": 0, "end": len(text), "labels": labels}],
        }

    report = validator.Report()
    validator.check_consistency(report, {"x": [doc("a", ["federalism"]), doc("b", [])]}, PARENTS)
    (warning,) = report.warnings["near-duplicate sentences with different labels"]
    assert "x:a#s0" in warning and "x:b#s0" in warning


# ----------------------------------------------------------------------------------------------
# splits
# ----------------------------------------------------------------------------------------------


def _synthetic_labels(n: int, seed: int) -> tuple[dict[str, set[str]], dict[str, str]]:
    rng = random.Random(seed)
    labels = {}
    for i in range(n):
        k = rng.choice([1, 2, 3])
        labs = set(rng.sample(FRAMES[:12], k))
        if i % 25 == 0:
            labs.add("other")  # rare: 4 documents of 100
        labels[f"d{i:03d}"] = labs
    groups = {d: f"issue{i % 17}" for i, d in enumerate(labels)}
    return labels, groups


def test_split_integrity_on_synthetic_set() -> None:
    labels, groups = _synthetic_labels(100, seed=5)
    out = build.assign_splits(labels, groups, seed=11, required=FRAMES)
    assert set(out) == set(labels)
    sizes = Counter(out.values())
    assert sizes == {"train": 70, "dev": 15, "test": 15}
    for split in ("train", "dev", "test"):
        used = set().union(*(labels[d] for d in out if out[d] == split))
        assert {f for f in FRAMES if any(f in v for v in labels.values())} <= used, split
    # issues are spread: every issue with >= 5 documents is in at least two splits
    for issue in set(groups.values()):
        members = [d for d in out if groups[d] == issue]
        if len(members) >= 5:
            assert len({out[d] for d in members}) >= 2, issue
    assert build.assign_splits(labels, groups, seed=11, required=FRAMES) == out
    assert build.assign_splits(labels, groups, seed=12, required=FRAMES) != out


def test_split_repair_puts_a_rare_label_in_every_split() -> None:
    labels = {f"d{i:02d}": {"economic"} for i in range(40)}
    for d in ("d03", "d17", "d29"):
        labels[d] = {"economic", "other"}
    out = build.assign_splits(labels, seed=1)
    assert sorted(out[d] for d in ("d03", "d17", "d29")) == ["dev", "test", "train"]


# ----------------------------------------------------------------------------------------------
# loader
# ----------------------------------------------------------------------------------------------


def test_load_opeds_and_split_filter(built_corpus: Path) -> None:
    path = built_corpus / "opeds.jsonl"
    docs = corpora.load_opeds(path)
    assert len(docs) == 260
    dev = corpora.load_opeds(path, split="dev")
    assert dev and {d.split for d in dev} == {"dev"}
    both = corpora.load_opeds(path, split=["dev", "test"])
    assert len(both) == len(dev) + len(corpora.load_opeds(path, split="test"))
    doc = docs[0]
    assert isinstance(doc, corpora.CorpusDocument)
    assert isinstance(doc.sentences[0], corpora.CorpusSentence)
    assert all(doc.text[s.start : s.end] == s.text for s in doc.sentences)
    assert doc.year == int(doc.date[:4]) if doc.date else False
    assert doc.target_text("T1") == "some target"
    with pytest.raises(ValueError, match="unknown split"):
        corpora.load_opeds(path, split="validation")


def test_load_opeds_missing_file_message(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"build_opeds\.py"):
        corpora.load_opeds(tmp_path / "nope.jsonl")
    assert corpora.OPEDS_PATH == REPO / "corpora" / "opeds" / "opeds.jsonl"


def test_iter_frame_examples(built_corpus: Path) -> None:
    docs = corpora.load_opeds(built_corpus / "opeds.jsonl", split="test")
    sent = list(corpora.iter_frame_examples(docs))
    assert len(sent) == sum(len(d.sentences) for d in docs)
    assert sent[0]["id"] == f"{docs[0].id}#s0"
    assert sent[0]["labels"] == []  # every 6th synthetic sentence is unframed
    assert set(sent[0]) == {"id", "text", "labels"}
    for ex in sent:
        assert set(ex["labels"]) == set(corpora.label_closure(ex["labels"]))
    doc_level = list(corpora.iter_frame_examples(docs, level="document"))
    assert [e["id"] for e in doc_level] == [d.id for d in docs]
    assert doc_level[0]["labels"] == docs[0].labels
    with pytest.raises(ValueError):
        list(corpora.iter_frame_examples(docs, level="paragraph"))


def test_iter_frame_examples_accepts_dicts() -> None:
    (doc,), _ = parse(GOOD)
    ex = list(corpora.iter_frame_examples([doc]))
    assert ex[1] == {
        "id": "drugs-001#s1",
        "text": "The question of marijuana should largely be left to the states.",
        "labels": ["legality_constitutionality_and_jurisprudence", "federalism"],
    }


def test_iter_stance_examples() -> None:
    (raw,), _ = parse(GOOD)
    doc = corpora.CorpusDocument.from_dict(raw)
    sent = list(corpora.iter_stance_examples([doc]))
    marked = [e for e in sent if e["stance"] != "none"]
    assert [(e["id"], e["target"], e["stance"]) for e in marked] == [
        ("drugs-001#s1@T1", "states setting their own marijuana laws", "favor"),
        ("drugs-001#s2@T2", "federal prosecution of marijuana offenses", "against"),
    ]
    none = [e for e in sent if e["stance"] == "none"]
    assert len(none) == 2  # one per target (as many as its marked sentences)
    assert all(e["id"].split("#s")[1].split("@")[0] in {"0", "3", "4"} for e in none)
    assert sent == list(corpora.iter_stance_examples([doc]))  # deterministic
    more = list(corpora.iter_stance_examples([doc], none_per_target=3))
    assert sum(e["stance"] == "none" for e in more) == 6
    docs_level = list(corpora.iter_stance_examples([doc], level="document"))
    assert [(e["id"], e["stance"]) for e in docs_level] == [
        ("drugs-001@T1", "favor"),
        ("drugs-001@T2", "against"),
    ]
    assert docs_level[0]["text"] == doc.text


def test_export_training_file(built_corpus: Path, tmp_path: Path) -> None:
    path = built_corpus / "opeds.jsonl"
    out = tmp_path / "train.jsonl"
    n = corpora.export_training_file(out, split="train", level="sentence", path=path)
    rows = [json.loads(x) for x in out.read_text().splitlines()]
    assert n == len(rows) == sum(len(d.sentences) for d in corpora.load_opeds(path, "train"))
    assert all(set(r) == {"text", "labels"} for r in rows)
    assert any(r["labels"] == [] for r in rows)
    n_doc = corpora.export_training_file(tmp_path / "d.jsonl", "dev", "document", path=path)
    assert n_doc == len(corpora.load_opeds(path, "dev"))


def test_load_collection(tmp_path: Path) -> None:
    row = {"id": "c1", "outlet": "o", "date": "2020-01-01", "issue": "x", "title": "t",
           "text": "Hi there.", "labels": [], "primary_frame": None, "stance": [],
           "sentences": [{"start": 0, "end": 9, "labels": []}]}  # fmt: skip
    path = tmp_path / "collection.jsonl"
    path.write_text(json.dumps(row) + "\n\n")
    assert corpora.load_collection(path) == [row]
    assert next(corpora.iter_frame_examples(corpora.load_collection(path)))["id"] == "c1#s0"
    with pytest.raises(FileNotFoundError, match="Collection corpus not found"):
        corpora.load_collection(tmp_path / "missing.jsonl")
    path.write_text("{broken\n")
    with pytest.raises(ValueError, match=":1: invalid JSON"):
        corpora.load_collection(path)


# ----------------------------------------------------------------------------------------------
# the real corpus
# ----------------------------------------------------------------------------------------------


def test_real_corpora_pass_validation() -> None:
    if not (REPO / "corpora" / "opeds" / "opeds.jsonl").is_file():
        pytest.skip("corpora/opeds/opeds.jsonl is not built yet (run scripts/build_opeds.py)")
    report = validator.validate()
    details = {k: v[:5] for k, v in report.hard.items() if v}
    assert report.ok, f"failed hard requirements: {details}"


def test_corpora_are_found_by_argument_env_or_the_corpus_package(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The library never looks beside its own files: the folder comes from the argument,
    $FRAMING_CORPORA_DIR, or the framing_corpora package; none of them -> [E511]."""
    import builtins

    import framing_corpora
    from framing.errors import FramingError

    assert corpora.corpora_dir() == framing_corpora.CORPORA_DIR
    (tmp_path / "opeds").mkdir()
    monkeypatch.setenv("FRAMING_CORPORA_DIR", str(tmp_path))
    assert corpora.corpora_dir() == tmp_path
    assert tmp_path / "opeds" / "opeds.jsonl" == corpora.OPEDS_PATH
    with pytest.raises(FileNotFoundError, match="build_opeds"):
        corpora.load_opeds()
    monkeypatch.setenv("FRAMING_CORPORA_DIR", str(tmp_path / "nope"))
    with pytest.raises(FramingError, match=r"\[E511\].*nope.*FRAMING_CORPORA_DIR"):
        corpora.load_opeds()
    monkeypatch.delenv("FRAMING_CORPORA_DIR")
    real_import = builtins.__import__

    def no_dev_package(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "framing_corpora":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_dev_package)
    with pytest.raises(FramingError, match=r"\[E511\].*not installed"):
        corpora.load_collection()
    assert corpora.corpora_dir(tmp_path) == tmp_path  # an explicit folder still works


def test_library_reads_no_checkout_paths() -> None:
    """Nothing in framing/ builds paths from its own location beyond its package data, and
    nothing names the sibling data folder."""
    import re

    # the default-model recipes still find their repository this way; the classifier-core
    # rewrite of issue 13 removes it (then delete this allowance)
    allowed = {"framing/train/default.py", "framing/stance/model.py"}
    pkg = REPO / "framing"
    for path in pkg.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        rel = path.relative_to(REPO).as_posix()
        if rel not in allowed | {"framing/stance/card.py"}:  # card text names the data
            assert not re.search(r"[\"'/]shared[\"'/]", text), rel
        if rel not in allowed:
            assert not re.search(r"Path\(__file__\)[^\n]*(\.parent\.parent|\.parents)", text), rel


@pytest.mark.parametrize("script", ["build_opeds", "build_collection", "validate_corpora"])
def test_corpus_scripts_are_thin_wrappers(script: str) -> None:
    import subprocess
    import sys

    text = (REPO / "scripts" / f"{script}.py").read_text(encoding="utf-8")
    assert len(text.splitlines()) < 25 and "from framing_corpora." in text
    out = subprocess.run([sys.executable, str(REPO / "scripts" / f"{script}.py"), "--help"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and "usage" in out.stdout.lower(), out.stderr
