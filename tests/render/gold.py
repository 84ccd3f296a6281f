"""Predictions built from gold annotations: a "seed-like" report for render tests and the README picture.

The sentences of each annotated document are joined with a newline into the document text, and
each gold span becomes a slot (score 1.0) at its offset in that text, so no model is needed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rasd.data.records import Record
from rasd.inference.outputs import DocumentPrediction, SentencePrediction, SlotPrediction


def gold_documents(records: Iterable[Record], *, none_event: str = "none",
                   all_sentences: bool = False) -> list[tuple[dict[str, Any], DocumentPrediction]]:
    """(dump row, prediction) per document, in the order documents first appear."""
    grouped: dict[str, list[Record]] = {}
    for record in records:
        grouped.setdefault(record.doc_id or record.id, []).append(record)
    out = []
    for doc_id, sentences in grouped.items():
        text, predicted = "", []
        for record in sentences:
            start = len(text) + (1 if text else 0)
            text = f"{text}\n{record.text}" if text else record.text
            event = record.event_type if isinstance(record.event_type, str) else None
            if not all_sentences and (event is None or event == none_event):
                continue
            slots = [SlotPrediction(s.label, record.text[s.start:s.end], start + s.start, start + s.end, 1.0)
                     for s in record.spans]
            predicted.append(SentencePrediction(start, start + len(record.text), record.text, event, 1.0,
                                                [event] if event else [], slots))
        meta = dict(sentences[0].meta or {})
        out.append(({"id": doc_id, "text": text, **meta},
                    DocumentPrediction(doc_id, predicted, n_sentences=len(sentences), meta=meta)))
    return out
