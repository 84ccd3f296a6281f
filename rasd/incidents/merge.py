"""Document level: the event sentences of one report merged into incidents.

A report tells one attack over several sentences (headline, dateline lead, casualties, the
claim) and often mentions others (the retaliation, "a similar attack last month"). A
sentence joins an open incident of the same event label when nothing contradicts it and it
is either near (at most ``MAX_GAP`` sentences after the incident's last one) or shares a
place or a day with it. It starts a new incident when:

- its date differs (``الليلة الماضية`` vs ``منتصف نيسان الماضي``);
- it reports an attack (weapon, target or casualties) by a side the incident has not named
  (the other side firing back), or at a place far from all of the incident's places;
- it is flagged as another event (``وفي حادثة منفصلة``) or as background
  (``وكان ... قد ...``), which never joins the current story by proximity.

The headline summarises the report, often naming several incidents at once, so it is read
last and joins the first incident of its label. Datelines (``دير الزور - خاص:``) name where
the report was filed and never decide an incident's place.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from rasd.data.schema import LabelSchema
from rasd.incidents.actors import actor_names, clean_mention, group_mentions, longest, sides_conflict
from rasd.incidents.arabic import fold, words
from rasd.incidents.casualties import KILLED, Casualties, Count, parse_casualties
from rasd.incidents.dates import DAY, TimeValue, parse_published, resolve_time
from rasd.incidents.gazetteer import Gazetteer, Place, PlaceMatch, compatible, name_key
from rasd.incidents.records import Evidence, Incident
from rasd.inference.outputs import DocumentPrediction, SentencePrediction, SlotPrediction

MAX_GAP = 2
NEAR_KM = 10.0
SEPARATE_CUES = {("حادثه", "منفصله"), ("حادث", "منفصل"), ("حادثه", "اخري"), ("هجوم", "منفصل"),
                 ("حادثه", "ثانيه"), ("هجوم", "اخر")}
BACKGROUND_OPENERS = {"وكان", "وكانت", "كان", "كانت"}
FOLLOW_UP_OPENERS = {"وياتي", "ياتي", "وتاتي", "تاتي", "وجاء", "جاء", "وجاءت"}
SIMILAR = {"مماثل", "مماثله", "مشابه", "مشابهه"}
# Phrases outside TIME spans that put a sentence on the day of the event told before it.
SAME_DAY_PHRASES = {("بعد", "ساعات"), ("بعد", "ساعه"), ("بعد", "ساعتين"), ("اليوم", "ذاته"),
                    ("اليوم", "نفسه"), ("الوقت", "ذاته"), ("الوقت", "نفسه"), ("نفس", "اليوم")}


@dataclass
class SentenceFacts:
    """What one sentence says, normalized: the unit the merge decisions look at."""

    index: int
    sentence: SentencePrediction
    labels: list[str]
    times: list[TimeValue] = field(default_factory=list)
    places: list[PlaceMatch] = field(default_factory=list)
    datelines: list[PlaceMatch] = field(default_factory=list)
    perpetrators: list[str] = field(default_factory=list)
    targets: list[str] = field(default_factory=list)
    weapons: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    casualties: Casualties = field(default_factory=Casualties)
    background: bool = False
    separate: bool = False
    headline: bool = False

    @property
    def date(self) -> TimeValue | None:
        """The most precise resolved time in the sentence (the first among equals)."""
        resolved = [t for t in self.times if t.resolved]
        return min(resolved, key=lambda t: t.precision or 9) if resolved else None

    @property
    def attack(self) -> bool:
        """The sentence describes an act itself, not just who said what."""
        return bool(self.weapons or self.targets or self.casualties.killed or self.casualties.injured)

    @property
    def specific(self) -> list[Place]:
        return [m.place for m in self.places if m.place is not None and not m.place.broad]

    @property
    def unresolved_keys(self) -> set[str]:
        return {name_key(clean_mention(m.text)) for m in self.places if m.place is None}


@dataclass
class _Draft:
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


# --- reading one document ----------------------------------------------------------------------


def _relative(slot: SlotPrediction, sentence: SentencePrediction) -> tuple[int, int]:
    """Slot offsets inside the sentence text (predictions index the document)."""
    start = slot.start - sentence.start
    if sentence.text[start:start + len(slot.text)] != slot.text:
        found = sentence.text.find(slot.text)
        start = found if found >= 0 else 0
    return start, start + len(slot.text)


def _dateline_spans(sentence: SentencePrediction) -> set[int]:
    """Starts of LOCATION slots that form the dateline (``القامشلي (رويترز) -``, ``واشنطن/بغداد -``)."""
    text = sentence.text
    locs = sorted((_relative(s, sentence), s) for s in sentence.slots if s.label == "LOCATION")
    out: set[int] = set()
    pos = 0
    for (start, end), _ in locs:
        if text[pos:start].strip():
            break
        tail = text[end:].lstrip()
        if not tail or tail[0] not in "-–—(/":
            break
        out.add(start)
        if tail[0] != "/":
            break
        pos = end + (len(text[end:]) - len(tail)) + 1
    return out


def _labels(sentence: SentencePrediction, schema: LabelSchema) -> list[str]:
    labels = sentence.event_labels or ([sentence.event_type] if sentence.event_type else [])
    return [x for x in labels if x and x != schema.none_event and schema.acled_sub_event(x) != ""]


def document_countries(doc: DocumentPrediction, gazetteer: Gazetteer) -> list[str]:
    """Countries the report's places are in, most mentioned first: decides shared place names."""
    counts: Counter[str] = Counter()
    for s in doc.sentences:
        for slot in s.slots:
            if slot.label == "LOCATION":
                m = gazetteer.match(slot.text)
                if m.place is not None and m.place.country:
                    counts[m.place.country] += 1
    return [c for c, _ in counts.most_common()]


