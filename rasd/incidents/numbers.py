"""Arabic numbers in words and digits, read from folded tokens.

Counts in news text are written every way at once: ``29``, ``٢٩``, ``خمسة``,
``ثلاثة عشر``, ``اثنين وعشرين``, ``مئتي``; days of the month as ordinals
(``السابع``, ``الحادي والعشرين``). The parsers here read one number starting at a token
and say where it ended, so callers can look at what follows (a noun, ``من``, a month).
Tokens must already be folded (:func:`rasd.incidents.arabic.fold`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

UNITS = {
    "واحد": 1, "واحده": 1, "احد": 1, "احدي": 1,
    "اثنان": 2, "اثنين": 2, "اثنتان": 2, "اثنتين": 2, "اثنا": 2, "اثني": 2, "اثنتا": 2, "اثنتي": 2,
    "ثلاث": 3, "ثلاثه": 3, "اربع": 4, "اربعه": 4, "خمس": 5, "خمسه": 5, "ست": 6, "سته": 6,
    "سبع": 7, "سبعه": 7, "ثمان": 8, "ثماني": 8, "ثمانيه": 8, "تسع": 9, "تسعه": 9,
}
TEN = {"عشر", "عشره"}
TENS = {
    "عشرون": 20, "عشرين": 20, "ثلاثون": 30, "ثلاثين": 30, "اربعون": 40, "اربعين": 40,
    "خمسون": 50, "خمسين": 50, "ستون": 60, "ستين": 60, "سبعون": 70, "سبعين": 70,
    "ثمانون": 80, "ثمانين": 80, "تسعون": 90, "تسعين": 90,
}
HUNDREDS = {"ميه": 100, "مايه": 100, "ميتان": 200, "ميتين": 200, "مايتان": 200,
            "مايتين": 200, "ميتا": 200, "ميتي": 200, "مايتا": 200, "مايتي": 200}
THOUSANDS = {"الف": 1000, "الفا": 1000, "الفان": 2000, "الفين": 2000, "الاف": 1000}
ORDINALS = {
    "الاول": 1, "الاولي": 1, "الحادي": 1, "الحاديه": 1, "الثاني": 2, "الثانيه": 2,
    "الثالث": 3, "الثالثه": 3, "الرابع": 4, "الرابعه": 4, "الخامس": 5, "الخامسه": 5,
    "السادس": 6, "السادسه": 6, "السابع": 7, "السابعه": 7, "الثامن": 8, "الثامنه": 8,
    "التاسع": 9, "التاسعه": 9, "العاشر": 10, "العاشره": 10,
}
_DIGITS = re.compile(r"^\d{1,7}$")


def _bare(token: str) -> list[str]:
    """The token and the token without a leading و/ب/ل (``وعشرين``, ``بثلاث``)."""
    out = [token]
    if len(token) > 2 and token[0] in "وبلف":
        out.append(token[1:])
        if len(token) > 3 and token[1] in "بل":
            out.append(token[2:])
    return out


def _word_value(token: str) -> tuple[str, int] | None:
    """(kind, value) for a single number word or digit string, clitics allowed."""
    for t in _bare(token):
        if _DIGITS.match(t):
            return "digits", int(t)
        if t in UNITS:
            return "unit", UNITS[t]
        if t in TEN:
            return "ten", 10
        if t in TENS:
            return "tens", TENS[t]
        if t in HUNDREDS:
            return "hundred", HUNDREDS[t]
        if t in THOUSANDS:
            return "thousand", THOUSANDS[t]
        for u, v in UNITS.items():  # fused hundreds: ثلاثمئة, خمسمائة
            for h in ("ميه", "مايه"):
                if t == u + h and v >= 3:
                    return "hundred", v * 100
    return None


def parse_cardinal(tokens: Sequence[str], i: int) -> tuple[int, int] | None:
    """Read a cardinal number starting at ``tokens[i]``: ``(value, index after it)`` or None.

    >>> parse_cardinal("اثنين وعشرين صاروخا".split(), 0)
    (22, 2)
    >>> parse_cardinal("ثلاثه عشر جنديا".split(), 0)
    (13, 2)
    >>> parse_cardinal("ثلاث ميه وخمسين".split(), 0)
    (350, 3)
    >>> parse_cardinal(["و23"], 0)
    (23, 1)
    """
    if i >= len(tokens):
        return None
    first = _word_value(tokens[i])
    if first is None:
        return None
    kind, value = first
    j = i + 1
    if kind == "digits":
        return value, j
    total = 0
    if kind == "unit" and j < len(tokens) and tokens[j] in TEN:  # 11..19
        value, j = value + 10, j + 1
    if kind == "unit" and j < len(tokens) and _word_value(tokens[j]) == ("hundred", 100):
        value, j = value * 100, j + 1  # ثلاث مئه
    elif kind == "unit" and j < len(tokens) and tokens[j] in ("الاف", "الف"):
        value, j = value * 1000, j + 1
    elif kind == "thousand" and tokens[i] == "الاف":
        return None  # آلاف alone is "thousands", not a count
    total = value
    # Conjoined parts: خمسة وعشرون, مئه وخمسون, الف ومئتان
    while j < len(tokens) and tokens[j].startswith("و") and len(tokens[j]) > 1:
        nxt = _word_value(tokens[j][1:])
        if nxt is None:
            break
        nkind, nvalue = nxt
        if nkind == "tens" and total % 10 == total and total < 10:
            total, j = total + nvalue, j + 1
        elif nkind in ("unit", "tens", "digits") and total >= 100 and nvalue < 100:
            sub = parse_cardinal([tokens[j][1:], *tokens[j + 1:]], 0)
            if sub is None:
                break
            total, j = total + sub[0], j + sub[1]
        elif nkind == "hundred" and total >= 1000:
            total, j = total + nvalue, j + 1
        else:
            break
    return total, j


def parse_ordinal(tokens: Sequence[str], i: int) -> tuple[int, int] | None:
    """Read a day-of-month ordinal (``السابع``, ``الحادي عشر``, ``الثاني والعشرين``).

    >>> parse_ordinal("الحادي والعشرين من".split(), 0)
    (21, 2)
    >>> parse_ordinal("الثالث عشر".split(), 0)
    (13, 2)
    >>> parse_ordinal(["العشرين"], 0)
    (20, 1)
    """
    if i >= len(tokens):
        return None
    tok = tokens[i]
    if tok.startswith("ال") and tok[2:] in TENS:
        return TENS[tok[2:]], i + 1
    if tok not in ORDINALS:
        return None
    value, j = ORDINALS[tok], i + 1
    if value < 10 and j < len(tokens) and tokens[j] in TEN:
        return value + 10, j + 1
    if value < 10 and j < len(tokens) and tokens[j].startswith("وال") and tokens[j][3:] in TENS:
        return value + TENS[tokens[j][3:]], j + 1
    return value, j
