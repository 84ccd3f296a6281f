"""The one implementation of slot and event metrics, used by training and by `rasd evaluate`.

Slots: seqeval over IOB2 tag sequences, in strict mode (the headline: an entity counts
only with a correct B- and exact bounds) and default mode (CoNLL-style, lenient with a
stray I-; reported because published numbers often use it). Events: scikit-learn.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
from seqeval.metrics import classification_report as seqeval_report
from seqeval.scheme import IOB2
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    hamming_loss,
    precision_recall_fscore_support,
)

SLOT_MODES = ("strict", "default")


def slot_metrics(y_true: Sequence[Sequence[str]], y_pred: Sequence[Sequence[str]], *, mode: str = "strict") -> dict[str, Any]:
    """Micro/macro P/R/F1 and per-type scores for IOB2 tag sequences.

    >>> m = slot_metrics([["B-LOC", "I-LOC", "O"]], [["B-LOC", "I-LOC", "O"]])
    >>> m["micro"]["f1"], m["per_type"]["LOC"]["support"]
    (1.0, 1)
    """
    if mode not in SLOT_MODES:
        raise ValueError(f"mode must be one of {SLOT_MODES}")
    kwargs = {"mode": "strict", "scheme": IOB2} if mode == "strict" else {}
    y_true, y_pred = [list(s) for s in y_true], [list(s) for s in y_pred]
    if not any(t != "O" for s in y_true + y_pred for t in s):
        zero = {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}
        return {"micro": dict(zero), "macro": dict(zero), "per_type": {}}
    with warnings.catch_warnings():  # seqeval averages empty arrays when no entity is well-formed
        warnings.simplefilter("ignore", RuntimeWarning)
        report = seqeval_report(y_true, y_pred, output_dict=True, zero_division=0, **kwargs)
    per_type = {}
    for label, row in report.items():
        if label in ("micro avg", "macro avg", "weighted avg"):
            continue
        per_type[label] = _row(row)
    macro = _row(report["macro avg"]) if per_type else {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}
    return {
        "micro": _row(report["micro avg"]),
        "macro": macro,
        "per_type": dict(sorted(per_type.items())),
    }


def _row(row: dict[str, Any]) -> dict[str, Any]:
    def num(x: Any) -> float:
        x = float(x)
        return 0.0 if math.isnan(x) else x

    return {
        "precision": num(row["precision"]),
        "recall": num(row["recall"]),
        "f1": num(row["f1-score"]),
        "support": int(row["support"]),
    }


def event_metrics(y_true: Sequence[str], y_pred: Sequence[str], *, labels: Sequence[str]) -> dict[str, Any]:
    """Accuracy, macro-F1, per-type scores and the confusion matrix for single-label events.

    >>> m = event_metrics(["a", "b", "b"], ["a", "b", "a"], labels=["a", "b"])
    >>> round(m["accuracy"], 3), round(m["macro_f1"], 3)
    (0.667, 0.667)
    """
    present = [lab for lab in labels if lab in set(y_true) | set(y_pred)]
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=present, zero_division=0)
    return {
        "accuracy": float(accuracy_score(y_true, y_pred)) if len(y_true) else 0.0,
        "macro_f1": float(f1_score(y_true, y_pred, labels=present, average="macro", zero_division=0)) if present else 0.0,
        "per_type": {
            lab: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]), "support": int(s[i])}
            for i, lab in enumerate(present)
        },
        "labels": list(labels),
        "confusion_matrix": confusion_matrix(y_true, y_pred, labels=list(labels)).tolist() if len(y_true) else [],
        "count": len(y_true),
    }


def multilabel_event_metrics(
    y_true: np.ndarray, y_pred: np.ndarray, *, labels: Sequence[str], thresholds: Sequence[float]
) -> dict[str, Any]:
    """Micro/macro F1, Hamming loss and subset accuracy for multi-hot event matrices."""
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, zero_division=0)
    return {
        "micro_f1": float(f1_score(y_true, y_pred, average="micro", zero_division=0)),
        "macro_f1": float(f1_score(y_true, y_pred, average="macro", zero_division=0)),
        "hamming_loss": float(hamming_loss(y_true, y_pred)),
        "subset_accuracy": float(accuracy_score(y_true, y_pred)),
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "per_type": {
            lab: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]), "support": int(s[i]),
                  "threshold": float(thresholds[i])}
            for i, lab in enumerate(labels)
        },
        "labels": list(labels),
        "count": int(len(y_true)),
    }


def combined_score(slot_f1: float | None, event_f1: float | None, *, slot_weight: float = 0.5) -> float:
    """The model-selection number: a weighted mean of strict slot micro-F1 and event macro-F1.

    A head that is switched off does not count, so the same key works for every task.
    """
    if slot_f1 is None and event_f1 is None:
        return 0.0
    if slot_f1 is None:
        return float(event_f1)
    if event_f1 is None:
        return float(slot_f1)
    return float(slot_weight * slot_f1 + (1.0 - slot_weight) * event_f1)


# --- count-level forms, for per-sentence resampling (the paired bootstrap) ----------------------------
# Each returns per-sentence counts whose column sums give exactly the numbers above; the
# tests check that, so a resample of rows is scored by the same definition as the full set.


def slot_entity_counts(y_true: Sequence[Sequence[str]], y_pred: Sequence[Sequence[str]], *,
                       mode: str = "strict") -> np.ndarray:
    """Per sentence ``[correct, predicted, gold]`` entity counts, reading chunks as seqeval does in ``mode``.

    Summed over sentences they give :func:`slot_metrics`' micro scores (see :func:`micro_f1_from_counts`).

    >>> slot_entity_counts([["B-LOC", "I-LOC", "O"], ["O", "I-PER"]], [["B-LOC", "I-LOC", "O"], ["O", "I-PER"]]).tolist()
    [[1, 1, 1], [0, 0, 0]]
    """
    if mode not in SLOT_MODES:
        raise ValueError(f"mode must be one of {SLOT_MODES}")
    if len(y_true) != len(y_pred):
        raise ValueError(f"{len(y_true)} gold sequences but {len(y_pred)} predicted ones")
    gold, pred = _chunks(y_true, mode), _chunks(y_pred, mode)
    out = np.zeros((len(gold), 3), dtype=np.int64)
    for i, (g, p) in enumerate(zip(gold, pred, strict=True)):
        out[i] = (len(g & p), len(p), len(g))
    return out


def _chunks(sequences: Sequence[Sequence[str]], mode: str) -> list[set[tuple[str, int, int]]]:
    from seqeval.metrics.sequence_labeling import get_entities
    from seqeval.scheme import Entities

    if mode == "strict":
        entities = Entities([list(s) for s in sequences], IOB2, False).entities
        return [{(e.tag, e.start, e.end) for e in sent} for sent in entities]
    return [set(get_entities(list(s))) for s in sequences]


def micro_f1_from_counts(counts: np.ndarray) -> np.ndarray:
    """Micro F1 from ``[..., (correct, predicted, gold)]`` counts already summed over sentences: 2c / (p + g), 0 when empty.

    >>> float(micro_f1_from_counts(np.array([3, 4, 5])))
    0.6666666666666666
    """
    counts = np.asarray(counts, dtype=np.float64)
    denom = counts[..., 1] + counts[..., 2]
    return np.divide(2 * counts[..., 0], denom, out=np.zeros_like(denom), where=denom > 0)


def event_label_counts(y_true: Sequence[Sequence[str]], y_pred: Sequence[Sequence[str]], *,
                       labels: Sequence[str]) -> np.ndarray:
    """Per sentence and label ``[tp, fp, fn]`` (shape ``(sentences, labels, 3)``) for label sets.

    A single-label sentence is a one-element list; a sentence left out of event scoring is ``[]``
    in both. Labels outside ``labels`` raise ``ValueError``.

    >>> event_label_counts([["a"], ["b"]], [["a"], ["a"]], labels=["a", "b"]).sum(0).tolist()
    [[1, 1, 0], [0, 0, 1]]
    """
    index = {lab: i for i, lab in enumerate(labels)}
    out = np.zeros((len(y_true), len(labels), 3), dtype=np.int64)
    for n, (gold, pred) in enumerate(zip(y_true, y_pred, strict=True)):
        g, p = np.zeros(len(labels), bool), np.zeros(len(labels), bool)
        for lab in gold:
            g[_label_index(index, lab)] = True
        for lab in pred:
            p[_label_index(index, lab)] = True
        out[n, :, 0], out[n, :, 1], out[n, :, 2] = g & p, p & ~g, g & ~p
    return out


def _label_index(index: dict[str, int], label: str) -> int:
    if label not in index:
        raise ValueError(f"event label {label!r} is not among {list(index)}")
    return index[label]


def macro_f1_from_counts(counts: np.ndarray, *, present_only: bool) -> np.ndarray:
    """Macro F1 from ``[..., labels, (tp, fp, fn)]`` counts summed over sentences.

    ``present_only=True`` averages over labels that occur in the gold or the predictions (as
    :func:`event_metrics` does for single-label events); ``False`` over every label, an absent
    one scoring 0 (as :func:`multilabel_event_metrics` does).

    >>> float(macro_f1_from_counts(np.array([[1, 1, 0], [0, 0, 1], [0, 0, 0]]), present_only=True))
    0.3333333333333333
    """
    counts = np.asarray(counts, dtype=np.float64)
    tp, fp, fn = counts[..., 0], counts[..., 1], counts[..., 2]
    denom = 2 * tp + fp + fn
    f1 = np.divide(2 * tp, denom, out=np.zeros_like(denom), where=denom > 0)
    if not present_only:
        return f1.mean(axis=-1) if f1.shape[-1] else np.zeros(f1.shape[:-1])
    present = denom > 0
    n = present.sum(axis=-1)
    total = np.where(present, f1, 0.0).sum(axis=-1)
    return np.divide(total, n, out=np.zeros_like(total), where=n > 0)


def event_classification_report(y_true: Sequence[str], y_pred: Sequence[str], *, labels: Sequence[str]) -> str:
    """scikit-learn's ``classification_report`` text for single-label events (labels that occur only)."""
    from sklearn.metrics import classification_report

    present = [lab for lab in labels if lab in set(y_true) | set(y_pred)]
    if not present:
        return "(no event labels)"
    return classification_report(y_true, y_pred, labels=present, digits=4, zero_division=0)
