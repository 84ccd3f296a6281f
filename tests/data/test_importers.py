"""The contract every importer keeps, run over one fixture per tool (all holding the same sentences)."""

from __future__ import annotations

import json
import shutil

import pytest

from rasd.data.formats import (
    IMPORTERS,
    ReadStats,
    get_importer,
    read_jsonl,
    read_records,
    sniff_format,
    write_jsonl,
)
from rasd.data.records import Record
from rasd.data.validation import check_record
from rasd.errors import DataError

# (format, fixture, carries event types, carries ids, text is re-tokenized)
CASES = [
    pytest.param("jsonl", "incidents.jsonl", True, True, False, id="jsonl"),
    pytest.param("conll", "incidents.conll", False, False, True, id="conll-iob2"),
    pytest.param("conll", "incidents_bioes.conll", False, False, True, id="conll-bioes"),
    pytest.param("conll", "incidents_iob1.conll", False, False, True, id="conll-iob1"),
    pytest.param("label-studio", "label_studio.json", True, True, False, id="label-studio"),
    pytest.param("doccano", "doccano.jsonl", True, True, False, id="doccano"),
    pytest.param("doccano", "doccano_old.jsonl", False, True, False, id="doccano-old"),
    pytest.param("brat", "brat", True, True, False, id="brat"),
    pytest.param("prodigy", "prodigy.jsonl", True, True, False, id="prodigy"),
]


def squeeze(text: str) -> str:
    return "".join(text.split())


def span_texts(record: Record) -> list[tuple[str, str]]:
    return [(s.label, squeeze(s.text_in(record.text))) for s in sorted(record.spans)]


def test_every_importer_has_a_contract_case():
    assert {case.values[0] for case in CASES} == set(IMPORTERS)


@pytest.mark.parametrize(("fmt", "name", "has_events", "has_ids", "retokenized"), CASES)
def test_importer_contract(fixtures, expected, tmp_path, fmt, name, has_events, has_ids, retokenized):
    path = fixtures / name
    assert sniff_format(path) == fmt

    stream = get_importer(fmt).read(path, stats=ReadStats()) if fmt != "jsonl" else get_importer(fmt).read(path)
    assert iter(stream) is stream  # a stream, not a list
    direct = list(stream)

    stats = ReadStats()
    records = list(read_records(path, fmt, stats=stats))
    assert [r.to_dict() for r in records] == [r.to_dict() for r in direct]
    assert stats.records == len(expected) and stats.rejected == 0 and not stats.repairs
    assert all(isinstance(r, Record) and check_record(r) == [] for r in records)

    for got, want in zip(records, expected, strict=True):
        assert span_texts(got) == span_texts(want)
        if retokenized:
            assert squeeze(got.text) == squeeze(want.text)
        else:
            assert got.text == want.text
            assert got.spans == want.spans
        assert got.event_type == (want.event_type if has_events else None)
        if has_ids:
            assert got.id == want.id
    assert len({r.id for r in records}) == len(records)

    # tool format -> canonical JSONL -> the same records
    out = tmp_path / "out.jsonl"
    assert write_jsonl(records, out) == len(records)
    assert [r.to_dict() for r in read_jsonl(out)] == [r.to_dict() for r in records]


OFFSET_CASES = [
    pytest.param("label-studio", "label_studio_utf16.json", "the offsets look like UTF-16", id="label-studio"),
    pytest.param("doccano", "doccano_utf16.jsonl", "as UTF-16 code units", id="doccano"),
]


@pytest.mark.parametrize(("fmt", "name", "message"), OFFSET_CASES)
def test_utf16_offsets_are_detected_then_repaired(fixtures, expected, fmt, name, message):
    path = fixtures / name
    with pytest.raises(DataError, match=message) as err:
        list(read_records(path, fmt))
    text = str(err.value)
    assert "record 'doc1-s1'" in text and "span 14-34 (PERPETRATOR)" in text and "13-33" in text
    assert "--repair-offsets" in text
    assert err.value.line is not None

    stats = ReadStats()
    records = list(read_records(path, fmt, repair_offsets=True, stats=stats))
    assert [(r.text, r.spans) for r in records] == [(r.text, r.spans) for r in expected]
    # 5 spans after the first emoji, 2 after the flag (two astral characters), 3 after the two fires
    assert len(stats.repairs) == 10
    first = stats.repairs[0]
    assert first.kind == "offsets" and first.record_id == "doc1-s1"
    assert "span 14-34 (PERPETRATOR) moved to 13-33" in str(first)
    assert all("UTF-16" in n.message for n in stats.repairs)


def test_offsets_moved_by_an_edit_are_found_nearby(fixtures, tmp_path):
    """A text edited after annotation (here a line added on top) is realigned by searching the span text."""
    brat = tmp_path / "brat"
    shutil.copytree(fixtures / "brat", brat)
    txt = brat / "doc2-s1.txt"
    txt.write_text("عاجل\n" + txt.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(DataError, match=r"doc2-s1.ann:1: record 'doc2-s1': span 19-35 \(LOCATION\).*found at 24-40"):
        list(read_records(brat))
    stats = ReadStats()
    records = {r.id: r for r in read_records(brat, repair_offsets=True, stats=stats)}
    assert [s.text_in(records["doc2-s1"].text) for s in records["doc2-s1"].spans] == [
        "حقل كونيكو للغاز", "بريف دير الزور الشرقي", "مصادر محلية"]
    assert len(stats.repairs) == 3 and all("nearest occurrence" in n.message for n in stats.repairs)
    assert stats.repairs[0].line == 1 and stats.repairs[0].path.endswith("doc2-s1.ann")


def test_prodigy_span_text_is_checked(fixtures, tmp_path):
    lines = (fixtures / "prodigy.jsonl").read_text(encoding="utf-8").splitlines()
    task = json.loads(lines[0])
    task["spans"][0]["start"] += 1
    task["spans"][0]["end"] += 1
    bad = tmp_path / "p.jsonl"
    bad.write_text(json.dumps(task, ensure_ascii=False) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"p.jsonl:1: record 'doc1-s1': span 14-34 \(PERPETRATOR\)"):
        list(read_records(bad))
