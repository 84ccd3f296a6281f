"""What every importer shares: the items it yields, the counters it fills, the registry entry.

An importer is a generator of :class:`Item` objects, one per record or per record that could
not be built, so that :func:`rasd.data.formats.read_records` can either stop at the first bad
record or set it aside and go on. Its public ``read_<format>()`` twin raises instead.
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rasd.data.formats.offsets import OffsetMismatch, place_spans
from rasd.data.records import EventType, Record, Span
from rasd.errors import DataError, format_location


@dataclass(frozen=True)
class Notice:
    """Something a reader did that the user should see: a repair, a skipped or a rejected record."""

    kind: str  # "offsets", "tags", "skipped" or "rejected"
    message: str
    path: str | None = None
    line: int | None = None
    record_id: str | None = None

    def __str__(self) -> str:
        record = f"record {self.record_id!r}: " if self.record_id is not None else ""
        return f"{format_location(self.path, self.line)}{record}{self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "path": self.path, "line": self.line, "record_id": self.record_id,
                "message": self.message}


def _warn(notice: Notice) -> None:
    warnings.warn(str(notice), UserWarning, stacklevel=3)


@dataclass
class ReadStats:
    """Counts and notices from one read; the caller passes it in and reads it as the stream goes.

    ``on_notice`` is called for every repair, skip and rejection as it happens (the CLI prints
    them); the same notices are kept in ``repairs`` and ``rejections``.

    >>> stats = ReadStats()
    >>> stats.skip("prodigy answer 'reject'")
    >>> print(stats.summary())
    0 records, 0 rejected, 1 skipped (prodigy answer 'reject': 1), 0 repairs
    """

    records: int = 0
    rejected: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    repairs: list[Notice] = field(default_factory=list)
    rejections: list[Notice] = field(default_factory=list)
    tag_scheme: str | None = None
    dropped_tokens: int = 0
    on_notice: Callable[[Notice], None] | None = field(default=None, repr=False, compare=False)

    def repair(self, notice: Notice) -> None:
        self.repairs.append(notice)
        self._emit(notice)

    def reject(self, notice: Notice) -> None:
        self.rejected += 1
        self.rejections.append(notice)
        self._emit(notice)

    def skip(self, reason: str, notice: Notice | None = None) -> None:
        self.skipped[reason] += 1
        if notice is not None:
            self._emit(notice)

    def _emit(self, notice: Notice) -> None:
        if self.on_notice is not None:
            self.on_notice(notice)

    def summary(self) -> str:
        skipped = sum(self.skipped.values())
        detail = f" ({', '.join(f'{k}: {v}' for k, v in sorted(self.skipped.items()))})" if skipped else ""
        return (f"{self.records} records, {self.rejected} rejected, {skipped} skipped{detail}, "
                f"{len(self.repairs)} repairs")

    def to_dict(self) -> dict[str, Any]:
        return {
            "records": self.records,
            "rejected": self.rejected,
            "skipped": dict(sorted(self.skipped.items())),
            "repairs": [str(n) for n in self.repairs],
            "rejections": [str(n) for n in self.rejections],
            "tag_scheme": self.tag_scheme,
            "dropped_tokens": self.dropped_tokens,
        }


def stats_or_warnings(stats: ReadStats | None) -> ReadStats:
    """The caller's stats, or one that turns every notice into a ``UserWarning`` so none is lost."""
    return stats if stats is not None else ReadStats(on_notice=_warn)


@dataclass(frozen=True)
class Item:
    """One record read from a file, or the error that stopped it; ``raw`` is the input it came from."""

    line: int | None
    record: Record | None = None
    error: DataError | None = None
    raw: Any = None
    path: str | None = None  # the file the record came from, where it is not the one being read (brat)


def records_or_raise(items: Iterable[Item]) -> Iterator[Record]:
    """The records of an item stream; the first error item is raised."""
    for item in items:
        if item.error is not None:
            raise item.error
        if item.record is not None:
            yield item.record


@dataclass(frozen=True)
class Importer:
    """A registry entry: how to read one annotation tool's files.

    ``options`` names the :func:`~rasd.data.formats.read_records` options the reader takes
    (``flatten``, ``repair_offsets``); ``items`` yields :class:`Item` objects.
    """

    name: str
    items: Callable[..., Iterator[Item]]
    read: Callable[..., Iterator[Record]]
    suffixes: tuple[str, ...]
    options: frozenset[str]
    description: str


@dataclass(frozen=True)
class Exporter:
    name: str
    write: Callable[..., int]
    suffixes: tuple[str, ...]
    description: str


def event_from_labels(labels: Iterable[str]) -> EventType:
    """One label as a string, several as a list (multi-label data), none as ``None``; duplicates dropped.

    >>> event_from_labels(["attack"]), event_from_labels(["a", "b", "a"]), event_from_labels([])
    ('attack', ['a', 'b'], None)
    """
    unique = list(dict.fromkeys(labels))
    if not unique:
        return None
    return unique[0] if len(unique) == 1 else unique


def place_record_spans(text: str, raw_spans: Iterable[tuple[object, object, str, str | None]], *, rid: str,
                       path: str | Path, line: int, repair: bool, stats: ReadStats) -> list[Span]:
    """A record's ``(start, end, label, expected text)`` spans checked against its text.

    Each offset repair becomes an ``"offsets"`` notice in ``stats``; a span that cannot be placed
    raises :class:`DataError` naming the file, line and record (see :mod:`rasd.data.formats.offsets`).

    >>> place_record_spans("قصف حقل العمر", [(4, 13, "LOCATION", None)], rid="r", path="x.jsonl", line=1,
    ...                    repair=False, stats=ReadStats())
    [Span(start=4, end=13, label='LOCATION')]
    """
    try:
        return place_spans(text, raw_spans, repair=repair, on_repair=lambda msg: stats.repair(
            Notice("offsets", msg, path=str(path), line=line, record_id=rid)))
    except OffsetMismatch as e:
        raise DataError(f"record {rid!r}: {e}", path=path, line=line) from None


def record_id(value: Any, stem: str, n: int) -> str:
    """A string id from the file is kept; a tool's integer id or no id becomes ``<stem>-<n>``."""
    if isinstance(value, str) and value:
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{stem}-{value}"
    return f"{stem}-{n}"


def file_stem(path: str | Path) -> str:
    name = Path(path).name
    for suffix in (".gz",):
        name = name.removesuffix(suffix)
    return Path(name).stem
