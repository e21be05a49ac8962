"""FrameModel.load validates a model directory and says what is wrong ([E301])."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from framing.errors import FramingError
from framing.models.frames import FrameModel


def _edit_meta(fn: Callable[[dict[str, Any]], None]) -> Callable[[Path], None]:
    def apply(d: Path) -> None:
        meta = json.loads((d / "framing_model.json").read_text())
        fn(meta)
        (d / "framing_model.json").write_text(json.dumps(meta))
    return apply


def _add_label(meta: dict[str, Any]) -> None:
    meta["labels"].append("extra")
    meta["thresholds"]["extra"] = 0.5
    meta["fusion"] = None


def _add_label_dir(d: Path) -> None:
    _edit_meta(_add_label)(d)
    (d / "codebook.json").unlink(missing_ok=True)  # else the codebook check speaks first


def _set(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda m: m.__setitem__(key, value)


def _drop(key: str) -> Callable[[dict[str, Any]], None]:
    return lambda m: m.pop(key)


BROKEN: dict[str, tuple[Callable[[Path], None], str]] = {
    "missing weights": (lambda d: (d / "model.safetensors").unlink(),
                        "weights file 'model.safetensors' is missing"),
    "corrupt weights": (lambda d: (d / "model.safetensors").write_bytes(b"\x00" * 20),
                        "'model.safetensors' is unreadable"),
    "missing description": (lambda d: (d / "framing_model.json").unlink(),
                            "'framing_model.json' is missing"),
    "bad json": (lambda d: (d / "framing_model.json").write_text("{labels: ["),
                 "'framing_model.json' is not valid JSON"),
    "not a framing model": (_edit_meta(_set("format", "something-else")),
                            "not a framing model file"),
    "future format": (_edit_meta(_set("format_version", 99)), "format_version 99"),
    "missing keys": (_edit_meta(_drop("thresholds")), "lacks the key(s) ['thresholds']"),
    "threshold per label": (_edit_meta(lambda m: m["thresholds"].popitem()),
                            "one entry per label"),
    "threshold range": (_edit_meta(lambda m: m["thresholds"].update(economic=1.5)),
                        "threshold must be a number in (0, 1]"),
    "unknown method": (_edit_meta(_set("method", "svm")), "unknown method 'svm'"),
    "bad level": (_edit_meta(_set("level", "paragraph")), "'level' must be one of"),
    "bad pooling": (_edit_meta(_set("pooling", "sum")), "'pooling' must be one of"),
    "bad stride": (_edit_meta(_set("stride", 64)), "0 <= stride < max_length"),
    "label count vs weights": (_add_label_dir, "config.json has 3 labels but "
                                                       "framing_model.json lists 4"),
    "label count vs head": (lambda d: (
        _add_label_dir(d),
        (d / "config.json").write_text(json.dumps(
            {**json.loads((d / "config.json").read_text()), "id2label": None,
             "num_labels": None}))),
        "head in 'model.safetensors' has 3 outputs but framing_model.json lists 4"),
    "missing config": (lambda d: (d / "config.json").unlink(), "'config.json' is missing"),
    "missing tokenizer": (lambda d: [(d / f).unlink() for f in ("tokenizer.json", "vocab.txt")
                                     if (d / f).exists()], "no tokenizer files"),
    "bad codebook": (lambda d: (d / "codebook.json").write_text('{"frames": []}'),
                     "its codebook.json is invalid"),
    "labels outside codebook": (
        _edit_meta(lambda m: (m["labels"].__setitem__(0, "econ"),
                              m["thresholds"].__setitem__("econ", m["thresholds"].pop(
                                  "economic")), m.__setitem__("fusion", None))),
        "label(s) ['econ'] are not frames of its codebook.json"),
    "bad fusion": (_edit_meta(lambda m: m["fusion"].__setitem__("thresholds", {})),
                   "'fusion' block of framing_model.json is malformed"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_model_dirs(case: str, tiny_model: Path, tmp_path: Path) -> None:
    d = tmp_path / "m"
    shutil.copytree(tiny_model, d)
    breaker, message = BROKEN[case]
    breaker(d)
    with pytest.raises(FramingError) as exc:
        FrameModel.load(d)
    text = str(exc.value)
    assert text.startswith("[E301]") and str(d) in text
    assert message in text, text


def test_missing_dir_and_file(tmp_path: Path) -> None:
    with pytest.raises(FramingError, match=r"\[E301\].*does not exist"):
        FrameModel.load(tmp_path / "nope")
    (tmp_path / "f").write_text("x")
    with pytest.raises(FramingError, match=r"\[E301\].*a file, not a model directory"):
        FrameModel.load(tmp_path / "f")


def test_tfidf_dir_checks(synth_dir: Path, tmp_path: Path) -> None:
    from framing.train import TrainConfig, train

    train(synth_dir / "train.jsonl", tmp_path / "tf", TrainConfig(method="tfidf"),
          eval_data=synth_dir / "dev.jsonl", progress=False)
    d = tmp_path / "tf2"
    shutil.copytree(tmp_path / "tf", d)
    _add_label_dir(d)
    with pytest.raises(FramingError, match=r"predicts 3 labels but framing_model\.json lists 4"):
        FrameModel.load(d)
    (tmp_path / "tf" / "model.skops").unlink()
    with pytest.raises(FramingError, match=r"'model\.skops' is missing"):
        FrameModel.load(tmp_path / "tf")


def test_skops_refuses_types_outside_the_allow_list(tmp_path: Path) -> None:
    from collections import Counter

    from skops.io import dump

    from framing.models.tfidf import TfidfMultiLabel

    dump({"x": Counter(a=1)}, tmp_path / "model.skops")
    with pytest.raises(ValueError, match=r"not allowed.*Counter"):
        TfidfMultiLabel.load(tmp_path / "model.skops")
