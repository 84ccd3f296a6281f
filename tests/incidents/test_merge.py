"""Document level: which sentences make one incident, and what the incident row says."""

from __future__ import annotations

import datetime as dt

import pytest
from incident_markup import document

from rasd.data.schema import LabelSchema
from rasd.incidents.dates import TimeValue
from rasd.incidents.gazetteer import Gazetteer
from rasd.incidents.merge import dates_compatible, document_incidents
from rasd.incidents.records import Incident


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return Gazetteer.load()


def run(gaz: Gazetteer, lines: list[str], published: str = "2022-11-18", **kw: object) -> list[Incident]:
    return document_incidents(document("d1", published, lines, **kw), gazetteer=gaz, schema=LabelSchema.default())


def test_one_attack_told_over_several_sentences(gaz: Gazetteer) -> None:
    incs = run(gaz, [
        "shelling_missile_attack | [صواريخ غراد](WEAPON) تستهدف [قاعدة التحالف](TARGET) في [حقل العمر](LOCATION) [بريف دير الزور](LOCATION)",
        "none | 2022.11.18 | 07:57",
        "shelling_missile_attack | [دير الزور](LOCATION) - خاص: قال [مراسل الشبكة](SOURCE) إن [ثلاثة صواريخ](WEAPON) انطلقت [مساء الخميس](TIME) باتجاه [قاعدة التحالف الدولي](TARGET) في [حقل العمر](LOCATION).",
        "shelling_missile_attack | وأكد [مصدر محلي](SOURCE) أن الهجوم أسفر عن [إصابة جنديين](CASUALTIES).",
        "none | اقرأ أيضاً: خبر آخر",
    ], source="شبكة عين الفرات")
    assert len(incs) == 1
    inc = incs[0]
    assert (inc.event_type, inc.event_label) == ("Shelling/artillery/missile attack", "shelling_missile_attack")
    assert (inc.event_date, inc.time_precision, inc.date_basis) == (dt.date(2022, 11, 17), 1, "text")
    assert (inc.location, inc.admin1, inc.country) == ("حقل العمر", "Deir-ez-Zor", "SY")
    assert inc.latitude is not None and inc.longitude is not None
    assert (inc.fatalities, inc.injured) == (0, 2)
    assert inc.actor2 == "قاعدة التحالف الدولي"
    assert inc.source.startswith("شبكة عين الفرات") and "مصدر محلي" in inc.source
    assert len(inc.evidence) == 3 and inc.evidence[0].start == 0
    assert [e.start for e in inc.evidence] == sorted(e.start for e in inc.evidence)
    assert all(e.end - e.start == len(e.text) for e in inc.evidence)
    assert inc.notes.startswith("صواريخ غراد")


def test_a_date_far_from_the_story_starts_another_incident(gaz: Gazetteer) -> None:
    incs = run(gaz, [
        "air_drone_strike | [طائرة مسيرة](WEAPON) تستهدف [مطار أربيل الدولي](LOCATION)",
        "air_drone_strike | استهدفت [طائرة مسيّرة](WEAPON) [الليلة الماضية](TIME) [قاعدة للتحالف](TARGET) داخل [مطار أربيل](LOCATION).",
        "none | وتكررت الهجمات خلال الأشهر الأخيرة.",
        "air_drone_strike | وكان هجوم مماثل [بطائرة مسيرة](WEAPON) قد استهدف [مطار أربيل](LOCATION) في [منتصف نيسان الماضي](TIME)، ما أدى إلى [إصابة ثلاثة أشخاص](CASUALTIES).",
    ], published="2021-07-07")
    assert [(str(i.event_date), i.time_precision, i.injured) for i in incs] == [
        ("2021-07-06", 1, 0), ("2021-04-15", 3, 3)]


