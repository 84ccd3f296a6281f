"""Arabic numbers in words and digits, and the folding every lexicon relies on."""

from __future__ import annotations

import pytest

from rasd.incidents import actors, casualties, dates, facts, gazetteer, merge, numbers
from rasd.incidents.arabic import clitic_variants, fold, light_stem, words
from rasd.incidents.numbers import parse_cardinal, parse_ordinal

CARDINALS = [
    ("واحد", 1), ("اثنين", 2), ("اثنتان", 2), ("ثلاث", 3), ("ثلاثة", 3), ("خمسة", 5), ("ثماني", 8),
    ("عشرة", 10), ("أحد عشر", 11), ("اثنا عشر", 12), ("ثلاثة عشر", 13), ("تسع عشرة", 19), ("عشرين", 20),
    ("عشرون", 20), ("خمسة وعشرون", 25), ("اثنين وعشرين", 22), ("تسعين", 90), ("مئة", 100), ("مائة", 100),
    ("مئتين", 200), ("ثلاثمائة", 300), ("ثلاث مئة", 300), ("مئة وخمسين", 150), ("ألف", 1000),
    ("ثلاثة آلاف", 3000), ("29", 29), ("٢٩", 29), ("۱۲", 12), ("و23", 23), ("بثلاث", 3),
]


@pytest.mark.parametrize(("text", "value"), CARDINALS, ids=[c[0] for c in CARDINALS])
def test_parse_cardinal(text: str, value: int) -> None:
    toks = words(text)
    got = parse_cardinal(toks, 0)
    assert got is not None and got[0] == value and got[1] == len(toks)


@pytest.mark.parametrize("text", ["آلاف", "عشرات", "الأحد", "قتلى", ""])
def test_not_a_cardinal(text: str) -> None:
    assert parse_cardinal(words(text), 0) is None


ORDINALS = [("الأول", 1), ("الثانية", 2), ("السابع", 7), ("العاشر", 10), ("الحادي عشر", 11),
            ("الثالث عشر", 13), ("العشرين", 20), ("الحادي والعشرين", 21), ("الثلاثين", 30)]


@pytest.mark.parametrize(("text", "value"), ORDINALS, ids=[c[0] for c in ORDINALS])
def test_parse_ordinal(text: str, value: int) -> None:
    assert parse_ordinal(words(text), 0) == (value, len(words(text)))


def test_fold_and_clitics() -> None:
    assert fold("إدلبُ") == fold("ادلب")
    assert fold("الرمادى") == fold("الرمادي")
    assert fold("مسؤول") == fold("مسوول")
    assert clitic_variants("وبالبوكمال")[-1] == "البوكمال"
    assert light_stem(fold("الإيرانية")) == light_stem(fold("إيران"))


def _lexicon_words(module: object) -> list[str]:
    out: list[str] = []
    for name, value in vars(module).items():
        if not name.isupper() or name in ("CLITICS",):
            continue
        items = value.keys() if isinstance(value, dict) else value if isinstance(value, (set, frozenset)) else []
        for item in items:
            out += [x for x in (item if isinstance(item, tuple) else (item,)) if isinstance(x, str)]
    return out


@pytest.mark.parametrize("module", [numbers, dates, casualties, gazetteer, actors, merge, facts])
def test_every_lexicon_entry_is_written_folded(module: object) -> None:
    """Lookups fold the text first, so an unfolded entry (أ, ة, ى, ئ) could never match."""
    unfolded = [w for w in _lexicon_words(module) if fold(w) != w]
    assert unfolded == []
