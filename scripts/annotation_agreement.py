#!/usr/bin/env python3
"""Agreement between the corpus annotation and a second, independent one (before adjudication).

The second annotation lives in `data/corpus/second/<collection>/<doc_id>.txt`, in the source
format of `scripts/build_corpus.py`, made by an annotator who saw only the plain text and the
annotation scheme. For every document present in both, this prints

- event agreement (share of sentences with the same event type) and Cohen's kappa,
- span F1 per label, exact (same label, start and end) and lenient (same label, overlapping),
  taking the first annotation as the reference (F1 is symmetric, so the choice does not matter),

and with `--disagreements FILE` writes one TSV row per sentence where the two differ, the work
list of the adjudication (`doc_id, sentence, first, second` with the spans in markup).

Only the standard library is used. Usage:
    python scripts/annotation_agreement.py [--markdown] [--disagreements data/corpus/second/disagreements.tsv]
"""

from __future__ import annotations

import argparse
import collections
import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECOND = ROOT / "data" / "corpus" / "second"


def _build_corpus():
    spec = importlib.util.spec_from_file_location("build_corpus", ROOT / "scripts" / "build_corpus.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["build_corpus"] = module
    spec.loader.exec_module(module)
    return module


def pairs(bc) -> list[tuple[str, object, object]]:
    """(collection, first, second) Documents for every second annotation that has a first one."""
    out = []
    for second_dir in sorted(p for p in SECOND.iterdir() if p.is_dir()) if SECOND.is_dir() else []:
        for path in sorted(second_dir.glob("*.txt")):
            first = next((root / second_dir.name / path.name for root in (bc.SRC, bc.DRAFTS)
                          if (root / second_dir.name / path.name).is_file()), None)
            if first is None:
                raise SystemExit(f"{path}: no first annotation of this document in src/ or drafts/")
            a, b = bc.parse_document(first), bc.parse_document(path)
            if [s.text for s in a.sentences] != [s.text for s in b.sentences]:
                raise SystemExit(f"{path}: its sentences differ from {first}: the text must be the same")
            out.append((second_dir.name, a, b))
    return out


def kappa(first: list[str], second: list[str]) -> float:
    """Cohen's kappa of two label sequences."""
    n = len(first)
    observed = sum(a == b for a, b in zip(first, second, strict=True)) / n
    ca, cb = collections.Counter(first), collections.Counter(second)
    expected = sum(ca[k] * cb[k] for k in ca) / (n * n)
    return (observed - expected) / (1 - expected) if expected < 1 else 1.0


def span_scores(first: list[set], second: list[set]) -> dict[str, dict[str, float]]:
    """Exact and lenient F1 per label over sentences' (label, start, end) sets."""
    labels = sorted({s[0] for spans in first + second for s in spans})
    out = {}
    for label in labels + ["all"]:
        keep = (lambda s: True) if label == "all" else (lambda s, lab=label: s[0] == lab)  # noqa: E731
        tp = n_a = n_b = lenient_a = lenient_b = 0
        for a, b in zip(first, second, strict=True):
            a, b = {s for s in a if keep(s)}, {s for s in b if keep(s)}
            n_a, n_b, tp = n_a + len(a), n_b + len(b), tp + len(a & b)
            overlap = lambda x, ys: any(x[0] == y[0] and x[1] < y[2] and y[1] < x[2] for y in ys)  # noqa: E731
            lenient_a += sum(overlap(x, b) for x in a)
            lenient_b += sum(overlap(y, a) for y in b)
        exact = 2 * tp / (n_a + n_b) if n_a + n_b else 1.0
        p, r = (lenient_b / n_b if n_b else 1.0), (lenient_a / n_a if n_a else 1.0)
        out[label] = {"first": n_a, "second": n_b, "exact_f1": exact,
                      "lenient_f1": 2 * p * r / (p + r) if p + r else 0.0}
    return out


def markup(text: str, spans: list[dict]) -> str:
    out, pos = [], 0
    for s in sorted(spans, key=lambda s: s["start"]):
        out += [text[pos:s["start"]], f"[{text[s['start']:s['end']]}]({s['label']})"]
        pos = s["end"]
    return "".join(out + [text[pos:]])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--markdown", action="store_true", help="print the tables as Markdown (for the datasheet)")
    ap.add_argument("--disagreements", type=Path, help="write the sentences that differ here (TSV)")
    args = ap.parse_args(argv)
    bc = _build_corpus()
    try:
        docs = pairs(bc)
    except bc.CorpusError as e:
        print(f"annotation_agreement: {e}", file=sys.stderr)
        return 1
    if not docs:
        print(f"no second annotation under {SECOND}")
        return 1
    ev_a, ev_b, sp_a, sp_b, rows = [], [], [], [], []
    for _, a, b in docs:
        for sa, sb in zip(a.sentences, b.sentences, strict=True):
            ea, eb = "+".join(sa.event_type) if isinstance(sa.event_type, list) else sa.event_type, \
                "+".join(sb.event_type) if isinstance(sb.event_type, list) else sb.event_type
            ev_a.append(ea)
            ev_b.append(eb)
            spans_a = {(s["label"], s["start"], s["end"]) for s in sa.spans}
            spans_b = {(s["label"], s["start"], s["end"]) for s in sb.spans}
            sp_a.append(spans_a)
            sp_b.append(spans_b)
            if ea != eb or spans_a != spans_b:
                rows.append((a.doc_id, str(sa.line), f"{ea} | {markup(sa.text, sa.spans)}",
                             f"{eb} | {markup(sb.text, sb.spans)}"))
    n = len(ev_a)
    agree = sum(x == y for x, y in zip(ev_a, ev_b, strict=True)) / n
    scores = span_scores(sp_a, sp_b)
    print(f"{len(docs)} documents, {n} sentences annotated twice; {len(rows)} sentences differ")
    print(f"event agreement {agree:.3f}, Cohen's kappa {kappa(ev_a, ev_b):.3f}")
    sep = " | " if args.markdown else "  "
    if args.markdown:
        print("\n| label | spans (first) | spans (second) | exact F1 | lenient F1 |\n|---|---:|---:|---:|---:|")
    for label, s in scores.items():
        cells = [label, str(s["first"]), str(s["second"]), f"{s['exact_f1']:.3f}", f"{s['lenient_f1']:.3f}"]
        print(("| " + sep.join(cells) + " |") if args.markdown else sep.join(f"{c:>12}" for c in cells))
    if args.disagreements:
        with args.disagreements.open("w", encoding="utf-8") as f:
            f.write("doc_id\tline\tfirst\tsecond\n")
            for row in rows:
                f.write("\t".join(x.replace("\t", " ") for x in row) + "\n")
        print(f"wrote {len(rows)} rows to {args.disagreements}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
