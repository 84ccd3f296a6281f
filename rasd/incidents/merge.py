"""Document level: the event sentences of one report merged into incidents.

A report tells one attack over several sentences (headline, dateline lead, casualties, the
claim) and often mentions others (the retaliation, "a similar attack last month"). A
sentence joins an open incident of the same event label when nothing contradicts it and it
is either near (at most ``MAX_GAP`` sentences after the incident's last one) or shares a
place or a day with it. It starts a new incident when:

- its date differs (``الليلة الماضية`` vs ``منتصف نيسان الماضي``);
- it reports an attack (weapon, target or casualties) by a side the incident has not named
  (the other side firing back), or at a place far from all of the incident's places;
- it is flagged as another event (``وفي حادثة منفصلة``, ``هجوم مماثل``, ``ثاني هجوم``) or as
  background (``وكان ... قد ...``, ``ويأتي ذلك بعد``), which only joins other background;
- it names a side that clearly differs from the incident's: any other side when the
  sentence reports an act, or when it does not, a different country or known group
  (``الجيش اللبناني`` vs ``الجيش الإسرائيلي``).

The headline summarises the report, often naming several incidents at once, so it is read
last and joins the first incident of its label. Datelines (``دير الزور - خاص:``) name where
the report was filed and never decide an incident's place.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, replace

from rasd.data.schema import LabelSchema
from rasd.incidents.actors import actor_names, clean_mention, group_mentions, longest, sides_conflict
from rasd.incidents.arabic import fold, words
from rasd.incidents.casualties import Casualties, Count
from rasd.incidents.dates import DAY, TimeValue, parse_published
from rasd.incidents.facts import (
    NEAR_WORDS,
    SUB_CITY,
    SentenceFacts,
    document_countries,
    event_labels,
    fill_same_day,
    read_sentence,
)
from rasd.incidents.gazetteer import Gazetteer, Place, PlaceMatch, compatible, name_key
from rasd.incidents.records import Evidence, Incident
from rasd.inference.outputs import DocumentPrediction

MAX_GAP = 2
NEAR_KM = 10.0
# Within one report, an act this far from every place of an incident is another incident
# (a launch site or a retaliation nearby is usually within it).
CONFLICT_KM = 25.0


@dataclass
class _Draft:
    """An incident being assembled: its label and the sentences assigned to it so far."""

    label: str
    facts: list[SentenceFacts]
    background: bool

    @property
    def last(self) -> int:
        return max(f.index for f in self.facts if not f.headline) if any(not f.headline for f in self.facts) \
            else self.facts[-1].index

    @property
    def date(self) -> TimeValue | None:
        dates = [f.date for f in self.facts if f.date is not None]
        return min(dates, key=lambda t: t.precision or 9) if dates else None

    @property
    def specific(self) -> list[Place]:
        return [p for f in self.facts for p in f.specific]

    @property
    def perpetrators(self) -> list[str]:
        return [p for f in self.facts for p in f.perpetrators]


# --- merge decisions ---------------------------------------------------------------------------


def dates_compatible(a: TimeValue | None, b: TimeValue | None) -> bool:
    """Two times can describe one incident: equal days, or within the coarser one's window."""
    if a is None or b is None or a.date is None or b.date is None:
        return True
    precision = max(a.precision or DAY, b.precision or DAY)
    diff = abs((a.date - b.date).days)
    if precision == DAY:
        return diff == 0
    return diff <= 3 if precision == 2 else diff <= 15


def _shared_places(d: _Draft, f: SentenceFacts) -> int:
    mine = d.specific
    shared = sum(any(compatible(p, q, km=NEAR_KM) for q in mine) for p in f.specific)
    keys = {k for x in d.facts for k in x.unresolved_keys}
    return shared + len(f.unresolved_keys & keys)


def _place_conflict(d: _Draft, f: SentenceFacts) -> bool:
    mine, theirs = d.specific, f.specific
    return bool(mine) and bool(theirs) and not any(compatible(p, q, km=CONFLICT_KM) for p in theirs for q in mine)


