"""Paired bootstrap confidence intervals for the difference between two models on the same sentences.

Each resample draws the sentences with replacement once and scores BOTH models on it, so
the interval reflects how much the difference, not each score, depends on the sample.
Scores are computed from per-sentence counts (:mod:`rasd.evaluation.metrics`' count forms),
so a resample costs a matrix product instead of a seqeval run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

Statistic = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class PairedInterval:
    """Scores of A and B on the full sample, their difference A - B and its percentile interval."""

    a: float
    b: float
    difference: float
    low: float | None  # None without resamples
    high: float | None
    confidence: float
    resamples: int
    a_better: float | None  # share of resamples where A scores higher than B

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def resample_weights(n_items: int, *, resamples: int, seed: int) -> np.ndarray:
    """``(resamples, n_items)`` counts: how often each item is drawn in each resample (rows sum to ``n_items``).

    >>> w = resample_weights(5, resamples=3, seed=0)
    >>> w.shape, w.sum(axis=1).tolist()
    ((3, 5), [5, 5, 5])
    """
    rng = np.random.default_rng(seed)
    weights = np.zeros((resamples, n_items), dtype=np.int64)
    for b in range(resamples):
        weights[b] = np.bincount(rng.integers(0, n_items, n_items), minlength=n_items)
    return weights


def paired_bootstrap(counts_a: np.ndarray, counts_b: np.ndarray, statistic: Statistic, *, weights: np.ndarray,
                     statistic_b: Statistic | None = None, confidence: float = 0.95) -> PairedInterval:
    """Percentile interval of ``statistic(A) - statistic_b(B)`` over the resamples in ``weights``.

    ``counts_*`` have one row per sentence (any trailing shape, which may differ between A and B);
    ``statistic`` maps counts summed over sentences (the sentence axis gone, leading batch axes
    kept) to scores. ``statistic_b`` (default: ``statistic``) scores B when it is defined
    differently, e.g. a multi-label model against a single-label one.

    >>> from rasd.evaluation.metrics import micro_f1_from_counts
    >>> c = np.array([[1, 1, 1], [0, 1, 1], [1, 1, 2]])
    >>> ci = paired_bootstrap(c, c, micro_f1_from_counts, weights=resample_weights(3, resamples=50, seed=0))
    >>> ci.difference, ci.low, ci.high
    (0.0, 0.0, 0.0)
    """
    counts_a, counts_b = np.asarray(counts_a), np.asarray(counts_b)
    if counts_a.shape[0] != counts_b.shape[0] or counts_a.shape[0] != weights.shape[1]:
        raise ValueError(f"A has {counts_a.shape[0]} sentences, B {counts_b.shape[0]}, the weights {weights.shape[1]}")
    stat_b = statistic_b or statistic
    score_a, score_b = float(statistic(counts_a.sum(0))), float(stat_b(counts_b.sum(0)))
    flat_a, flat_b = counts_a.reshape(len(counts_a), -1), counts_b.reshape(len(counts_b), -1)
    res_a = statistic((weights @ flat_a).reshape(len(weights), *counts_a.shape[1:]))
    res_b = stat_b((weights @ flat_b).reshape(len(weights), *counts_b.shape[1:]))
    diffs = res_a - res_b
    if not len(diffs):
        return PairedInterval(score_a, score_b, score_a - score_b, None, None, confidence, 0, None)
    alpha = (1.0 - confidence) / 2
    low, high = np.quantile(diffs, [alpha, 1.0 - alpha])
    return PairedInterval(score_a, score_b, score_a - score_b, float(low), float(high), confidence, len(weights),
                          float((diffs > 0).mean()))
