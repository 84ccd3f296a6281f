"""`rasd evaluate`: score a model on annotated sentences and write metrics, a report, a plot and the errors.

Each record is one sentence, scored whole with :meth:`Extractor.predict_sentences`. Its words
come from :func:`~rasd.text.words.tokenize_words`; gold tags come from the gold spans and
predicted tags from the predicted spans on the same words (a span off word edges is widened
to the words it touches and counted). Both tag sequences are kept per sentence, so strict and
default seqeval modes and the paired bootstrap of ``compare`` read the same data. The scores
come from :mod:`rasd.evaluation.metrics`, the code training selects models with.

What cannot be scored is skipped and said: slots for a model without a slot head or data
without spans, event types for a model without an event head or data without them (CoNLL).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from rasd.data.records import Record
from rasd.errors import ConfigError, DataError
from rasd.evaluation.bootstrap import Statistic, paired_bootstrap, resample_weights
from rasd.evaluation.errors import (
    ERROR_KINDS,
    CharSpan,
    align_to_words,
    event_error,
    gold_spans,
    slot_errors,
    tags_for,
)
from rasd.evaluation.metrics import (
    SLOT_MODES,
    event_classification_report,
    event_label_counts,
    event_metrics,
    macro_f1_from_counts,
    micro_f1_from_counts,
    multilabel_event_metrics,
    slot_entity_counts,
    slot_metrics,
)
from rasd.inference.outputs import SentencePrediction
from rasd.text.words import tokenize_words

NO_PREDICTION = "<no prediction>"  # event "type" of a sentence the model produced no event output for
CONFIDENCE = 0.95


@dataclass(frozen=True)
class ModelInfo:
    """What a model can be scored on, read from its config."""

    path: str
    task: str
    has_slots: bool
    has_events: bool
    multi_label: bool = False
    event_labels: tuple[str, ...] = ()
    event_threshold: float = 0.5

    @classmethod
    def from_config(cls, path: str | Path, config: Any) -> ModelInfo:
        return cls(path=str(path), task=config.task, has_slots=config.has_slot_head, has_events=config.has_event_head,
                   multi_label=bool(config.multi_label), event_labels=tuple(config.event_labels or ()),
                   event_threshold=float(config.event_threshold))


@dataclass
class SentenceEval:
    """One record with its gold and predicted spans on the same words."""

    id: str
    text: str
    words: list[tuple[int, int]]
    gold: list[CharSpan]
    pred: list[CharSpan]
    gold_events: list[str] | None  # None: the record has no event type
    pred_events: list[str]
    event_score: float | None = None

    @property
    def gold_tags(self) -> list[str]:
        return tags_for(len(self.words), self.gold)

    @property
    def pred_tags(self) -> list[str]:
        return tags_for(len(self.words), self.pred)


@dataclass
class ModelRun:
    """One model's predictions on the evaluation records."""

    info: ModelInfo
    sentences: list[SentenceEval]
    realigned: int = 0
    dropped: int = 0


@dataclass
class EvaluationResult:
    """Scores of one model (and, with ``compare``, a second one) on one data file.

    ``to_dict()`` is what ``metrics.json`` holds; ``summary()`` what the CLI prints.
    """

    model: str
    data: str
    format: str
    task: str
    multi_label: bool
    counts: dict[str, int]
    slots: dict[str, Any] | None
    events: dict[str, Any] | None
    errors: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    compare: dict[str, Any] | None = None
    files: dict[str, str] = field(default_factory=dict)
    event_report: str = ""  # scikit-learn classification_report text (single-label events)
    run: ModelRun | None = field(default=None, repr=False)

    @property
    def headline(self) -> dict[str, float | None]:
        """Strict slot micro-F1 and event macro-F1 (``None`` where skipped), plus their companions."""
        slots, events = self.slots, self.events
        return {
            "slot_f1": slots["strict"]["micro"]["f1"] if slots else None,
            "slot_f1_default": slots["default"]["micro"]["f1"] if slots else None,
            "event_macro_f1": events["macro_f1"] if events else None,
            "event_accuracy": events["accuracy"] if events else None,
        }

    @property
    def error_counts(self) -> dict[str, int]:
        counts = Counter(e["kind"] for e in self.errors)
        return {kind: counts.get(kind, 0) for kind in ERROR_KINDS}

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model, "data": self.data, "format": self.format, "task": self.task,
            "multi_label": self.multi_label, "counts": dict(self.counts), "headline": self.headline,
            "slots": self.slots, "events": self.events, "error_counts": self.error_counts,
            "skipped": list(self.skipped), "notes": list(self.notes), "compare": self.compare, "files": dict(self.files),
        }

    def summary(self) -> str:
        from rasd.evaluation.report import render_summary

        return render_summary(self)


