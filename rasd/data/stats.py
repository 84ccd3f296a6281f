"""Label distribution of a dataset: what `rasd validate` and `rasd stats` print."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from rasd.data.records import Record


@dataclass
class DatasetStats:
    documents: set[str] = field(default_factory=set)
    sentences: int = 0
    words: int = 0
    spans: Counter = field(default_factory=Counter)
    events: Counter = field(default_factory=Counter)
    without_spans: int = 0

    def add(self, record: Record) -> None:
        self.documents.add(record.document)
        self.sentences += 1
        self.words += len(record.text.split())
        self.spans.update(s.label for s in record.spans)
        self.events.update(record.event_labels or ["(none given)"])
        self.without_spans += not record.spans

    def to_dict(self) -> dict[str, Any]:
        return {
            "documents": len(self.documents),
            "sentences": self.sentences,
            "words": self.words,
            "sentences_without_spans": self.without_spans,
            "spans": dict(sorted(self.spans.items())),
            "event_types": dict(sorted(self.events.items())),
        }

    def render(self) -> str:
        """A plain-text table for the terminal."""
        lines = [
            f"documents  {len(self.documents):>7}",
            f"sentences  {self.sentences:>7}",
            f"words      {self.words:>7}",
            f"no spans   {self.without_spans:>7}",
        ]
        for title, counter in (("slot label", self.spans), ("event type", self.events)):
            if not counter:
                continue
            total = sum(counter.values())
            width = max(len(title), *(len(k) for k in counter))
            lines.append("")
            lines.append(f"{title:<{width}}  {'count':>7}  {'share':>6}")
            for label, count in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])):
                lines.append(f"{label:<{width}}  {count:>7}  {count / total:>6.1%}")
        return "\n".join(lines)
