"""Predicted spans on the gold words, and the error list behind ``errors.jsonl``.

Slot errors compare character spans of one sentence after exact matches are set aside:

- ``label``: a prediction with exactly the bounds of a gold span but another label.
- ``boundary``: a prediction with the label of a gold span that overlaps it with other bounds.
- ``missed``: a gold span left over; ``pred`` holds a leftover prediction overlapping it (one
  with another label and other bounds), or ``None``.
- ``spurious``: a prediction left over; ``gold`` holds a leftover gold span it overlaps, or ``None``.
  A prediction with the wrong label *and* the wrong bounds is one ``missed`` plus one ``spurious``.
- ``event``: the predicted event type (or, multi-label, the set of labels) differs from the gold.

Each row is ``{"id", "kind", "text", "gold", "pred", "start", "end"}``. ``start``/``end`` are
character offsets into ``text`` (the sentence): the gold span's for ``missed``, ``label`` and
``boundary``, the prediction's for ``spurious``, the whole sentence for ``event``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

ERROR_KINDS = ("event", "missed", "spurious", "boundary", "label")


@dataclass(frozen=True)
class CharSpan:
    """A span on the gold words: ``words`` is the first and last word index, end inclusive."""

    start: int
    end: int
    label: str
    words: tuple[int, int]
    score: float | None = None
    # The model's own offsets when they had to be widened to whole words.
    original: tuple[int, int] | None = None

    def to_dict(self, text: str) -> dict[str, Any]:
        out: dict[str, Any] = {"label": self.label, "start": self.start, "end": self.end, "text": text[self.start : self.end]}
        if self.score is not None:
            out["score"] = self.score
        if self.original is not None:
            out["model_offsets"] = list(self.original)
        return out


@dataclass
class Alignment:
    spans: list[CharSpan]
    realigned: int = 0
    dropped: int = 0


def align_to_words(words: Sequence[tuple[int, int]], spans: Sequence[Any]) -> Alignment:
    """Put predicted spans (``.start``, ``.end``, ``.label``, optional ``.score``) on ``words``.

    A span that does not start and end on word edges is widened to the words it touches and
    counted in ``realigned``; one that touches no word, or only words an earlier span took,
    is counted in ``dropped``. The result never overlaps, so it converts to IOB2.

    >>> from types import SimpleNamespace as S
    >>> a = align_to_words([(0, 3), (4, 9)], [S(start=1, end=6, label="LOC", score=0.9)])
    >>> a.spans[0].start, a.spans[0].end, a.realigned
    (0, 9, 1)
    """
    out = Alignment(spans=[])
    taken = -1
    for span in sorted(spans, key=lambda s: (s.start, s.end)):
        touched = [i for i, (s, e) in enumerate(words) if s < span.end and e > span.start and i > taken]
        if not touched:
            out.dropped += 1
            continue
        first, last = touched[0], touched[-1]
        start, end = words[first][0], words[last][1]
        moved = (start, end) != (span.start, span.end)
        out.realigned += moved
        out.spans.append(CharSpan(start, end, span.label, (first, last), getattr(span, "score", None),
                                  (span.start, span.end) if moved else None))
        taken = last
    return out


def gold_spans(words: Sequence[tuple[int, int]], spans: Sequence[Any]) -> list[CharSpan]:
    """Gold spans (already on word edges: the reader checked them) as :class:`CharSpan`."""
    starts = {s: i for i, (s, _) in enumerate(words)}
    ends = {e: i for i, (_, e) in enumerate(words)}
    return [CharSpan(s.start, s.end, s.label, (starts[s.start], ends[s.end])) for s in sorted(spans)]


def tags_for(n_words: int, spans: Sequence[CharSpan]) -> list[str]:
    """IOB2 tags for non-overlapping word spans.

    >>> tags_for(4, [CharSpan(0, 7, "LOC", (1, 2))])
    ['O', 'B-LOC', 'I-LOC', 'O']
    """
    tags = ["O"] * n_words
    for span in spans:
        first, last = span.words
        tags[first] = f"B-{span.label}"
        for i in range(first + 1, last + 1):
            tags[i] = f"I-{span.label}"
    return tags


def slot_errors(record_id: str, text: str, gold: Sequence[CharSpan], pred: Sequence[CharSpan]) -> list[dict[str, Any]]:
    """Error rows for one sentence (see the module docstring for the kinds).

    >>> g = [CharSpan(0, 3, "LOC", (0, 0)), CharSpan(4, 9, "PER", (1, 1))]
    >>> p = [CharSpan(0, 3, "PER", (0, 0)), CharSpan(4, 12, "PER", (1, 2))]
    >>> [e["kind"] for e in slot_errors("s1", "abc defgh ij", g, p)]
    ['label', 'boundary']
    """
    key = lambda s: (s.start, s.end, s.label)  # noqa: E731
    exact = {key(s) for s in gold} & {key(s) for s in pred}
    g_left = [s for s in gold if key(s) not in exact]
    p_left = [s for s in pred if key(s) not in exact]
    rows: list[dict[str, Any]] = []

    def row(kind: str, g: CharSpan | None, p: CharSpan | None, anchor: CharSpan) -> None:
        rows.append({"id": record_id, "kind": kind, "text": text,
                     "gold": g.to_dict(text) if g is not None else None,
                     "pred": p.to_dict(text) if p is not None else None,
                     "start": anchor.start, "end": anchor.end})

    for kind, pairs in (("label", lambda g, p: (g.start, g.end) == (p.start, p.end)),
                        ("boundary", lambda g, p: g.label == p.label and _overlap(g, p) > 0)):
        for g in list(g_left):
            candidates = [p for p in p_left if pairs(g, p)]
            if candidates:
                p = max(candidates, key=lambda c: _overlap(g, c))
                row(kind, g, p, g)
                g_left.remove(g)
                p_left.remove(p)
    for g in g_left:
        row("missed", g, next((p for p in p_left if _overlap(g, p) > 0), None), g)
    for p in p_left:
        row("spurious", next((g for g in g_left if _overlap(g, p) > 0), None), p, p)
    rows.sort(key=lambda r: (r["start"], r["end"], ERROR_KINDS.index(r["kind"])))
    return rows


def _overlap(a: CharSpan, b: CharSpan) -> int:
    return min(a.end, b.end) - max(a.start, b.start)


def event_error(record_id: str, text: str, gold: Sequence[str], pred: Sequence[str], *, multi_label: bool,
                score: float | None = None) -> dict[str, Any] | None:
    """The ``event`` row for a sentence whose predicted event type(s) differ from the gold, else ``None``."""
    if set(gold) == set(pred):
        return None
    if multi_label:
        g: dict[str, Any] = {"event_labels": sorted(gold)}
        p: dict[str, Any] = {"event_labels": sorted(pred)}
    else:
        g, p = {"event_type": gold[0] if gold else None}, {"event_type": pred[0] if pred else None}
    if score is not None:
        p["score"] = score
    return {"id": record_id, "kind": "event", "text": text, "gold": g, "pred": p, "start": 0, "end": len(text)}
