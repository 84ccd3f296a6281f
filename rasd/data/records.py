"""The canonical annotation record: one sentence, its event type and its slot spans.

Offsets are Python string indices (code points) into ``text``, end exclusive, as in
``../shared/ANNOTATION-SCHEME.md``. Records are plain data; checks that need a label
schema or a whole file live in :mod:`rasd.data.validation`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rasd.errors import DataError

EventType = str | list[str] | None


@dataclass(frozen=True, order=True)
class Span:
    start: int
    end: int
    label: str

    def text_in(self, text: str) -> str:
        return text[self.start : self.end]

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "label": self.label}


@dataclass
class Record:
    """One annotated sentence (or a whole text, for tools that export documents)."""

    id: str
    text: str
    doc_id: str | None = None
    event_type: EventType = None
    spans: list[Span] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def event_labels(self) -> list[str]:
        """The event type(s) as a list, whatever form the record stores."""
        if self.event_type is None:
            return []
        return list(self.event_type) if isinstance(self.event_type, list) else [self.event_type]

    @property
    def document(self) -> str:
        return self.doc_id if self.doc_id is not None else self.id

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id}
        if self.doc_id is not None:
            out["doc_id"] = self.doc_id
        out["text"] = self.text
        if self.event_type is not None:
            out["event_type"] = self.event_type
        out["spans"] = [s.to_dict() for s in sorted(self.spans)]
        if self.meta:
            out["meta"] = self.meta
        return out

    @classmethod
    def from_dict(cls, obj: Any, *, path: str | None = None, line: int | None = None) -> Record:
        """Build a record from parsed JSON, raising :class:`DataError` that names the place."""

        def fail(msg: str) -> DataError:
            return DataError(msg, path=path, line=line)

        if not isinstance(obj, dict):
            raise fail(f"expected a JSON object, got {type(obj).__name__}")
        text = obj.get("text")
        if not isinstance(text, str):
            raise fail("missing 'text' (a string)" if text is None else f"'text' must be a string, got {type(text).__name__}")
        rid = obj.get("id", f"line{line}" if line is not None else None)
        if rid is None:
            raise fail("missing 'id'")
        event = obj.get("event_type")
        if event is not None and not (
            isinstance(event, str) or (isinstance(event, list) and all(isinstance(e, str) for e in event))
        ):
            raise fail(f"'event_type' must be a string or a list of strings, got {event!r}")
        raw_spans = obj.get("spans", [])
        if not isinstance(raw_spans, list):
            raise fail("'spans' must be a list")
        spans = []
        for i, s in enumerate(raw_spans):
            if not isinstance(s, dict) or not {"start", "end", "label"} <= s.keys():
                raise fail(f"span {i} must be an object with start, end and label, got {s!r}")
            if not (isinstance(s["start"], int) and isinstance(s["end"], int) and isinstance(s["label"], str)):
                raise fail(f"span {i} needs integer start/end and a string label, got {s!r}")
            spans.append(Span(s["start"], s["end"], s["label"]))
        meta = obj.get("meta") or {}
        if not isinstance(meta, dict):
            raise fail("'meta' must be an object")
        doc_id = obj.get("doc_id")
        return cls(
            id=str(rid),
            text=text,
            doc_id=None if doc_id is None else str(doc_id),
            event_type=event,
            spans=spans,
            meta=meta,
        )
