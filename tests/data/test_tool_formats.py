"""What each tool's importer does beyond the shared contract."""

from __future__ import annotations

import io
import json
import shutil

import pytest

from rasd.data.formats import (
    ReadStats,
    read_brat,
    read_doccano,
    read_label_studio,
    read_prodigy,
)
from rasd.data.formats.jsonl import iter_json_array
from rasd.errors import DataError, FormatError

TEXT = "قصف حقل العمر"


def write_json(path, obj) -> None:
    path.write_text(json.dumps(obj, ensure_ascii=False), encoding="utf-8")


def write_jsonl(path, objs) -> None:
    path.write_text("".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objs), encoding="utf-8")


def ls_task(result, **data):
    return {"id": 5, "data": {"text": TEXT, **data}, "annotations": [{"id": 1, "result": result}]}


LOC = {"type": "labels", "from_name": "slot", "value": {"start": 4, "end": 13, "labels": ["LOCATION"]}}


# --- Label Studio ------------------------------------------------------------------------------

def test_label_studio_prefers_the_latest_annotation_and_counts_skipped_tasks(fixtures):
    stats = ReadStats()
    records = list(read_label_studio(fixtures / "label_studio.json", stats=stats))
    assert [len(r.spans) for r in records] == [5, 3, 3]  # not the older one-span annotation
    assert stats.skipped["label-studio task without annotations"] == 1
    left_out = stats.skipped["label-studio annotation left out: the task has another, later one (one record per task)"]
    assert left_out == 3 and sum(stats.skipped.values()) == 4  # the older annotations are counted, not dropped silently


def test_label_studio_choices_and_ids(tmp_path):
    path = tmp_path / "ls.json"
    choice = {"type": "choices", "from_name": "event", "value": {"choices": ["armed_clash", "seizure"]}}
    other = {"type": "choices", "from_name": "urgency", "value": {"choices": ["high"]}}
    write_json(path, [ls_task([LOC, choice, other])])
    (record,) = read_label_studio(path)
    assert record.id == "ls-5" and record.event_type == ["armed_clash", "seizure", "high"]
    (record,) = read_label_studio(path, event_from="event")
    assert record.event_type == ["armed_clash", "seizure"]


def test_label_studio_text_key_and_cancelled(tmp_path):
    path = tmp_path / "ls.json"
    task = {"id": 1, "data": {"body": TEXT}, "annotations": [{"result": [LOC], "was_cancelled": True}]}
    write_json(path, [task])
    with pytest.raises(DataError, match=r"no text in data\['text'\] \(string fields: body\)"):
        list(read_label_studio(path))
    stats = ReadStats()
    assert list(read_label_studio(path, text_key="body", stats=stats)) == []
    assert stats.skipped == {"label-studio task with only cancelled annotations": 1}


@pytest.mark.parametrize(
    ("content", "error", "message"),
    [
        ([{"text": TEXT, "id": 1, "label": []}], FormatError, "JSON-MIN"),
        ([ls_task([{**LOC, "value": {**LOC["value"], "labels": ["LOCATION", "TARGET"]}}])], DataError,
         "exactly one label"),
        ({"data": {}}, FormatError, "expected a JSON list"),
    ],
)
def test_label_studio_errors(tmp_path, content, error, message):
    path = tmp_path / "ls.json"
    write_json(path, content)
    with pytest.raises(error, match=message):
        list(read_label_studio(path))


def test_label_studio_broken_json_names_the_line(tmp_path):
    path = tmp_path / "ls.json"
    path.write_text('[\n{"id": 1, "data": {"text": "قصف"}, "annotations": []},\n{"id": 2, "data": }\n]',
                    encoding="utf-8")
    reader = read_label_studio(path, stats=ReadStats())
    with pytest.raises(FormatError, match=r"ls.json:3: invalid JSON"):
        next(reader)


def test_label_studio_without_span_text_checks_word_boundaries(tmp_path):
    """Some exports leave out value.text: then UTF-16 offsets show up as spans cut inside words."""
    path = tmp_path / "ls.json"
    text = "🔥 " + TEXT
    write_json(path, [{"id": 1, "data": {"text": text},
                       "annotations": [{"result": [{"type": "labels", "value": {"start": 7, "end": 16,
                                                                                 "labels": ["LOCATION"]}}]}]}])
    with pytest.raises(DataError, match=r"span 7-16 \(LOCATION\) does not fall on word boundaries.*6-15 'حقل العمر'"):
        list(read_label_studio(path))
    (record,) = read_label_studio(path, repair_offsets=True, stats=ReadStats())
    assert [s.text_in(text) for s in record.spans] == ["حقل العمر"]


@pytest.mark.parametrize("chunk_size", [1, 5, 1 << 16])
def test_json_list_is_streamed_in_chunks(chunk_size):
    tasks = [{"id": i, "data": {"text": "قصف 🔥 " * i}} for i in range(30)]
    raw = ("\ufeff[\n" + ",\n".join(json.dumps(t, ensure_ascii=False) for t in tasks) + "\n]\n").encode("utf-8")
    got = list(iter_json_array(io.BytesIO(raw), chunk_size=chunk_size))
    assert [v for _, v in got] == tasks
    assert [line for line, _ in got] == list(range(2, 32))


