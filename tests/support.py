"""Paths and the tiny-model recipe shared by the tests (importable as `support`: pytest's pythonpath has tests/).

Kept out of conftest.py because several conftest modules exist and `from conftest import`
would depend on which one pytest loaded last.
"""

from __future__ import annotations

from pathlib import Path

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
