"""CASUALTIES normalization: one row per real phrasing, with the context words around the span."""

from __future__ import annotations

import pytest

from rasd.incidents.casualties import Casualties, Count, parse_casualties

U = "unknown"
# (span text, words before the span, words after it, killed, injured); a count is
# (value, {flags}) or None for "not mentioned".
CASES = [
    ("مقتل جندي", "", "", (1, set()), None),
    ("إصابة جنديين أمريكيين", "", "", None, (2, set())),
    ("مقتل خمسة عناصر من الميليشيات", "", "", (5, set()), None),
    ("مقتل ثلاثة عشر مدنياً", "", "", (13, set()), None),
    ("مقتل 7 من عناصر قسد", "", "", (7, set()), None),
    ("مقتل ٣ وإصابة ١٢", "", "", (3, set()), (12, set())),
    ("مقتل جندي وإصابة ستة آخرين", "", "", (1, set()), (6, set())),
    ("ثلاثة قتلى وأربعة جرحى", "", "", (3, set()), (4, set())),
    ("قتيل وجريحان", "", "", (1, set()), (2, set())),
    ("سقوط قتيلين من المسلحين", "", "", (2, set()), None),
    ("القتيلين", "وقالت مصادر أمنية إن", "عضوان في قوى الأمن", (2, set()), None),
    ("قتلى وجرحى", "", "", (None, {U}), (None, {U})),
    ("قتلى ومصابين في صفوف عناصر الميليشيات", "", "", (None, {U}), (None, {U})),
    ("مقتل عدد من العاملين فيها", "", "", (None, {U}), None),
    ("إصابات طفيفة لعدد من الجنود", "", "", None, (None, {U})),
    ("قتيل وعشرات الجرحى", "", "", (1, set()), (None, {U, "lower_bound"})),
    ("مقتل وإصابة 7 أشخاص", "", "", (None, {U, "combined"}), (None, {U, "combined"})),
    ("مقتل أكثر من 30 عنصراً حوثياً", "", "", (30, {"lower_bound"}), None),
    ("ستة أشخاص على الأقل", "قُتل", "", (6, {"lower_bound"}), None),
    ("أكثر من 20 آخرين", "وأصيب", "", None, (20, {"lower_bound"})),
    ("وأصيب أكثر من مئة", "", "", None, (100, {"lower_bound"})),
    ("نحو اثنين وعشرين قتيلاً", "", "", (22, {"approximate"}), None),
    ("حوالي 40 شخصاً", "لقي", "حتفهم", (40, {"approximate"}), None),
    ("مقتل ثمانية أشخاص بينهم أربعة من الكادر الطبي", "", "", (8, set()), None),
    ("إصابة ثلاثة أشخاص بينهم متعاقد أجنبي", "", "", None, (3, set())),
    ("13 قتيلاً بينهم أطفال", "", "", (13, set()), None),
    ("ثمانية مدنيين بينهم طفلان", "قضى", "", (8, set()), None),
    ("مقتل راعٍ", "", "", (1, set()), None),
    ("مقتل طفلة", "", "", (1, set()), None),
    ("مقتل مدني واحد", "", "", (1, set()), None),
    ("إصابة سائق العجلة بجروح طفيفة", "", "", None, (1, set())),
    ("وفاة متعاقد مدني", "", "", (1, set()), None),
    ("متعاقداً مدنياً أمريكياً", "وقال مسؤول إن", "توفي بنوبة قلبية", (1, set()), None),
    ("أربعة آخرين", "وأفادت الوكالة بأن", "أصيبوا بجروح", None, (4, set())),
    ("راعيان", "أصيب", "بانفجار", None, (2, set())),
    ("ضابطان", "إذ قُتل", "", (2, set()), None),
    ("إصابة امرأتين", "", "", None, (2, set())),
    ("إصابة امرأة وطفلها", "", "", None, (2, set())),
    ("وإصابة أمه وشقيقته", "", "", None, (2, set())),
    ("كاهناً أرمنياً ووالده", "قتل مسلحون مجهولون", "", (2, set()), None),
    ("مقتل قيادي في حركة النجباء ومرافقه", "", "", (2, set()), None),
    ("مقتل القائد العسكري", "", "", (1, set()), None),
    ("مقتل أحدهم", "", "", (1, set()), None),
    ("مدنيين اثنين", "إصابة", "", None, (2, set())),
    ("استشهاد أربعة من أفراد الجيش", "", "", (4, set()), None),
    ("جرح تسعة آخرون", "", "", None, (9, set())),
    ("جثث 14 شخصاً", "انتشلت", "", (14, set()), None),
    ("121 شخصاً من عناصر قسد والعاملين في السجن", "وأودت المعارك بحياة", "", (121, set()), None),
    ("ثلاثمائة قتيل", "", "", (300, set()), None),
    ("خمسة وعشرين شخصاً", "ومقتل", "", (25, set()), None),
    ("أصيب مهاجر أفريقي", "", "", None, (1, set())),
    ("عشرات المقاتلين من الطرفين", "", "لقوا مصرعهم", (None, {U, "lower_bound"}), None),
]


def _count(c: tuple[int | None, set[str]] | None) -> Count | None:
    return None if c is None else Count(c[0], frozenset(c[1]))


@pytest.mark.parametrize(("text", "before", "after", "killed", "injured"), CASES, ids=[c[0] for c in CASES])
def test_parse_casualties(text: str, before: str, after: str, killed: tuple | None, injured: tuple | None) -> None:
    got = parse_casualties(text, before=before, after=after)
    assert (got.killed, got.injured) == (_count(killed), _count(injured))


def test_enough_cases() -> None:
    assert len(CASES) >= 30


def test_default_category_continues_a_list() -> None:
    assert parse_casualties("و23 مهاجماً", default="killed").killed == Count(23)


def test_no_category_no_count() -> None:
    assert parse_casualties("ثلاثة أشخاص") == Casualties()


def test_same_sentence_mentions_add_up_and_retellings_keep_the_larger() -> None:
    a = parse_casualties("مقتل 7 من عناصر قسد")
    b = parse_casualties("و23 مهاجماً", default="killed")
    assert a.add(b).killed == Count(30)
    assert a.best(parse_casualties("مقتل 9 عناصر")).killed == Count(9)
    unknown = parse_casualties("قتلى وجرحى")
    assert unknown.best(a).killed == Count(7)
    assert a.best(unknown).killed == Count(7)
