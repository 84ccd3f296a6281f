"""Records -> windows -> labels, and logits -> spans: the pure offset logic of the model layer."""

from __future__ import annotations

import random

import numpy as np
import pytest

from rasd.data.records import Span
from rasd.models.alignment import SpecialTokens, encode_words, window_bounds, window_labels, word_tags
from rasd.models.decoding import event_decision, event_probabilities, tags_to_spans, word_predictions
from rasd.text.normalize import BasicNormalizer


def _brute_force_owner(first, bounds):
    """The definition: the window where the word's first sub-token is most central."""
    owner = {}
    for pos, w in enumerate(first):
        if w is not None:
            centrality = [min(pos - s, e - 1 - pos) if s <= pos < e else -1 for s, e in bounds]
            owner[pos] = max(range(len(bounds)), key=centrality.__getitem__)
    return owner


@pytest.mark.parametrize("n, body, stride", [(10, 4, 1), (3, 8, 2), (100, 30, 0), (101, 30, 29), (64, 62, 10)])
def test_windows_cover_every_token_and_overlap_by_stride(n, body, stride):
    bounds = window_bounds(n, body, stride)
    assert bounds[0][0] == 0 and bounds[-1][1] == n
    assert all(e - s <= body for s, e in bounds)
    for (_, e1), (s2, _) in zip(bounds[:-1], bounds[1:], strict=True):
        assert e1 - s2 == stride


def test_each_word_is_owned_by_exactly_its_most_central_window():
    rng = random.Random(0)
    special = SpecialTokens(prefix=[101], suffix=[102])
    for _ in range(200):
        n, max_length = rng.randint(1, 300), rng.randint(8, 48)
        stride = rng.randint(0, max_length - 3)
        word_ids, w = [], 0
        while len(word_ids) < n:
            word_ids += [w] * rng.randint(1, 3)
            w += 1
        word_ids = word_ids[:n]
        windows = encode_words(word_ids, list(range(n)), special=special, max_length=max_length, stride=stride)
        bounds = window_bounds(n, max_length - 2, stride)
        first = [x if i == 0 or word_ids[i - 1] != x else None for i, x in enumerate(word_ids)]
        expected = _brute_force_owner(first, bounds) if len(bounds) > 1 else {p: 0 for p, x in enumerate(first) if x is not None}
        owned_words = []
        for k, window in enumerate(windows):
            assert len(window.input_ids) <= max_length
            assert window.input_ids[0] == 101 and window.input_ids[-1] == 102
            for offset, owned in enumerate(window.owned[1:-1]):
                pos = bounds[k][0] + offset
                if owned:
                    assert expected[pos] == k
                    owned_words.append(first[pos])
        assert sorted(owned_words) == sorted(x for x in first if x is not None)  # every word exactly once


def test_word_tags_and_window_labels():
    tags, unaligned = word_tags([(0, 3), (4, 7), (8, 13)], [Span(4, 13, "LOCATION"), Span(20, 25, "TIME")])
    assert tags == ["O", "B-LOCATION", "I-LOCATION"] and unaligned == [Span(20, 25, "TIME")]
    special = SpecialTokens(prefix=[1], suffix=[2])
    (window,) = encode_words([0, 0, 1, 2], [5, 6, 7, 8], special=special, max_length=16, stride=2)
    assert window_labels(window, [0, 1, 2], owned_only=False) == [-100, 0, -100, 1, 2, -100]


def test_decoded_spans_slice_the_raw_text_through_normalization():
    raw = "قصفت  الطائرةُ المسيّرة «حقلَ العمر» ـــ أمس"
    norm = BasicNormalizer()(raw)
    from rasd.text.words import tokenize_words

    words = tokenize_words(norm.text)
    raw_spans = [norm.raw_span(s, e) for s, e in words]
    texts = [norm.text[s:e] for s, e in words]
    tags = ["B-TARGET" if t == "حقل" else "I-TARGET" if t == "العمر" else "O" for t in texts]
    (span,) = tags_to_spans(tags, [0.9] * len(tags), raw_spans)
    assert raw[span.start:span.end] == "حقلَ العمر"


def test_word_predictions_read_the_owning_window():
    special = SpecialTokens(prefix=[1], suffix=[2])
    from rasd.models.alignment import EncodedSentence

    windows = encode_words(list(range(6)), list(range(6)), special=special, max_length=6, stride=2)
    sentence = EncodedSentence(raw_word_spans=[(i, i + 1) for i in range(6)], windows=windows)
    id2label = {0: "O", 1: "B-X"}
    logits = []
    for k, window in enumerate(windows):  # window k votes B-X for every word it sees, the others O
        row = np.zeros((len(window.input_ids), 2), dtype=np.float32)
        row[:, 1 if k == 1 else 0] = 5.0
        logits.append(row)
    tags, _ = word_predictions(sentence, logits, id2label)
    owned_by_1 = {window.word_starts[p] for p, o in enumerate(windows[1].owned) if o}
    assert {i for i, t in enumerate(tags) if t == "B-X"} == owned_by_1


def test_event_probabilities_average_windows_and_decide():
    probs = event_probabilities([np.array([2.0, 0.0]), np.array([0.0, 2.0])], multi_label=False)
    assert np.allclose(probs, [0.5, 0.5])
    label, score, labels = event_decision(np.array([0.2, 0.7, 0.6]), ["a", "b", "c"], multi_label=True, threshold=0.5)
    assert (label, labels) == ("b", ["b", "c"]) and score == pytest.approx(0.7)
    assert event_decision(None, ["a"], multi_label=False, threshold=0.5) == (None, None, [])
