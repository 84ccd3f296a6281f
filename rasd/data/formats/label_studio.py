"""Label Studio's JSON export: a list of tasks, each with its data and its annotations.

The layout read (Label Studio 1.x "JSON" export; older exports say ``completions``)::

    [{"id": 7, "data": {"text": "…"},
      "annotations": [{"id": 3, "was_cancelled": false, "updated_at": "2024-01-02T…",
                       "result": [
        {"type": "labels", "from_name": "slot", "to_name": "text",
         "value": {"start": 4, "end": 13, "text": "حقل العمر", "labels": ["LOCATION"]}},
        {"type": "choices", "from_name": "event", "to_name": "text",
         "value": {"choices": ["shelling_missile_attack"]}}]}]}]

- One record per task. Of its annotations the latest (``updated_at``, else ``created_at``, else
  list order) that is not cancelled is used; predictions are ignored. Tasks with no annotation,
  or only cancelled ones, are skipped and counted in ``stats.skipped``.
- ``labels`` results become spans (one label each); ``choices`` results become the event type
  (several choices give a multi-label list); ``event_from`` keeps only the choices of one
  ``from_name``. Other result types are ignored.
- The record id is ``data.id`` when it is a string, else ``<file stem>-<task id>``; ``data.doc_id``
  and ``data.meta`` are kept.
- Label Studio counts offsets in UTF-16 code units, so spans after an emoji are off by one per
  emoji: each span's ``value.text`` is checked against the text (see
  :mod:`rasd.data.formats.offsets`); ``repair_offsets=True`` moves them and reports each move.

The "JSON-MIN" export (annotations flattened into the task) is not read: it drops the result
types, so spans and choices cannot be told from data fields. Export as "JSON" instead.
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
from rasd.data.formats.jsonl import iter_json_array, open_text
from rasd.data.records import Record
from rasd.errors import DataError, FormatError


def read_label_studio(
    path: str | Path,
    *,
    text_key: str = "text",
    event_from: str | None = None,
    repair_offsets: bool = False,
    stats: ReadStats | None = None,
) -> Iterator[Record]:
    """Stream the tasks of a Label Studio JSON export as records; the first bad task raises.

    >>> import json, tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "ls.json")
    >>> task = {"id": 1, "data": {"text": "قصف حقل العمر"}, "annotations": [{"result": [
    ...     {"type": "labels", "value": {"start": 4, "end": 13, "text": "حقل العمر", "labels": ["LOCATION"]}}]}]}
    >>> _ = open(p, "w", encoding="utf-8").write(json.dumps([task]))
    >>> [(r.id, r.spans) for r in read_label_studio(p)]
    [('ls-1', [Span(start=4, end=13, label='LOCATION')])]
    """
    return records_or_raise(iter_label_studio(path, text_key=text_key, event_from=event_from,
                                              repair_offsets=repair_offsets, stats=stats))


def iter_label_studio(
    path: str | Path,
    *,
    text_key: str = "text",
    event_from: str | None = None,
    repair_offsets: bool = False,
    stats: ReadStats | None = None,
) -> Iterator[Item]:
    """Like :func:`read_label_studio`, but a bad task becomes an error item and reading goes on."""
    stats = stats_or_warnings(stats)
    stem = file_stem(path)
    with open_text(path) as f:
        for n, (line, task) in enumerate(iter_json_array(f, path=path), start=1):
            try:
                record = _task_record(task, n=n, stem=stem, path=path, line=line, text_key=text_key,
                                      event_from=event_from, repair=repair_offsets, stats=stats)
            except DataError as e:
                yield Item(line, error=e, raw=task)
                continue
            if record is not None:
                yield Item(line, record=record, raw=task)


def _task_record(task: Any, *, n: int, stem: str, path: str | Path, line: int, text_key: str,
                 event_from: str | None, repair: bool, stats: ReadStats) -> Record | None:
    def fail(message: str) -> DataError:  # "task #n": an export on one line puts every task on line 1
        return DataError(f"task #{n}: {message}", path=path, line=line)

    if not isinstance(task, dict):
        raise fail(f"expected a task object, got {type(task).__name__}")
    data = task.get("data")
    if not isinstance(data, dict):
        if text_key in task and "annotations" not in task:
            raise FormatError(f"task #{n}: task has no 'data' object: this looks like Label Studio's JSON-MIN export; "
                              "export the project as 'JSON' instead", path=path, line=line)
        raise fail("task has no 'data' object")
    rid = record_id(data.get("id"), stem, task.get("id") if isinstance(task.get("id"), int) else n)
    text = data.get(text_key)
    if not isinstance(text, str):
        keys = ", ".join(sorted(k for k, v in data.items() if isinstance(v, str))) or "none"
        raise fail(f"task {rid!r} has no text in data[{text_key!r}] (string fields: {keys}); pass text_key")
    annotation = _latest_annotation(task, rid=rid, path=path, line=line, stats=stats, n=n)
    if annotation is None:
        return None
    result = annotation.get("result") or []
    if not isinstance(result, list):
        raise fail(f"task {rid!r}: annotation 'result' must be a list")
    raw_spans, choices = [], []
    for r in result:
        if not isinstance(r, dict) or not isinstance(r.get("value"), dict):
            raise fail(f"task {rid!r}: result {r!r} has no 'value' object")
        value = r["value"]
        if r.get("type") == "labels":
            labels = value.get("labels")
            if not (isinstance(labels, list) and len(labels) == 1):
                raise fail(f"task {rid!r}: span {value.get('start')}-{value.get('end')} needs exactly one label, "
                           f"got {labels!r} (rasd spans do not overlap)")
            expected = value.get("text") if isinstance(value.get("text"), str) else None
            raw_spans.append((value.get("start"), value.get("end"), labels[0], expected))
        elif r.get("type") == "choices" and (event_from is None or r.get("from_name") == event_from):
            picked = value.get("choices")
            if not (isinstance(picked, list) and all(isinstance(c, str) for c in picked)):
                raise fail(f"task {rid!r}: 'choices' must be a list of strings, got {picked!r}")
            choices.extend(picked)
    spans = place_record_spans(text, raw_spans, rid=rid, path=path, line=line, repair=repair, stats=stats)
    doc_id = data.get("doc_id")
    meta = data.get("meta")
    return Record(id=rid, text=text, doc_id=str(doc_id) if doc_id is not None else None,
                  event_type=event_from_labels(choices), spans=spans, meta=meta if isinstance(meta, dict) else {})


def _latest_annotation(task: dict[str, Any], *, rid: str, path: str | Path, line: int,
                       stats: ReadStats, n: int = 0) -> dict[str, Any] | None:
    """The latest usable annotation; every other usable one (a second annotator) is counted and
    reported as skipped, never dropped silently."""
    annotations = task.get("annotations", task.get("completions")) or []
    if not isinstance(annotations, list):
        raise DataError(f"task #{n}: task {rid!r}: 'annotations' must be a list", path=path, line=line)
    usable = [(a.get("updated_at") or a.get("created_at") or "", i, a)
              for i, a in enumerate(annotations) if isinstance(a, dict) and not a.get("was_cancelled")]
    if usable:
        chosen = max(usable, key=lambda t: (str(t[0]), t[1]))
        for _, _, other in (u for u in usable if u is not chosen):
            reason = "label-studio annotation left out: the task has another, later one (one record per task)"
            stats.skip(reason, Notice("skipped", f"task #{n}: annotation {_who(other)} left out; the latest, "
                                      f"{_who(chosen[2])}, is used", path=str(path), line=line, record_id=rid))
        return chosen[2]
    reason = "label-studio task with only cancelled annotations" if annotations else "label-studio task without annotations"
    stats.skip(reason, Notice("skipped", f"task #{n}: {reason}", path=str(path), line=line, record_id=rid))
    return None


def _who(annotation: dict[str, Any]) -> str:
    by = annotation.get("completed_by")
    return f"{annotation.get('id', '?')}" + (f" (annotator {by})" if by is not None else "")
