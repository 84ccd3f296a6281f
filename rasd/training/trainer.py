"""A thin `Trainer` subclass: checks its inputs up front and always reports rasd's metrics.

Evaluation turns window-level logits into IOB2 tag sequences and event decisions and
scores them with :mod:`rasd.evaluation.metrics` (the same code as `rasd evaluate`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from transformers import EvalPrediction, Trainer

from rasd.evaluation.metrics import combined_score, event_metrics, multilabel_event_metrics, slot_metrics
from rasd.models.alignment import IGNORE
from rasd.models.configuration import RasdConfig


def _split_outputs(config: RasdConfig, values: Any) -> tuple[Any, Any]:
    """(slot, event) arrays from the Trainer's tuple, whose layout depends on which heads are on."""
    values = values if isinstance(values, tuple | list) else (values,)
    values = list(values)
    slots = values.pop(0) if config.has_slot_head else None
    events = values.pop(0) if config.has_event_head else None
    return slots, events


def make_compute_metrics(config: RasdConfig, *, slot_weight: float) -> Callable[[EvalPrediction], dict[str, float]]:
    id2label = config.id2label
    event_labels = config.event_labels or []

    def compute(pred: EvalPrediction) -> dict[str, float]:
        slot_logits, event_logits = _split_outputs(config, pred.predictions)
        slot_gold, event_gold = _split_outputs(config, pred.label_ids)
        out: dict[str, float] = {}
        slot_f1 = event_f1 = None
        if slot_logits is not None:
            best = np.asarray(slot_logits).argmax(-1)
            gold = np.asarray(slot_gold)
            y_true, y_pred = [], []
            for g_row, p_row in zip(gold, best, strict=True):
                keep = g_row != IGNORE
                if keep.any():
                    y_true.append([id2label[int(i)] for i in g_row[keep]])
                    y_pred.append([id2label[int(i)] for i in p_row[keep]])
            m = slot_metrics(y_true, y_pred, mode="strict")
            slot_f1 = m["micro"]["f1"]
            out.update({"slot_precision": m["micro"]["precision"], "slot_recall": m["micro"]["recall"],
                        "slot_f1": slot_f1, "slot_macro_f1": m["macro"]["f1"]})
        if event_logits is not None:
            logits, gold = np.asarray(event_logits), np.asarray(event_gold)
            if config.multi_label:
                keep = (gold >= 0).all(-1)
                pred_hot = (1 / (1 + np.exp(-logits[keep])) >= config.event_threshold).astype(int)
                m = multilabel_event_metrics(gold[keep].astype(int), pred_hot, labels=event_labels,
                                             thresholds=[config.event_threshold] * len(event_labels))
                out["event_micro_f1"] = m["micro_f1"]
            else:
                keep = gold != IGNORE
                y_true = [event_labels[int(i)] for i in gold[keep]]
                y_pred = [event_labels[int(i)] for i in logits[keep].argmax(-1)]
                m = event_metrics(y_true, y_pred, labels=event_labels)
            event_f1 = m["macro_f1"]
            out.update({"event_accuracy": m["accuracy"], "event_macro_f1": event_f1})
        out["combined"] = combined_score(slot_f1, event_f1, slot_weight=slot_weight)
        return out

    return compute


class RasdTrainer(Trainer):
    """`Trainer` that refuses datasets missing the columns its model's heads need."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        config: RasdConfig = self.model.config
        need = ["input_ids"] + (["labels"] if config.has_slot_head else []) + (
            ["event_labels"] if config.has_event_head else [])
        for split, ds in (("train", self.train_dataset), ("validation", self.eval_dataset)):
            if ds is None:
                continue
            missing = [c for c in need if c not in ds.column_names]
            if missing:
                raise ValueError(f"{split} dataset lacks column(s) {missing} needed by task {config.task!r}")