def _choose_draft(drafts: list[_Draft], f: SentenceFacts, label: str) -> _Draft | None:
    if f.separate:
        return None
    cands = [d for d in drafts if d.label == label and (d.background or not f.background)
             and dates_compatible(d.date, f.date)]
    if f.perpetrators:
        cands = [d for d in cands if not sides_conflict(d.perpetrators, f.perpetrators, strong=not f.attack)]
    sharing = [(n, d.last, d) for d in cands if (n := _shared_places(d, f))]
    if sharing:
        return max(sharing, key=lambda x: (x[0], x[1]))[2]
    same_day = [d for d in cands if f.date and d.date and f.date.precision == DAY and d.date.precision == DAY
                and f.date.date == d.date.date and not _place_conflict(d, f)]
    if same_day:
        return max(same_day, key=lambda d: d.last)
    recent = max(cands, key=lambda d: d.last, default=None)
    if recent is None or f.index - recent.last > MAX_GAP:
        return None
    if f.attack and _place_conflict(recent, f):
        return None
    return recent


def group_sentences(facts: list[SentenceFacts]) -> list[_Draft]:
    """Assign every event sentence (each of its labels) to a draft incident."""
    drafts: list[_Draft] = []
    headlines = []
    for f in facts:
        for label in f.labels:
            if f.headline:
                headlines.append((f, label))
                continue
            d = _choose_draft(drafts, f, label)
            if d is None:
                drafts.append(_Draft(label, [f], f.background))
            else:
                d.facts.append(f)
    for f, label in headlines:
        target = next((d for d in drafts if d.label == label and not d.background), None)
        if target is None:
            drafts.insert(0, _Draft(label, [f], False))
        else:
            target.facts.insert(0, f)
    return sorted(drafts, key=lambda d: min(x.index for x in d.facts))


# --- one incident from its sentences -----------------------------------------------------------


def _best_place(facts: list[SentenceFacts]) -> PlaceMatch | None:
    """Where: the place the evidence names most (reference points such as ``جنوبي الخيام`` or a
    road's end points count half), a specific or unmatched name before a governorate before a
    country; ties to the first mentioned."""
    mentions = [(m, w) for f in facts
                for m, w in zip(f.places, f.place_weights or [1.0] * len(f.places), strict=True)]
    if not mentions:
        mentions = [(m, 1.0) for f in facts for m in f.datelines]
    if not mentions:
        return None
    stats: dict[str, list] = {}
    for i, (m, w) in enumerate(mentions):
        key = m.place.id if m.place else "text:" + name_key(clean_mention(m.text))
        breadth = (2 if m.place.kind == "country" else 1 if m.place.broad else 0) if m.place else 0
        entry = stats.setdefault(key, [breadth, 0.0, i, m])
        entry[1] -= w
    return min(stats.values(), key=lambda e: tuple(e[:3]))[3]


def main_town(facts: list[SentenceFacts]) -> Place | None:
    """The specific place the whole report names most (datelines included)."""
    counts: Counter[str] = Counter()
    places: dict[str, Place] = {}
    for f in facts:
        for m in [*f.places, *f.datelines]:
            if m.place is not None and not m.place.broad and m.place.kind != "sea":
                counts[m.place.id] += 1
                places[m.place.id] = m.place
    return places[counts.most_common(1)[0][0]] if counts else None


def _inside_town(text: str) -> bool:
    toks = [t for t in words(clean_mention(text)) if t not in NEAR_WORDS]
    return bool(toks) and toks[0] in SUB_CITY


def _date(facts: list[SentenceFacts], published: dt.date | None) -> tuple[TimeValue | None, str, str]:
    """(time, basis, time text) for the incident."""
    resolved = [(t.precision or 9, i, t) for i, f in enumerate(facts) for t in f.times if t.resolved]
    texts = [t.text for f in facts for t in f.times]
    if resolved:
        precision = min(r[0] for r in resolved)
        best = [r[2] for r in resolved if r[0] == precision]
        counts = Counter(t.date for t in best)
        day = next(t for t in best if counts[t.date] == max(counts.values()))
        return day, "text", "; ".join(dict.fromkeys(texts))
    if any(t.status == "unresolved" for f in facts for t in f.times):
        return None, "unresolved", "; ".join(dict.fromkeys(texts))
    if published is not None and not all(f.background for f in facts):
        return TimeValue("", published, 2, "resolved", "published"), "published", "; ".join(dict.fromkeys(texts))
    return None, "none", "; ".join(dict.fromkeys(texts))


def _casualties(facts: list[SentenceFacts]) -> tuple[int | None, int | None, tuple[str, ...]]:
    total = Casualties()
    for f in facts:
        total = total.best(f.casualties)
    flags: list[str] = []
    out: list[int | None] = []
    for name, count in (("killed", total.killed), ("injured", total.injured)):
        count = count or Count(0)
        out.append(count.value)
        flags += [f"{name}:{x}" for x in sorted(count.flags)]
    return out[0], out[1], tuple(flags)


