"""Checking (and, on request, repairing) the character offsets that annotation tools export.

rasd offsets are Python string indices (code points). Browser-based tools count UTF-16 code
units instead, so every emoji (or other character outside the Basic Multilingual Plane) before a
span shifts it by one: Arabic letters are in the BMP, so Arabic text with emoji is exactly where
Label Studio and Doccano exports go wrong. Other exports were made against a text that was later
edited (a BOM removed, CRLF turned into LF).

:class:`SpanPlacer` checks each span. Where the tool gives the span's text, that text must be
found at the offsets; where it does not, the span must fall on word boundaries. A span that
fails is an error that names the offsets and, when it can, what the right ones would be. With
``repair=True`` it is moved instead: first by reading the offsets as UTF-16 code units, then
(when the tool gives the span's text) to the nearest place where that text occurs. Every move is
returned so that the reader can report it; nothing is moved silently.

Whitespace at either edge of a span (annotators often select the space after a word) is always
trimmed: spans cover whole words, so that changes no annotation.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from rasd.data.records import Span
from rasd.text.words import tokenize_words


class OffsetMismatch(ValueError):
    """A span's offsets do not fit the text; the message says what is there and what would fit."""


@dataclass(frozen=True)
class Placed:
    start: int
    end: int
    repair: str | None = None  # how the span was moved, for the report; None when it was right


