"""Distributed batch scoring on Ray Data: the engine behind ``rasd predict --engine ray``.

The scoring code is the single-process code: a pool of Ray Data actors each loads one
:class:`~rasd.inference.extractor.Extractor` (once, in ``__init__``) and ``map_batches`` hands it
blocks of input rows. Ray does the scheduling, retries and backpressure; nothing here starts
processes itself. The driver streams the scored rows back and writes them, so the output file
has the records ``rasd predict`` writes in one process, and malformed input rows go to
``OUTPUT.rejects.jsonl`` with their file, line and reason instead of stopping the run.

The input is read by two small Ray datasources rather than ``ray.data.read_json``: that reader
parses with pandas/Arrow type inference, so one malformed line fails the whole file and
pass-through fields change type (the id ``"007"`` becomes ``7``). Here each line travels as raw
text with its line number and is parsed in the actor with ``json.loads``, exactly as in one
process. Parquet is read row group by row group with the row number added for the same reason.

The model directory only has to exist where the driver runs: its files are put in Ray's object
store once and each actor loads them from a temporary directory on its own node.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from rasd.errors import ConfigError, DataError, MissingExtraError

try:
    import pyarrow as pa
    import pyarrow.parquet as pq
    import ray
    import ray.data
    from ray.data.datasource import FileBasedDatasource
except ImportError as e:  # pragma: no cover - exercised by the missing-extra test with ray hidden
    raise MissingExtraError("ray", "ray", "--engine ray") from e

from rasd.data.formats.jsonl import iter_json_lines
from rasd.inference.extractor import Extractor, InputDocument
from rasd.inference.outputs import DocumentPrediction

JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz", ".json", ".json.gz")
PARQUET_SUFFIXES = (".parquet", ".pq")
INPUT_FORMATS = ("jsonl", "parquet")
OUTPUT_FORMATS = ("jsonl", "csv")
CSV_COLUMNS = ("id", "sentence_start", "sentence_end", "event_type", "event_score", "label", "text", "start", "end",
               "score")

# What the actors return per input row. ``payload`` is the JSON text of the output record (or of the reject).
OK, REJECT, SKIP = "ok", "reject", "skip"
RESULT_SCHEMA = pa.schema([("kind", pa.string()), ("id", pa.string()), ("payload", pa.large_string()),
                           ("sentences", pa.int64()), ("reported", pa.int64()), ("slots", pa.int64())])
LINE_SCHEMA = pa.schema([("path", pa.string()), ("line", pa.int64()), ("raw", pa.large_string()),
                         ("error", pa.string())])
PATH_COLUMN, LINE_COLUMN = "__rasd_path", "__rasd_line"


# --- summary -------------------------------------------------------------------------------------

@dataclass
class RayPredictSummary:
    """What a Ray scoring run did; ``render()`` is what ``rasd predict --engine ray`` prints."""

    output: Path | None
    format: str
    workers: int
    gpus_per_worker: float
    documents: int = 0
    sentences: int = 0
    reported_sentences: int = 0
    slots: int = 0
    rejected: int = 0
    skipped: int = 0
    rejects_path: Path | None = None
    seconds: float = 0.0
    ray_address: str = ""
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"output": str(self.output) if self.output else None, "format": self.format, "engine": "ray",
                "workers": self.workers, "gpus_per_worker": self.gpus_per_worker, "documents": self.documents,
                "sentences": self.sentences, "reported_sentences": self.reported_sentences, "slots": self.slots,
                "rejected": self.rejected, "skipped": self.skipped,
                "rejects": str(self.rejects_path) if self.rejects_path else None, "seconds": round(self.seconds, 3),
                "ray_address": self.ray_address}

    def render(self) -> str:
        rate = self.documents / self.seconds if self.seconds > 0 else 0.0
        lines = [f"scored {self.documents} document(s) ({self.sentences} sentences; {self.reported_sentences} written "
                 f"with {self.slots} slot(s)) on {self.workers} Ray worker(s) in {self.seconds:.1f}s "
                 f"({rate:.1f} docs/s) -> {self.output or 'stdout'}"]
        if self.skipped:
            lines.append(f"skipped {self.skipped} document(s) already in the output (--resume)")
        if self.rejected:
            lines.append(f"rejected {self.rejected} input row(s): reasons in {self.rejects_path}")
        lines.extend(self.notes)
        return "\n".join(lines)


# --- entry point ---------------------------------------------------------------------------------

def predict_with_ray(
    model: str | Path,
    input: str | Path,
    *,
    ray_address: str | None = None,
    num_workers: int = 2,
    gpus_per_worker: float = 0.0,
    cpus_per_worker: float = 1.0,
    output: str | Path | None = None,
    text_field: str = "text",
    id_field: str = "id",
    device: str = "auto",
    dtype: str = "auto",
    batch_size: int = 32,
    resume: bool = False,
    fmt: str = "jsonl",
    all_sentences: bool = False,
    backend: str = "torch",
    input_format: str | None = None,
    rows_per_block: int = 64,
    keep_order: bool = True,
) -> RayPredictSummary:
    """Score a JSON Lines or Parquet dump on Ray and write one record per document, like ``predict_file``.

    Connects to ``ray_address`` (``"auto"``, ``"ray://head:10001"``...), joins the Ray already
    initialized in this process, or starts a local one (and shuts it down at the end).
    ``num_workers`` actors each hold one copy of the model; with ``gpus_per_worker=1`` Ray gives
    each its own GPU. ``input`` may be a file, a directory of files or a URI Ray's filesystems
    read (``s3://...``); on a multi-node cluster it must be readable from every node.
    ``rows_per_block`` documents travel together (the unit of work handed to an actor);
    ``keep_order`` writes documents in input order (a little slower than completion order).

    >>> summary = predict_with_ray("runs/compact", "data/samples/news_dump.jsonl",  # doctest: +SKIP
    ...                            output="predictions.jsonl", num_workers=2)
    >>> summary.documents, summary.rejected  # doctest: +SKIP
    (295, 5)
    """
    started = time.perf_counter()
    _check_options(num_workers=num_workers, gpus_per_worker=gpus_per_worker, cpus_per_worker=cpus_per_worker,
                   device=device, fmt=fmt, batch_size=batch_size, rows_per_block=rows_per_block, resume=resume,
                   output=output)
    model_files = pack_model(model)
    kind = input_format or sniff_input_format(input)
    if kind not in INPUT_FORMATS:
        raise ConfigError(f"--engine ray reads {' or '.join(INPUT_FORMATS)}; got input format {kind!r}")
    out_path = Path(output) if output is not None else None
    done_ids = existing_ids(out_path, fmt) if resume and out_path is not None else set()

    own_ray = not ray.is_initialized()
    if own_ray:
        ray.init(address=ray_address, include_dashboard=False, log_to_driver=True, logging_level="WARNING")
    try:
        summary = RayPredictSummary(output=out_path, format=fmt, workers=num_workers, gpus_per_worker=gpus_per_worker,
                                    ray_address=ray_address or "local")
        dataset = _build_dataset(
            str(input), kind, model_files=ray.put(model_files), rows_per_block=rows_per_block,
            num_workers=num_workers, gpus_per_worker=gpus_per_worker, cpus_per_worker=cpus_per_worker,
            scorer_options=dict(device=_actor_device(device, gpus_per_worker), dtype=dtype, batch_size=batch_size,
                                backend=backend, all_sentences=all_sentences, text_field=text_field,
                                id_field=id_field, skip_ids=frozenset(done_ids)),
        )
        dataset.context.execution_options.preserve_order = keep_order
        _write_results(dataset.iter_batches(batch_format="pyarrow", batch_size=None), summary, out_path, fmt=fmt,
                       append=bool(done_ids))
    finally:
        if own_ray:
            ray.shutdown()
    summary.seconds = time.perf_counter() - started
    return summary


def _check_options(*, num_workers: int, gpus_per_worker: float, cpus_per_worker: float, device: str, fmt: str,
                   batch_size: int, rows_per_block: int, resume: bool, output: str | Path | None) -> None:
    if num_workers < 1:
        raise ConfigError(f"--num-workers must be 1 or more; got {num_workers}")
    if gpus_per_worker < 0 or cpus_per_worker < 0:
        raise ConfigError("--gpus-per-worker and cpus_per_worker must be 0 or more")
    if gpus_per_worker > 0 and not (device == "auto" or device.startswith("cuda")):
        raise ConfigError(f"--gpus-per-worker {gpus_per_worker} with --device {device}: use --device auto "
                          "(Ray gives each worker its GPU) or --gpus-per-worker 0 for CPU workers")
    if gpus_per_worker > 0 and device.startswith("cuda:"):
        raise ConfigError(f"--device {device}: with --engine ray each worker sees only the GPU Ray gave it; "
                          "use --device auto or cuda")
    if fmt not in OUTPUT_FORMATS:
        raise ConfigError(f"--format must be one of {', '.join(OUTPUT_FORMATS)}; got {fmt!r}")
    if batch_size < 1 or rows_per_block < 1:
        raise ConfigError("batch_size and rows_per_block must be 1 or more")
    if resume and output is None:
        raise ConfigError("--resume needs -o/--output (the file to continue)")


def _actor_device(device: str, gpus_per_worker: float) -> str:
    """CPU actors must not pick up a GPU Ray did not give them (``auto`` would take cuda:0 on a GPU node)."""
    if gpus_per_worker > 0:
        return "auto" if device == "auto" else "cuda"
    return "cpu" if device == "auto" else device


# --- input ---------------------------------------------------------------------------------------

def sniff_input_format(path: str | Path) -> str:
    """``jsonl`` or ``parquet`` from the file name, or from the files of a local directory."""
    name = str(path).lower()
    if name.endswith(PARQUET_SUFFIXES):
        return "parquet"
    if name.endswith(JSONL_SUFFIXES):
        return "jsonl"
    local = Path(path)
    if "://" not in name and local.is_dir():
        names = [p.name.lower() for p in local.iterdir() if p.is_file()]
        for kind, suffixes in (("parquet", PARQUET_SUFFIXES), ("jsonl", JSONL_SUFFIXES)):
            if any(n.endswith(suffixes) for n in names):
                return kind
        raise DataError("no .jsonl or .parquet files in this directory (--engine ray reads those)", path=path)
    if "://" not in name and str(path) != "-" and not local.exists():
        raise DataError("file not found", path=path)
    raise ConfigError(f"{path}: --engine ray reads JSON Lines (.jsonl, .jsonl.gz) or Parquet; convert the input "
                      "or use --engine local (CSV, .txt directories and stdin)")


def _byte_lines(f: Any, chunk_size: int = 1 << 20) -> Iterator[bytes]:
    """Lines of a binary stream without loading it (Arrow's input streams have no ``readline``)."""
    rest = b""
    while chunk := f.read(chunk_size):
        parts = (rest + chunk).split(b"\n")
        rest = parts.pop()
        for part in parts:
            yield part + b"\n"
    if rest:
        yield rest


class JsonLinesSource(FileBasedDatasource):
    """Raw lines of JSON Lines files with their numbers; invalid UTF-8 or JSON is kept as a row with its error."""

    def __init__(self, paths: str | list[str], *, rows_per_block: int = 64) -> None:
        super().__init__(paths)
        self.rows_per_block = rows_per_block

    def _read_stream(self, f: Any, path: str) -> Iterator[pa.Table]:
        rows: list[dict[str, Any]] = []
        for jl in iter_json_lines(_byte_lines(f)):
            rows.append({"path": path, "line": jl.line, "raw": jl.raw, "error": jl.error})
            if len(rows) >= self.rows_per_block:
                yield pa.Table.from_pylist(rows, schema=LINE_SCHEMA)
                rows = []
        if rows:
            yield pa.Table.from_pylist(rows, schema=LINE_SCHEMA)


class ParquetRowsSource(FileBasedDatasource):
    """Parquet rows as they are, plus the file and 1-based row number (for ids and rejects)."""

    def __init__(self, paths: str | list[str], *, rows_per_block: int = 64) -> None:
        super().__init__(paths, file_extensions=[s.lstrip(".") for s in PARQUET_SUFFIXES])
        self.rows_per_block = rows_per_block

    def _open_input_source(self, filesystem: Any, path: str, **open_args: Any) -> Any:
        return filesystem.open_input_file(path)  # Parquet needs random access, not a stream

    def _read_stream(self, f: Any, path: str) -> Iterator[pa.Table]:
        row = 0
        for batch in pq.ParquetFile(f).iter_batches(batch_size=self.rows_per_block):
            table = pa.Table.from_batches([batch])
            n = table.num_rows
            table = table.append_column(PATH_COLUMN, pa.array([path] * n, pa.string()))
            yield table.append_column(LINE_COLUMN, pa.array(range(row + 1, row + n + 1), pa.int64()))
            row += n


def pack_model(path: str | Path) -> dict[str, bytes]:
    """The files of a saved model directory (top level only: no Trainer checkpoints), to ship to the actors."""
    from rasd.inference.loading import load_config

    path = Path(path)
    load_config(path)  # a clear error here, before any actor starts
    return {p.name: p.read_bytes() for p in sorted(path.iterdir()) if p.is_file()}


def _build_dataset(input: str, kind: str, *, model_files: Any, rows_per_block: int, num_workers: int,
                   gpus_per_worker: float, cpus_per_worker: float, scorer_options: dict[str, Any]) -> ray.data.Dataset:
    source_cls = ParquetRowsSource if kind == "parquet" else JsonLinesSource
    dataset = ray.data.read_datasource(source_cls(input, rows_per_block=rows_per_block))
    return dataset.map_batches(
        BatchScorer,
        batch_format="pyarrow",
        batch_size=rows_per_block,
        concurrency=num_workers,
        num_gpus=gpus_per_worker,
        num_cpus=cpus_per_worker,
        fn_constructor_kwargs={"model_files": [model_files], **scorer_options},
    )


# --- the actor -----------------------------------------------------------------------------------

class BatchScorer:
    """A Ray Data actor: loads the model once, then scores each batch of input rows it is handed.

    Each input row becomes one output row: the prediction record's JSON (``kind="ok"``), a reject
    with its reason (``"reject"``), or nothing for an id already in the output (``"skip"``).
    """

    def __init__(self, model_files: list[Any], *, device: str, dtype: str, batch_size: int, backend: str,
                 all_sentences: bool, text_field: str, id_field: str, skip_ids: frozenset[str]) -> None:
        files = ray.get(model_files[0])  # wrapped in a list so Ray hands over the reference, not a copy per call
        with tempfile.TemporaryDirectory(prefix="rasd-model-") as tmp:
            for name, data in files.items():
                Path(tmp, name).write_bytes(data)
            self.extractor = Extractor.from_pretrained(tmp, device=device, dtype=dtype, batch_size=batch_size,
                                                       backend=backend)
        self.all_sentences = all_sentences
        self.text_field, self.id_field = text_field, id_field
        self.skip_ids = skip_ids

    def __call__(self, batch: pa.Table) -> pa.Table:
        results: list[dict[str, Any] | None] = []
        docs: list[InputDocument] = []
        for row in batch.to_pylist():
            doc = self._document(row)
            if isinstance(doc, dict):
                results.append(doc)
            elif doc.id in self.skip_ids:
                results.append({"kind": SKIP, "id": doc.id, "payload": ""})
            else:
                results.append(None)
                docs.append(doc)
        predictions = iter(self.extractor.predict(docs, all_sentences=self.all_sentences))
        columns: dict[str, list[Any]] = {name: [] for name in RESULT_SCHEMA.names}
        for result in results:
            if result is None:
                pred = next(predictions)
                result = {"kind": OK, "id": pred.id, "payload": record_json(pred), "sentences": pred.n_sentences,
                          "reported": len(pred.sentences), "slots": sum(len(s.slots) for s in pred.sentences)}
            for name in RESULT_SCHEMA.names:
                columns[name].append(result.get(name, 0))
        return pa.Table.from_pydict(columns, schema=RESULT_SCHEMA)

    def _document(self, row: dict[str, Any]) -> InputDocument | dict[str, Any]:
        """The document of one input row, or the reject row saying why there is none."""
        if LINE_COLUMN in row:  # Parquet: the row is the record
            path, line = row.pop(PATH_COLUMN), row.pop(LINE_COLUMN)
            obj: Any = row
        else:
            path, line = row["path"], row["line"]
            if row["error"]:
                return reject_row(path, line, row["error"], raw=row["raw"])
            obj = json.loads(row["raw"])
        return input_document(obj, path=path, line=line, text_field=self.text_field, id_field=self.id_field)


def input_document(obj: Any, *, path: str, line: int, text_field: str, id_field: str) -> InputDocument | dict[str, Any]:
    """One input record as an :class:`InputDocument`; a reject row when it has no usable text.

    The id is the ``id_field`` value as a string (the line number when absent); every other
    field except the text is passed through as ``meta``.
    """
    if not isinstance(obj, dict):
        return reject_row(path, line, f"expected a JSON object, got {type(obj).__name__}", record=obj)
    text = obj.get(text_field)
    if text is None:
        return reject_row(path, line, f"no {text_field!r} field (set --text-field)", record=obj)
    if not isinstance(text, str):
        return reject_row(path, line, f"{text_field!r} is a {type(text).__name__}, not text", record=obj)
    if not text.strip():
        return reject_row(path, line, f"{text_field!r} is empty", record=obj)
    doc_id = obj.get(id_field)
    meta = {k: v for k, v in obj.items() if k not in (text_field, id_field)}
    return InputDocument(id=str(doc_id) if doc_id is not None else str(line), text=text, meta=meta)


def reject_row(path: str, line: int, reason: str, *, record: Any = None, raw: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"path": path, "line": line, "reason": reason}
    body["record" if raw is None else "raw"] = record if raw is None else raw
    return {"kind": REJECT, "id": "", "payload": json.dumps(body, ensure_ascii=False, default=str)}


def record_json(pred: DocumentPrediction) -> str:
    """One output line (without the newline): the single-process record format."""
    return json.dumps(pred.to_dict(), ensure_ascii=False, default=str)


# --- output --------------------------------------------------------------------------------------

def existing_ids(path: Path, fmt: str) -> set[str]:
    """Ids already written to ``path`` (for ``resume``); a line cut by a crash is dropped from the file."""
    if not path.is_file():
        return set()
    _drop_partial_last_line(path)
    ids: set[str] = set()
    with open(path, "rb") as f:
        if fmt == "csv":
            import csv
            import io

            reader = csv.DictReader(io.TextIOWrapper(f, encoding="utf-8", newline=""))
            return {row["id"] for row in reader if row.get("id")}
        for jl in iter_json_lines(f):
            if jl.error or not isinstance(jl.value, dict) or "id" not in jl.value:
                raise DataError("not a prediction record; cannot --resume from this file", path=path, line=jl.line)
            ids.add(str(jl.value["id"]))
    return ids


def _drop_partial_last_line(path: Path) -> None:
    size = path.stat().st_size
    if not size:
        return
    with open(path, "rb+") as f:
        f.seek(max(0, size - (1 << 20)))
        tail = f.read()
        if tail.endswith(b"\n"):
            return
        cut = tail.rfind(b"\n")
        f.truncate(size - len(tail) + cut + 1 if cut >= 0 else 0)


def _open_output(path: Path | None, *, append: bool) -> IO[str]:
    if path is None:
        return sys.stdout
    path.parent.mkdir(parents=True, exist_ok=True)
    return open(path, "a" if append else "w", encoding="utf-8", newline="")


def _write_results(batches: Iterable[pa.Table], summary: RayPredictSummary, path: Path | None, *, fmt: str,
                   append: bool) -> None:
    rejects_path = Path(f"{path}.rejects.jsonl") if path is not None else Path("rasd-predict.rejects.jsonl")
    out = _open_output(path, append=append)
    rejects: IO[str] | None = None
    csv_writer = None
    if fmt == "csv":
        import csv

        csv_writer = csv.writer(out)
        if not append:
            csv_writer.writerow(CSV_COLUMNS)
    try:
        for batch in batches:
            for row in batch.to_pylist():
                if row["kind"] == SKIP:
                    summary.skipped += 1
                elif row["kind"] == REJECT:
                    if rejects is None:
                        rejects_path.parent.mkdir(parents=True, exist_ok=True)
                        rejects = open(rejects_path, "a" if append else "w", encoding="utf-8")
                    rejects.write(row["payload"] + "\n")
                    summary.rejected += 1
                else:
                    if csv_writer is not None:
                        csv_writer.writerows(csv_rows(DocumentPrediction.from_dict(json.loads(row["payload"]))))
                    else:
                        out.write(row["payload"] + "\n")
                    summary.documents += 1
                    summary.sentences += row["sentences"]
                    summary.reported_sentences += row["reported"]
                    summary.slots += row["slots"]
            out.flush()
    finally:
        if out is not sys.stdout:
            out.close()
        if rejects is not None:
            rejects.close()
    summary.rejects_path = rejects_path if summary.rejected else None
    if summary.rejected == 0 and not append and rejects_path.exists() and path is not None:
        os.remove(rejects_path)  # a stale file from an earlier run would misreport this one


def csv_rows(pred: DocumentPrediction) -> Iterator[list[Any]]:
    """One row per slot (one row per sentence without slots), as ``--format csv`` writes."""
    for s in pred.sentences:
        if not s.slots:
            yield [pred.id, s.start, s.end, s.event_type, s.event_score, "", "", "", "", ""]
        for slot in s.slots:
            yield [pred.id, s.start, s.end, s.event_type, s.event_score, slot.label, slot.text, slot.start, slot.end,
                   slot.score]