def read_sentence(index: int, sentence: SentencePrediction, labels: list[str], *, published: dt.date | None,
                  gazetteer: Gazetteer, countries: Sequence[str], title: str = "") -> SentenceFacts:
    """Normalize every slot of one sentence."""
    facts = SentenceFacts(index, sentence, labels)
    dateline = _dateline_spans(sentence)
    category: str | None = None
    toks = words(sentence.text)
    for slot in sorted(sentence.slots, key=lambda s: s.start):
        start, end = _relative(slot, sentence)
        if slot.label == "TIME":
            facts.times.append(resolve_time(slot.text, published))
        elif slot.label == "LOCATION":
            m = gazetteer.match(slot.text, countries=countries)
            (facts.datelines if start in dateline else facts.places).append(m)
        elif slot.label == "PERPETRATOR":
            facts.perpetrators.append(slot.text)
        elif slot.label == "TARGET":
            facts.targets.append(slot.text)
        elif slot.label == "WEAPON":
            facts.weapons.append(slot.text)
        elif slot.label == "SOURCE":
            facts.sources.append(slot.text)
        elif slot.label == "CASUALTIES":
            c = parse_casualties(slot.text, before=sentence.text[:start], after=sentence.text[end:],
                                 default=category)
            if c.killed or c.injured:
                category = KILLED if c.killed and not c.injured else "injured" if c.injured and not c.killed \
                    else category
            facts.casualties = facts.casualties.add(c)
    bare = [t[1:] if t[:1] in "وف" and len(t) > 3 else t for t in toks]
    pairs = {tuple(x[i:i + 2]) for x in (toks, bare) for i in range(len(x) - 1)}
    facts.background = bool(toks) and (toks[0] in BACKGROUND_OPENERS and "قد" in toks[1:10]
                                       or toks[0] in FOLLOW_UP_OPENERS and "بعد" in toks[1:6])
    facts.separate = bool(pairs & SEPARATE_CUES) or bool(SIMILAR & set(toks))
    if not facts.times and pairs & SAME_DAY_PHRASES:
        facts.times.append(TimeValue(" ".join(next(iter(pairs & SAME_DAY_PHRASES))), status="same_day",
                                     rule="same-day-phrase"))
    facts.headline = index == 0 and bool(title) and fold(title) == fold(sentence.text)
    return facts


def _fill_same_day(facts: list[SentenceFacts]) -> None:
    """``اليوم ذاته``: the date of the last resolved time before it in the report."""
    last: TimeValue | None = None
    for f in facts:
        for i, t in enumerate(f.times):
            if t.status == "same_day" and last is not None:
                f.times[i] = TimeValue(t.text, last.date, last.precision, "resolved", "same-day")
            elif t.resolved:
                last = t


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
    return bool(mine) and bool(theirs) and not any(compatible(p, q, km=NEAR_KM) for p in theirs for q in mine)


def _choose_draft(drafts: list[_Draft], f: SentenceFacts, label: str) -> _Draft | None:
    if f.separate:
        return None
    cands = [d for d in drafts if d.label == label and d.background == f.background
             and dates_compatible(d.date, f.date)]
    if f.attack and f.perpetrators:
        cands = [d for d in cands if not sides_conflict(d.perpetrators, f.perpetrators)]
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
    """Where: a named specific place over a governorate over unmatched text over a country;
    then the most mentioned, the most precise, the first."""
    mentions = [m for f in facts for m in f.places] or [m for f in facts for m in f.datelines]
    if not mentions:
        return None
    stats: dict[str, list] = {}
    for i, m in enumerate(mentions):
        key = m.place.id if m.place else "text:" + name_key(clean_mention(m.text))
        tier = (3 if m.place.kind == "country" else 1 if m.place.broad else 0) if m.place else 2
        spec = m.place.specificity if m.place else 9
        entry = stats.setdefault(key, [tier, 0, spec, i, m])
        entry[1] -= 1
    return min(stats.values(), key=lambda e: tuple(e[:4]))[4]


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
                   published: dt.date | None) -> Incident:
    facts = sorted(draft.facts, key=lambda f: f.index)
    time, basis, time_text = _date(facts, published)
    place = _best_place(facts)
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
    facts = [read_sentence(i, s, _labels(s, schema), published=published, gazetteer=gazetteer,
                           countries=countries, title=title) for i, s in enumerate(doc.sentences)]
    _fill_same_day(facts)
    drafts = group_sentences([f for f in facts if f.labels])
    return [build_incident(d, doc=doc, number=n, schema=schema, published=published)
            for n, d in enumerate(drafts, start=1)]

