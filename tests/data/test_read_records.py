from __future__ import annotations

import json

import pytest

from rasd.data.formats import ReadStats, read_records, sniff_format
from rasd.data.schema import LabelSchema
from rasd.errors import ConfigError, DataError, FormatError

TEXT = "قصف حقل العمر"
GOOD = {"id": 1, "text": TEXT, "label": [[4, 13, "LOCATION"]]}
BAD_LINES = [
    json.dumps(GOOD, ensure_ascii=False),
    '{"id": 2, "text": "قصف", ',  # invalid JSON
    json.dumps({"id": 3, "text": TEXT, "label": [[4, 40, "LOCATION"]]}),  # out of range
    json.dumps({"id": 4, "text": TEXT, "label": [[0, 7, "A"], [4, 13, "B"]]}, ensure_ascii=False),  # overlap
    json.dumps({"id": 5, "text": "  "}),  # empty text
    json.dumps({"id": 6, "text": TEXT, "label": [[5, 13, "LOCATION"]]}, ensure_ascii=False),  # inside a word
    json.dumps({"id": 7, "text": TEXT, "label": [[4, 13, "LOCATION"]]}, ensure_ascii=False),
]


@pytest.fixture
def doccano_with_problems(tmp_path):
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join(BAD_LINES) + "\n", encoding="utf-8")
    return path


def test_first_problem_raises_with_file_and_line(doccano_with_problems):
    reader = read_records(doccano_with_problems, "doccano")
    assert next(reader).id == "mixed-1"
    with pytest.raises(DataError) as err:
        next(reader)
    assert err.value.line == 2 and str(err.value).startswith(f"{doccano_with_problems}:2: invalid JSON")


def test_skip_invalid_writes_rejects_with_reasons_and_counts(doccano_with_problems, tmp_path):
    rejects = tmp_path / "rejects.jsonl"
    seen = []
    stats = ReadStats(on_notice=seen.append)
    records = list(read_records(doccano_with_problems, skip_invalid=True, rejects=rejects, stats=stats))
    assert [r.id for r in records] == ["mixed-1", "mixed-7"]
    assert stats.records == 2 and stats.rejected == 5
    assert [n.line for n in stats.rejections] == [2, 3, 4, 5, 6] and seen == stats.rejections
    entries = [json.loads(line) for line in rejects.read_text(encoding="utf-8").splitlines()]
    assert [e["line"] for e in entries] == [2, 3, 4, 5, 6]
    assert all(e["path"] == str(doccano_with_problems) and e["reason"] for e in entries)
    assert entries[0]["raw"] == BAD_LINES[1] and "invalid JSON" in entries[0]["reason"]
    assert "record" in entries[1] and "out of range" in entries[1]["reason"]
    assert "overlaps" in entries[2]["reason"] and "text is empty" in entries[3]["reason"]
    assert "does not start at a word boundary" in entries[4]["reason"]
    assert entries[1]["record"]["id"] == "mixed-3"


def test_schema_labels_are_checked(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text(json.dumps({"id": "a", "text": TEXT, "event_type": "picnic",
                                "spans": [{"start": 4, "end": 13, "label": "PLACE"}]}, ensure_ascii=False) + "\n",
                    encoding="utf-8")
    with pytest.raises(DataError, match=r"x.jsonl:1: record 'a': unknown slot label 'PLACE'.*unknown event type 'picnic'"):
        list(read_records(path, schema=LabelSchema.default()))
    assert len(list(read_records(path))) == 1


def test_option_mistakes_are_config_errors(fixtures, tmp_path):
    with pytest.raises(ConfigError, match="flatten applies to nested CoNLL"):
        read_records(fixtures / "doccano.jsonl", flatten="outer")
    with pytest.raises(ConfigError, match="flatten must be one of"):
        read_records(fixtures / "nested.conll", flatten="middle")
    with pytest.raises(ConfigError, match="skip_invalid"):
        read_records(fixtures / "doccano.jsonl", rejects=tmp_path / "r.jsonl")
    with pytest.raises(ConfigError, match="unknown input format 'excel'"):
        read_records(fixtures / "doccano.jsonl", "excel")
    with pytest.raises(DataError, match="file not found"):
        read_records(tmp_path / "missing.jsonl")
    # repairing offsets of a format without offsets is harmless
    assert len(list(read_records(fixtures / "incidents.conll", repair_offsets=True))) == 3
    assert len(list(read_records(fixtures / "label_studio.json", "label_studio", stats=ReadStats()))) == 3


def test_notices_become_warnings_without_stats(fixtures):
    with pytest.warns(UserWarning) as caught:
        records = list(read_records(fixtures / "label_studio_utf16.json", repair_offsets=True))
    assert len(records) == 3
    messages = [str(w.message) for w in caught]
    assert len(messages) == 14  # ten repairs, the task without annotations, three annotations left out for a later one
    assert any("moved to 13-33: the offsets were UTF-16 code units" in m for m in messages)


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("incidents.jsonl", "jsonl"), ("incidents.conll", "conll"), ("incidents_bioes.conll", "conll"),
        ("nested.conll", "conll"), ("label_studio.json", "label-studio"), ("doccano.jsonl", "doccano"),
        ("doccano_old.jsonl", "doccano"), ("prodigy.jsonl", "prodigy"), ("brat", "brat"),
        ("brat/doc1-s1.txt", "brat"), ("brat/doc1-s1.ann", "brat"),
    ],
)
def test_sniff_fixtures(fixtures, name, fmt):
    assert sniff_format(fixtures / name) == fmt


@pytest.mark.parametrize(
    ("first_line", "fmt"),
    [
        ({"id": "a", "text": TEXT, "spans": []}, "jsonl"),
        ({"text": TEXT, "spans": [{"start": 4, "end": 13, "label": "LOCATION", "token_start": 1}]}, "prodigy"),
        ({"text": TEXT, "_input_hash": 1}, "prodigy"),
        ({"id": 1, "text": TEXT, "label": ["armed_clash"]}, "doccano"),
        ({"text": TEXT, "entities": []}, "doccano"),
    ],
)
def test_sniff_json_lines_by_keys(tmp_path, first_line, fmt):
    path = tmp_path / "x.jsonl"
    path.write_text(json.dumps(first_line, ensure_ascii=False) + "\n", encoding="utf-8")
    assert sniff_format(path) == fmt


@pytest.mark.parametrize(("name", "content"), [("notes.txt", "مجرد نص عادي\n"), ("x.json", "[1, 2]"), ("x.csv", "")])
def test_sniff_refuses_to_guess(tmp_path, name, content):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(FormatError, match="pass it explicitly"):
        sniff_format(path)