def evaluate(
    model: str | Path,
    data: str | Path,
    *,
    fmt: str | None = None,
    output_dir: str | Path | None = None,
    compare: str | Path | None = None,
    batch_size: int = 32,
    device: str = "auto",
    bootstrap: int = 1000,
    seed: int = 0,
) -> EvaluationResult:
    """Score ``model`` on the annotated sentences in ``data`` (any importable format).

    With ``output_dir``, writes ``metrics.json`` (``result.to_dict()``), ``report.md``,
    ``confusion_matrix.png`` (when event types were scored), ``errors.jsonl`` and ``errors.html``
    (the errors grouped by kind, gold above predicted: :func:`rasd.render.pages.render_errors`). With
    ``compare``, scores that model on the same sentences and adds, under ``compare``, its scores
    and the difference A - B of slot F1 and event macro-F1 with a paired bootstrap interval
    (``bootstrap`` resamples of the sentences, seeded by ``seed``).

    >>> result = evaluate("runs/compact", "data/corpus/test.jsonl", output_dir="runs/eval")  # doctest: +SKIP
    >>> result.headline["slot_f1"], result.to_dict()["slots"]["strict"]["per_type"]["LOCATION"]["f1"]  # doctest: +SKIP
    (0.71, 0.78)
    """
    from rasd.data.formats import read_records, sniff_format

    if bootstrap < 0:
        raise ConfigError(f"bootstrap must be 0 or more resamples, got {bootstrap}")
    fmt_name = fmt or sniff_format(data)
    records = list(read_records(data, fmt_name))
    if not records:
        raise DataError("no records to evaluate", path=data)
    result = evaluate_run(run_model(model, records, batch_size=batch_size, device=device), data=str(data), fmt=fmt_name)
    if compare is not None:
        other = evaluate_run(run_model(compare, records, batch_size=batch_size, device=device), data=str(data), fmt=fmt_name)
        result.compare = compare_results(result, other, resamples=bootstrap, seed=seed)
    if output_dir is not None:
        from rasd.evaluation.report import write_outputs
        from rasd.render.pages import render_errors

        write_outputs(result, output_dir)
        page = render_errors(result.files["errors"], Path(output_dir) / "errors.html")
        result.files["errors_html"] = str(page.output)
    return result


def run_model(path: str | Path, records: Sequence[Record], *, batch_size: int = 32, device: str = "auto") -> ModelRun:
    """Load the model at ``path`` and predict every record as one sentence."""
    from rasd.inference.extractor import Extractor

    extractor = Extractor.from_pretrained(path, device=device, batch_size=batch_size)
    predictions = extractor.predict_sentences([r.text for r in records])
    return score_records(ModelInfo.from_config(path, extractor.config), records, predictions)


def score_records(info: ModelInfo, records: Sequence[Record], predictions: Sequence[SentencePrediction]) -> ModelRun:
    """Put gold and predicted spans on the same words, one :class:`SentenceEval` per record."""
    if len(records) != len(predictions):
        raise ValueError(f"{len(records)} records but {len(predictions)} predictions")
    run = ModelRun(info=info, sentences=[])
    for record, pred in zip(records, predictions, strict=True):
        words = tokenize_words(record.text)
        try:
            gold = gold_spans(words, record.spans)
        except KeyError:
            raise DataError(f"record {record.id!r}: a gold span does not start and end on word edges; "
                            "run `rasd validate` on the file") from None
        aligned = align_to_words(words, pred.slots if info.has_slots else [])
        run.realigned += aligned.realigned
        run.dropped += aligned.dropped
        if info.multi_label:
            pred_events = list(pred.event_labels)
        else:
            pred_events = [pred.event_type if pred.event_type is not None else NO_PREDICTION]
        run.sentences.append(SentenceEval(
            id=record.id, text=record.text, words=words, gold=gold, pred=aligned.spans,
            gold_events=record.event_labels if record.event_type is not None else None,
            pred_events=pred_events if info.has_events else [], event_score=pred.event_score,
        ))
    return run


