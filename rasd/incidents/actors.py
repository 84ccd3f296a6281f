"""PERPETRATOR, TARGET, WEAPON and SOURCE mentions to table values.

One report names the same side several ways (``قسد``, ``قوات سوريا الديمقراطية``,
``قواتها``). Mentions are grouped into sides by shared content words (generic heads such
as ``قوات``/``ميليشيا`` do not count) and a small alias table for the names that share no
word with their long form; a side is shown by its longest mention, the most informative
one. Mentions are cleaned of the clitics the annotation keeps (``والقوات`` -> ``القوات``).
:func:`sides_conflict` is what the merge step uses to tell a retaliation (the other side
firing back) from another sentence about the same attack.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from rasd.incidents.arabic import fold, light_stem, strip_article, words

# Head nouns of actor and weapon phrases: a leading و/ب/ل before them is a clitic.
HEADS = {
    "ميليشيا", "ميليشيات", "مليشيا", "مليشيات", "قوات", "عناصر", "مسلحين", "مسلحون", "مسلحي", "جماعه",
    "جماعات", "تنظيم", "فصايل", "فصيل", "جيش", "طيران", "حركه", "حزب", "لواء", "كتايب", "مقاتلي", "مقاتلو",
    "مقاتلين", "خلايا", "قسد", "داعش", "طايرات", "طايره", "مروحيات", "مقاتلات", "دوريه", "رتل", "مجموعه",
    "مجموعات", "عشيره", "ابناء", "قبايل", "صواريخ", "صاروخ", "صاروخا", "قذايف", "قذيفه", "مسيره", "مسيرات",
    "عبوه", "عبوات", "لغم", "الغام", "سياره", "مدفعيه", "مدافع", "راجمات", "دبابات", "اسلحه", "رشاشات",
    "زورق", "دراجه", "صهريج", "منظومه", "منظومات", "نيران", "غارات", "غاره", "وزاره", "مصادر", "مصدر",
    "مراسل", "موقع", "وكاله", "شبكه", "قناه", "مسوول", "المرصد", "مرصد", "سكان", "شهود", "ناشطون", "ناشطين",
    "عربات", "عربه", "مدرعات", "سفن", "سفينه", "بوارج", "قطع",
}
# Words that say what kind of actor, not which one.
GENERIC = {
    "ميليشيا", "ميليشيات", "مليشيا", "مليشيات", "قوات", "قواتها", "قواته", "قواتهم", "عناصر", "مسلحين",
    "مسلحون", "مسلحي", "جماعه", "جماعات", "تنظيم", "فصايل", "فصيل", "جيش", "طيران", "حركه", "مقاتلي",
    "مقاتلو", "مقاتلين", "مقاتليها", "خلايا", "وحدات", "مجموعه", "مجموعات", "المدعومه", "الموالي", "المواليه",
    "الموالين", "التابعه", "التابع", "من", "في", "علي", "عن", "مع", "الي", "و", "مجهولين", "مجهولون",
    "مجهوله", "الجهه", "جهه", "الطرفين", "عسكريه", "العسكريه", "المسلحه", "الحربي", "الحربيه", "الجوي",
}
# Names that share no word with their long forms.
ALIASES = {
    "قسد": "sdf", "الديمقراطيه": "sdf", "الحوثي": "houthi", "الحوثيين": "houthi", "الحوثيون": "houthi",
    "الحوثيه": "houthi", "حوثيه": "houthi", "انصار": "houthi", "داعش": "isis", "الاسلاميه": "isis",
    "امريكا": "us", "الامريكيه": "us", "الامريكي": "us", "الاميركيه": "us", "الاميركي": "us",
    "واشنطن": "us", "البنتاغون": "us", "سنتكوم": "us", "الامريكيين": "us", "ايران": "iran",
    "الايرانيه": "iran", "الايراني": "iran", "الثوري": "iran", "تركيا": "turkey", "التركي": "turkey",
    "التركيه": "turkey", "انقره": "turkey", "روسيا": "russia", "الروسيه": "russia", "الروسي": "russia",
    "اسراييل": "israel", "الاسراييلي": "israel", "الاسراييليه": "israel", "الاحتلال": "israel",
    "العراق": "iraq", "العراقي": "iraq", "العراقيه": "iraq", "لبنان": "lebanon", "اللبناني": "lebanon",
    "اللبنانيه": "lebanon", "النظام": "syria", "السوري": "syria", "السوريه": "syria", "حزب": "hezbollah",
    "اليمني": "yemen", "اليمنيه": "yemen", "السعودي": "saudi", "السعوديه": "saudi",
}
TAGS = frozenset(ALIASES.values())


def clean_mention(text: str) -> str:
    """The mention without leading clitics or punctuation the annotation left on it.

    >>> clean_mention("والقوات الأمريكية"), clean_mention("لميليشيا حزب الله"), clean_mention("للتحالف")
    ('القوات الأمريكية', 'ميليشيا حزب الله', 'التحالف')
    >>> clean_mention("وحدات حماية الشعب"), clean_mention("لـنورث برس")
    ('وحدات حماية الشعب', 'نورث برس')
    """
    text = text.strip()
    text = re.sub(r"^[وفبل]\u0640+", "", text)
    first, _, rest = text.partition(" ")
    f = fold(first)
    if f.startswith("لل") and len(f) > 4:
        first = "ال" + first[2:]
    else:
        for n in (2, 1):
            if len(f) > n + 2 and all(c in "وفبل" for c in f[:n]) and (f[n:].startswith("ال") or f[n:] in HEADS):
                first = first[n:]
                break
    return f"{first} {rest}".strip()


def _generic(word: str) -> bool:
    """``الميليشيا``, ``مقاتلاته``, ``قواتها``: a kind of actor, with article or pronoun."""
    if {word, strip_article(word)} & GENERIC:
        return True
    for suffix in ("هما", "هم", "ها", "ه"):
        stem = word[: -len(suffix)]
        if word.endswith(suffix) and len(stem) >= 3 and (stem in GENERIC or stem in HEADS):
            return True
    return False


def side_keys(mention: str) -> frozenset[str]:
    """What identifies a side: alias tags and stems of the non-generic words.

    >>> sorted(side_keys("قوات سوريا الديمقراطية"))
    ['sdf', 'ديمقراط', 'سور']
    >>> side_keys("قسد") & side_keys("قوات سوريا الديمقراطية")
    frozenset({'sdf'})
    """
    keys = set()
    for w in words(clean_mention(mention)):
        if w in ALIASES:
            keys.add(ALIASES[w])
        if len(w) < 3 or _generic(w):
            continue
        stem = light_stem(w)
        if stem in ALIASES:
            keys.add(ALIASES[stem])
        keys.add(stem)
    return frozenset(keys)


def sides_conflict(a: Iterable[str], b: Iterable[str], *, strong: bool = False) -> bool:
    """True when two sets of mentions name clearly different sides (both say who, no overlap).

    ``strong`` asks for more: both sides carry a country or known-group tag and the tags
    differ (a unit name such as ``الفرقة السابعة`` then never conflicts with ``الجيش العراقي``).

    >>> sides_conflict(["ميليشيا لواء الباقر"], ["القوات الأمريكية"])
    True
    >>> sides_conflict(["الطيران التركي"], ["قواتها"]), sides_conflict(["جماعة الحوثي"], ["أنصار الله"])
    (False, False)
    """
    ka = frozenset().union(*map(side_keys, a)) if a else frozenset()
    kb = frozenset().union(*map(side_keys, b)) if b else frozenset()
    if strong:
        ka, kb = ka & TAGS, kb & TAGS
    return bool(ka) and bool(kb) and not (ka & kb)


def group_mentions(mentions: Iterable[str]) -> list[list[str]]:
    """Mentions grouped by side, in order of first appearance (clean forms)."""
    groups: list[tuple[set[str], list[str]]] = []
    for m in mentions:
        m = clean_mention(m)
        if not m:
            continue
        keys = side_keys(m)
        for gkeys, members in groups:
            if keys & gkeys or fold(m) in {fold(x) for x in members}:
                gkeys |= keys
                members.append(m)
                break
        else:
            groups.append((set(keys), [m]))
    return [members for _, members in groups]


def longest(mentions: Iterable[str]) -> str:
    """The longest mention (ties: the first), which names the side most fully.

    >>> longest(["قسد", "قوات سوريا الديمقراطية", "قواتها"])
    'قوات سوريا الديمقراطية'
    """
    best = ""
    for m in mentions:
        if len(m) > len(best):
            best = m
    return best


def actor_names(mentions: Iterable[str]) -> list[str]:
    """One name per side, the side mentioned most first (ties: first mentioned).

    >>> actor_names(["قسد", "مسلحين من عشيرة العكيدات", "قوات سوريا الديمقراطية"])
    ['قوات سوريا الديمقراطية', 'مسلحين من عشيرة العكيدات']
    """
    groups = group_mentions(mentions)
    order = sorted(range(len(groups)), key=lambda i: (-len(groups[i]), i))
    return [longest(groups[i]) for i in order]
