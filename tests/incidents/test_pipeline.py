"""End to end: predictions file -> table, dedup, evaluation; and the oracle run on the gold file."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from incident_markup import document

from rasd.data.formats.jsonl import read_jsonl
from rasd.data.records import Record
from rasd.errors import ConfigError, DataError
from rasd.incidents import build_incidents, incidents_from_documents, oracle_documents, read_gold
from rasd.incidents.evaluate import evaluate_incidents
from rasd.incidents.gazetteer import Gazetteer

ROOT = Path(__file__).resolve().parents[2]
GOLD = ROOT / "data" / "corpus" / "incidents_gold_test.csv"

DOCS = [
    document("a", "2022-11-18", [
        "shelling_missile_attack | [صواريخ](WEAPON) تستهدف [حقل العمر](LOCATION)",
        "shelling_missile_attack | سقطت [ثلاثة صواريخ](WEAPON) [مساء الخميس](TIME) على [حقل العمر](LOCATION)، ما أدى إلى [إصابة جنديين](CASUALTIES).",
    ], source="شبكة أ"),
    document("b", "2022-11-18", [
        "shelling_missile_attack | قصف صاروخي على [حقل العمر النفطي](LOCATION) [أمس](TIME)",
        "shelling_missile_attack | وأدى الهجوم إلى [إصابة جنديين أمريكيين](CASUALTIES)، بحسب [القيادة المركزية](SOURCE).",
        "mobilization | ودفعت [قسد](PERPETRATOR) بتعزيزات إلى [ذيبان](LOCATION).",
    ], source="وكالة ب"),
]


@pytest.fixture()
def predictions(tmp_path: Path) -> Path:
    path = tmp_path / "predictions.jsonl"
    path.write_text("".join(json.dumps(d.to_dict(), ensure_ascii=False) + "\n" for d in DOCS), encoding="utf-8")
    return path


def test_build_csv_and_dedup(predictions: Path, tmp_path: Path) -> None:
    result = build_incidents(predictions, output=tmp_path / "incidents.csv")
    assert (result.n_documents, len(result.incidents), result.n_clusters) == (2, 3, 2)
    rows = list(csv.DictReader(open(tmp_path / "incidents.csv", encoding="utf-8")))
    assert [r["event_id"] for r in rows] == ["a-e1", "b-e1", "b-e2"]
    assert rows[0]["cluster_id"] == rows[1]["cluster_id"] != rows[2]["cluster_id"]
    assert rows[0]["event_date"] == "2022-11-17" and rows[0]["injured"] == "2"

    deduped = build_incidents(predictions, output=tmp_path / "dedup.jsonl", dedup=True)
    assert deduped.format == "jsonl" and len(deduped.rows) == 2
    first = json.loads((tmp_path / "dedup.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert first["doc_ids"] == ["a", "b"] and first["source"] == "شبكة أ; وكالة ب; القيادة المركزية"


def test_evaluate_against_gold(predictions: Path, tmp_path: Path) -> None:
    gold = tmp_path / "gold.csv"
    gold.write_text(
        "doc_id,event_label,event_date,time_precision,location,notes\n"
        "a,shelling_missile_attack,2022-11-17,1,حقل العمر,صواريخ\n"
        "b,shelling_missile_attack,2022-11-17,1,حقل العمر,صواريخ\n"
        "b,mobilization,2022-11-18,2,ذيبان,تعزيزات\n"
        "b,air_drone_strike,2022-11-17,1,ذيبان,لا يوجد\n", encoding="utf-8")
    result = build_incidents(predictions, gold=gold)
    main = result.scores.main
    assert (main.matched, main.predicted, main.gold) == (3, 3, 4)
    assert main.precision == 1.0 and main.recall == 0.75
    assert "type+date+location" in result.scores.summary()
    assert result.to_dict()["incident_type_date_location"]["f1"] == pytest.approx(6 / 7, abs=1e-4)


def test_evaluation_criteria(tmp_path: Path) -> None:
    incs = incidents_from_documents(DOCS[:1])
    gold = tmp_path / "gold.csv"
    gold.write_text("doc_id,event_type,event_date,location\n"
                    "a,Shelling/artillery/missile attack,2022-11-16,حقل العمر\n", encoding="utf-8")
    scores = evaluate_incidents(incs, read_gold(gold), gazetteer=Gazetteer.load())
    assert scores.by_criterion["type"].matched == 1 and scores.by_criterion["type+location"].matched == 1
    assert scores.by_criterion["type+date"].matched == 0 and scores.main.matched == 0


def test_errors(tmp_path: Path, predictions: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "sentences": []}\n{not json}\n', encoding="utf-8")
    with pytest.raises(DataError, match=r"bad.jsonl:2: invalid JSON"):
        build_incidents(bad)
    bad.write_text('{"sentences": []}\n', encoding="utf-8")
    with pytest.raises(DataError, match=r"bad.jsonl:1: expected a document prediction"):
        build_incidents(bad)
    with pytest.raises(ConfigError, match="format"):
        build_incidents(predictions, output=tmp_path / "x.csv", fmt="xml")
    gold = tmp_path / "gold.csv"
    gold.write_text("doc_id,event_date\na,2022-01-01\n", encoding="utf-8")
    with pytest.raises(DataError, match="gold row needs"):
        build_incidents(predictions, gold=gold)
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    assert build_incidents(empty).incidents == []


# --- the corpus test split and its hand-written gold incidents ---------------------------------


def _test_split_records() -> list[Record]:
    """The corpus test split as compiled by scripts/build_corpus.py."""
    path = ROOT / "data" / "corpus" / "test.jsonl"
    if not path.is_file():
        pytest.skip("data/corpus/test.jsonl not built (python scripts/build_corpus.py)")
    return list(read_jsonl(path))


@pytest.fixture(scope="module")
def oracle_run() -> tuple[list, list, list[str]]:
    if not GOLD.is_file():
        pytest.skip("no gold incident file")
    records = _test_split_records()
    docs = list(oracle_documents(records))
    return incidents_from_documents(docs), read_gold(GOLD), [d.id for d in docs]


def test_gold_covers_the_test_split(oracle_run: tuple[list, list, list[str]]) -> None:
    """Every test document has gold rows; the file may also cover documents of earlier splits."""
    incidents, gold, test_docs = oracle_run
    gold_docs = {g.doc_id for g in gold}
    event_docs = {i.doc_id for i in incidents}
    missing = sorted(event_docs - gold_docs)
    assert not missing, f"test documents without gold rows (the split changed?): {missing}"
    corpus = {r.doc_id for split in ("train", "dev", "test")
              for r in read_jsonl(ROOT / "data" / "corpus" / f"{split}.jsonl")}
    assert gold_docs <= corpus, f"gold rows for documents not in the corpus: {sorted(gold_docs - corpus)}"


def test_oracle_predictions_score(oracle_run: tuple[list, list, list[str]]) -> None:
    """Gold annotations in, incidents out: measures the merge and normalization logic alone."""
    incidents, gold, test_docs = oracle_run
    scores = evaluate_incidents(incidents, gold, gazetteer=Gazetteer.load(), documents=test_docs)
    assert scores.documents == len(test_docs)
    assert scores.by_criterion["type"].f1 >= 0.9, scores.summary()
    assert scores.main.f1 >= 0.75, scores.summary()


def test_scoring_only_the_documents_that_were_run(tmp_path: Path) -> None:
    incs = incidents_from_documents(DOCS[:1])
    gold = tmp_path / "gold.csv"
    gold.write_text("doc_id,event_label,event_date,location\n"
                    "a,shelling_missile_attack,2022-11-17,حقل العمر\n"
                    "z,shelling_missile_attack,2022-11-17,حمص\n", encoding="utf-8")
    scores = evaluate_incidents(incs, read_gold(gold), gazetteer=Gazetteer.load(), documents=["a"])
    assert (scores.main.matched, scores.main.gold, scores.documents) == (1, 1, 1)
    everything = evaluate_incidents(incs, read_gold(gold), gazetteer=Gazetteer.load())
    assert (everything.main.gold, everything.documents) == (2, 2)
