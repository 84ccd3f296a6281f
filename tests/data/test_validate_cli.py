"""`rasd validate`: each listed defect gives its own `file:line: what is wrong` and exit status 1."""

from __future__ import annotations

import json
import re

import pytest

from rasd.cli import main

TEXT = "قصفت الميليشيات حقل العمر أمس"  # words at 0-4, 5-15, 16-19, 20-25, 26-29


def _line(**overrides) -> str:
    record = {"id": overrides.pop("id", "r"), "text": TEXT, "event_type": "shelling_missile_attack",
              "spans": [{"start": 16, "end": 25, "label": "LOCATION"}]}
    record.update(overrides)
    return json.dumps(record, ensure_ascii=False)


DEFECTS = [
    ("invalid JSON", '{"id": "x", "text": ', "invalid JSON"),
    ("missing text", json.dumps({"id": "x", "spans": []}), "missing 'text'"),
    ("empty text", _line(id="x", text="  ", spans=[]), "text is empty"),
    ("span out of range", _line(id="x", spans=[{"start": 26, "end": 99, "label": "TIME"}]), "out of range"),
    ("start >= end", _line(id="x", spans=[{"start": 19, "end": 16, "label": "LOCATION"}]), "start must be before end"),
    ("overlapping spans", _line(id="x", spans=[{"start": 5, "end": 19, "label": "PERPETRATOR"},
                                              {"start": 16, "end": 25, "label": "LOCATION"}]), "overlaps span 5-19"),
    ("not on word boundaries", _line(id="x", spans=[{"start": 17, "end": 25, "label": "LOCATION"}]),
     "does not start at a word boundary"),
    ("unknown slot label", _line(id="x", spans=[{"start": 16, "end": 25, "label": "PLACE"}]), "unknown slot label 'PLACE'"),
    ("unknown event type", _line(id="x", event_type="bombing"), "unknown event type 'bombing'"),
]


@pytest.mark.parametrize("name, bad_line, message", DEFECTS, ids=[d[0] for d in DEFECTS])
def test_each_defect_names_file_line_and_problem(tmp_path, capsys, name, bad_line, message):
    path = tmp_path / "data.jsonl"
    path.write_text(_line(id="ok") + "\n" + bad_line + "\n", encoding="utf-8")
    assert main(["validate", str(path)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert err[0].startswith(f"{path}:2: ") and message in err[0]


def test_invalid_utf8_and_duplicate_ids(tmp_path, capsys):
    path = tmp_path / "data.jsonl"
    path.write_bytes((_line(id="a") + "\n").encode() + b'{"id": "b", "text": "\xff\xfe"}\n'
                     + (_line(id="a") + "\n").encode())
    assert main(["validate", str(path)]) == 1
    err = capsys.readouterr().err
    assert f"{path}:2: not valid UTF-8" in err
    assert f"{path}:3: duplicate id 'a' (first on line 1)" in err


def test_every_problem_is_reported_not_only_the_first(tmp_path, capsys):
    path = tmp_path / "data.jsonl"
    path.write_text("\n".join(bad for _, bad, _ in DEFECTS) + "\n", encoding="utf-8")
    assert main(["validate", str(path)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    lines_with_problems = {int(e.split(":")[1]) for e in err}
    assert lines_with_problems == set(range(1, len(DEFECTS) + 1))


def test_clean_file_passes_with_a_summary(tmp_path, capsys):
    path = tmp_path / "data.jsonl"
    path.write_text(_line(id="a", doc_id="d1") + "\n" + _line(id="b", doc_id="d1", spans=[]) + "\n", encoding="utf-8")
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert "0 problem(s)" in out
    assert re.search(r"^documents\s+1$", out, re.M) and re.search(r"^sentences\s+2$", out, re.M)
    assert "LOCATION" in out and "shelling_missile_attack" in out


def test_missing_file_is_one_line_error(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "nope.jsonl")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "file not found" in err[0]