class SpanPlacer:
    """Places the spans of one text; word boundaries and the UTF-16 table are computed once.

    >>> text = "🔥 قصف حقل العمر"
    >>> placer = SpanPlacer(text, repair=True)
    >>> placer.place(7, 16, "LOCATION", "حقل العمر")   # UTF-16 offsets: the emoji counts twice
    Placed(start=6, end=15, repair='span 7-16 (LOCATION) moved to 6-15: the offsets were UTF-16 code units')
    """

    def __init__(self, text: str, *, repair: bool) -> None:
        self.text = text
        self.repair = repair
        self._starts: set[int] | None = None
        self._ends: set[int] = set()
        self._utf16: list[int] | None = None

    def place(self, start: object, end: object, label: str, expected: str | None) -> Placed:
        """Check one span (and move it when repairing); raise :class:`OffsetMismatch` when it does not fit."""
        if not (_is_int(start) and _is_int(end)) or start >= end:  # type: ignore[operator]
            raise OffsetMismatch(f"span {start!r}-{end!r} ({label}) needs integer offsets with start < end")
        s, e = int(start), int(end)  # type: ignore[call-overload]
        where = f"span {s}-{e} ({label})"
        placed = self._checked(s, e, where, expected) if expected is not None else self._aligned(s, e, where)
        return self._trimmed(placed, where)

    def _checked(self, s: int, e: int, where: str, expected: str) -> Placed:
        text = self.text
        if 0 <= s < e <= len(text) and _same(text[s:e], expected):
            return Placed(s, e)
        found = text[s:e] if 0 <= s < e <= len(text) else None
        said = f"the text there is {found!r}" if found is not None else f"it is out of range (text has {len(text)} characters)"
        utf16 = self.from_utf16(s, e)
        if utf16 is not None and _same(text[utf16[0] : utf16[1]], expected):
            if self.repair:
                return Placed(*utf16, f"{where} moved to {utf16[0]}-{utf16[1]}: the offsets were UTF-16 code units")
            raise OffsetMismatch(f"{where}: {said}, the file says {expected!r}; the offsets look like UTF-16 "
                                 f"code units (as code points: {utf16[0]}-{utf16[1]}): rerun with --repair-offsets")
        near = self._nearest(expected.strip() or expected, s)
        if near is None:
            raise OffsetMismatch(f"{where}: {said}, the file says {expected!r}, which does not occur in the text")
        if isinstance(near, str):
            raise OffsetMismatch(f"{where}: {said}, the file says {expected!r}; {near}")
        if self.repair:
            return Placed(*near, f"{where} moved to {near[0]}-{near[1]}: nearest occurrence of {expected!r}")
        raise OffsetMismatch(f"{where}: {said}, the file says {expected!r} (found at {near[0]}-{near[1]}): "
                             "rerun with --repair-offsets to realign")

    def _aligned(self, s: int, e: int, where: str) -> Placed:
        if self._on_words(s, e):
            return Placed(s, e)
        utf16 = self.from_utf16(s, e)
        if utf16 is None or not self._on_words(*utf16):
            return Placed(s, e)  # nothing better to offer: validation reports the misaligned span
        moved = f"{where} moved to {utf16[0]}-{utf16[1]}: the offsets were UTF-16 code units"
        if self.repair:
            return Placed(*utf16, moved)
        snippet = self.text[utf16[0] : utf16[1]]
        raise OffsetMismatch(f"{where} does not fall on word boundaries; as UTF-16 code units it would be "
                             f"{utf16[0]}-{utf16[1]} {snippet!r}: rerun with --repair-offsets")

    def _trimmed(self, placed: Placed, where: str) -> Placed:
        s, e, text = placed.start, placed.end, self.text
        if not (0 <= s < e <= len(text)):
            return placed
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if s == e:
            raise OffsetMismatch(f"{where} covers only whitespace")
        return Placed(s, e, placed.repair)

    def from_utf16(self, s: int, e: int) -> tuple[int, int] | None:
        """UTF-16 code-unit offsets as code points, or None when the text has no astral characters
        or an offset falls inside a surrogate pair."""
        if self._utf16 is None:
            if all(ord(c) <= 0xFFFF for c in self.text):
                self._utf16 = []
            else:
                table, unit = [], 0
                for c in self.text:
                    table.append(unit)
                    unit += 2 if ord(c) > 0xFFFF else 1
                table.append(unit)
                self._utf16 = table
        table = self._utf16
        if not table:
            return None
        i, j = bisect.bisect_left(table, s), bisect.bisect_left(table, e)
        if i >= len(table) or j >= len(table) or table[i] != s or table[j] != e:
            return None
        return (i, j) if (i, j) != (s, e) else None

    def _nearest(self, needle: str, near: int) -> tuple[int, int] | str | None:
        hits, i = [], self.text.find(needle)
        while i != -1:
            hits.append(i)
            i = self.text.find(needle, i + 1)
        if not hits:
            return None
        hits.sort(key=lambda h: abs(h - near))
        if len(hits) > 1 and abs(hits[0] - near) == abs(hits[1] - near):
            return f"it occurs at {hits[0]} and {hits[1]}, equally near: fix the offsets by hand"
        return hits[0], hits[0] + len(needle)

    def _on_words(self, s: int, e: int) -> bool:
        if not (0 <= s < e <= len(self.text)):
            return False
        if self._starts is None:
            words = tokenize_words(self.text)
            self._starts, self._ends = {a for a, _ in words}, {b for _, b in words}
        trimmed = self._trimmed(Placed(s, e), "") if self.text[s:e].strip() else None
        return trimmed is not None and trimmed.start in self._starts and trimmed.end in self._ends


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _same(found: str, expected: str) -> bool:
    """Equal, or equal up to whitespace (tools trim the span text or turn newlines into spaces)."""
    return found == expected or " ".join(found.split()) == " ".join(expected.split())


def place_spans(
    text: str,
    raw: Iterable[tuple[object, object, str, str | None]],
    *,
    repair: bool,
    on_repair: Callable[[str], None],
) -> list[Span]:
    """Spans from ``(start, end, label, span_text_or_None)`` tuples, each checked by :class:`SpanPlacer`.

    Raises :class:`OffsetMismatch` for the first span that does not fit; calls ``on_repair``
    with a message for every span it moved.
    """
    placer = SpanPlacer(text, repair=repair)
    spans = []
    for start, end, label, expected in raw:
        if not isinstance(label, str) or not label:
            raise OffsetMismatch(f"span {start!r}-{end!r} needs a label, got {label!r}")
        placed = placer.place(start, end, label, expected)
        if placed.repair:
            on_repair(placed.repair)
        spans.append(Span(placed.start, placed.end, label))
    return spans