def evaluate_run(run: ModelRun, *, data: str = "", fmt: str = "") -> EvaluationResult:
    """Score a :class:`ModelRun`: slot metrics in both seqeval modes, event metrics, and the errors."""
    info, sentences = run.info, run.sentences
    result = EvaluationResult(
        model=info.path, data=data, format=fmt, task=info.task, multi_label=info.multi_label, run=run,
        counts={"sentences": len(sentences), "words": sum(len(s.words) for s in sentences),
                "gold_spans": sum(len(s.gold) for s in sentences), "pred_spans": sum(len(s.pred) for s in sentences),
                "pred_spans_realigned": run.realigned, "pred_spans_dropped": run.dropped, "event_sentences": 0},
        slots=None, events=None,
    )
    slot_errors_at = _score_slots(result, info, sentences)
    event_errors_at = _score_events(result, info, sentences)
    for n in range(len(sentences)):  # each sentence's event row, then its slot rows by offset
        result.errors.extend(([event_errors_at[n]] if n in event_errors_at else []) + slot_errors_at.get(n, []))
    return result


def _score_slots(result: EvaluationResult, info: ModelInfo, sentences: list[SentenceEval]) -> dict[int, list[dict]]:
    """Fill ``result.slots``; return the slot error rows by sentence position."""
    if not info.has_slots:
        result.skipped.append({"what": "slots", "why": f"the model has no slot head (task={info.task})"})
        return {}
    if not any(s.gold for s in sentences):
        result.skipped.append({"what": "slots", "why": f"the data has no slot spans ({result.format})"})
        return {}
    y_true, y_pred = [s.gold_tags for s in sentences], [s.pred_tags for s in sentences]
    result.slots = {mode: slot_metrics(y_true, y_pred, mode=mode) for mode in SLOT_MODES}
    if result.counts["pred_spans_realigned"] or result.counts["pred_spans_dropped"]:
        result.notes.append(f"{result.counts['pred_spans_realigned']} predicted span(s) widened to whole words, "
                            f"{result.counts['pred_spans_dropped']} dropped (no word of their own)")
    return {n: slot_errors(s.id, s.text, s.gold, s.pred) for n, s in enumerate(sentences)}


def event_rows(info: ModelInfo, sentences: Sequence[SentenceEval]) -> list[SentenceEval]:
    """Sentences scored for event types: gold present, and one label unless the model is multi-label."""
    return [s for s in sentences if s.gold_events is not None and (info.multi_label or len(s.gold_events) == 1)]


def event_label_set(info: ModelInfo, rows: Sequence[SentenceEval]) -> list[str]:
    """The model's event labels, then labels only the gold (or a missing prediction) uses, sorted."""
    seen = {lab for s in rows for lab in (*(s.gold_events or ()), *s.pred_events)}
    return list(info.event_labels) + sorted(seen - set(info.event_labels))


def _score_events(result: EvaluationResult, info: ModelInfo, sentences: list[SentenceEval]) -> dict[int, dict]:
    """Fill ``result.events``; return the event error rows by sentence position."""
    if not info.has_events:
        result.skipped.append({"what": "events", "why": f"the model has no event head (task={info.task})"})
        return {}
    with_gold = sum(s.gold_events is not None for s in sentences)
    if not with_gold:
        result.skipped.append({"what": "events", "why": f"the data has no event types ({result.format})"})
        return {}
    rows = event_rows(info, sentences)
    if with_gold < len(sentences):
        result.skipped.append({"what": f"events of {len(sentences) - with_gold} sentence(s)", "why": "no gold event type"})
    if len(rows) < with_gold:
        result.skipped.append({"what": f"events of {with_gold - len(rows)} sentence(s)",
                               "why": "not exactly one gold event type, but the model is single-label"})
    if not rows:
        return {}
    labels = event_label_set(info, rows)
    unknown = sorted(set(labels) - set(info.event_labels) - {NO_PREDICTION})
    if unknown:
        result.notes.append(f"gold event type(s) {unknown} are not among the model's labels: always counted wrong")
    result.counts["event_sentences"] = len(rows)
    if info.multi_label:
        index = {lab: i for i, lab in enumerate(labels)}
        gold, pred = np.zeros((len(rows), len(labels)), int), np.zeros((len(rows), len(labels)), int)
        for n, s in enumerate(rows):
            gold[n, [index[x] for x in s.gold_events or ()]] = 1
            pred[n, [index[x] for x in s.pred_events]] = 1
        events = multilabel_event_metrics(gold, pred, labels=labels, thresholds=[info.event_threshold] * len(labels))
        g, p = gold.astype(bool), pred.astype(bool)
        events["label_counts"] = {
            lab: {"tp": int((g[:, i] & p[:, i]).sum()), "fp": int((~g[:, i] & p[:, i]).sum()),
                  "fn": int((g[:, i] & ~p[:, i]).sum()), "tn": int((~g[:, i] & ~p[:, i]).sum())}
            for i, lab in enumerate(labels)
        }
    else:
        y_true, y_pred = [(s.gold_events or [])[0] for s in rows], [s.pred_events[0] for s in rows]
        events = event_metrics(y_true, y_pred, labels=labels)
        result.event_report = event_classification_report(y_true, y_pred, labels=labels)
    result.events = {"multi_label": info.multi_label, **events}
    position = {id(s): n for n, s in enumerate(sentences)}
    errors = {}
    for s in rows:
        row = event_error(s.id, s.text, s.gold_events or [], s.pred_events, multi_label=info.multi_label,
                          score=s.event_score)
        if row is not None:
            errors[position[id(s)]] = row
    return errors


