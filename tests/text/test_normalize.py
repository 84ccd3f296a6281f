"""BasicNormalizer, NormalizedText and build_normalizer."""

from __future__ import annotations

import pickle

import pytest

from rasd.errors import ConfigError
from rasd.text.normalize import (
    BasicNormalizer,
    IdentityNormalizer,
    NormalizedText,
    Normalizer,
    build_normalizer,
)
from rasd.text.words import tokenize_words

BASIC = BasicNormalizer()


def raw_words(norm: NormalizedText) -> list[str]:
    """The raw text of each normalized word, through the offset map."""
    return [norm.raw[slice(*norm.raw_span(s, e))] for s, e in tokenize_words(norm.text)]


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        ("الْعَرَبِيَّةُ", "العربية"),
        ("قـــــال الرئيـس", "قال الرئيس"),
        ("عام ٢٠٢٢ و۱۴۰۱", "عام 2022 و1401"),
        ("قال:«نعم»،ثم(غادر)؟", "قال : « نعم » ، ثم ( غادر ) ؟"),
        ("\u200fدمشق\u200e \u2067حلب\u2069\u200c", "دمشق حلب"),
        ("  قصف\t\n\n عنيف\u00a0 ", "قصف عنيف"),
        ("3.5 كم و2022.11.18 | 07:57 و3,5", "3.5 كم و2022.11.18 | 07:57 و3,5"),
        ("انتهى.وقال", "انتهى . وقال"),
        ("U.S. forces", "U . S . forces"),
        ("😀 قصف🇸🇾", "😀 قصف🇸🇾"),
        ("", ""),
        ("\u200f \u064e ـ", ""),
    ],
)
def test_basic_normalizer_text(raw: str, text: str) -> None:
    assert BASIC(raw).text == text


def test_madda_and_hamza_marks_are_kept() -> None:
    # Decomposed alef + madda / hamza: removing the mark would change the letter.
    assert BASIC("ا\u0653 ا\u0654").text == "ا\u0653 ا\u0654"


def test_word_spans_map_to_raw_words_with_their_marks() -> None:
    raw = "\u200fقصفٌ عنيـــفٌ على «حقلِ العمر»،\u200f أمس."
    norm = BASIC(raw)
    assert norm.text == "قصف عنيف على « حقل العمر » ، أمس ."
    assert raw_words(norm) == ["قصفٌ", "عنيـــفٌ", "على", "«", "حقلِ", "العمر", "»", "،", "أمس", "."]


def test_leading_tatweel_belongs_to_its_word() -> None:
    norm = BASIC("قال: ـالعدو")
    assert raw_words(norm) == ["قال", ":", "ـالعدو"]


def test_multi_word_span_maps_to_raw_and_back() -> None:
    raw = "استهدفت «الميليشيات الإيرانية» حقلَ العمر."
    norm = BASIC(raw)
    s = norm.text.index("حقل")
    e = s + len("حقل العمر")
    a, b = norm.raw_span(s, e)
    assert raw[a:b] == "حقلَ العمر"
    assert norm.norm_span(a, b) == (s, e)


def test_gold_raw_span_maps_to_normalized_span() -> None:
    raw = "قصفت القوات «حقلَ العمر» أمس"
    a = raw.index("حقلَ")
    b = a + len("حقلَ العمر")
    norm = BASIC(raw)
    s, e = norm.norm_span(a, b)
    assert norm.text[s:e] == "حقل العمر"


def test_norm_span_of_removed_text_is_empty() -> None:
    raw = "قصف \u064e\u200f  عنيف"
    norm = BASIC(raw)
    s, e = norm.norm_span(4, 6)
    assert s == e
    assert norm.raw_span(s, e)[0] == norm.raw_span(s, e)[1]


def test_spans_outside_the_text_are_rejected() -> None:
    norm = BASIC("قصف")
    with pytest.raises(ValueError, match="not within"):
        norm.raw_span(0, 4)
    with pytest.raises(ValueError, match="not within"):
        norm.norm_span(2, 1)


def test_options_turn_passes_off() -> None:
    raw = "قَالَ:«٣»ـ \u200f"
    assert BasicNormalizer(remove_tashkeel=False)(raw).text == "قَالَ : « 3 »"
    assert BasicNormalizer(unify_digits=False)(raw).text == "قال : « ٣ »"
    assert BasicNormalizer(space_punctuation=False)(raw).text == "قال:«3»"
    assert BasicNormalizer(collapse_whitespace=False, strip_marks=False)(raw).text == "قال : « 3 » \u200f"
    assert BasicNormalizer(remove_tatweel=False)(raw).text == "قال : « 3 » ـ"


def test_identity_normalizer() -> None:
    norm = IdentityNormalizer()("نصٌّ  كما هو")
    assert norm.text == norm.raw == "نصٌّ  كما هو"
    assert norm.raw_span(0, 4) == (0, 4)
    assert norm.norm_span(0, 4) == (0, 4)


def test_normalized_text_is_frozen_and_checked() -> None:
    norm = BASIC("قصف")
    with pytest.raises(AttributeError):
        norm.text = "x"  # type: ignore[misc]
    with pytest.raises(ValueError, match="offset map"):
        NormalizedText("ab", "ab", (0,), (1, 2))


@pytest.mark.parametrize(
    "spec",
    [
        {"kind": "none"},
        {"kind": "basic"},
        {"kind": "basic", "unify_digits": False, "space_punctuation": False},
    ],
)
def test_spec_round_trip(spec: dict[str, object]) -> None:
    normalizer = build_normalizer(spec)
    assert isinstance(normalizer, Normalizer)
    rebuilt = build_normalizer(normalizer.to_dict())
    assert rebuilt == normalizer
    assert rebuilt.to_dict() == normalizer.to_dict()
    assert pickle.loads(pickle.dumps(normalizer)) == normalizer


def test_basic_to_dict_lists_every_option() -> None:
    assert build_normalizer({"kind": "basic", "remove_tatweel": False}).to_dict() == {
        "kind": "basic",
        "remove_tashkeel": True,
        "remove_tatweel": False,
        "unify_digits": True,
        "space_punctuation": True,
        "strip_marks": True,
        "collapse_whitespace": True,
    }


def test_no_spec_means_no_normalization() -> None:
    assert build_normalizer(None) == IdentityNormalizer()


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"kind": "fancy"}, "unknown normalizer kind 'fancy'"),
        ({}, "needs a 'kind'"),
        ({"kind": "basic", "lowercase": True}, "unknown option.*lowercase.*allowed: collapse_whitespace"),
        ({"kind": "basic", "unify_digits": "yes"}, "'unify_digits' must be true or false"),
        ({"kind": "none", "model_name": "x"}, "takes no options"),
        ({"kind": "arabert"}, "needs a 'model_name'"),
        ({"kind": "arabert", "model_name": "aubmindlab/bert-base-arabertv02", "farasa": True}, "unknown option"),
        ({"kind": "arabert", "model_name": "aubmindlab/bert-base-arabertv02", "keep_emojis": 1}, "true, false or null"),
    ],
)
def test_bad_specs_raise_config_error(spec: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        build_normalizer(spec)


def test_spec_is_not_mutated() -> None:
    spec = {"kind": "basic", "unify_digits": False}
    build_normalizer(spec)
    assert spec == {"kind": "basic", "unify_digits": False}
