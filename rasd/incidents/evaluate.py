"""Incident-level precision, recall and F1 against a hand-written gold table.

A predicted incident matches a gold one (one-to-one, within the same report) when the event
label is the same, the dates agree and the places agree:

- dates: both empty, or equal; when either side is coded at week or month precision, within
  that window (3 or 15 days), since both then name a range rather than a day;
- places: both empty, the same gazetteer entry, within 10 km, or (when the gazetteer knows
  neither) the same text once clitics and spelling are folded away. A gold location may
  list acceptable answers separated by ``|`` (``وادي عومران|مودية``: the valley, or the
  district town an ACLED coder would use); any one matching is a match.

Only the reports that were run are scored (gold rows of other reports are ignored), so one
gold file serves any subset of the corpus. Gold rows need ``doc_id``, ``event_date``, ``location`` and ``event_label`` (the schema's
label) or ``event_type`` (the ACLED name). The headline number is the full match; the
looser criteria (label only, label + date, label + place) show where the misses come from.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from rasd.errors import DataError
from rasd.incidents.actors import clean_mention
from rasd.incidents.gazetteer import Gazetteer, Place, distance_km, name_key
from rasd.incidents.records import Incident
from rasd.incidents.table import from_row, read_rows

WINDOW_DAYS = {1: 0, 2: 3, 3: 15}
CRITERIA = ("type", "type+date", "type+location", "type+date+location")


@dataclass(frozen=True)
class PRF:
    matched: int
    predicted: int
    gold: int

    @property
    def precision(self) -> float:
        return self.matched / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.matched / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_dict(self) -> dict[str, float | int]:
        return {"precision": round(self.precision, 4), "recall": round(self.recall, 4), "f1": round(self.f1, 4),
                "matched": self.matched, "predicted": self.predicted, "gold": self.gold}


@dataclass(frozen=True)
class IncidentScores:
    """Scores per criterion; ``main`` is event type + date + location."""

    by_criterion: dict[str, PRF]
    documents: int

    @property
    def main(self) -> PRF:
        return self.by_criterion["type+date+location"]

    def to_dict(self) -> dict[str, Any]:
        return {"incident_" + k.replace("+", "_"): v.to_dict() for k, v in self.by_criterion.items()} | {
            "documents": self.documents}

    def summary(self) -> str:
        """The lines ``rasd incidents --evaluate`` prints."""
        lines = [f"incident-level scores over {self.documents} documents "
                 f"({self.main.gold} gold, {self.main.predicted} predicted incidents):"]
        for name, s in self.by_criterion.items():
            lines.append(f"  {name:<20} P {s.precision:.3f}  R {s.recall:.3f}  F1 {s.f1:.3f}  ({s.matched} matched)")
        return "\n".join(lines)


def read_gold(path: str | Path) -> list[Incident]:
    """Gold incident rows (CSV or JSON Lines), checked for the columns the match needs."""
    out = []
    for n, row in read_rows(path):
        missing = [k for k in ("doc_id", "event_date", "location") if k not in row]
        if missing or not (row.get("event_label") or row.get("event_type")):
            raise DataError(f"gold row needs doc_id, event_date, location and event_label or event_type "
                            f"(missing {missing or ['event_label/event_type']})", path=path, line=n)
        out.append(from_row(row, path=path, line=n))
    return out


def _same_type(p: Incident, g: Incident) -> bool:
    return p.event_label == g.event_label if g.event_label else p.event_type == g.event_type


def dates_match(p: Incident, g: Incident) -> bool:
    if p.event_date is None or g.event_date is None:
        return p.event_date is None and g.event_date is None
    window = WINDOW_DAYS.get(max(p.time_precision or 1, g.time_precision or 1), 0)
    return abs((p.event_date - g.event_date).days) <= window


def _gold_place(g: Incident, gazetteer: Gazetteer, countries: Sequence[str]) -> Place | None:
    if g.latitude is not None and g.longitude is not None:
        return Place(g.place_id or "gold", g.location, "", g.country, g.admin1, g.latitude, g.longitude)
    return gazetteer.match(g.location, countries=countries).place if g.location else None


def places_match(p: Incident, g: Incident, gazetteer: Gazetteer, *, km: float = 10.0) -> bool:
    """Same place; a gold location may list acceptable answers separated by ``|``."""
    if "|" in g.location:
        return any(places_match(p, replace(g, location=alt.strip(), latitude=None, longitude=None), gazetteer,
                                km=km) for alt in g.location.split("|"))
    if not g.location or not p.location:
        return not g.location and not p.location
    gp = _gold_place(g, gazetteer, [p.country] if p.country else [])
    if p.latitude is not None and p.longitude is not None and gp is not None:
        if p.place_id and p.place_id == gp.id:
            return True
        pp = Place(p.place_id, p.location, "", p.country, p.admin1, p.latitude, p.longitude)
        return distance_km(pp, gp) <= km
    if (p.latitude is None) != (gp is None):
        return False
    a, b = name_key(clean_mention(p.location)), name_key(clean_mention(g.location))
    return bool(a) and (a == b or a in b or b in a)


def _max_matching(preds: Sequence[Incident], golds: Sequence[Incident],
                  ok: Callable[[Incident, Incident], bool]) -> int:
    """Size of a maximum one-to-one matching (Kuhn's augmenting paths; lists are short)."""
    edges = [[j for j, g in enumerate(golds) if ok(p, g)] for p in preds]
    owner: dict[int, int] = {}

    def augment(i: int, seen: set[int]) -> bool:
        for j in edges[i]:
            if j in seen:
                continue
            seen.add(j)
            if j not in owner or augment(owner[j], seen):
                owner[j] = i
                return True
        return False

    return sum(augment(i, set()) for i in range(len(preds)))


def evaluate_incidents(predicted: Sequence[Incident], gold: Sequence[Incident], *,
                       gazetteer: Gazetteer | None = None, documents: Iterable[str] | None = None) -> IncidentScores:
    """Score document-level incidents against gold rows, report by report.

    ``documents`` are the ids of the reports that were run (also those that gave no
    incident): only they are scored, so one gold file can serve any subset of the corpus.
    None scores every report that has a prediction or a gold row.

    >>> import datetime as dt
    >>> g = Incident("g", "d1", "air_drone_strike", "Air/drone strike", dt.date(2022, 1, 5), 1, location="حمص")
    >>> p = Incident("p", "d1", "air_drone_strike", "Air/drone strike", dt.date(2022, 1, 5), 1, location="حمص")
    >>> evaluate_incidents([p], [g], gazetteer=Gazetteer([])).main.f1
    1.0
    """
    gazetteer = gazetteer if gazetteer is not None else Gazetteer.load()
    by_doc_p: dict[str, list[Incident]] = defaultdict(list)
    by_doc_g: dict[str, list[Incident]] = defaultdict(list)
    for p in predicted:
        by_doc_p[p.doc_id].append(p)
    for g in gold:
        by_doc_g[g.doc_id].append(g)
    checks: dict[str, Callable[[Incident, Incident], bool]] = {
        "type": _same_type,
        "type+date": lambda p, g: _same_type(p, g) and dates_match(p, g),
        "type+location": lambda p, g: _same_type(p, g) and places_match(p, g, gazetteer),
        "type+date+location": lambda p, g: _same_type(p, g) and dates_match(p, g) and places_match(p, g, gazetteer),
    }
    docs = sorted(set(documents) if documents is not None else set(by_doc_p) | set(by_doc_g))
    predicted = [p for d in docs for p in by_doc_p[d]]
    gold = [g for d in docs for g in by_doc_g[d]]
    totals = {}
    for name, ok in checks.items():
        matched = sum(_max_matching(by_doc_p[d], by_doc_g[d], ok) for d in docs)
        totals[name] = PRF(matched, len(predicted), len(gold))
    return IncidentScores(totals, len(docs))


def evaluate_file(predicted: Sequence[Incident], gold_path: str | Path, *, gazetteer: Gazetteer | None = None,
                  documents: Iterable[str] | None = None) -> IncidentScores:
    return evaluate_incidents(predicted, read_gold(gold_path), gazetteer=gazetteer, documents=documents)