# --- Doccano -----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("line", "event"),
    [
        ({"text": TEXT, "label": [[4, 13, "LOCATION"]]}, None),
        ({"text": TEXT, "entities": [[4, 13, "LOCATION"]], "cats": ["armed_clash"]}, "armed_clash"),
        ({"text": TEXT, "entities": [{"start_offset": 4, "end_offset": 13, "label": "LOCATION"}],
          "cats": {"armed_clash": 1.0, "seizure": 0.0}}, "armed_clash"),
        ({"text": TEXT, "labels": [[4, 13, "LOCATION"]], "label": ["armed_clash", "seizure"]},
         ["armed_clash", "seizure"]),
    ],
)
def test_doccano_layouts(tmp_path, line, event):
    path = tmp_path / "d.jsonl"
    write_jsonl(path, [line])
    (record,) = read_doccano(path)
    assert record.id == "d-1" and record.event_type == event
    assert [s.text_in(record.text) for s in record.spans] == ["حقل العمر"]


def test_doccano_trims_selected_spaces_and_rejects_odd_elements(tmp_path):
    path = tmp_path / "d.jsonl"
    write_jsonl(path, [{"id": 7, "text": TEXT, "label": [[3, 13, "LOCATION"]]}, {"text": TEXT, "label": [[4, 13]]}])
    reader = read_doccano(path)
    assert next(reader).spans[0].start == 4  # the space before the word was selected too
    with pytest.raises(DataError, match=r"d.jsonl:2: record 'd-2': cannot read 'label' element \[4, 13\]"):
        next(reader)


# --- Prodigy -----------------------------------------------------------------------------------

def test_prodigy_counts_rejected_and_ignored_answers(fixtures):
    stats = ReadStats()
    assert len(list(read_prodigy(fixtures / "prodigy.jsonl", stats=stats))) == 3
    assert stats.skipped == {"prodigy answer 'reject'": 1, "prodigy answer 'ignore'": 1}
    assert "2 skipped" in stats.summary()


def test_prodigy_textcat_and_options(tmp_path):
    path = tmp_path / "p.jsonl"
    write_jsonl(path, [
        {"text": TEXT, "label": "armed_clash", "answer": "accept"},
        {"text": TEXT, "options": [{"id": 1, "text": "seizure"}], "accept": [1], "answer": "accept"},
        {"text": TEXT, "options": [{"id": "a"}], "accept": ["b"], "answer": "accept"},
    ])
    reader = read_prodigy(path)
    assert next(reader).event_type == "armed_clash"
    assert next(reader).event_type == "seizure"
    with pytest.raises(DataError, match=r"p.jsonl:3: .*accepted \['b'\] not among the options"):
        next(reader)


# --- brat --------------------------------------------------------------------------------------

def test_brat_single_file_and_missing_ann(fixtures, tmp_path):
    (record,) = read_brat(fixtures / "brat" / "doc1-s2.txt")
    assert record.id == "doc1-s2" and record.event_type == "none" and len(record.spans) == 3
    (tmp_path / "lonely.txt").write_text(TEXT, encoding="utf-8")
    with pytest.raises(FormatError, match="no annotation file lonely.ann"):
        list(read_brat(tmp_path))


@pytest.mark.parametrize(
    ("ann", "message"),
    [
        ("T1\tLOCATION 4 7;8 13\tحقل العمر\n", r"doc.ann:1: discontinuous span T1"),
        ("T1\tLOCATION 4 13\tحقل العمر\nA1\tEventType T1\n", r"doc.ann:2: EventType attribute needs a target and a value"),
        ("T1\tLOCATION four 13\tحقل العمر\n", r"doc.ann:1: textbound T1: expected 'LABEL start end'"),
        ("X1 something\n", r"doc.ann:1: not a brat annotation line"),
    ],
)
def test_brat_errors(tmp_path, ann, message):
    (tmp_path / "doc.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "doc.ann").write_text(ann, encoding="utf-8")
    with pytest.raises(FormatError, match=message):
        list(read_brat(tmp_path))


def test_brat_keeps_crlf_text_as_is(fixtures, tmp_path):
    folder = tmp_path / "b"
    shutil.copytree(fixtures / "brat", folder)
    (folder / "multi.txt").write_bytes("عنوان\r\nقصف حقل العمر".encode())
    (folder / "multi.ann").write_text("T1\tLOCATION 11 20\tحقل العمر\nA1\tEventType T1 armed_clash\n"
                                      "T2\tLOCATION 11 20\tحقل العمر\n", encoding="utf-8")
    record = {r.id: r for r in read_brat(folder)}["multi"]
    assert record.text.startswith("عنوان\r\n") and record.event_type == "armed_clash"
    assert [s.text_in(record.text) for s in record.spans] == ["حقل العمر"]  # T1 only carries the event type
