"""Prediction output for ``rasd predict``: JSON Lines or a flat CSV table, the rejects file, and resume.

Output is append-only and written in input order, so a run that dies leaves a prefix of the
intended file: complete documents, then at most one incomplete one at the very end.
:func:`resume_output` relies on that: it collects the ids already written and cuts the
incomplete tail away, so appending the remaining documents gives every id exactly once.

* JSON Lines: one :meth:`DocumentPrediction.to_dict` object per line; a line is complete
  exactly when it ends with a newline (JSON escapes newlines inside strings), so resume cuts
  a last line without one.
* CSV: one row per slot (:data:`CSV_COLUMNS`, then the document's meta columns). A sentence
  without slots still gets one row with empty slot columns, and a document without event
  sentences (or empty) one row with empty sentence columns, so every document has rows and
  resume can see it. A document's rows can be cut anywhere (even inside a quoted field), so
  resume always drops the LAST document's rows and scores that document again.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Protocol

from rasd.errors import ConfigError, DataError
from rasd.inference.outputs import DocumentPrediction

OUTPUT_FORMATS = ("jsonl", "csv")
CSV_COLUMNS = (
    "id", "n_sentences", "sentence_start", "sentence_end", "sentence_text", "event_type", "event_score",
    "event_labels", "slot_label", "slot_text", "slot_start", "slot_end", "slot_score",
)
_BUFFER = 1 << 20
_JSONL_ID = re.compile(rb'\A\{"id": ("(?:[^"\\]|\\.)*")')


class PredictionWriter(Protocol):
    def write(self, doc: DocumentPrediction) -> None: ...

    def flush(self) -> None: ...

    def close(self) -> None: ...


# --- opening -------------------------------------------------------------------------------------

def open_output(path: Path | None, *, append: bool) -> IO[str]:
    """A UTF-8 text stream for ``path`` (stdout when None). Characters that UTF-8 cannot hold (a lone
    surrogate in an id or meta value) are written as ``\\udXXX`` escapes instead of failing mid-run."""
    if path is None:
        return _Stdout()
    path.parent.mkdir(parents=True, exist_ok=True)
    return open(path, "a" if append else "w", encoding="utf-8", errors="backslashreplace", newline="",
                buffering=_BUFFER)


class _Stdout(io.TextIOWrapper):
    """UTF-8 on stdout whatever the locale; closing flushes but leaves ``sys.stdout`` open."""

    def __init__(self) -> None:
        super().__init__(sys.stdout.buffer, encoding="utf-8", errors="backslashreplace", newline="")

    def close(self) -> None:
        try:
            self.flush()
        except BrokenPipeError:  # the reader went away (`| head`); the run already knows
            pass
        self.detach()


def make_writer(stream: IO[str], fmt: str, *, csv_columns: list[str] | None = None) -> PredictionWriter:
    """A writer for ``fmt`` on ``stream``; ``csv_columns`` is the header already in a resumed CSV file."""
    if fmt == "jsonl":
        return JsonlWriter(stream)
    if fmt == "csv":
        return CsvWriter(stream, columns=csv_columns)
    raise ConfigError(f"output format must be one of {', '.join(OUTPUT_FORMATS)}; got {fmt!r}")


# --- writers -------------------------------------------------------------------------------------

class JsonlWriter:
    """One JSON object per document (Arabic unescaped).

    >>> buf = io.StringIO()
    >>> JsonlWriter(buf).write(DocumentPrediction(id="a", n_sentences=2, meta={"source": "x"}))
    >>> buf.getvalue()
    '{"id": "a", "sentences": [], "n_sentences": 2, "meta": {"source": "x"}}\\n'
    """

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream

    def write(self, doc: DocumentPrediction) -> None:
        self.stream.write(json.dumps(doc.to_dict(), ensure_ascii=False, default=json_default) + "\n")

    def flush(self) -> None:
        self.stream.flush()

    def close(self) -> None:
        self.stream.close()


class CsvWriter:
    """The flat table: :data:`CSV_COLUMNS` then one column per meta field of the FIRST document.

    The meta columns are fixed by the first document (a stream cannot look ahead); meta fields
    that later documents add are left out of the CSV (JSON Lines keeps everything). A meta field
    named like a fixed column gets a ``meta_`` prefix.
    """

    def __init__(self, stream: IO[str], *, columns: list[str] | None = None) -> None:
        self.stream = stream
        self._csv = csv.writer(stream, lineterminator="\n")
        self.columns = list(columns) if columns is not None else None
        self._meta: list[tuple[str, str]] = []  # (column, meta key)
        if self.columns is not None:
            check_csv_header(self.columns)
            self._meta = [(c, meta_key(c)) for c in self.columns[len(CSV_COLUMNS):]]

    def write(self, doc: DocumentPrediction) -> None:
        if self.columns is None:
            self._header(list(doc.meta))
        meta = [format_cell(doc.meta.get(key)) for _, key in self._meta]
        self._csv.writerows(row + meta for row in csv_rows(doc))

    def flush(self) -> None:
        self.stream.flush()

    def close(self) -> None:
        if self.columns is None:
            self._header([])
        self.stream.close()

    def _header(self, keys: list[str]) -> None:
        self._meta = [(meta_column(k), k) for k in keys]
        self.columns = [*CSV_COLUMNS, *(c for c, _ in self._meta)]
        self._csv.writerow(self.columns)


def csv_rows(doc: DocumentPrediction) -> Iterator[list[Any]]:
    """The :data:`CSV_COLUMNS` cells of one document's rows (never none: see the module docstring).

    >>> from rasd.inference.outputs import SentencePrediction
    >>> doc = DocumentPrediction("a", [SentencePrediction(0, 4, "قصف.", "attack", 0.9, ["attack"])], 1)
    >>> list(csv_rows(doc))
    [['a', 1, 0, 4, 'قصف.', 'attack', 0.9, 'attack', '', '', '', '', '']]
    """
    if not doc.sentences:
        yield [doc.id, doc.n_sentences, *[""] * (len(CSV_COLUMNS) - 2)]
        return
    for s in doc.sentences:
        head = [doc.id, doc.n_sentences, s.start, s.end, s.text, _cell(s.event_type), _cell(s.event_score),
                "|".join(s.event_labels)]
        if not s.slots:
            yield head + [""] * 5
        for slot in s.slots:
            yield head + [slot.label, slot.text, slot.start, slot.end, slot.score]


def meta_column(key: str) -> str:
    return f"meta_{key}" if key in CSV_COLUMNS else key


def meta_key(column: str) -> str:
    return column[5:] if column.startswith("meta_") and column[5:] in CSV_COLUMNS else column


def format_cell(value: Any) -> Any:
    """A meta value as a CSV cell: scalars as they are, dates in ISO form, lists/dicts as JSON."""
    if value is None:
        return ""
    if isinstance(value, (str, int, float)):
        return value
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return json.dumps(value, ensure_ascii=False, default=json_default)


def _cell(value: Any) -> Any:
    return "" if value is None else value


def json_default(value: Any) -> Any:
    """Meta values JSON has no type for (Parquet timestamps, decimals, bytes): dates in ISO form, the
    rest as strings, so an odd column never stops a run."""
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", "replace")
    return str(value)


def check_csv_header(columns: list[str]) -> None:
    if tuple(columns[: len(CSV_COLUMNS)]) != CSV_COLUMNS:
        raise ConfigError(f"the CSV header {', '.join(columns[:4])}, ... is not the one `rasd predict --format csv` "
                          "writes; resume only a file this command wrote, with the same --format")


# --- rejects -------------------------------------------------------------------------------------

class RejectsWriter:
    """``{"line", "reason", "raw"}`` per line; the file is created by the first reject only."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0
        self._stream: IO[str] | None = None

    def write(self, reject: Any) -> None:
        if self._stream is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._stream = open(self.path, "w", encoding="utf-8", errors="backslashreplace", newline="")
        self._stream.write(json.dumps(reject.to_dict(), ensure_ascii=False, default=json_default) + "\n")
        self.count += 1

    def flush(self) -> None:
        if self._stream is not None:
            self._stream.flush()

    def close(self) -> None:
        if self._stream is not None:
            self._stream.close()


