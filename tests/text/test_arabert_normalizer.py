"""ArabertNormalizer: arabert's exact output, exact offsets, clear errors, no downloads."""

from __future__ import annotations

import importlib.machinery
import json
import pickle
import time
import zipfile
from pathlib import Path

import pytest
from arabert.preprocess import ArabertPreprocessor

import rasd.text.arabert as arabert_module
from rasd.errors import ConfigError, PreprocessingError
from rasd.text.arabert import ArabertNormalizer, resolve_model_name
from rasd.text.normalize import build_normalizer
from rasd.text.sentences import split_sentences

V02 = "aubmindlab/bert-base-arabertv02"
NORMALIZER = ArabertNormalizer(V02)
PREPROCESSOR = ArabertPreprocessor("bert-base-arabertv02")

TEXTS = [
    "تعرّضت القاعدة العسكرية داخل حقل العمر النفطي، فجر اليوم الجمعة، لهجوم بطائرتين مسيّرتين مفخختين.",
    "وقالت مصادر محلية لـ\"فرات بوست\" إن ثلاثة صواريخ أُطلقت قرابة الساعة الثامنة مساءً.",
    "نورث برس 2022.11.18 | 07:57 قصف بـ3.5 طن و١٩٩٥م و١٢كم في تشرين الأول/أكتوبر",
    "المصدر: https://www.enabbaladi.net/archives/123?id=4 و www.sana.sy و info@sana.sy و @NorthPress",
    "<p>قصف&nbsp;عنيف &amp; اشتباكات</p><br />&quot;انتهى&quot; &ampx",
    "📌 تابعونا ❤️ على تلغرام 😀😀 café ۱۴۰۱ پژوهش هٰذا",
    "هههههه!!!!! وووو ... ؟؟؟ ـــــ قـــــال",
    "\u200fدمشق\u200e \u2067حلب\u2069 U.S. forces al-Omar",
    "",
    "   ",
]


@pytest.mark.parametrize("raw", TEXTS)
def test_text_is_exactly_arabert_preprocess(raw: str) -> None:
    assert NORMALIZER(raw).text == PREPROCESSOR.preprocess(raw)


@pytest.mark.parametrize("model", ["aubmindlab/bert-large-arabertv02", "aubmindlab/araelectra-base-discriminator"])
def test_other_v02_models(model: str) -> None:
    normalizer = ArabertNormalizer(model)
    prep = ArabertPreprocessor(model)
    for raw in TEXTS:
        assert normalizer(raw).text == prep.preprocess(raw)


def test_twitter_model_keeps_emoji() -> None:
    raw = "قصف 😀 عنيف ❤️ 🇸🇾"
    norm = ArabertNormalizer("aubmindlab/bert-base-arabertv02-twitter")(raw)
    assert norm.text == ArabertPreprocessor("bert-base-arabertv02-twitter").preprocess(raw)
    assert "😀" in norm.text


def test_options_are_passed_on() -> None:
    raw = "قَالَ http://x.co ١٢"
    normalizer = ArabertNormalizer(V02, strip_tashkeel=False, replace_urls_emails_mentions=False)
    prep = ArabertPreprocessor("bert-base-arabertv02", strip_tashkeel=False, replace_urls_emails_mentions=False)
    # Kept diacritics get spaced off like punctuation: arabert's spacing rule does that.
    assert normalizer(raw).text == prep.preprocess(raw) == "ق َ ال َ http : - - x . co 12"


