"""Principles 2, 3, 5 and 6 for `rasd predict`, with a real (tiny) model: nothing destroyed before the
run has opened its input and model, resume only what this run wrote, filesystem faults as one line
(read-only and disk-full by fault injection: a monkeypatched open/write raising EROFS/ENOSPC, since
tests cannot mount file systems), and every record accounted for."""

from __future__ import annotations

import errno
import gzip
import io
import json
import os
import sys

import pytest
from conftest import one_line_error, write_jsonl

from rasd.inference.run import predict_file

DOCS = [{"id": f"d{i}", "text": f"قصفت طائرات حربية بلدة رقم {i} في ريف إدلب صباح اليوم. وقال مصدر إن الهجوم أوقع قتلى."}
        for i in range(8)]
OLD = b'{"id": "old", "sentences": [], "n_sentences": 0, "meta": {}}\n'


def _ids(path):
    return [json.loads(line)["id"] for line in path.read_text(encoding="utf-8").splitlines()]


def _check_offsets(out, texts):
    n = 0
    for line in out.read_text(encoding="utf-8").splitlines():
        doc = json.loads(line)
        for s in doc["sentences"]:
            assert texts[doc["id"]][s["start"]:s["end"]] == s["text"]
            for slot in s["slots"]:
                assert texts[doc["id"]][slot["start"]:slot["end"]] == slot["text"]
                n += 1
    return n


def _prime(tmp_path):
    out = tmp_path / "out.jsonl"
    out.write_bytes(OLD)
    (tmp_path / "out.rejects.jsonl").write_bytes(b'{"line": 1, "reason": "old", "raw": ""}\n')
    return out


def _unchanged(tmp_path, out):
    assert out.read_bytes() == OLD
    assert (tmp_path / "out.rejects.jsonl").read_bytes() == b'{"line": 1, "reason": "old", "raw": ""}\n'


def test_first_line_a_json_array_leaves_the_old_output(tmp_path, rel_model, run_cli):
    dump = tmp_path / "dump.jsonl"
    dump.write_text("[\n" + json.dumps(DOCS[0]) + "\n]\n", encoding="utf-8")
    out = _prime(tmp_path)
    rc, err = run_cli("predict", rel_model, dump, "-o", out, "-q")
    assert rc == 1 and "JSON array" in one_line_error(err)
    _unchanged(tmp_path, out)


def test_truncated_gzip_leaves_the_old_output(tmp_path, rel_model, run_cli):
    dump = tmp_path / "dump.jsonl.gz"
    dump.write_bytes(gzip.compress(b"".join(json.dumps(d).encode() + b"\n" for d in DOCS))[:20])
    out = _prime(tmp_path)
    rc, err = run_cli("predict", rel_model, dump, "-o", out, "-q")
    assert rc == 1
    one_line_error(err)
    _unchanged(tmp_path, out)


def test_model_that_does_not_load_leaves_the_old_output(tmp_path, run_cli):
    dump = write_jsonl(tmp_path / "dump.jsonl", DOCS)
    out = _prime(tmp_path)
    rc, err = run_cli("predict", tmp_path / "no-such-model", dump, "-o", out, "-q")
    assert rc == 1 and "no-such-model" in one_line_error(err)
    _unchanged(tmp_path, out)


