"""TIME slots to ISO dates, relative to the report's publication date, with ACLED's precision.

News rarely prints a full date: it says ``أمس``, ``مساء الخميس``, ``22 من تشرين الأول``,
``منتصف نيسان الماضي``. An analyst reads these against the day the report came out, and
so does :func:`resolve_time`. The result carries ACLED's ``time_precision``
(1 = the day is known, 2 = the week, 3 = the month). Windows wider than a day are coded at
their middle, as ACLED does: "last week" is the published date minus seven days, a month
is its 15th, "early"/"late" in a month its 5th/25th, never a day after publication for
something reported as past.

What cannot be read stays unresolved with its text, never a guessed date: Hijri dates,
year-only or season expressions, "recently". A clock time (``الساعة 07:20``) says nothing
about the day (``status="clock"``); ``اليوم ذاته`` points back to the date of the event
mentioned before (``status="same_day"``), which :mod:`rasd.incidents.merge` fills in.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass

from rasd.incidents.arabic import clitic_variants, fold, words
from rasd.incidents.numbers import parse_cardinal, parse_ordinal

DAY, WEEK, MONTH = 1, 2, 3  # ACLED time_precision

MONTHS: dict[tuple[str, ...], int] = {
    ("يناير",): 1, ("كانون", "الثاني"): 1, ("جانفي",): 1,
    ("فبراير",): 2, ("شباط",): 2, ("فيفري",): 2,
    ("مارس",): 3, ("اذار",): 3,
    ("ابريل",): 4, ("افريل",): 4, ("نيسان",): 4,
    ("مايو",): 5, ("ايار",): 5, ("مايس",): 5, ("ماي",): 5,
    ("يونيو",): 6, ("يونيه",): 6, ("حزيران",): 6, ("جوان",): 6,
    ("يوليو",): 7, ("يوليه",): 7, ("تموز",): 7, ("جويليه",): 7,
    ("اغسطس",): 8, ("اب",): 8, ("اوت",): 8,
    ("سبتمبر",): 9, ("ايلول",): 9,
    ("اكتوبر",): 10, ("تشرين", "الاول"): 10,
    ("نوفمبر",): 11, ("تشرين", "الثاني"): 11,
    ("ديسمبر",): 12, ("كانون", "الاول"): 12,
}
# Month names that are also common words (آب "father", مارس "practised"): only read as a
# month next to a day, a year, a qualifier or شهر.
AMBIGUOUS_MONTHS = {"اب", "مارس", "ماي"}
HIJRI = {"محرم", "صفر", "ربيع", "جمادي", "رجب", "شعبان", "رمضان", "شوال", "القعده", "الحجه", "هجري", "هجريه"}
WEEKDAYS = {"الاثنين": 0, "الثلاثاء": 1, "الاربعاء": 2, "الخميس": 3, "الجمعه": 4, "السبت": 5, "الاحد": 6}
PAST = {"الماضي", "الماضيه", "المنصرم", "المنصرمه", "الفايت", "الفايته", "السابق"}
FUTURE = {"المقبل", "المقبله", "القادم", "القادمه"}
CURRENT = {"الجاري", "الحالي", "هذا"}
EARLY = {"مطلع", "اوايل", "بدايه", "مستهل", "اول"}
MIDDLE = {"منتصف", "اواسط", "وسط"}
LATE = {"اواخر", "نهايه", "اخر", "ختام"}
SAME = {"ذاته", "نفسه", "عينه"}
CLOCK = {"الساعه", "ساعه", "صباحا", "مساء", "مساءا", "ظهرا", "عصرا", "فجرا", "ليلا", "الظهر", "العصر",
         "الليل", "الفجر", "منتصف", "بالتوقيت", "دقيقه", "دقايق", "والنصف", "والربع", "الصباح", "المساء"}
YEARISH = {"العام", "عام", "السنه", "سنه", "ربيع", "صيف", "خريف", "شتاء", "الربيع", "الصيف", "الخريف", "الشتاء"}

_NUMERIC_YMD = re.compile(r"(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)")
_NUMERIC_DMY = re.compile(r"(?<!\d)(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})(?!\d)")


@dataclass(frozen=True)
class TimeValue:
    """A TIME mention read against a publication date.

    ``status`` is ``"resolved"`` (date and precision set), ``"clock"`` (a time of day only),
    ``"same_day"`` (the day of the event mentioned before) or ``"unresolved"``.
    """

    text: str
    date: dt.date | None = None
    precision: int | None = None
    status: str = "unresolved"
    rule: str = ""

    @property
    def resolved(self) -> bool:
        return self.date is not None


def parse_published(value: object) -> dt.date | None:
    """The publication date from a ``meta.published`` value (``2022-11-18`` or an ISO timestamp).

    >>> parse_published("2022-11-18T07:57:00Z"), parse_published("n/a")
    (datetime.date(2022, 11, 18), None)
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def resolve_time(text: str, published: dt.date | str | None) -> TimeValue:
    """Read one TIME expression against the publication date.

    >>> resolve_time("مساء أمس الخميس", "2022-11-18")
    TimeValue(text='مساء أمس الخميس', date=datetime.date(2022, 11, 17), precision=1, status='resolved', rule='relative-day')
    >>> resolve_time("22 من تشرين الأول", "2022-11-18").date
    datetime.date(2022, 10, 22)
    >>> resolve_time("منتصف نيسان الماضي", "2021-07-07").precision
    3
    >>> resolve_time("الخامس من رمضان", "2022-11-18").status
    'unresolved'
    """
    pub = parse_published(published)
    toks = words(text)
    for rule in _RULES:
        out = rule(text, toks, pub)
        if out is not None:
            return out
    return TimeValue(text, rule="no-date-words")


