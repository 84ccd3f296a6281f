"""`evaluate_run` on hand-made predictions: scores, skips, errors and the written files, without a model."""

from __future__ import annotations

import json

import pytest

from rasd.data.records import Record, Span
from rasd.evaluation.evaluate import ModelInfo, compare_results, evaluate_run, score_records
from rasd.evaluation.report import render_markdown, write_outputs
from rasd.inference.outputs import SentencePrediction, SlotPrediction

JOINT = ModelInfo(path="m", task="joint", has_slots=True, has_events=True,
                  event_labels=("air_drone_strike", "armed_clash", "none"))

T1 = "قصفت طائرة مسيرة موقعا قرب الميادين"   # words: 0-4 5-10 11-16 17-22 23-26 27-35
T2 = "اشتباكات في دير الزور"                  # words: 0-8 9-11 12-15 16-21


def records() -> list[Record]:
    return [
        Record("s1", T1, event_type="air_drone_strike", spans=[Span(5, 16, "WEAPON"), Span(27, 35, "LOCATION")]),
        Record("s2", T2, event_type="armed_clash", spans=[Span(12, 21, "LOCATION")]),
    ]


def slot(text: str, start: int, end: int, label: str) -> SlotPrediction:
    return SlotPrediction(label=label, text=text[start:end], start=start, end=end, score=0.9)


def predictions() -> list[SentencePrediction]:
    return [
        SentencePrediction(0, len(T1), T1, "air_drone_strike", 0.8, ["air_drone_strike"],
                           [slot(T1, 5, 16, "WEAPON"), slot(T1, 23, 35, "LOCATION")]),   # boundary error
        SentencePrediction(0, len(T2), T2, "none", 0.6, ["none"], [slot(T2, 16, 21, "LOCATION")]),  # boundary
    ]


def test_known_answer_joint():
    result = evaluate_run(score_records(JOINT, records(), predictions()), data="d.jsonl", fmt="jsonl")
    strict = result.slots["strict"]
    # gold: WEAPON, LOCATION x2; pred: WEAPON (correct), LOCATION x2 (both bounds wrong)
    assert (strict["micro"]["precision"], strict["micro"]["recall"]) == pytest.approx((1 / 3, 1 / 3))
    assert strict["per_type"]["WEAPON"]["f1"] == 1.0 and strict["per_type"]["LOCATION"]["f1"] == 0.0
    assert result.slots["default"] == strict
    assert result.events["accuracy"] == 0.5
    # present labels: air_drone_strike (F1 1), armed_clash (0), none (0)
    assert result.events["macro_f1"] == pytest.approx(1 / 3)
    assert result.headline == {"slot_f1": pytest.approx(1 / 3), "slot_f1_default": pytest.approx(1 / 3),
                               "event_macro_f1": pytest.approx(1 / 3), "event_accuracy": 0.5}
    assert result.error_counts == {"event": 1, "missed": 0, "spurious": 0, "boundary": 2, "label": 0}
    assert [e["id"] for e in result.errors] == ["s1", "s2", "s2"]
    assert result.counts == {"sentences": 2, "words": 10, "gold_spans": 3, "pred_spans": 3,
                             "pred_spans_realigned": 0, "pred_spans_dropped": 0, "event_sentences": 2}
    assert result.skipped == [] and "armed_clash" in result.event_report


