"""Property tests: normalized spans map to raw spans and back exactly.

The texts mix Arabic letters, diacritics, tatweel, Latin, Western, Eastern Arabic and
Persian digits, emoji, bidi and zero-width marks, punctuation, whitespace and a few
snippets that trigger arabert's rewrites (URLs, e-mails, mentions, HTML, entities).
"""

from __future__ import annotations

import functools
import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rasd.text.arabert import ArabertNormalizer
from rasd.text.normalize import BasicNormalizer, NormalizedText, Normalizer
from rasd.text.words import tokenize_words

ARABIC = "ابتثجحخدذرزسشصضطظعغفقكلمنهويءأإآةىئؤ" + "پچگکی"
DIACRITICS = "\u064b\u064c\u064d\u064e\u064f\u0650\u0651\u0652\u0670\u0653\u0654\u0610"
LATIN = "abcdeXYZéU"
DIGITS = "0123456789" + "٠١٢٣٤٥٦٧٨٩" + "۰۱۲۳۴۵۶۷۸۹"
EMOJI = ["😀", "👍", "🏽", "❤", "\ufe0f", "🇸", "🇾"]
MARKS = "\u200e\u200f\u200b\u200c\u200d\u2066\u2067\u2068\u2069\u061c\ufeff"
PUNCT = ".,;:!?،؛؟«»\"“”()[]{}…-–—/_'’@#%&<>+*=|٫"
SPACES = [" ", " ", " ", "\t", "\n", "\r\n", "\xa0", "\u2009", "\u3000"]
SNIPPETS = ["ـ", "ـــ", "http://", "www.", ".com", "a@b.co", "@user", "&amp;", "&#1576;", "<b>", "</b>",
            "3.5", "2022.11.18", "07:57", "...", "ههههه", "!!!"]

# Repeats weight letters and spaces up. A text is drawn as bytes, each picking a piece: one
# draw per text keeps hypothesis fast enough for 10,000 examples.
PIECES = [*ARABIC, *ARABIC, *DIACRITICS, *LATIN, *DIGITS, *EMOJI, *MARKS, *PUNCT, *SPACES * 4, *SNIPPETS]
assert len(PIECES) <= 256
TEXTS = st.binary(max_size=40).map(lambda b: "".join(PIECES[x % len(PIECES)] for x in b))
BASIC = BasicNormalizer()


def _same_range(norm: NormalizedText, i: int, j: int) -> bool:
    return norm.starts[i] == norm.starts[j] and norm.ends[i] == norm.ends[j] and norm.starts[i] < norm.ends[i]


def _splits_a_group(norm: NormalizedText, s: int, e: int) -> bool:
    """Whether [s, e) cuts through characters standing for one raw range (``[رابط]``)."""
    return (s > 0 and _same_range(norm, s - 1, s)) or (e < len(norm.text) and _same_range(norm, e - 1, e))


def assert_map_invariants(norm: NormalizedText) -> None:
    """Ranges lie in the raw text, are not reversed, and neither starts nor ends ever decrease."""
    starts, ends = norm.starts, norm.ends
    assert all(0 <= s <= e <= len(norm.raw) for s, e in zip(starts, ends, strict=True))
    assert list(starts) == sorted(starts) and list(ends) == sorted(ends)


def assert_round_trip(norm: NormalizedText, s: int, e: int) -> None:
    """norm -> raw -> norm gives the same span."""
    a, b = norm.raw_span(s, e)
    assert 0 <= a <= b <= len(norm.raw)
    assert norm.norm_span(a, b) == (s, e), (norm.raw, norm.text, norm.text[s:e], norm.raw[a:b])


def assert_local(normalizer: Normalizer, norm: NormalizedText, s: int, e: int) -> None:
    """The raw slice of a normalized span, normalized on its own, is that span's text."""
    a, b = norm.raw_span(s, e)
    assert normalizer(norm.raw[a:b]).text == norm.text[s:e], (norm.raw, norm.text[s:e], norm.raw[a:b])


@functools.lru_cache(maxsize=4096)
def _vanishes(normalizer: Normalizer, ch: str) -> bool:
    return normalizer(ch).text == ""


def assert_raw_word_round_trip(normalizer: Normalizer, norm: NormalizedText, *, strict: bool) -> None:
    """raw word -> norm -> raw gives the same raw word.

    For every raw word ``[rs, re)`` of ``tokenize_words(raw)``: if normalization removed all
    of it, every character of it vanishes when normalized alone (diacritics, tatweel, ...);
    else its normalized span ``[ns, ne)`` maps back to ``[a, b) == [rs, re)`` exactly, its
    diacritics and tatweel included (raw words never hold bidi marks or spaces).
    Not ``strict`` (arabert): ``norm_span(a, b) == (ns, ne)``; ``[a, b)`` may lose edge
    characters that normalization removed or blanked (``é``, emoji, an invalid entity
    ``&#3``), never one that a non-space normalized character stands for; and it reaches
    beyond the word only into one replaced whole (a URL becoming ``[رابط]``, an HTML entity,
    a run of repeated letters).
    """
    raw = norm.raw
    for rs, re_ in tokenize_words(raw):
        ns, ne = norm.norm_span(rs, re_)
        if ns == ne:
            if strict:
                assert all(_vanishes(normalizer, c) for c in raw[rs:re_]), ascii((raw, raw[rs:re_]))
            continue
        a, b = norm.raw_span(ns, ne)
        if strict:
            assert (a, b) == (rs, re_), ascii((raw, raw[rs:re_], raw[a:b]))
            continue
        assert norm.norm_span(a, b) == (ns, ne)
        kept = [(x, y) for x, y, ch in zip(norm.starts, norm.ends, norm.text, strict=True) if not ch.isspace()]
        for i in [*range(rs, min(a, re_)), *range(max(b, rs), re_)]:  # in the word, left out
            assert not any(x <= i < y for x, y in kept), ascii((raw, raw[rs:re_], raw[a:b]))
        replaced = [(norm.starts[k], norm.ends[k]) for k in range(ns, ne) if norm.ends[k] - norm.starts[k] > 1]
        for i in [*range(a, min(rs, b)), *range(max(re_, a), b)]:  # taken in, not in the word
            assert any(x <= i < y for x, y in replaced), ascii((raw, raw[rs:re_], raw[a:b]))