def rejects_path_for(output: Path | None) -> Path:
    """``out.jsonl`` -> ``out.rejects.jsonl``; stdout -> ``stdout.rejects.jsonl`` in the working folder."""
    if output is None:
        return Path("stdout.rejects.jsonl")
    stem = output.name[: -len(output.suffix)] if output.suffix else output.name
    return output.with_name(f"{stem}.rejects.jsonl")


# --- the run record ------------------------------------------------------------------------------

def run_record_path(output: Path) -> Path:
    """``out.jsonl`` -> ``out.run.json``: what produced the output, so --resume can check it is the same run."""
    stem = output.name[: -len(output.suffix)] if output.suffix else output.name
    return output.with_name(f"{stem}.run.json")


def model_fingerprint(model_dir: str | Path | None) -> str:
    """sha256 of the model's config.json and weights (model.safetensors, pytorch_model.bin, model.onnx)."""
    import hashlib

    if model_dir is None:
        return "unknown"
    h = hashlib.sha256()
    root = Path(model_dir)
    for name in ("config.json", "model.safetensors", "pytorch_model.bin", "model.onnx"):
        p = root / name
        if p.is_file():
            h.update(name.encode())
            with open(p, "rb") as f:
                while chunk := f.read(1 << 20):
                    h.update(chunk)
    return h.hexdigest()