def test_every_id_once_and_summary_adds_up(tmp_path, rel_model):
    records = [*DOCS, {"id": "d1", "text": "مكرر"}, {"text": "بلا معرف"}, {"id": "x", "body": "no text"}]
    dump = write_jsonl(tmp_path / "dump.jsonl", records)
    with open(dump, "a", encoding="utf-8") as f:
        f.write("{broken\n")
    out = tmp_path / "out.jsonl"
    s = predict_file(rel_model, dump, output=out, progress=False)
    assert s.read == len(records) + 1 == s.scored + s.rejected + s.skipped
    ids = _ids(out)
    assert len(ids) == len(set(ids)) == s.scored == 9
    rejects = (tmp_path / "out.rejects.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(rejects) == s.rejected == 3
    texts = {r.get("id") or f"line:{i}": r.get("text") for i, r in enumerate(records, start=1)}
    _check_offsets(out, texts)


def test_line_ids_never_collide_with_data_ids(tmp_path, rel_model):
    dump = write_jsonl(tmp_path / "dump.jsonl", [{"text": "نص بلا معرف."}, {"id": "1", "text": "نص معرفه واحد."},
                                                 {"id": 1, "text": "معرف رقمي مكرر."}])
    out = tmp_path / "out.jsonl"
    s = predict_file(rel_model, dump, output=out, progress=False)
    assert _ids(out) == ["line:1", "1"] and s.duplicates == 1 and s.ids_from_lines == 1


def test_resume_with_another_id_field_is_refused(tmp_path, rel_model, run_cli):
    dump = write_jsonl(tmp_path / "dump.jsonl", [{**d, "title": f"t{i}"} for i, d in enumerate(DOCS)])
    out = tmp_path / "out.jsonl"
    predict_file(rel_model, dump, output=out, progress=False)
    before = out.read_bytes()
    rc, err = run_cli("predict", rel_model, dump, "-o", out, "--resume", "--id-field", "title", "-q")
    assert rc == 1 and "id_field" in one_line_error(err)
    assert out.read_bytes() == before


def test_resume_of_an_output_without_its_run_record_is_refused(tmp_path, rel_model, run_cli):
    dump = write_jsonl(tmp_path / "dump.jsonl", DOCS)
    out = tmp_path / "out.jsonl"
    out.write_bytes(OLD)
    rc, err = run_cli("predict", rel_model, dump, "-o", out, "--resume", "-q")
    assert rc == 1 and "run.json" in one_line_error(err)
    assert out.read_bytes() == OLD


def test_resume_with_another_model_is_refused(tmp_path, rel_model, run_cli):
    dump = write_jsonl(tmp_path / "dump.jsonl", DOCS)
    out = tmp_path / "out.jsonl"
    predict_file(rel_model, dump, output=out, progress=False)
    record = tmp_path / "out.run.json"
    data = json.loads(record.read_text(encoding="utf-8"))
    record.write_text(json.dumps({**data, "model_sha256": "0" * 64}), encoding="utf-8")  # as if another model wrote it
    rc, err = run_cli("predict", rel_model, dump, "-o", out, "--resume", "-q")
    assert rc == 1 and "model_sha256" in one_line_error(err)


def test_resume_sets_aside_a_complete_but_invalid_last_line(tmp_path, rel_model):
    dump = write_jsonl(tmp_path / "dump.jsonl", DOCS)
    out = tmp_path / "out.jsonl"
    predict_file(rel_model, dump, output=out, progress=False)
    lines = out.read_bytes().splitlines(keepends=True)
    bad = lines[-1][:30] + b"\n"  # starts like a record, ends with a newline, is not one
    out.write_bytes(b"".join(lines[:-1]) + bad)
    s = predict_file(rel_model, dump, output=out, resume=True, progress=False)
    assert s.set_aside == 1 and s.scored == 1 and s.skipped == len(DOCS) - 1
    assert sorted(_ids(out)) == sorted(d["id"] for d in DOCS)
    [reject] = [json.loads(x) for x in (tmp_path / "out.rejects.jsonl").read_text(encoding="utf-8").splitlines()]
    assert reject["output_line"] == len(DOCS) and reject["raw"] == bad.decode().rstrip("\n")


def test_read_only_output_folder_is_one_line(tmp_path, rel_model, run_cli, monkeypatch):
    import rasd.inference.writers as writers

    real_open = open

    def read_only(path, mode="r", *a, **k):  # fault injection: EROFS for anything opened for writing
        if any(c in mode for c in "wa+"):
            raise OSError(errno.EROFS, "Read-only file system", str(path))
        return real_open(path, mode, *a, **k)

    monkeypatch.setattr(writers, "open", read_only, raising=False)
    dump = write_jsonl(tmp_path / "dump.jsonl", DOCS)
    rc, err = run_cli("predict", rel_model, dump, "-o", tmp_path / "out.jsonl", "-q")
    assert rc == 1 and "EROFS" in one_line_error(err) and "read-only" in err


def test_disk_full_mid_run_then_resume_is_exact(tmp_path, rel_model, run_cli, monkeypatch):
    import rasd.inference.writers as writers

    real = writers.JsonlWriter.write
    calls = {"n": 0}

    def full_after_three(self, doc):  # fault injection: the fourth document hits ENOSPC
        calls["n"] += 1
        if calls["n"] == 4:
            self.stream.write('{"id": "' + doc.id[:1])  # a torn write, as a full disk leaves
            self.stream.flush()
            raise OSError(errno.ENOSPC, "No space left on device")
        real(self, doc)

    monkeypatch.setattr(writers.JsonlWriter, "write", full_after_three)
    dump = write_jsonl(tmp_path / "dump.jsonl", DOCS)
    out = tmp_path / "out.jsonl"
    rc, err = run_cli("predict", rel_model, dump, "-o", out, "-q", "--batch-size", "1")
    assert rc == 1 and "ENOSPC" in one_line_error(err)
    monkeypatch.setattr(writers.JsonlWriter, "write", real)
    s = predict_file(rel_model, dump, output=out, resume=True, progress=False)
    assert _ids(out) == [d["id"] for d in DOCS] and s.skipped + s.scored == len(DOCS)
    _check_offsets(out, {d["id"]: d["text"] for d in DOCS})


def test_permission_denied_is_one_line(tmp_path, rel_model, run_cli, monkeypatch):
    import rasd.inference.writers as writers

    def denied(path, mode="r", *a, **k):  # fault injection (tests may run as root, where chmod does not deny)
        raise PermissionError(errno.EACCES, "Permission denied", str(path))

    monkeypatch.setattr(writers, "open", denied, raising=False)
    dump = write_jsonl(tmp_path / "dump.jsonl", DOCS)
    rc, err = run_cli("predict", rel_model, dump, "-o", tmp_path / "out.jsonl", "-q")
    assert rc == 1 and "EACCES" in one_line_error(err)


def test_output_is_a_dangling_link(tmp_path, run_cli):
    (tmp_path / "out.jsonl").symlink_to(tmp_path / "gone" / "x.jsonl")
    dump = write_jsonl(tmp_path / "dump.jsonl", DOCS)
    rc, err = run_cli("predict", tmp_path / "m", dump, "-o", tmp_path / "out.jsonl", "-q")
    assert rc == 1 and "dangling link" in one_line_error(err)


def test_output_is_a_fifo(tmp_path, run_cli):
    os.mkfifo(tmp_path / "out.jsonl")
    dump = write_jsonl(tmp_path / "dump.jsonl", DOCS)
    rc, err = run_cli("predict", tmp_path / "m", dump, "-o", tmp_path / "out.jsonl", "-q")
    assert rc == 1 and "FIFO" in one_line_error(err)


def test_input_is_a_fifo(tmp_path, rel_model, run_cli):
    os.mkfifo(tmp_path / "dump.jsonl")
    rc, err = run_cli("predict", rel_model, tmp_path / "dump.jsonl", "-o", tmp_path / "out.jsonl", "-q")
    assert rc == 1 and "FIFO" in one_line_error(err)
    assert not (tmp_path / "out.jsonl").exists()


def test_txt_folder_with_fifo_and_dangling_link(tmp_path, rel_model):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text(DOCS[0]["text"], encoding="utf-8")
    os.mkfifo(folder / "b.txt")
    (folder / "c.txt").symlink_to(folder / "missing.txt")
    out = tmp_path / "out.jsonl"
    s = predict_file(rel_model, folder, output=out, progress=False)  # no hang on the FIFO
    assert _ids(out) == ["a.txt"] and s.rejected == 2 and s.read == 3
    reasons = (tmp_path / "out.rejects.jsonl").read_text(encoding="utf-8")
    assert "FIFO" in reasons and "dangling link" in reasons


def test_txt_file_vanishing_mid_run(tmp_path, rel_model):
    from rasd.inference.inputs import read_documents

    folder = tmp_path / "docs"
    folder.mkdir()
    for name in ("a.txt", "b.txt", "c.txt"):
        (folder / name).write_text(DOCS[0]["text"], encoding="utf-8")
    items = read_documents(folder)
    first = next(items)
    (folder / "b.txt").unlink()  # removed after the folder was listed
    rest = list(items)
    assert first.id == "a.txt" and [getattr(i, "id", None) for i in rest] == [None, "c.txt"]
    assert "vanished" in rest[0].reason


def test_stdin_csv_with_input_format(tmp_path, rel_model, run_cli, monkeypatch):
    data = "id,text\n" + "".join(f'{d["id"]},"{d["text"]}"\n' for d in DOCS[:3])
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BufferedReader(io.BytesIO(data.encode()))))
    out = tmp_path / "out.jsonl"
    rc, err = run_cli("predict", rel_model, "-", "--input-format", "csv", "-o", out, "-q")
    assert rc == 0, err
    assert _ids(out) == ["d0", "d1", "d2"] and not (tmp_path / "out.rejects.jsonl").exists()


