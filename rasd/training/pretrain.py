"""`rasd pretrain`: continued masked-LM pretraining of a BERT-family encoder on an unlabelled dump.

An encoder pretrained on general text has seen little of the register of incident reports (militia
names, base names, casualty formulas). A few thousand steps of masked-LM on the user's own dump
adapt it before fine-tuning. The dump is streamed (JSON Lines, CSV, Parquet or a folder of .txt, the
inputs `rasd predict` reads), split into sentences, normalised exactly as fine-tuning will normalise
it, and packed into ``max_length`` pieces; nothing is loaded whole into memory.

The output is an encoder folder (``config.json``, ``model.safetensors`` with the MLM head, tokenizer,
README) usable as ``model_name_or_path`` in a training config, and as the start of another
``rasd pretrain``.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rasd.errors import ConfigError, ModelLoadError

logger = logging.getLogger(__name__)


@dataclass
class PretrainConfig:
    """What to pretrain, on what; every other TrainingArguments field passes through ``training``."""

    model_name_or_path: str
    data: str
    output_dir: str
    text_field: str = field(default="text", metadata={"help": "field holding the text (JSON Lines, CSV, Parquet)"})
    input_format: str | None = field(default=None, metadata={"help": "jsonl | csv | parquet | txt (from the name)"})
    max_length: int = field(default=128, metadata={"help": "sub-tokens per training example"})
    mlm_probability: float = field(default=0.15, metadata={"help": "share of sub-tokens masked"})
    preprocessing: Any = field(default="auto", metadata={"help": "as in `rasd train`: the fine-tuning normaliser"})
    training: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not 0.0 < self.mlm_probability < 1.0:
            raise ConfigError(f"mlm_probability must be between 0 and 1; got {self.mlm_probability!r}")
        if self.max_length < 8:
            raise ConfigError(f"max_length must be at least 8; got {self.max_length!r}")
        steps = self.training.get("max_steps", -1)
        if not isinstance(steps, int) or steps <= 0:
            raise ConfigError("max_steps must be a positive number: a streamed dump has no length to count epochs by")


PRETRAIN_DEFAULTS: dict[str, Any] = {
    "learning_rate": 5e-5,
    "warmup_steps": 0.06,
    "weight_decay": 0.01,
    "per_device_train_batch_size": 32,
    "logging_steps": 50,
    "save_strategy": "steps",
    "save_steps": 500,
    "save_total_limit": 2,
    "report_to": "none",
    "remove_unused_columns": False,
}


def packed_examples(texts: Iterator[str], tokenizer, normalizer, *, max_length: int) -> Iterator[dict[str, list[int]]]:
    """Sentences -> sub-token ids, concatenated and cut into examples of ``max_length`` (with the special tokens).

    Packing wastes no compute on padding; each example is a run of whole or cut sentences, as in BERT.
    """
    from rasd.text.sentences import split_sentences

    prefix = tokenizer("x")["input_ids"][:1] if tokenizer.cls_token_id is None else [tokenizer.cls_token_id]
    suffix = [tokenizer.sep_token_id] if tokenizer.sep_token_id is not None else []
    body = max_length - len(prefix) - len(suffix)
    buffer: list[int] = []
    for text in texts:
        sentences = [normalizer(text[s:e]).text for s, e in split_sentences(text)]
        sentences = [s for s in sentences if s.strip()]
        if not sentences:
            continue
        for ids in tokenizer(sentences, add_special_tokens=False, verbose=False)["input_ids"]:
            buffer.extend(ids)
            while len(buffer) >= body:
                yield {"input_ids": prefix + buffer[:body] + suffix}
                buffer = buffer[body:]


def dump_texts(cfg: PretrainConfig) -> Iterator[str]:
    """The texts of the dump, endlessly (epochs over a stream); unusable records are counted and skipped."""
    from rasd.inference.inputs import Reject, read_documents

    for epoch in itertools.count():
        n_docs = n_rejects = 0
        for item in read_documents(cfg.data, text_field=cfg.text_field, fmt=cfg.input_format):
            if isinstance(item, Reject):
                n_rejects += 1
                continue
            n_docs += 1
            yield item.text
        if n_docs == 0:
            raise ConfigError(f"{cfg.data}: no usable document ({n_rejects} rejected); check --text-field")
        logger.info("pass %d over the dump: %d documents, %d records skipped", epoch + 1, n_docs, n_rejects)


def pretrain(cfg: PretrainConfig, *, resume: bool = False) -> Path:
    """Run masked-LM pretraining and save the encoder folder; returns its path."""
    import torch
    from torch.utils.data import IterableDataset
    from transformers import (
        AutoModelForMaskedLM,
        AutoTokenizer,
        DataCollatorForLanguageModeling,
        Trainer,
        TrainingArguments,
        set_seed,
    )

    from rasd.models.encoders import resolve_encoder
    from rasd.models.hub import check_model_source
    from rasd.models.preprocessing import resolve_preprocessing
    from rasd.text.normalize import build_normalizer

    source = resolve_encoder(cfg.model_name_or_path)
    check_model_source(source)
    out = Path(cfg.output_dir)
    if out.exists() and not resume and any(out.iterdir()):
        raise ConfigError(f"output folder {out} is not empty; choose another or pass --resume to continue its run")
    preprocessing = resolve_preprocessing(cfg.preprocessing, cfg.model_name_or_path)
    normalizer = build_normalizer(preprocessing)
    set_seed(int(cfg.training.get("seed", 42)))
    try:
        tokenizer = AutoTokenizer.from_pretrained(source)
        # A bare encoder (e5, rasd's compact one) gets a fresh MLM head tied to its word embeddings.
        model = AutoModelForMaskedLM.from_pretrained(source)
    except (OSError, ValueError) as e:
        raise ModelLoadError(f"cannot load a masked-LM model from {source!r}: {str(e).splitlines()[0]}") from None
    if tokenizer.mask_token_id is None:
        raise ModelLoadError(f"the tokenizer of {source!r} has no mask token; masked-LM pretraining needs one")
    model.tie_weights()

    class Stream(IterableDataset):
        def __iter__(self):
            return packed_examples(dump_texts(cfg), tokenizer, normalizer, max_length=cfg.max_length)

    args = TrainingArguments(**{**PRETRAIN_DEFAULTS, "output_dir": str(out),
                                "dataloader_pin_memory": torch.cuda.is_available(), **cfg.training})
    collator = DataCollatorForLanguageModeling(tokenizer, mlm_probability=cfg.mlm_probability)
    trainer = Trainer(model=model, args=args, train_dataset=Stream(), data_collator=collator)
    result = trainer.train(resume_from_checkpoint=True if resume else None)
    if trainer.is_world_process_zero():
        trainer.save_model(str(out))
        tokenizer.save_pretrained(out)
        (out / "README.md").write_text(_card(cfg, source, preprocessing, result.training_loss, args.max_steps),
                                       encoding="utf-8")
    return out


def _card(cfg: PretrainConfig, source: str, preprocessing: dict, loss: float, steps: int) -> str:
    return f"""# Encoder adapted by `rasd pretrain`

- Started from: `{cfg.model_name_or_path}` (`{source}`)
- Continued masked-LM pretraining on: `{cfg.data}` ({steps} steps of {cfg.max_length} sub-tokens,
  {cfg.mlm_probability:.0%} masked), text normalised as `{preprocessing}`; final training loss {loss:.4f}
- Use it as `model_name_or_path: {cfg.output_dir}` in a `rasd train` config. The licence of the starting
  encoder applies, and the terms of the dump's licence apply to these weights.
"""