# --- comparison ------------------------------------------------------------------------------------

def compare_results(a: EvaluationResult, b: EvaluationResult, *, resamples: int = 1000, seed: int = 0) -> dict[str, Any]:
    """Side-by-side scores of two models on the same sentences, with paired bootstrap intervals of A - B.

    Each interval resamples the sentences ``resamples`` times (the same draws for A and B, and
    for both metrics) and takes the 2.5th and 97.5th percentiles of the difference.
    """
    if a.run is None or b.run is None:
        raise ValueError("compare_results needs results from evaluate_run (with their runs)")
    sa, sb = a.run.sentences, b.run.sentences
    if [s.id for s in sa] != [s.id for s in sb]:
        raise ValueError("the two runs are not on the same sentences")
    weights = resample_weights(len(sa), resamples=resamples, seed=seed)
    out: dict[str, Any] = {
        "model": b.model, "task": b.task, "multi_label": b.multi_label, "difference": "A - B",
        "resamples": resamples, "seed": seed, "confidence": CONFIDENCE,
        "slot_f1": None, "event_macro_f1": None, "per_type": {"slots": {}, "events": {}},
        "b": {"headline": b.headline, "slots": b.slots, "events": b.events, "counts": b.counts,
              "error_counts": b.error_counts, "skipped": b.skipped},
        "skipped": [],
    }
    if a.slots and b.slots:
        counts = [slot_entity_counts([s.gold_tags for s in run], [s.pred_tags for s in run], mode="strict")
                  for run in (sa, sb)]
        out["slot_f1"] = paired_bootstrap(*counts, micro_f1_from_counts, weights=weights, confidence=CONFIDENCE).to_dict()
        out["per_type"]["slots"] = _per_type_f1(a.slots["strict"]["per_type"], b.slots["strict"]["per_type"])
    else:
        out["skipped"].append({"what": "slot F1 difference", "why": "slots were not scored for both models"})
    if a.events and b.events:
        out["event_macro_f1"] = paired_bootstrap(
            _event_counts(a.run), _event_counts(b.run), _event_statistic(a.run.info), weights=weights,
            statistic_b=_event_statistic(b.run.info), confidence=CONFIDENCE,
        ).to_dict()
        out["per_type"]["events"] = _per_type_f1(a.events["per_type"], b.events["per_type"])
    else:
        out["skipped"].append({"what": "event macro-F1 difference", "why": "event types were not scored for both models"})
    return out


def _event_counts(run: ModelRun) -> np.ndarray:
    """Per-sentence ``[tp, fp, fn]`` per label; sentences not scored for events count nothing."""
    rows = event_rows(run.info, run.sentences)
    scored = {id(s) for s in rows}
    gold = [s.gold_events or [] if id(s) in scored else [] for s in run.sentences]
    pred = [s.pred_events if id(s) in scored else [] for s in run.sentences]
    return event_label_counts(gold, pred, labels=event_label_set(run.info, rows))


def _event_statistic(info: ModelInfo) -> Statistic:
    """Macro-F1 as :func:`event_metrics` (labels that occur) or :func:`multilabel_event_metrics` (all labels) computes it."""
    return lambda counts: macro_f1_from_counts(counts, present_only=not info.multi_label)


def _per_type_f1(a: dict[str, dict[str, Any]], b: dict[str, dict[str, Any]]) -> dict[str, dict[str, float | None]]:
    rows = {}
    for label in list(a) + [x for x in b if x not in a]:
        fa = a[label]["f1"] if label in a else None
        fb = b[label]["f1"] if label in b else None
        rows[label] = {"a": fa, "b": fb, "difference": fa - fb if fa is not None and fb is not None else None}
    return rows
