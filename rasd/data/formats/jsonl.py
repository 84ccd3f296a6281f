"""Canonical JSON Lines: the project's own format, read as a stream with line numbers."""

from __future__ import annotations

import codecs
import gzip
import io
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from rasd.data.formats.base import Item, ReadStats
from rasd.data.records import Record
from rasd.errors import DataError, FormatError


@dataclass(frozen=True)
class JsonLine:
    """One non-blank line of a JSON Lines file: the parsed value, or why it could not be parsed."""

    line: int
    value: Any = None
    error: str | None = None
    raw: str | None = None


def open_text(path: str | Path) -> IO[bytes]:
    """Open a possibly gzipped file as bytes; decoding is per line so one bad line cannot stop a stream."""
    path = Path(path)
    if not path.is_file():
        raise DataError("file not found", path=path)
    return gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")


def iter_json_lines(stream: Iterable[bytes]) -> Iterator[JsonLine]:
    """Parse each line independently; report invalid UTF-8 and invalid JSON instead of raising."""
    for n, raw in enumerate(stream, start=1):
        if n == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            yield JsonLine(n, error=f"not valid UTF-8 (byte {e.start}: {raw[e.start:e.start + 4]!r})",
                           raw=raw.decode("utf-8", "replace").rstrip("\r\n"))
            continue
        if not line.strip():
            continue
        try:
            yield JsonLine(n, value=json.loads(line), raw=line.rstrip("\r\n"))
        except json.JSONDecodeError as e:
            yield JsonLine(n, error=f"invalid JSON: {e.msg} (column {e.colno})", raw=line.rstrip("\r\n"))


def read_jsonl(path: str | Path) -> Iterator[Record]:
    """Stream canonical records; the first malformed line raises :class:`DataError` naming file and line.

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "x.jsonl")
    >>> _ = open(p, "w").write('{"id": "a", "text": "قصف"}\\n')
    >>> [r.text for r in read_jsonl(p)]
    ['قصف']
    """
    with open_text(path) as f:
        for jl in iter_json_lines(f):
            if jl.error:
                raise DataError(jl.error, path=path, line=jl.line)
            yield Record.from_dict(jl.value, path=str(path), line=jl.line)


def iter_jsonl_items(path: str | Path, *, stats: ReadStats | None = None) -> Iterator[Item]:
    """Canonical records as items: a bad line becomes an error item and the stream goes on."""
    yield from iter_line_items(path, lambda value, line: Record.from_dict(value, path=str(path), line=line))


def iter_line_items(path: str | Path, build: Callable[[Any, int], Record | None]) -> Iterator[Item]:
    """The items of a JSON Lines file, one per line, for the importers that read one record a line.

    ``build(value, line)`` makes the record from a parsed line; a line that is not valid JSON, or
    whose ``build`` raises :class:`DataError`, becomes an error item and reading goes on; a line
    ``build`` returns ``None`` for (a skipped task, already counted) yields nothing.

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "x.jsonl")
    >>> _ = open(p, "w").write('{"id": "a", "text": "قصف"}\\n{oops\\n')
    >>> [(i.line, i.record is not None, i.error is not None)
    ...  for i in iter_line_items(p, lambda v, n: Record.from_dict(v, line=n))]
    [(1, True, False), (2, False, True)]
    """
    with open_text(path) as f:
        for jl in iter_json_lines(f):
            if jl.error:
                yield Item(jl.line, error=DataError(jl.error, path=path, line=jl.line), raw=jl.raw)
                continue
            try:
                record = build(jl.value, jl.line)
            except DataError as e:
                yield Item(jl.line, error=e, raw=jl.value)
                continue
            if record is not None:
                yield Item(jl.line, record=record, raw=jl.value)


def iter_json_array(stream: IO[bytes], *, path: str | Path | None = None,
                    chunk_size: int = 1 << 16) -> Iterator[tuple[int, Any]]:
    """Stream the elements of a top-level JSON list as ``(line, value)`` without loading the file.

    The stdlib has no streaming JSON parser, so this reads chunks and lets
    :meth:`json.JSONDecoder.raw_decode` take one element at a time; an element cut by the chunk
    end is retried with more text (the read size doubles, so a huge element costs linear time).
    A malformed list raises :class:`~rasd.errors.FormatError` with the line: a JSON list cannot be
    resynchronised after a syntax error, so there is no skipping past it.

    >>> [v for _, v in iter_json_array(io.BytesIO(b'[{"a": 1},\\n {"a": 2}]'))]
    [{'a': 1}, {'a': 2}]
    """
    decoder = json.JSONDecoder()
    reader = codecs.getincrementaldecoder("utf-8-sig")()
    buf, pos, base_line, eof = "", 0, 1, False

    def more() -> None:
        nonlocal buf, pos, base_line, eof
        base_line += buf.count("\n", 0, pos)
        buf, pos = buf[pos:], 0
        want = max(chunk_size, len(buf))
        try:
            chunk = stream.read(want)
            buf += reader.decode(chunk, final=not chunk)
        except UnicodeDecodeError as e:
            raise FormatError(f"not valid UTF-8 near line {base_line + buf.count(chr(10))}: {e.reason}",
                              path=path) from None
        eof = not chunk

    def line_at(i: int) -> int:
        return base_line + buf.count("\n", 0, i)

    def next_char() -> str:
        nonlocal pos
        while True:
            while pos < len(buf) and buf[pos] in " \t\r\n":
                pos += 1
            if pos < len(buf) or eof:
                return buf[pos] if pos < len(buf) else ""
            more()

    if next_char() != "[":
        raise FormatError("expected a JSON list ('[' ...)", path=path, line=line_at(pos))
    pos += 1
    first = True
    while True:
        c = next_char()
        if c == "]":
            pos += 1
            if next_char():
                raise FormatError("unexpected text after the end of the JSON list", path=path, line=line_at(pos))
            return
        if not c:
            raise FormatError("the file ends before the JSON list is closed with ']'", path=path, line=line_at(pos))
        if not first:
            if c != ",":
                raise FormatError(f"expected ',' or ']' between list elements, found {c!r}", path=path,
                                  line=line_at(pos))
            pos += 1
            next_char()
        first = False
        while True:
            try:
                value, end = decoder.raw_decode(buf, pos)
                if end < len(buf) or eof:
                    break
            except json.JSONDecodeError as e:
                if eof:
                    raise FormatError(f"invalid JSON: {e.msg}", path=path, line=line_at(e.pos)) from None
            more()
        yield line_at(pos), value
        pos = end


def write_jsonl(records: Iterable[Record], path: str | Path | IO[str]) -> int:
    """Write records one per line (UTF-8, Arabic unescaped); returns how many were written."""
    n = 0
    own = not isinstance(path, io.TextIOBase)
    f = open(path, "w", encoding="utf-8") if own else path  # type: ignore[arg-type]
    try:
        for r in records:
            f.write(json.dumps(r.to_dict(), ensure_ascii=False) + "\n")
            n += 1
    finally:
        if own:
            f.close()
    return n
