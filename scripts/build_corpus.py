#!/usr/bin/env python3
"""Compile the hand-written corpus sources into canonical JSON Lines splits.

The corpus is authored as whole documents in a light inline markup so that writers
see running text, not offsets (offsets written by hand are always wrong somewhere).
This script turns the sources into `data/corpus/{train,dev,test}.jsonl`, splits by
document, and refuses sources that break the annotation guidelines or repeat a
sentence frame too often.

Source format (`data/corpus/src/<collection>/<doc_id>.txt`, UTF-8)::

    id: syr-0001
    published: 2022-11-18
    source: شبكة عين الفرات
    title: استهداف القاعدة الأمريكية في حقل العمر
    ---
    shelling_missile_attack | استهدفت [الميليشيات الإيرانية](PERPETRATOR) [القاعدة الأمريكية](TARGET) ...
    none | اقرأ أيضاً: ...

    none | A blank line starts a new paragraph.

Each body line is one sentence: the event type (several joined by `+` for
multi-label data), ` | `, then the sentence with slots marked as `[words](LABEL)`.

Only the standard library is used, so the script runs before the package is installed.
Usage: python scripts/build_corpus.py [--check] [--report]
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import json
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "data" / "corpus" / "src"
OUT = ROOT / "data" / "corpus"

EVENT_TYPES = {
    "shelling_missile_attack",
    "air_drone_strike",
    "armed_clash",
    "remote_explosive",
    "unexplained_explosion",
    "military_exercise",
    "mobilization",
    "seizure",
    "none",
}
SLOT_TYPES = {"PERPETRATOR", "TARGET", "LOCATION", "WEAPON", "TIME", "CASUALTIES", "SOURCE"}
HEADER_KEYS = {"id", "published", "source", "title"}

SPAN_RE = re.compile(r"\[([^\[\]]+)\]\(([A-Z_]+)\)")
# Characters that must not sit at the edge of a span (punctuation stays outside).
EDGE_PUNCT = set(".,،;؛:!?؟\"'«»“”‘’()[]{}-–—…/")
MAX_FRAME_REPEATS = 2


@dataclass
class Sentence:
    text: str
    event_type: str | list[str]
    spans: list[dict]
    line: int


@dataclass
class Document:
    doc_id: str
    path: Path
    meta: dict
    paragraphs: list[list[Sentence]] = field(default_factory=list)

    @property
    def sentences(self) -> list[Sentence]:
        return [s for p in self.paragraphs for s in p]


class CorpusError(Exception):
    pass


def _is_boundary(text: str, i: int) -> bool:
    """True when index i sits between words (start, end, or next to space/punctuation)."""
    if i <= 0 or i >= len(text):
        return True
    before, after = text[i - 1], text[i]
    return (
        before.isspace()
        or after.isspace()
        or unicodedata.category(before)[0] in "PZ"
        or unicodedata.category(after)[0] in "PZ"
    )


def parse_sentence(body: str, where: str) -> tuple[str, list[dict]]:
    text_parts: list[str] = []
    spans: list[dict] = []
    pos = 0
    cursor = 0
    for m in SPAN_RE.finditer(body):
        text_parts.append(body[cursor : m.start()])
        pos += m.start() - cursor
        inner, label = m.group(1), m.group(2)
        if label not in SLOT_TYPES:
            raise CorpusError(f"{where}: unknown slot label {label!r} on {inner!r}")
        if inner != inner.strip():
            raise CorpusError(f"{where}: span {inner!r} has spaces at its edge")
        if inner[0] in EDGE_PUNCT or inner[-1] in EDGE_PUNCT:
            raise CorpusError(f"{where}: span {inner!r} starts or ends with punctuation (keep it outside)")
        spans.append({"start": pos, "end": pos + len(inner), "label": label})
        text_parts.append(inner)
        pos += len(inner)
        cursor = m.end()
    text_parts.append(body[cursor:])
    text = "".join(text_parts)
    leftovers = re.findall(r"\]\([A-Za-z_]*\)|\[[^\]]*\]\(", text)
    if leftovers:
        raise CorpusError(f"{where}: broken span markup near {leftovers[0]!r}")
    for sp in spans:
        if not (_is_boundary(text, sp["start"]) and _is_boundary(text, sp["end"])):
            raise CorpusError(
                f"{where}: span {text[sp['start']:sp['end']]!r} is not on word boundaries"
            )
    return text, spans


def parse_document(path: Path) -> Document:
    raw = path.read_text(encoding="utf-8")
    if "---" not in raw.splitlines():
        raise CorpusError(f"{path}: missing '---' line between header and body")
    lines = raw.splitlines()
    sep = lines.index("---")
    meta: dict = {}
    for n, line in enumerate(lines[:sep], start=1):
        if not line.strip():
            continue
        key, _, value = line.partition(":")
        key, value = key.strip(), value.strip()
        if key not in HEADER_KEYS or not value:
            raise CorpusError(f"{path}:{n}: bad header line {line!r} (keys: {sorted(HEADER_KEYS)})")
        meta[key] = value
    for key in ("id", "published", "source"):
        if key not in meta:
            raise CorpusError(f"{path}: header lacks {key!r}")
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", meta["published"]):
        raise CorpusError(f"{path}: published must be YYYY-MM-DD, got {meta['published']!r}")
    doc = Document(doc_id=meta.pop("id"), path=path, meta=meta)
    paragraph: list[Sentence] = []
    for n, line in enumerate(lines[sep + 1 :], start=sep + 2):
        where = f"{path}:{n}"
        if not line.strip():
            if paragraph:
                doc.paragraphs.append(paragraph)
                paragraph = []
            continue
        if " | " not in line:
            raise CorpusError(f"{where}: expected 'event_type | sentence'")
        label_part, _, body = line.partition(" | ")
        labels = [x.strip() for x in label_part.split("+")]
        for lab in labels:
            if lab not in EVENT_TYPES:
                raise CorpusError(f"{where}: unknown event type {lab!r}")
        body = body.strip()
        if not body:
            raise CorpusError(f"{where}: empty sentence")
        text, spans = parse_sentence(body, where)
        event: str | list[str] = labels[0] if len(labels) == 1 else labels
        paragraph.append(Sentence(text=text, event_type=event, spans=spans, line=n))
    if paragraph:
        doc.paragraphs.append(paragraph)
    if not doc.paragraphs:
        raise CorpusError(f"{path}: no sentences")
    return doc


def normalize_for_dedup(text: str) -> str:
    text = re.sub(r"[\u064B-\u0652\u0640]", "", text)
    text = re.sub(r"[^\w\s]", " ", text)
    return " ".join(text.split())


def sentence_frame(s: Sentence) -> str:
    """The sentence with every slot replaced by its label: what a template would share."""
    out, last = [], 0
    for sp in sorted(s.spans, key=lambda x: x["start"]):
        out.append(s.text[last : sp["start"]])
        out.append(f" <{sp['label']}> ")
        last = sp["end"]
    out.append(s.text[last:])
    return normalize_for_dedup("".join(out))


def assign_split(doc_id: str, collection: str, index_in_collection: int) -> str:
    """Round-robin inside each collection: keeps regions and styles spread over splits."""
    slot = index_in_collection % 10
    return "dev" if slot == 4 else "test" if slot == 9 else "train"


def to_records(doc: Document) -> list[dict]:
    records = []
    for i, s in enumerate(doc.sentences, start=1):
        records.append(
            {
                "id": f"{doc.doc_id}-s{i}",
                "doc_id": doc.doc_id,
                "text": s.text,
                "event_type": s.event_type,
                "spans": s.spans,
                "meta": dict(doc.meta),
            }
        )
    return records


def document_text(doc: Document) -> str:
    return "\n".join(" ".join(s.text for s in p) for p in doc.paragraphs)


def load_all() -> dict[str, list[Document]]:
    collections_: dict[str, list[Document]] = {}
    errors = []
    for sub in sorted(p for p in SRC.iterdir() if p.is_dir()):
        docs = []
        for path in sorted(sub.glob("*.txt")):
            try:
                docs.append(parse_document(path))
            except CorpusError as e:
                errors.append(str(e))
        collections_[sub.name] = docs
    if errors:
        raise CorpusError("\n".join(errors))
    return collections_


def check(collections_: dict[str, list[Document]]) -> list[str]:
    problems = []
    seen_ids: dict[str, Path] = {}
    frames: dict[str, list[str]] = collections.defaultdict(list)
    for docs in collections_.values():
        for d in docs:
            if d.doc_id in seen_ids:
                problems.append(f"{d.path}: duplicate doc id {d.doc_id} (also {seen_ids[d.doc_id]})")
            seen_ids[d.doc_id] = d.path
            for s in d.sentences:
                frames[sentence_frame(s)].append(f"{d.path.name}:{s.line}")
    for frame, where in frames.items():
        if len(where) > MAX_FRAME_REPEATS and len(frame.split()) > 2:
            problems.append(f"sentence frame used {len(where)} times ({', '.join(where)}): {frame[:80]}")
    return problems


def report(records: list[dict], top: int = 10) -> str:
    grams, total = collections.Counter(), 0
    words_per = []
    for r in records:
        w = normalize_for_dedup(r["text"]).split()
        words_per.append(set(zip(w, w[1:], w[2:], w[3:])))
        for g in zip(w, w[1:], w[2:], w[3:]):
            grams[g] += 1
            total += 1
    lines = [f"word 4-grams: {total}, distinct: {len(grams)} ({len(grams) / max(total, 1):.1%})"]
    # Nearest duplicates by 4-gram Jaccard, over an inverted index to stay fast.
    index: dict[tuple, list[int]] = collections.defaultdict(list)
    for i, gs in enumerate(words_per):
        for g in gs:
            index[g].append(i)
    best: dict[tuple[int, int], int] = collections.Counter()
    for ids in index.values():
        if len(ids) > 50:
            continue
        for a in range(len(ids)):
            for b in range(a + 1, len(ids)):
                best[(ids[a], ids[b])] += 1
    scored = []
    for (a, b), shared in best.items():
        union = len(words_per[a] | words_per[b])
        scored.append((shared / union if union else 0.0, a, b))
    scored.sort(reverse=True)
    lines.append("nearest-duplicate sentence pairs (4-gram Jaccard):")
    for score, a, b in scored[:top]:
        lines.append(f"  {score:.2f}  {records[a]['id']} ~ {records[b]['id']}")
    return "\n".join(lines)


def counts(records: list[dict]) -> str:
    events: collections.Counter = collections.Counter()
    slots: collections.Counter = collections.Counter()
    no_slot = long = 0
    for r in records:
        ev = r["event_type"]
        events.update(ev if isinstance(ev, list) else [ev])
        slots.update(sp["label"] for sp in r["spans"])
        no_slot += not r["spans"]
        long += len(r["text"].split()) > 60
    lines = ["event types: " + ", ".join(f"{k} {v}" for k, v in sorted(events.items()))]
    lines.append("slots: " + ", ".join(f"{k} {v}" for k, v in sorted(slots.items())))
    lines.append(f"sentences with no slot: {no_slot}; sentences over 60 words: {long}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="parse and check only; write nothing")
    ap.add_argument("--report", action="store_true", help="print 4-gram diversity and nearest duplicates")
    ap.add_argument("--collection", help="only this collection (a folder of data/corpus/src); implies --check")
    args = ap.parse_args(argv)
    try:
        cols = load_all()
        if args.collection:
            cols = {args.collection: cols[args.collection]}
            args.check = True
    except CorpusError as e:
        print(e, file=sys.stderr)
        return 1
    problems = check(cols)
    splits: dict[str, list[dict]] = {"train": [], "dev": [], "test": []}
    for name, docs in cols.items():
        for i, d in enumerate(docs):
            splits[assign_split(d.doc_id, name, i)].extend(to_records(d))
    owner: dict[str, str] = {}
    for split, recs in splits.items():
        for r in recs:
            key = normalize_for_dedup(r["text"])
            if owner.setdefault(key, split) != split:
                problems.append(f"sentence in both {owner[key]} and {split}: {r['id']}: {r['text'][:60]}")
    for p in problems:
        print(p, file=sys.stderr)
    n_docs = sum(len(d) for d in cols.values())
    n_sent = sum(len(r) for r in splits.values())
    print(f"{n_docs} documents, {n_sent} sentences: " + ", ".join(f"{k} {len(v)}" for k, v in splits.items()))
    print(counts([r for recs in splits.values() for r in recs]))
    if args.report:
        print(report([r for recs in splits.values() for r in recs]))
    if problems:
        return 1
    if not args.check:
        for split, recs in splits.items():
            with open(OUT / f"{split}.jsonl", "w", encoding="utf-8") as f:
                for r in recs:
                    f.write(json.dumps(r, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
