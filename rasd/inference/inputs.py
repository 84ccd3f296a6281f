"""Dump readers for ``rasd predict``: JSON Lines (also gzipped), CSV, Parquet, a folder of .txt files, stdin.

Every reader streams: one line, row or row-group batch at a time, so a dump of millions of
documents never sits in memory. Each yields :class:`~rasd.inference.extractor.InputDocument`
items and, for input it cannot use, a :class:`Reject` with the line (or row) number and the
reason, so that one bad line never stops a run of hours. A reject is a bad JSON line, a record
without a text field (or with one that is not a string), bytes that are not UTF-8, or text with
an unpaired surrogate escape (``"\\ud83d"`` alone), which no tokenizer can read.

The id comes from ``id_field``; where a record has none (absent, null or ``""``) it is
``"line:N"``, N the record's line number in the file (for CSV the line where the record starts,
counting the header as line 1; for Parquet the 1-based row number): the ``line:`` form keeps an
id made from a line number apart from a real id ``"1"`` in the data. In a folder of .txt files the id is the file's
path relative to the folder, and ``text_field``/``id_field`` do not apply. Every other field
passes through untouched as the document's ``meta`` (published, source, title, ...).
"""

from __future__ import annotations

import csv
import gzip
import math
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from rasd.data.formats.jsonl import iter_json_lines
from rasd.errors import ConfigError, DataError, MissingExtraError
from rasd.inference.extractor import InputDocument
from rasd.safe_io import entry_kind, wide_encoding

INPUT_FORMATS = ("jsonl", "csv", "parquet", "txt")
_SUFFIXES = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".csv": "csv", ".parquet": "parquet",
             ".pq": "parquet"}
_GZIP_MAGIC = b"\x1f\x8b"
_BOM = b"\xef\xbb\xbf"
_PARQUET_BATCH = 1024
_MISSING = object()


@dataclass
class DumpDocument(InputDocument):
    """A document as read from a dump: an :class:`InputDocument` that knows its line (or row) number,
    and whether its id IS that number because the record had no id."""

    line: int = 0
    id_from_line: bool = False
    nan_values: int = field(default=0, repr=False)  # meta values that were NaN/infinity and are now None


def line_id(line: int) -> str:
    """The id of a record without one: ``line:N``, never equal to a plain numeric id from the data.

    >>> line_id(3)
    'line:3'
    """
    return f"line:{line}"


@dataclass(frozen=True)
class Reject:
    """An input record that cannot be scored: where it is, why, and the input as read (for fixing)."""

    line: int
    reason: str
    raw: Any = None

    def to_dict(self) -> dict[str, Any]:
        return {"line": self.line, "reason": self.reason, "raw": self.raw}


InputItem = DumpDocument | Reject


def input_format(source: str | Path) -> str:
    """The reader for ``source``: from its suffix (``.gz`` looked through), ``txt`` for a folder,
    ``jsonl`` for ``-`` (stdin).

    >>> input_format("dump.jsonl.gz"), input_format("-")
    ('jsonl', 'jsonl')
    """
    if str(source) == "-":
        return "jsonl"
    path = Path(source)
    if path.is_dir():
        return "txt"
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes.pop()
    fmt = _SUFFIXES.get(suffixes[-1]) if suffixes else None
    if fmt is None:
        raise ConfigError(f"{path}: cannot tell the input format from the file name; rasd predict reads "
                          ".jsonl/.ndjson (optionally .gz), .csv (optionally .gz), .parquet, a folder of .txt "
                          "files, or - for JSON Lines on stdin")
    return fmt


def read_documents(source: str | Path, *, text_field: str = "text", id_field: str = "id",
                   fmt: str | None = None, stdin: IO[bytes] | None = None) -> Iterator[InputItem]:
    """Stream the documents of a dump, with a :class:`Reject` in place of each unusable record.

    The file is opened and its header (CSV) or schema (Parquet) checked before this returns, so
    a wrong path or ``text_field`` fails at once with a :class:`~rasd.errors.DataError`.
    ``stdin`` replaces ``sys.stdin`` for ``source="-"`` (gzip is detected from its first bytes).

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "dump.jsonl")
    >>> _ = open(p, "w", encoding="utf-8").write('{"id": "a", "text": "قصف", "source": "x"}\\n{"text": 3}\\n')
    >>> list(read_documents(p))
    [DumpDocument(id='a', text='قصف', meta={'source': 'x'}, line=1, id_from_line=False), Reject(line=2, reason="field 'text' is not a string (int)", raw='{"text": 3}')]
    """
    fmt = fmt or input_format(source)
    if fmt not in INPUT_FORMATS:
        raise ConfigError(f"input format must be one of {', '.join(INPUT_FORMATS)}; got {fmt!r}")
    if fmt == "txt":
        root = Path(source)
        if not root.is_dir():
            raise DataError("not a folder of .txt files", path=root)
        return _read_txt_dir(root)
    if fmt == "parquet":
        return _read_parquet(Path(source), text_field, id_field)
    stream = _open_bytes(source, stdin)
    if fmt == "csv":
        return _read_csv(stream, text_field, id_field, name=str(source))
    return _read_jsonl(stream, text_field, id_field, name=str(source))


