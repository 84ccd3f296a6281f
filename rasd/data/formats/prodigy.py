"""Prodigy's JSON Lines (``prodigy db-out``), one annotated task per line.

Layout read::

    {"text": "…", "spans": [{"start": 4, "end": 13, "label": "LOCATION", "text": "حقل العمر"}],
     "options": [{"id": "armed_clash", "text": "Armed clash"}], "accept": ["armed_clash"],
     "answer": "accept", "meta": {"id": "doc1-s1"}, "_input_hash": 1, "_task_hash": 2}

- Tasks answered ``reject`` or ``ignore`` are not annotations: they are skipped and counted in
  ``stats.skipped`` by answer. Tasks without an answer (a raw input stream) are read.
- ``spans`` become spans (their ``text``, when present, is checked against the text);
  ``accept`` (the chosen ``options``) becomes the event type, or a binary textcat task's
  ``label`` when it was accepted. An option's string ``id`` is the label, else its ``text``.
- The record id is ``id`` (or ``meta.id``) when it is a string, else ``<file stem>-<line>``;
  ``doc_id`` (or ``meta.doc_id``) and ``meta`` are kept.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rasd.data.formats.base import (
    Item,
    Notice,
    ReadStats,
    event_from_labels,
    file_stem,
    place_record_spans,
    record_id,
    records_or_raise,
    stats_or_warnings,
)
from rasd.data.formats.jsonl import iter_line_items
from rasd.data.records import Record
from rasd.errors import DataError

SKIPPED_ANSWERS = ("reject", "ignore")


def read_prodigy(path: str | Path, *, repair_offsets: bool = False,
                 stats: ReadStats | None = None) -> Iterator[Record]:
    """Stream the accepted tasks of a Prodigy JSONL file as records; the first bad line raises.

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "p.jsonl")
    >>> _ = open(p, "w", encoding="utf-8").write(
    ...     '{"text": "قصف حقل العمر", "spans": [{"start": 4, "end": 13, "label": "LOCATION"}], "answer": "accept"}\\n')
    >>> [(r.id, r.spans) for r in read_prodigy(p)]
    [('p-1', [Span(start=4, end=13, label='LOCATION')])]
    """
    return records_or_raise(iter_prodigy(path, repair_offsets=repair_offsets, stats=stats))


def iter_prodigy(path: str | Path, *, repair_offsets: bool = False,
                 stats: ReadStats | None = None) -> Iterator[Item]:
    """Like :func:`read_prodigy`, but a bad line becomes an error item and reading goes on."""
    stats = stats_or_warnings(stats)
    stem = file_stem(path)

    def accepted(obj: Any, line: int) -> Record | None:
        answer = obj.get("answer") if isinstance(obj, dict) else None
        if answer in SKIPPED_ANSWERS:
            reason = f"prodigy answer {answer!r}"
            stats.skip(reason, Notice("skipped", reason, path=str(path), line=line))
            return None
        return _record(obj, stem=stem, path=path, line=line, repair=repair_offsets, stats=stats)

    yield from iter_line_items(path, accepted)


def _record(obj: Any, *, stem: str, path: str | Path, line: int, repair: bool, stats: ReadStats) -> Record:
    def fail(message: str) -> DataError:
        return DataError(message, path=path, line=line)

    if not isinstance(obj, dict):
        raise fail(f"expected a JSON object, got {type(obj).__name__}")
    answer = obj.get("answer")
    if answer not in (None, "accept"):
        raise fail(f"unknown answer {answer!r}; expected 'accept', 'reject' or 'ignore'")
    text = obj.get("text")
    if not isinstance(text, str):
        raise fail("missing 'text' (a string)")
    meta = obj.get("meta") if isinstance(obj.get("meta"), dict) else {}
    rid = record_id(obj.get("id", meta.get("id")), stem, line)
    raw_spans = []
    spans_in = obj.get("spans") or []
    if not isinstance(spans_in, list):
        raise fail(f"record {rid!r}: 'spans' must be a list")
    for s in spans_in:
        if not isinstance(s, dict):
            raise fail(f"record {rid!r}: span {s!r} must be an object with start, end and label")
        expected = s.get("text") if isinstance(s.get("text"), str) else None
        raw_spans.append((s.get("start"), s.get("end"), s.get("label"), expected))
    spans = place_record_spans(text, raw_spans, rid=rid, path=path, line=line, repair=repair, stats=stats)
    doc_id = obj.get("doc_id", meta.get("doc_id"))
    return Record(id=rid, text=text, doc_id=str(doc_id) if doc_id is not None else None,
                  event_type=event_from_labels(_event_labels(obj, rid, fail)), spans=spans, meta=meta)


def _event_labels(obj: dict[str, Any], rid: str, fail: Any) -> list[str]:
    accept = obj.get("accept")
    if accept is not None:
        if not isinstance(accept, list):
            raise fail(f"record {rid!r}: 'accept' must be a list of option ids")
        names = {}
        for option in obj.get("options") or []:
            if isinstance(option, dict) and "id" in option:
                oid = option["id"]
                names[oid] = oid if isinstance(oid, str) else str(option.get("text", oid))
        unknown = [a for a in accept if names and a not in names]
        if unknown:
            raise fail(f"record {rid!r}: accepted {unknown!r} not among the options {sorted(map(str, names))}")
        return [names.get(a, str(a)) for a in accept]
    label = obj.get("label")
    if isinstance(label, str) and obj.get("answer") == "accept":
        return [label]
    return []
