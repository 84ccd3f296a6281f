"""Actor, weapon and source mentions: cleaning, grouping by side, conflicts."""

from __future__ import annotations

import pytest

from rasd.incidents.actors import actor_names, clean_mention, group_mentions, sides_conflict

CLEAN = [
    ("والقوات الأمريكية", "القوات الأمريكية"), ("لميليشيا حزب الله العراقي", "ميليشيا حزب الله العراقي"),
    ("للتحالف", "التحالف"), ("بقذائف مدفعية ثقيلة", "قذائف مدفعية ثقيلة"), ("بطائرة مسيرة", "طائرة مسيرة"),
    ("وحدات حماية الشعب", "وحدات حماية الشعب"), ("وكالة رويترز", "وكالة رويترز"), ("لـنورث برس", "نورث برس"),
    ("ومسلحين من التنظيم", "مسلحين من التنظيم"), ("وقسد", "قسد"), ("بنادق آلية", "بنادق آلية"),
    ("بالبنادق الآلية", "البنادق الآلية"),
]


@pytest.mark.parametrize(("text", "clean"), CLEAN, ids=[c[0] for c in CLEAN])
def test_clean_mention(text: str, clean: str) -> None:
    assert clean_mention(text) == clean


@pytest.mark.parametrize(("a", "b", "conflict"), [
    (["ميليشيا لواء الباقر"], ["القوات الأمريكية"], True),
    (["الطيران التركي"], ["قواتها"], False),
    (["جماعة الحوثي"], ["الحوثيون"], False),
    (["قسد"], ["قوات سوريا الديمقراطية"], False),
    (["الحرس الثوري الإيراني"], ["الحرس الثوري"], False),
    (["القوات الأمريكية"], ["واشنطن"], False),
    ([], ["القوات الأمريكية"], False),
    (["تنظيم داعش"], ["مسلحون من تنظيم الدولة الإسلامية"], False),
    (["الجيش الإسرائيلي"], ["حزب الله"], True),
])
def test_sides_conflict(a: list[str], b: list[str], conflict: bool) -> None:
    assert sides_conflict(a, b) is conflict


def test_longest_mention_names_the_side() -> None:
    assert actor_names(["قسد", "مسلحين من عشيرة العكيدات", "قوات سوريا الديمقراطية", "قواتها"])[:2] == [
        "قوات سوريا الديمقراطية", "مسلحين من عشيرة العكيدات"]
    assert group_mentions(["صواريخ غراد", "ثلاثة صواريخ", "الصواريخ"]) == [
        ["صواريخ غراد", "ثلاثة صواريخ", "الصواريخ"]]
    assert actor_names([]) == []
