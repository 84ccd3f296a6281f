"""Fixtures for the AraBERT-from-a-local-folder tests: the shared tokenizer and a tiny folder builder."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from arabert_support import ARABERT_VOCAB, HUB_ID, build_tiny_arabert


@pytest.fixture(scope="session")
def arabert_vocab() -> Path:
    if not (ARABERT_VOCAB / "tokenizer.json").is_file():
        pytest.skip(f"AraBERT-family tokenizer not available: {ARABERT_VOCAB} is absent "
                    "(it sits beside the checkout as ../shared/encoders)")
    return ARABERT_VOCAB


@pytest.fixture(scope="session")
def tiny_arabert_factory(arabert_vocab: Path, tmp_path_factory) -> Callable[..., Path]:
    """``factory(folder_name, declares=HUB_ID)``: a fresh tiny AraBERT folder under a temporary directory."""

    def make(name: str = "arabertv02", *, declares: str | None = HUB_ID) -> Path:
        return build_tiny_arabert(tmp_path_factory.mktemp("models") / name, declares=declares)

    return make
