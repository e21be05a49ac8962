"""``framing label --workers`` with a classifier, also after a rule-layer run in the same
process (whose forkserver keeps torch out: the classifier's workers must get it back)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from train_synth import make_rows

from framing._torchless import needs_torch
from framing.batch import label, read_output


def test_needs_torch() -> None:
    assert not needs_torch({"rules_only": True})
    assert needs_torch({"rules_only": True, "spacy_model": "en_core_web_sm"})
    assert needs_torch({"rules_only": False}) and needs_torch({}) and needs_torch(None)


def test_torch_blocked_keeps_torch_out_of_a_rule_layer_process() -> None:
    code = (
        "import sys\n"
        "from framing._torchless import torch_blocked\n"
        "with torch_blocked():\n"
        "    import framing\n"
        "    a = framing.load(rules_only=True)\n"
        "    assert 'federalism' in a('Leave it to the states.').labels\n"
        "    assert sys.modules['torch'] is None\n"
        "import torch\n"
        "print(torch.tensor([1]).item())\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=False, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "1"


def test_workers_with_a_classifier_after_a_rules_run(tiny_model: Path, tmp_path: Path) -> None:
    inp = tmp_path / "in.jsonl"
    rows = make_rows(24, 31)
    inp.write_text("".join(
        f'{{"id": "d{i}", "text": "{r["text"]} {rows[(i + 1) % 24]["text"]}"}}\n'
        for i, r in enumerate(rows)), encoding="utf-8")
    kw = {"shard_size": 5, "progress": False}
    label([inp], tmp_path / "rules", load_kwargs={"rules_only": True}, workers=2, **kw)
    clf = {"model": str(tiny_model), "stance_model": None}
    inline = label([inp], tmp_path / "inline.jsonl", load_kwargs=clf, **kw)
    par = label([inp], tmp_path / "par", load_kwargs=clf, workers=2, **kw)
    assert (inline.stats.labelled, par.stats.labelled) == (24, 24)
    # identical, although the forkserver may predate this session's FRAMING_* settings
    # (precision, no default stance model): workers take the parent's
    a = [r.to_dict() for r in read_output(tmp_path / "inline.jsonl")]
    assert a == [r.to_dict() for r in read_output(tmp_path / "par")]
    assert a[0]["model"]["classifier"] is not None and a[0]["model"]["stance"] is None


def test_model_runs_cut_smaller_work_units_and_share_the_cores(tiny_model: Path,
                                                               tmp_path: Path,
                                                               monkeypatch) -> None:
    import json

    import torch

    from framing.batch import executors, plan

    inp = tmp_path / "in.jsonl"
    rows = make_rows(12, 5)
    inp.write_text("".join(f'{{"id": "d{i}", "text": "{r["text"]}"}}\n'
                           for i, r in enumerate(rows)), encoding="utf-8")
    clf = {"model": str(tiny_model), "stance_model": None}
    label([inp], tmp_path / "rules", load_kwargs={"rules_only": True}, progress=False)
    seen: list[int] = []
    real = executors.ProcessBackend._label_here

    def spy(self, task, on_progress):  # the parent labels a shard: on its share of cores
        seen.append(torch.get_num_threads())
        return real(self, task, on_progress)

    monkeypatch.setattr(executors.ProcessBackend, "_label_here", spy)
    monkeypatch.setattr(executors, "usable_cpus", lambda: 4)
    before = torch.get_num_threads()
    label([inp], tmp_path / "par", load_kwargs=clf, workers=2, shard_size=3, progress=False)
    assert torch.get_num_threads() == before  # given back after the run
    assert seen and set(seen) == {2}  # 4 usable cores / 2 labelling processes
    words = {d: json.loads((tmp_path / d / "_manifest.json").read_text())["config"]
             ["shard_words"] for d in ("rules", "par")}
    assert words == {"rules": plan.DEFAULT_SHARD_WORDS, "par": plan.MODEL_SHARD_WORDS}
