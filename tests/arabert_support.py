"""A tiny random AraBERT-shaped folder, built from the AraBERT-family tokenizer in ../shared/encoders
(importable as `arabert_support`; the fixtures that use it are in tests/models/conftest.py).

The folder is what `hf download aubmindlab/bert-base-arabertv02 --local-dir /models/arabertv02`
leaves behind, minus the weights: a BERT with the real 64k WordPiece vocabulary and tokenizer,
randomly initialised, whose `config.json` and `tokenizer_config.json` say (or do not say) which
AraBERT it is. Depth and width are cut so that a few training steps take seconds on 2 cores.
"""

from __future__ import annotations

import json
from pathlib import Path

from support import REPO

ARABERT_VOCAB = (REPO / ".." / "shared" / "encoders" / "araelectra-base-vocab").resolve()
HUB_ID = "aubmindlab/bert-base-arabertv02"
# The real vocabulary and positions; 2 layers of width 64 instead of 12 x 768 (see the tests' docstrings).
TINY_SHAPE = {"hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 128,
              "max_position_embeddings": 512}


def _edit_json(path: Path, key: str, value: str | None) -> None:
    data = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    if value is None:
        data.pop(key, None)
    else:
        data[key] = value
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")


def build_tiny_arabert(out: Path, *, declares: str | None = HUB_ID, seed: int = 0) -> Path:
    """Write a random BERT with the AraBERT-family tokenizer to ``out``.

    ``declares`` goes into `config.json` `_name_or_path` (as `save_pretrained` on the Hub model
    leaves it); None leaves both that and the tokenizer's `name_or_path` out: a folder that says
    nothing about itself.
    """
    import torch
    from transformers import BertConfig, BertModel, BertTokenizerFast

    tokenizer = BertTokenizerFast.from_pretrained(str(ARABERT_VOCAB))
    config = BertConfig(vocab_size=len(tokenizer), pad_token_id=tokenizer.pad_token_id, **TINY_SHAPE)
    torch.manual_seed(seed)
    BertModel(config).save_pretrained(out)
    tokenizer.save_pretrained(out)
    _edit_json(out / "config.json", "_name_or_path", declares)
    _edit_json(out / "tokenizer_config.json", "name_or_path", None)
    return out
