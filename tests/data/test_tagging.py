from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rasd.data.records import Span
from rasd.data.tagging import (
    TagError,
    check_iob2,
    detect_scheme,
    iob2_problems,
    normalize_tags,
    spans_to_tags,
    split_tag,
    tags_to_spans,
    to_iob2,
)
from rasd.errors import DataError


@pytest.mark.parametrize(
    ("sample", "scheme"),
    [
        (["B-LOC", "I-LOC", "O", "B-PER"], "IOB2"),
        (["B-LOC", "B-LOC", "O"], "IOB2"),  # B- after the same type: IOB1 and IOB2 agree, IOB2 wins
        (["O", "O"], "IOB2"),
        ([], "IOB2"),
        (["I-PER", "I-PER", "B-PER", "O"], "IOB1"),  # IOB1: B- only between two PER chunks
        (["O", "I-LOC", "O", "I-PER", "I-PER"], "IO"),
        (["S-LOC", "O"], "BIOES"),
        (["B-LOC", "E-LOC"], "BIOES"),
        ([["B-LOC", "I-LOC"], ["O", "B-PER"], ["O", "I-ORG"]], "IOB2"),  # a sample: the majority wins
        ([["I-LOC"], ["I-PER", "B-PER"], ["O", "B-ORG"]], "IOB1"),
        ([["B-LOC", "I-LOC"], ["S-PER"]], "BIOES"),
    ],
)
def test_detect_scheme(sample, scheme):
    assert detect_scheme(sample) == scheme


@pytest.mark.parametrize(
    ("tags", "scheme", "iob2"),
    [
        (["B-LOC", "I-LOC", "O"], "IOB2", ["B-LOC", "I-LOC", "O"]),
        (["I-PER", "I-PER", "B-PER", "O"], "IOB1", ["B-PER", "I-PER", "B-PER", "O"]),
        (["O", "I-LOC", "I-LOC", "I-PER"], "IOB1", ["O", "B-LOC", "I-LOC", "B-PER"]),
        (["I-LOC", "O", "I-LOC"], "IO", ["B-LOC", "O", "B-LOC"]),
        (["S-LOC", "B-PER", "I-PER", "E-PER", "O"], "BIOES", ["B-LOC", "B-PER", "I-PER", "I-PER", "O"]),
        (["B-LOC", "E-LOC", "S-LOC"], "BIOES", ["B-LOC", "I-LOC", "B-LOC"]),
        (["B-Non-Governmental", "I-Non-Governmental"], "IOB2", ["B-Non-Governmental", "I-Non-Governmental"]),
    ],
)
def test_to_iob2(tags, scheme, iob2):
    assert to_iob2(tags, scheme) == iob2
    assert to_iob2(tags) == iob2  # detected from the sequence itself


@pytest.mark.parametrize(
    ("tags", "scheme", "iob2", "bad"),
    [
        # I- after O in IOB2 starts a chunk (as conlleval reads it) and is reported
        (["O", "I-LOC", "I-LOC"], "IOB2", ["O", "B-LOC", "I-LOC"], [1]),
        (["I-LOC"], "IOB2", ["B-LOC"], [0]),
        (["B-LOC", "I-PER"], "IOB2", ["B-LOC", "B-PER"], [1]),
        # BIOES: E- without B-, a chunk left open, I- after S-
        (["O", "E-LOC"], "BIOES", ["O", "B-LOC"], [1]),
        (["B-LOC", "O"], "BIOES", ["B-LOC", "O"], [0]),
        (["S-LOC", "I-LOC", "E-LOC"], "BIOES", ["B-LOC", "B-LOC", "I-LOC"], [1]),
        (["B-LOC", "I-LOC"], "BIOES", ["B-LOC", "I-LOC"], [1]),
        # IOB1: B- only between two chunks of one type
        (["O", "B-LOC"], "IOB1", ["O", "B-LOC"], [1]),
        (["I-LOC", "B-PER"], "IOB1", ["B-LOC", "B-PER"], [1]),
        (["I-LOC", "B-LOC"], "IOB1", ["B-LOC", "B-LOC"], []),
        # tags from another scheme
        (["S-LOC"], "IOB2", ["B-LOC"], [0]),
        (["B-LOC", "E-LOC"], "IOB2", ["B-LOC", "I-LOC"], [1]),
    ],
)
def test_normalize_reports_every_break(tags, scheme, iob2, bad):
    out, issues = normalize_tags(tags, scheme)
    assert out == iob2
    assert [i.index for i in issues] == bad
    if bad:
        with pytest.raises(TagError) as err:
            to_iob2(tags, scheme)
        assert err.value.index == bad[0]