def test_output_files_and_stable_keys(tmp_path):
    result = evaluate_run(score_records(JOINT, records(), predictions()), data="d.jsonl", fmt="jsonl")
    files = write_outputs(result, tmp_path / "out")
    assert sorted(p.rsplit("/", 1)[1] for p in files.values()) == [
        "confusion_matrix.png", "errors.jsonl", "metrics.json", "report.md"]
    metrics = json.loads((tmp_path / "out" / "metrics.json").read_text(encoding="utf-8"))
    assert metrics == json.loads(json.dumps(result.to_dict()))
    for mode in ("strict", "default"):
        assert set(metrics["slots"][mode]["micro"]) == {"precision", "recall", "f1", "support"}
        assert set(metrics["slots"][mode]["macro"]) == {"precision", "recall", "f1", "support"}
        assert set(metrics["slots"][mode]["per_type"]) == {"WEAPON", "LOCATION"}
    assert {"accuracy", "macro_f1", "per_type", "confusion_matrix", "labels"} <= set(metrics["events"])
    assert metrics["events"]["per_type"]["armed_clash"]["support"] == 1
    assert metrics["compare"] is None and metrics["skipped"] == []
    errors = [json.loads(line) for line in (tmp_path / "out" / "errors.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {e["kind"] for e in errors} == {"event", "boundary"}
    boundary = errors[0]
    assert set(boundary) == {"id", "kind", "text", "gold", "pred", "start", "end"}
    assert boundary["text"][boundary["start"]:boundary["end"]] == "الميادين"
    assert (tmp_path / "out" / "confusion_matrix.png").read_bytes()[:4] == b"\x89PNG"
    report = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert "### strict mode" in report and "### default mode" in report and "classification_report" in report


def test_slots_only_model_and_data_without_event_types():
    slots_only = ModelInfo(path="m", task="slots", has_slots=True, has_events=False)
    result = evaluate_run(score_records(slots_only, records(), predictions()))
    assert result.events is None and result.slots is not None
    assert result.skipped == [{"what": "events", "why": "the model has no event head (task=slots)"}]
    no_events = [Record(r.id, r.text, spans=r.spans) for r in records()]
    result = evaluate_run(score_records(JOINT, no_events, predictions()), fmt="conll")
    assert result.events is None and result.error_counts["event"] == 0
    assert result.skipped == [{"what": "events", "why": "the data has no event types (conll)"}]
    assert "Not evaluated" in render_markdown(result) and "skipped: events" in result.summary()


def test_multilabel_known_answer():
    info = ModelInfo(path="m", task="events", has_slots=False, has_events=True, multi_label=True,
                     event_labels=("a", "b"), event_threshold=0.4)
    recs = [Record("1", T1, event_type=["a"]), Record("2", T1, event_type=["a", "b"]), Record("3", T1, event_type="b")]
    preds = [SentencePrediction(0, len(T1), T1, "a", 0.9, labels) for labels in (["a"], ["a"], ["a", "b"])]
    result = evaluate_run(score_records(info, recs, preds))
    ev = result.events
    assert ev["multi_label"] is True
    assert (ev["micro_f1"], ev["macro_f1"]) == pytest.approx((0.75, (0.8 + 2 / 3) / 2))
    assert (ev["hamming_loss"], ev["subset_accuracy"]) == pytest.approx((1 / 3, 1 / 3))
    assert ev["per_type"]["a"]["threshold"] == 0.4
    assert ev["label_counts"]["a"] == {"tp": 2, "fp": 1, "fn": 0, "tn": 0}
    assert result.skipped[0]["what"] == "slots" and result.error_counts["event"] == 2


def test_compare_with_itself_and_differences():
    a = evaluate_run(score_records(JOINT, records(), predictions()))
    perfect = [SentencePrediction(0, len(r.text), r.text, r.event_type, 1.0, [r.event_type],
                                  [slot(r.text, s.start, s.end, s.label) for s in r.spans]) for r in records()]
    b = evaluate_run(score_records(JOINT, records(), perfect))
    same = compare_results(a, a, resamples=100, seed=0)
    for key in ("slot_f1", "event_macro_f1"):
        assert (same[key]["difference"], same[key]["low"], same[key]["high"]) == (0.0, 0.0, 0.0)
    diff = compare_results(a, b, resamples=100, seed=0)
    assert diff["slot_f1"]["b"] == 1.0 and diff["slot_f1"]["difference"] == pytest.approx(1 / 3 - 1)
    assert diff["event_macro_f1"]["a"] == pytest.approx(a.events["macro_f1"])
    assert diff["per_type"]["slots"]["LOCATION"] == {"a": 0.0, "b": 1.0, "difference": -1.0}


def test_partial_event_types_and_off_word_predictions_are_reported():
    recs = records()
    recs[1] = Record("s2", T2, spans=recs[1].spans)  # no event type
    recs.append(Record("s3", T2, event_type=["armed_clash", "none"], spans=recs[1].spans))  # two, single-label model
    preds = predictions() + [SentencePrediction(0, len(T2), T2, "armed_clash", 0.9, ["armed_clash"],
                                                [slot(T2, 13, 21, "LOCATION")])]  # starts mid-word: widened
    result = evaluate_run(score_records(JOINT, recs, preds))
    assert result.counts["event_sentences"] == 1 and result.events["accuracy"] == 1.0
    assert result.skipped == [
        {"what": "events of 1 sentence(s)", "why": "no gold event type"},
        {"what": "events of 1 sentence(s)", "why": "not exactly one gold event type, but the model is single-label"}]
    assert result.counts["pred_spans_realigned"] == 1
    assert result.notes == ["1 predicted span(s) widened to whole words, 0 dropped (no word of their own)"]
    s3 = [e for e in result.errors if e["id"] == "s3"]
    assert s3 == []  # widened to 12-21, it matches the gold exactly
