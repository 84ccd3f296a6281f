"""What `rasd evaluate` shows and writes: the terminal summary, ``report.md`` and the output files.

Everything here reads an :class:`~rasd.evaluation.evaluate.EvaluationResult`; nothing scores.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rasd.evaluation.evaluate import EvaluationResult

FILES = {"metrics": "metrics.json", "report": "report.md", "confusion_matrix": "confusion_matrix.png",
         "errors": "errors.jsonl"}
_PRF = ("precision", "recall", "f1", "support")


def _num(x: float | None, signed: bool = False) -> str:
    if x is None:
        return "-"
    return f"{x:+.4f}" if signed else f"{x:.4f}"


def _table(header: Sequence[str], rows: Iterable[Sequence[Any]], *, markdown: bool = False) -> list[str]:
    """Rows as aligned text columns (first left, the rest right) or as a Markdown table."""
    cells = [[str(c) for c in header]] + [[c if isinstance(c, str) else str(c) for c in row] for row in rows]
    if markdown:
        lines = ["| " + " | ".join(cells[0]) + " |", "|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|"]
        return lines + ["| " + " | ".join(r) + " |" for r in cells[1:]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    return ["  ".join(c.ljust(widths[0]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(r)).rstrip()
            for r in cells]


def _prf_rows(block: dict[str, Any], *, averages: bool = True) -> list[list[str]]:
    rows = [[label, *(_num(row[k]) for k in _PRF[:3]), str(row["support"])] for label, row in block["per_type"].items()]
    if averages:
        for name in ("micro", "macro"):
            if name in block:
                row = block[name]
                rows.append([f"{name} avg", *(_num(row[k]) for k in _PRF[:3]), str(row["support"])])
    return rows


def _headline_lines(result: EvaluationResult) -> list[str]:
    h = result.headline
    lines = []
    if result.slots:
        lines.append(f"slot F1 (seqeval strict IOB2, micro)  {_num(h['slot_f1'])}   "
                     f"default mode {_num(h['slot_f1_default'])}")
    if result.events:
        extra = (f"micro-F1 {_num(result.events['micro_f1'])}, Hamming loss {_num(result.events['hamming_loss'])}, "
                 f"subset accuracy {_num(result.events['subset_accuracy'])}" if result.multi_label
                 else f"accuracy {_num(h['event_accuracy'])}")
        lines.append(f"event macro-F1                        {_num(h['event_macro_f1'])}   {extra}")
    return lines


def render_summary(result: EvaluationResult) -> str:
    """The terminal summary: headline numbers, per-type tables, what was skipped, the comparison."""
    c = result.counts
    lines = [f"rasd evaluate: {result.model} on {result.data} ({result.format}, {c['sentences']} sentences, "
             f"{c['gold_spans']} gold / {c['pred_spans']} predicted spans)", ""]
    lines += _headline_lines(result)
    if result.slots:
        lines += ["", *_table(["slot type (strict)", "P", "R", "F1", "support"], _prf_rows(result.slots["strict"]))]
    if result.events:
        lines += ["", *_table(["event type", "P", "R", "F1", "support"], _prf_rows(result.events, averages=False))]
    if result.skipped or result.notes:
        lines.append("")
    lines += [f"skipped: {s['what']}: {s['why']}" for s in result.skipped] + [f"note: {n}" for n in result.notes]
    if result.compare:
        lines += ["", *_comparison_lines(result)]
    if result.files:
        folder = Path(result.files["metrics"]).parent
        names = ", ".join(Path(p).name for p in result.files.values())
        lines += ["", f"wrote {names} to {folder} ({sum(result.error_counts.values())} error rows)"]
    return "\n".join(lines)


def _comparison_lines(result: EvaluationResult, *, markdown: bool = False) -> list[str]:
    cmp = result.compare or {}
    pct = round(100 * cmp["confidence"])
    ci_head = f"{pct}% CI" if cmp["resamples"] else "CI"
    bullet = "- " if markdown else ""
    lines = [f"{bullet}A = {result.model}", f"{bullet}B = {cmp['model']}",
             f"{bullet}difference A - B; {pct}% paired bootstrap interval over sentences "
             f"({cmp['resamples']} resamples, seed {cmp['seed']})", ""]
    rows = []
    for key, name in (("slot_f1", "slot F1 (strict)"), ("event_macro_f1", "event macro-F1")):
        ci = cmp.get(key)
        if ci is None:
            continue
        interval = f"[{_num(ci['low'], True)}, {_num(ci['high'], True)}]" if ci["low"] is not None else "-"
        rows.append([name, _num(ci["a"]), _num(ci["b"]), _num(ci["difference"], True), interval])
    lines += _table(["metric", "A", "B", "A - B", ci_head], rows, markdown=markdown)
    for kind, title in (("slots", "slot type F1 (strict)"), ("events", "event type F1")):
        per_type = cmp["per_type"][kind]
        if per_type:
            rows = [[label, _num(r["a"]), _num(r["b"]), _num(r["difference"], True)] for label, r in per_type.items()]
            lines += ["", *_table([title, "A", "B", "A - B"], rows, markdown=markdown)]
    for s in cmp["skipped"] + [{"what": f"model B: {s['what']}", "why": s["why"]} for s in cmp["b"]["skipped"]]:
        lines.append(f"{bullet}skipped: {s['what']}: {s['why']}")
    return lines


def render_markdown(result: EvaluationResult) -> str:
    """``report.md``: the same numbers as ``metrics.json``, as tables a person reads."""
    c = result.counts
    out = [f"# Evaluation of `{result.model}`", "",
           f"- data: `{result.data}` ({result.format})",
           f"- task: {result.task}{' (multi-label events)' if result.multi_label else ''}",
           f"- sentences: {c['sentences']}, words: {c['words']}, gold spans: {c['gold_spans']}, "
           f"predicted spans: {c['pred_spans']} ({c['pred_spans_realigned']} widened to whole words, "
           f"{c['pred_spans_dropped']} dropped), sentences scored for event types: {c['event_sentences']}", ""]
    out += ["## Headline", "", "```", *_headline_lines(result), "```", ""]
    if result.skipped or result.notes:
        out += ["## Not evaluated", ""] + [f"- {s['what']}: {s['why']}" for s in result.skipped]
        out += [f"- note: {n}" for n in result.notes] + [""]
    if result.slots:
        out += _markdown_slots(result.slots)
    if result.events:
        out += _markdown_events(result)
    out += ["## Errors", "", f"Every error is a line of `{FILES['errors']}` (kinds: event = wrong event type; "
            "missed / spurious = gold span not found / predicted span not in the gold; boundary = right label, "
            "other bounds; label = same bounds, other label).", ""]
    out += _table(["kind", "count"], result.error_counts.items(), markdown=True) + [""]
    if result.compare:
        out += ["## Comparison", "", *_comparison_lines(result, markdown=True), ""]
    return "\n".join(out)


def _markdown_slots(slots: dict[str, Any]) -> list[str]:
    out = ["## Slots", "",
           "seqeval over IOB2 word tags. **strict** (the headline): a chunk counts only with a correct `B-` and "
           "exact bounds. **default** (CoNLL `conlleval`-style): a stray `I-X` after `O` or after another type "
           "opens a chunk. Gold and predicted tags here are built from spans, so both are well-formed IOB2 and the "
           "two modes agree; they differ on raw tag sequences (training's token-level evaluation, other tools' "
           "outputs), which is why published numbers in default mode are not always comparable.", ""]
    for mode in ("strict", "default"):
        out += [f"### {mode} mode", ""]
        out += _table(["type", "precision", "recall", "F1", "support"], _prf_rows(slots[mode]), markdown=True) + [""]
    return out


def _markdown_events(result: EvaluationResult) -> list[str]:
    events = result.events or {}
    out = ["## Event types", ""]
    if result.multi_label:
        out += [f"- micro-F1: {_num(events['micro_f1'])}", f"- macro-F1: {_num(events['macro_f1'])}",
                f"- Hamming loss: {_num(events['hamming_loss'])}",
                f"- subset accuracy: {_num(events['subset_accuracy'])}", ""]
        rows = [[lab, *(_num(r[k]) for k in _PRF[:3]), str(r["support"]), f"{r['threshold']:.2f}"]
                for lab, r in events["per_type"].items()]
        out += _table(["label", "precision", "recall", "F1", "support", "threshold"], rows, markdown=True) + [""]
        counts = events["label_counts"]
        out += _table(["label", "TP", "FP", "FN", "TN"],
                      [[lab, *(str(v[k]) for k in ("tp", "fp", "fn", "tn"))] for lab, v in counts.items()],
                      markdown=True) + [""]
    else:
        out += [f"- accuracy: {_num(events['accuracy'])}", f"- macro-F1: {_num(events['macro_f1'])}", "",
                "scikit-learn `classification_report`:", "", "```", result.event_report.rstrip(), "```", "",
                "Confusion matrix (rows gold, columns predicted):", ""]
        labels = events["labels"]
        out += _table(["gold \\ predicted", *labels], [[lab, *map(str, row)] for lab, row in
                                                     zip(labels, events["confusion_matrix"], strict=True)],
                      markdown=True) + [""]
    if "confusion_matrix" in result.files:
        out += [f"![confusion matrix]({FILES['confusion_matrix']})", ""]
    return out


def write_outputs(result: EvaluationResult, output_dir: str | Path) -> dict[str, str]:
    """Write ``metrics.json``, ``report.md``, ``errors.jsonl`` and (when event types were scored)
    ``confusion_matrix.png``; record their paths in ``result.files`` and return them."""
    from rasd.evaluation.plots import plot_confusion_matrix

    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    names = [k for k in FILES if k != "confusion_matrix" or result.events]
    result.files = {k: str(out / FILES[k]) for k in names}
    if result.events:
        events = result.events
        if result.multi_label:
            labels = list(events["label_counts"])
            matrix = [[v[k] for k in ("tp", "fp", "fn", "tn")] for v in events["label_counts"].values()]
            plot_confusion_matrix(matrix, labels, result.files["confusion_matrix"], columns=["TP", "FP", "FN", "TN"],
                                  title="Event labels (multi-label)", xlabel="outcome", ylabel="label")
        else:
            plot_confusion_matrix(events["confusion_matrix"], events["labels"], result.files["confusion_matrix"])
    with open(result.files["errors"], "w", encoding="utf-8") as f:
        for row in result.errors:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    Path(result.files["report"]).write_text(render_markdown(result) + "\n", encoding="utf-8")
    Path(result.files["metrics"]).write_text(json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n",
                                             encoding="utf-8")
    return dict(result.files)
