"""brat standoff: a ``.txt`` file with its ``.ann`` beside it, one record per document.

``path`` is a directory (every ``*.txt`` in it, sorted by name, each with its ``.ann``) or a
single ``.txt``/``.ann`` file. The record id is the file stem and its text is the ``.txt``
exactly as it is (newlines included; rasd does not split it into sentences here).

``.ann`` lines read:

- ``T1<TAB>LOCATION 4 13<TAB>حقل العمر``: a span; its text is checked against the document.
  A discontinuous span (``LOCATION 4 7;8 13``) is an **error**: keeping one fragment or joining
  them would change the annotation, and rasd spans are contiguous.
- The event type (the convention rasd uses, since brat has no document labels): an attribute
  named ``EventType`` (``event_attribute``) with a value, ``A1<TAB>EventType T9 armed_clash``.
  The textbound it is attached to only carries the attribute: it is not a slot span (mark any
  word or the whole text, with any label such as ``Document``). Several ``EventType``
  attributes give a multi-label list; one without a value is an error.
- Relations, events, notes, normalizations, other attributes (``R``, ``E``, ``#``, ``N``,
  ``A``/``M``, ``*``) are not part of the rasd record and are ignored.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from rasd.data.formats.base import (
    Item,
    Notice,
    ReadStats,
    event_from_labels,
    records_or_raise,
    stats_or_warnings,
)
from rasd.data.formats.offsets import OffsetMismatch, SpanPlacer
from rasd.data.records import Record, Span
from rasd.errors import DataError, FormatError

EVENT_ATTRIBUTE = "EventType"


def read_brat(path: str | Path, *, event_attribute: str = EVENT_ATTRIBUTE, repair_offsets: bool = False,
              stats: ReadStats | None = None) -> Iterator[Record]:
    """Stream the documents of a brat directory (or one document) as records; the first bad one raises.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "doc1.txt").write_text("قصف حقل العمر", encoding="utf-8")
    >>> _ = (d / "doc1.ann").write_text("T1\\tLOCATION 4 13\\tحقل العمر\\nT2\\tDocument 0 3\\tقصف\\n"
    ...                                 "A1\\tEventType T2 shelling_missile_attack\\n", encoding="utf-8")
    >>> [(r.id, r.event_type, r.spans) for r in read_brat(d)]
    [('doc1', 'shelling_missile_attack', [Span(start=4, end=13, label='LOCATION')])]
    """
    return records_or_raise(iter_brat(path, event_attribute=event_attribute, repair_offsets=repair_offsets,
                                      stats=stats))


def iter_brat(path: str | Path, *, event_attribute: str = EVENT_ATTRIBUTE, repair_offsets: bool = False,
              stats: ReadStats | None = None) -> Iterator[Item]:
    """Like :func:`read_brat`, but a bad document becomes an error item and reading goes on."""
    stats = stats_or_warnings(stats)
    for txt in _documents(Path(path)):
        ann = txt.with_suffix(".ann")
        try:
            record = _document(txt, ann, event_attribute=event_attribute, repair=repair_offsets, stats=stats)
        except DataError as e:
            yield Item(e.line, error=e, raw={"txt": str(txt), "ann": str(ann)}, path=e.path)
            continue
        yield Item(None, record=record, raw={"txt": str(txt), "ann": str(ann)}, path=str(txt))


def _documents(path: Path) -> list[Path]:
    if path.is_dir():
        # an .ann without its .txt is a document too (an error item, counted), never silently ignored
        docs = sorted({*path.glob("*.txt"), *(a.with_suffix(".txt") for a in path.glob("*.ann"))})
        if not docs:
            raise FormatError("no .txt files in this brat directory", path=path)
        return docs
    if path.suffix in (".txt", ".ann") and path.is_file():
        return [path.with_suffix(".txt")]
    raise DataError("not found (expected a brat directory, or a .txt file with its .ann beside it)", path=path)


def _document(txt: Path, ann: Path, *, event_attribute: str, repair: bool, stats: ReadStats) -> Record:
    from rasd.safe_io import entry_kind

    for f in (txt, ann):
        kind = entry_kind(f)
        if kind is not None:
            raise DataError(f"{kind}, not a regular file; remove it or replace it with the file", path=f)
    if not txt.is_file():
        if ann.is_file():
            raise FormatError(f"annotation file without its text {txt.name}; put the text beside it or remove "
                              "the .ann", path=ann)
        raise DataError("file not found", path=txt)
    if not ann.is_file():
        raise FormatError(f"no annotation file {ann.name} beside this text (brat writes an empty one)", path=txt)
    try:
        with open(txt, encoding="utf-8", newline="") as f:  # newline="": offsets count "\r" too
            text = f.read()
    except UnicodeDecodeError as e:
        raise FormatError(f"not valid UTF-8 (byte {e.start})", path=txt) from None
    except OSError as e:
        raise DataError(f"cannot read ({e.strerror or e})", path=txt) from None
    textbounds, carriers, events = _read_ann(ann, event_attribute)
    rid = txt.stem
    placer = SpanPlacer(text, repair=repair)
    spans = []
    for tid, (n, (start, end, label, expected)) in sorted(textbounds.items(), key=lambda kv: kv[1][0]):
        if tid in carriers:
            continue
        try:
            placed = placer.place(start, end, label, expected)
        except OffsetMismatch as e:
            raise DataError(f"record {rid!r}: {e}", path=ann, line=n) from None
        if placed.repair:
            stats.repair(Notice("offsets", placed.repair, path=str(ann), line=n, record_id=rid))
        spans.append(Span(placed.start, placed.end, label))
    return Record(id=rid, text=text, event_type=event_from_labels(events), spans=spans)


_Textbound = tuple[int, int, str, "str | None"]


def _read_ann(ann: Path, event_attribute: str) -> tuple[dict[str, tuple[int, _Textbound]], set[str], list[str]]:
    """Textbounds by id (with their line), the ids that carry the event type, and the event types."""
    textbounds: dict[str, tuple[int, _Textbound]] = {}
    carriers: set[str] = set()
    events: list[str] = []
    with open(ann, "rb") as f:
        for n, raw in enumerate(f, start=1):
            try:
                line = raw.decode("utf-8-sig" if n == 1 else "utf-8").rstrip("\r\n")
            except UnicodeDecodeError as e:
                raise FormatError(f"not valid UTF-8 (byte {e.start})", path=ann, line=n) from None
            if not line.strip():
                continue
            fields = line.split("\t")
            kind = fields[0][:1]
            if kind == "T":
                textbounds[fields[0]] = (n, _textbound(fields, ann, n))
            elif kind == "A" and len(fields) >= 2 and fields[1].split(" ")[0] == event_attribute:
                parts = fields[1].split(" ")
                if len(parts) != 3:
                    raise FormatError(f"{event_attribute} attribute needs a target and a value "
                                      f"('A1<TAB>{event_attribute} T1 armed_clash'), got {fields[1]!r}", path=ann, line=n)
                carriers.add(parts[1])
                events.append(parts[2])
            elif kind not in ("R", "E", "#", "N", "A", "M", "*"):
                raise FormatError(f"not a brat annotation line: {line!r}", path=ann, line=n)
    return textbounds, carriers, events


def _textbound(fields: list[str], ann: Path, n: int) -> _Textbound:
    if len(fields) < 2:
        raise FormatError(f"textbound line needs 'T1<TAB>LABEL start end<TAB>text', got {fields!r}", path=ann, line=n)
    head = fields[1]
    label, _, offsets = head.partition(" ")
    if ";" in offsets:
        raise FormatError(f"discontinuous span {fields[0]} ({head}): rasd spans are contiguous; split it into "
                          "separate textbounds or join the fragments in brat", path=ann, line=n)
    parts = offsets.split()
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        raise FormatError(f"textbound {fields[0]}: expected 'LABEL start end', got {head!r}", path=ann, line=n)
    expected = "\t".join(fields[2:]) if len(fields) >= 3 else None
    return int(parts[0]), int(parts[1]), label, expected
