"""The inference module (:mod:`framing.models.inference`), pinned to the transformers versions
``pyproject.toml`` allows: the first-token last layer gives the full pass's logits on the
architectures it knows and leaves other models untouched; token-budget batches."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
import tomllib
import torch
from transformers import (
    BertConfig,
    BertForSequenceClassification,
    DistilBertConfig,
    DistilBertForSequenceClassification,
    RobertaConfig,
    RobertaForSequenceClassification,
)

from framing.models import inference as fastpath
from framing.models.inference import length_batches

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"
SMALL = dict(hidden_size=16, num_hidden_layers=2, num_attention_heads=2, intermediate_size=32,
             num_labels=3)


def _batch() -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(1)
    ids = torch.randint(5, 60, (4, 11), generator=g)
    mask = torch.ones_like(ids)
    for row, n in ((1, 7), (2, 3), (3, 10)):  # padded rows of different lengths
        ids[row, n:], mask[row, n:] = 1, 0
    return ids, mask


def _bert(attn: str = "sdpa") -> Any:
    torch.manual_seed(0)
    cfg = BertConfig(vocab_size=64, pad_token_id=1, **SMALL)
    cfg._attn_implementation = attn
    return BertForSequenceClassification(cfg).eval()


@pytest.mark.parametrize("attn", ["sdpa", "eager"])
def test_same_logits_as_full_forward(attn: str) -> None:
    m = _bert(attn)
    ids, mask = _batch()
    with torch.inference_mode():
        full = m(input_ids=ids, attention_mask=mask).logits
        with fastpath.first_token_last_layer(m) as used:
            fast = m(input_ids=ids, attention_mask=mask).logits
            last_out = m.bert(input_ids=ids, attention_mask=mask).last_hidden_state
        again = m(input_ids=ids, attention_mask=mask).logits
    assert used
    assert last_out.shape[1] == 1  # the last layer really ran for the first position only
    assert torch.allclose(full, fast, atol=1e-5)
    assert torch.equal(full, again)  # the full pass again after the block


def test_the_switch_is_per_thread_and_nests() -> None:
    m = _bert()
    ids, mask = _batch()
    seen: list[int] = []

    def other_thread() -> None:
        with torch.inference_mode():
            seen.append(m.bert(input_ids=ids, attention_mask=mask).last_hidden_state.shape[1])

    with torch.inference_mode(), fastpath.first_token_last_layer(m):
        with fastpath.first_token_last_layer(m):
            pass  # an inner block ending does not end the outer one
        inner = m.bert(input_ids=ids, attention_mask=mask).last_hidden_state.shape[1]
        t = threading.Thread(target=other_thread)
        t.start()
        t.join()
    assert inner == 1
    assert seen == [ids.shape[1]]  # the other thread ran the full last layer


def test_bf16_autocast_stays_close() -> None:
    m = _bert()
    ids, mask = _batch()
    with torch.inference_mode():
        full = m(input_ids=ids, attention_mask=mask).logits
        with fastpath.first_token_last_layer(m), torch.autocast("cpu", dtype=torch.bfloat16):
            fast = m(input_ids=ids, attention_mask=mask).logits.float()
    assert (full - fast).abs().max().item() < 0.05


def test_roberta_layout_is_supported() -> None:
    torch.manual_seed(0)
    m = RobertaForSequenceClassification(RobertaConfig(
        vocab_size=64, pad_token_id=1, max_position_embeddings=40, **SMALL)).eval()
    ids, mask = _batch()
    with torch.inference_mode():
        full = m(input_ids=ids, attention_mask=mask).logits
        with fastpath.first_token_last_layer(m) as used:
            fast = m(input_ids=ids, attention_mask=mask).logits
    assert used and torch.allclose(full, fast, atol=1e-5)


def test_other_models_run_unchanged() -> None:
    torch.manual_seed(0)
    distil = DistilBertForSequenceClassification(DistilBertConfig(
        vocab_size=64, dim=16, n_layers=2, n_heads=2, hidden_dim=32, num_labels=3)).eval()
    relative = BertForSequenceClassification(BertConfig(
        vocab_size=64, position_embedding_type="relative_key", **SMALL)).eval()
    training = _bert().train()
    for m in (distil, relative, training):
        with fastpath.first_token_last_layer(m) as used:
            assert not used
    with fastpath.first_token_last_layer(_bert(), enabled=False) as used:
        assert not used


def test_a_failed_probe_keeps_the_full_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    def wrong(self: Any, hidden_states: torch.Tensor, *a: Any, **k: Any) -> torch.Tensor:
        return hidden_states[:, :1] * 0

    monkeypatch.setattr(fastpath, "_first_token_forward", wrong)
    m = _bert()
    assert not fastpath.supported(m)
    with fastpath.first_token_last_layer(m) as used:
        assert not used


def test_length_batches_token_budget() -> None:
    lengths = [30, 5, 5, 5, 5, 5, 5, 60, 12, 40, 40]
    batches = length_batches(lengths, batch_size=4, max_tokens=80)
    assert sorted(i for b in batches for i in b) == list(range(len(lengths)))
    for b in batches:
        longest = max(lengths[i] for i in b)
        assert len(b) <= 4
        assert len(b) == 1 or len(b) * longest <= 80
        assert [lengths[i] for i in b] == sorted((lengths[i] for i in b), reverse=True)
    assert batches[0] == [7]  # 60 + 40 tokens of padding would pass 80: alone
    assert length_batches(lengths, 4) == length_batches(lengths, 4, max_tokens=None)


def test_a_copied_model_keeps_working() -> None:
    import copy

    m = _bert()
    ids, mask = _batch()
    with torch.inference_mode():
        with fastpath.first_token_last_layer(m):
            pass  # installs the switch on m's last layer
        c = copy.deepcopy(m)  # as training keeps its best epoch
        full = c(input_ids=ids, attention_mask=mask).logits
        with fastpath.first_token_last_layer(c) as used:
            out = c.bert(input_ids=ids, attention_mask=mask).last_hidden_state
            fast = c(input_ids=ids, attention_mask=mask).logits
    assert used and out.shape[1] == 1
    assert torch.allclose(full, fast, atol=1e-5)


def test_installed_transformers_is_in_the_allowed_range() -> None:
    """The shortcut patches how transformers computes a layer: the versions pyproject.toml
    allows are the versions these tests run on (widen the range only with this test green)."""
    import transformers
    from packaging.requirements import Requirement
    from packaging.version import Version

    deps = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]["dependencies"]
    (req,) = [Requirement(d) for d in deps if Requirement(d).name == "transformers"]
    assert req.specifier.contains(Version(transformers.__version__)), \
        (transformers.__version__, str(req.specifier))
    assert any(s.operator == "<" for s in req.specifier), "give transformers an upper bound"
    assert fastpath.supported(_bert())  # the shortcut is really in use on this version