# --- rules, tried in order: the most explicit first --------------------------------------------


def _resolved(text: str, date: dt.date, precision: int, rule: str) -> TimeValue:
    return TimeValue(text, date, precision, "resolved", rule)


def _safe_date(y: int, m: int, d: int) -> dt.date | None:
    try:
        return dt.date(y, m, d)
    except ValueError:
        return None


def _numeric(text: str, toks: list[str], pub: dt.date | None) -> TimeValue | None:
    folded = fold(text)
    m = _NUMERIC_YMD.search(folded)
    if m:
        d = _safe_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if d:
            return _resolved(text, d, DAY, "numeric")
    m = _NUMERIC_DMY.search(folded)
    if m:
        d = _safe_date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        if d:
            return _resolved(text, d, DAY, "numeric")
    return None


def _same_day(text: str, toks: list[str], pub: dt.date | None) -> TimeValue | None:
    for i, t in enumerate(toks):
        if t in SAME and i > 0 and toks[i - 1] in ("اليوم", "يوم", "الوقت", "الليله"):
            return TimeValue(text, status="same_day", rule="same-day")
        if t in ("نفس", "ذات", "ذلك") and i + 1 < len(toks) and toks[i + 1] in ("اليوم", "الليله"):
            return TimeValue(text, status="same_day", rule="same-day")
    return None


def _find_month(toks: list[str]) -> tuple[int, int, int] | None:
    """(month, first token index, index after the month name), or None."""
    for i in range(len(toks)):
        for first in clitic_variants(toks[i]):
            if i + 1 < len(toks) and (first, toks[i + 1]) in MONTHS:
                return MONTHS[(first, toks[i + 1])], i, i + 2
            if (first,) in MONTHS:
                if first in AMBIGUOUS_MONTHS and not _month_context(toks, i):
                    continue
                return MONTHS[(first,)], i, i + 1
    return None


def _month_context(toks: list[str], i: int) -> bool:
    before = toks[i - 1] if i > 0 else ""
    after = toks[i + 1] if i + 1 < len(toks) else ""
    return (before.isdigit() or before in ("من", "شهر") or before in EARLY | MIDDLE | LATE
            or parse_ordinal(toks, max(i - 1, 0)) is not None
            or (after.isdigit() and len(after) == 4) or after in PAST | FUTURE)


def _day_before(toks: list[str], end: int) -> tuple[int, int] | None:
    """A day of the month ending right before ``end`` (skipping one ``من``): (day, start index)."""
    if end > 0 and toks[end - 1] == "من":
        end -= 1
    for k in range(max(0, end - 3), end):
        r = parse_ordinal(toks, k) or parse_cardinal(toks, k)
        if r and r[1] == end and 1 <= r[0] <= 31:
            return r[0], k
    return None


def _year_after(toks: list[str], j: int) -> int | None:
    if j < len(toks) and toks[j] in ("عام", "سنه", "لعام", "لسنه"):
        j += 1
    if j < len(toks) and re.fullmatch(r"(19|20)\d\d", toks[j]):
        return int(toks[j])
    return None


