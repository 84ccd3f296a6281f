"""Sentence splitting on realistic Arabic news copy."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rasd.text.sentences import split_sentences


def sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text)]


CASES = [
    pytest.param(
        "دير الزور – شبكة عين الفرات\n\nتعرّضت القاعدة العسكرية داخل حقل العمر النفطي، فجر اليوم الجمعة، "
        "لهجوم بطائرتين مسيّرتين. وقال المراسل إن دويّ انفجارين سُمع في القرى المحيطة.",
        ["دير الزور – شبكة عين الفرات",
         "تعرّضت القاعدة العسكرية داخل حقل العمر النفطي، فجر اليوم الجمعة، لهجوم بطائرتين مسيّرتين.",
         "وقال المراسل إن دويّ انفجارين سُمع في القرى المحيطة."],
        id="dateline-paragraphs",
    ),
    pytest.param(
        "نورث برس 2022.11.18 | 07:57\nقصفت القوات التركية قرية تل طويل بريف الحسكة.",
        ["نورث برس 2022.11.18 | 07:57", "قصفت القوات التركية قرية تل طويل بريف الحسكة."],
        id="timestamp-line",
    ),
    pytest.param(
        "الحسكة 2022.11.18 | 07:57 قصفت القوات التركية قرية تل طويل. ولم ترد معلومات عن إصابات.",
        ["الحسكة 2022.11.18 | 07:57 قصفت القوات التركية قرية تل طويل.", "ولم ترد معلومات عن إصابات."],
        id="inline-timestamp",
    ),
    pytest.param(
        "سقطت 3.5 طن من القذائف عيار 107 مم على المنطقة. وأصيب 2 من العناصر بجروح.",
        ["سقطت 3.5 طن من القذائف عيار 107 مم على المنطقة.", "وأصيب 2 من العناصر بجروح."],
        id="decimal-and-calibre",
    ),
    pytest.param(
        "وقع الهجوم في ٢٠٢٢.١١.١٨ قرب الحقل. ثم انسحبت القوات.",
        ["وقع الهجوم في ٢٠٢٢.١١.١٨ قرب الحقل.", "ثم انسحبت القوات."],
        id="eastern-digit-date",
    ),
    pytest.param(
        "قال د. محمد الأحمد إن القصف استهدف الحي. وأضاف أن الأهالي نزحوا.",
        ["قال د. محمد الأحمد إن القصف استهدف الحي.", "وأضاف أن الأهالي نزحوا."],
        id="arabic-title-abbreviation",
    ),
    pytest.param(
        "وأكدت القيادة U.S. Central Command أن الهجوم فشل. ولم تذكر تفاصيل.",
        ["وأكدت القيادة U.S. Central Command أن الهجوم فشل.", "ولم تذكر تفاصيل."],
        id="latin-initials",
    ),
    pytest.param(
        "تأسست المدينة عام 1250 م. وفي عام 1445 هـ. أعيد بناؤها.",
        ["تأسست المدينة عام 1250 م.", "وفي عام 1445 هـ.", "أعيد بناؤها."],
        id="year-markers-end-sentences",
    ),
    pytest.param(
        "وقال المتحدث: «لن نسمح بذلك. سنرد في الوقت المناسب» مضيفاً أن القوات في حالة تأهب. ثم غادر.",
        ["وقال المتحدث: «لن نسمح بذلك. سنرد في الوقت المناسب» مضيفاً أن القوات في حالة تأهب.", "ثم غادر."],
        id="guillemet-quote-kept-whole",
    ),
    pytest.param(
        "وقال المصدر: «انتهى الهجوم.» وأضاف أن فرق الإسعاف وصلت.",
        ["وقال المصدر: «انتهى الهجوم.»", "وأضاف أن فرق الإسعاف وصلت."],
        id="closing-guillemet-stays",
    ),
    pytest.param(
        "وكتب على حسابه “لن نتراجع. هذا وعد” قبل أن يحذف المنشور. وبقي الموقف غامضاً.",
        ["وكتب على حسابه “لن نتراجع. هذا وعد” قبل أن يحذف المنشور.", "وبقي الموقف غامضاً."],
        id="curly-quote-kept-whole",
    ),
    pytest.param(
        'وقال "انتهى الأمر. لا شيء بعد اليوم" ثم غادر. وأضاف المصدر أن الوضع هادئ.',
        ['وقال "انتهى الأمر. لا شيء بعد اليوم" ثم غادر.', "وأضاف المصدر أن الوضع هادئ."],
        id="ascii-quote-kept-whole",
    ),
    pytest.param(
        "هل كان الهجوم متوقعاً؟ يقول السكان إنهم سمعوا دوي الانفجارات! ولم يصب أحد.",
        ["هل كان الهجوم متوقعاً؟", "يقول السكان إنهم سمعوا دوي الانفجارات!", "ولم يصب أحد."],
        id="question-and-exclamation",
    ),
    pytest.param(
        "ولم تصدر أي تعليقات رسمية حتى الآن اقرأ أيضاً: قصف تركي على ريف الحسكة",
        ["ولم تصدر أي تعليقات رسمية حتى الآن", "اقرأ أيضاً: قصف تركي على ريف الحسكة"],
        id="inline-read-also",
    ),
    pytest.param(
        "ارتفعت الأسعار بنسبة 5 في المئة.\n\nاقرأ أيضاً: ارتفاع أسعار الذهب في الأسواق السورية",
        ["ارتفعت الأسعار بنسبة 5 في المئة.", "اقرأ أيضاً: ارتفاع أسعار الذهب في الأسواق السورية"],
        id="read-also-line",
    ),
    pytest.param(
        "ويستمر المعرض عشرة أيام.\n\n(صورة: زوار يتجولون بين أجنحة المعرض. تصوير: المدى)",
        ["ويستمر المعرض عشرة أيام.", "(صورة: زوار يتجولون بين أجنحة المعرض. تصوير: المدى)"],
        id="caption-in-parentheses",
    ),
    pytest.param(
        "وتابع قائلاً… لا نعرف ما حدث... ثم صمت.",
        ["وتابع قائلاً…", "لا نعرف ما حدث...", "ثم صمت."],
        id="ellipsis",
    ),
    pytest.param(
        "📌 تابعونا على تلغرام لمتابعة آخر المستجدات.",
        ["📌 تابعونا على تلغرام لمتابعة آخر المستجدات."],
        id="emoji-boilerplate",
    ),
    pytest.param(
        "المصدر: www.enabbaladi.net/archives/123?id=4. وأضاف الموقع أن التحقيق مستمر.",
        ["المصدر: www.enabbaladi.net/archives/123?id=4.", "وأضاف الموقع أن التحقيق مستمر."],
        id="url",
    ),
    pytest.param(
        "انتهى الاجتماع.وقال المتحدث إن النتائج إيجابية.",
        ["انتهى الاجتماع.", "وقال المتحدث إن النتائج إيجابية."],
        id="missing-space-after-period",
    ),
    pytest.param(
        "أبرز المطالب:\r\n1. انسحاب القوات\r\n2. وقف إطلاق النار",
        ["أبرز المطالب:", "1. انسحاب القوات", "2. وقف إطلاق النار"],
        id="numbered-list-crlf",
    ),
    pytest.param(
        "ومضى يقول إن «البديل هو استمرار العقوبات (...) وتقويتها».",
        ["ومضى يقول إن «البديل هو استمرار العقوبات (...) وتقويتها»."],
        id="omission-in-quote",
    ),
    pytest.param("   \n\u200f\u200e \n", [], id="blank-and-marks-only"),
    pytest.param("", [], id="empty"),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


def test_offsets_are_trimmed_of_spaces_and_marks() -> None:
    text = "  \u200fقصف عنيف.\u200f  وهدوء حذر  "
    assert split_sentences(text) == [(3, 12), (15, 24)]
    assert [text[s:e] for s, e in split_sentences(text)] == ["قصف عنيف.", "وهدوء حذر"]


def test_unbalanced_quote_does_not_swallow_the_document() -> None:
    text = "قال «لن نتراجع. " + "وأضاف أن الوضع هادئ. " * 20
    assert len(split_sentences(text)) == 21


NEWS_PARAGRAPH = (
    "قصفت القوات التركية، فجر اليوم 2022.11.18، قرية تل طويل بـ3.5 طن من القذائف. "
    "وقال د. أحمد لـ«نورث برس»: «سمعنا الانفجارات. كانت قريبة جداً» قبل أن يغادر؟!\n"
)


@pytest.mark.parametrize(
    ("text", "count", "seconds"),
    [
        pytest.param(NEWS_PARAGRAPH * 6_451, 2 * 6_451, 1.0, id="news"),
        # Periods that never end a sentence: linear, not rescanning the growing sentence
        # (quadratic would take minutes).
        pytest.param("foo bar. baz qux. " * 55_556, 1, 2.0, id="one-long-lowercase-sentence"),
    ],
)
def test_one_megabyte_splits_fast(text: str, count: int, seconds: float) -> None:
    assert len(text) >= 999_000
    started = time.process_time()  # CPU time: other jobs on the machine do not count
    spans = split_sentences(text)
    assert time.process_time() - started < seconds
    assert len(spans) == count


_PIECES = list("قصفعلىدمشق اب.!?؟…«»“”\"()\n\u200f0123456789٠١٢ULS:|-،") + ["اقرأ أيضاً", "د.", "U.S.", "3.5"]


@settings(max_examples=1_000, deadline=None)
@given(st.binary(max_size=60).map(lambda b: "".join(_PIECES[x % len(_PIECES)] for x in b)))
def test_spans_are_ordered_trimmed_and_cover_all_visible_text(text: str) -> None:
    """Spans are non-empty, ordered, do not overlap, start and end on a visible character,
    hold no line break, and every visible character of the text lies in one of them."""
    spans = split_sentences(text)
    covered = set()
    last_end = 0
    for s, e in spans:
        assert last_end <= s < e <= len(text)
        assert not text[s].isspace() and not text[e - 1].isspace() and text[s] != "\u200f" != text[e - 1]
        assert "\n" not in text[s:e]
        covered.update(range(s, e))
        last_end = e
    visible = {i for i, ch in enumerate(text) if not ch.isspace() and ch != "\u200f"}
    assert visible <= covered
