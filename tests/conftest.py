"""Shared fixtures: offline mode, paths to the shipped corpus and ../shared/data, and a tiny trained model.

Nothing here downloads: the tiny model is a 2-layer BERT whose WordPiece vocabulary is
trained on the shipped corpus, fine-tuned for a few epochs (about half a minute on 2 cores).
"""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "data" / "corpus"
SHARED_DATA = (REPO / ".." / "shared" / "data").resolve()

TINY_ENCODER = {
    "vocab_size": 3000,
    "hidden_size": 64,
    "num_hidden_layers": 2,
    "num_attention_heads": 2,
    "intermediate_size": 128,
    "max_position_embeddings": 256,
    "min_frequency": 2,
}


def tiny_config(output_dir: Path, **overrides) -> dict:
    """A training config for a tiny model on the shipped corpus; tests override what they vary."""
    cfg = {
        "compact_encoder": dict(TINY_ENCODER),
        "task": "joint",
        "train_file": str(CORPUS / "train.jsonl"),
        "validation_file": str(CORPUS / "dev.jsonl"),
        "label_schema": "default",
        "preprocessing": "basic",
        "max_length": 96,
        "stride": 24,
        "early_stopping_patience": None,
        "output_dir": str(output_dir),
        "num_train_epochs": 8,
        "learning_rate": 3e-3,
        "warmup_steps": 20,
        "per_device_train_batch_size": 32,
        "per_device_eval_batch_size": 64,
        "save_total_limit": 1,
        "seed": 7,
        "disable_tqdm": True,
        "dataloader_pin_memory": False,
    }
    cfg.update(overrides)
    return cfg


def train_tiny(output_dir: Path, **overrides):
    from rasd.training.config import config_from_dict
    from rasd.training.train import train

    return train(config_from_dict(tiny_config(output_dir, **overrides)))


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    if not (CORPUS / "train.jsonl").is_file():
        pytest.fail("data/corpus/train.jsonl is missing: run `python scripts/build_corpus.py`")
    return CORPUS


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data not available: {SHARED_DATA} is absent (it sits beside the checkout as ../shared/data)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory, corpus_dir):
    """A joint model trained for a few epochs on the shipped corpus; returns its TrainResult."""
    return train_tiny(tmp_path_factory.mktemp("tiny-joint"))


@pytest.fixture(scope="session")
def tiny_model_dir(tiny_model) -> Path:
    return Path(tiny_model.output_dir)