def _pick_year(month: int, day: int, pub: dt.date, direction: str, precision: int) -> dt.date | None:
    """The year that puts (month, day) where the words say.

    Without ``الماضي``/``المقبل`` a report speaks of the past: the latest such date up to a week
    after publication (a whole month counts when it has begun by publication).
    """
    options = [d for y in (pub.year - 1, pub.year, pub.year + 1) if (d := _safe_date(y, month, day))]
    here = (pub.year, pub.month)
    if direction == "past":
        options = [d for d in options if (d.year, d.month) < here]
    elif direction == "future":
        options = [d for d in options if (d.year, d.month) > here]
        return min(options) if options else None
    elif precision == DAY:
        options = [d for d in options if d <= pub + dt.timedelta(days=7)]
    else:
        options = [d for d in options if (d.year, d.month) <= here]
    return max(options) if options else None


def _direction(toks: list[str], j: int) -> str:
    nxt = toks[j] if j < len(toks) else ""
    return "past" if nxt in PAST else "future" if nxt in FUTURE else "nearest"


def _month_rule(text: str, toks: list[str], pub: dt.date | None) -> TimeValue | None:
    found = _find_month(toks)
    if found is None:
        return None
    month, i, j = found
    year = _year_after(toks, j)
    direction = _direction(toks, j)
    day_found = _day_before(toks, i)
    precision, rule = DAY, "day-month"
    if day_found:
        day, k = day_found
        first = _range_start(toks, k)
        if first is not None:
            precision, rule = (WEEK if day - first <= 7 else MONTH), "day-range"
            day = first
    else:
        q = toks[i - 2] if i >= 2 and toks[i - 1] == "شهر" else toks[i - 1] if i >= 1 else ""
        day = 5 if q in EARLY else 25 if q in LATE else 15
        precision, rule = MONTH, "month"
    if year is not None:
        date = _safe_date(year, month, day)
    elif pub is not None:
        date = _pick_year(month, day, pub, direction, precision)
    else:
        return TimeValue(text, rule="month-needs-published")
    if date is None:
        return TimeValue(text, rule="invalid-day")
    if precision != DAY and pub is not None and direction != "future" and date > pub and \
            (date.year, date.month) == (pub.year, pub.month):
        date = pub  # "in April" written in April: not after the report
    return _resolved(text, date, precision, rule)


def _range_start(toks: list[str], k: int) -> int | None:
    """For ``بين 20 و26`` / ``من 20 إلى 26`` / ``20 - 26`` before a month: the first day."""
    if not toks[k].startswith("و") and (k < 1 or toks[k - 1] not in ("الي", "حتي")):
        if k >= 1 and toks[k - 1].isdigit() and int(toks[k - 1]) <= 31:
            return int(toks[k - 1])
        return None
    at = k - 1 if toks[k].startswith("و") else k - 2
    if at >= 0 and toks[at].isdigit() and 1 <= int(toks[at]) <= 31:
        return int(toks[at])
    r = _day_before(toks, at + 1) if at >= 0 else None
    return r[0] if r else None


def _current_month(text: str, toks: list[str], pub: dt.date | None) -> TimeValue | None:
    """``في السابع من الشهر الجاري``, ``الشهر الماضي``, ``مطلع الشهر المقبل``."""
    for i, offset in _this_last_next(toks, "شهر"):
        if pub is None:
            return TimeValue(text, rule="relative-needs-published")
        y, m = divmod(pub.year * 12 + pub.month - 1 + offset, 12)
        day_found = _day_before(toks, i)
        q = toks[i - 1] if i else ""
        day = day_found[0] if day_found else 5 if q in EARLY else 25 if q in LATE else 15
        date = _safe_date(y, m + 1, day)
        if date is None:
            return TimeValue(text, rule="invalid-day")
        if not day_found and offset == 0 and date > pub:
            date = pub
        return _resolved(text, date, DAY if day_found else MONTH, "current-month" if day_found else "month")
    return None


_RELATIVE_DAYS: list[tuple[tuple[str, ...], int]] = [
    (("اول", "امس"), -2), (("امس", "الاول"), -2), (("اول", "من", "امس"), -2),
    (("بعد", "غد"), 2), (("الليله", "الماضيه"), -1), (("ليله", "امس"), -1),
    (("الليله", "البارحه"), -1), (("امس",), -1), (("البارحه",), -1), (("غدا",), 1),
    (("الامس",), -1), (("اليوم",), 0), (("الليله",), 0),
]


