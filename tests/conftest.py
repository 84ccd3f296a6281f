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
from support import CORPUS, SHARED_DATA, train_tiny  # noqa: E402


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
