"""Text normalization that keeps an exact map back to the raw characters.

The model reads normalized text (no diacritics, spaced punctuation, Western digits, ...)
but annotations and predictions are character offsets into the original text. A
:class:`NormalizedText` carries both strings and a per-character map, so a predicted word
span on normalized text becomes the raw span of exactly those words (with any diacritics
or tatweel inside them, without surrounding spaces or bidi marks), and a raw gold span
becomes a normalized span for training.

The normalizer is chosen by a small spec dict (``{"kind": "basic"}``) that is saved with
a model and rebuilt by :func:`build_normalizer`, so inference normalizes as training did.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from typing import Any, Protocol, runtime_checkable

from rasd.errors import ConfigError
from rasd.text._tracked import Piece, Tracked, word_ids
from rasd.text.words import tokenize_words

# Vowel marks and Quranic annotation signs. Madda and hamza above/below (U+0653-U+0655)
# are kept: in decomposed text they are part of the letter (ا + ٔ = أ).
TASHKEEL = "\u0610-\u061a\u064b-\u0652\u0656-\u065f\u0670\u06d6-\u06dc\u06df-\u06e4\u06e7\u06e8\u06ea-\u06ed"
TATWEEL = "\u0640"
# Direction and zero-width marks: invisible, and never part of a word's span.
BIDI_MARKS = "\u200b-\u200f\u202a-\u202e\u2066-\u2069\u061c\ufeff"
DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
# Punctuation spaced off from words. A period, comma or colon between digits stays (3.5, 07:57).
PUNCTUATION = ".,;:!?،؛؟«»\"“”()[]{}…"

_TASHKEEL = re.compile(f"[{TASHKEEL}]+")
_TATWEEL = re.compile(f"{TATWEEL}+")
_BIDI = re.compile(f"[{BIDI_MARKS}]+")
_PUNCT = re.compile(rf"(?!(?<=\d)[.,:](?=\d))[{re.escape(PUNCTUATION)}]")


@dataclass(frozen=True)
class NormalizedText:
    """Normalized ``text`` of ``raw``; character ``i`` of ``text`` stands for ``raw[starts[i]:ends[i]]``.

    Inserted characters (spaces around punctuation) stand for an empty range; removed
    diacritics and tatweel belong to a neighbouring letter of their word (as
    :func:`~rasd.text.words.tokenize_words` cuts words); a ``[رابط]`` that replaced a URL
    stands, every character of it, for the whole URL. ``starts`` and ``ends`` never
    decrease, which makes both lookups a binary search.
    """

    raw: str
    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def __post_init__(self) -> None:
        if not len(self.text) == len(self.starts) == len(self.ends):
            raise ValueError(
                f"offset map has {len(self.starts)} starts and {len(self.ends)} ends for {len(self.text)} characters"
            )

    @classmethod
    def identity(cls, raw: str) -> NormalizedText:
        """The text unchanged, each character standing for itself."""
        return cls(raw, raw, tuple(range(len(raw))), tuple(range(1, len(raw) + 1)))

    @classmethod
    def from_tracked(cls, raw: str, tracked: Tracked) -> NormalizedText:
        """Freeze what a normalizer built (internal: normalizers in this package use it)."""
        return cls(raw, tracked.text, tuple(tracked.starts), tuple(tracked.ends))

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        """The raw span ``[start, end)`` of normalized ``text[start:end]``.

        An empty span maps to an empty raw span at the matching position.

        >>> n = BasicNormalizer()("قالَ:  «نعمْ»")
        >>> n.text
        'قال : « نعم »'
        >>> s, e = n.raw_span(8, 11)
        >>> n.raw[s:e]
        'نعمْ'
        """
        _check_span(start, end, len(self.text))
        if start == end:
            pos = self.starts[start] if start < len(self.text) else self._raw_end()
            return pos, pos
        return self.starts[start], self.ends[end - 1]

    def norm_span(self, start: int, end: int) -> tuple[int, int]:
        """The normalized span of the characters that raw ``raw[start:end]`` became.

        It covers every normalized character whose raw range overlaps ``[start, end)``,
        minus whitespace at its edges; a raw span that normalization removed entirely
        (only diacritics, marks or spaces) gives an empty span at the nearest position.

        >>> n = BasicNormalizer()("\u200fقصفٌ  على «دمشق».")
        >>> n.text
        'قصف على « دمشق » .'
        >>> n.norm_span(1, 5), n.norm_span(12, 16)
        ((0, 3), (10, 14))
        """
        _check_span(start, end, len(self.raw))
        lo = bisect_right(self.ends, start)
        hi = bisect_left(self.starts, end)
        while lo < hi and (self.starts[lo] == self.ends[lo] or self.text[lo].isspace()):
            lo += 1
        while hi > lo and (self.starts[hi - 1] == self.ends[hi - 1] or self.text[hi - 1].isspace()):
            hi -= 1
        if lo == hi:
            pos = bisect_left(self.starts, start)
            return pos, pos
        return lo, hi

    def _raw_end(self) -> int:
        return self.ends[-1] if self.ends else 0


def _check_span(start: int, end: int, length: int) -> None:
    if not 0 <= start <= end <= length:
        raise ValueError(f"span ({start}, {end}) is not within a text of {length} characters")


@runtime_checkable
class Normalizer(Protocol):
    """Turns raw text into :class:`NormalizedText`; ``to_dict()`` is the spec that rebuilds it."""

    def __call__(self, raw: str) -> NormalizedText: ...

    def to_dict(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class IdentityNormalizer:
    """No normalization (``{"kind": "none"}``): for encoders that want the text as it is."""

    def __call__(self, raw: str) -> NormalizedText:
        return NormalizedText.identity(raw)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "none"}


@dataclass(frozen=True)
class BasicNormalizer:
    """Light, model-independent Arabic normalization with an exact offset map.

    Each option is one pass; all are on by default.

    >>> BasicNormalizer()("قـــالَ الرئيسُ:«وصلنا ٣٫٥ كم»\u200f").text
    'قال الرئيس : « وصلنا 3٫5 كم »'
    """

    remove_tashkeel: bool = True  # diacritics and Quranic marks (not madda/hamza marks)
    remove_tatweel: bool = True  # kashida elongation "ـ"
    unify_digits: bool = True  # Eastern Arabic ٠-٩ and Persian ۰-۹ -> 0-9
    space_punctuation: bool = True  # "قال:«نعم»" -> "قال : « نعم »"
    strip_marks: bool = True  # RLM/LRM, zero-width (non-)joiners, isolates, ALM, BOM
    collapse_whitespace: bool = True  # runs of whitespace -> one space, ends trimmed

    def __call__(self, raw: str) -> NormalizedText:
        text = Tracked.of(raw)
        words = word_ids(raw, tokenize_words(raw)) if self.remove_tashkeel or self.remove_tatweel else None
        if self.strip_marks:
            text = text.delete(_BIDI)
        if self.remove_tashkeel:
            text = text.delete(_TASHKEEL, words=words)
        if self.remove_tatweel:
            text = text.delete(_TATWEEL, words=words)
        if self.unify_digits:
            text = text.translate(DIGITS)
        if self.space_punctuation:
            text = text.sub(_PUNCT, _spaced(text.text))
        if self.collapse_whitespace:
            text = text.collapse_whitespace()
        return NormalizedText.from_tracked(raw, text)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "basic", **asdict(self)}


def _spaced(text: str) -> Callable[[re.Match[str]], list[Piece]]:
    """Pieces putting one space between a punctuation mark and a glued neighbour."""

    def repl(m: re.Match[str]) -> list[Piece]:
        a, b = m.span()
        pieces: list[Piece] = []
        if a > 0 and not text[a - 1].isspace() and not _PUNCT.match(text, a - 1):
            pieces.append(("insert", " ", a))
        pieces.append(("copy", a, b))
        if b < len(text) and not text[b].isspace():
            pieces.append(("insert", " ", b))
        return pieces

    return repl


def build_normalizer(spec: dict[str, Any] | None) -> Normalizer:
    """Build the normalizer a spec describes; ``normalizer.to_dict()`` gives the spec back.

    >>> build_normalizer({"kind": "basic", "unify_digits": False}).to_dict()["unify_digits"]
    False
    >>> build_normalizer({"kind": "none"})("نصّ").text
    'نصّ'
    """
    spec = {"kind": "none"} if spec is None else dict(spec)
    kind = spec.pop("kind", None)
    if kind == "none":
        _check_keys("none", spec, set())
        return IdentityNormalizer()
    if kind == "basic":
        _check_keys("basic", spec, {f.name for f in fields(BasicNormalizer)})
        for key, value in spec.items():
            if not isinstance(value, bool):
                raise ConfigError(f"normalizer option '{key}' must be true or false, got {value!r}")
        return BasicNormalizer(**spec)
    if kind == "arabert":
        from rasd.text.arabert import ArabertNormalizer

        return ArabertNormalizer.from_dict(spec)
    what = "a normalizer spec needs a 'kind'" if kind is None else f"unknown normalizer kind {kind!r}"
    raise ConfigError(
        f"{what}: use one of 'none', 'basic', 'arabert' "
        '(e.g. {"kind": "arabert", "model_name": "aubmindlab/bert-base-arabertv02"})'
    )


def _check_keys(kind: str, spec: dict[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(spec) - allowed)
    if unknown:
        hint = f"allowed: {', '.join(sorted(allowed))}" if allowed else "it takes no options"
        raise ConfigError(f"unknown option(s) {', '.join(unknown)} for normalizer kind '{kind}' ({hint})")
