"""The table writers and readers."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest

from rasd.errors import ConfigError, DataError
from rasd.incidents.records import Evidence, Incident
from rasd.incidents.table import COLUMNS, infer_format, read_incidents, write_incidents

REQUIRED = ["event_id", "doc_id", "event_date", "time_precision", "event_type", "actor1", "actor2", "weapon",
            "location", "admin1", "latitude", "longitude", "fatalities", "injured", "source", "notes",
            "cluster_id"]

INC = Incident("d-e1", "d", "air_drone_strike", "Air/drone strike", dt.date(2022, 11, 17), 1, time_text="أمس",
               date_basis="text", actor1="القوات الأمريكية", location="الميادين", admin1="Deir-ez-Zor",
               latitude=35.0198, longitude=40.4515, fatalities=None, injured=3,
               casualty_flags=("killed:unknown",), source="نورث برس",
               evidence=(Evidence("d", 10, 20, "نص، مع فاصلة \"واقتباس\"", "air_drone_strike"),),
               cluster_id="c0001")


def test_columns_are_the_issue_s() -> None:
    assert COLUMNS == REQUIRED


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_round_trip(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"out{suffix}"
    assert write_incidents([INC], path, fmt=infer_format(path, None)) == 1
    (back,) = read_incidents(path)
    assert (back.event_date, back.fatalities, back.injured, back.location, back.casualty_flags) == (
        INC.event_date, None, 3, "الميادين", ("killed:unknown",))
    assert back.latitude == pytest.approx(35.0198)


def test_csv_cells(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    write_incidents([INC], path)
    (row,) = list(csv.DictReader(open(path, encoding="utf-8")))
    assert list(row)[:len(REQUIRED)] == REQUIRED
    assert row["fatalities"] == "" and row["injured"] == "3" and row["evidence"] == "d:10-20"
    assert row["notes"] == "نص، مع فاصلة \"واقتباس\"" and row["doc_ids"] == "d"


def test_jsonl_keeps_types(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    write_incidents([INC], path, fmt="jsonl")
    obj = json.loads(path.read_text(encoding="utf-8"))
    assert obj["fatalities"] is None and obj["time_precision"] == 1 and obj["evidence"][0]["start"] == 10


def test_format_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown incident table format 'xlsx'"):
        infer_format("x.csv", "xlsx")
    bad = tmp_path / "bad.csv"
    bad.write_text("doc_id,event_date\nd,18/11/2022\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"bad.csv:2: column 'event_date'"):
        read_incidents(bad)
