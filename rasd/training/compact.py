"""Build a small BERT from scratch: a WordPiece vocabulary trained on the training texts.

This is the offline default (no Hub access needed): the result is saved as an ordinary
``save_pretrained`` directory, so the rest of training loads it by path exactly as it would
load ``aubmindlab/bert-base-arabertv02``.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import torch
from tokenizers import BertWordPieceTokenizer
from transformers import BertConfig, BertModel, BertTokenizerFast

from rasd.text.normalize import Normalizer
from rasd.text.words import tokenize_words
from rasd.training.config import CompactEncoderConfig


def normalized_words(texts: Iterable[str], normalizer: Normalizer) -> Iterable[str]:
    """Texts as the model will see them: normalized, words separated by single spaces."""
    for t in texts:
        norm = normalizer(t).text
        yield " ".join(norm[s:e] for s, e in tokenize_words(norm))


SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def continuing_pieces(texts: Iterable[str]) -> list[str]:
    """``##c`` for every character, in a fixed order, so that the same texts give the same vocabulary.

    The WordPiece trainer (tokenizers <= 0.23) numbers these pieces in hash-map order, and the ids
    break ties between equally frequent merges, so two runs on the same texts could learn different
    vocabularies and a seeded training was not reproducible (huggingface/tokenizers#1794). Handing
    them over as special tokens numbers them first, in this order. They would be in the vocabulary
    anyway (bar ``##c`` for characters only ever seen first in a word), and they are not special to
    the saved tokenizer: only [PAD]/[UNK]/[CLS]/[SEP]/[MASK] are.
    """
    return ["##" + c for c in sorted({c for t in texts for c in t if not c.isspace()})]


def build_compact_encoder(
    texts: Iterable[str], config: CompactEncoderConfig, normalizer: Normalizer, out_dir: str | Path, *, seed: int = 42
) -> Path:
    """Train the vocabulary, initialise a random BERT of the configured size, save both to ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    wp = BertWordPieceTokenizer(clean_text=True, handle_chinese_chars=False, strip_accents=False, lowercase=False)
    spaced = list(normalized_words(texts, normalizer))  # read twice: for the pieces, then by the trainer
    wp.train_from_iterator(
        spaced,
        vocab_size=config.vocab_size,
        min_frequency=config.min_frequency,
        show_progress=False,
        special_tokens=SPECIAL_TOKENS + continuing_pieces(spaced),
    )
    wp.save_model(str(out_dir))
    tokenizer = BertTokenizerFast(
        vocab=str(out_dir / "vocab.txt"),
        do_lower_case=False,
        tokenize_chinese_chars=False,
        strip_accents=False,
        model_max_length=config.max_position_embeddings,
    )
    tokenizer.save_pretrained(out_dir)
    bert_config = BertConfig(
        vocab_size=len(tokenizer),
        hidden_size=config.hidden_size,
        num_hidden_layers=config.num_hidden_layers,
        num_attention_heads=config.num_attention_heads,
        intermediate_size=config.intermediate_size,
        max_position_embeddings=config.max_position_embeddings,
    )
    torch.manual_seed(seed)
    BertModel(bert_config).save_pretrained(out_dir)
    return out_dir
