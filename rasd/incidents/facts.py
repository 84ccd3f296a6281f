"""What one sentence says, normalized: the facts the merge step decides on.

Every slot of a predicted sentence goes through its normalizer here (TIME to a date,
LOCATION to a place, CASUALTIES to counts); the sentence also gets the discourse cues the
merge needs: is it background (``وكان ... قد``), does it announce another event
(``وفي حادثة منفصلة``), is it anchored on the event told before (``بعد ساعات``), is it the
headline. Slot roles are the default schema's slot names (below); a schema that names them
differently needs its own reader.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from rasd.data.schema import LabelSchema
from rasd.incidents.actors import clean_mention
from rasd.incidents.arabic import clitic_variants, fold, words
from rasd.incidents.casualties import KILLED, Casualties, parse_casualties
from rasd.incidents.dates import TimeValue, resolve_time
from rasd.incidents.gazetteer import Gazetteer, Place, PlaceMatch, name_key
from rasd.inference.outputs import DocumentPrediction, SentencePrediction, SlotPrediction

TIME, LOCATION, PERPETRATOR, TARGET, WEAPON, SOURCE, CASUALTIES = (
    "TIME", "LOCATION", "PERPETRATOR", "TARGET", "WEAPON", "SOURCE", "CASUALTIES")
SEPARATE_CUES = {("حادثه", "منفصله"), ("حادث", "منفصل"), ("حادثه", "اخري"), ("هجوم", "منفصل"),
                 ("حادثه", "ثانيه"), ("هجوم", "اخر")}
# "The second attack of its kind ..., after ...": the sentence tells an earlier one.
ORDINAL_CUES = {("ثاني", "هجوم"), ("ثالث", "هجوم"), ("ثاني", "عمليه"), ("ثالث", "عمليه"), ("ثاني", "انفجار"),
                ("ثالث", "انفجار"), ("ثاني", "حادثه"), ("ثالث", "حادثه"), ("ثاني", "استهداف")}
BACKGROUND_OPENERS = {"وكان", "وكانت", "كان", "كانت"}
DIRECTIONS = {"شمال", "جنوب", "شرق", "غرب", "شمالي", "جنوبي", "شرقي", "غربي", "شمال شرق", "بشمال", "بجنوب",
              "بشرق", "بغرب"}
# Places inside a town (a street, a district, a bridge): an unmatched one is coded to the
# report's main town, as ACLED codes neighbourhoods to their city.
SUB_CITY = {"حي", "شارع", "ساحه", "دوار", "سوق", "جسر", "مستشفي", "مشفي", "كليه", "مدرسه", "جامع", "مسجد",
            "مبني", "احياء", "حاره", "مخبز", "فندق"}
ROADS = {"طريق", "الطريق", "اوتوستراد", "خط"}
NEAR_WORDS = {"قرب", "محيط", "اطراف", "بالقرب", "مدخل", "وسط", "داخل"}
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
    # How much each place mention says "here": 0.5 for a reference point (``جنوبي الخيام``).
    place_weights: list[float] = field(default_factory=list)
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
    locs = sorted((_relative(s, sentence), s) for s in sentence.slots if s.label == LOCATION)
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


def event_labels(sentence: SentencePrediction, schema: LabelSchema) -> list[str]:
    labels = sentence.event_labels or ([sentence.event_type] if sentence.event_type else [])
    return [x for x in labels if x and x != schema.none_event and schema.acled_sub_event(x) != ""]


def document_countries(doc: DocumentPrediction, gazetteer: Gazetteer) -> list[str]:
    """Countries the report's places are in, most mentioned first: decides shared place names."""
    counts: Counter[str] = Counter()
    for s in doc.sentences:
        for slot in s.slots:
            if slot.label == LOCATION:
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
        if slot.label == TIME:
            facts.times.append(resolve_time(slot.text, published))
        elif slot.label == LOCATION:
            m = gazetteer.match(slot.text, countries=countries)
            if start in dateline:
                facts.datelines.append(m)
            else:
                facts.places.append(m)
                before = words(sentence.text[max(0, start - 12):start])[-1:]
                first = [clitic_variants(w)[-1] for w in words(slot.text)[:1]]
                facts.place_weights.append(0.5 if set(before + first) & (DIRECTIONS | ROADS) else 1.0)
        elif slot.label == PERPETRATOR:
            facts.perpetrators.append(slot.text)
        elif slot.label == TARGET:
            facts.targets.append(slot.text)
        elif slot.label == WEAPON:
            facts.weapons.append(slot.text)
        elif slot.label == SOURCE:
            facts.sources.append(slot.text)
        elif slot.label == CASUALTIES:
            c = parse_casualties(slot.text, before=sentence.text[:start], after=sentence.text[end:],
                                 default=category)
            if c.killed or c.injured:
                category = KILLED if c.killed and not c.injured else "injured" if c.injured and not c.killed \
                    else category
            facts.casualties = facts.casualties.add(c)
    bare = [t[1:] if t[:1] in "وف" and len(t) > 3 else t for t in toks]
    pairs = {tuple(x[i:i + 2]) for x in (toks, bare) for i in range(len(x) - 1)}
    facts.background = bool(toks) and (toks[0] in BACKGROUND_OPENERS and "قد" in toks[1:10]
                                       or toks[0] in FOLLOW_UP_OPENERS and "بعد" in toks[1:6]) \
        or bool(pairs & ORDINAL_CUES)
    facts.separate = bool(pairs & SEPARATE_CUES) or bool(SIMILAR & set(toks))
    if not facts.times and pairs & SAME_DAY_PHRASES:
        facts.times.append(TimeValue(" ".join(next(iter(pairs & SAME_DAY_PHRASES))), status="same_day",
                                     rule="same-day-phrase"))
    facts.headline = index == 0 and (fold(title) == fold(sentence.text)
                                     or not sentence.text.rstrip().endswith((".", "!", "؟", "?", "…", ":")))
    return facts


def fill_same_day(facts: list[SentenceFacts]) -> None:
    """``اليوم ذاته``: the date of the last resolved time before it in the report."""
    last: TimeValue | None = None
    for f in facts:
        for i, t in enumerate(f.times):
            if t.status == "same_day" and last is not None:
                f.times[i] = TimeValue(t.text, last.date, last.precision, "resolved", "same-day")
            elif t.resolved:
                last = t
