"""A string that remembers, for each character, the raw characters it came from.

Normalizers are written as a few regex passes (delete diacritics, replace URLs, insert
spaces, ...). Running those passes on a :class:`Tracked` instead of a plain ``str``
keeps a raw range ``[start, end)`` per character, so predictions on normalized text can
be cut from the original text. Internal: the public face is ``NormalizedText``.

Invariants kept by every operation, which ``NormalizedText`` relies on:
``starts`` and ``ends`` never decrease, and ``starts[i] <= ends[i]``.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

# One piece of a replacement: ("copy", i, j) keeps current chars [i, j) with their ranges;
# ("map", s, i, j) writes s, every char of it standing for current chars [i, j);
# ("insert", s, i) writes s at the boundary before current char i, standing for nothing.
Piece = tuple[Any, ...]


@dataclass
class Tracked:
    """``text`` plus, per character, the raw range ``[starts[i], ends[i])`` it stands for."""

    text: str
    starts: list[int]
    ends: list[int]

    @classmethod
    def of(cls, raw: str) -> Tracked:
        return cls(raw, list(range(len(raw))), list(range(1, len(raw) + 1)))

    def translate(self, table: dict[int, str]) -> Tracked:
        """Replace characters one for one (digits, slashes): ranges do not change."""
        text = self.text.translate(table)
        if len(text) != len(self.text):
            raise ValueError("translate() needs a table that maps each character to exactly one")
        return Tracked(text, self.starts, self.ends)

    def sub(self, pattern: re.Pattern[str], repl: Callable[[re.Match[str]], Iterable[Piece]]) -> Tracked:
        """``pattern.sub`` where ``repl`` says, with pieces, where each output character comes from."""
        matches = pattern.finditer(self.text)
        first = next(matches, None)
        if first is None:
            return self
        out = _Builder(self)
        for match in itertools.chain((first,), matches):
            out.copy(out.pos, match.start())
            for piece in repl(match):
                getattr(out, piece[0])(*piece[1:])
            out.pos = match.end()
        out.copy(out.pos, len(self.text))
        return out.build()

    def replace_all(self, pattern: re.Pattern[str], replacement: str) -> Tracked:
        """Replace every match by ``replacement``, which stands for the whole match.

        Spaces around it (``" [رابط] "``) stand for nothing; an empty replacement drops the match.
        """
        core = replacement.strip()
        lead = replacement[: len(replacement) - len(replacement.lstrip())]
        trail = replacement[len(replacement.rstrip()) :] if core else ""

        def repl(m: re.Match[str]) -> list[Piece]:
            if not core:
                return [("map", replacement, m.start(), m.end())] if m.start() < m.end() else []
            pieces: list[Piece] = [("insert", lead, m.start())] if lead else []
            if m.start() < m.end():
                pieces.append(("map", core, m.start(), m.end()))
            else:
                pieces.append(("insert", core, m.start()))
            return [*pieces, ("insert", trail, m.end())] if trail else pieces

        return self.sub(pattern, repl)

    def rewrite(self, pattern: re.Pattern[str], func: Callable[[str], str]) -> Tracked:
        """Replace each match by ``func(match)``; shared prefix and suffix keep their own ranges."""
        return self.sub(pattern, lambda m: diff_pieces(m.group(), func(m.group()), m.start()))

    def delete(self, pattern: re.Pattern[str], *, words: Sequence[int] | None = None) -> Tracked:
        """Remove every match; with ``words``, removed chars stay part of the word they were in.

        ``words[i]`` numbers the word raw character ``i`` belongs to (-1: none), as
        :func:`word_ids` gives it. A removed run joins the kept character before it when both
        are in one word, else the one after it; so a word's raw span keeps its diacritics and
        tatweel. Without ``words`` (bidi marks) nothing joins, so no raw span starts or ends
        with a removed mark.
        """
        out = _Builder(self)
        text, starts, ends = self.text, self.starts, self.ends
        n = len(text)
        for match in pattern.finditer(text):
            a, b = match.span()
            out.copy(out.pos, a)
            out.pos = b
            if words is None or out.pending is not None:  # (pending: right after a run joining forward)
                continue
            i = a
            while i < b:  # a run may span words when a removed mark separated them
                word = words[starts[i]] if starts[i] < ends[i] else -1
                j = i + 1
                while j < b and starts[j] < ends[j] and words[starts[j]] == word:
                    j += 1
                if word >= 0 and out.chars and out.ends[-1] > out.starts[-1] and words[out.ends[-1] - 1] == word:
                    out.ends[-1] = ends[j - 1]
                elif word >= 0 and j == b < n and starts[b] < ends[b] and words[starts[b]] == word:
                    out.pending = starts[i]
                i = j
        out.copy(out.pos, n)
        return out.build()

    def collapse_whitespace(self) -> Tracked:
        """``" ".join(text.split())``: inner runs become one space standing for the run."""
        text = self.text
        last = len(text)

        def repl(m: re.Match[str]) -> list[Piece]:
            if m.start() == 0 or m.end() == last:
                return []
            return [("map", " ", m.start(), m.end())]

        return self.sub(_WHITESPACE, repl)


# Whitespace that changes under collapsing: at either end, runs, or a tab/newline/NBSP.
# A lone " " between words stays as it is and is not matched, which keeps this pass cheap.
_WHITESPACE = re.compile(r"\A\s+|\s+\Z|\s{2,}|[^\S ]")


def word_ids(raw: str, spans: Iterable[tuple[int, int]]) -> list[int]:
    """For each raw character, the index of the word span holding it, or -1."""
    ids = [-1] * len(raw)
    for k, (start, end) in enumerate(spans):
        ids[start:end] = [k] * (end - start)
    return ids


class _Builder:
    """Accumulates output characters and their ranges while walking a :class:`Tracked`."""

    def __init__(self, src: Tracked) -> None:
        self.src = src
        self.pos = 0
        self.chars: list[str] = []
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.pending: int | None = None  # start of removed raw chars that join the next char

    def copy(self, i: int, j: int) -> None:
        if i >= j:
            return
        self.chars.extend(self.src.text[i:j])
        self.starts.extend(self.src.starts[i:j])
        self.ends.extend(self.src.ends[i:j])
        if self.pending is not None:
            self.starts[-(j - i)] = self.pending
            self.pending = None

    def map(self, s: str, i: int, j: int) -> None:
        if not s:
            return
        start, end = self.src.starts[i], self.src.ends[j - 1]
        self.chars.extend(s)
        self.starts.extend([start] * len(s))
        self.ends.extend([end] * len(s))

    def insert(self, s: str, i: int) -> None:
        if not s:
            return
        src = self.src
        lo = self.ends[-1] if self.ends else (src.starts[i] if i < len(src.text) else 0)
        hi = src.starts[i] if i < len(src.text) else lo
        # Between two characters that share one raw range (a replaced URL), the inserted
        # characters share it too; anywhere else they stand for the gap between, usually empty.
        start, end = min(lo, hi), max(lo, hi)
        self.chars.extend(s)
        self.starts.extend([start] * len(s))
        self.ends.extend([end] * len(s))

    def build(self) -> Tracked:
        return Tracked("".join(self.chars), self.starts, self.ends)


def diff_pieces(old: str, new: str, offset: int) -> list[Piece]:
    """Pieces turning ``old`` (at current offset ``offset``) into ``new``.

    The common prefix and suffix keep their own ranges; the changed middle of ``new``
    stands for the changed middle of ``old``. A deleted middle is absorbed by its
    neighbour, so ``&ampx`` -> ``&x`` maps ``&`` to ``&amp`` and ``x`` to ``x``.
    """
    limit = min(len(old), len(new))
    p = 0
    while p < limit and old[p] == new[p]:
        p += 1
    q = 0
    while q < limit - p and old[-1 - q] == new[-1 - q]:
        q += 1
    o_mid, n_mid = (offset + p, offset + len(old) - q), new[p : len(new) - q]
    pieces: list[Piece] = []
    if n_mid:
        pieces = [("copy", offset, o_mid[0])]
        pieces.append(("map", n_mid, *o_mid) if o_mid[0] < o_mid[1] else ("insert", n_mid, o_mid[0]))
        return [*pieces, ("copy", o_mid[1], offset + len(old))]
    if o_mid[0] == o_mid[1]:
        return [("copy", offset, offset + len(old))]
    if p:  # the last kept prefix char absorbs the deleted middle
        return [("copy", offset, o_mid[0] - 1), ("map", old[p - 1], o_mid[0] - 1, o_mid[1]),
                ("copy", o_mid[1], offset + len(old))]
    if q:  # the first kept suffix char absorbs it
        return [("map", old[len(old) - q], o_mid[0], o_mid[1] + 1), ("copy", o_mid[1] + 1, offset + len(old))]
    return []
