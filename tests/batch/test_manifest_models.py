"""The run fingerprint covers what ``framing.load`` resolves by itself (default models,
precision), so ``--resume`` never mixes shards of a rebuilt default model with older ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from framing.batch.manifest import describe_model


def _fake_model(d: Path) -> Path:
    d.mkdir(parents=True)
    (d / "framing_model.json").write_text("{}")
    (d / "model.safetensors").write_bytes(b"x")
    return d


def test_default_models_and_precision_are_fingerprinted(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    frames = _fake_model(tmp_path / "frames")
    monkeypatch.setenv("FRAMING_DEFAULT_MODEL", str(frames))
    monkeypatch.setenv("FRAMING_DEFAULT_STANCE_MODEL", "none")
    monkeypatch.setenv("FRAMING_PRECISION", "fp32")
    a = describe_model({})
    assert a["default_model"]["files"] == 2 and a["default_stance_model"] is None
    assert a["precision"] == "fp32"
    (frames / "model.safetensors").write_bytes(b"rebuilt")  # a rebuilt default model
    assert describe_model({})["default_model"] != a["default_model"]
    monkeypatch.setenv("FRAMING_PRECISION", "nonsense")
    assert "E406" in describe_model({})["precision"]
    rules = describe_model({"rules_only": True})
    assert not {"default_model", "default_stance_model", "precision"} & set(rules)
    explicit = describe_model({"model": str(frames), "stance_model": str(frames)})
    assert "default_model" not in explicit and "default_stance_model" not in explicit
