"""Known answers for the shared metric code, and cross-checks against seqeval and scikit-learn."""

from __future__ import annotations

import random

import numpy as np
import pytest
from seqeval.metrics import classification_report
from seqeval.scheme import IOB2
from sklearn.metrics import f1_score

from rasd.evaluation.metrics import (
    event_label_counts,
    event_metrics,
    macro_f1_from_counts,
    micro_f1_from_counts,
    multilabel_event_metrics,
    slot_entity_counts,
    slot_metrics,
)

# Worked by hand (see the comments). Sentence 2's prediction opens with `I-PER` after `O`:
# strict IOB2 reads no chunk there, default mode reads a PER chunk matching the gold.
GOLD = [["B-LOC", "I-LOC", "O", "B-PER"], ["O", "B-PER", "I-PER", "O"], ["B-LOC", "O", "O"]]
PRED = [["B-LOC", "I-LOC", "O", "O"], ["O", "I-PER", "I-PER", "O"], ["B-PER", "O", "B-LOC"]]
# gold chunks: LOC s1, PER s1, PER s2, LOC s3 (2 LOC, 2 PER)
# strict pred: LOC s1 (correct), PER s3, LOC s3             -> 1 correct / 3 predicted / 4 gold
# default pred: also PER s2 (correct)                        -> 2 correct / 4 predicted / 4 gold
EXPECTED = {
    "strict": {"micro": (1 / 3, 1 / 4, 2 / 7, 4), "macro": (0.25, 0.25, 0.25, 4),
               "LOC": (0.5, 0.5, 0.5, 2), "PER": (0.0, 0.0, 0.0, 2)},
    "default": {"micro": (0.5, 0.5, 0.5, 4), "macro": (0.5, 0.5, 0.5, 4),
                "LOC": (0.5, 0.5, 0.5, 2), "PER": (0.5, 0.5, 0.5, 2)},
}


def _prfs(row: dict) -> tuple:
    return row["precision"], row["recall"], row["f1"], row["support"]


@pytest.mark.parametrize("mode", ["strict", "default"])
def test_slot_metrics_hand_computed(mode):
    m = slot_metrics(GOLD, PRED, mode=mode)
    want = EXPECTED[mode]
    assert _prfs(m["micro"]) == pytest.approx(want["micro"])
    assert _prfs(m["macro"]) == pytest.approx(want["macro"])
    assert sorted(m["per_type"]) == ["LOC", "PER"]
    for label in ("LOC", "PER"):
        assert _prfs(m["per_type"][label]) == pytest.approx(want[label])


@pytest.mark.parametrize(("mode", "counts"), [("strict", [[1, 1, 2], [0, 0, 1], [0, 2, 1]]),
                                                ("default", [[1, 1, 2], [1, 1, 1], [0, 2, 1]])])
def test_slot_entity_counts_hand_computed(mode, counts):
    got = slot_entity_counts(GOLD, PRED, mode=mode)
    assert got.tolist() == counts
    assert float(micro_f1_from_counts(got.sum(0))) == pytest.approx(EXPECTED[mode]["micro"][2])


def _random_tags(rng: random.Random, n: int) -> list[list[str]]:
    tags = ["O", "O", "O", "B-LOC", "I-LOC", "B-PER", "I-PER", "B-TIME", "I-TIME"]
    return [[rng.choice(tags) for _ in range(rng.randint(1, 12))] for _ in range(n)]


