"""Across reports: the same incident told by several outlets gets one ``cluster_id``.

Two incidents from different reports are linked when they have the same event label, dates
at most ``days`` apart, and the same place (same gazetteer entry, within ``km``, or the same
unmatched location text). Links are taken closest first and never put two incidents of
one report into one cluster (a report that tells two attacks keeps them apart), so a
chain of loose links cannot swallow a whole day of reporting.

:func:`deduplicate` then writes one row per cluster with the best-supported value of every
field: the value most reports agree on; ties go to the more precise date, the named
place, and for counts to the lower number (ACLED's conservative rule).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import replace
from typing import TypeVar

from rasd.incidents.arabic import fold
from rasd.incidents.gazetteer import Place, distance_km, name_key
from rasd.incidents.records import Incident

T = TypeVar("T")


def _place(i: Incident) -> Place | None:
    if i.latitude is None or i.longitude is None:
        return None
    return Place(i.place_id, i.location, i.location_en, i.country, i.admin1, i.latitude, i.longitude)


def same_location(a: Incident, b: Incident, *, km: float = 10.0) -> float | None:
    """Distance in km when two incidents are at the same place, else None."""
    if a.place_id and a.place_id == b.place_id:
        return 0.0
    pa, pb = _place(a), _place(b)
    if pa is not None and pb is not None:
        d = distance_km(pa, pb)
        return d if d <= km else None
    if pa is None and pb is None and a.location and name_key(a.location) == name_key(b.location):
        return 0.0
    return None


def _link(a: Incident, b: Incident, km: float, days: int) -> tuple[float, int] | None:
    if a.doc_id == b.doc_id or a.event_label != b.event_label or a.event_date is None or b.event_date is None:
        return None
    gap = abs((a.event_date - b.event_date).days)
    if gap > days:
        return None
    d = same_location(a, b, km=km)
    return None if d is None else (d, gap)


def assign_clusters(incidents: Sequence[Incident], *, km: float = 10.0, days: int = 1) -> list[Incident]:
    """The incidents with ``cluster_id`` set (``c0001``, ... in order of first appearance).

    >>> a = Incident("a-e1", "a", "x", "X", dt.date(2022, 1, 2), 1, location="حمص")
    >>> b = Incident("b-e1", "b", "x", "X", dt.date(2022, 1, 3), 1, location="حمص")
    >>> [i.cluster_id for i in assign_clusters([a, b])]
    ['c0001', 'c0001']
    """
    buckets: dict[tuple[str, dt.date], list[int]] = defaultdict(list)
    for n, inc in enumerate(incidents):
        if inc.event_date is not None:
            buckets[(inc.event_label, inc.event_date)].append(n)
    pairs = []
    for n, inc in enumerate(incidents):
        if inc.event_date is None:
            continue
        for delta in range(-days, days + 1):
            for m in buckets.get((inc.event_label, inc.event_date + dt.timedelta(days=delta)), ()):
                if m > n and (link := _link(inc, incidents[m], km, days)) is not None:
                    pairs.append((link, n, m))
    parent = list(range(len(incidents)))
    docs = [{i.doc_id} for i in incidents]

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for _, n, m in sorted(pairs):
        rn, rm = root(n), root(m)
        if rn != rm and not (docs[rn] & docs[rm]):
            parent[rm] = rn
            docs[rn] |= docs[rm]
    ids: dict[int, str] = {}
    out = []
    for n, inc in enumerate(incidents):
        r = root(n)
        ids.setdefault(r, f"c{len(ids) + 1:04d}")
        out.append(replace(inc, cluster_id=ids[r]))
    return out


def _vote(values: Sequence[T], key: Callable[[T], Hashable], prefer: Callable[[T], tuple]) -> T | None:
    """The value most members share (by ``key``); ties broken by ``prefer`` (lower wins)."""
    if not values:
        return None
    counts = Counter(key(v) for v in values)
    return min(values, key=lambda v: (-counts[key(v)], prefer(v)))


def _text_vote(values: Sequence[str]) -> str:
    return _vote([v for v in values if v], fold, lambda v: (-len(v),)) or ""


def _count_vote(members: Sequence[Incident], field: str) -> tuple[int | None, tuple[str, ...]]:
    name = "killed" if field == "fatalities" else "injured"
    known = [m for m in members if getattr(m, field) is not None]
    reported = [m for m in known if getattr(m, field)] or known
    chosen = _vote(reported, lambda m: getattr(m, field), lambda m: (getattr(m, field),))
    if chosen is None:
        flags = sorted({f for m in members for f in m.casualty_flags if f.startswith(name)})
        return None, tuple(flags)
    return getattr(chosen, field), tuple(f for f in chosen.casualty_flags if f.startswith(name))


def merge_cluster(members: Sequence[Incident]) -> Incident:
    """One row for a cluster: best-supported values, all evidence, every report id."""
    first = members[0]
    dated = [m for m in members if m.event_date is not None]
    when = _vote(dated, lambda m: m.event_date, lambda m: (m.time_precision or 9, m.event_date)) or first
    placed = [m for m in members if m.location]
    where = _vote(placed, lambda m: m.place_id or name_key(m.location),
                  lambda m: (m.latitude is None, members.index(m))) or first
    fatalities, kflags = _count_vote(members, "fatalities")
    injured, iflags = _count_vote(members, "injured")
    sources = list(dict.fromkeys(s.strip() for m in members for s in m.source.split(";") if s.strip()))
    return replace(
        first, event_id=first.cluster_id, event_date=when.event_date, time_precision=when.time_precision,
        time_text=when.time_text, date_basis=when.date_basis,
        actor1=_text_vote([m.actor1 for m in members]), actor2=_text_vote([m.actor2 for m in members]),
        weapon=_text_vote([m.weapon for m in members]),
        location=where.location, location_text=where.location_text, place_id=where.place_id,
        location_en=where.location_en, country=where.country, admin1=where.admin1, latitude=where.latitude,
        longitude=where.longitude, fatalities=fatalities, injured=injured, casualty_flags=kflags + iflags,
        source="; ".join(sources), evidence=tuple(e for m in members for e in m.evidence),
        doc_ids=tuple(dict.fromkeys(m.doc_id for m in members)),
    )


def deduplicate(incidents: Sequence[Incident]) -> list[Incident]:
    """One row per ``cluster_id`` (run :func:`assign_clusters` first), in order of first appearance."""
    groups: dict[str, list[Incident]] = {}
    for inc in incidents:
        groups.setdefault(inc.cluster_id or inc.event_id, []).append(inc)
    return [merge_cluster(g) for g in groups.values()]
