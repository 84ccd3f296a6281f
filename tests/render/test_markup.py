"""rasd.render.markup: the HTML holds the raw text exactly, and every mark holds text[start:end]."""

from __future__ import annotations

import ast
import random
from pathlib import Path

import pytest
from gold import gold_documents
from htmlspans import parse, spans
from hypothesis import given, settings
from hypothesis import strategies as st

from rasd.data.formats import read_records
from rasd.evaluation.errors import ERROR_KINDS
from rasd.inference.outputs import DocumentPrediction, SentencePrediction, SlotPrediction
from rasd.render import markup
from rasd.render.markup import Mark, document_fragment, document_html, highlight, text_html
from rasd.render.pages import ERROR_KIND_ORDER

REPO = Path(__file__).resolve().parents[2]
BIDI = "\u200f\u200e\u061c\u202b\u202c\u2067\u2069"


def _doc(text: str, sentences: list[tuple[int, int, str | None, list[tuple[int, int, str]]]], **kw) -> DocumentPrediction:
    out = []
    for start, end, event, slots in sentences:
        out.append(SentencePrediction(start, end, text[start:end], event, 0.87 if event else None,
                                      [event] if event else [],
                                      [SlotPrediction(label, text[a:b], a, b, 0.5) for a, b, label in slots]))
    return DocumentPrediction(kw.pop("id", "d"), out, n_sentences=kw.pop("n_sentences", len(out)), meta=kw)


def _text_div(html: str):
    elements = parse(html)
    return elements, next(e for e in elements if e.tag == "div" and "text" in e.classes)


def test_every_slot_of_the_corpus_renders_as_its_own_text():
    for row, doc in gold_documents(read_records(REPO / "data/corpus/test.jsonl"), all_sentences=True):
        text = row["text"]
        elements, div = _text_div(document_html(doc, text))
        assert div.text == text
        found = sorted(spans(elements))
        expected = sorted((x.start, x.end, x.label, text[x.start:x.end]) for s in doc.sentences for x in s.slots)
        assert found == expected and found


def test_special_characters_and_bidi_marks_are_escaped_or_kept_exactly():
    text = (f"قال {BIDI[0]}المصدر{BIDI[1]}: <b>\"هجوم\"</b> & 'قصف' في R&D\r\nعلى {BIDI[2:]}٢٠٢٤ 👍 <script>x</script>.")
    target = text.index("<b>")
    slots = [(target, text.index("</b>") + 4, "TARGET"), (text.index("R&D"), text.index("R&D") + 3, "LOCATION"),
             (text.index(BIDI[0]), text.index(BIDI[1]) + 1, "SOURCE")]
    doc = _doc(text, [(0, len(text), "armed_clash", slots)], id='x"><script>alert(1)</script>',
               title="<i>عنوان</i> & \"مقتبس\"")
    html = document_html(doc, text)
    assert "<b>" not in html and "<script" not in html and "<i>" not in html and "\r" not in html
    assert "&lt;b&gt;&quot;" in html and "R&amp;D" in html and "&#x27;قصف&#x27;" in html and "&#13;\n" in html
    for mark in BIDI:
        assert html.count(mark) == text.count(mark)  # kept as characters, never turned into references
    elements, div = _text_div(html)
    assert div.text == text
    assert sorted(spans(elements)) == sorted((a, b, label, text[a:b]) for a, b, label in slots)
    article = next(e for e in elements if e.tag == "article")
    assert article.attrs["data-id"] == 'x"><script>alert(1)</script>'


def test_a_document_without_slots_or_sentences_renders():
    text = "لم يرد في التقرير أي حادث."
    for doc, known in ((_doc(text, []), text), (_doc(text, [(0, len(text), "none", [])]), text), (_doc("", []), "")):
        elements, div = _text_div(document_html(doc, known))
        assert div.text == known and not spans(elements)
    elements, div = _text_div(document_html(_doc(text, [], n_sentences=1)))  # no text known, nothing predicted
    assert div.text == "" and any("gap" in e.classes for e in elements)


def test_sentences_without_an_event_are_dimmed_not_dropped():
    text = "قصفت مدفعية الجيش قرية. الطقس معتدل. اشتباكات في البلدة."
    doc = _doc(text, [(0, 23, "shelling_missile_attack", [(5, 17, "WEAPON")]), (24, 36, "none", []),
                      (37, len(text), "armed_clash", [])])
    elements, div = _text_div(document_html(doc, text))
    sents = [e for e in elements if "sent" in e.classes]
    assert [sorted(e.classes) for e in sents] == [["ev", "sent"], ["none", "sent"], ["ev", "sent"]]
    assert [e.text for e in sents] == [text[0:23], text[24:36], text[37:]]
    assert sents[0].attrs["data-event"] == "shelling_missile_attack" and sents[0].attrs["data-score"] == "0.87"
    keep = lambda s: s.event_type == "armed_clash"  # noqa: E731 - a filter leaves the first one out: dimmed too
    assert [sorted(e.classes) for e in parse(text_html(doc, text, keep=keep)) if "sent" in e.classes][0] == ["off", "sent"]


