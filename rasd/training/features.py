"""Annotated records -> training rows (one per encoder window) and the batch collator."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch

from rasd.data.records import Record
from rasd.data.schema import LabelSchema
from rasd.models.alignment import IGNORE, SpecialTokens, encode_sentences, window_labels, word_tags
from rasd.text.normalize import Normalizer


@dataclass
class LabelMaps:
    """Label <-> id maps for the heads a task uses (None for a head that is off)."""

    slot_label2id: dict[str, int] | None
    event_label2id: dict[str, int] | None
    multi_label: bool

    @classmethod
    def build(cls, schema: LabelSchema, task: str, *, multi_label: bool) -> LabelMaps:
        slots = {t: i for i, t in enumerate(schema.bio_labels)} if task in ("joint", "slots") else None
        events = {e: i for i, e in enumerate(schema.event_types)} if task in ("joint", "events") else None
        if events is not None and not events:
            raise ValueError(f"task {task!r} needs event types, but schema {schema.name!r} has none")
        if slots is not None and len(slots) <= 1:
            raise ValueError(f"task {task!r} needs slot types, but schema {schema.name!r} has none")
        return cls(slots, events, multi_label)

    def event_target(self, record: Record) -> Any:
        assert self.event_label2id is not None
        if self.multi_label:
            row = [0.0] * len(self.event_label2id)
            for label in record.event_labels:
                row[self.event_label2id[label]] = 1.0
            return row
        labels = record.event_labels
        if len(labels) != 1:
            raise ValueError(f"record {record.id!r}: a single-label model needs exactly one event type, got {labels}")
        return self.event_label2id[labels[0]]

    def ignored_event(self) -> Any:
        assert self.event_label2id is not None
        return [float(IGNORE)] * len(self.event_label2id) if self.multi_label else IGNORE


@dataclass
class FeatureStats:
    sentences: int = 0
    windows: int = 0
    unaligned_spans: int = 0


def build_rows(
    records: Sequence[Record],
    tokenizer,
    normalizer: Normalizer,
    maps: LabelMaps,
    *,
    max_length: int,
    stride: int,
    for_eval: bool,
    word_pooling: str = "first",
    batch_size: int = 256,
) -> tuple[list[dict[str, Any]], FeatureStats]:
    """One row per window. Eval rows label only the words a window owns, and carry the event
    label on the first window only, so that every word and sentence is scored exactly once.

    ``word_pooling: mean`` adds each sub-token's word number (``word_index``, -1 elsewhere) for the
    model to average over; ``all`` labels every sub-token of training rows (evaluation still scores
    each word once, on its first sub-token)."""
    special = SpecialTokens.of(tokenizer)
    rows: list[dict[str, Any]] = []
    stats = FeatureStats()
    for b in range(0, len(records), batch_size):
        batch = records[b : b + batch_size]
        encoded = encode_sentences([r.text for r in batch], tokenizer, normalizer,
                                   max_length=max_length, stride=stride, special=special)
        for record, enc in zip(batch, encoded, strict=True):
            stats.sentences += 1
            word_ids = continuation = None
            if maps.slot_label2id is not None:
                tags, unaligned = word_tags(enc.raw_word_spans, record.spans)
                stats.unaligned_spans += len(unaligned)
                word_ids = [maps.slot_label2id[t] for t in tags]
                if word_pooling == "all" and not for_eval:
                    continuation = [maps.slot_label2id.get("I-" + t[2:], maps.slot_label2id[t]) for t in tags]
            for k, window in enumerate(enc.windows):
                row: dict[str, Any] = {
                    "input_ids": window.input_ids,
                    "length": len(window.input_ids),
                }
                if word_ids is not None:
                    row["labels"] = window_labels(window, word_ids, owned_only=for_eval, continuation_ids=continuation)
                    if word_pooling == "mean":
                        row["word_index"] = [-1 if w is None else w for w in window.word_index]
                if maps.event_label2id is not None:
                    row["event_labels"] = maps.ignored_event() if (for_eval and k > 0) else maps.event_target(record)
                rows.append(row)
                stats.windows += 1
    return rows, stats


def balanced_event_weights(records: Sequence[Record], labels: Sequence[str]) -> list[float]:
    """scikit-learn's 'balanced' weights, n / (k * count), with unseen labels at weight 1."""
    counts = Counter(label for r in records for label in r.event_labels)
    n, k = sum(counts.values()), len(labels)
    return [n / (k * counts[label]) if counts[label] else 1.0 for label in labels]


@dataclass
class JointCollator:
    """Dynamic padding to the longest row of the batch (labels with -100, events as they are)."""

    pad_token_id: int

    def __call__(self, rows: list[dict[str, Any]]) -> dict[str, torch.Tensor]:
        width = max(len(r["input_ids"]) for r in rows)
        batch: dict[str, torch.Tensor] = {}
        ids = torch.full((len(rows), width), self.pad_token_id, dtype=torch.long)
        mask = torch.zeros((len(rows), width), dtype=torch.long)
        for i, r in enumerate(rows):
            n = len(r["input_ids"])
            ids[i, :n] = torch.tensor(r["input_ids"], dtype=torch.long)
            mask[i, :n] = 1
        batch["input_ids"], batch["attention_mask"] = ids, mask
        if "labels" in rows[0]:
            labels = torch.full((len(rows), width), IGNORE, dtype=torch.long)
            for i, r in enumerate(rows):
                labels[i, : len(r["labels"])] = torch.tensor(r["labels"], dtype=torch.long)
            batch["labels"] = labels
        if "word_index" in rows[0]:
            words = torch.full((len(rows), width), -1, dtype=torch.long)
            for i, r in enumerate(rows):
                words[i, : len(r["word_index"])] = torch.tensor(r["word_index"], dtype=torch.long)
            batch["word_index"] = words
        if "event_labels" in rows[0]:
            ev = [r["event_labels"] for r in rows]
            batch["event_labels"] = torch.tensor(ev, dtype=torch.float if isinstance(ev[0], list) else torch.long)
        return batch