def build_incident(draft: _Draft, *, doc: DocumentPrediction, number: int, schema: LabelSchema,
                   published: dt.date | None, town: Place | None = None) -> Incident:
    facts = sorted(draft.facts, key=lambda f: f.index)
    time, basis, time_text = _date(facts, published)
    place = _best_place(facts)
    if place is not None and place.place is None and town is not None and _inside_town(place.text):
        place = PlaceMatch(place.text, "", town)
    perps = actor_names(p for f in facts for p in f.perpetrators)
    targets = actor_names(t for f in facts for t in f.targets)
    actor1 = perps[0] if perps else ""
    actor2 = targets[0] if targets else perps[1] if len(perps) > 1 else ""
    weapons = [longest(g) for g in group_mentions(w for f in facts for w in f.weapons)]
    meta_source = str(doc.meta.get("source") or "")
    sources = [meta_source] if meta_source else []
    for g in group_mentions(s for f in facts for s in f.sources):
        name = longest(g)
        if fold(name) not in {fold(x) for x in sources}:
            sources.append(name)
    killed, injured, flags = _casualties(facts)
    p = place.place if place else None
    return Incident(
        event_id=f"{doc.id}-e{number}", doc_id=doc.id, event_label=draft.label,
        event_type=schema.acled_sub_event(draft.label),
        event_date=time.date if time else None, time_precision=time.precision if time else None,
        time_text=time_text, date_basis=basis, actor1=actor1, actor2=actor2, weapon="; ".join(weapons),
        location=p.name_ar if p else clean_mention(place.text) if place else "",
        location_text=place.text if place else "", place_id=p.id if p else "",
        location_en=p.name_en if p else "", country=p.country if p else "", admin1=p.admin1 if p else "",
        latitude=p.latitude if p else None, longitude=p.longitude if p else None,
        fatalities=killed, injured=injured, casualty_flags=flags, source="; ".join(sources),
        evidence=tuple(Evidence(doc.id, f.sentence.start, f.sentence.end, f.sentence.text, draft.label)
                       for f in facts),
    )


def document_incidents(doc: DocumentPrediction, *, gazetteer: Gazetteer, schema: LabelSchema) -> list[Incident]:
    """All incidents one report describes, in the order the report first mentions them.

    >>> from rasd.inference.outputs import SentencePrediction as S, SlotPrediction as T
    >>> text = "قصفت طائرة مسيرة موقعا في الميادين أمس."
    >>> doc = DocumentPrediction("d1", [S(0, len(text), text, "air_drone_strike", 1.0, slots=[
    ...     T("LOCATION", "الميادين", 26, 34, 1.0), T("TIME", "أمس", 35, 38, 1.0)])],
    ...     meta={"published": "2022-11-18"})
    >>> g = Gazetteer([Place("p", "الميادين", "Al Mayadin", "SY", "Deir-ez-Zor", 35.02, 40.45)])
    >>> [(i.event_type, str(i.event_date), i.location) for i in document_incidents(doc, gazetteer=g,
    ...     schema=LabelSchema.default())]
    [('Air/drone strike', '2022-11-17', 'الميادين')]
    """
    published = parse_published(doc.meta.get("published"))
    countries = document_countries(doc, gazetteer)
    title = str(doc.meta.get("title") or "")
    facts = [read_sentence(i, s, event_labels(s, schema), published=published, gazetteer=gazetteer,
                           countries=countries, title=title) for i, s in enumerate(doc.sentences)]
    fill_same_day(facts)
    drafts = group_sentences([f for f in facts if f.labels])
    town = main_town(facts)
    incidents = [build_incident(d, doc=doc, number=n, schema=schema, published=published, town=town)
                 for n, d in enumerate(drafts, start=1)]
    return inherit_places(incidents, drafts)


def inherit_places(incidents: list[Incident], drafts: list[_Draft]) -> list[Incident]:
    """An incident whose sentences name no place (``وطوقت القوات مكان الانفجار``) happened where
    the story was at that point: it takes the place of the incident told just before it.
    ``location_text`` stays empty to show the place was inferred. Background is never filled."""
    out: list[Incident] = []
    for inc, draft in zip(incidents, drafts, strict=True):
        prev = next((o for o in reversed(out) if o.location), None)
        if not inc.location and prev is not None and not draft.background:
            inc = replace(inc, location=prev.location, place_id=prev.place_id, location_en=prev.location_en,
                          country=prev.country, admin1=prev.admin1, latitude=prev.latitude,
                          longitude=prev.longitude)
        out.append(inc)
    return out