@pytest.mark.parametrize("mode", ["strict", "default"])
def test_slot_metrics_match_seqeval_classification_report(mode):
    rng = random.Random(3)
    gold = _random_tags(rng, 60)
    pred = [[t if rng.random() < 0.7 else rng.choice(["O", "B-LOC", "I-PER", "B-TIME"]) for t in s] for s in gold]
    kwargs = {"mode": "strict", "scheme": IOB2} if mode == "strict" else {}
    ref = classification_report(gold, pred, output_dict=True, zero_division=0, **kwargs)
    ours = slot_metrics(gold, pred, mode=mode)
    for ours_key, ref_key in (("micro", "micro avg"), ("macro", "macro avg")):
        assert _prfs(ours[ours_key]) == pytest.approx(
            (ref[ref_key]["precision"], ref[ref_key]["recall"], ref[ref_key]["f1-score"], ref[ref_key]["support"]))
    assert set(ours["per_type"]) == set(ref) - {"micro avg", "macro avg", "weighted avg"}
    for label, row in ours["per_type"].items():
        assert _prfs(row) == pytest.approx(
            (ref[label]["precision"], ref[label]["recall"], ref[label]["f1-score"], ref[label]["support"]))
    # the count form used by the bootstrap gives the same micro F1
    assert float(micro_f1_from_counts(slot_entity_counts(gold, pred, mode=mode).sum(0))) == pytest.approx(
        ours["micro"]["f1"])


def test_event_counts_reproduce_single_label_macro_f1():
    rng = random.Random(5)
    labels = ["a", "b", "c", "d", "none"]
    gold = [rng.choice(labels[:4]) for _ in range(80)]
    pred = [g if rng.random() < 0.6 else rng.choice(labels) for g in gold]
    m = event_metrics(gold, pred, labels=labels)
    counts = event_label_counts([[g] for g in gold], [[p] for p in pred], labels=labels)
    assert float(macro_f1_from_counts(counts.sum(0), present_only=True)) == pytest.approx(m["macro_f1"])
    assert m["macro_f1"] == pytest.approx(f1_score(gold, pred, labels=sorted(set(gold) | set(pred)), average="macro"))


def test_event_counts_reproduce_multilabel_macro_f1():
    rng = np.random.default_rng(1)
    gold = (rng.random((50, 4)) < 0.3).astype(int)
    pred = np.where(rng.random((50, 4)) < 0.8, gold, 1 - gold)
    pred[:, 3] = 0  # a label never predicted
    labels = ["a", "b", "c", "d"]
    m = multilabel_event_metrics(gold, pred, labels=labels, thresholds=[0.5] * 4)
    as_lists = [[labels[j] for j in np.flatnonzero(row)] for row in gold], [
        [labels[j] for j in np.flatnonzero(row)] for row in pred]
    counts = event_label_counts(*as_lists, labels=labels)
    assert float(macro_f1_from_counts(counts.sum(0), present_only=False)) == pytest.approx(m["macro_f1"])


def test_multilabel_known_answer():
    # labels a, b; 3 sentences: {a}->{a}, {a,b}->{a}, {b}->{a,b}
    gold = np.array([[1, 0], [1, 1], [0, 1]])
    pred = np.array([[1, 0], [1, 0], [1, 1]])
    m = multilabel_event_metrics(gold, pred, labels=["a", "b"], thresholds=[0.5, 0.4])
    # a: tp 2, fp 1, fn 0 -> F1 0.8; b: tp 1, fp 0, fn 1 -> F1 2/3; micro: tp 3, fp 1, fn 1 -> 0.75
    assert m["macro_f1"] == pytest.approx((0.8 + 2 / 3) / 2)
    assert m["micro_f1"] == pytest.approx(0.75)
    assert m["hamming_loss"] == pytest.approx(2 / 6)
    assert m["subset_accuracy"] == pytest.approx(1 / 3)
    assert m["per_type"]["b"]["threshold"] == 0.4


def test_count_forms_handle_empty_input():
    assert float(micro_f1_from_counts(np.zeros(3))) == 0.0
    assert float(macro_f1_from_counts(np.zeros((2, 3)), present_only=True)) == 0.0
    assert slot_entity_counts([], [], mode="strict").shape == (0, 3)
    with pytest.raises(ValueError, match="not among"):
        event_label_counts([["x"]], [["a"]], labels=["a"])


def test_training_selects_models_with_the_same_functions():
    import rasd.evaluation.metrics as metrics
    import rasd.training.trainer as trainer

    for name in ("slot_metrics", "event_metrics", "multilabel_event_metrics", "combined_score"):
        assert getattr(trainer, name) is getattr(metrics, name)