@settings(max_examples=10_000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=TEXTS, seed=st.integers(0, 2**32 - 1))
def test_basic_normalizer_offsets(raw: str, seed: int) -> None:
    """BasicNormalizer (defaults): for 10,000 generated texts,

    0. the offset map holds its invariants (:func:`assert_map_invariants`);
    1. every word span ``[s, e)`` of ``tokenize_words(norm.text)``, and a random run of
       consecutive words, maps to a raw span ``[a, b)`` with ``norm_span(a, b) == (s, e)``,
       and ``normalizer(raw[a:b]).text == norm.text[s:e]``;
    2. the first equality (norm -> raw -> norm) holds for a random normalized span whose first
       and last characters are not whitespace, also one that cuts a word or a number. (The
       second need not: ``3.`` cut from ``3.5`` is spaced as ``3 .``, the period no longer
       being between digits.)
    3. raw words map to normalized spans and back as :func:`assert_raw_word_round_trip` says (strict).
    """
    norm, rng = BASIC(raw), random.Random(seed)
    text = norm.text
    assert_map_invariants(norm)
    words = tokenize_words(text)
    for s, e in words:
        assert_round_trip(norm, s, e)
        assert_local(BASIC, norm, s, e)
    if words:
        i = rng.randrange(len(words))
        j = rng.randrange(i, len(words))
        assert_round_trip(norm, words[i][0], words[j][1])
        assert_local(BASIC, norm, words[i][0], words[j][1])
    if text.strip():
        s = rng.randrange(len(text))
        e = rng.randrange(s + 1, len(text) + 1)
        if not text[s].isspace() and not text[e - 1].isspace():
            assert_round_trip(norm, s, e)
    assert_raw_word_round_trip(BASIC, norm, strict=True)


@settings(max_examples=1_000, deadline=None)
@given(raw=TEXTS, options=st.fixed_dictionaries({
    name: st.booleans() for name in ("remove_tashkeel", "remove_tatweel", "unify_digits",
                                     "space_punctuation", "strip_marks", "collapse_whitespace")
}))
def test_basic_normalizer_offsets_any_options(raw: str, options: dict[str, bool]) -> None:
    """Properties 0, 1 (single words) and 3 of the test above, for every combination of options."""
    normalizer = BasicNormalizer(**options)
    norm = normalizer(raw)
    assert_map_invariants(norm)
    for s, e in tokenize_words(norm.text):
        assert_round_trip(norm, s, e)
        assert_local(normalizer, norm, s, e)
    assert_raw_word_round_trip(normalizer, norm, strict=True)


ARABERT = ArabertNormalizer("aubmindlab/bert-base-arabertv02")


@settings(max_examples=3_000, deadline=None)
@given(raw=TEXTS, seed=st.integers(0, 2**32 - 1))
def test_arabert_normalizer_offsets(raw: str, seed: int) -> None:
    """ArabertNormalizer (v0.2; its text is checked against arabert's preprocess() inside):

    1. every whitespace-separated word of the normalized text (arabert's own tokens, so
       ``[رابط]`` is one word) maps to raw and back to itself;
    2. random normalized spans do too, when their ends are not whitespace and do not cut
       through characters standing for one raw range (the letters of ``[رابط]``);
    3. a word of letters and digits only, cut from raw and preprocessed alone, gives that word
       (arabert's rewrites read context: ``ab.cd`` is a URL only as a whole, so punctuation and
       multi-word slices may preprocess differently alone);
    4. raw words map to normalized spans and back as :func:`assert_raw_word_round_trip` says;
    and the offset map holds its invariants.
    """
    norm, rng = ARABERT(raw), random.Random(seed)
    text = norm.text
    assert_map_invariants(norm)
    for word in _whitespace_words(text):
        assert_round_trip(norm, *word)
        if text[word[0] : word[1]].isalnum():
            assert_local(ARABERT, norm, *word)
    if text:
        s = rng.randrange(len(text))
        e = rng.randrange(s + 1, len(text) + 1)
        if not (text[s].isspace() or text[e - 1].isspace() or _splits_a_group(norm, s, e)):
            assert_round_trip(norm, s, e)
    assert_raw_word_round_trip(ARABERT, norm, strict=False)


def _whitespace_words(text: str) -> list[tuple[int, int]]:
    spans, start = [], None
    for i, ch in enumerate(text + " "):
        if ch == " " and start is not None:
            spans.append((start, i))
            start = None
        elif ch != " " and start is None:
            start = i
    return spans
