"""Tag schemes for token labels: detection, normalization to IOB2, and span <-> tag conversion.

Every token-level file rasd reads or writes goes through this module, so that there is one
definition of a chunk. The schemes:

- ``IOB2``: ``B-X`` starts every chunk, ``I-X`` continues it (rasd's internal scheme).
- ``IOB1``: ``I-X`` starts and continues chunks; ``B-X`` only separates two adjacent ``X`` chunks.
- ``IO``: IOB1 without any ``B-``; two adjacent chunks of one type cannot be told apart.
- ``BIOES``: ``B-``/``I-``/``E-`` for chunks of two or more tokens, ``S-`` for one token.

:func:`normalize_tags` reads a sequence leniently the way ``conlleval`` does (an ``I-X`` that
cannot continue a chunk starts one) and lists every place where the sequence breaks its scheme;
:func:`to_iob2` is its strict twin and raises :class:`TagError` at the first such place.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from rasd.data.schema import OUTSIDE
from rasd.errors import DataError

SCHEMES = ("IO", "IOB1", "IOB2", "BIOES")
_PREFIXES = ("B", "I", "E", "S")


class TagError(DataError):
    """A tag sequence breaks its scheme; ``index`` is the position of the offending tag.

    Readers catch it and re-raise a :class:`~rasd.errors.FormatError` naming the file line.
    """

    def __init__(self, message: str, *, index: int) -> None:
        self.index = index
        super().__init__(message)


@dataclass(frozen=True)
class TagIssue:
    """One place where a sequence breaks its scheme, and how it was read."""

    index: int
    message: str


def split_tag(tag: str) -> tuple[str, str]:
    """``("O", "")`` for the outside tag, else ``(prefix, type)``.

    >>> split_tag("B-LOC"), split_tag("O")
    (('B', 'LOC'), ('O', ''))
    """
    if tag == OUTSIDE:
        return OUTSIDE, ""
    prefix, dash, label = tag.partition("-")
    if dash and prefix in _PREFIXES and label:
        return prefix, label
    raise ValueError(f"tag {tag!r} is not 'O' or B-/I-/E-/S- followed by a type (like 'B-LOC')")


def _parse(tags: Sequence[str]) -> list[tuple[str, str]]:
    out = []
    for i, tag in enumerate(tags):
        try:
            out.append(split_tag(tag))
        except ValueError as e:
            raise TagError(str(e), index=i) from None
    return out


def scheme_evidence(tags: Sequence[str]) -> Counter[str]:
    """Counts of the chunk starts that tell the schemes apart (see :func:`detect_scheme`)."""
    evidence: Counter[str] = Counter()
    prev_p, prev_t = OUTSIDE, ""
    for p, t in _parse(tags):
        same = prev_p != OUTSIDE and prev_t == t
        if p in ("E", "S"):
            evidence["E/S"] += 1
        elif p == "I" and not same:
            evidence["I starts a chunk"] += 1
        elif p == "B":
            evidence["B"] += 1
            evidence["B after the same type" if same else "B starts a chunk"] += 1
        prev_p, prev_t = p, t
    return evidence


def detect_scheme(sample: Sequence[str] | Iterable[Sequence[str]]) -> str:
    """The scheme that best explains one tag sequence or a sample of sequences.

    Any ``E-``/``S-`` means BIOES. Otherwise chunks opened by ``I-`` (IOB1/IO) are weighed
    against chunks opened by ``B-`` after ``O`` or another type (IOB2) and the majority wins,
    so a few broken tags in a large file do not change the verdict; they are reported when
    the file is read. A sample with no evidence either way is IOB2 (all schemes agree on it).

    >>> detect_scheme(["I-PER", "I-PER", "B-PER", "O"])
    'IOB1'
    >>> detect_scheme([["B-LOC", "I-LOC", "O"], ["S-PER"]])
    'BIOES'
    """
    sequences: Iterable[Sequence[str]] = [sample] if _is_one_sequence(sample) else sample  # type: ignore[list-item]
    total: Counter[str] = Counter()
    for seq in sequences:
        total.update(scheme_evidence(seq))
    if total["E/S"]:
        return "BIOES"
    if total["I starts a chunk"] > total["B starts a chunk"]:
        return "IOB1" if total["B"] else "IO"
    return "IOB2"


def _is_one_sequence(sample: Any) -> bool:
    if isinstance(sample, str):
        raise TypeError("detect_scheme needs a list of tags or a list of tag lists, not a string")
    return isinstance(sample, Sequence) and (not sample or isinstance(sample[0], str))


def normalize_tags(tags: Sequence[str], scheme: str) -> tuple[list[str], list[TagIssue]]:
    """Read ``tags`` in ``scheme`` leniently and return valid IOB2 plus every break of the scheme.

    A tag that cannot continue the open chunk starts a new one (as ``conlleval`` reads it);
    that is reported when the scheme does not allow it. A malformed tag raises :class:`TagError`.

    >>> normalize_tags(["O", "I-LOC", "I-LOC"], "IOB2")
    (['O', 'B-LOC', 'I-LOC'], [TagIssue(index=1, message="'I-LOC' after 'O' cannot continue a chunk: read as 'B-LOC'")])
    """
    if scheme not in SCHEMES:
        raise ValueError(f"unknown tag scheme {scheme!r}; expected one of {SCHEMES}")
    out: list[str] = []
    issues: list[TagIssue] = []
    parsed = _parse(tags)
    open_type = ""  # type of the chunk the next token may continue ("" when none)
    prev_p = OUTSIDE
    for i, (p, t) in enumerate(parsed):
        tag = tags[i]
        prev_tag = tags[i - 1] if i else "the sentence start"
        if scheme == "BIOES" and prev_p in ("B", "I") and not (p in ("I", "E") and t == open_type):
            issues.append(TagIssue(i - 1, f"{tags[i - 1]!r} is followed by {tag!r}: a BIOES chunk ends with E-{open_type}"))
        if p == OUTSIDE:
            out.append(OUTSIDE)
            open_type = ""
        elif p in ("I", "E") and t == open_type:
            out.append(f"I-{t}")
            if p == "E" and scheme != "BIOES":
                issues.append(TagIssue(i, f"{tag!r}: E- tags are not part of {scheme}"))
        else:
            out.append(f"B-{t}")
            problem = _start_problem(scheme, p, t, open_type, prev_tag)
            if problem:
                issues.append(TagIssue(i, f"{tag!r} {problem}"))
        if scheme == "BIOES" and p in ("E", "S"):
            open_type = ""
        elif p != OUTSIDE:
            open_type = t
        prev_p = p
    if scheme == "BIOES" and prev_p in ("B", "I"):
        issues.append(TagIssue(len(tags) - 1, f"{tags[-1]!r} ends the sentence: a BIOES chunk ends with E-{open_type}"))
    return out, issues


def _start_problem(scheme: str, p: str, t: str, open_type: str, prev_tag: str) -> str | None:
    """Why a chunk start at this tag breaks ``scheme`` (None when it is fine)."""
    after = f"after {prev_tag!r}" if prev_tag != "the sentence start" else "at the sentence start"
    if p in ("E", "S") and scheme != "BIOES":
        return f"is not a {scheme} tag: read as 'B-{t}'"
    if p == "B" and scheme in ("IOB1", "IO") and t != open_type:
        return f"{after}: in {scheme} B- only separates two {t} chunks"
    if p in ("I", "E") and scheme in ("IOB2", "BIOES"):
        return f"{after} cannot continue a chunk: read as 'B-{t}'"
    return None


def to_iob2(tags: Sequence[str], scheme: str | None = None) -> list[str]:
    """Convert a sequence to IOB2, raising :class:`TagError` where it breaks its scheme.

    ``scheme=None`` detects it from this sequence alone; pass the file's scheme when known.

    >>> to_iob2(["I-PER", "I-PER", "B-PER", "O"], "IOB1")
    ['B-PER', 'I-PER', 'B-PER', 'O']
    >>> to_iob2(["S-LOC", "B-ORG", "E-ORG"])
    ['B-LOC', 'B-ORG', 'I-ORG']
    """
    out, issues = normalize_tags(tags, scheme or detect_scheme(list(tags)))
    if issues:
        raise TagError(issues[0].message, index=issues[0].index)
    return out


def iob2_problems(tags: Sequence[str]) -> list[TagIssue]:
    """Every place where ``tags`` is not strict IOB2 (empty when it is)."""
    return normalize_tags(tags, "IOB2")[1]


def check_iob2(tags: Sequence[str]) -> None:
    """Raise :class:`TagError` at the first tag that is not strict IOB2.

    >>> check_iob2(["B-LOC", "I-LOC", "O"])
    >>> check_iob2(["O", "I-LOC"])
    Traceback (most recent call last):
    ...
    rasd.data.tagging.TagError: 'I-LOC' after 'O' cannot continue a chunk: read as 'B-LOC'
    """
    problems = iob2_problems(tags)
    if problems:
        raise TagError(problems[0].message, index=problems[0].index)


def tags_to_spans(tags: Sequence[str]) -> list[tuple[int, int, str]]:
    """Chunks of a strict IOB2 sequence as ``(start_word, end_word, label)``, end exclusive.

    >>> tags_to_spans(["B-LOC", "I-LOC", "O", "B-PER", "B-PER"])
    [(0, 2, 'LOC'), (3, 4, 'PER'), (4, 5, 'PER')]
    """
    check_iob2(tags)
    spans: list[tuple[int, int, str]] = []
    for i, tag in enumerate(tags):
        p, t = split_tag(tag)
        if p == "B":
            spans.append((i, i + 1, t))
        elif p == "I":
            start, _, label = spans[-1]
            spans[-1] = (start, i + 1, label)
    return spans


def spans_to_tags(word_offsets: Sequence[tuple[int, int]], spans: Iterable[Any]) -> list[str]:
    """IOB2 tags for words at character ``word_offsets`` from character ``spans``.

    ``spans`` holds :class:`~rasd.data.records.Span` objects or ``(start, end, label)`` tuples.
    A span must start at a word start and end at a word end, and spans must not overlap;
    otherwise :class:`~rasd.errors.DataError` names the span and the nearest word edges.

    >>> spans_to_tags([(0, 3), (4, 7), (8, 13)], [(4, 13, "LOCATION")])
    ['O', 'B-LOCATION', 'I-LOCATION']
    """
    starts = {s: i for i, (s, _) in enumerate(word_offsets)}
    ends = {e: i for i, (_, e) in enumerate(word_offsets)}
    tags = [OUTSIDE] * len(word_offsets)
    taken_until = -1
    for start, end, label in sorted(_as_triple(s) for s in spans):
        where = f"span {start}-{end} ({label})"
        if start not in starts or end not in ends or ends[end] < starts[start]:
            raise DataError(f"{where} does not align with word boundaries (word edges near it: "
                            f"{_nearby_edges(word_offsets, start, end)})")
        first, last = starts[start], ends[end]
        if first <= taken_until:
            raise DataError(f"{where} overlaps the span before it")
        tags[first] = f"B-{label}"
        for i in range(first + 1, last + 1):
            tags[i] = f"I-{label}"
        taken_until = last
    return tags


def _as_triple(span: Any) -> tuple[int, int, str]:
    if isinstance(span, tuple):
        return span
    return span.start, span.end, span.label


def _nearby_edges(word_offsets: Sequence[tuple[int, int]], start: int, end: int) -> str:
    near = [(s, e) for s, e in word_offsets if e >= start - 1 and s <= end + 1]
    return ", ".join(f"{s}-{e}" for s, e in near[:6]) or "none"
