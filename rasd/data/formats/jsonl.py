"""Canonical JSON Lines: the project's own format, read as a stream with line numbers."""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from rasd.data.records import Record
from rasd.errors import DataError


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
