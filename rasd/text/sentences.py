"""Sentence splitting for Arabic news, as character offsets into the original text.

Every sentence is one training example, so the split decides what the model sees
together. The rules are the cheap ones that matter in news copy: a period inside a
number (``3.5``, ``2022.11.18 | 07:57``), a URL or a one-letter abbreviation
(``U.S.``, ``د. أحمد``) does not end a sentence; a quotation that ends a sentence
inside «…», “…” or "…" (or a caption in parentheses) stays whole when its closing mark
follows soon; closing quotes and brackets after the terminator stay with their
sentence; a line break always ends one; an inline ``اقرأ أيضاً`` (a link to another
story) starts a new one.

One regex pass finds the candidates and a few character checks decide each of them,
so a 1 MB document splits in about 0.1 s.
"""

from __future__ import annotations

import re

_BREAKS = "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"
_TERMINATORS = ".!?؟…۔‼⁇⁈⁉"
_CLOSERS = "\"'»”’›)]}"
# Trimmed from both ends of a sentence: whitespace plus invisible format marks (RLM, ZWJ, BOM, ...).
_INVISIBLE = "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u061c\ufeff"

_CANDIDATES = re.compile(
    rf"(?P<br>[{_BREAKS}]+)"
    rf"|(?P<term>(?:[{re.escape(_TERMINATORS)}]+[{re.escape(_CLOSERS)}]*)+)"
    r"|(?P<see>(?<!\w)[اإأ]قر[أا][ \t\u00a0]+[أا]يض)"  # "اقرأ أيضاً": a link to another story
)
_BREAK = re.compile(rf"[{_BREAKS}]")
_ARABIC_LETTER = re.compile(r"[\u0621-\u063a\u0641-\u064a\u0671-\u06d3\u06fa-\u06ff]")
_LATIN_OR_DIGIT = re.compile(r"[A-Za-z\d]")
_OPENERS = "«“‹(\"'["
_MARKS = "\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640"
# A one-letter word right before the period (its marks and tatweel allowed).
_ONE_LETTER = re.compile(rf"(?:^|[^\w{_MARKS}])([^\W\d_])[{_MARKS}]*\Z")
_LATIN_ABBREVIATION = re.compile(
    r"(?:^|\W)(?:Mr|Mrs|Ms|Dr|Prof|St|Jr|Sr|No|vs|Inc|Ltd|Co|Gen|Col|Lt|Sgt|Capt|Maj|Rep|Sen|Gov|Mt)\Z"
)
_ENUMERATOR = re.compile(r"\d{1,3}")
_PAIRS = (("«", "»"), ("“", "”"), ("(", ")"))
_QUOTE_LOOKAHEAD = 150  # how far a closing quote may follow a sentence end inside a quotation
_QUOTE_LOOKBACK = 1000  # how far back an opening quote is looked for


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Character offsets ``[start, end)`` of each sentence, whitespace trimmed, none empty.

    >>> t = "قال د. أحمد إن 3.5 طن سقطت. وأضاف: «لا إصابات.»\\nاقرأ أيضاً: خبر آخر"
    >>> [t[s:e] for s, e in split_sentences(t)]
    ['قال د. أحمد إن 3.5 طن سقطت.', 'وأضاف: «لا إصابات.»', 'اقرأ أيضاً: خبر آخر']
    """
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _CANDIDATES.finditer(text):
        kind = match.lastgroup
        if kind == "br":
            _add(text, start, match.start(), spans)
            start = match.end()
        elif kind == "see":
            _add(text, start, match.start(), spans)
            start = match.start()
        elif _ends_sentence(text, start, match.start(), match.end()):
            _add(text, start, match.end(), spans)
            start = match.end()
    _add(text, start, len(text), spans)
    return spans


def _add(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    """Append ``[start, end)`` trimmed of whitespace and invisible marks, unless nothing is left."""
    while start < end and (text[start].isspace() or text[start] in _INVISIBLE):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in _INVISIBLE):
        end -= 1
    if start < end:
        spans.append((start, end))


def _ends_sentence(text: str, start: int, term_start: int, term_end: int) -> bool:
    """Whether the terminator run ``text[term_start:term_end]`` ends the sentence begun at ``start``."""
    prev = text[term_start - 1] if term_start > 0 else ""
    after = term_end
    while after < len(text) and text[after] in _INVISIBLE:
        after += 1
    nxt = text[after] if after < len(text) else ""
    if prev in "([":  # "(...)" marks an omission inside a quotation
        return False
    if nxt and not nxt.isspace():
        # Glued to what follows: a number, URL, e-mail or abbreviation ("3.5", "x.com", "U.S")
        # unless Arabic follows Arabic, which is a missing space ("انتهى.وقال").
        if not (_ARABIC_LETTER.match(nxt) or nxt in _OPENERS) or _LATIN_OR_DIGIT.match(prev):
            return False
    if text[term_start] == "." and _is_abbreviation(text, start, term_start):
        return False
    following = text[after : after + 2].lstrip()
    if following[:1].islower() and following[:1].isascii():  # "e.g. this", "etc. and"
        return False
    return not _inside_quotation(text, start, term_end)


def _is_abbreviation(text: str, start: int, dot: int) -> bool:
    """A period after a one-letter word (``U.S.``, ``د.``), a Latin title (``Dr.``) or a list number."""
    window = text[max(start, dot - 24) : dot]
    one_letter = _ONE_LETTER.search(window)
    if one_letter:
        if one_letter.group(1).isascii():
            return True
        # "عام 2022 م." and "1445 هـ." end sentences; "د. أحمد" does not.
        return not window[: one_letter.start(1)].rstrip()[-1:].isdigit()
    if _LATIN_ABBREVIATION.search(window):
        return True
    return dot - start <= 8 and _ENUMERATOR.fullmatch(text[start:dot].strip().strip(_INVISIBLE)) is not None


def _inside_quotation(text: str, start: int, end: int) -> bool:
    """Whether ``end`` lies inside a quotation (or parenthesis) opened in this sentence and closed soon after."""
    sentence = text[max(start, end - _QUOTE_LOOKBACK) : end]  # bounded: long runs stay linear
    ahead = text[end : end + _QUOTE_LOOKAHEAD]
    line_end = _BREAK.search(ahead)
    if line_end:
        ahead = ahead[: line_end.start()]
    for opening, closing in _PAIRS:
        if closing in ahead and sentence.count(opening) > sentence.count(closing):
            return True
    return '"' in ahead and sentence.count('"') % 2 == 1
