"""Across reports: linking the same incident and writing one row per cluster."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from rasd.incidents.clusters import assign_clusters, deduplicate, same_location
from rasd.incidents.records import Evidence, Incident

D = dt.date(2022, 11, 17)


def inc(doc: str, n: int = 1, *, label: str = "shelling_missile_attack", date: dt.date | None = D,
        place: tuple[str, float, float] | None = ("rasd0001", 34.97, 40.57), location: str = "حقل العمر",
        **kw: object) -> Incident:
    pid, lat, lon = place if place else ("", None, None)
    return Incident(f"{doc}-e{n}", doc, label, "Shelling/artillery/missile attack", date, 1 if date else None,
                    location=location, place_id=pid, latitude=lat, longitude=lon,
                    evidence=(Evidence(doc, 0, 5, f"نص {doc}", label),), **kw)


def test_same_event_in_three_reports_is_one_cluster() -> None:
    out = assign_clusters([inc("a"), inc("b", date=D + dt.timedelta(days=1)), inc("c", place=("x", 35.0, 40.6))])
    assert len({i.cluster_id for i in out}) == 1


def test_links_need_label_date_and_place() -> None:
    out = assign_clusters([
        inc("a"), inc("b", label="air_drone_strike"), inc("c", date=D + dt.timedelta(days=2)),
        inc("d", place=("far", 35.6, 40.6)), inc("e", date=None),
    ])
    assert len({i.cluster_id for i in out}) == 5
    assert [i.cluster_id for i in out] == ["c0001", "c0002", "c0003", "c0004", "c0005"]


def test_two_incidents_of_one_report_stay_apart() -> None:
    out = assign_clusters([inc("a", 1), inc("a", 2), inc("b")])
    assert out[0].cluster_id != out[1].cluster_id
    assert out[2].cluster_id in (out[0].cluster_id, out[1].cluster_id)


def test_unmatched_places_link_on_their_text() -> None:
    a, b = inc("a", place=None, location="قرية الجنينة"), inc("b", place=None, location="قريه الجنينه")
    assert same_location(a, b) == 0.0
    assert len({i.cluster_id for i in assign_clusters([a, b])}) == 1


def test_dedup_row_takes_best_supported_values() -> None:
    rows = assign_clusters([
        inc("a", fatalities=3, actor1="الميليشيات الإيرانية", source="شبكة أ; مصدر محلي"),
        inc("b", fatalities=2, actor1="الميليشيات الإيرانية", source="شبكة ب"),
        inc("c", fatalities=3, actor1="ميليشيا لواء الباقر", date=D + dt.timedelta(days=1), source="شبكة ج"),
    ])
    (row,) = deduplicate(rows)
    assert row.event_id == row.cluster_id == "c0001"
    assert row.doc_ids == ("a", "b", "c") and row.doc_id == "a"
    assert row.fatalities == 3 and row.event_date == D and row.actor1 == "الميليشيات الإيرانية"
    assert row.source == "شبكة أ; مصدر محلي; شبكة ب; شبكة ج"
    assert len(row.evidence) == 3 and row.notes.startswith("[a] ")


def test_dedup_counts_tie_goes_low_and_unknown_stays_unknown() -> None:
    rows = assign_clusters([inc("a", fatalities=4), inc("b", fatalities=2)])
    assert deduplicate(rows)[0].fatalities == 2
    unknown = assign_clusters([inc("a", fatalities=None, casualty_flags=("killed:unknown",)),
                               inc("b", fatalities=None, casualty_flags=("killed:unknown",))])
    row = deduplicate(unknown)[0]
    assert row.fatalities is None and row.casualty_flags == ("killed:unknown",)


def test_dedup_of_singletons_keeps_every_row() -> None:
    rows = assign_clusters([inc("a"), replace(inc("b"), event_label="air_drone_strike")])
    assert [r.doc_ids for r in deduplicate(rows)] == [("a",), ("b",)]
