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