def test_without_the_text_the_predicted_sentences_stand_alone_with_gaps():
    text = "مقدمة طويلة. قصفت طائرة مسيرة موقعا قرب الميادين. خاتمة."
    start = text.index("قصفت")
    end = text.index(". خاتمة") + 1
    doc = _doc(text, [(start, end, "air_drone_strike", [(start + 5, start + 17, "WEAPON")])], n_sentences=3)
    elements, div = _text_div(document_html(doc))
    assert div.text == text[start:end]
    assert spans(elements) == [(start + 5, start + 17, "WEAPON", text[start + 5:start + 17])]
    assert sum("gap" in e.classes for e in elements) == 2  # before the sentence, and the sentences after it


def test_offsets_that_do_not_match_the_text_are_refused():
    text = "قصفت طائرة مسيرة موقعا."
    doc = _doc(text, [(0, len(text), "air_drone_strike", [(5, 10, "WEAPON")])])
    with pytest.raises(ValueError, match="sentence 0-23 does not match"):
        document_html(doc, "نص آخر تماما لا علاقة له بالتوقعات.")
    doc.sentences[0].slots[0].text = "غيره"
    for known in (text, None):
        with pytest.raises(ValueError, match="WEAPON slot 5-10 .'غيره'. does not match"):
            document_html(doc, known)
    with pytest.raises(ValueError, match="outside the text"):
        highlight("abc", [Mark(1, 9)])


def test_crossing_marks_are_split_into_pieces_that_add_up():
    text = "abcdefghij"
    marks = [Mark(0, 6, attrs=(("class", "slot"), ("data-start", "0"), ("data-end", "6"), ("data-label", "A"))),
             Mark(3, 9, attrs=(("class", "slot"), ("data-start", "3"), ("data-end", "9"), ("data-label", "B")))]
    elements = parse(f"<div>{highlight(text, marks)}</div>")
    assert elements[0].text == text
    assert sorted(spans(elements)) == [(0, 6, "A", "abcdef"), (3, 9, "B", "defghi")]
    assert [e.attrs.get("data-part") for e in elements if e.attrs.get("data-label") == "B"] == ["1", "2"]


_chars = st.sampled_from(list("قصف ال<>&\"'\r\n\t١٢3x") + list(BIDI) + ["👍", "\u0651"])


@settings(max_examples=200, deadline=None)
@given(text=st.text(_chars, max_size=40), seed=st.integers(0, 10**6))
def test_any_text_and_any_marks_round_trip(text, seed):
    rng = random.Random(seed)
    marks = []
    for n in range(rng.randint(0, 6)):
        a = rng.randint(0, len(text))
        b = rng.randint(a, len(text))
        marks.append(Mark(a, b, attrs=(("class", "slot"), ("data-start", str(a)), ("data-end", str(b)),
                                       ("data-label", f"L{n}"))))
    elements = parse(f"<div>{highlight(text, marks)}</div>")
    assert elements[0].text == text
    assert sorted(spans(elements)) == sorted((m.start, m.end, f"L{n}", text[m.start:m.end])
                                             for n, m in enumerate(marks) if m.end > m.start)


def test_colours_differ_per_label_and_event_type():
    labels = [*markup.SLOT_COLOURS, "ORG", "MISC"]
    assert len({markup.slot_colours(x) for x in labels}) == len(labels)
    assert len(set(markup.EVENT_COLOURS.values())) == len(markup.EVENT_COLOURS)


def test_a_prediction_shows_itself_in_a_notebook():
    text = "استهدفت طائرة مسيرة القاعدة الأمريكية في حقل العمر."
    doc = _doc(text, [(0, len(text), "air_drone_strike", [(20, 37, "TARGET"), (41, 50, "LOCATION")])])
    html = doc._repr_html_()
    assert html == document_fragment(doc) and html.startswith('<div class="rasd" dir="rtl" lang="ar"><style>')
    elements = parse(html)
    assert sorted(spans(elements)) == [(20, 37, "TARGET", text[20:37]), (41, 50, "LOCATION", text[41:50])]
    legend = next(e for e in elements if "legend" in e.classes)
    assert "TARGET 1" in legend.text and "air_drone_strike 1" in legend.text


def test_the_error_kinds_are_the_evaluations():
    assert ERROR_KIND_ORDER == ERROR_KINDS
    assert set(markup.ERROR_STYLES) == set(ERROR_KINDS)


def _rasd_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    names |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    return {n for n in names if n.split(".")[0] == "rasd"}


def test_layers_markup_imports_nothing_from_rasd_and_pages_nothing_above_inference():
    assert _rasd_imports(REPO / "rasd/render/markup.py") == set()
    above = ("rasd.evaluation", "rasd.incidents", "rasd.training", "rasd.cli")
    assert not [m for m in _rasd_imports(REPO / "rasd/render/pages.py") if m.startswith(above)]