def make_document(obj: dict[str, Any], line: int, *, text_field: str, id_field: str, raw: Any) -> InputItem:
    """One record (a parsed JSON object, CSV row or Parquet row) as a document, or why it is not one."""
    text = obj.get(text_field, _MISSING)
    if text is _MISSING:
        fields = ", ".join(map(str, list(obj)[:8])) or "none"
        return Reject(line, f"no field {text_field!r} (fields: {fields}); choose the text field with --text-field",
                      raw)
    if isinstance(text, (bytes, bytearray)):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError as e:
            return Reject(line, f"field {text_field!r} is not valid UTF-8 (byte {e.start})", raw)
    if text is None:
        return Reject(line, f"field {text_field!r} is null", raw)
    if not isinstance(text, str):
        return Reject(line, f"field {text_field!r} is not a string ({type(text).__name__})", raw)
    bad = _surrogate_at(text)
    if bad is not None:
        return Reject(line, f"field {text_field!r} holds an unpaired surrogate {text[bad]!r} at character {bad}, "
                            "which is not Unicode text", raw)
    value = obj.get(id_field)
    meta, nans = _clean_nan(_meta(obj, text_field, id_field))
    if value is None or value == "" or (isinstance(value, float) and math.isnan(value)):
        return DumpDocument(id=line_id(line), text=text, meta=meta, line=line, id_from_line=True, nan_values=nans)
    if isinstance(value, str):
        doc_id = value
    elif isinstance(value, int) and not isinstance(value, bool):
        doc_id = str(value)
    elif isinstance(value, float) and value.is_integer():
        doc_id = str(int(value))
    else:
        return Reject(line, f"field {id_field!r} is {value!r:.60}, not a string or an integer", raw)
    return DumpDocument(id=doc_id, text=text, meta=meta, line=line, nan_values=nans)


def _meta(obj: dict[str, Any], text_field: str, id_field: str) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if k != text_field and k != id_field}


def _clean_nan(value: Any) -> tuple[Any, int]:
    """``value`` with every float NaN/infinity (nested ones too) replaced by None, and how many there were.

    >>> _clean_nan({"a": float("nan"), "b": [1.0, float("inf")], "c": "x"})
    ({'a': None, 'b': [1.0, None], 'c': 'x'}, 2)
    """
    if isinstance(value, float) and not math.isfinite(value):
        return None, 1
    if isinstance(value, dict):
        out, n = {}, 0
        for k, v in value.items():
            out[k], m = _clean_nan(v)
            n += m
        return out, n
    if isinstance(value, (list, tuple)):
        items = [_clean_nan(v) for v in value]
        return [v for v, _ in items], sum(m for _, m in items)
    return value, 0


# --- readers -------------------------------------------------------------------------------------

def _read_jsonl(stream: IO[bytes], text_field: str, id_field: str, *, name: str) -> Iterator[InputItem]:
    with stream:
        try:
            for jl in iter_json_lines(stream):
                if jl.error is not None:
                    if jl.line == 1 and (jl.raw or "").strip() == "[":
                        _json_array(name)
                    yield Reject(jl.line, jl.error, jl.raw)
                elif isinstance(jl.value, dict):
                    yield make_document(jl.value, jl.line, text_field=text_field, id_field=id_field, raw=jl.raw)
                elif jl.line == 1 and isinstance(jl.value, list):
                    _json_array(name)
                else:
                    yield Reject(jl.line, f"expected a JSON object, got a {type(jl.value).__name__}", jl.raw)
        except (OSError, EOFError) as e:  # a truncated or corrupt .gz: the rest of the file cannot be read
            raise DataError(f"cannot read on: {e}", path=name) from None


