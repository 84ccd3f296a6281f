"""Doccano's JSON Lines export, old and new layouts, one record per line.

Layouts read::

    {"id": 1, "text": "…", "labels": [[4, 13, "LOCATION"]]}                       # doccano < 1.0
    {"id": 1, "text": "…", "label": [[4, 13, "LOCATION"]]}                        # sequence labeling
    {"id": 1, "text": "…", "entities": [{"start_offset": 4, "end_offset": 13, "label": "LOCATION"}],
     "relations": [], "label": ["shelling_missile_attack"]}                     # 1.x with relations
    {"id": 1, "text": "…", "entities": [[4, 13, "LOCATION"]], "cats": ["shelling_missile_attack"]}

A list element that is a span (``[start, end, label]`` or an object with ``start_offset``,
``end_offset``, ``label``) becomes a span; a string in ``label``/``labels`` is a text
classification label and becomes the event type, as do ``cats`` (a list, or spaCy's
``{label: score}`` with score >= 0.5). Several labels give a multi-label list.

Doccano does not export span texts, so offsets are checked against word boundaries: a span
that does not fall on them but would as UTF-16 code units (emoji before it) is reported, and
moved with ``repair_offsets=True`` (see :mod:`rasd.data.formats.offsets`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rasd.data.formats.base import (
    Item,
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

SPAN_KEYS = ("entities", "label", "labels")


def read_doccano(path: str | Path, *, repair_offsets: bool = False,
                 stats: ReadStats | None = None) -> Iterator[Record]:
    """Stream a Doccano JSONL export as records; the first bad line raises :class:`DataError`.

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "d.jsonl")
    >>> _ = open(p, "w", encoding="utf-8").write('{"id": 3, "text": "قصف حقل العمر", "label": [[4, 13, "LOCATION"]]}\\n')
    >>> [(r.id, r.spans) for r in read_doccano(p)]
    [('d-3', [Span(start=4, end=13, label='LOCATION')])]
    """
    return records_or_raise(iter_doccano(path, repair_offsets=repair_offsets, stats=stats))


def iter_doccano(path: str | Path, *, repair_offsets: bool = False,
                 stats: ReadStats | None = None) -> Iterator[Item]:
    """Like :func:`read_doccano`, but a bad line becomes an error item and reading goes on."""
    stats = stats_or_warnings(stats)
    stem = file_stem(path)
    yield from iter_line_items(path, lambda obj, line: _record(obj, stem=stem, path=path, line=line,
                                                               repair=repair_offsets, stats=stats))


def _record(obj: Any, *, stem: str, path: str | Path, line: int, repair: bool, stats: ReadStats) -> Record:
    def fail(message: str) -> DataError:
        return DataError(message, path=path, line=line)

    if not isinstance(obj, dict):
        raise fail(f"expected a JSON object, got {type(obj).__name__}")
    text = obj.get("text", obj.get("data"))
    if not isinstance(text, str):
        raise fail("missing 'text' (a string)")
    rid = record_id(obj.get("id"), stem, line)
    raw_spans: list[tuple[object, object, str, None]] = []
    labels: list[str] = []
    for key in SPAN_KEYS:
        value = obj.get(key)
        if value is None:
            continue
        if not isinstance(value, list):
            value = [value]
        for element in value:
            if isinstance(element, str):
                labels.append(element)
            elif isinstance(element, list) and len(element) == 3:
                raw_spans.append((element[0], element[1], element[2], None))
            elif isinstance(element, dict) and {"start_offset", "end_offset", "label"} <= element.keys():
                raw_spans.append((element["start_offset"], element["end_offset"], element["label"], None))
            else:
                raise fail(f"record {rid!r}: cannot read {key!r} element {element!r} as a span "
                           "([start, end, label] or {start_offset, end_offset, label}) or a class label")
    labels.extend(_cats(obj.get("cats"), fail))
    spans = place_record_spans(text, raw_spans, rid=rid, path=path, line=line, repair=repair, stats=stats)
    doc_id, meta = obj.get("doc_id"), obj.get("meta")
    return Record(id=rid, text=text, doc_id=str(doc_id) if doc_id is not None else None,
                  event_type=event_from_labels(labels), spans=spans, meta=meta if isinstance(meta, dict) else {})


def _cats(cats: Any, fail: Any) -> list[str]:
    if cats is None:
        return []
    if isinstance(cats, str):
        return [cats]
    if isinstance(cats, list) and all(isinstance(c, str) for c in cats):
        return list(cats)
    if isinstance(cats, dict) and all(isinstance(v, (int, float)) for v in cats.values()):
        return [k for k, v in cats.items() if v >= 0.5]
    raise fail(f"'cats' must be a list of labels or a {{label: score}} object, got {cats!r}")