def test_the_other_side_firing_back_is_another_incident(gaz: Gazetteer) -> None:
    incs = run(gaz, [
        "shelling_missile_attack | [ثلاثة صواريخ](WEAPON) أطلقتها [ميليشيا لواء الباقر](PERPETRATOR) [مساء الخميس](TIME) على [حقل العمر](LOCATION).",
        "shelling_missile_attack | وردّت [القوات الأمريكية](PERPETRATOR) [بقذائف مدفعية ثقيلة](WEAPON) طالت [أطراف مدينة الميادين](LOCATION).",
    ], title=False)
    assert [i.actor1 for i in incs] == ["ميليشيا لواء الباقر", "القوات الأمريكية"]
    assert [i.location for i in incs] == ["حقل العمر", "الميادين"]
    assert incs[1].weapon == "قذائف مدفعية ثقيلة"


def test_a_headline_naming_two_attacks_joins_the_first(gaz: Gazetteer) -> None:
    incs = run(gaz, [
        "air_drone_strike | [المقاومة الإسلامية في العراق](PERPETRATOR) تتبنى هجومين على [قاعدتي](TARGET) [حرير](LOCATION) [وعين الأسد](LOCATION)",
        "air_drone_strike | [بغداد](LOCATION) - [شفق نيوز](SOURCE): أعلنت [المقاومة الإسلامية في العراق](PERPETRATOR) [اليوم الخميس](TIME) أنها استهدفت [القوات الأمريكية](TARGET) في [قاعدة حرير](LOCATION) [بطائرتين مسيرتين](WEAPON).",
        "air_drone_strike | وأضافت أن مقاتليها هاجموا بعد ساعات [قاعدة عين الأسد الجوية](LOCATION) [بثلاث طائرات مسيرة](WEAPON).",
        "air_drone_strike | وقال [مسؤول أمريكي](SOURCE) إن الدفاعات الجوية اعترضت إحدى المسيرات فوق [حرير](LOCATION).",
    ], published="2023-10-26")
    assert [(i.location_en, len(i.evidence)) for i in incs] == [("Harir airbase", 3), ("Ain al-Asad airbase", 1)]
    assert incs[0].evidence[0].start == 0
    assert incs[1].event_date == dt.date(2023, 10, 26)  # "بعد ساعات": the day of the attack before


def test_labels_cues_and_distance(gaz: Gazetteer) -> None:
    incs = run(gaz, [
        "remote_explosive | انفجرت [عبوة ناسفة](WEAPON) [صباح اليوم](TIME) [بدورية](TARGET) في [الشحيل](LOCATION).",
        "mobilization | وعقب الانفجار طوقت [قسد](PERPETRATOR) المنطقة.",
        "remote_explosive | وفي حادثة منفصلة، انفجر [لغم](WEAPON) [بسيارة](TARGET) قرب [ذيبان](LOCATION) [صباح اليوم](TIME).",
        "none | تفاصيل.",
        "none | تفاصيل أخرى.",
        "none | تفاصيل ثالثة.",
        "remote_explosive | وقال [مصدر](SOURCE) إن عبوة [الشحيل](LOCATION) أسفرت عن [مقتل عنصرين](CASUALTIES).",
    ], title=False)
    assert [(i.event_label, i.location_en, i.fatalities) for i in incs] == [
        ("remote_explosive", "Al-Shuhayl", 2), ("mobilization", "Al-Shuhayl", 0), ("remote_explosive", "Dhībān", 0)]
    assert incs[1].date_basis == "published" and incs[1].time_precision == 2
    assert incs[1].location_text == ""  # no place named: the scene of the incident before it


def test_dateline_is_not_the_place(gaz: Gazetteer) -> None:
    incs = run(gaz, [
        "unexplained_explosion | [القامشلي](LOCATION) ([رويترز](SOURCE)) - دوى انفجار [الإثنين](TIME) في [الحسكة](LOCATION).",
    ], title=False)
    assert incs[0].location_en == "Al Ḩasakah"
    only_dateline = run(gaz, ["unexplained_explosion | [القامشلي](LOCATION) - دوى انفجار [الإثنين](TIME)."],
                        title=False)
    assert only_dateline[0].location_en == "Al Qāmishlī"


