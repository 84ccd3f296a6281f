"""The incident table: columns, rows and the CSV / JSON Lines writers and readers.

The first columns are ACLED's names in ACLED's sense so rows can be compared with or
appended to an ACLED export; the rest say where each value came from (the time text, the
location as written, casualty flags, the evidence offsets, every report of a merged row).
CSV holds strings (an empty cell is "unknown"); JSON Lines keeps types and the evidence as
objects.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from rasd.errors import ConfigError, DataError
from rasd.incidents.records import Evidence, Incident

COLUMNS = ["event_id", "doc_id", "event_date", "time_precision", "event_type", "actor1", "actor2", "weapon",
           "location", "admin1", "latitude", "longitude", "fatalities", "injured", "source", "notes",
           "cluster_id"]
EXTRA_COLUMNS = ["event_label", "country", "location_en", "location_text", "place_id", "time_text",
                 "date_basis", "casualty_flags", "doc_ids", "evidence"]
FORMATS = ("csv", "jsonl")


def infer_format(path: str | Path | None, fmt: str | None) -> str:
    """``fmt`` when given, else from the file suffix (``.jsonl``/``.json`` -> jsonl), else csv.

    >>> infer_format("out.jsonl", None), infer_format("out.csv", None), infer_format(None, "jsonl")
    ('jsonl', 'csv', 'jsonl')
    """
    if fmt is not None:
        if fmt not in FORMATS:
            raise ConfigError(f"unknown incident table format {fmt!r}: use one of {', '.join(FORMATS)}")
        return fmt
    suffixes = Path(path).suffixes if path is not None else []
    return "jsonl" if any(s in (".jsonl", ".json") for s in suffixes) else "csv"


def to_record(inc: Incident) -> dict[str, Any]:
    """Typed values (JSON Lines): dates as ISO strings, evidence as objects."""
    return {
        "event_id": inc.event_id, "doc_id": inc.doc_id,
        "event_date": inc.event_date.isoformat() if inc.event_date else None,
        "time_precision": inc.time_precision, "event_type": inc.event_type, "actor1": inc.actor1,
        "actor2": inc.actor2, "weapon": inc.weapon, "location": inc.location, "admin1": inc.admin1,
        "latitude": inc.latitude, "longitude": inc.longitude, "fatalities": inc.fatalities,
        "injured": inc.injured, "source": inc.source, "notes": inc.notes, "cluster_id": inc.cluster_id,
        "event_label": inc.event_label, "country": inc.country, "location_en": inc.location_en,
        "location_text": inc.location_text, "place_id": inc.place_id, "time_text": inc.time_text,
        "date_basis": inc.date_basis, "casualty_flags": list(inc.casualty_flags),
        "doc_ids": list(inc.all_doc_ids), "evidence": [e.to_dict() for e in inc.evidence],
    }


def to_row(inc: Incident) -> dict[str, str]:
    """String cells (CSV): empty for unknown; lists joined with ``|``; evidence as ``doc:start-end``.

    >>> to_row(Incident("d-e1", "d", "x", "Armed clash", dt.date(2022, 1, 5), 1, fatalities=None))["fatalities"]
    ''
    """
    rec = to_record(inc)
    row = {k: "" if v is None else str(v) for k, v in rec.items() if k not in ("casualty_flags", "doc_ids",
                                                                            "evidence")}
    row["latitude"] = "" if inc.latitude is None else f"{inc.latitude:.4f}"
    row["longitude"] = "" if inc.longitude is None else f"{inc.longitude:.4f}"
    row["casualty_flags"] = "|".join(inc.casualty_flags)
    row["doc_ids"] = "|".join(inc.all_doc_ids)
    row["evidence"] = "|".join(f"{e.doc_id}:{e.start}-{e.end}" for e in inc.evidence)
    return row


def write_incidents(incidents: Iterable[Incident], path: str | Path | IO[str], *, fmt: str = "csv") -> int:
    """Write the table; returns the number of rows. ``path`` may be an open text stream."""
    fmt = infer_format(None, fmt)
    own = not isinstance(path, io.TextIOBase)
    f = open(path, "w", encoding="utf-8", newline="") if own else path  # type: ignore[arg-type]
    n = 0
    try:
        if fmt == "csv":
            w = csv.DictWriter(f, fieldnames=COLUMNS + EXTRA_COLUMNS, lineterminator="\n")
            w.writeheader()
            for inc in incidents:
                w.writerow(to_row(inc))
                n += 1
        else:
            for inc in incidents:
                f.write(json.dumps(to_record(inc), ensure_ascii=False) + "\n")
                n += 1
    finally:
        if own:
            f.close()
    return n


def read_rows(path: str | Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line, row) from an incident CSV or JSON Lines file (gold or written by rasd)."""
    path = Path(path)
    if not path.is_file():
        raise DataError("file not found", path=path)
    if infer_format(path, None) == "jsonl":
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, start=1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as e:
                    raise DataError(f"invalid JSON: {e.msg}", path=path, line=n) from None
                if not isinstance(obj, dict):
                    raise DataError("expected a JSON object per line", path=path, line=n)
                yield n, obj
        return
    with open(path, encoding="utf-8", newline="") as f:
        for n, row in enumerate(csv.DictReader(f), start=2):
            yield n, row


def from_row(row: dict[str, Any], *, path: str | Path | None = None, line: int | None = None) -> Incident:
    """An :class:`Incident` from a table row (CSV strings or JSON values)."""

    def text(key: str) -> str:
        v = row.get(key)
        return "" if v is None else str(v).strip()

    def number(key: str, cast: type) -> Any:
        v = text(key)
        if not v:
            return None
        try:
            return cast(float(v)) if cast is int else cast(v)
        except ValueError:
            raise DataError(f"column {key!r}: not a number: {v!r}", path=path, line=line) from None

    date_text = text("event_date")
    try:
        date = dt.date.fromisoformat(date_text[:10]) if date_text else None
    except ValueError:
        raise DataError(f"column 'event_date': not an ISO date: {date_text!r}", path=path, line=line) from None
    if not text("doc_id"):
        raise DataError("row has no doc_id", path=path, line=line)
    evidence = row.get("evidence")
    ev = tuple(Evidence(**e) for e in evidence) if isinstance(evidence, list) else ()
    flags = row.get("casualty_flags") or ""
    return Incident(
        event_id=text("event_id") or f"{text('doc_id')}-row{line}", doc_id=text("doc_id"),
        event_label=text("event_label"), event_type=text("event_type"), event_date=date,
        time_precision=number("time_precision", int), time_text=text("time_text"),
        date_basis=text("date_basis") or ("text" if date else "none"), actor1=text("actor1"),
        actor2=text("actor2"), weapon=text("weapon"), location=text("location"),
        location_text=text("location_text"), place_id=text("place_id"), location_en=text("location_en"),
        country=text("country"), admin1=text("admin1"), latitude=number("latitude", float),
        longitude=number("longitude", float), fatalities=number("fatalities", int),
        injured=number("injured", int),
        casualty_flags=tuple(flags if isinstance(flags, list) else [x for x in str(flags).split("|") if x]),
        source=text("source"), evidence=ev, cluster_id=text("cluster_id"),
    )


def read_incidents(path: str | Path) -> list[Incident]:
    """Every row of an incident table (CSV or JSON Lines) as :class:`Incident` objects."""
    return [from_row(row, path=path, line=n) for n, row in read_rows(path)]
