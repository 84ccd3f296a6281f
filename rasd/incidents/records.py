"""The incident record: one row of the ACLED-style table, with the evidence it rests on.

An :class:`Incident` is built from the event sentences of one document
(:mod:`rasd.incidents.merge`); deduplication across reports merges several into one
row whose ``doc_ids`` lists every report (:mod:`rasd.incidents.clusters`). Evidence keeps
the sentence offsets into the original document text, so an analyst can go back to the
words behind every row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Evidence:
    """One sentence an incident rests on: ``start``/``end`` index the document text."""

    doc_id: str
    start: int
    end: int
    text: str
    event_label: str

    def to_dict(self) -> dict[str, Any]:
        return {"doc_id": self.doc_id, "start": self.start, "end": self.end, "text": self.text,
                "event_label": self.event_label}


@dataclass(frozen=True)
class Incident:
    """One incident as an analyst codes it: when, where, who, what, how many.

    ``event_label`` is the model's label (schema-defined); ``event_type`` its ACLED
    sub-event name from the schema. Counts are None when the report mentions victims
    without a number (see ``casualty_flags``); 0 when it mentions none, as ACLED codes it.
    ``date_basis`` says where the date came from: ``"text"`` (a TIME mention),
    ``"published"`` (no time given: the report's date), ``"unresolved"`` (a time given but
    unreadable: no date rather than a guess) or ``"none"`` (no time, no usable report date).
    """

    event_id: str
    doc_id: str
    event_label: str
    event_type: str
    event_date: dt.date | None = None
    time_precision: int | None = None
    time_text: str = ""
    date_basis: str = "none"
    actor1: str = ""
    actor2: str = ""
    weapon: str = ""
    location: str = ""
    location_text: str = ""
    place_id: str = ""
    location_en: str = ""
    country: str = ""
    admin1: str = ""
    latitude: float | None = None
    longitude: float | None = None
    fatalities: int | None = 0
    injured: int | None = 0
    casualty_flags: tuple[str, ...] = ()
    source: str = ""
    evidence: tuple[Evidence, ...] = ()
    cluster_id: str = ""
    doc_ids: tuple[str, ...] = field(default_factory=tuple)

    @property
    def notes(self) -> str:
        """The evidence text, one sentence after another (prefixed by the report in merged rows)."""
        if len(set(self.all_doc_ids)) > 1:
            return " || ".join(f"[{e.doc_id}] {e.text}" for e in self.evidence)
        return " ".join(e.text for e in self.evidence)

    @property
    def all_doc_ids(self) -> tuple[str, ...]:
        return self.doc_ids or (self.doc_id,)