def test_multi_label_sentence_feeds_both_incidents(gaz: Gazetteer) -> None:
    incs = run(gaz, [
        "armed_clash+seizure | سيطر [مسلحون](PERPETRATOR) على [حاجز](TARGET) في [الصبحة](LOCATION) [أمس](TIME) بعد اشتباكات.",
    ], title=False)
    assert sorted(i.event_label for i in incs) == ["armed_clash", "seizure"]
    assert all(i.event_date == dt.date(2022, 11, 17) for i in incs)


def test_unresolvable_and_anchored_times(gaz: Gazetteer) -> None:
    incs = run(gaz, [
        "air_drone_strike | قصفت [طائرة](WEAPON) [موقعاً](TARGET) في [صنعاء](LOCATION) في [الخامس من رمضان](TIME).",
        "shelling_missile_attack | وسقطت [قذيفة](WEAPON) على [مأرب](LOCATION) [مساء الثلاثاء](TIME).",
        "armed_clash | واندلعت اشتباكات في [صرواح](LOCATION) في [اليوم ذاته](TIME).",
    ], title=False)
    assert [(i.event_date, i.date_basis) for i in incs] == [
        (None, "unresolved"), (dt.date(2022, 11, 15), "text"), (dt.date(2022, 11, 15), "text")]
    assert incs[0].time_text == "الخامس من رمضان"


def test_background_without_date_gets_no_date(gaz: Gazetteer) -> None:
    incs = run(gaz, [
        "air_drone_strike | قصفت [طائرة](WEAPON) [موقعاً](TARGET) في [إدلب](LOCATION) [أمس](TIME).",
        "none | نص.",
        "none | نص.",
        "none | نص.",
        "shelling_missile_attack | وكانت [القوات](PERPETRATOR) قد قصفت [سراقب](LOCATION) [بالمدفعية](WEAPON).",
    ], title=False)
    assert [(i.event_label, i.date_basis) for i in incs] == [("air_drone_strike", "text"),
                                                            ("shelling_missile_attack", "none")]


def test_casualties_sum_within_a_sentence_and_take_the_larger_retelling(gaz: Gazetteer) -> None:
    incs = run(gaz, [
        "armed_clash | أسفرت المواجهات عن [مقتل 7 من عناصر قسد](CASUALTIES) [و23 مهاجماً](CASUALTIES) في [الحسكة](LOCATION).",
        "armed_clash | وأكد المرصد [مقتل 12 عنصراً](CASUALTIES) [وإصابة العشرات](CASUALTIES).",
    ], title=False)
    assert (incs[0].fatalities, incs[0].injured) == (30, None)
    assert incs[0].casualty_flags == ("injured:lower_bound", "injured:unknown")


def test_actors_longest_mention_per_side(gaz: Gazetteer) -> None:
    incs = run(gaz, [
        "armed_clash | اشتباكات بين [قسد](PERPETRATOR) [ومقاتلي العشائر](PERPETRATOR) في [ذيبان](LOCATION)",
        "armed_clash | تدور اشتباكات بين [قوات سوريا الديمقراطية](PERPETRATOR) ومسلحين من [عشيرة العكيدات](PERPETRATOR) في [بلدة ذيبان](LOCATION) [فجر اليوم](TIME).",
    ])
    assert (incs[0].actor1, incs[0].actor2) == ("قوات سوريا الديمقراطية", "مقاتلي العشائر")


def test_only_none_sentences_make_no_incident(gaz: Gazetteer) -> None:
    assert run(gaz, ["none | بيان سياسي.", "none | تابعونا."], title=False) == []


def test_labels_come_from_the_schema(gaz: Gazetteer) -> None:
    schema = LabelSchema(name="mine", event_types=["raid", "other"], slot_types=["LOCATION"], none_event="other")
    doc = document("d1", "2022-11-18", ["raid | مداهمة في [حمص](LOCATION) [أمس](TIME).", "other | لا شيء."])
    incs = document_incidents(doc, gazetteer=gaz, schema=schema)
    assert [(i.event_label, i.event_type) for i in incs] == [("raid", "raid")]


