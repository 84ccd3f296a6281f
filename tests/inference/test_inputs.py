"""Dump readers: every input kind gives the same documents; bad records become rejects, never exceptions."""

from __future__ import annotations

import csv
import gzip
import io
import json
import sys
from pathlib import Path

import pytest

from rasd.errors import ConfigError, DataError, MissingExtraError
from rasd.inference.inputs import DumpDocument, Reject, input_format, read_documents

DUMP = Path(__file__).parents[2] / "data" / "samples" / "news_dump.jsonl"


@pytest.fixture(scope="module")
def records() -> list[dict]:
    return [json.loads(line) for line in DUMP.read_text(encoding="utf-8").splitlines()[:12]]


def _docs(items) -> list[tuple[str, str, dict]]:
    out = []
    for item in items:
        assert isinstance(item, DumpDocument), item
        out.append((item.id, item.text, item.meta))
    return out


def _expected(records: list[dict]) -> list[tuple[str, str, dict]]:
    return [(r["id"], r["text"], {k: v for k, v in r.items() if k not in ("id", "text")}) for r in records]


def write_csv(path: Path, records: list[dict]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(records[0]))
        w.writeheader()
        w.writerows(records)


def test_every_format_gives_the_same_documents(tmp_path, records):
    expected = _expected(records)
    jsonl = tmp_path / "dump.jsonl"
    jsonl.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    gz = tmp_path / "dump.jsonl.gz"
    gz.write_bytes(gzip.compress(jsonl.read_bytes()))
    write_csv(tmp_path / "dump.csv", records)
    (tmp_path / "dump.csv.gz").write_bytes(gzip.compress((tmp_path / "dump.csv").read_bytes()))

    for name in ("dump.jsonl", "dump.jsonl.gz", "dump.csv", "dump.csv.gz"):
        assert _docs(read_documents(tmp_path / name)) == expected, name
    assert _docs(read_documents("-", stdin=io.BufferedReader(io.BytesIO(jsonl.read_bytes())))) == expected
    assert _docs(read_documents("-", stdin=io.BufferedReader(io.BytesIO(gz.read_bytes())))) == expected


def test_parquet_reads_in_batches_with_row_numbers(tmp_path, records):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    rows = records + [{"id": None, "title": "t", "text": "نص", "published": "p", "source": "s"}]
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "dump.parquet", row_group_size=5)
    got = _docs(read_documents(tmp_path / "dump.parquet"))
    assert got[:-1] == _expected(records)
    assert got[-1][0] == f"line:{len(rows)}"  # no id: line: and the 1-based row number


def test_parquet_without_pyarrow_names_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    (tmp_path / "x.parquet").write_bytes(b"PAR1")
    with pytest.raises(MissingExtraError, match=r"rasd\[parquet\]"):
        read_documents(tmp_path / "x.parquet")


def test_txt_folder_ids_are_relative_paths(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "2.txt").write_text("قصف\n", encoding="utf-8")
    (tmp_path / "a.txt").write_bytes(b"\xef\xbb\xbf" + "هجوم".encode())
    (tmp_path / "bad.txt").write_bytes(b"\xff\xfe")
    (tmp_path / "notes.md").write_text("ignored", encoding="utf-8")
    (tmp_path / ".hidden.txt").write_text("ignored", encoding="utf-8")
    items = list(read_documents(tmp_path))
    assert [(i.id, i.text) for i in items if isinstance(i, DumpDocument)] == [("a.txt", "هجوم"), ("b/2.txt", "قصف\n")]
    [reject] = [i for i in items if isinstance(i, Reject)]
    assert reject.raw == "bad.txt" and "not valid UTF-8" in reject.reason


