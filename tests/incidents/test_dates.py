"""TIME normalization: one row per real phrasing, read against a publication date."""

from __future__ import annotations

import datetime as dt

import pytest

from rasd.incidents.dates import parse_published, resolve_time

FRI = "2022-11-18"  # a Friday

# (text, published, expected ISO date or None, precision or None, status)
CASES = [
    # relative days
    ("أمس", FRI, "2022-11-17", 1, "resolved"),
    ("أمسِ الخميس", FRI, "2022-11-17", 1, "resolved"),
    ("مساء أمس", FRI, "2022-11-17", 1, "resolved"),
    ("مساء أمس الأحد", "2020-11-02", "2020-11-01", 1, "resolved"),
    ("بالأمس", FRI, "2022-11-17", 1, "resolved"),
    ("البارحة", FRI, "2022-11-17", 1, "resolved"),
    ("اليوم", FRI, "2022-11-18", 1, "resolved"),
    ("صباح اليوم", FRI, "2022-11-18", 1, "resolved"),
    ("فجر اليوم الأربعاء", "2020-01-08", "2020-01-08", 1, "resolved"),
    ("ظهر اليوم الخميس", "2022-09-08", "2022-09-08", 1, "resolved"),
    ("عصر اليوم السبت", FRI, "2022-11-18", 1, "resolved"),
    ("عصر اليوم السبت", "2019-06-23", "2019-06-22", 1, "resolved"),  # dated the day after writing
    ("الليلة الماضية", FRI, "2022-11-17", 1, "resolved"),
    ("ليلة أمس", FRI, "2022-11-17", 1, "resolved"),
    ("أول أمس", FRI, "2022-11-16", 1, "resolved"),
    ("أمس الأول", FRI, "2022-11-16", 1, "resolved"),
    ("قبل يومين", FRI, "2022-11-16", 1, "resolved"),
    ("منذ ثلاثة أيام", FRI, "2022-11-15", 1, "resolved"),
    ("قبل أسبوع", FRI, "2022-11-11", 2, "resolved"),
    ("غداً", FRI, "2022-11-19", 1, "resolved"),
    # weekdays: the last such day on or before publication
    ("صباح الجمعة", FRI, "2022-11-18", 1, "resolved"),
    ("مساء الخميس", FRI, "2022-11-17", 1, "resolved"),
    ("الثلاثاء", FRI, "2022-11-15", 1, "resolved"),
    ("يوم الإثنين", FRI, "2022-11-14", 1, "resolved"),
    ("الاثنين", "2019-11-11", "2019-11-11", 1, "resolved"),
    ("الخميس الماضي", FRI, "2022-11-17", 1, "resolved"),
    ("الجمعة الماضية", FRI, "2022-11-11", 1, "resolved"),
    ("فجر الأحد الماضي", FRI, "2022-11-13", 1, "resolved"),
    ("ليل الأحد", FRI, "2022-11-13", 1, "resolved"),
    ("قبيل منتصف ليل الأحد", FRI, "2022-11-13", 1, "resolved"),
    ("ليل الخميس الجمعة", FRI, "2022-11-17", 1, "resolved"),
    ("يومي الخميس والجمعة", FRI, "2022-11-17", 2, "resolved"),
    ("السبت المقبل", FRI, "2022-11-19", 1, "resolved"),
    # day and month, Gregorian and Levantine month names
    ("5 يناير", FRI, "2022-01-05", 1, "resolved"),
    ("22 من تشرين الأول", FRI, "2022-10-22", 1, "resolved"),
    ("مساء السبت 22 من تشرين الأول", FRI, "2022-10-22", 1, "resolved"),
    ("20 تشرين الثاني", FRI, "2022-11-20", 1, "resolved"),
    ("3 كانون الثاني", "2024-01-04", "2024-01-03", 1, "resolved"),
    ("28 كانون الأول", "2024-01-04", "2023-12-28", 1, "resolved"),
    ("الحادي والعشرين من أيار", FRI, "2022-05-21", 1, "resolved"),
    ("السابع من آب", FRI, "2022-08-07", 1, "resolved"),
    ("١٥ شباط ٢٠٢١", FRI, "2021-02-15", 1, "resolved"),
    ("12 أبريل 2021", FRI, "2021-04-12", 1, "resolved"),
    ("الثالث عشر من حزيران الماضي", FRI, "2022-06-13", 1, "resolved"),
    ("9 جويلية", FRI, "2022-07-09", 1, "resolved"),
    ("بين 20 و26 كانون الثاني", "2022-01-27", "2022-01-20", 2, "resolved"),
    # numeric dates
    ("2022/10/22", FRI, "2022-10-22", 1, "resolved"),
    ("22/10/2022", FRI, "2022-10-22", 1, "resolved"),
    ("٢٢/١٠/٢٠٢٢", FRI, "2022-10-22", 1, "resolved"),
    ("2023.10.26", FRI, "2023-10-26", 1, "resolved"),
    # the current / last month
    ("في السابع من الشهر الجاري", FRI, "2022-11-07", 1, "resolved"),
    ("في 3 من الشهر الحالي", FRI, "2022-11-03", 1, "resolved"),
    ("العاشر من الشهر الماضي", FRI, "2022-10-10", 1, "resolved"),
    ("الشهر الماضي", FRI, "2022-10-15", 3, "resolved"),
    ("مطلع الشهر الجاري", FRI, "2022-11-05", 3, "resolved"),
    # weeks and months without a day
    ("الأسبوع الماضي", FRI, "2022-11-11", 2, "resolved"),
    ("خلال الأسبوع الجاري", FRI, "2022-11-18", 2, "resolved"),
    ("مطلع نيسان", FRI, "2022-04-05", 3, "resolved"),
    ("أواخر آذار", FRI, "2022-03-25", 3, "resolved"),
    ("منتصف نيسان الماضي", "2021-07-07", "2021-04-15", 3, "resolved"),
    ("منتصف يونيو", "2023-07-01", "2023-06-15", 3, "resolved"),
    ("تموز الماضي", "2019-08-13", "2019-07-15", 3, "resolved"),
    ("آب الماضي", FRI, "2022-08-15", 3, "resolved"),
    ("نوفمبر", "2022-11-03", "2022-11-03", 3, "resolved"),
    ("مطلع تشرين الأول", "2019-11-11", "2019-10-05", 3, "resolved"),
    # anchored on the event told before
    ("اليوم ذاته", FRI, None, None, "same_day"),
    ("مساء اليوم نفسه", FRI, None, None, "same_day"),
    ("في نفس اليوم", FRI, None, None, "same_day"),
    # a clock time says nothing about the day
    ("الساعة العاشرة والنصف مساءً", FRI, None, None, "clock"),
    ("عند الساعة 07:20", FRI, None, None, "clock"),
    ("بعد الظهر", FRI, None, None, "clock"),
    # unreadable: text kept, no guessed date
    ("الخامس من رمضان", FRI, None, None, "unresolved"),
    ("منتصف ربيع الأول", FRI, None, None, "unresolved"),
    ("مطلع العام الجاري", FRI, None, None, "unresolved"),
    ("ربيع 2019", FRI, None, None, "unresolved"),
    ("خلال الأيام القليلة الماضية", FRI, None, None, "unresolved"),
    ("مؤخراً", FRI, None, None, "unresolved"),
    ("أمس", None, None, None, "unresolved"),
]


@pytest.mark.parametrize(("text", "published", "date", "precision", "status"), CASES,
                         ids=[c[0] for c in CASES])
def test_resolve_time(text: str, published: str | None, date: str | None, precision: int | None,
                      status: str) -> None:
    got = resolve_time(text, published)
    assert (got.date.isoformat() if got.date else None, got.precision, got.status) == (date, precision, status)
    assert got.text == text


def test_enough_cases() -> None:
    assert len(CASES) >= 40


def test_a_full_date_needs_no_publication_date() -> None:
    assert resolve_time("5 يناير 2020", None).date == dt.date(2020, 1, 5)


def test_month_only_expression_never_lands_after_publication() -> None:
    got = resolve_time("الشهر الجاري", "2022-11-03")
    assert got.date == dt.date(2022, 11, 3) and got.precision == 3


@pytest.mark.parametrize(("value", "expected"), [
    ("2022-11-18", dt.date(2022, 11, 18)), ("2022-11-18T07:57:00+03:00", dt.date(2022, 11, 18)),
    (dt.date(2020, 1, 2), dt.date(2020, 1, 2)), ("", None), (None, None), ("18/11/2022", None),
])
def test_parse_published(value: object, expected: dt.date | None) -> None:
    assert parse_published(value) == expected