def check_run_record(output: Path, expected: dict[str, Any]) -> None:
    """Refuse to resume ``output`` when it was written by a different run (model, backend, id or text
    field, format, rasd version) or when nothing says what wrote it."""
    record = run_record_path(output)
    try:
        found = json.loads(record.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{output}: --resume, but {record.name} (the record of the run that wrote it) is missing, "
                          "so there is no telling what the file holds; run without --resume into a new file") from None
    except (OSError, ValueError) as e:
        raise ConfigError(f"{record}: unreadable run record ({e}); run without --resume into a new file") from None
    for key, want in expected.items():
        if found.get(key) != want:
            raise ConfigError(f"{output}: --resume with {key} {want!r}, but the output was written with "
                              f"{found.get(key)!r}; resume with the first run's settings or write a new file")


def write_run_record(output: Path, record: dict[str, Any]) -> None:
    from rasd.safe_io import atomic_output

    with atomic_output(run_record_path(output)) as tmp:
        tmp.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")


# --- resume --------------------------------------------------------------------------------------

@dataclass
class ResumeState:
    """What an earlier run left in OUTPUT, after :func:`resume_output` cut its incomplete tail."""

    ids: set[str] = field(default_factory=set)
    csv_columns: list[str] | None = None  # the CSV header already in the file
    truncated_bytes: int = 0  # how much of an incomplete tail was cut
    exists: bool = False  # False: nothing to resume, write a fresh file
    set_aside: list[tuple[int, str]] = field(default_factory=list)  # (line, text) of complete lines cut as invalid


def resume_output(path: Path, *, fmt: str) -> ResumeState:
    """Collect the ids already in ``path`` and TRUNCATE the file after its last complete document.

    JSON Lines: a last line without its newline is cut. CSV: the last document's rows are cut
    (they may be incomplete; that one document is scored again). A file that does not look like
    ``fmt`` raises :class:`~rasd.errors.ConfigError` rather than being cut.

    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "out.jsonl"
    >>> _ = p.write_text('{"id": "a", "sentences": []}\\n{"id": "b", "sent', encoding="utf-8")
    >>> state = resume_output(p, fmt="jsonl")
    >>> sorted(state.ids), state.truncated_bytes, p.read_text(encoding="utf-8")
    (['a'], 17, '{"id": "a", "sentences": []}\\n')
    """
    if not path.is_file() or path.stat().st_size == 0:
        return ResumeState()
    if fmt == "jsonl":
        ids, keep, columns = *_scan_jsonl(path), None
    elif fmt == "csv":
        ids, keep, columns = _scan_csv(path)
    else:
        raise ConfigError(f"output format must be one of {', '.join(OUTPUT_FORMATS)}; got {fmt!r}")
    size = path.stat().st_size
    set_aside: list[tuple[int, str]] = []
    if keep < size:
        with open(path, "r+b") as f:
            f.seek(keep)
            tail = f.read()
            first = path.read_bytes()[:keep].count(b"\n") + 1
            for n, raw in enumerate(tail.splitlines(keepends=True), start=first):
                if raw.endswith(b"\n") and raw.strip():
                    set_aside.append((n, raw.rstrip(b"\r\n").decode("utf-8", "replace")))
            f.truncate(keep)
    return ResumeState(ids=ids, csv_columns=columns, truncated_bytes=size - keep, exists=keep > 0,
                       set_aside=set_aside if fmt == "jsonl" else [])


