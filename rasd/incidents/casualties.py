"""CASUALTIES slots to counts of killed and injured.

The annotated span often holds only the victims (``[ستة أشخاص على الأقل]``) while the verb
that says what happened to them sits outside it (``قُتل``, ``أصيبوا``), so the parser reads
the span plus a few words of context on each side. Counts come as digits (Western or
Eastern), number words (``ثلاثة عشر``, ``اثنين وعشرين``), duals (``جنديين``, ``راعيان``)
or a singular noun (``مقتل راعٍ`` is one). ``عدد من``, ``قتلى وجرحى`` or a bare plural give
no number: the count stays empty and carries the ``unknown`` flag, so a table never shows 0
for "some". ``نحو``/``حوالي`` flag ``approximate``; ``أكثر من``/``على الأقل``/``عشرات`` flag
``lower_bound``. Victims listed after ``بينهم`` are a subset and are not counted again.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rasd.incidents.arabic import clitic_variants, strip_article, words
from rasd.incidents.numbers import UNITS, parse_cardinal

KILLED, INJURED = "killed", "injured"

# Words that say what happened; the value is the count they carry themselves (None: needs one).
KEYWORDS: dict[str, tuple[str, int | None]] = {
    **dict.fromkeys(["مقتل", "قتل", "قتلت", "قتلوا", "يقتل", "تقتل", "مصرع", "مصرعهم", "مصرعه", "وفاه",
                     "توفي", "توفيت", "توفوا", "استشهاد", "استشهد", "استشهدوا", "قضي", "قضوا", "لقي",
                     "لقوا", "حتفه", "حتفهم", "حتفهما", "بحياه", "اودي", "اودت", "اغتيال", "جثث", "جثه",
                     "مقتله", "مقتلهم", "قتلهم", "اعدام"], (KILLED, None)),
    **dict.fromkeys(["قتيل", "قتيلا", "شهيد", "شهيدا", "ضحيه"], (KILLED, 1)),
    **dict.fromkeys(["قتيلين", "قتيلان", "شهيدين", "شهيدان", "ضحيتين", "ضحيتان"], (KILLED, 2)),
    **dict.fromkeys(["قتلي", "شهداء", "ضحايا"], (KILLED, None)),
    **dict.fromkeys(["اصابه", "اصابات", "اصيب", "اصيبت", "اصيبوا", "يصاب", "جرح", "جرحت", "جرحوا",
                     "بجروح", "جروح", "اصابتهم", "اصابته"], (INJURED, None)),
    **dict.fromkeys(["جريح", "جريحا", "مصاب", "مصابا"], (INJURED, 1)),
    **dict.fromkeys(["جريحين", "جريحان", "مصابان"], (INJURED, 2)),
    **dict.fromkeys(["جرحي", "مصابين", "مصابون"], (INJURED, None)),
}
# Keyword nouns that can follow a number and take it (ثلاثة قتلى, 13 قتيلا).
COUNTED_NOUNS = {"قتلي", "قتيلا", "قتيل", "شهداء", "شهيدا", "جرحي", "جريحا", "مصابين", "مصابا", "ضحايا"}
# Person nouns whose singular means one victim (مقتل جندي) and whose dual is unambiguous.
PERSON = {
    "جندي", "عنصر", "شخص", "مدني", "طفل", "طفله", "امراه", "سيده", "رجل", "شاب", "فتاه", "مقاتل",
    "مسلح", "ضابط", "عسكري", "شرطي", "مواطن", "راع", "راعي", "سايق", "متعاقد", "قيادي", "قايد",
    "مسوول", "عامل", "موظف", "صياد", "مزارع", "كاهن", "مرافق", "حارس", "معلم", "طبيب", "ممرض",
    "مسعف", "صحفي", "مصور", "ناشط", "اخر", "معاون", "والد", "ابن", "شقيق", "شقيقه", "ام", "اب",
    "زوج", "زوجه", "امه", "مهاجر", "زميل", "طالب", "تلميذ", "لاجي", "نازح", "بحار", "مهندس",
    "ثالث", "رابع", "خامس", "مجند", "احد", "رييس", "مدير", "محافظ", "وزير", "نايب", "امام", "شيخ", "عقيد", "عميد", "رايد", "نقيب", "ملازم", "رقيب",
}
DUAL_STEMS = {"جندي", "عنصر", "شخص", "طفل", "رجل", "شاب", "ضابط", "حارس", "راعي", "امرات", "سيدت",
              "طفلت", "فتات", "مواطن", "مدني", "قيادي", "مقاتل", "مسلح", "عسكري", "مرافق", "مزارع",
              "صياد", "زميل", "طالب", "بحار", "مجند"}
# Duals whose spelling is also a sound plural: only a dual when followed by اثنين/اثنان.
PLURAL_LOOKALIKE = {"مواطن", "مدني", "قيادي", "مقاتل", "مسلح", "عسكري", "مزارع", "صياد", "بحار", "مجند"}
SUBSET = {"بينهم", "منهم", "بينهن", "بينهما", "بينها", "معظمهم", "اغلبهم", "غالبيتهم"}
APPROX = {"نحو", "حوالي", "قرابه", "زهاء", "يقارب", "تقريبا"}
LOWER = {"اكثر", "يزيد", "يقل"}
UNKNOWN_WORDS = {"عدد", "عشرات", "ميات", "العشرات", "الميات", "الاف", "بعض", "عده"}


@dataclass(frozen=True)
class Count:
    """How many people: ``value`` is None when the report gives no number."""

    value: int | None
    flags: frozenset[str] = field(default_factory=frozenset)

    def plus(self, other: Count) -> Count:
        if self.value is None or other.value is None:
            known = self.value if other.value is None else other.value
            value = known if (self.value is None) != (other.value is None) else None
            flags = self.flags | other.flags | ({"lower_bound"} if value is not None else set())
            return Count(value, frozenset(flags))
        return Count(self.value + other.value, self.flags | other.flags)


@dataclass(frozen=True)
class Casualties:
    """Killed and injured as read from one or more CASUALTIES mentions; None: not mentioned."""

    killed: Count | None = None
    injured: Count | None = None

    def get(self, category: str) -> Count | None:
        return self.killed if category == KILLED else self.injured

    def add(self, other: Casualties) -> Casualties:
        """Both mentions describe different victims of one event (same sentence): sum."""
        return Casualties(*(_sum(self.get(c), other.get(c)) for c in (KILLED, INJURED)))

    def best(self, other: Casualties) -> Casualties:
        """Two tellings of the same event (different sentences): the larger known count."""
        return Casualties(*(_best(self.get(c), other.get(c)) for c in (KILLED, INJURED)))


def _sum(a: Count | None, b: Count | None) -> Count | None:
    return b if a is None else a if b is None else a.plus(b)


def _best(a: Count | None, b: Count | None) -> Count | None:
    if a is None or b is None:
        return b if a is None else a
    if a.value is None or b.value is None:
        return a if b.value is None and a.value is not None else b if a.value is None and b.value is not None \
            else Count(None, a.flags | b.flags)
    return a if a.value >= b.value else b


def keyword(token: str) -> tuple[str, int | None] | None:
    """The casualty category (and built-in count) a folded word names, clitics allowed.

    >>> keyword("وإصابة".replace("إ", "ا").replace("ة", "ه")), keyword("القتيلين")
    (('injured', None), ('killed', 2))
    """
    if token in KEYWORDS:
        return KEYWORDS[token]
    for v in clitic_variants(token)[1:] + [strip_article(token)]:
        if v in KEYWORDS:
            return KEYWORDS[v]
    return None


def _person(token: str) -> int | None:
    """1 for a singular person noun, 2 for a dual, 0 for anything else (plural or unknown)."""
    for v in {token, strip_article(token), *clitic_variants(token)[1:]}:
        base = v[:-1] if v.endswith("ا") and len(v) > 3 else v  # accusative tanween: جنديا
        for suffix in ("", "ه", "ها", "هم", "هما"):  # possessives: ومرافقه, ووالده
            stem = base[: len(base) - len(suffix)] if suffix and base.endswith(suffix) else base
            if (suffix == "" or stem != base) and (stem in PERSON or stem.endswith("ت") and stem[:-1] + "ه" in PERSON):
                return 1
        for suffix in ("ين", "ان"):
            if v.endswith(suffix) and v[: -len(suffix)] in DUAL_STEMS:
                return -2 if v[: -len(suffix)] in PLURAL_LOOKALIKE else 2
    return 0


def parse_casualties(text: str, *, before: str = "", after: str = "", default: str | None = None) -> Casualties:
    """Count killed and injured in one CASUALTIES mention.

    ``before``/``after`` are the sentence text around the span (only a few words are read);
    ``default`` is the category of the previous mention in the sentence, for lists such as
    ``مقتل [7 من عناصر قسد] [و23 مهاجماً]``.

    >>> c = parse_casualties("مقتل جندي وإصابة ستة آخرين")
    >>> c.killed.value, c.injured.value
    (1, 6)
    >>> parse_casualties("ستة أشخاص على الأقل", before="قُتل").killed
    Count(value=6, flags=frozenset({'lower_bound'}))
    >>> parse_casualties("قتلى وجرحى").injured
    Count(value=None, flags=frozenset({'unknown'}))
    """
    toks = words(text)
    for i, t in enumerate(toks):
        if t in SUBSET or (t == "من" and i + 1 < len(toks) and toks[i + 1] in SUBSET):
            toks = toks[:i]
            break
    context = _context_category(words(before)[-6:], words(after)[:3]) or default
    groups = _groups(toks)
    out = Casualties()
    category = context
    pending: list[int] = []  # groups that named a category but no count: مقتل وإصابة 7
    for gi, g in enumerate(groups):
        own = next((keyword(t) for t in g if keyword(t)), None)
        count = _group_count(g)
        if own is not None:
            category = own[0]
            if own[1] is not None and not _states_number(g):
                count = Count(own[1])
        if category is None:
            continue
        if (count is None and not _has_count_words(g) and own is not None and own[1] is None
                and not any(strip_article(t) in COUNTED_NOUNS for t in g) and gi + 1 < len(groups)):
            pending.append(gi)  # e.g. "مقتل" in "مقتل وإصابة 7 أشخاص"
            continue
        if count is None:
            count = Count(None, frozenset({"unknown"}))
        if pending:
            cats = {keyword(t)[0] for p in pending for t in groups[p] if keyword(t)} | {category}
            if len(cats) > 1:  # one number for killed and injured together: split unknown
                flags = frozenset({"unknown", "combined"} | (count.flags - {"unknown"}))
                for c in cats:
                    out = out.add(_one(c, Count(None, flags)))
                pending = []
                continue
            pending = []
        out = out.add(_one(category, count))
    for p in pending:
        cat = next((keyword(t)[0] for t in groups[p] if keyword(t)), None)
        if cat:
            out = out.add(_one(cat, Count(None, frozenset({"unknown"}))))
    return out


def _one(category: str, count: Count) -> Casualties:
    return Casualties(killed=count) if category == KILLED else Casualties(injured=count)


def _context_category(before: list[str], after: list[str]) -> str | None:
    for t in reversed(before):
        k = keyword(t)
        if k:
            return k[0]
    for t in after:
        k = keyword(t)
        if k:
            return k[0]
    return None


def _starts_group(token: str) -> bool:
    if not token.startswith("و") or len(token) < 2 or token in UNITS:
        return False
    rest = token[1:]
    return bool(keyword(token) or parse_cardinal([rest], 0) or _person(rest) in (1, 2) or rest in UNKNOWN_WORDS
                or rest.startswith("ال") and _person(rest) in (1, 2))


def _groups(toks: list[str]) -> list[list[str]]:
    """Split at conjoined counts or categories: ``قتيل | وعشرات الجرحى``."""
    groups: list[list[str]] = [[]]
    for i, t in enumerate(toks):
        if groups[-1] and _starts_group(t) and not _inside_number(toks, i):
            groups.append([])
        groups[-1].append(t)
    return [g for g in groups if g]


def _inside_number(toks: list[str], i: int) -> bool:
    """True when toks[i] continues a number begun before it (اثنين وعشرين)."""
    for k in range(max(0, i - 3), i):
        r = parse_cardinal(toks, k)
        if r and r[1] > i:
            return True
    return False


def _has_count_words(group: list[str]) -> bool:
    return any(parse_cardinal(group, i) or _person(t) > 0 or t in UNKNOWN_WORDS or t.lstrip("و") in UNKNOWN_WORDS
               for i, t in enumerate(group))


def _states_number(group: list[str]) -> bool:
    return any(parse_cardinal(group, i) or t.lstrip("و") in UNKNOWN_WORDS for i, t in enumerate(group))


def _group_count(group: list[str]) -> Count | None:
    """The number a group states, or None when it states none at all."""
    flags: set[str] = set()
    for i, t in enumerate(group):
        bare = t[1:] if t.startswith("و") and len(t) > 2 else t
        if bare in APPROX:
            flags.add("approximate")
        if bare in LOWER or (bare == "الاقل" and i > 0 and group[i - 1] == "علي"):
            flags.add("lower_bound")
        num = parse_cardinal(group, i)
        if num and not (bare == "احد" and i + 1 < len(group) and group[i + 1] == "عشر"):
            tail = group[num[1]:]
            if any(x == "الاقل" for x in tail[:3]) and "علي" in tail[:3]:
                flags.add("lower_bound")
            return Count(num[0], frozenset(flags))
        if bare in UNKNOWN_WORDS:
            if bare in ("عشرات", "العشرات", "ميات", "الميات"):
                flags.add("lower_bound")
            return Count(None, frozenset(flags | {"unknown"}))
    for i, t in enumerate(group):
        p = _person(t)
        nxt = group[i + 1] if i + 1 < len(group) else ""
        if p == 2 or (p == -2 and nxt in ("اثنين", "اثنان")):
            return Count(2, frozenset(flags))
        if p == 1:
            return Count(1, frozenset(flags))
        if p == -2:
            break
    return None
