"""Model outputs -> labelled words, slot spans with raw offsets, and event probabilities.

Pure functions over numpy arrays so that the torch and ONNX back-ends share them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from rasd.data.schema import OUTSIDE
from rasd.models.alignment import EncodedSentence


@dataclass(frozen=True)
class DecodedSpan:
    start: int
    end: int
    label: str
    score: float


def softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    z = x - x.max(axis=axis, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=axis, keepdims=True)


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def word_predictions(
    sentence: EncodedSentence, window_logits: Sequence[np.ndarray], id2label: dict[int, str]
) -> tuple[list[str], list[float]]:
    """Tag and probability per word, read from the window that owns each word."""
    n = len(sentence.raw_word_spans)
    tags, probs = [OUTSIDE] * n, [1.0] * n
    for window, logits in zip(sentence.windows, window_logits, strict=True):
        p = softmax(np.asarray(logits, dtype=np.float32)[: len(window.word_starts)])
        best = p.argmax(-1)
        for pos, w in enumerate(window.word_starts):
            if w is not None and window.owned[pos]:
                tags[w] = id2label[int(best[pos])]
                probs[w] = float(p[pos, best[pos]])
    return tags, probs


def tags_to_spans(
    tags: Sequence[str], probs: Sequence[float], raw_word_spans: Sequence[tuple[int, int]]
) -> list[DecodedSpan]:
    """IOB2 tags to character spans; a stray ``I-X`` starts a new span (as seqeval's default mode reads it).

    >>> tags_to_spans(["B-LOC", "I-LOC", "O", "I-PER"], [0.9, 0.7, 1.0, 0.6], [(0, 3), (4, 7), (8, 9), (10, 12)])
    [DecodedSpan(start=0, end=7, label='LOC', score=0.8), DecodedSpan(start=10, end=12, label='PER', score=0.6)]
    """
    spans: list[DecodedSpan] = []
    cur_label, cur_words = None, []

    def close() -> None:
        if cur_label is not None and cur_words:
            score = float(np.mean([probs[i] for i in cur_words]))
            spans.append(DecodedSpan(raw_word_spans[cur_words[0]][0], raw_word_spans[cur_words[-1]][1], cur_label, round(score, 6)))

    for i, tag in enumerate(tags):
        prefix, _, label = tag.partition("-")
        if tag == OUTSIDE or not label:
            close()
            cur_label, cur_words = None, []
        elif prefix == "B" or label != cur_label:
            close()
            cur_label, cur_words = label, [i]
        else:
            cur_words.append(i)
    close()
    return spans


def event_probabilities(window_logits: Sequence[np.ndarray], *, multi_label: bool) -> np.ndarray | None:
    """Average over a sentence's windows of the per-window event distribution."""
    if not len(window_logits):
        return None
    logits = np.asarray(window_logits, dtype=np.float32)
    probs = sigmoid(logits) if multi_label else softmax(logits)
    return probs.mean(axis=0)


def event_decision(
    probs: np.ndarray | None, labels: Sequence[str], *, multi_label: bool, threshold: float
) -> tuple[str | None, float | None, list[str]]:
    """Top label and its probability, plus every asserted label (all over threshold when multi-label)."""
    if probs is None:
        return None, None, []
    top = int(probs.argmax())
    if multi_label:
        chosen = [labels[i] for i in np.flatnonzero(probs >= threshold)]
        return labels[top], float(probs[top]), chosen
    return labels[top], float(probs[top]), [labels[top]]