@pytest.mark.parametrize(("a", "b", "ok"), [
    (("2022-11-17", 1), ("2022-11-17", 1), True), (("2022-11-17", 1), ("2022-11-16", 1), False),
    (("2022-11-17", 1), ("2022-11-15", 2), True), (("2022-11-17", 1), ("2022-11-11", 2), False),
    (("2022-11-17", 1), ("2022-11-05", 3), True), (("2022-11-17", 1), None, True),
])
def test_dates_compatible(a: tuple | None, b: tuple | None, ok: bool) -> None:
    def tv(x: tuple | None) -> TimeValue | None:
        return None if x is None else TimeValue("", dt.date.fromisoformat(x[0]), x[1], "resolved")

    assert dates_compatible(tv(a), tv(b)) is ok


def test_reference_points_and_roads_count_half(gaz: Gazetteer) -> None:
    incs = run(gaz, [
        "mobilization | دخل [رتل](PERPETRATOR) إلى [قاعدة تل بيدر](LOCATION) [شمال الحسكة](LOCATION) [صباح اليوم](TIME).",
        "remote_explosive | انفجرت [عبوة](WEAPON) [بصهريج](TARGET) على [طريق الحسكة - دير الزور](LOCATION) قرب [بلدة الصور](LOCATION) [أمس](TIME).",
    ], title=False)
    assert [i.location for i in incs] == ["قاعدة تل بيدر", "الصور"]
    assert incs[1].country == "SY"


def test_neighbourhood_is_coded_to_the_town(gaz: Gazetteer) -> None:
    incs = run(gaz, [
        "unexplained_explosion | انفجار في [حي الجورة](LOCATION) [بمدينة دير الزور](LOCATION)",
        "mobilization | وأقام [الأمن العسكري](PERPETRATOR) حواجز في [شارع الوادي](LOCATION) [صباح اليوم](TIME).",
    ])
    assert [(i.location, i.location_text) for i in incs] == [("دير الزور", "حي الجورة"), ("دير الزور", "شارع الوادي")]


def test_same_country_armies_do_not_split_but_opposing_ones_do(gaz: Gazetteer) -> None:
    incs = run(gaz, [
        "military_exercise | نفذ [الجيش العراقي](PERPETRATOR) تمريناً في [صحراء الرطبة](LOCATION) [صباح اليوم](TIME).",
        "military_exercise | وشاركت [الفرقة السابعة](PERPETRATOR) في التمرين.",
        "mobilization | بدأ [الجيش اللبناني](PERPETRATOR) الانتشار في [قطاع جنوب الليطاني](LOCATION) [صباح اليوم](TIME).",
        "mobilization | كما فرض [الجيش الإسرائيلي](PERPETRATOR) حظر تجول على [جنوب لبنان](LOCATION).",
    ], title=False)
    assert [(i.event_label, i.actor1) for i in incs] == [
        ("military_exercise", "الجيش العراقي"), ("mobilization", "الجيش اللبناني"),
        ("mobilization", "الجيش الإسرائيلي")]


def test_an_earlier_attack_of_its_kind_gets_no_guessed_date(gaz: Gazetteer) -> None:
    incs = run(gaz, [
        "air_drone_strike | هاجمت [مسيرتان](WEAPON) [ميناء الضبة](TARGET) [بمديرية الشحر](LOCATION) [مساء الجمعة](TIME).",
        "air_drone_strike | وهذا ثاني هجوم من نوعه خلال أسبوعين، بعد استهداف [ميناء النشيمة](TARGET) في [شبوة](LOCATION).",
    ], published="2022-10-22", title=False)
    assert [(str(i.event_date), i.date_basis) for i in incs] == [("2022-10-21", "text"), ("None", "none")]
