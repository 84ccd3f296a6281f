"""Output writers and resume: CSV columns and rows, the rejects file, cutting what a killed run left."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest

from rasd.errors import ConfigError, DataError
from rasd.inference.inputs import Reject
from rasd.inference.outputs import DocumentPrediction, SentencePrediction, SlotPrediction
from rasd.inference.writers import (
    CSV_COLUMNS,
    CsvWriter,
    JsonlWriter,
    RejectsWriter,
    rejects_path_for,
    resume_output,
)

TEXT = "قصفت طائرة مسيرة حقل العمر. وأضاف المراسل أن الطائرة سقطت. لا أخبار."


def _doc(doc_id: str, **meta) -> DocumentPrediction:
    slots = [SlotPrediction("WEAPON", TEXT[5:16], 5, 16, 0.9), SlotPrediction("LOCATION", TEXT[17:26], 17, 26, 0.8)]
    sentences = [SentencePrediction(0, 27, TEXT[0:27], "air_drone_strike", 0.95, ["air_drone_strike"], slots),
                 SentencePrediction(28, 58, TEXT[28:58], "other", 0.6, ["other"], [])]
    return DocumentPrediction(doc_id, sentences, n_sentences=3, meta=meta)


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_one_row_per_slot_and_a_row_for_everything_else():
    buf = io.StringIO()
    w = CsvWriter(buf)
    w.write(_doc("d1", published="2024-01-02", source="س", id="meta id", tags=["a"]))
    w.write(DocumentPrediction("empty", [], n_sentences=0, meta={"published": None, "source": "x", "extra": "dropped"}))
    w.flush()
    rows = _csv(buf.getvalue())
    assert list(rows[0]) == [*CSV_COLUMNS, "published", "source", "meta_id", "tags"]
    assert [(r["id"], r["slot_label"], r["event_type"]) for r in rows] == [
        ("d1", "WEAPON", "air_drone_strike"), ("d1", "LOCATION", "air_drone_strike"), ("d1", "", "other"),
        ("empty", "", "")]
    first, no_slots, empty = rows[0], rows[2], rows[3]
    assert TEXT[int(first["slot_start"]):int(first["slot_end"])] == first["slot_text"]
    assert TEXT[int(first["sentence_start"]):int(first["sentence_end"])] == first["sentence_text"]
    assert (first["slot_score"], first["event_score"], first["n_sentences"]) == ("0.9", "0.95", "3")
    assert (first["published"], first["source"], first["meta_id"], first["tags"]) == ("2024-01-02", "س", "meta id", '["a"]')
    assert no_slots["sentence_start"] == "28" and no_slots["slot_text"] == ""
    assert empty["n_sentences"] == "0" and empty["sentence_start"] == "" and empty["published"] == ""


def test_csv_header_without_documents_and_jsonl_lines(tmp_path):
    with open(tmp_path / "out.csv", "w", encoding="utf-8", newline="") as f:
        CsvWriter(f).close()
    assert (tmp_path / "out.csv").read_text(encoding="utf-8") == ",".join(CSV_COLUMNS) + "\n"
    out = io.StringIO()
    JsonlWriter(out).write(_doc("d1", published=dt.datetime(2024, 1, 2, 3, 4)))
    obj = json.loads(out.getvalue())
    assert out.getvalue().endswith("}\n") and "قصفت" in out.getvalue()
    assert obj["meta"]["published"] == "2024-01-02T03:04:00"
    assert DocumentPrediction.from_dict(obj) == _doc("d1", published="2024-01-02T03:04:00")


def test_rejects_file_only_when_there_is_a_reject(tmp_path):
    assert rejects_path_for(tmp_path / "out.jsonl") == tmp_path / "out.rejects.jsonl"
    assert rejects_path_for(tmp_path / "out.csv") == tmp_path / "out.rejects.jsonl"
    assert rejects_path_for(None).name == "stdout.rejects.jsonl"
    w = RejectsWriter(tmp_path / "out.rejects.jsonl")
    w.flush()
    w.close()
    assert not w.path.exists()
    w = RejectsWriter(tmp_path / "out.rejects.jsonl")
    w.write(Reject(3, "invalid JSON", '{"id": "x", "text": \udcff'))
    w.close()
    [line] = w.path.read_text(encoding="utf-8").splitlines()
    assert "\\udcff" in line  # what UTF-8 cannot hold is escaped, and reads back the same
    assert json.loads(line) == {"line": 3, "reason": "invalid JSON", "raw": '{"id": "x", "text": \udcff'}


def _jsonl_output(tmp_path, ids, tail: bytes = b""):
    path = tmp_path / "out.jsonl"
    buf = io.StringIO()
    w = JsonlWriter(buf)
    for i in ids:
        w.write(_doc(i))
    path.write_bytes(buf.getvalue().encode() + tail)
    return path


def test_resume_jsonl_cuts_a_partial_last_line(tmp_path):
    path = _jsonl_output(tmp_path, ["a", "b", "c"])
    whole = path.read_bytes()
    path.write_bytes(whole + whole.splitlines(keepends=True)[0][:40])  # killed mid-line
    state = resume_output(path, fmt="jsonl")
    assert state.ids == {"a", "b", "c"} and state.truncated_bytes == 40 and state.exists
    assert path.read_bytes() == whole

    path.write_bytes(whole[:-1])  # everything but the last newline: that document is scored again
    state = resume_output(path, fmt="jsonl")
    assert state.ids == {"a", "b"} and path.read_bytes() == b"".join(whole.splitlines(keepends=True)[:2])

    path.write_bytes(b'{"id": "a", "sen')
    state = resume_output(path, fmt="jsonl")
    assert state.ids == set() and not state.exists and path.read_bytes() == b""
    assert resume_output(tmp_path / "missing.jsonl", fmt="jsonl").exists is False


def test_resume_refuses_files_it_did_not_write(tmp_path):
    path = _jsonl_output(tmp_path, ["a", "b"])
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(lines[0] + b"garbage\n" + lines[1])
    with pytest.raises(DataError, match=r"out\.jsonl:2: not a document"):
        resume_output(path, fmt="jsonl")
    assert path.read_bytes() == lines[0] + b"garbage\n" + lines[1]  # untouched
    with pytest.raises(ConfigError, match="--format"):
        resume_output(path, fmt="csv")
    path.write_text("id,text\na,b\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="--format"):
        resume_output(path, fmt="jsonl")


def _csv_output(tmp_path, docs) -> tuple:
    path = tmp_path / "out.csv"
    buf = io.StringIO()
    w = CsvWriter(buf)
    ends = []
    for d in docs:
        w.write(d)
        ends.append(len(buf.getvalue().encode()))
    path.write_bytes(buf.getvalue().encode())
    return path, ends


@pytest.mark.parametrize("cut", ["complete", "mid-row", "mid-document", "inside-quoted-newline"])
def test_resume_csv_always_rescores_the_last_document(tmp_path, cut):
    docs = [_doc("a", title="t"), _doc("b", title="multi\nline title"), _doc("c", title="t")]
    path, ends = _csv_output(tmp_path, docs)
    whole = path.read_bytes()
    if cut == "complete":
        keep = len(whole)
    elif cut == "mid-row":
        keep = ends[1] + 25
    elif cut == "mid-document":  # after the first row of c
        keep = whole.index(b"\n", ends[1] + 1) + 1
    else:  # cut right after the newline inside b's quoted title: the row parses, truncated
        keep = whole.index(b"multi\n", ends[0]) + len(b"multi\n")
    path.write_bytes(whole[:keep])
    state = resume_output(path, fmt="csv")
    expected = {"complete": {"a", "b"}, "mid-row": {"a"}, "mid-document": {"a", "b"},
                "inside-quoted-newline": {"a"}}[cut]
    assert state.ids == expected
    assert state.csv_columns == [*CSV_COLUMNS, "title"]
    assert path.read_bytes() == whole[: ends[len(expected) - 1]]


def test_resume_csv_header_only_and_partial_header(tmp_path):
    path = tmp_path / "out.csv"
    header = (",".join(CSV_COLUMNS) + ",source\n").encode()
    path.write_bytes(header)
    state = resume_output(path, fmt="csv")
    assert state.ids == set() and state.exists and state.csv_columns[-1] == "source"
    path.write_bytes(header[:30])
    state = resume_output(path, fmt="csv")
    assert not state.exists and state.csv_columns is None and path.read_bytes() == b""
    path.write_text('{"id": "a"}\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="--format"):
        resume_output(path, fmt="csv")


def test_resumed_csv_writer_keeps_the_existing_columns(tmp_path):
    path, _ = _csv_output(tmp_path, [_doc("a", title="t", source="s")])
    with open(path, "a", encoding="utf-8", newline="") as f:
        w = CsvWriter(f, columns=[*CSV_COLUMNS, "title", "source"])
        w.write(_doc("b", source="s2", new="ignored"))
    rows = _csv(path.read_text(encoding="utf-8"))
    assert [r["id"] for r in rows] == ["a"] * 3 + ["b"] * 3
    assert (rows[-1]["title"], rows[-1]["source"]) == ("", "s2")
