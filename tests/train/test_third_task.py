"""A third classifier task is one head class and one registration (issue 13).

``OpinionHead`` below is the whole task: a binary "opinion vs news" classifier of texts. The
core does the rest -- reading and splitting rows, the one training loop (on the tiny BERT) or
the TF-IDF baseline, the model directory, loading by task, evaluation and the card.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from framing.errors import FramingError
from framing.models import LabelHead, LabelModel, evaluate, load_model, register_task, train
from framing.models.settings import Settings


@register_task
class OpinionHead(LabelHead):
    task = "opinion_demo"
    labels = ("news", "opinion")
    label_field = "genre"


# words of the tiny encoder's vocabulary (tests/train/train_synth.py)
OPINION = ["they should decide", "it should end", "leave it to them", "rights matter",
           "they should enforce the law"]
NEWS = ["officials said", "the report noted", "on monday", "according to the paper",
        "residents said"]
TOPIC = ["the tax", "the budget", "the states", "police arrested dozens", "costs rose"]


def rows(n: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        genre = rng.choice(["news", "opinion"])
        cue = rng.choice(OPINION if genre == "opinion" else NEWS)
        out.append({"text": f"{rng.choice(TOPIC)} {cue} {rng.choice(TOPIC)}.".capitalize(),
                    "genre": genre.upper() if rng.random() < 0.2 else genre})
    return out


def test_tfidf_third_task_round_trip(tmp_path: Path) -> None:
    data = tmp_path / "train.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows(120, 1)), encoding="utf-8")
    res = train("opinion_demo", data, tmp_path / "m", Settings(method="tfidf"),
                test_data=rows(40, 2), progress=False)
    meta = json.loads((tmp_path / "m" / "framing_model.json").read_text())
    assert meta["task"] == "opinion_demo" and meta["labels"] == ["news", "opinion"]
    m = load_model(tmp_path / "m")
    assert isinstance(m, LabelModel) and m.head.task == "opinion_demo"
    assert m.predict(["The budget officials said costs rose.", "The tax should end."]) == \
        ["news", "opinion"]
    rep = evaluate(rows(40, 3), tmp_path / "m")
    assert rep["accuracy"] > 0.9 and set(rep["per_label"]) == {"news", "opinion"}
    assert res.metrics["test"]["accuracy"] > 0.9
    assert "opinion_demo model" in (tmp_path / "m" / "README.md").read_text()


def test_transformer_third_task_uses_the_one_loop(tiny_base: Path, tmp_path: Path) -> None:
    cfg = Settings(base_model=str(tiny_base), epochs=4, lr=3e-3, batch_size=16, max_length=32,
                   seed=1, patience=0, freeze_embeddings=False, head_lr_scale=1.0)
    logs: list[str] = []
    res = train("opinion_demo", rows(240, 4), tmp_path / "m", cfg, eval_data=rows(40, 5),
                progress=False, log=logs.append)
    assert any("dev macro-F1" in x for x in logs)  # early stopping on the head's dev score
    m = load_model(res.path)
    assert m.method == "transformer" and len(res.metrics["history"]) == 4, logs
    assert evaluate(rows(60, 6), m)["accuracy"] > 0.75


def test_options_and_settings_of_another_task_are_refused(tmp_path: Path) -> None:
    from framing.models.frames import FrameSettings

    with pytest.raises(FramingError, match=r"\[E413\] --codebook"):
        train("opinion_demo", rows(20, 1), tmp_path / "a", Settings(method="tfidf"),
              codebook="x.json")
    with pytest.raises(FramingError, match=r"\[E414\]"):
        train("opinion_demo", rows(20, 1), tmp_path / "b", FrameSettings(method="tfidf"))
    with pytest.raises(FramingError, match=r"\[E305\]"):
        train("no_such_task", rows(20, 1), tmp_path / "c")
    with pytest.raises(FramingError, match=r"\[E415\]"):
        train("opinion_demo", [{"text": "x", "genre": "news"}] * 10, tmp_path / "d",
              Settings(method="tfidf"))