def _json_array(name: str) -> None:
    raise DataError("this is a JSON array; rasd predict reads JSON Lines, one object per line "
                    "(convert with: jq -c '.[]' FILE > FILE.jsonl)", path=name)


def _read_csv(stream: IO[bytes], text_field: str, id_field: str, *, name: str) -> Iterator[InputItem]:
    # One news article can exceed the csv module's default 128 KiB field limit; raising the limit
    # (process-wide, the only way the module offers) is harmless, and it is done here, not at import.
    csv.field_size_limit(max(csv.field_size_limit(), 2**31 - 1))
    feed = _LineFeed(stream)
    reader = csv.reader(feed, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        stream.close()
        return iter(())
    except csv.Error as e:
        stream.close()
        raise DataError(f"cannot read the CSV header: {e}", path=name, line=1) from None
    except (OSError, EOFError) as e:
        stream.close()
        raise DataError(f"cannot read: {e}", path=name) from None
    twice = sorted({c for c in header if header.count(c) > 1})
    if twice:
        stream.close()
        raise DataError(f"the CSV header names the column(s) {', '.join(map(repr, twice))} more than once; "
                        "rename them so each column has one name", path=name, line=1)
    if text_field not in header:
        stream.close()
        raise DataError(f"the CSV header has no column {text_field!r} (columns: {', '.join(header)}); "
                        "choose the text column with --text-field", path=name, line=1)
    return _csv_rows(stream, feed, header, text_field, id_field, name)


def _csv_rows(stream: IO[bytes], feed: _LineFeed, header: list[str], text_field: str,
              id_field: str, name: str) -> Iterator[InputItem]:
    """Rows after the header. A row that cannot be parsed, or whose quote swallowed the lines after it
    (it spans several lines and has the wrong number of fields), is rejected ALONE: its first line
    becomes the reject and the lines after it are read again as rows of their own."""
    reader = csv.reader(feed, strict=True)
    with stream:
        try:
            while True:
                line = feed.consumed + 1
                feed.taken.clear()
                try:
                    row = next(reader)
                except StopIteration:
                    return
                except csv.Error as e:
                    reason = "unterminated quote" if "end of data" in str(e) or len(feed.taken) > 1 else str(e)
                    yield Reject(line, f"invalid CSV: {reason}", feed.raw_first() if len(feed.taken) > 1 else feed.raw())
                    feed.push_back_after_first()
                    reader = csv.reader(feed, strict=True)
                    continue
                if not row:
                    continue
                if len(row) != len(header) and len(feed.taken) > 1:
                    yield Reject(line, "invalid CSV: a quote opened on this line is not closed where the row "
                                       "ends (the lines after it are read as rows of their own)", feed.raw_first())
                    feed.push_back_after_first()
                    reader = csv.reader(feed, strict=True)
                    continue
                if any(_has_escaped_bytes(v) for v in row):
                    yield Reject(line, "not valid UTF-8", feed.raw())
                elif len(row) != len(header):
                    yield Reject(line, f"the row has {len(row)} fields and the header {len(header)}", feed.raw())
                else:
                    yield make_document(dict(zip(header, row, strict=True)), line, text_field=text_field, id_field=id_field,
                                        raw=feed.raw())
        except (OSError, EOFError) as e:
            raise DataError(f"cannot read on: {e}", path=name) from None


def _read_parquet(path: Path, text_field: str, id_field: str) -> Iterator[InputItem]:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise MissingExtraError("pyarrow", "parquet", "reading Parquet input") from None
    if not path.is_file():
        raise DataError("file not found", path=path)
    try:
        pf = pq.ParquetFile(path)
    except Exception as e:  # pyarrow raises ArrowInvalid/OSError subclasses we cannot import without it
        raise DataError(f"not a Parquet file: {e}", path=path) from None
    names = pf.schema_arrow.names
    if text_field not in names:
        raise DataError(f"the Parquet schema has no column {text_field!r} (columns: {', '.join(names)}); "
                        "choose the text column with --text-field", path=path)
    return _parquet_rows(pf, text_field, id_field)


def _parquet_rows(pf: Any, text_field: str, id_field: str) -> Iterator[InputItem]:
    n = 0
    try:
        for batch in pf.iter_batches(batch_size=_PARQUET_BATCH):
            for row in batch.to_pylist():
                n += 1
                yield make_document(row, n, text_field=text_field, id_field=id_field, raw=row)
    finally:
        pf.close()


def _read_txt_dir(root: Path) -> Iterator[InputItem]:
    """Every ``*.txt`` under ``root`` in sorted order (hidden files and folders skipped); the id is
    the relative path, the "line" of a reject the file's 1-based position in that order."""
    n = 0
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith(".") or not name.endswith(".txt"):
                continue
            n += 1
            path = Path(dirpath) / name
            rel = path.relative_to(root).as_posix()
            kind = entry_kind(path)
            if kind is not None:
                yield Reject(n, f"{rel}: {kind}, not a regular file; left out", rel)
                continue
            try:
                data = path.read_bytes()
            except FileNotFoundError:
                yield Reject(n, f"{rel}: the file vanished while the run was reading the folder", rel)
                continue
            except OSError as e:
                yield Reject(n, f"{rel}: cannot read ({e.strerror or e})", rel)
                continue
            enc = wide_encoding(data[:4])
            if enc is not None:
                yield Reject(n, f"{rel}: not valid UTF-8: the file is {enc} (convert it with iconv -t UTF-8)", rel)
                continue
            if data.startswith(_BOM):
                data = data[len(_BOM):]
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as e:
                yield Reject(n, f"{rel}: not valid UTF-8 (byte {e.start}: {data[e.start:e.start + 4]!r})", rel)
                continue
            yield DumpDocument(id=rel, text=text, meta={}, line=n)


# --- helpers -------------------------------------------------------------------------------------

def _open_bytes(source: str | Path, stdin: IO[bytes] | None) -> IO[bytes]:
    if str(source) == "-":
        stream: IO[bytes] = stdin if stdin is not None else sys.stdin.buffer
        peek = getattr(stream, "peek", None)
        if peek is not None and peek(2)[:2] == _GZIP_MAGIC:
            stream = gzip.GzipFile(fileobj=stream, mode="rb")  # type: ignore[assignment]
        head = stream.peek(4)[:4] if hasattr(stream, "peek") else b""
        check_encoding(head, "stdin")
        return stream
    path = Path(source)
    if not path.is_file():
        kind = entry_kind(path)
        raise DataError(f"not a regular file ({kind}); give a file" if kind else "file not found", path=path)
    try:
        stream = gzip.open(path, "rb") if path.suffix.lower() == ".gz" else open(path, "rb")  # type: ignore[assignment]
        head = stream.peek(4)[:4]  # type: ignore[attr-defined]
    except PermissionError:
        raise DataError("permission denied; make it readable", path=path) from None
    except (OSError, EOFError) as e:
        raise DataError(f"cannot read: {e}", path=path) from None
    try:
        check_encoding(head, str(path))
    except DataError:
        stream.close()
        raise
    return stream  # type: ignore[return-value]


def check_encoding(head: bytes, name: str) -> None:
    """Refuse a UTF-16/UTF-32 input at once, naming the encoding and the conversion."""
    enc = wide_encoding(head)
    if enc is not None:
        raise DataError(f"the file is {enc}, not UTF-8; convert it first: iconv -f {enc.rstrip('LBE')} -t UTF-8 "
                        f"{name if name != 'stdin' else 'FILE'} > converted", path=name)


class _LineFeed:
    """Lines for ``csv.reader``, decoded one at a time so that bytes that are not UTF-8 spoil one row
    only (they stay visible as surrogate escapes); keeps the current record's lines for rejects and
    can give back all but the first of them (a quote that swallowed the following rows)."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._lines = iter(stream)
        self._first = True
        self._back: list[str] = []
        self.taken: list[str] = []
        self.consumed = 0  # lines handed to the reader so far (the file's line number of the last one)

    def __iter__(self) -> _LineFeed:
        return self

    def __next__(self) -> str:
        if self._back:
            line = self._back.pop(0)
        else:
            raw = next(self._lines)
            if self._first:
                self._first = False
                if raw.startswith(_BOM):
                    raw = raw[len(_BOM):]
            line = raw.decode("utf-8", "surrogateescape")
        self.consumed += 1
        self.taken.append(line)
        return line

    def push_back_after_first(self) -> None:
        rest = self.taken[1:]
        self._back[:0] = rest
        self.consumed -= len(rest)
        self.taken = self.taken[:1]

    def raw(self) -> str:
        return _readable("".join(self.taken))

    def raw_first(self) -> str:
        return _readable(self.taken[0] if self.taken else "")


def _readable(text: str) -> str:
    return text.rstrip("\r\n").encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _has_escaped_bytes(value: str) -> bool:
    return _surrogate_at(value) is not None


def _surrogate_at(text: str) -> int | None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as e:
        return e.start
    return None