def _scan_jsonl(path: Path) -> tuple[set[str], int]:
    ids: set[str] = set()
    offset = 0
    bad: tuple[int, int] | None = None  # (offset, line) of the first line that is not a document
    with open(path, "rb") as f:
        if f.read(1) not in (b"{", b"\n"):
            raise ConfigError(f"{path}: --resume with --format jsonl, but the file is not JSON Lines written by "
                              "rasd predict; resume with the --format of the first run")
        f.seek(0)
        for n, raw in enumerate(f, start=1):
            doc_id = _jsonl_id(raw) if raw.endswith(b"\n") else None
            if doc_id is None and raw.strip(b"\r\n"):
                bad = bad or (offset, n)
            elif doc_id is not None:
                if bad is not None:
                    raise DataError("not a document prediction, but complete ones follow it: this is not a file "
                                    "cut short by a killed run, so --resume will not touch it", path=path, line=bad[1])
                ids.add(doc_id)
            offset += len(raw)
    return ids, bad[0] if bad else offset


def _jsonl_id(raw: bytes) -> str | None:
    """The id of a COMPLETE, valid prediction line, else None: the whole line is parsed (a line whose
    beginning looks right but whose end is cut or corrupt is not done), and it must be an object
    with a string id and a list of sentences, as the writer makes it."""
    if not _JSONL_ID.match(raw):
        return None
    try:
        obj = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None
    if not (isinstance(obj, dict) and isinstance(obj.get("id"), str) and isinstance(obj.get("sentences"), list)):
        return None
    return obj["id"]


def _scan_csv(path: Path) -> tuple[set[str], int, list[str] | None]:
    ids: set[str] = set()
    with open(path, "rb") as f:
        feed = _OffsetLines(f)
        reader = csv.reader(feed)
        header = next(reader, None)
        if header is None or not feed.newline:
            return ids, 0, None  # not even a whole header: start the file again
        check_csv_header(header)
        group_id, group_start = None, feed.pos  # the current (last) document's id and first row
        bad: int | None = None
        while True:
            start = feed.pos
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error:
                bad = start if bad is None else bad
                continue
            if not feed.newline or len(row) != len(header):
                bad = start if bad is None else bad
                continue
            if bad is not None:
                raise DataError("a malformed row is followed by complete ones: this is not a file cut short by "
                                "a killed run, so --resume will not touch it", path=path)
            if row[0] != group_id:
                if group_id is not None:
                    ids.add(group_id)
                group_id, group_start = row[0], start
        keep = group_start if group_id is not None else (bad if bad is not None else feed.pos)
    return ids, keep, header


class _OffsetLines:
    """Decoded lines for ``csv.reader`` that count the bytes consumed (the reader never reads ahead,
    so after each record ``pos`` is where the next one starts)."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._lines = iter(stream)
        self.pos = 0
        self.newline = True

    def __iter__(self) -> _OffsetLines:
        return self

    def __next__(self) -> str:
        raw = next(self._lines)
        self.pos += len(raw)
        self.newline = raw.endswith(b"\n")
        return raw.decode("utf-8", "surrogateescape")
