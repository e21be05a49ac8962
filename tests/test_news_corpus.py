"""Tests of the long-news corpus build (framing_corpora.news_build, run by scripts/build_news.py)
and of the built corpus (corpora/news/news.jsonl, corpora/news/splits.json)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from framing_corpora import news_build as news
from framing_corpora import opeds_build as opeds

REPO = Path(__file__).resolve().parent.parent
NEWS_DIR = REPO / "corpora" / "news"
CB = opeds.load_codebook()

FILLER = [
    "The meeting began shortly after nine in the morning in the second-floor hearing room.",
    "About forty residents sat in folding chairs along the back wall and near the windows.",
    "The clerk read the minutes of the previous session aloud before the first item came up.",
    "Several speakers brought printed copies of their remarks and handed them to the staff.",
    "Reporters from two local radio stations recorded the proceedings from the front row.",
    "A short recess was called at half past ten so that the microphones could be replaced.",
]


def _body(n_filler: int, tag: str) -> str:
    lines = []
    for i in range(n_filler):
        lines.append(f"[] {FILLER[i % len(FILLER)][:-1]} on day {tag}-{i}.")
        if i % 6 == 5:
            lines.append("¶")
    return "\n".join(lines)


def make_doc(
    doc_id: str = "a-001",
    frames: str = "federalism, economic",
    primary: str = "federalism",
    n_filler: int = 40,
    extra_headers: str = "",
    labelled: str = "",
) -> str:
    header = (
        f"=== {doc_id}\nissue: courts\nvoice: news\ngenre: news\noutlet: The Courier\n"
        f"date: 2019-04-12\ntitle: A Title\nauthor: A Writer\n"
    )
    if frames:
        header += f"frames: {frames}\n"
    header += f"primary: {primary}\n{extra_headers}---\n"
    evidence = labelled or (
        f"[federalism] The county says the state has no authority over its jail ({doc_id}).\n"
        f"[economic] The dispute has cost the county $40,000 in legal fees ({doc_id}).\n"
    )
    return header + "[] By A Writer\n¶\n" + evidence + _body(n_filler, doc_id) + "\n"


def parse(tmp_path: Path, *texts: str) -> tuple[list[dict[str, Any]], list[str]]:
    paths = []
    for i, text in enumerate(texts):
        p = tmp_path / f"w{i}_01.txt"
        p.write_text(text, encoding="utf-8")
        paths.append(p)
    docs, problems = news.parse_news(paths, CB)
    return docs, [str(p) for p in problems]


# ----------------------------------------------------------------------------------------------
# parser and checks
# ----------------------------------------------------------------------------------------------


def test_good_document_record(tmp_path: Path) -> None:
    docs, problems = parse(tmp_path, make_doc())
    assert problems == []
    (doc,) = docs
    assert doc["writer"] == "w0"
    assert doc["voice"] == "news" and doc["genre"] == "news"
    assert doc["primary"] == "federalism"
    assert doc["frames_listed"] == ["federalism", "economic"]
    # prominence order kept, the parent inserted right after its child
    assert doc["frames"] == [
        "federalism",
        "legality_constitutionality_and_jurisprudence",
        "economic",
    ]
    assert doc["stance"] == []  # targets are optional in news
    assert "headers" not in doc and "source" not in doc
    first = doc["sentences"][0]
    assert doc["text"][first["start"] : first["end"]] == "By A Writer"
    assert first["labels"] == []
    assert doc["sentences"][1]["labels"] == [
        "legality_constitutionality_and_jurisprudence",
        "federalism",
    ]
    assert 550 <= news.word_count(doc["text"]) <= 1300


def test_stance_targets_still_checked(tmp_path: Path) -> None:
    text = make_doc(extra_headers="target: T1 | the county's policy | favor\n")
    _, problems = parse(tmp_path, text)
    assert any("target T1 is 'favor' but no sentence is marked" in p for p in problems)
    ok = make_doc(extra_headers="target: T1 | the county's policy | none\n")
    docs, problems = parse(tmp_path, ok)
    assert problems == [] and docs[0]["stance"][0]["label"] == "none"


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"frames": ""}, "missing header 'frames'"),
        ({"frames": "federalism, econmic"}, "unknown frame 'econmic' (did you mean 'economic'?)"),
        ({"primary": "economic"}, "primary 'economic' is not the first document frame"),
        (
            {"frames": "federalism, economic, morality"},
            "frame 'morality' is carried by no sentence",
        ),
        ({"frames": "federalism, federalism"}, "frame 'federalism' listed 2 times"),
        (
            {"frames": "federalism, economic, morality, political, other, health_and_safety, x"},
            "7 document frames (use 1-6)",
        ),
        ({"n_filler": 5}, "words (use 550-1300)"),
        ({"n_filler": 120}, "words (use 550-1300)"),
    ],
)
def test_each_news_problem_names_file_and_line(
    tmp_path: Path, kwargs: dict[str, Any], expected: str
) -> None:
    docs, problems = parse(tmp_path, make_doc(**kwargs))
    assert docs == []
    hits = [p for p in problems if expected in p]
    assert hits, problems
    path, line, _ = hits[0].split(":", 2)
    assert path.endswith("w0_01.txt") and int(line) > 0


def test_frames_line_number_is_reported(tmp_path: Path) -> None:
    _, problems = parse(tmp_path, make_doc(frames="federalism, econmic"))
    (hit,) = [p for p in problems if "econmic" in p]
    assert hit.split(":")[1] == "9"  # the 'frames:' header line


def test_a_parent_frame_is_carried_by_a_child_sentence(tmp_path: Path) -> None:
    text = make_doc(
        frames="legality_constitutionality_and_jurisprudence, economic",
        primary=("legality_constitutionality_and_jurisprudence"),
    )
    docs, problems = parse(tmp_path, text)
    assert problems == [] and docs


def test_news_vocabulary_and_oped_parser_errors(tmp_path: Path) -> None:
    bad = (
        make_doc().replace("voice: news", "voice: centrist").replace("genre: news", "genre: op-ed")
    )
    bad = bad.replace("[economic]", "[economy]")
    _, problems = parse(tmp_path, bad)
    text = "\n".join(problems)
    assert "unknown voice 'centrist'" in text
    assert "unknown genre 'op-ed'" in text
    assert "unknown label 'economy' (did you mean 'economic'?)" in text


def test_duplicate_labelled_sentence_across_files(tmp_path: Path) -> None:
    a = make_doc("a-001", labelled="[federalism] Same sentence here.\n[economic] Cost $5.\n")
    b = make_doc("b-001", labelled="[federalism] Same   sentence HERE.\n[economic] Cost $6.\n")
    _, problems = parse(tmp_path, a, b)
    (hit,) = [p for p in problems if "sentence repeats" in p]
    assert hit.startswith(str(tmp_path / "w1_01.txt")) and "w0_01.txt:" in hit


def test_unlabelled_boilerplate_may_repeat(tmp_path: Path) -> None:
    # the byline "By A Writer" and the filler lines are [] in both documents
    a = make_doc("a-001")
    b = make_doc("b-001")
    docs, problems = parse(tmp_path, a, b)
    assert problems == [] and len(docs) == 2


def test_oped_build_is_unchanged_by_the_hook() -> None:
    text = (
        "=== x-001\nissue: drug_policy\nvoice: centrist\ngenre: op-ed\noutlet: C\n"
        "date: 2019-04-12\ntitle: T\nauthor: A\nprimary: federalism\n---\n"
        "[federalism] Leave it to the states.\n"
    )
    _, problems = opeds.parse_source(text)
    assert any("no 'target:' line" in str(p) for p in problems)  # targets still required
    _, problems = opeds.parse_source(text.replace("---", "frames: federalism\n---"))
    assert any("unknown header 'frames'" in str(p) for p in problems)


def test_audit_flags_unlisted_and_thin_frames(tmp_path: Path) -> None:
    labelled = (
        "[political] One.\n[political] Two.\n¶\n[political] Three.\n"
        "[federalism] Authority.\n[economic] Money.\n"
    )
    docs, problems = parse(tmp_path, make_doc(labelled=labelled))
    assert problems == []
    notes = news.audit_document(docs[0])
    assert any("'political' is on 3 sentences in 2 paragraphs" in n for n in notes)
    assert any("document frame 'economic' is on only 1" in n for n in notes)


# ----------------------------------------------------------------------------------------------
# splits and main
# ----------------------------------------------------------------------------------------------


def test_split_sizes() -> None:
    for n in (100, 150, 160, 250, 400):
        sizes = news.split_sizes(n)
        assert sum(sizes.values()) == n
        assert sizes["test"] >= 40 and sizes["dev"] >= 20
        assert sizes["test"] >= 0.25 * n - 1


def _many_docs(tmp_path: Path, n: int) -> list[Path]:
    frames = ["federalism, economic", "economic, federalism"]
    paths = []
    for w in ("a", "b"):
        docs = []
        for i in range(n // 2):
            fr = frames[i % 2]
            docs.append(make_doc(f"{w}-{i:03d}", frames=fr, primary=fr.split(",")[0]))
        p = tmp_path / f"{w}_01.txt"
        p.write_text("\n".join(docs), encoding="utf-8")
        paths.append(p)
    return paths


def test_build_splits_deterministic_and_stratified(tmp_path: Path) -> None:
    paths = _many_docs(tmp_path, 100)
    docs, problems = news.parse_news(paths, CB)
    assert problems == [] and len(docs) == 100
    splits = news.build_splits(docs, CB, seed=7)
    again, _ = news.parse_news(paths, CB)
    assert news.build_splits(again, CB, seed=7) == splits
    assert len(splits["test"]) >= 40
    ids = splits["train"] + splits["dev"] + splits["test"]
    assert sorted(ids) == sorted(d["id"] for d in docs)
    for name in ("train", "dev", "test"):
        part = [d for d in docs if d["split"] == name]
        assert {d["writer"] for d in part} == {"a", "b"}
        assert {d["primary"] for d in part} == {"federalism", "economic"}


def test_main_writes_outputs_or_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _many_docs(tmp_path, 100)
    out, sp = tmp_path / "out" / "news.jsonl", tmp_path / "out" / "splits.json"
    args = ["--src", str(tmp_path), "--out", str(out), "--splits", str(sp)]
    assert news.main(args) == 0
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == sorted(r["id"] for r in rows)
    assert json.loads(sp.read_text(encoding="utf-8"))["seed"] == news.DEFAULT_SEED
    before = out.read_bytes()
    (tmp_path / "c_01.txt").write_text(make_doc("c-001", frames="morality"), encoding="utf-8")
    assert news.main(args) == 2
    assert out.read_bytes() == before  # a problem anywhere: nothing is written
    assert "carried by no sentence" in capsys.readouterr().err


# ----------------------------------------------------------------------------------------------
# the built corpus
# ----------------------------------------------------------------------------------------------


def _built() -> tuple[list[dict[str, Any]], dict[str, Any]]:
    path, sp = NEWS_DIR / "news.jsonl", NEWS_DIR / "splits.json"
    if not path.exists() or not sp.exists():
        pytest.skip("corpora/news/news.jsonl is not built yet (run scripts/build_news.py)")
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return rows, json.loads(sp.read_text(encoding="utf-8"))


def test_built_corpus_is_up_to_date() -> None:
    rows, splits = _built()
    docs, problems = news.parse_news(sorted((NEWS_DIR / "src").glob("*.txt")), CB)
    assert problems == []
    fresh = news.build_splits(docs, CB, splits["seed"])
    assert fresh == splits
    assert sorted(docs, key=lambda d: d["id"]) == rows


def test_built_corpus_records() -> None:
    rows, splits = _built()
    assert len(rows) >= 150
    for r in rows:
        text = r["text"]
        prev_end = None
        for s in r["sentences"]:
            if prev_end is not None:
                assert text[prev_end : s["start"]] in (" ", "\n\n")
            prev_end = s["end"]
            assert s["labels"] == CB.close(s["labels"])
        assert prev_end == len(text)
        assert r["frames_listed"][0] == r["primary"]
        assert 1 <= len(r["frames_listed"]) <= 6
        assert set(r["frames"]) == set(CB.close(r["frames_listed"]))
        carried = {lab for s in r["sentences"] for lab in s["labels"]}
        assert set(r["frames"]) <= carried
        assert 550 <= news.word_count(text) <= 1300
        assert r["id"] in splits[r["split"]]
    assert len(splits["test"]) >= 40
    # the document layer is what this corpus is for: frames used < frames mentioned
    used = sum(len(r["frames"]) for r in rows)
    mentioned = sum(len({x for s in r["sentences"] for x in s["labels"]}) for r in rows)
    assert used < mentioned
    assert Counter(len(r["frames_listed"]) for r in rows)[1] >= 1
