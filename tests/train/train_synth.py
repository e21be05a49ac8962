"""Synthetic labelled sentences and a tiny randomly initialised BERT for the training tests
(imported by ``conftest.py`` and the tests; nothing touches the network)."""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path

FED = ["the states should decide", "leave it to the states", "federal overreach",
       "states' rights matter", "local control works", "the tenth amendment"]
ENF = ["prosecutors charged them", "police arrested dozens", "mandatory minimums",
       "federal agents raided shops", "they enforce the law", "sentencing rules"]
ECON = ["tax revenue grew", "the budget shrank", "jobs and wages", "costs rose",
        "market prices fell", "billions of dollars"]
FILL = ["yesterday", "in the city", "many people said", "the report noted", "officials agreed",
        "this year", "according to the paper", "on monday", "after the vote", "in the end",
        "for now", "some residents", "the mayor", "last spring", "across the region"]
LABELS = ["economic", "enforcement", "federalism"]
CUES = {"federalism": FED, "enforcement": ENF, "economic": ECON}


def make_rows(n: int, seed: int) -> list[dict]:
    """Synthetic sentences with 0-2 labels each, cue phrases carrying the labels."""
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        k = rng.choice([0, 1, 1, 1, 2])
        labs = sorted(rng.sample(LABELS, k))
        parts = [rng.choice(FILL)]
        for lab in labs:
            parts.append(rng.choice(CUES[lab]))
            parts.append(rng.choice(FILL))
        text = " ".join(parts).capitalize() + "."
        rows.append({"text": text, "labels": labs})
    return rows


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def build_tiny_base(d: Path) -> Path:
    """Write a tiny random BERT encoder with a locally trained WordPiece tokenizer to ``d``."""
    import torch
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    corpus = [r["text"] for r in make_rows(400, 0)] + FILL + FED + ENF + ECON
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    norm = normalizers.BertNormalizer(lowercase=True)
    pre = pre_tokenizers.BertPreTokenizer()
    # the vocabulary is built here, not by a tokenizer trainer: the trainer breaks frequency
    # ties differently in every process, and the regression pins need the same ids each time
    words = Counter(w for text in corpus for w, _ in pre.pre_tokenize_str(norm.normalize_str(text)))
    chars = sorted({c for w in words for c in w})
    vocab = [*specials, *chars, *(f"##{c}" for c in chars),
             *(w for w, _ in sorted(words.items(), key=lambda x: (-x[1], x[0])) if len(w) > 1)]
    tok = Tokenizer(models.WordPiece({t: i for i, t in enumerate(vocab)}, unk_token="[UNK]"))
    tok.normalizer = norm
    tok.pre_tokenizer = pre
    cls_id, sep_id = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)])
    tok.decoder = decoders.WordPiece()
    hf = PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]",
                                 cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]",
                                 model_max_length=128)
    hf.save_pretrained(d)
    torch.manual_seed(0)
    cfg = BertConfig(vocab_size=tok.get_vocab_size(), hidden_size=32, num_hidden_layers=2,
                     num_attention_heads=2, intermediate_size=64, max_position_embeddings=128,
                     pad_token_id=tok.token_to_id("[PAD]"))
    BertModel(cfg).save_pretrained(d)
    return d
