"""Checks a record against the annotation guidelines and a label schema.

Validation collects every problem instead of stopping at the first, because
annotators fix files in one pass; readers that must stop use the same checks.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rasd.data.records import Record
from rasd.data.schema import LabelSchema
from rasd.data.stats import DatasetStats
from rasd.errors import DataError, format_location
from rasd.text.words import tokenize_words


@dataclass(frozen=True)
class Problem:
    path: str | None
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"{format_location(self.path, self.line)}{self.message}"


@dataclass
class ValidationReport:
    problems: list[Problem] = field(default_factory=list)
    stats: DatasetStats = field(default_factory=DatasetStats)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_record(record: Record, schema: LabelSchema | None = None) -> list[str]:
    """Every way the record breaks the guidelines (empty list when it is clean).

    >>> from rasd.data.records import Span
    >>> check_record(Record(id="a", text="قصف حقل العمر", spans=[Span(4, 7, "LOCATION"), Span(5, 13, "LOCATION")]))
    ['span 5-13 (LOCATION) overlaps span 4-7 (LOCATION)', "span 5-13 'قل العمر' does not start at a word boundary"]
    """
    problems: list[str] = []
    text = record.text
    if not text.strip():
        return ["text is empty"]
    n = len(text)
    starts: set[int] | None = None
    ends: set[int] = set()
    previous = None
    for span in sorted(record.spans):
        where = f"span {span.start}-{span.end} ({span.label})"
        if span.start >= span.end:
            problems.append(f"{where}: start must be before end")
            continue
        if span.start < 0 or span.end > n:
            problems.append(f"{where} is out of range for a text of {n} characters")
            continue
        if previous is not None and span.start < previous.end:
            problems.append(f"{where} overlaps span {previous.start}-{previous.end} ({previous.label})")
        previous = span
        if starts is None:
            words = tokenize_words(text)
            starts, ends = {s for s, _ in words}, {e for _, e in words}
        snippet = text[span.start : span.end]
        if span.start not in starts:
            problems.append(f"span {span.start}-{span.end} {snippet!r} does not start at a word boundary")
        elif span.end not in ends:
            problems.append(f"span {span.start}-{span.end} {snippet!r} does not end at a word boundary")
        if schema is not None and span.label not in schema.slot_types:
            problems.append(f"unknown slot label {span.label!r} (schema {schema.name!r} has {schema.slot_types})")
    if schema is not None:
        for ev in record.event_labels:
            if ev not in schema.event_types:
                problems.append(f"unknown event type {ev!r} (schema {schema.name!r} has {schema.event_types})")
        if isinstance(record.event_type, list) and not schema.multi_label:
            problems.append("event_type is a list but the schema is single-label (set multi_label: true)")
    return problems


def validate_records(
    items: Iterable[tuple[int | None, Record | DataError]],
    *,
    path: str | None,
    schema: LabelSchema | None,
) -> ValidationReport:
    """Validate ``(line, record-or-error)`` pairs from any reader, collecting problems and statistics."""
    report = ValidationReport()
    seen: dict[str, int | None] = {}
    for line, item in items:
        if isinstance(item, DataError):
            report.problems.append(Problem(item.path or path, item.line or line, item.reason))
            continue
        for msg in check_record(item, schema):
            report.problems.append(Problem(path, line, f"record {item.id!r}: {msg}"))
        if item.id in seen:
            first = seen[item.id]
            report.problems.append(Problem(path, line, f"duplicate id {item.id!r} (first on line {first})"))
        else:
            seen[item.id] = line
        report.stats.add(item)
    return report


def validate_file(path: str | Path, *, fmt: str | None = None, schema: LabelSchema | None = None) -> ValidationReport:
    """Every problem in a file of any importable format, with file:line, plus its label statistics.

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "x.jsonl")
    >>> _ = open(p, "w", encoding="utf-8").write('{"id": "a", "text": "قصف"}\\n{"id": "a", "text": ""}\\n')
    >>> [str(x).split(": ", 1)[1] for x in validate_file(p).problems]
    ["record 'a': text is empty", "duplicate id 'a' (first on line 1)"]
    """
    from rasd.data.formats import get_importer, sniff_format
    from rasd.data.formats.base import ReadStats

    path = Path(path)
    if not path.exists():
        raise DataError("file not found", path=path)
    importer = get_importer(fmt or sniff_format(path))
    items = importer.items(path, stats=ReadStats(on_notice=lambda notice: None))
    return validate_records(((it.line, it.error if it.error is not None else it.record) for it in items),
                            path=str(path), schema=schema)