def _relative_day(text: str, toks: list[str], pub: dt.date | None) -> TimeValue | None:
    """``أمس``, ``الليلة الماضية``; with a weekday that disagrees (``عصر اليوم السبت`` in a report
    dated Sunday: written the day before it went out) the named weekday wins."""
    bare = [clitic_variants(t)[-1] if t not in ("امس", "اليوم") else t for t in toks]
    for pattern, offset in _RELATIVE_DAYS:
        n = len(pattern)
        for i in range(len(toks) - n + 1):
            if tuple(toks[i:i + n]) == pattern or tuple(bare[i:i + n]) == pattern:
                if pub is None:
                    return TimeValue(text, rule="relative-needs-published")
                date = pub + dt.timedelta(days=offset)
                named = _weekday(text, toks, pub)
                if named is not None and named.date is not None and (date - named.date).days == 1:
                    return _resolved(text, named.date, DAY, "weekday-over-relative")
                return _resolved(text, date, DAY, "relative-day")
    return None


_UNITS_AGO = {"يوم": (1, DAY), "يومين": (2, DAY), "ايام": (1, DAY), "اسبوع": (7, WEEK),
              "اسبوعين": (14, WEEK), "اسابيع": (7, WEEK), "شهر": (30, MONTH), "شهرين": (60, MONTH)}


def _ago(text: str, toks: list[str], pub: dt.date | None) -> TimeValue | None:
    """``قبل يومين``, ``منذ ثلاثة أيام``, ``قبل أسبوع``."""
    for i, t in enumerate(toks):
        if t not in ("قبل", "منذ") or i + 1 >= len(toks):
            continue
        count, j = 1, i + 1
        num = parse_cardinal(toks, j)
        if num:
            count, j = num
        if j >= len(toks) or toks[j] not in _UNITS_AGO:
            continue
        if toks[j] in ("ايام", "اسابيع") and not num:
            continue
        days, precision = _UNITS_AGO[toks[j]]
        if pub is None:
            return TimeValue(text, rule="relative-needs-published")
        return _resolved(text, pub - dt.timedelta(days=days * count), precision, "ago")
    return None


def _weekday(text: str, toks: list[str], pub: dt.date | None) -> TimeValue | None:
    for i, t in enumerate(toks):
        wd = next((WEEKDAYS[v] for v in clitic_variants(t) if v in WEEKDAYS), None)
        if wd is None:
            continue
        if pub is None:
            return TimeValue(text, rule="weekday-needs-published")
        nxt = toks[i + 1] if i + 1 < len(toks) else ""
        back = (pub.weekday() - wd) % 7
        if nxt in PAST and back == 0:
            back = 7
        if nxt in FUTURE:
            back = -((wd - pub.weekday()) % 7 or 7)
        precision = WEEK if "يومي" in toks else DAY
        return _resolved(text, pub - dt.timedelta(days=back), precision, "weekday")
    return None


def _week(text: str, toks: list[str], pub: dt.date | None) -> TimeValue | None:
    for _, offset in _this_last_next(toks, "اسبوع"):
        if pub is None:
            return TimeValue(text, rule="relative-needs-published")
        return _resolved(text, pub + dt.timedelta(weeks=offset), WEEK, "week")
    return None


def _this_last_next(toks: list[str], unit: str) -> Iterator[tuple[int, int]]:
    """Where a unit is named relative to now (``الشهر الماضي``, ``هذا الشهر``, ``الاسبوع المقبل``):
    the unit word's index and -1 (last), 0 (this) or 1 (next). ``unit`` is the bare normalized word."""
    for i, t in enumerate(toks):
        if t not in ("ال" + unit, unit) or i + 1 >= len(toks):
            continue
        nxt = toks[i + 1]
        offset = -1 if nxt in PAST else 1 if nxt in FUTURE else 0 if nxt in CURRENT else None
        if t == unit and i > 0 and toks[i - 1] == "هذا":
            offset = 0
        if offset is not None:
            yield i, offset


def _unreadable(text: str, toks: list[str], pub: dt.date | None) -> TimeValue | None:
    for i, t in enumerate(toks):
        bare = clitic_variants(t)[-1]
        nxt = toks[i + 1] if i + 1 < len(toks) else ""
        if (t in HIJRI or bare in HIJRI) and (bare != "ربيع" or nxt in ("الاول", "الثاني", "الاخر")):
            return TimeValue(text, rule="hijri")
    if any(t in YEARISH for t in toks) or any(re.fullmatch(r"(19|20)\d\d", t) for t in toks):
        return TimeValue(text, rule="year-or-season")
    return None


def _clock(text: str, toks: list[str], pub: dt.date | None) -> TimeValue | None:
    if any(t in CLOCK or re.fullmatch(r"\d{1,2}[:.]\d{2}", t) for t in toks):
        return TimeValue(text, status="clock", rule="clock")
    return None


_RULES = (_numeric, _same_day, _month_rule, _current_month, _relative_day, _ago, _weekday, _week,
          _unreadable, _clock)