def test_bad_jsonl_lines_become_rejects_and_reading_goes_on(tmp_path):
    lines = [
        b'{"id": "a", "text": "one"}',
        b'{"id": "b", "text": ',  # bad JSON
        b'{"id": "c", "body": "no text field"}',
        b'{"id": "d", "text": ["not", "a", "string"]}',
        b'{"id": "e", "text": "\xff\xfe bytes"}',  # not UTF-8
        b'',  # blank lines are skipped, but counted
        b'["not", "an", "object"]',
        b'{"id": "f", "text": null}',
        b'{"id": "g", "text": "lone \\ud83d surrogate"}',
        b'{"id": {"x": 1}, "text": "bad id"}',
        b'{"text": "no id", "source": "s"}',
        b'{"id": 7, "text": "int id"}',
        b'{"id": "h", "text": ""}',
    ]
    path = tmp_path / "bad.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    items = list(read_documents(path))
    docs = [(i.id, i.text, i.meta, i.line) for i in items if isinstance(i, DumpDocument)]
    assert docs == [("a", "one", {}, 1), ("line:11", "no id", {"source": "s"}, 11), ("7", "int id", {}, 12),
                    ("h", "", {}, 13)]
    rejects = {i.line: i for i in items if isinstance(i, Reject)}
    assert sorted(rejects) == [2, 3, 4, 5, 7, 8, 9, 10]
    assert "invalid JSON" in rejects[2].reason and rejects[2].raw == '{"id": "b", "text": '
    assert "no field 'text'" in rejects[3].reason and "--text-field" in rejects[3].reason
    assert "not a string (list)" in rejects[4].reason
    assert "not valid UTF-8" in rejects[5].reason
    assert "JSON object" in rejects[7].reason
    assert "null" in rejects[8].reason
    assert "surrogate" in rejects[9].reason
    assert "'id'" in rejects[10].reason
    assert all(isinstance(r.to_dict()["raw"], str) for r in rejects.values())


def test_text_and_id_fields_are_configurable(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text('{"url": "u1", "body": "نص", "id": "kept as meta"}\n', encoding="utf-8")
    [doc] = read_documents(path, text_field="body", id_field="url")
    assert (doc.id, doc.text, doc.meta) == ("u1", "نص", {"id": "kept as meta"})


def test_csv_rows_that_cannot_be_read_are_rejects(tmp_path):
    big = "ب" * 300_000  # beyond the csv module's default 128 KiB field limit
    data = ("id,text,source\n"
            "a,\"multi\nline\",s1\n"
            "b,short row\n"
            f"c,{big},s3\n"
            ",no id,s4\n").encode() + b"d,\xff\xfe,s5\n" + b"e,\"\",s6\n"
    path = tmp_path / "x.csv"
    path.write_bytes(b"\xef\xbb\xbf" + data)
    items = list(read_documents(path))
    docs = [(i.id, i.line) for i in items if isinstance(i, DumpDocument)]
    assert docs == [("a", 2), ("c", 5), ("line:6", 6), ("e", 8)]  # the id of a row without one: its first line
    assert items[0].text == "multi\nline" and items[0].meta == {"source": "s1"}
    assert len(items[2].text) == len(big)
    rejects = [(i.line, i.reason) for i in items if isinstance(i, Reject)]
    assert rejects == [(4, "the row has 2 fields and the header 3"), (7, "not valid UTF-8")]


def test_csv_without_the_text_column_fails_at_once(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("id,body\na,b\n", encoding="utf-8")
    with pytest.raises(DataError, match="no column 'text'.*--text-field"):
        read_documents(path)
    assert [d.text for d in read_documents(path, text_field="body")] == ["b"]


def test_format_detection_and_errors(tmp_path):
    assert input_format("x.ndjson") == "jsonl" and input_format("x.CSV.gz") == "csv"
    assert input_format("x.parquet") == "parquet" and input_format(tmp_path) == "txt"
    with pytest.raises(ConfigError, match="cannot tell the input format"):
        input_format("dump.xml")
    with pytest.raises(DataError, match="file not found"):
        read_documents(tmp_path / "missing.jsonl")
    array = tmp_path / "array.json"
    array.write_text('[{"id": "a", "text": "x"}]\n', encoding="utf-8")
    with pytest.raises(DataError, match="JSON array"):
        list(read_documents(array))
    gz = tmp_path / "cut.jsonl.gz"
    data = gzip.compress("".join(f'{{"id": "{i}", "text": "{i * 7919}"}}\n' for i in range(5000)).encode())
    gz.write_bytes(data[: len(data) // 2])
    with pytest.raises(DataError, match="cannot read on"):
        list(read_documents(gz))