def whitespace_words(norm_text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for word in norm_text.split(" "):
        spans.append((start, start + len(word)))
        start += len(word) + 1
    return spans


@pytest.mark.parametrize(
    ("raw", "pairs"),
    [
        ("قالَ:«نعمٌ»", [("قال", "قالَ"), (":", ":"), ("«", "«"), ("نعم", "نعمٌ"), ("»", "»")]),
        ("ـعلى العـــدو", [("على", "ـعلى"), ("العدو", "العـــدو")]),
        ("عام ١٩٩٥م", [("عام", "عام"), ("1995", "١٩٩٥"), ("م", "م")]),
        ("زوروا https://t.co/abc?x=1 الآن", [("زوروا", "زوروا"), ("[رابط]", "https://t.co/abc?x=1"), ("الآن", "الآن")]),
        ("راسلونا info@sana.sy", [("راسلونا", "راسلونا"), ("[رابط]", "info@sana.sy")]),
        ("عبر @NorthPress", [("عبر", "عبر"), ("[مستخدم]", "@NorthPress")]),
        ("ههههههه", [("هه", "ههههههه")]),
        ("قصف&quot;رد&amp;", [("قصف", "قصف"), ('"', "&quot;"), ("رد", "رد")]),
        ("أكتوبر/تشرين", [("أكتوبر", "أكتوبر"), ("-", "/"), ("تشرين", "تشرين")]),
        ("café 😀 دمشق", [("caf", "caf"), ("دمشق", "دمشق")]),
        ("<b>حلب</b>", [("حلب", "حلب")]),
    ],
)
def test_words_map_to_raw(raw: str, pairs: list[tuple[str, str]]) -> None:
    norm = NORMALIZER(raw)
    got = [(norm.text[s:e], raw[slice(*norm.raw_span(s, e))]) for s, e in whitespace_words(norm.text)]
    assert got == pairs
    for s, e in whitespace_words(norm.text):
        assert norm.norm_span(*norm.raw_span(s, e)) == (s, e)


def test_gold_span_maps_to_normalized_span() -> None:
    raw = "استهدفت صواريخ «حقلَ العمر» النفطي"
    a = raw.index("حقلَ")
    norm = NORMALIZER(raw)
    s, e = norm.norm_span(a, a + len("حقلَ العمر"))
    assert norm.text[s:e] == "حقل العمر"


@pytest.mark.parametrize(
    "model",
    [
        "aubmindlab/bert-base-arabertv2",
        "aubmindlab/bert-large-arabertv2",
        "aubmindlab/bert-base-arabert",
        "bert-base-arabertv1",
        "someone/bert-base-arabertv2-finetuned-ner",
    ],
)
def test_farasa_models_raise_before_anything_runs(model: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(arabert_module.shutil, "which", lambda name: None)  # as on a machine without Java

    def must_not_build(*args: object, **kwargs: object) -> None:
        raise AssertionError("ArabertPreprocessor was built; it would start Java and try to download Farasa")

    monkeypatch.setattr(arabert_module, "ArabertPreprocessor", must_not_build)
    started = time.perf_counter()
    with pytest.raises(PreprocessingError, match="Farasa") as error:
        build_normalizer({"kind": "arabert", "model_name": model})
    assert time.perf_counter() - started < 2.0
    message = str(error.value)
    assert model in message and "no 'java' on PATH" in message
    assert "farasapy" in message and "bert-base-arabertv02" in message


def test_farasa_missing_names_the_reason(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(arabert_module.shutil, "which", lambda name: "/usr/bin/java")
    monkeypatch.setattr(arabert_module.importlib.util, "find_spec", lambda name: None)
    assert arabert_module._farasa_missing() == "farasapy is not installed"
    fake_spec = importlib.machinery.ModuleSpec("farasa", None, origin=str(tmp_path / "__init__.py"))
    monkeypatch.setattr(arabert_module.importlib.util, "find_spec", lambda name: fake_spec)
    assert arabert_module._farasa_missing() == f"Farasa's jars are missing from {tmp_path / 'farasa_bin'}"


def test_empty_output_from_arabert_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    normalizer = ArabertNormalizer(V02)
    monkeypatch.setattr(normalizer._prep, "preprocess", lambda text: "")  # what a failed Farasa gives
    with pytest.raises(PreprocessingError, match="empty string"):
        normalizer("قصف عنيف")
    assert normalizer("😀 <b>").text == ""  # nothing arabert keeps: empty is right


def test_disagreeing_with_arabert_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    normalizer = ArabertNormalizer(V02)
    monkeypatch.setattr(normalizer._prep, "preprocess", lambda text: "شيء آخر")
    with pytest.raises(PreprocessingError, match="arabert==1.0.1"):
        normalizer("قصف عنيف")


class FakeFarasa:
    """Segments like Farasa does (و+ال+قوات), without Java."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        pass

    def segment(self, text: str) -> str:
        words = []
        for word in text.split():
            if word.startswith("وال"):
                word = "و+ال+" + word[3:]
            elif word.startswith("ال"):
                word = "ال+" + word[2:]
            if word.endswith("ات") and len(word) > 4:
                word = word[:-2] + "+ات"
            words.append(word)
        return " ".join(words)


def test_farasa_segmented_output_keeps_offsets(monkeypatch: pytest.MonkeyPatch) -> None:
    import farasa.segmenter

    monkeypatch.setattr(arabert_module, "_farasa_missing", lambda: "")
    monkeypatch.setattr(farasa.segmenter, "FarasaSegmenter", FakeFarasa)
    normalizer = ArabertNormalizer("aubmindlab/bert-base-arabertv2")
    raw = "قصفتْ والقواتُ الطائرات"
    norm = normalizer(raw)
    assert norm.text == "قصفت و+ ال+ قو +ات ال+ طائر +ات"
    got = [(norm.text[s:e], raw[slice(*norm.raw_span(s, e))]) for s, e in whitespace_words(norm.text)]
    assert got == [("قصفت", "قصفتْ"), ("و+", "و"), ("ال+", "ال"), ("قو", "قو"), ("+ات", "اتُ"),
                   ("ال+", "ال"), ("طائر", "طائر"), ("+ات", "ات")]
    a = raw.index("والقوات")
    assert norm.text[slice(*norm.norm_span(a, a + len("والقواتُ")))] == "و+ ال+ قو +ات"


@pytest.mark.parametrize(
    ("model", "message"),
    [
        ("aubmindlab/bert-base-arabertv01", "v1 preprocessing"),
        ("CAMeL-Lab/bert-base-arabic-camelbert-msa", "does not know model"),
    ],
)
def test_unsupported_models_raise_config_error(model: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        ArabertNormalizer(model)


def test_resolve_model_name() -> None:
    assert resolve_model_name("aubmindlab/bert-base-arabertv02") == "bert-base-arabertv02"
    assert resolve_model_name("bert-large-arabertv02-twitter") == "bert-large-arabertv02-twitter"


def test_spec_round_trip_and_pickle() -> None:
    spec = {"kind": "arabert", "model_name": V02, "keep_emojis": True}
    normalizer = build_normalizer(spec)
    assert normalizer.to_dict() == spec
    assert build_normalizer(normalizer.to_dict()) == normalizer
    clone = pickle.loads(pickle.dumps(normalizer))
    assert clone == normalizer
    assert clone("قصف 😀").text == "قصف 😀"


@pytest.mark.shared_data
def test_real_news_sentences(shared_data: Path) -> None:
    """On 60 real articles, every sentence matches arabert and every word maps back to raw and in again."""
    dump = shared_data / "saudinewsnet" / "dataset" / "2015-07-21.zip"
    if not dump.is_file():
        pytest.skip(f"{dump} is absent")
    with zipfile.ZipFile(dump) as archive:
        articles = json.loads(archive.read(archive.namelist()[0]))
    for article in articles[:60]:
        content = article["content"] or ""
        for start, end in split_sentences(content):
            norm = NORMALIZER(content[start:end])  # raises if it differs from preprocess()
            for s, e in whitespace_words(norm.text) if norm.text else []:
                assert norm.norm_span(*norm.raw_span(s, e)) == (s, e)
