"""Annotation importers: nothing left out silently, bad input named by file and line."""

from __future__ import annotations

import json

from conftest import one_line_error

from rasd.data.formats import read_records
from rasd.data.formats.base import ReadStats
from rasd.data.formats.label_studio import iter_label_studio

TEXT = "قصف حقل العمر"


def _task(tid, annotations):
    return {"id": tid, "data": {"text": TEXT}, "annotations": annotations}


def _ann(aid, who, when, label="LOCATION"):
    return {"id": aid, "completed_by": who, "updated_at": when,
            "result": [{"type": "labels", "value": {"start": 4, "end": 13, "text": "حقل العمر", "labels": [label]}}]}


def test_label_studio_two_annotators_are_counted(tmp_path, run_cli):
    path = tmp_path / "ls.json"
    path.write_text(json.dumps([_task(1, [_ann(1, 7, "2024-01-02"), _ann(2, 8, "2024-01-01", "TARGET")])]),
                    encoding="utf-8")
    stats = ReadStats()
    [record] = list(read_records(path, "label-studio", stats=stats))
    assert record.spans[0].label == "LOCATION"
    assert sum(stats.skipped.values()) == 1  # the other annotator's annotation: counted, not silent
    rc, err = run_cli("stats", path)
    assert rc == 0 and "annotation 2 (annotator 8) left out" in err


def test_label_studio_errors_name_the_task(tmp_path):
    path = tmp_path / "ls.json"
    tasks = [_task(i, [_ann(i, 1, "x")]) for i in range(1, 4)]
    tasks[2]["data"] = {"body": TEXT}
    path.write_text(json.dumps(tasks), encoding="utf-8")  # one line: every task is on line 1
    items = list(iter_label_studio(path, stats=ReadStats()))
    bad = [i for i in items if i.error is not None]
    assert len(bad) == 1 and "task #3" in str(bad[0].error)


def test_brat_ann_without_txt_is_counted(tmp_path, run_cli):
    (tmp_path / "a.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "a.ann").write_text("T1\tLOCATION 4 13\tحقل العمر\n", encoding="utf-8")
    (tmp_path / "b.ann").write_text("T1\tLOCATION 4 13\tحقل العمر\n", encoding="utf-8")
    stats = ReadStats()
    records = list(read_records(tmp_path, "brat", skip_invalid=True, stats=stats))
    assert [r.id for r in records] == ["a"] and stats.rejected == 1
    assert "b.ann" in str(stats.rejections[0]) and "without its text" in str(stats.rejections[0])
    rc, err = run_cli("validate", tmp_path, "--schema", "none")
    assert rc == 1 and "b.ann" in err


def test_conll_bad_tag_names_the_line(tmp_path, run_cli):
    path = tmp_path / "x.conll"
    path.write_text("قصف O\nحقل B-LOCATION\nالعمر I-LOCATION\n\nهجوم O\nعلى O\nقرية X-LOCATION\n", encoding="utf-8")
    rc, err = run_cli("stats", path)
    line = one_line_error(err)
    assert rc == 1 and "x.conll:7:" in line and "'X-LOCATION'" in line


def test_utf16_annotation_file_is_named(tmp_path, run_cli):
    path = tmp_path / "train.jsonl"
    path.write_bytes(json.dumps({"id": "a", "text": TEXT, "spans": []}, ensure_ascii=False).encode("utf-16") + b"\n\x00")
    rc, err = run_cli("stats", path)
    assert rc == 1 and "UTF-16" in one_line_error(err)


def test_stats_accepts_the_repair_offsets_it_suggests(tmp_path, run_cli):
    emoji_text = "😀 قصف حقل العمر"
    task = {"id": 1, "data": {"text": emoji_text}, "annotations": [{"result": [
        {"type": "labels", "value": {"start": 7, "end": 16, "text": "حقل العمر", "labels": ["LOCATION"]}}]}]}
    path = tmp_path / "ls.json"
    path.write_text(json.dumps([task], ensure_ascii=False), encoding="utf-8")
    rc, err = run_cli("stats", path)
    assert rc == 1 and "--repair-offsets" in one_line_error(err)
    rc, err = run_cli("stats", path, "--repair-offsets")
    assert rc == 0 and "UTF-16" in err  # the repair is reported
