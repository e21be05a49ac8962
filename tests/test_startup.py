"""Quick start-up: the on-disk cache of compiled phrase patterns, and commands that import
only what they use (checked in real processes)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import framing
from framing.codebook import Codebook
from framing.pipeline import rulecache
from framing.pipeline.build import build_nlp
from framing.pipeline.rulecache import PhraseCache

TEXT = ("Drug policy should be left to the states. Prosecutors enforce the law, and the "
        "program costs taxpayers millions.")


@pytest.fixture()
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(rulecache.ENV, str(tmp_path))
    return tmp_path / "rules"


def _entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("phrases-*.json")) if folder.exists() else []


def _result(cb: Codebook | None = None) -> dict:
    return framing.load(rules_only=True, codebook=cb)(TEXT).to_dict()


def test_cached_pipeline_gives_the_same_results(cache_dir: Path, monkeypatch) -> None:
    monkeypatch.setenv(rulecache.ENV, "off")
    uncached = _result()
    monkeypatch.setenv(rulecache.ENV, str(cache_dir.parent))
    first = _result()  # compiles and writes the entry
    assert len(_entries(cache_dir)) == 1
    second = _result()  # reads it
    assert uncached == first == second
    assert {"federalism", "enforcement"} <= set(second["labels"])


def test_second_build_reads_the_entry_instead_of_compiling(cache_dir: Path, monkeypatch
                                                           ) -> None:
    from framing.pipeline import ruler

    build_nlp()
    calls = []
    real = ruler._phrase_keys
    monkeypatch.setattr(ruler, "_phrase_keys", lambda *a: calls.append(1) or real(*a))
    nlp = build_nlp()
    assert calls == []
    doc = nlp(TEXT)
    assert "federalism" in {s.label_ for s in doc.spans["frame_evidence"]}


def test_entry_is_json_keyed_by_phrases_and_versions(cache_dir: Path, tiny_codebook_dict
                                                     ) -> None:
    build_nlp(Codebook.from_dict(tiny_codebook_dict))
    (entry,) = _entries(cache_dir)
    data = json.loads(entry.read_text())
    assert data["versions"]["framing"] == framing.__version__
    assert {"spacy", "spacy-lookups-data", "format"} <= set(data["versions"])
    assert entry.name == f"phrases-{data['key']}.json"
    # an edited pattern gives another key: the old entry is never read for it
    tiny_codebook_dict["frames"][0]["patterns"][0]["phrases"] = ["high court"]
    res = framing.load(rules_only=True, codebook=Codebook.from_dict(tiny_codebook_dict))(
        "The high court ruled.")
    assert len(_entries(cache_dir)) == 2
    assert "law" in res.labels


def test_versions_are_part_of_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    cache = PhraseCache(None)
    k1 = cache.key(["left to the states"], "LEMMA", ["framing_lemmatizer"])
    monkeypatch.setattr("framing.version.__version__", "0.0.0-other")
    assert cache.key(["left to the states"], "LEMMA", ["framing_lemmatizer"]) != k1
    monkeypatch.undo()
    assert cache.key(["left to the states"], "LOWER", ["framing_lemmatizer"]) != k1
    assert cache.key(["left to the state"], "LEMMA", ["framing_lemmatizer"]) != k1


@pytest.mark.parametrize("damage", ["truncate", "garbage", "altered", "wrong-key"])
def test_damaged_entry_is_rebuilt(cache_dir: Path, damage: str) -> None:
    expected = _result()
    (entry,) = _entries(cache_dir)
    raw = entry.read_text()
    if damage == "truncate":
        entry.write_text(raw[: len(raw) // 2])
    elif damage == "garbage":
        entry.write_bytes(b"\x00\xff not json")
    elif damage == "altered":  # still valid JSON: the checksum catches it
        data = json.loads(raw)
        data["keys"][0][0] += 1
        entry.write_text(json.dumps(data))
    else:
        data = json.loads(raw)
        data["key"] = "0" * 64
        entry.write_text(json.dumps(data))
    assert _result() == expected
    assert json.loads(entry.read_text()) == json.loads(raw)  # rewritten whole


def test_unwritable_cache_folder_only_costs_time(tmp_path: Path, monkeypatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(rulecache.ENV, str(blocker))  # rules/ cannot be made below a file
    assert "federalism" in _result()["labels"]
    assert blocker.read_text() == "not a folder"


def test_writes_are_atomic_and_old_entries_pruned(tmp_path: Path) -> None:
    cache = PhraseCache(tmp_path)
    for i in range(rulecache.KEEP + 3):
        key = cache.key([f"phrase {i}"], "LEMMA", [])
        assert cache.save(key, [(i, 1)])
        os.utime(cache.path(key), (1000 + i, 1000 + i))  # type: ignore[arg-type]
    (tmp_path / "notes.txt").write_text("mine")  # not ours: never removed
    cache.save(cache.key(["last"], "LEMMA", []), [(7,)])
    names = sorted(p.name for p in tmp_path.iterdir())
    assert "notes.txt" in names
    assert not [n for n in names if n.endswith(".tmp")]
    assert len([n for n in names if n.startswith("phrases-")]) == rulecache.KEEP
    assert cache.load(cache.key(["last"], "LEMMA", []), 1) == [(7,)]
    assert cache.load(cache.key(["last"], "LEMMA", []), 2) is None  # another phrase count


def test_default_folder_is_the_user_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    import platformdirs

    monkeypatch.delenv(rulecache.ENV, raising=False)
    assert rulecache.cache_dir() == Path(platformdirs.user_cache_dir("framing")) / "rules"
    monkeypatch.setenv(rulecache.ENV, "off")
    assert rulecache.cache_dir() is None


# ----- what a command imports, in a real process ---------------------------------------------
_PROBE = """
import atexit, json, sys
def report():
    mods = {m: (m in sys.modules and sys.modules[m] is not None)
            for m in ("torch", "pandas", "pyarrow", "scipy", "transformers", "spacy")}
    sys.stderr.write("MODULES " + json.dumps(mods) + "\\n")
atexit.register(report)
sys.argv = ["framing", *sys.argv[1:]]
from framing.cli import main
main()
"""


def _probe(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], dict]:
    env = {**os.environ, rulecache.ENV: str(tmp_path)}
    proc = subprocess.run([sys.executable, "-c", _PROBE, *args], capture_output=True, text=True,
                          env=env, timeout=600)
    line = next(ln for ln in proc.stderr.splitlines() if ln.startswith("MODULES "))
    return proc, json.loads(line.removeprefix("MODULES "))


def test_rules_only_score_imports_no_heavy_library(tmp_path: Path) -> None:
    proc, mods = _probe(tmp_path, "score", "--rules-only", "--format", "json", "--text", TEXT)
    assert proc.returncode == 0, proc.stderr
    assert "federalism" in json.loads(proc.stdout)["labels"]
    assert mods["spacy"]
    assert not any(mods[m] for m in ("torch", "pandas", "pyarrow", "scipy", "transformers"))


def test_codebook_command_does_not_import_spacy_or_pandas(tmp_path: Path) -> None:
    proc, mods = _probe(tmp_path, "codebook", "show", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert not any(mods.values()), mods


def test_full_app_still_lists_every_command() -> None:
    from typer.testing import CliRunner

    from framing.cli import COMMANDS, app

    out = CliRunner().invoke(app, ["--help"]).output
    assert all(name in out for name in COMMANDS)
