"""What inference returns: documents, their event sentences and slots, with offsets into the raw text.

These dataclasses are the contract between ``rasd predict`` (which writes them as JSON
Lines), the Python API and everything downstream (incident tables, evaluation).
All ``start``/``end`` offsets index the ORIGINAL document text, not a normalized copy.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class SlotPrediction:
    label: str
    text: str
    start: int
    end: int
    score: float


@dataclass
class SentencePrediction:
    start: int
    end: int
    text: str
    event_type: str | None
    event_score: float | None
    # Every event label the model asserts: [event_type] for single-label models, all labels over
    # their threshold for multi-label ones, [] when the model has no event head.
    event_labels: list[str] = field(default_factory=list)
    slots: list[SlotPrediction] = field(default_factory=list)


@dataclass
class DocumentPrediction:
    id: str
    sentences: list[SentencePrediction] = field(default_factory=list)
    n_sentences: int = 0
    # The input record's other fields (published, source, title, ...), passed through untouched.
    meta: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def _repr_html_(self) -> str:
        """Jupyter shows a prediction right to left, slots highlighted in their labels' colours and event
        sentences marked with type and probability. Only the sentences it holds are known (the rest of
        the document is an ellipsis); ``rasd.render.markup.document_fragment(doc, text)`` shows it whole."""
        from rasd.render.markup import document_fragment

        return document_fragment(self)

    @classmethod
    def from_dict(cls, obj: dict[str, Any]) -> DocumentPrediction:
        sentences = [
            SentencePrediction(**{**s, "slots": [SlotPrediction(**x) for x in s.get("slots", [])]})
            for s in obj.get("sentences", [])
        ]
        return cls(id=str(obj["id"]), sentences=sentences, n_sentences=obj.get("n_sentences", len(sentences)),
                   meta=dict(obj.get("meta") or {}))
