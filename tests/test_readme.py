"""The README's Python blocks run as printed.

Each ```python block of the README is either run here, verbatim, in a folder holding the files
it names (a codebook, a labelled output ...), or listed in SKIPPED with the reason it cannot
run in a test; a new block that is neither fails, so the README cannot drift unnoticed."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import framing
from framing.batch import label
from framing.codebook import Codebook

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"^ *```python\n(.*?)^ *```", README.read_text(encoding="utf-8"),
                    re.S | re.M)

#: marker (a line of the block) -> why it is not run here
SKIPPED = {
    "import framing\n": "trains a MiniLM model for 3 epochs and needs train/dev files and "
                        "records (the API it shows is tested in tests/train and "
                        "test_analyzer.py)",
    "summary = label(": "starts 4 worker processes (tested in tests/batch)",
    "KubeCluster(": "needs a Kubernetes cluster",
    "SLURMCluster(": "needs a SLURM cluster",
    "with background(": "starts a server with the default models (tested in tests/serve)",
    'framing.load(model="my_frames")': "needs an installed model package (tested in "
                                       "test_packaging.py in a fresh virtual environment)",
}

DOCS = [
    {"id": f"d{i}", "text": t, "outlet": o, "date": d}
    for i, (t, o, d) in enumerate([
        ("Drug policy should be left to the states. The court ruled.", "Gazette", "2023-03-01"),
        ("Officers made an arrest after the raid.", "Courier", "2023-06-01"),
        ("Taxes and jobs matter more than anything.", "Gazette", "2024-02-01"),
        ("The governor said local control is best.", "Courier", "2024-05-01"),
    ])
]


def _key(block: str) -> str:
    return next((m for m in SKIPPED if m in block), "")


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("readme")
    shipped = Path(Codebook.default().source)  # a user's codebook: the shipped one, copied
    shutil.copy(shipped, d / "my_codebook.json")
    shutil.copytree(shipped.parent / "patterns", d / "patterns")
    src = d / "articles.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in DOCS))
    a = framing.load(rules_only=True)
    label([src], d / "labels", analyzer=a, progress=False)
    label([src], d / "labels.parquet", analyzer=a, progress=False)
    return d


def test_every_block_is_run_or_skipped_for_a_reason() -> None:
    assert len(BLOCKS) >= 8
    for marker in SKIPPED:
        assert any(marker in b for b in BLOCKS), f"no README block has {marker!r} any more"


@pytest.mark.parametrize("block", [b for b in BLOCKS if not _key(b)],
                         ids=lambda b: b.strip().splitlines()[0][:40])
def test_block_runs_as_printed(block: str, workdir: Path,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(workdir)
    monkeypatch.setenv("FRAMING_DEFAULT_STANCE_MODEL", "none")
    monkeypatch.setenv("FRAMING_DEFAULT_MODEL", "none")
    ns: dict[str, Any] = {
        # names the blocks use for the reader's own data
        "my_df": pd.DataFrame({"sentence": ["Leave it to the states.", "The team won."] * 5,
                               "frames": [["federalism"], []] * 5}),
    }
    lines = [ln for ln in block.splitlines() if ln.strip() != "..."]
    exec(compile("\n".join(lines), f"README block {block.splitlines()[0]!r}", "exec"), ns)
    if "frame_ruler" in block:  # the spaCy snippet: the example sentence is federalism
        doc = ns["doc"]
        assert doc._.frame_scores["federalism"] >= 0.5
        assert "left to the states" in [s.text for s in doc.spans["frame_evidence"]]
    if "train_frames(" in block:
        assert (workdir / "models" / "mine" / "framing_model.json").is_file()
    assert os.getcwd() == str(workdir)
