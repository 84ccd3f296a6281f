"""Error kinds, word alignment of predicted spans, and the paired bootstrap."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from rasd.evaluation.bootstrap import paired_bootstrap, resample_weights
from rasd.evaluation.errors import CharSpan, align_to_words, event_error, slot_errors, tags_for
from rasd.evaluation.metrics import micro_f1_from_counts
from rasd.text.words import tokenize_words

TEXT = "قصفت طائرة مسيرة موقعا قرب الميادين أمس"
WORDS = tokenize_words(TEXT)  # قصفت 0-4, طائرة 5-10, مسيرة 11-16, موقعا 17-22, قرب 23-26, الميادين 27-35, أمس 36-39


def span(first: int, last: int, label: str) -> CharSpan:
    return CharSpan(WORDS[first][0], WORDS[last][1], label, (first, last))


def test_each_error_kind():
    gold = [span(1, 2, "WEAPON"), span(3, 3, "TARGET"), span(5, 5, "LOCATION"), span(6, 6, "TIME")]
    pred = [span(1, 2, "WEAPON"),        # exact: no row
            span(3, 3, "LOCATION"),      # same bounds, other label -> label
            span(4, 5, "LOCATION"),      # same label, wider -> boundary
            span(0, 0, "PERPETRATOR")]   # nothing there -> spurious; TIME -> missed
    rows = slot_errors("s1", TEXT, gold, pred)
    assert [(r["kind"], r["start"], r["end"]) for r in rows] == [
        ("spurious", 0, 4), ("label", 17, 22), ("boundary", 27, 35), ("missed", 36, 39)]
    label = rows[1]
    assert label["gold"] == {"label": "TARGET", "start": 17, "end": 22, "text": "موقعا"}
    assert label["pred"]["label"] == "LOCATION"
    boundary = rows[2]
    assert boundary["pred"]["text"] == "قرب الميادين" and boundary["gold"]["text"] == "الميادين"
    assert rows[0]["gold"] is None and rows[3]["pred"] is None
    assert all(r["id"] == "s1" and r["text"] == TEXT for r in rows)


def test_wrong_label_and_bounds_is_missed_plus_spurious():
    rows = slot_errors("s", TEXT, [span(5, 5, "LOCATION")], [span(4, 5, "TARGET")])
    assert [r["kind"] for r in rows] == ["spurious", "missed"]
    missed = rows[1]
    assert missed["pred"]["label"] == "TARGET"  # the overlapping prediction is shown for context
    assert rows[0]["gold"]["label"] == "LOCATION"


def test_predicted_span_off_word_edges_is_widened_and_counted():
    preds = [SimpleNamespace(start=6, end=13, label="WEAPON", score=0.9),    # inside طائرة .. مسيرة
             SimpleNamespace(start=11, end=16, label="TARGET", score=0.5),   # only words already taken
             SimpleNamespace(start=27, end=35, label="LOCATION", score=0.8)]  # exact
    a = align_to_words(WORDS, preds)
    assert [(s.start, s.end, s.label) for s in a.spans] == [(5, 16, "WEAPON"), (27, 35, "LOCATION")]
    assert (a.realigned, a.dropped) == (1, 1)
    assert a.spans[0].to_dict(TEXT)["model_offsets"] == [6, 13]
    assert tags_for(len(WORDS), a.spans) == ["O", "B-WEAPON", "I-WEAPON", "O", "O", "B-LOCATION", "O"]


def test_event_error_rows():
    assert event_error("s", TEXT, ["air_drone_strike"], ["air_drone_strike"], multi_label=False) is None
    row = event_error("s", TEXT, ["air_drone_strike"], ["none"], multi_label=False, score=0.7)
    assert row == {"id": "s", "kind": "event", "text": TEXT, "gold": {"event_type": "air_drone_strike"},
                   "pred": {"event_type": "none", "score": 0.7}, "start": 0, "end": len(TEXT)}
    multi = event_error("s", TEXT, ["b", "a"], ["a"], multi_label=True)
    assert multi is not None and multi["gold"] == {"event_labels": ["a", "b"]} and multi["pred"] == {"event_labels": ["a"]}
    assert event_error("s", TEXT, ["b", "a"], ["a", "b"], multi_label=True) is None


def test_bootstrap_of_a_model_against_itself_is_exactly_zero():
    counts = np.array([[1, 2, 2], [0, 1, 0], [3, 3, 4], [1, 1, 1]])
    ci = paired_bootstrap(counts, counts, micro_f1_from_counts, weights=resample_weights(4, resamples=200, seed=0))
    assert (ci.difference, ci.low, ci.high, ci.a_better) == (0.0, 0.0, 0.0, 0.0)


def test_bootstrap_interval_is_paired_and_seeded():
    rng = np.random.default_rng(0)
    gold = rng.integers(1, 4, 200)
    a = np.stack([np.minimum(gold, rng.integers(0, 4, 200)), gold, gold], 1)  # A: fewer correct
    b = np.stack([gold, gold, gold], 1)                                     # B: perfect
    w = resample_weights(200, resamples=300, seed=1)
    ci = paired_bootstrap(a, b, micro_f1_from_counts, weights=w)
    assert ci.b == 1.0 and ci.difference == pytest.approx(ci.a - 1.0)
    assert ci.low <= ci.difference <= ci.high < 0 and ci.a_better == 0.0
    again = paired_bootstrap(a, b, micro_f1_from_counts, weights=resample_weights(200, resamples=300, seed=1))
    assert (again.low, again.high) == (ci.low, ci.high)
    none = paired_bootstrap(a, b, micro_f1_from_counts, weights=resample_weights(200, resamples=0, seed=1))
    assert none.low is None and none.resamples == 0