@pytest.mark.parametrize("tag", ["LOC", "B-", "X-LOC", "b-LOC", "", "B_LOC"])
def test_malformed_tags_raise(tag):
    with pytest.raises(ValueError, match="is not 'O'"):
        split_tag(tag)
    with pytest.raises(TagError) as err:
        normalize_tags(["O", tag], "IOB2")
    assert err.value.index == 1


def test_check_iob2_strict():
    check_iob2(["B-LOC", "I-LOC", "B-LOC", "O", "B-PER"])
    assert iob2_problems(["O", "I-LOC"])[0].index == 1
    with pytest.raises(TagError, match="'I-LOC' after 'O'"):
        check_iob2(["O", "I-LOC"])
    with pytest.raises(TagError):
        tags_to_spans(["I-LOC"])


@pytest.mark.parametrize(
    ("tags", "spans"),
    [
        ([], []),
        (["O", "O"], []),
        (["B-LOC"], [(0, 1, "LOC")]),
        (["B-LOC", "I-LOC", "B-LOC", "O", "B-PER", "I-PER"], [(0, 2, "LOC"), (2, 3, "LOC"), (4, 6, "PER")]),
    ],
)
def test_tags_to_spans(tags, spans):
    assert tags_to_spans(tags) == spans


def test_spans_to_tags_on_arabic_words():
    from rasd.text.words import tokenize_words

    text = "قصف «حقل العمر»، بطائرة مسيّرة"
    words = tokenize_words(text)
    loc = text.index("حقل العمر")
    spans = [Span(loc, loc + len("حقل العمر"), "LOCATION"), (text.index("بطائرة"), len(text), "WEAPON")]
    assert spans_to_tags(words, spans) == ["O", "O", "B-LOCATION", "I-LOCATION", "O", "O", "B-WEAPON", "I-WEAPON"]


@pytest.mark.parametrize(
    ("spans", "message"),
    [
        ([(1, 7, "LOC")], "does not align with word boundaries"),  # starts inside a word
        ([(4, 9, "LOC")], "does not align with word boundaries"),  # ends inside a word
        ([(4, 7, "LOC"), (4, 13, "PER")], "overlaps"),
    ],
)
def test_spans_to_tags_refuses_misaligned_spans(spans, message):
    with pytest.raises(DataError, match=message):
        spans_to_tags([(0, 3), (4, 7), (8, 13)], spans)


@st.composite
def words_and_spans(draw):
    """Random words with offsets, and non-overlapping word spans over them."""
    lengths = draw(st.lists(st.integers(1, 6), min_size=0, max_size=25))
    gaps = draw(st.lists(st.integers(1, 3), min_size=len(lengths), max_size=len(lengths)))
    offsets, pos = [], 0
    for length, gap in zip(lengths, gaps, strict=True):
        offsets.append((pos, pos + length))
        pos += length + gap
    spans, i = [], 0
    labels = st.sampled_from(["LOCATION", "TARGET", "Non-Governmental", "X"])
    while i < len(offsets):
        if draw(st.booleans()):
            width = draw(st.integers(1, len(offsets) - i))
            spans.append((i, i + width, draw(labels)))
            i += width
        else:
            i += 1
    return offsets, spans


@settings(max_examples=300, deadline=None)
@given(words_and_spans())
def test_spans_tags_round_trip(case):
    offsets, word_spans = case
    char_spans = [(offsets[s][0], offsets[e - 1][1], label) for s, e, label in word_spans]
    tags = spans_to_tags(offsets, char_spans)
    check_iob2(tags)
    assert tags_to_spans(tags) == word_spans
    assert to_iob2(_as_bioes(tags), "BIOES") == tags  # the same chunks survive a trip through BIOES


def _as_bioes(tags: list[str]) -> list[str]:
    out = []
    for i, tag in enumerate(tags):
        last = i + 1 == len(tags) or not tags[i + 1].startswith("I-")
        if tag == "O":
            out.append(tag)
        elif tag.startswith("B-"):
            out.append(("S-" if last else "B-") + tag[2:])
        else:
            out.append(("E-" if last else "I-") + tag[2:])
    return out


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["O", "B-A", "I-A", "E-A", "S-A", "B-B", "I-B", "E-B", "S-B"]), max_size=20),
       st.sampled_from(["IO", "IOB1", "IOB2", "BIOES"]))
def test_lenient_reading_always_gives_valid_iob2(tags, scheme):
    out, _ = normalize_tags(tags, scheme)
    assert len(out) == len(tags)
    check_iob2(out)
    assert [t == "O" for t in out] == [t == "O" for t in tags]
