"""`rasd incidents --dedup` puts the syndicated copies of one incident in the sample dump into one row.

The sample dump (`data/samples/news_dump.jsonl`) holds one drone strike near Mayadin told by four
outlets with light edits (nd-c-001..004) and a later re-crawl of the first page with a higher toll
(nd-c-005), plus a drone strike in Deir ez-Zor city on the same day (nd-c-006) that must stay apart.
No trained model is needed: the test writes the predictions a perfect model would give, marking
by hand the few slots the incident merge reads (event sentence, place, time, weapon). The phrases
are looked up in the dump's own text, so the test breaks if those documents change or disappear.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rasd.cli import main
from rasd.inference.outputs import DocumentPrediction, SentencePrediction, SlotPrediction

DUMP = Path(__file__).resolve().parents[2] / "data" / "samples" / "news_dump.jsonl"
SYNDICATED = ("nd-c-001", "nd-c-002", "nd-c-003", "nd-c-004", "nd-c-005")
ELSEWHERE = "nd-c-006"

# doc id -> (event type, [(label, phrase)]) for the lead sentence: the first paragraph holding the TIME phrase.
MARKS = {
    "nd-c-001": ("air_drone_strike", [("TIME", "فجر اليوم الخميس"), ("WEAPON", "طائرة مسيّرة مجهولة"),
                                      ("LOCATION", "مدينة الميادين")]),
    "nd-c-002": ("air_drone_strike", [("TIME", "فجر الخميس"), ("WEAPON", "طائرة مسيّرة مجهولة"),
                                      ("LOCATION", "مدينة الميادين")]),
    "nd-c-003": ("air_drone_strike", [("TIME", "فجر اليوم الخميس"), ("WEAPON", "طائرة مسيرة مجهولة"),
                                      ("LOCATION", "مدينة الميادين")]),
    "nd-c-004": ("air_drone_strike", [("TIME", "فجر الخميس"), ("WEAPON", "طائرة مسيّرة مجهولة"),
                                      ("LOCATION", "مدينة الميادين")]),
    "nd-c-005": ("air_drone_strike", [("TIME", "فجر اليوم الخميس"), ("WEAPON", "طائرة مسيّرة مجهولة"),
                                      ("LOCATION", "مدينة الميادين")]),
    "nd-c-006": ("air_drone_strike", [("WEAPON", "طائرة مسيّرة"), ("TIME", "صباح اليوم الخميس"),
                                      ("LOCATION", "مدينة دير الزور")]),
}


def _paragraphs(text: str) -> list[tuple[int, str]]:
    out, pos = [], 0
    for para in text.split("\n\n"):
        out.append((pos, para))
        pos += len(para) + 2
    return out


def gold_prediction(doc: dict) -> DocumentPrediction:
    """The dump document as a perfect model would return it: one sentence per paragraph."""
    event, marks = MARKS[doc["id"]]
    time_phrase = dict(marks)["TIME"]
    sentences, lead_seen = [], False
    for start, para in _paragraphs(doc["text"]):
        is_lead = not lead_seen and time_phrase in para
        slots = []
        if is_lead:
            lead_seen = True
            for label, phrase in marks:
                at = para.find(phrase)
                assert at >= 0, f"{doc['id']}: {phrase!r} not in its lead paragraph"
                slots.append(SlotPrediction(label, phrase, start + at, start + at + len(phrase), 1.0))
        ev = event if is_lead else "none"
        sentences.append(SentencePrediction(start, start + len(para), para, ev, 1.0, event_labels=[ev],
                                            slots=sorted(slots, key=lambda s: s.start)))
    assert lead_seen, f"{doc['id']}: no paragraph holds {time_phrase!r}"
    meta = {k: doc[k] for k in ("published", "source", "title")}
    return DocumentPrediction(doc["id"], sentences, len(sentences), meta)


@pytest.fixture(scope="module")
def dump_docs() -> dict[str, dict]:
    with open(DUMP, encoding="utf-8") as f:
        docs = {d["id"]: d for d in map(json.loads, f)}
    missing = sorted(set(MARKS) - set(docs))
    assert not missing, f"the sample dump lacks {missing}: run `python scripts/build_news_dump.py`"
    return docs


def _run(dump_docs: dict[str, dict], tmp_path: Path, *extra: str) -> list[dict]:
    preds = tmp_path / "predictions.jsonl"
    with open(preds, "w", encoding="utf-8") as f:
        for doc_id in MARKS:
            f.write(json.dumps(gold_prediction(dump_docs[doc_id]).to_dict(), ensure_ascii=False) + "\n")
    out = tmp_path / "incidents.jsonl"
    assert main(["incidents", str(preds), "-o", str(out), "--format", "jsonl", *extra]) == 0
    with open(out, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def test_syndicated_copies_share_one_cluster(dump_docs, tmp_path):
    rows = _run(dump_docs, tmp_path)
    clusters = {r["doc_id"]: r["cluster_id"] for r in rows}
    assert set(clusters) == set(MARKS), "one incident per report"
    assert len({clusters[d] for d in SYNDICATED}) == 1
    assert clusters[ELSEWHERE] != clusters[SYNDICATED[0]]


def test_dedup_writes_one_row_for_the_syndicated_incident(dump_docs, tmp_path):
    rows = _run(dump_docs, tmp_path, "--dedup")
    assert len(rows) == 2
    merged = next(r for r in rows if SYNDICATED[0] in r["doc_ids"])
    assert sorted(merged["doc_ids"]) == sorted(SYNDICATED)
    other = next(r for r in rows if r is not merged)
    assert other["doc_ids"] == [ELSEWHERE]
    assert merged["event_date"] == "2024-03-14"
