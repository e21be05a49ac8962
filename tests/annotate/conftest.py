"""Fixtures for the annotation tests: real labelled output of a few op-ed corpus documents (the
rule layer, written by ``framing.batch.label``), and a tiny random BERT encoder with a locally
trained tokenizer for the embedding code. Nothing touches the network."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from framing.corpora import load_opeds

DOC_IDS = ("w1-001", "w1-004", "w2-003", "w3-002", "w4-006", "w5-010")


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                    encoding="utf-8")
    return path


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


@pytest.fixture(scope="session")
def oped_docs() -> list:
    docs = {d.id: d for d in load_opeds()}
    return [docs[i] for i in DOC_IDS if i in docs][:6] or list(docs.values())[:6]


@pytest.fixture(scope="session")
def oped_inputs(oped_docs: list, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An input JSONL of six op-ed documents (id, text, outlet, date)."""
    d = tmp_path_factory.mktemp("opeds")
    return write_jsonl(d / "docs.jsonl", [
        {"id": doc.id, "text": doc.text, "outlet": doc.outlet, "date": doc.date}
        for doc in oped_docs])


@pytest.fixture(scope="session")
def labelled(oped_inputs: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Their labelled output (rules only), as `framing label` writes it."""
    from framing.batch import label

    out = tmp_path_factory.mktemp("labelled") / "labels.jsonl"
    label([oped_inputs], out, load_kwargs={"rules_only": True}, progress=False)
    return out


@pytest.fixture(scope="session")
def tiny_encoder(oped_docs: list, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random BERT (hidden 32) with a WordPiece tokenizer trained on the documents."""
    import torch
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
    from tokenizers.trainers import WordPieceTrainer
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    d = tmp_path_factory.mktemp("tiny_encoder")
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.train_from_iterator([doc.text for doc in oped_docs],
                            WordPieceTrainer(vocab_size=400, special_tokens=specials,
                                             show_progress=False))
    cls_id, sep_id = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)])
    tok.decoder = decoders.WordPiece()
    PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]",
                            cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]",
                            model_max_length=128).save_pretrained(d)
    torch.manual_seed(0)
    BertModel(BertConfig(vocab_size=tok.get_vocab_size(), hidden_size=32, num_hidden_layers=1,
                         num_attention_heads=2, intermediate_size=64,
                         max_position_embeddings=256, pad_token_id=tok.token_to_id("[PAD]"))
              ).save_pretrained(d)
    return d
