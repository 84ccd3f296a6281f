"""Arabic text handling with exact character offsets: sentences, words, normalization.

``ArabertNormalizer`` loads on first use, so ``import rasd.text`` does not import arabert.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rasd.text.normalize import (
    BasicNormalizer,
    IdentityNormalizer,
    NormalizedText,
    Normalizer,
    build_normalizer,
)
from rasd.text.sentences import split_sentences
from rasd.text.words import tokenize_words

if TYPE_CHECKING:  # pragma: no cover
    from rasd.text.arabert import ArabertNormalizer

__all__ = [
    "ArabertNormalizer",
    "BasicNormalizer",
    "IdentityNormalizer",
    "NormalizedText",
    "Normalizer",
    "build_normalizer",
    "split_sentences",
    "tokenize_words",
]


def __getattr__(name: str) -> Any:
    if name == "ArabertNormalizer":
        from rasd.text.arabert import ArabertNormalizer

        return ArabertNormalizer
    raise AttributeError(f"module 'rasd.text' has no attribute {name!r}")