def test_parquet_nan_is_written_as_null(tmp_path, rel_model):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    table = pa.Table.from_pylist([{"id": "a", "text": DOCS[0]["text"], "score": float("nan"),
                                   "w": float("inf")}, {"id": "b", "text": DOCS[1]["text"], "score": 1.5, "w": 2.0}])
    pq.write_table(table, tmp_path / "dump.parquet")
    out = tmp_path / "out.jsonl"
    s = predict_file(rel_model, tmp_path / "dump.parquet", output=out, progress=False)

    def no_constants(name):
        raise AssertionError(f"{name} in the output")

    docs = [json.loads(line, parse_constant=no_constants) for line in out.read_text(encoding="utf-8").splitlines()]
    assert docs[0]["meta"] == {"score": None, "w": None} and docs[1]["meta"] == {"score": 1.5, "w": 2.0}
    assert s.nan_values == 2 and "written as null" in s.render()


def test_utf16_dump_is_named(tmp_path, rel_model, run_cli):
    dump = tmp_path / "dump.jsonl"
    dump.write_bytes("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in DOCS).encode("utf-16"))
    rc, err = run_cli("predict", rel_model, dump, "-o", tmp_path / "out.jsonl", "-q")
    assert rc == 1 and "UTF-16" in one_line_error(err) and "iconv" in err
    assert not (tmp_path / "out.jsonl").exists()


def test_csv_unterminated_quote_rejects_one_row(tmp_path, rel_model):
    dump = tmp_path / "dump.csv"
    dump.write_text('id,text\na,"قصف\nb,هجوم على قرية\nc,اشتباك في المدينة\n', encoding="utf-8")
    out = tmp_path / "out.jsonl"
    s = predict_file(rel_model, dump, output=out, progress=False)
    assert _ids(out) == ["b", "c"] and s.rejected == 1 and s.read == 3
    [reject] = [json.loads(x) for x in (tmp_path / "out.rejects.jsonl").read_text(encoding="utf-8").splitlines()]
    assert reject["line"] == 2 and "quote" in reject["reason"]


def test_csv_duplicated_column_names_refused(tmp_path, rel_model, run_cli):
    dump = tmp_path / "dump.csv"
    dump.write_text("id,text,text\na,one,two\n", encoding="utf-8")
    rc, err = run_cli("predict", rel_model, dump, "-o", tmp_path / "out.jsonl", "-q")
    assert rc == 1 and "'text'" in one_line_error(err) and "more than once" in err
    assert not (tmp_path / "out.jsonl").exists()
