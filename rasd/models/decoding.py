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


def mean_word_logits(logits: np.ndarray, word_index: Sequence[int | None]) -> np.ndarray:
    """Each sub-token's logits replaced by the mean over its word's sub-tokens (what ``word_pooling: mean``
    trains on; see :func:`rasd.models.modeling.mean_over_words`).

    >>> mean_word_logits(np.array([[0.0], [1.0], [3.0], [5.0]]), [None, 0, 0, 1]).ravel().tolist()
    [0.0, 2.0, 2.0, 5.0]
    """
    out = np.array(logits, dtype=np.float32, copy=True)
    groups: dict[int, list[int]] = {}
    for pos, w in enumerate(word_index[: len(out)]):
        if w is not None:
            groups.setdefault(w, []).append(pos)
    for positions in groups.values():
        if len(positions) > 1:
            out[positions] = out[positions].mean(axis=0)
    return out


def word_predictions(
    sentence: EncodedSentence, window_logits: Sequence[np.ndarray], id2label: dict[int, str],
    *, word_pooling: str = "first",
) -> tuple[list[str], list[float]]:
    """Tag and probability per word, read from the window that owns each word."""
    n = len(sentence.raw_word_spans)
    tags, probs = [OUTSIDE] * n, [1.0] * n
    for window, logits in zip(sentence.windows, window_logits, strict=True):
        logits = np.asarray(logits, dtype=np.float32)[: len(window.word_starts)]
        if word_pooling == "mean":
            logits = mean_word_logits(logits, window.word_index)
        p = softmax(logits)
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
