"""Arabic string folding and clitic handling shared by the incident normalizers.

Slot spans keep their attached clitics (``بريف دير الزور``, ``وإصابة``) and news text
mixes spellings (``الرمادى``/``الرمادي``, ``مسؤول``/``مسئول``), Eastern digits and
diacritics. Every lexicon lookup in :mod:`rasd.incidents` goes through :func:`fold`, so
lexicons are written once, in folded form, and lookups never depend on spelling habits.
"""

from __future__ import annotations

import re

from rasd.text.words import tokenize_words

_MARKS = re.compile(r"[\u0610-\u061A\u064B-\u065F\u0670\u06D6-\u06ED\u0640]")
_FOLD = str.maketrans({
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ؤ": "و", "ئ": "ي",
    "ی": "ي", "ک": "ك", "ە": "ه", "ھ": "ه",
    **{chr(0x0660 + d): str(d) for d in range(10)},
    **{chr(0x06F0 + d): str(d) for d in range(10)},
    "٫": ".", "٬": ",",
})
_SPACE = re.compile(r"\s+")

# Proclitics a word may carry, outermost first: conjunction, then preposition/particle.
CONJUNCTIONS = ("و", "ف")
PREPOSITIONS = ("ب", "ل", "ك")


def fold(text: str) -> str:
    """Spelling-insensitive form: no diacritics or tatweel, one alef, one yeh, teh marbuta as heh.

    >>> fold("قُتِلَ أحدُ المدنيّين في إدلب يوم ٢٢ كانون الأول")
    'قتل احد المدنيين في ادلب يوم 22 كانون الاول'
    """
    return _SPACE.sub(" ", _MARKS.sub("", text).translate(_FOLD)).strip().lower()


def words(text: str) -> list[str]:
    """Folded word tokens, punctuation dropped.

    >>> words("قصف «حقل العمر»، أمسِ.")
    ['قصف', 'حقل', 'العمر', 'امس']
    """
    out = []
    for s, e in tokenize_words(text):
        w = fold(text[s:e])
        if w and (w[0].isalnum()):
            out.append(w)
    return out


def clitic_variants(word: str) -> list[str]:
    """The word with its proclitics peeled off one by one, least stripped first.

    ``لل`` is the preposition ل before the article (``للتحالف`` = ل + التحالف), so it
    gives back the article.

    >>> clitic_variants("وبالبوكمال")
    ['وبالبوكمال', 'بالبوكمال', 'البوكمال']
    >>> clitic_variants("للتحالف")
    ['للتحالف', 'التحالف']
    """
    out = [word]
    rest = word
    if len(rest) > 3 and rest[0] in CONJUNCTIONS:
        rest = rest[1:]
        out.append(rest)
    if len(rest) > 3 and rest.startswith("لل"):
        out.append("ال" + rest[2:])
    elif len(rest) > 3 and rest[0] in PREPOSITIONS:
        out.append(rest[1:])
    return out


def strip_article(word: str) -> str:
    """Drop a leading definite article, keeping short words whole.

    >>> strip_article("القتيلين"), strip_article("الف")
    ('قتيلين', 'الف')
    """
    return word[2:] if word.startswith("ال") and len(word) > 4 else word


def light_stem(word: str) -> str:
    """A crude stem for comparing actor names: article, clitics and common suffixes removed.

    Enough to see that ``الأمريكية`` and ``أمريكا`` or ``الإيرانية`` and ``إيران`` name
    the same side; not a morphological analyser.

    >>> light_stem(fold("الأمريكية")) == light_stem(fold("أمريكا"))
    True
    >>> light_stem(fold("والتركي")) == light_stem(fold("تركيا"))
    True
    """
    w = clitic_variants(word)[-1] if not word.startswith("ال") else word
    w = strip_article(w)
    for suffix in ("يين", "ين", "ون", "ات", "يه", "ه", "ا", "ي"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            w = w[: -len(suffix)]
            break
    return w[:-1] if w.endswith("ي") and len(w) > 3 else w
