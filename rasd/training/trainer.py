"""A thin `Trainer` subclass: checks its inputs up front and always reports rasd's metrics.

Evaluation turns window-level logits into IOB2 tag sequences and event decisions and
scores them with :mod:`rasd.evaluation.metrics` (the same code as `rasd evaluate`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
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


def layer_of(name: str, num_layers: int) -> int:
    """Depth of an encoder parameter: 0 for the embeddings, i + 1 for layer i, ``num_layers + 1`` above.

    >>> [layer_of(n, 12) for n in ["encoder.embeddings.word_embeddings.weight",
    ...                            "encoder.encoder.layer.3.output.dense.weight", "slot_head.classifier.bias"]]
    [0, 4, 13]
    """
    match = re.search(r"\.layers?\.(\d+)\.", name)
    if match:
        return int(match.group(1)) + 1
    return 0 if "embeddings" in name else num_layers + 1


def parameter_groups(model: torch.nn.Module, *, learning_rate: float, weight_decay: float,
                     head_learning_rate: float | None, layerwise_lr_decay: float) -> list[dict[str, Any]]:
    """AdamW groups: heads at ``head_learning_rate``; encoder layer ``l`` of ``L`` at
    ``learning_rate * decay ** (L - l)`` (the embeddings lowest); no weight decay on biases and LayerNorms.

    A pretrained encoder wants small steps where its knowledge is general (the bottom) and the freshly
    initialised heads want large ones; one learning rate for everything is a compromise of both.
    """
    num_layers = getattr(getattr(model.config, "encoder", None), "num_hidden_layers", 0)
    groups: dict[tuple[float, float], list[torch.nn.Parameter]] = {}
    for name, param in model.named_parameters():
        if not param.requires_grad:
            continue
        if name.startswith("encoder."):
            lr = learning_rate * layerwise_lr_decay ** (num_layers + 1 - layer_of(name, num_layers))
        else:
            lr = head_learning_rate if head_learning_rate is not None else learning_rate
        decay = 0.0 if param.ndim < 2 else weight_decay
        groups.setdefault((lr, decay), []).append(param)
    return [{"params": params, "lr": lr, "weight_decay": decay} for (lr, decay), params in groups.items()]


class RasdTrainer(Trainer):
    """`Trainer` that refuses datasets missing the columns its model's heads need, and gives the heads and
    the encoder layers their own learning rates when asked (``head_learning_rate``, ``layerwise_lr_decay``)."""

    def __init__(self, *args: Any, head_learning_rate: float | None = None, layerwise_lr_decay: float = 1.0,
                 **kwargs: Any) -> None:
        self.head_learning_rate = head_learning_rate
        self.layerwise_lr_decay = layerwise_lr_decay
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

    def create_optimizer(self, model: torch.nn.Module | None = None):
        if self.optimizer is None and (self.head_learning_rate is not None or self.layerwise_lr_decay != 1.0):
            groups = parameter_groups(self.model, learning_rate=self.args.learning_rate,
                                      weight_decay=self.args.weight_decay, head_learning_rate=self.head_learning_rate,
                                      layerwise_lr_decay=self.layerwise_lr_decay)
            optimizer_cls, kwargs = Trainer.get_optimizer_cls_and_kwargs(self.args, self.model)
            kwargs.pop("lr", None)
            self.optimizer = optimizer_cls(groups, **kwargs)
            return self.optimizer
        return super().create_optimizer(model)
